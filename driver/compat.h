/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - kernel version differences for the damonrec modules
 *
 * Every #if on LINUX_VERSION_CODE of the project lives here, one section
 * per subsystem, so that the rest of the code reads the same on every
 * supported kernel (5.15 to 6.12 and later).
 */
#ifndef _DAMONREC_COMPAT_H
#define _DAMONREC_COMPAT_H

#include <linux/version.h>

/* ======================================================================
 * Core helpers
 * ====================================================================== */

/* <asm/unaligned.h> moved to <linux/unaligned.h> in 6.12. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* ======================================================================
 * DAMON: the damon_aggregated tracepoint and struct damon_region
 * ====================================================================== */

#include <linux/damon.h>

/*
 * TP_PROTO of damon_aggregated, as reported in struct damon_rec_info's
 * tp_proto when the tracepoint exists:
 *   1: 5.15        (struct damon_target *t, struct damon_region *r,
 *                   unsigned int nr_regions)
 *   2: 5.17 - 6.6  (struct damon_target *t, unsigned int target_id,
 *                   struct damon_region *r, unsigned int nr_regions)
 *   3: 6.7 -       (unsigned int target_id, struct damon_region *r,
 *                   unsigned int nr_regions)
 *
 * DREC_TP_PROBE(name, fn) defines the probe "name" with the signature of
 * the kernel built against; it calls
 *	fn(void *data, unsigned long tkey, struct damon_region *r,
 *	   unsigned int nr_regions)
 * where tkey is the target's index in its context when DREC_TP_KEY_IS_INDEX
 * is 1, and otherwise (5.15, which has no index) the target's address, from
 * which the caller derives the index by order of appearance.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define DREC_TP_PROTO		3
#define DREC_TP_KEY_IS_INDEX	1
#define DREC_TP_PROBE(name, fn)						\
static void name(void *data, unsigned int target_id,			\
		 struct damon_region *r, unsigned int nr_regions)	\
{									\
	fn(data, target_id, r, nr_regions);				\
}
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 17, 0)
#define DREC_TP_PROTO		2
#define DREC_TP_KEY_IS_INDEX	1
#define DREC_TP_PROBE(name, fn)						\
static void name(void *data, struct damon_target *t,			\
		 unsigned int target_id, struct damon_region *r,	\
		 unsigned int nr_regions)				\
{									\
	fn(data, target_id, r, nr_regions);				\
}
#else
#define DREC_TP_PROTO		1
#define DREC_TP_KEY_IS_INDEX	0
#define DREC_TP_PROBE(name, fn)						\
static void name(void *data, struct damon_target *t,			\
		 struct damon_region *r, unsigned int nr_regions)	\
{									\
	fn(data, (unsigned long)t, r, nr_regions);			\
}
#endif

/* struct damon_region gained 'age' with DAMON-based schemes in 5.16. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
#define DREC_HAS_AGE		1
#define drec_region_age(r)	((r)->age)
#else
#define DREC_HAS_AGE		0
#define drec_region_age(r)	0U
#endif

#endif /* _DAMONREC_COMPAT_H */
