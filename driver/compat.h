/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - kernel version differences for the damonrec modules
 *
 * Every #if on LINUX_VERSION_CODE of the project lives here, one section
 * per subsystem, so that the rest of the code reads the same on every
 * supported kernel (5.15 to 6.12 and later).
 *
 * What is verified: each branch names the kernels of the test matrix
 * (make check-kernels; README "Kernels") that compile and run it.  Those
 * are 6.12 (bookworm-backports, trixie, trixie-rt) and 7.2 (sid), and
 * Debian's stock 6.1 headers, which only build (that kernel has no DAMON).
 * A branch marked "untested" is compiled by no kernel here: it follows the
 * kernel's history but has never been built, let alone run.
 */
#ifndef _DAMONREC_COMPAT_H
#define _DAMONREC_COMPAT_H

#include <linux/version.h>

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
/* Tested: 6.12 (bookworm-backports, trixie, trixie-rt) and 7.2 (sid). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define DREC_TP_PROTO		3
#define DREC_TP_KEY_IS_INDEX	1
#define DREC_TP_PROBE(name, fn)						\
static void name(void *data, unsigned int target_id,			\
		 struct damon_region *r, unsigned int nr_regions)	\
{									\
	fn(data, target_id, r, nr_regions);				\
}
/* Untested: no kernel here is 5.17 - 6.6. */
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
/* Untested: no kernel here is 5.15 (built on 6.1 only, as no DAMON). */
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

/*
 * drec_tp_key_is(t, idx, tkey): whether a probe's tkey designates @t, the
 * target at index @idx of its context's list (targets without regions
 * count: kdamond_reset_aggregated() numbers every target).
 */
#if DREC_TP_KEY_IS_INDEX
#define drec_tp_key_is(t, idx, tkey)	((idx) == (tkey))
#else
#define drec_tp_key_is(t, idx, tkey)	((unsigned long)(t) == (tkey))
#endif

/*
 * struct damon_region gained 'age' with DAMON-based schemes in 5.16.
 * Tested: 6.12 and 7.2 (and built on 6.1); the 5.15 branch is untested.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
#define DREC_HAS_AGE		1
#define drec_region_age(r)	((r)->age)
#else
#define DREC_HAS_AGE		0
#define drec_region_age(r)	0U
#endif

/*
 * DREC_CTX_ATTRS(ctx): the struct holding a context's intervals
 * (sample_interval, aggr_interval, ops_update_interval, in µs).  6.1 moved
 * them into struct damon_attrs; every kernel of the test matrix (6.12 and
 * later) takes the first branch, no tested kernel the second (5.15-6.0).
 *
 * From 6.15 a kdamond may tune them itself (attrs.intervals_goal), and
 * 6.17 adds the damon_monitor_intervals_tune tracepoint.  The recorder
 * reads the context at each snapshot instead, on every kernel: that
 * tracepoint gives only the new sampling interval, and fires before
 * damon_set_attrs() applies it, while the context has all three as they
 * are for the snapshot at hand (also after a commit of new settings).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
#define DREC_CTX_ATTRS(ctx)	(&(ctx)->attrs)
#else
#define DREC_CTX_ATTRS(ctx)	(ctx)
#endif

/* ======================================================================
 * damon_dyndbg: zsmalloc, shrinkers, slab sizes
 * (this section belongs to the dyndbg store, ddz_*.c)
 * ====================================================================== */

#include <linux/log2.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/zsmalloc.h>

/*
 * zs_malloc() returns an error value on failure since 6.0 (0 before); 6.16
 * adds a NUMA node argument.  Tested: the node argument by 7.2 (sid), the
 * three-argument call by 6.12 (and built on 6.1); 5.15's 0 on failure is
 * handled but untested.
 */
static inline unsigned long ddz_zs_malloc(struct zs_pool *pool, size_t size,
					  gfp_t gfp)
{
	unsigned long h;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	h = zs_malloc(pool, size, gfp, NUMA_NO_NODE);
#else
	h = zs_malloc(pool, size, gfp);
#endif
	if (!h || IS_ERR_VALUE(h))
		return 0;
	return h;
}

