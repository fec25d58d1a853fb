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

/* struct damon_region gained 'age' with DAMON-based schemes in 5.16. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
#define DREC_HAS_AGE		1
#define drec_region_age(r)	((r)->age)
#else
#define DREC_HAS_AGE		0
#define drec_region_age(r)	0U
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
 * adds a NUMA node argument.
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
 * zs_obj_write().  Never in interrupt context.
 */
static inline void ddz_zs_read(struct zs_pool *pool, unsigned long handle,
			       void *buf, size_t len)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
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
 * before, which takes a name since 6.0.
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

/* What kmalloc() really gives for @n bytes (kmalloc_size_roundup(): 6.1). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
#define ddz_kmalloc_size(n)	kmalloc_size_roundup(n)
#else
#define ddz_kmalloc_size(n)	((n) <= 8 ? 8 : roundup_pow_of_two(n))
#endif

/* ====================================================================== */

#endif /* _DAMONREC_COMPAT_H */