/*
 * Copy a whole object out of the pool, or into it.  Up to 6.14 through a
 * mapping (which disables preemption until unmapped: nothing but the copy
 * happens in between); from 6.15 with zs_obj_read_begin()/_end(), which
 * copy into @buf themselves when the object spans two pages, and
 * zs_obj_write().  From 6.19 both read calls take the object's length.
 * Never in interrupt context.
 *
 * Tested: the length-taking calls by 7.2 (sid), the mapping by 6.12 (and
 * built on 6.1).  The 6.15 - 6.18 form without a length is untested: no
 * kernel here has it, and 6.19 as the release that changed it comes from
 * the kernel's history, not from a build.
 */
static inline void ddz_zs_read(struct zs_pool *pool, unsigned long handle,
			       void *buf, size_t len)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
	void *p = zs_obj_read_begin(pool, handle, len, buf);

	if (p != buf)
		memcpy(buf, p, len);
	zs_obj_read_end(pool, handle, len, p);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	void *p = zs_obj_read_begin(pool, handle, buf);

	if (p != buf)
		memcpy(buf, p, len);
	zs_obj_read_end(pool, handle, p);
#else
	void *p = zs_map_object(pool, handle, ZS_MM_RO);

	memcpy(buf, p, len);
	zs_unmap_object(pool, handle);
#endif
}

static inline void ddz_zs_write(struct zs_pool *pool, unsigned long handle,
				const void *buf, size_t len)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	zs_obj_write(pool, handle, (void *)buf, len);
#else
	void *p = zs_map_object(pool, handle, ZS_MM_WO);

	memcpy(p, buf, len);
	zs_unmap_object(pool, handle);
#endif
}

/*
 * Shrinkers: allocated and registered with shrinker_alloc() and
 * shrinker_register() since 6.7; embedded and given to register_shrinker()
 * before, which takes a name since 6.0.  Tested: 6.7+ by 6.12 and 7.2,
 * the named register_shrinker() built on 6.1; the 5.15 call is untested.
 */
static inline struct shrinker *
ddz_shrinker_create(unsigned long (*count)(struct shrinker *,
					   struct shrink_control *),
		    unsigned long (*scan)(struct shrinker *,
					  struct shrink_control *),
		    const char *name)
{
	struct shrinker *s;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 0, 0)
	if (register_shrinker(s, "%s", name)) {
#else
	if (register_shrinker(s)) {
#endif
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

static inline void ddz_shrinker_destroy(struct shrinker *s)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

/*
 * What kmalloc() really gives for @n bytes (kmalloc_size_roundup(): 6.1).
 * Tested: 6.12 and 7.2 (built on 6.1); the 5.15 branch is untested.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
#define ddz_kmalloc_size(n)	kmalloc_size_roundup(n)
#else
#define ddz_kmalloc_size(n)	((n) <= 8 ? 8 : roundup_pow_of_two(n))
#endif

/*
 * The dynamic-debug flag 'd' (_DPRINTK_FLAGS_INCL_STACK, a stack dump
 * after each print) is newer than 6.12: the store takes and shows it where
 * the kernel's own control file does, as the kernel's header says.
 * Tested: taken by 7.2 (sid), refused by 6.12 (dyndbg-parity.bats).
 */
#include <linux/dynamic_debug.h>
#ifdef _DPRINTK_FLAGS_INCL_STACK
#define DDZ_HAS_FLAG_STACK	1
#else
#define DDZ_HAS_FLAG_STACK	0
#endif

/* ======================================================================
 * Timers (the store's self-test module, ddz_selftest.ko)
 * ====================================================================== */

#include <linux/hrtimer.h>
#include <linux/timer.h>

/*
 * hrtimer_setup() (6.13) sets the callback with the rest and replaced
 * hrtimer_init(), which 7.x no longer has.  Tested: hrtimer_setup() by 7.2
 * (sid), hrtimer_init() by 6.12 (and built on 6.1).
 */
static inline void ddz_hrtimer_setup(struct hrtimer *t,
				     enum hrtimer_restart (*fn)(struct hrtimer *),
				     clockid_t clock, enum hrtimer_mode mode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(t, fn, clock, mode);
#else
	hrtimer_init(t, clock, mode);
	t->function = fn;
#endif
}

/*
 * timer_delete_sync() (6.2) replaced del_timer_sync(), which 7.x no longer
 * has.  Tested: timer_delete_sync() by 6.12 and 7.2, del_timer_sync()
 * built on 6.1.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define ddz_timer_delete_sync(t)	timer_delete_sync(t)
#else
#define ddz_timer_delete_sync(t)	del_timer_sync(t)
#endif

/* ====================================================================== */

#endif /* _DAMONREC_COMPAT_H */
