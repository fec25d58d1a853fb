// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_core.c - damon_dyndbg: a zsmalloc-backed store of dynamic-debug
 *		callsites
 *
 * Each table of callsites (a module's, handed over at its init, or one
 * loaded through /dev/damon_dyndbg) is packed by ddz_codec.c into blocks of
 * DDZ_OBJ_SIZE bytes in one zsmalloc pool, with a trained string model and
 * interned names kept resident.  What stays resident per callsite is one
 * byte of flags: the block holding a site is found by a binary search over
 * the blocks' first sites.
 *
 * A block is read by copying the whole object out of the pool at once (the
 * mapping is never held, see ddz_zs_read()), then decoded from the copy.
 *
 * Enabled callsites are kept decoded in a cache (an xarray per table, RCU
 * lookups), so that a print with a prefix never reads the pool.  A
 * shrinker drops cached entries under memory pressure; a print that then
 * misses decodes its callsite from the pool when not in interrupt context,
 * goes out with a shorter prefix when in it, and queues a refill.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/hardirq.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "ddz_internal.h"

static unsigned int cache_max = 1024;
module_param(cache_max, uint, 0644);
MODULE_PARM_DESC(cache_max, "decoded callsites the cache holds, at most");

struct ddz_store ddz = {
	.lock = __MUTEX_INITIALIZER(ddz.lock),
	.tables = LIST_HEAD_INIT(ddz.tables),
	.next_id = 1,
	.miss_lock = __SPIN_LOCK_UNLOCKED(ddz.miss_lock),
};

/* Bytes an allocation of @n bytes at @p really takes. */
static u64 ddz_mem(const void *p, size_t n)
{
	if (!p)
		return 0;
	if (is_vmalloc_addr(p))
		return PAGE_ALIGN(n);
	return ddz_kmalloc_size(n);
}

/* ---- blocks --------------------------------------------------------------- */

/**
 * ddz_block_of - the block holding a callsite
 * @t: the table
 * @idx: the callsite's index
 *
 * Return: the block's index.
 */
u32 ddz_block_of(const struct ddz_table *t, u32 idx)
{
	u32 lo = 0, hi = t->nblocks;

	while (hi - lo > 1) {
		u32 mid = lo + (hi - lo) / 2;

		if (t->blk_first[mid] <= idx)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/**
 * ddz_lut_for - the decoding tables of a table's model
 * @t: the table
 *
 * One set of tables is kept, rebuilt when another table needs it.
 *
 * Context: under ddz.lock; the tables stay valid until it is dropped.
 * Return: the tables.
 */
const struct ddz_lut *ddz_lut_for(struct ddz_table *t)
{
	if (ddz.lut_id != t->id) {
		ddz_lut_build(&t->packed.model, ddz.lut);
		ddz.lut_id = t->id;
	}
	return ddz.lut;
}

/**
 * ddz_read_block - copy a block out of the pool
 * @t: the table
 * @b: the block's index
 * @buf: DDZ_OBJ_SIZE bytes
 *
 * Context: not in interrupt context.
 * Return: 0.
 */
int ddz_read_block(struct ddz_table *t, u32 b, u8 *buf)
{
	ddz_zs_read(ddz.pool, t->blk_handle[b], buf, DDZ_OBJ_SIZE);
	atomic64_inc(&ddz.pool_reads);
	return 0;
}

/*
 * Position @it on callsite @idx of the block in @buf (block @b); the
 * site's format is then pending.
 */
static int ddz_seek(struct ddz_table *t, u32 b, const u8 *buf, u32 idx,
		    struct ddz_blkit *it, bool meta_only)
{
	u32 k;
	int rc;

	rc = ddz_blk_begin(it, &t->packed, buf, DDZ_OBJ_SIZE);
	if (rc)
		return rc;
	it->meta_only = meta_only;
	/* without the lock (a print's miss), no decoding tables */
	if (!meta_only)
		it->lut = ddz_lut_for(t);
	for (k = t->blk_first[b]; k <= idx; k++) {
		rc = ddz_blk_next(it);
		if (rc)
			return rc == -ENOENT ? -EINVAL : rc;
	}
	return 0;
}

/**
 * ddz_decode_names - decode a callsite's names
 * @t: its table
 * @m: the callsite's fields
 * @d: receives the names (those already there for the same indexes of
 *	the same table are kept)
 *
 * Context: under ddz.lock.
 * Return: 0 or a negative errno.
 */
int ddz_decode_names(struct ddz_table *t, const struct ddz_site_meta *m,
		     struct ddz_decoded *d)
{
	const u32 want[DDZ_NSTRKINDS] = { m->mod, m->file, m->func, m->cls };
	char *const out[DDZ_NSTRKINDS] = { d->mod, d->file, d->func, d->cls };
	int k, rc;

	if (d->table_id != t->id) {
		d->table_id = t->id;
		memset(d->idx, 0xff, sizeof(d->idx));
	}
	for (k = 0; k < DDZ_NSTRKINDS; k++) {
		if (d->idx[k] == want[k])
			continue;
		if (k == DDZ_STR_CLASS && !want[k]) {
			d->cls[0] = '\0';
		} else {
			rc = ddz_str_get_lut(&t->packed, ddz_lut_for(t), k,
					     k == DDZ_STR_CLASS ? want[k] - 1 :
					     want[k], out[k], DDZ_STR_MAX + 1);
			if (rc < 0) {
				d->idx[k] = U32_MAX;
				return rc;
			}
		}
		d->idx[k] = want[k];
	}
	return 0;
}

/* ---- the cache ---------------------------------------------------------- */

static void ddz_cached_put(struct ddz_cached *e)
{
	if (refcount_dec_and_test(&e->ref))
		kfree_rcu(e, rcu);
}

/* A new entry (one reference) for the decoded callsite in @d. */
static struct ddz_cached *ddz_cached_new(const struct ddz_decoded *d,
					 u32 lineno, bool has_class)
{
	size_t lm = strlen(d->mod) + 1, lfi = strlen(d->file) + 1;
	size_t lfu = strlen(d->func) + 1, lfo = strlen(d->format) + 1;
	size_t lc = has_class ? strlen(d->cls) + 1 : 0;
	size_t size = sizeof(struct ddz_cached) + lm + lfi + lfu + lfo + lc;
	struct ddz_cached *e;
	char *p;

	e = kmalloc(size, GFP_KERNEL);
	if (!e)
		return NULL;
	refcount_set(&e->ref, 1);
	e->size = ddz_kmalloc_size(size);
	e->lineno = lineno;
	p = e->data;
	e->mod = memcpy(p, d->mod, lm);
	p += lm;
	e->file = memcpy(p, d->file, lfi);
	p += lfi;
	e->func = memcpy(p, d->func, lfu);
	p += lfu;
	e->format = memcpy(p, d->format, lfo);
	p += lfo;
	e->cls = has_class ? memcpy(p, d->cls, lc) : NULL;
	return e;
}

/* Make the current site's format available in @d->format. */
static int ddz_cur_format(struct ddz_blkit *it, struct ddz_decoded *d)
{
	int rc;

	if (!it->fmt_pending)
		return 0;
	rc = ddz_blk_format(it, d->format, sizeof(d->format));
	return rc < 0 ? rc : 0;
}

/* Decode the site @it is on into a new entry. */
static struct ddz_cached *ddz_decode_cur(struct ddz_table *t,
					 struct ddz_blkit *it,
					 struct ddz_decoded *d, int *rcp)
{
	struct ddz_cached *e;
	int rc;

	rc = ddz_cur_format(it, d);
	if (!rc)
		rc = ddz_decode_names(t, &it->site, d);
	if (rc) {
		*rcp = rc;
		return NULL;
	}
	e = ddz_cached_new(d, it->site.lineno, it->site.cls != 0);
	*rcp = e ? 0 : -ENOMEM;
	return e;
}

static bool ddz_cache_full(void)
{
	return atomic_long_read(&ddz.cache_entries) >= READ_ONCE(cache_max);
}

/* Publish @e as site @idx's cached copy; takes a reference.  Under lock. */
static int ddz_cache_store(struct ddz_table *t, u32 idx, struct ddz_cached *e)
{
	void *old;

	refcount_inc(&e->ref);
	old = xa_store(&t->cache, idx, e, GFP_KERNEL);
	if (xa_is_err(old)) {
		refcount_dec(&e->ref);
		return xa_err(old);
	}
	atomic_long_inc(&ddz.cache_entries);
	atomic_long_add(e->size, &ddz.cache_bytes);
	if (old) {
		struct ddz_cached *o = old;

		atomic_long_dec(&ddz.cache_entries);
		atomic_long_sub(o->size, &ddz.cache_bytes);
		ddz_cached_put(o);
	}
	return 0;
}

/* Cache the site @it is on, unless cached already or the cache is full. */
static int ddz_cache_cur(struct ddz_table *t, u32 idx, struct ddz_blkit *it)
{
	struct ddz_cached *e;
	int rc;

	if (ddz_cache_full() || xa_load(&t->cache, idx))
		return 0;
	e = ddz_decode_cur(t, it, ddz.dec, &rc);
	if (!e)
		return rc;
	rc = ddz_cache_store(t, idx, e);
	ddz_cached_put(e);
	return rc;
}

static void ddz_cache_drop(struct ddz_table *t, u32 idx)
{
	struct ddz_cached *e = xa_erase(&t->cache, idx);

	if (e) {
		atomic_long_dec(&ddz.cache_entries);
		atomic_long_sub(e->size, &ddz.cache_bytes);
		ddz_cached_put(e);
	}
}

static void ddz_cache_drop_table(struct ddz_table *t)
{
	struct ddz_cached *e;
	unsigned long idx;

	xa_for_each(&t->cache, idx, e)
		ddz_cache_drop(t, idx);
}

/*
 * Decode and cache every enabled site of @t that is not cached yet, as
 * long as the cache has room.  Under lock.
 */
static int ddz_cache_fill(struct ddz_table *t)
{
	struct ddz_blkit it;
	u32 b, idx;
	int rc;

	for (b = 0; b < t->nblocks && !ddz_cache_full(); b++) {
		u32 end = b + 1 < t->nblocks ? t->blk_first[b + 1] : t->nsites;

		for (idx = t->blk_first[b]; idx < end; idx++)
			if (READ_ONCE(t->flags[idx]) &&
			    !xa_load(&t->cache, idx))
				break;
		if (idx == end)
			continue;
		ddz_read_block(t, b, ddz.scratch);
		rc = ddz_blk_begin(&it, &t->packed, ddz.scratch, DDZ_OBJ_SIZE);
		if (rc)
			return rc;
		it.lut = ddz_lut_for(t);
		for (idx = t->blk_first[b]; idx < end; idx++) {
			rc = ddz_blk_next(&it);
			if (rc)
				return rc == -ENOENT ? -EINVAL : rc;
			if (!READ_ONCE(t->flags[idx]))
				continue;
			rc = ddz_cache_cur(t, idx, &it);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static void ddz_rewarm_fn(struct work_struct *work)
{
	struct ddz_table *t;

	mutex_lock(&ddz.lock);
	list_for_each_entry(t, &ddz.tables, link)
		if (t->nenabled && ddz_cache_fill(t))
			break;
	mutex_unlock(&ddz.lock);
}

/**
 * ddz_note_enabled_lookup - count a listing's visit of an enabled callsite
 * @t: its table
 * @idx: its index
 *
 * A hit when the callsite is cached; a miss otherwise, which queues a
 * refill of the cache.  Under ddz.lock.
 */
void ddz_note_enabled_lookup(struct ddz_table *t, u32 idx)
{
	if (xa_load(&t->cache, idx)) {
		atomic64_inc(&ddz.hits);
	} else {
		atomic64_inc(&ddz.misses);
		if (!ddz_cache_full())
			queue_work(system_unbound_wq, &ddz.rewarm);
	}
}

/**
 * ddz_drop_cache - drop cached callsites
 * @max: at most this many
 *
 * Context: under ddz.lock.
 * Return: the number dropped.
 */
long ddz_drop_cache(unsigned long max)
{
	struct ddz_table *t;
	struct ddz_cached *e;
	unsigned long idx;
	long freed = 0;

	list_for_each_entry(t, &ddz.tables, link) {
		xa_for_each(&t->cache, idx, e) {
			if (freed >= max)
				goto out;
			ddz_cache_drop(t, idx);
			freed++;
		}
	}
out:
	atomic64_add(freed, &ddz.evictions);
	return freed;
}

static unsigned long ddz_shrink_count(struct shrinker *s,
				      struct shrink_control *sc)
{
	long n = atomic_long_read(&ddz.cache_entries);

	return n > 0 ? n : SHRINK_EMPTY;
}

static unsigned long ddz_shrink_scan(struct shrinker *s,
				     struct shrink_control *sc)
{
	long freed;

	atomic64_inc(&ddz.scans);
	if (!mutex_trylock(&ddz.lock))
		return SHRINK_STOP;
	freed = ddz_drop_cache(sc->nr_to_scan);
	mutex_unlock(&ddz.lock);
	ddz_pr_debug("shrinker dropped %ld cached callsites\n", freed);
	return freed;
}

/* ---- tables ------------------------------------------------------------- */

struct ddz_emit_ctx {
	u32 cap;
	u32 n;
	u32 *first;
	unsigned long *handle;
};

static int ddz_emit(void *ctx, u32 first, u32 nsites, const u8 *data)
{
	struct ddz_emit_ctx *ec = ctx;
	unsigned long h;

	if (ec->n == ec->cap)
		return -EINVAL;
	h = ddz_zs_malloc(ddz.pool, DDZ_OBJ_SIZE,
			  GFP_KERNEL | __GFP_NOWARN | __GFP_HIGHMEM |
			  __GFP_MOVABLE);
	if (!h)
		return -ENOMEM;
	ddz_zs_write(ddz.pool, h, data, DDZ_OBJ_SIZE);
	ec->first[ec->n] = first;
	ec->handle[ec->n] = h;
	ec->n++;
	return 0;
}

static void ddz_table_free(struct ddz_table *t)
{
	u32 b;

	for (b = 0; b < t->nblocks; b++)
		zs_free(ddz.pool, t->blk_handle[b]);
	ddz_packed_free(&t->packed);
	kvfree(t->blk_first);
	kvfree(t->blk_handle);
	if (!t->owner)
		kvfree(t->flags);
	xa_destroy(&t->cache);
	kfree(t);
}

/*
 * Pack @n callsites into a new table (not yet linked).  @flags holds a
 * byte per site and becomes the table's (for a loaded table, which then
 * owns it).
 */
static struct ddz_table *ddz_table_build(const struct ddz_rec *recs, u32 n,
					 struct module *owner,
					 const char *name, u8 *flags)
{
	struct ddz_emit_ctx ec = { .cap = n };
	struct ddz_pack_stats st;
	struct ddz_table *t;
	int rc = -ENOMEM;
	u32 i;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	xa_init(&t->cache);
	t->owner = owner;
	strscpy(t->name, name, sizeof(t->name));
	t->nsites = n;
	ec.first = kvmalloc_array(n, sizeof(*ec.first), GFP_KERNEL);
	ec.handle = kvmalloc_array(n, sizeof(*ec.handle), GFP_KERNEL);
	if (!ec.first || !ec.handle)
		goto fail;
	rc = ddz_pack(recs, n, &t->packed, ddz_emit, &ec, &st);
	if (rc)
		goto fail;
	rc = -ENOMEM;
	t->blk_first = kvmalloc_array(ec.n, sizeof(*t->blk_first), GFP_KERNEL);
	t->blk_handle = kvmalloc_array(ec.n, sizeof(*t->blk_handle),
				       GFP_KERNEL);
	if (!t->blk_first || !t->blk_handle) {
		ddz_packed_free(&t->packed);
		goto fail;
	}
	memcpy(t->blk_first, ec.first, ec.n * sizeof(*ec.first));
	memcpy(t->blk_handle, ec.handle, ec.n * sizeof(*ec.handle));
	t->nblocks = ec.n;
	kvfree(ec.first);
	kvfree(ec.handle);

	t->flags = flags;
	for (i = 0; i < n; i++)
		t->nenabled += flags[i] != 0;
	t->raw_bytes = (u64)DDZ_KERNEL_DESC_BYTES * n + st.raw_strings;
	t->model_bytes = st.model_bytes;
	t->interned_bytes = st.str_bytes;
	t->resident_bytes = ddz_mem(t, sizeof(*t)) +
		ddz_mem(t->blk_first, ec.n * sizeof(*t->blk_first)) +
		ddz_mem(t->blk_handle, ec.n * sizeof(*t->blk_handle)) +
		ddz_mem(t->packed.blob, t->packed.blob_size) +
		(owner ? n : ddz_mem(flags, n));
	return t;

fail:
	for (i = 0; i < ec.n; i++)
		zs_free(ddz.pool, ec.handle[i]);
	kvfree(ec.first);
	kvfree(ec.handle);
	kfree(t);
	return ERR_PTR(rc);
}

/* Give @t an id and add it to the store; caches its enabled sites. */
static void ddz_table_link(struct ddz_table *t)
{
	mutex_lock(&ddz.lock);
	t->id = ddz.next_id++;
	if (!t->name[0])
		snprintf(t->name, sizeof(t->name), "table%u", t->id);
	list_add_tail(&t->link, &ddz.tables);
	ddz.generation++;
	if (t->nenabled)
		ddz_cache_fill(t);
	mutex_unlock(&ddz.lock);
}

/* Remove @t from the store and free it once no print can see it. */
static void ddz_table_unlink_free(struct ddz_table *t)
{
	u32 i;

	mutex_lock(&ddz.lock);
	for (i = 0; i < t->nsites; i++)
		WRITE_ONCE(t->flags[i], 0);
	list_del(&t->link);
	ddz.generation++;
	ddz_cache_drop_table(t);
	mutex_unlock(&ddz.lock);
	/* prints read tables under RCU (or with preemption disabled) */
	synchronize_rcu();
	ddz_table_free(t);
}

/**
 * ddz_table_load - load a table from control-file text
 * @name: its name, or "" for "table<id>"
 * @text: the text, NUL-terminated; modified
 * @len: its length
 * @bad_line: receives the number of the first bad line on -EINVAL
 *
 * Return: the new table, linked, or an ERR_PTR().
 */
struct ddz_table *ddz_table_load(const char *name, char *text, size_t len,
				 u32 *bad_line)
{
	struct ddz_rec *recs = NULL;
	struct ddz_table *t;
	u32 n = 0, cap = 0, lineno = 0;
	u8 *flags = NULL;
	char *p = text, *nl;
	int rc;

	*bad_line = 0;
	/* count the lines first */
	for (nl = text; nl < text + len; nl++)
		cap += *nl == '\n';
	cap++;
	recs = kvmalloc_array(cap, sizeof(*recs), GFP_KERNEL);
	flags = kvmalloc(cap, GFP_KERNEL);
	rc = -ENOMEM;
	if (!recs || !flags)
		goto fail;

	while (p && *p) {
		unsigned int f;

		lineno++;
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		if (*p && *p != '#') {
			rc = ddz_parse_line(p, &recs[n], &f);
			if (rc) {
				*bad_line = lineno;
				goto fail;
			}
			flags[n++] = f;
		}
		p = nl;
	}
	rc = -EINVAL;
	if (!n)
		goto fail;
	/* a table owns an array of exactly @n flags */
	if (ddz_kmalloc_size(n) < ddz_mem(flags, cap)) {
		u8 *f = kvmalloc(n, GFP_KERNEL);

		if (f) {
			memcpy(f, flags, n);
			kvfree(flags);
			flags = f;
		}
	}
	t = ddz_table_build(recs, n, NULL, name, flags);
	kvfree(recs);
	if (IS_ERR(t)) {
		kvfree(flags);
		return t;
	}
	ddz_table_link(t);
	ddz_pr_debug("loaded table %u (%s): %u callsites in %u blocks\n",
		     t->id, t->name, t->nsites, t->nblocks);
	return t;

fail:
	kvfree(recs);
	kvfree(flags);
	return ERR_PTR(rc);
}

/**
 * ddz_table_unload - unload loaded tables
 * @id: a table id, or 0 for all loaded tables
 * @count: receives the number unloaded
 *
 * Return: 0, -ENOENT when @id names no loaded table, -EBUSY when it names
 * a module's table.
 */
int ddz_table_unload(u32 id, u32 *count)
{
	struct ddz_table *t, *next;
	LIST_HEAD(gone);
	int rc = id ? -ENOENT : 0;
	u32 i;

	*count = 0;
	mutex_lock(&ddz.lock);
	list_for_each_entry_safe(t, next, &ddz.tables, link) {
		if (id && t->id != id)
			continue;
		if (t->owner) {
			if (id)
				rc = -EBUSY;
			continue;
		}
		for (i = 0; i < t->nsites; i++)
			WRITE_ONCE(t->flags[i], 0);
		list_move_tail(&t->link, &gone);
		ddz_cache_drop_table(t);
		ddz.generation++;
		(*count)++;
		rc = 0;
	}
	mutex_unlock(&ddz.lock);
	if (list_empty(&gone))
		return rc;
	synchronize_rcu();
	list_for_each_entry_safe(t, next, &gone, link) {
		ddz_pr_debug("unloaded table %u (%s)\n", t->id, t->name);
		ddz_table_free(t);
	}
	return 0;
}

/* ---- queries -------------------------------------------------------------- */

/* Which names of one kind a query selects, one byte per name. */
static u8 *ddz_name_matches(struct ddz_table *t, enum ddz_strkind kind,
			    const struct ddz_query *q, bool *any)
{
	struct ddz_strit sit;
	char *buf = ddz.dec->mod;
	u32 n = t->packed.strs[kind].count, i;
	u8 *m;
	int rc;

	m = kvmalloc(n ? n : 1, GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	*any = false;
	ddz_strit_begin(&sit, &t->packed, kind);
	sit.lut = ddz_lut_for(t);
	for (i = 0; i < n; i++) {
		rc = ddz_strit_next(&sit, buf, DDZ_STR_MAX + 1);
		if (rc < 0) {
			kvfree(m);
			return ERR_PTR(rc);
		}
		switch (kind) {
		case DDZ_STR_MOD:
			m[i] = ddz_match_module(q, buf);
			break;
		case DDZ_STR_FILE:
			m[i] = ddz_match_file(q, buf);
			break;
		case DDZ_STR_FUNC:
			m[i] = ddz_match_function(q, buf);
			break;
		default:
			m[i] = q->class_string && !strcmp(q->class_string, buf);
			break;
		}
		*any |= m[i];
	}
	return m;
}

/* Whether a query filters on names of @kind. */
static bool ddz_query_has(const struct ddz_query *q, enum ddz_strkind kind)
{
	switch (kind) {
	case DDZ_STR_MOD:
		return q->module;
	case DDZ_STR_FILE:
		return q->filename;
	case DDZ_STR_FUNC:
		return q->function;
	default:
		return q->class_string;
	}
}

/* Whether the site @it is on passes the query's tests but the format. */
static bool ddz_site_selected(const struct ddz_query *q, u8 *const *match,
			      const struct ddz_site_meta *m)
{
	if ((match[DDZ_STR_MOD] && !match[DDZ_STR_MOD][m->mod]) ||
	    (match[DDZ_STR_FILE] && !match[DDZ_STR_FILE][m->file]) ||
	    (match[DDZ_STR_FUNC] && !match[DDZ_STR_FUNC][m->func]))
		return false;
	/* without "class", class'd sites are left alone */
	if (q->class_string ? !m->cls || !match[DDZ_STR_CLASS][m->cls - 1] :
	    m->cls != 0)
		return false;
	return ddz_match_line(q, m->lineno);
}

/*
 * Apply a query to one table; returns the callsites it matched.
 *
 * Names are matched once each, not once per site.  Blocks are walked over
 * their site headers alone unless the query has a format, and walked again
 * with the formats only when sites were enabled, to cache them.
 */
static int ddz_change_table(struct ddz_table *t, const struct ddz_query *q,
			    const struct ddz_flag_settings *mods)
{
	u8 *match[DDZ_NSTRKINDS] = { NULL };
	DECLARE_BITMAP(enable, DDZ_BLK_MAX_SITES);
	struct ddz_decoded *d = ddz.dec;
	const struct ddz_lut *lut = ddz_lut_for(t);
	struct ddz_blkit it;
	int nfound = 0, rc = 0, k;
	bool any;
	u32 b;

	for (k = 0; k < DDZ_NSTRKINDS; k++) {
		if (!ddz_query_has(q, k))
			continue;
		match[k] = ddz_name_matches(t, k, q, &any);
		if (IS_ERR(match[k])) {
			rc = PTR_ERR(match[k]);
			match[k] = NULL;
			goto out;
		}
		if (!any)
			goto out;
	}
	/* the names were decoded into d->mod: forget what it held */
	d->table_id = 0;

	for (b = 0; b < t->nblocks; b++) {
		u32 first = t->blk_first[b], idx, nenable = 0;
		u32 end = b + 1 < t->nblocks ? t->blk_first[b + 1] : t->nsites;

		bitmap_zero(enable, DDZ_BLK_MAX_SITES);
		ddz_read_block(t, b, ddz.scratch);
		rc = ddz_blk_begin(&it, &t->packed, ddz.scratch, DDZ_OBJ_SIZE);
		if (rc)
			goto out;
		it.lut = lut;
		it.meta_only = !q->format;
		for (idx = first; idx < end; idx++) {
			unsigned int old, new;

			rc = ddz_blk_next(&it);
			if (rc) {
				rc = rc == -ENOENT ? -EINVAL : rc;
				goto out;
			}
			if (!ddz_site_selected(q, match, &it.site))
				continue;
			if (q->format) {
				rc = ddz_cur_format(&it, d);
				if (rc)
					goto out;
				if (!ddz_match_format(q, d->format))
					continue;
			}
			nfound++;
			old = t->flags[idx];
			new = ddz_new_flags(old, mods);
			if (new == old)
				continue;
			WRITE_ONCE(t->flags[idx], new);
			if (!old) {
				t->nenabled++;
				__set_bit(idx - first, enable);
				nenable++;
			} else if (!new) {
				t->nenabled--;
				ddz_cache_drop(t, idx);
			}
		}
		if (!nenable || ddz_cache_full())
			continue;
		/* cache the sites just enabled: walk the block with formats */
		rc = ddz_blk_begin(&it, &t->packed, ddz.scratch, DDZ_OBJ_SIZE);
		if (rc)
			goto out;
		it.lut = lut;
		for (idx = first; idx < end && nenable; idx++) {
			rc = ddz_blk_next(&it);
			if (rc) {
				rc = rc == -ENOENT ? -EINVAL : rc;
				goto out;
			}
			if (!test_bit(idx - first, enable))
				continue;
			nenable--;
			rc = ddz_cache_cur(t, idx, &it);
			if (rc)
				goto out;
		}
	}
	rc = 0;
out:
	for (k = 0; k < DDZ_NSTRKINDS; k++)
		kvfree(match[k]);
	return rc ? rc : nfound;
}

static int ddz_change(void *ctx, const struct ddz_query *q,
		      const struct ddz_flag_settings *mods)
{
	struct ddz_table *t;
	int nfound = 0, rc;

	mutex_lock(&ddz.lock);
	list_for_each_entry(t, &ddz.tables, link) {
		rc = ddz_change_table(t, q, mods);
		if (rc < 0) {
			nfound = rc;
			break;
		}
		nfound += rc;
	}
	atomic64_inc(&ddz.queries);
	mutex_unlock(&ddz.lock);
	return nfound;
}

/**
 * ddz_exec_write - apply what was written to the control device
 * @buf: the text, NUL-terminated; modified
 *
 * Return: as ddz_exec_queries().
 */
int ddz_exec_write(char *buf)
{
	return ddz_exec_queries(buf, NULL, ddz_change, NULL);
}

/**
 * ddz_exec_queries_str - change callsite flags from a module
 * @query: queries, as written to /dev/damon_dyndbg
 * @modname: limit queries that name no module to this one, or NULL
 *
 * Context: process context, may sleep.
 * Return: the number of callsites matched, or the last error.
 */
int ddz_exec_queries_str(const char *query, const char *modname)
{
	char *buf;
	int rc;

	if (!query)
		return -EINVAL;
	buf = kstrndup(query, PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	rc = ddz_exec_queries(buf, modname, ddz_change, NULL);
	kfree(buf);
	return rc;
}
EXPORT_SYMBOL_GPL(ddz_exec_queries_str);

/* ---- get and put -------------------------------------------------------- */

/**
 * ddz_site_get - decode a module's callsite
 * @table: the module's table (its __ddz_this_table)
 * @site: the callsite
 * @view: receives the callsite's fields, valid until ddz_site_put()
 *
 * An enabled callsite comes from the cache when it is there; otherwise
 * its block is copied out of the pool and decoded.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL when @site is not in @table, -ENOMEM.
 */
int ddz_site_get(struct ddz_table *table, const struct ddz_site *site,
		 struct ddz_view *view)
{
	struct ddz_cached *e;
	struct ddz_blkit it;
	u32 idx;
	int rc = 0;

	if (!table || (const u8 *)site < table->flags ||
	    (const u8 *)site >= table->flags + table->nsites)
		return -EINVAL;
	idx = (const u8 *)site - table->flags;

	rcu_read_lock();
	e = xa_load(&table->cache, idx);
	if (e && !refcount_inc_not_zero(&e->ref))
		e = NULL;
	rcu_read_unlock();

	if (e) {
		atomic64_inc(&ddz.hits);
	} else {
		mutex_lock(&ddz.lock);
		ddz_read_block(table, ddz_block_of(table, idx), ddz.scratch);
		rc = ddz_seek(table, ddz_block_of(table, idx), ddz.scratch,
			      idx, &it, false);
		if (!rc)
			e = ddz_decode_cur(table, &it, ddz.dec, &rc);
		if (e && READ_ONCE(table->flags[idx])) {
			atomic64_inc(&ddz.misses);
			if (!ddz_cache_full())
				ddz_cache_store(table, idx, e);
		}
		mutex_unlock(&ddz.lock);
		if (!e)
			return rc;
	}
	view->modname = e->mod;
	view->function = e->func;
	view->filename = e->file;
	view->format = e->format;
	view->class_name = e->cls;
	view->lineno = e->lineno;
	view->flags = READ_ONCE(table->flags[idx]);
	view->priv = e;
	return 0;
}
EXPORT_SYMBOL_GPL(ddz_site_get);

/**
 * ddz_site_put - release what ddz_site_get() gave
 * @view: the view
 */
void ddz_site_put(struct ddz_view *view)
{
	if (view->priv)
		ddz_cached_put(view->priv);
	view->priv = NULL;
}
EXPORT_SYMBOL_GPL(ddz_site_put);

/* ---- printing ----------------------------------------------------------- */

static int ddz_remaining(int pos)
{
	return pos < DDZ_PREFIX_SIZE ? DDZ_PREFIX_SIZE - pos : 0;
}

static __printf(3, 4) int ddz_add(char *buf, int pos, const char *fmt, ...)
{
	va_list args;

	if (pos >= DDZ_PREFIX_SIZE)
		return pos;
	va_start(args, fmt);
	pos += vsnprintf(buf + pos, ddz_remaining(pos), fmt, args);
	va_end(args);
	return pos;
}

/* The module, function, file and line parts, as the kernel writes them. */
static int ddz_add_parts(char *buf, int pos, unsigned int flags,
			 const char *mod, const char *func, const char *file,
			 u32 lineno, bool have_site)
{
	if (flags & DDZ_F_MODNAME)
		pos = ddz_add(buf, pos, "%s:", mod);
	if (!have_site)
		return pos;
	if (flags & DDZ_F_FUNCNAME)
		pos = ddz_add(buf, pos, "%s:", func);
	if (flags & DDZ_F_SOURCENAME)
		pos = ddz_add(buf, pos, "%s:", file);
	if (flags & DDZ_F_LINENO)
		pos = ddz_add(buf, pos, "%d:", lineno);
	return pos;
}

/*
 * Whether a print may read the pool: not from an interrupt, and on
 * PREEMPT_RT only where it could sleep, as zsmalloc's locks and
 * ddz.miss_lock are sleeping locks there (a print from damon_rec's probe
 * runs with preemption disabled, or under a raw spinlock).
 */
static bool ddz_may_read_pool(void)
{
	if (in_interrupt())
		return false;
	return !IS_ENABLED(CONFIG_PREEMPT_RT) || preemptible();
}

/* A print whose callsite is not cached: read the pool if allowed. */
static int ddz_prefix_miss(struct ddz_table *t, u32 idx, unsigned int flags,
			   char *buf, int pos)
{
	char func[DDZ_PREFIX_SIZE], file[DDZ_PREFIX_SIZE];
	struct ddz_blkit it;
	u32 b, lineno;
	int rc;

	if (ddz_may_read_pool() && spin_trylock(&ddz.miss_lock)) {
		b = ddz_block_of(t, idx);
		ddz_read_block(t, b, ddz.miss_scratch);
		rc = ddz_seek(t, b, ddz.miss_scratch, idx, &it, true);
		lineno = it.site.lineno;
		if (!rc) {
			rc = ddz_str_get(&t->packed, DDZ_STR_FUNC, it.site.func,
					 func, sizeof(func));
			if (rc >= 0 || rc == -E2BIG)
				rc = ddz_str_get(&t->packed, DDZ_STR_FILE,
						 it.site.file, file,
						 sizeof(file));
		}
		spin_unlock(&ddz.miss_lock);
		if (rc >= 0 || rc == -E2BIG) {
			atomic64_inc(&ddz.misses);
			/* unbound: the printing task may not yield soon */
			if (!ddz_cache_full())
				queue_work(system_unbound_wq, &ddz.rewarm);
			return ddz_add_parts(buf, pos, flags, t->name, func,
					     file, lineno, true);
		}
	}
	atomic64_inc(&ddz.degraded);
	if (!ddz_cache_full())
		queue_work(system_unbound_wq, &ddz.rewarm);
	return ddz_add_parts(buf, pos, flags, t->name, NULL, NULL, 0, false);
}

static void ddz_emit_prefix(struct ddz_table *t, const struct ddz_site *site,
			    unsigned int flags, char *buf)
{
	int pos = 0, pos_after_tid;
	struct ddz_cached *e;
	u32 idx;

	if (flags & DDZ_F_TID) {
		if (in_interrupt())
			pos = ddz_add(buf, pos, "<intr> ");
		else
			pos = ddz_add(buf, pos, "[%d] ",
				      task_pid_vnr(current));
	}
	pos_after_tid = pos;
	if (t && (flags & (DDZ_F_MODNAME | DDZ_F_FUNCNAME |
			   DDZ_F_SOURCENAME | DDZ_F_LINENO))) {
		idx = (const u8 *)site - t->flags;
		e = idx < t->nsites ? xa_load(&t->cache, idx) : NULL;
		if (e) {
			atomic64_inc(&ddz.hits);
			pos = ddz_add_parts(buf, pos, flags, e->mod, e->func,
					    e->file, e->lineno, true);
		} else if (idx < t->nsites) {
			pos = ddz_prefix_miss(t, idx, flags, buf, pos);
		}
	}
	if (pos - pos_after_tid)
		pos = ddz_add(buf, pos, " ");
	if (pos >= DDZ_PREFIX_SIZE)
		buf[DDZ_PREFIX_SIZE - 1] = '\0';
}

/**
 * __ddz_printk - print an enabled callsite (ddz_pr_debug())
 * @table: the module's table
 * @site: the callsite
 * @fmt: its format
 *
 * Prints at KERN_DEBUG with the prefix the site's flags ask for (thread,
 * module, function, file, line), exactly as the kernel's dynamic debug.
 * May be called in any context.
 */
void __ddz_printk(struct ddz_table *table, const struct ddz_site *site,
		  const char *fmt, ...)
{
	char buf[DDZ_PREFIX_SIZE];
	unsigned int flags = READ_ONCE(site->flags);
	struct va_format vaf;
	va_list args;

	buf[0] = '\0';
	if (flags & DDZ_F_PREFIX) {
		rcu_read_lock();
		ddz_emit_prefix(table, site, flags, buf);
		rcu_read_unlock();
	}
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	printk(KERN_DEBUG "%s%pV", buf, &vaf);
	va_end(args);
	if (flags & DDZ_F_STACK)
		dump_stack();
}
EXPORT_SYMBOL_GPL(__ddz_printk);

/* ---- modules ------------------------------------------------------------ */

/**
 * ddz_register_module - hand a module's callsites to the store
 * @owner: the module
 * @start: its first callsite descriptor
 * @stop: one past its last
 * @sites: its first resident callsite
 * @sites_stop: one past its last
 * @expected: the number of callsites the build counted
 * @tablep: receives the module's table (NULL when it has no callsite)
 *
 * Called by DDZ_MODULE_REGISTER() from the module's init function, while
 * its init-only descriptors still exist.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL when the section bounds do not hold @expected
 * callsites (the marker objects are not first and last) or a descriptor is
 * bad, -ENOMEM.
 */
int ddz_register_module(struct module *owner, const struct ddz_desc *start,
			const struct ddz_desc *stop, struct ddz_site *sites,
			struct ddz_site *sites_stop, unsigned int expected,
			struct ddz_table **tablep)
{
	const char *name = owner ? module_name(owner) : KBUILD_MODNAME;
	unsigned long n = stop - start, nsites = sites_stop - sites, i;
	struct ddz_rec *recs;
	struct ddz_table *t;
	unsigned long *seen;
	int rc = -EINVAL;

	*tablep = NULL;
	if (n != expected || nsites != expected) {
		pr_err("%s: %lu callsite descriptors and %lu sites between the section bounds, but %u at build time: ddz_*_first.o and ddz_*_last.o must be the module's first and last objects\n",
		       name, n, nsites, expected);
		return -EINVAL;
	}
	if (!n)
		return 0;
	recs = kvcalloc(n, sizeof(*recs), GFP_KERNEL);
	seen = bitmap_zalloc(n, GFP_KERNEL);
	if (!recs || !seen) {
		rc = -ENOMEM;
		goto out;
	}
	/* pack in the order of the resident sites: site i is callsite i */
	for (i = 0; i < n; i++) {
		const struct ddz_desc *d = &start[i];
		unsigned long k = d->site - sites;

		if (d->site < sites || k >= n || test_bit(k, seen) ||
		    !d->function || !d->filename || !d->format) {
			pr_err("%s: bad callsite descriptor %lu\n", name, i);
			goto out;
		}
		__set_bit(k, seen);
		recs[k].modname = name;
		recs[k].filename = d->filename;
		recs[k].function = d->function;
		recs[k].format = d->format;
		recs[k].lineno = d->lineno;
		sites[k].flags = 0;
	}
	t = ddz_table_build(recs, n, owner, name, &sites->flags);
	if (IS_ERR(t)) {
		rc = PTR_ERR(t);
		goto out;
	}
	ddz_table_link(t);
	WRITE_ONCE(*tablep, t);
	rc = 0;
	ddz_pr_debug("%s: %u callsites in %u blocks\n", name, t->nsites,
		     t->nblocks);
out:
	bitmap_free(seen);
	kvfree(recs);
	return rc;
}
EXPORT_SYMBOL_GPL(ddz_register_module);

/**
 * ddz_unregister_module - take a module's callsites out of the store
 * @tablep: what ddz_register_module() filled in; set to NULL
 *
 * Context: process context, may sleep.
 */
void ddz_unregister_module(struct ddz_table **tablep)
{
	struct ddz_table *t = *tablep;

	if (!t)
		return;
	ddz_table_unlink_free(t);
	WRITE_ONCE(*tablep, NULL);
}
EXPORT_SYMBOL_GPL(ddz_unregister_module);

/* ---- statistics --------------------------------------------------------- */

/**
 * ddz_fill_stats - gather the statistics
 * @st: receives them (its size and version fields are left alone)
 */
void ddz_fill_stats(struct damon_dyndbg_stats *st)
{
	struct ddz_table *t;

	mutex_lock(&ddz.lock);
	list_for_each_entry(t, &ddz.tables, link) {
		st->tables++;
		st->sites += t->nsites;
		st->enabled += t->nenabled;
		st->resident_bytes += t->resident_bytes;
		st->pool_objects += t->nblocks;
		st->interned_bytes += t->interned_bytes;
		st->model_bytes += t->model_bytes;
		st->raw_bytes += t->raw_bytes;
	}
	mutex_unlock(&ddz.lock);
	st->pool_bytes = (u64)zs_get_total_pages(ddz.pool) << PAGE_SHIFT;
	st->cache_entries = atomic_long_read(&ddz.cache_entries);
	st->cache_bytes = atomic_long_read(&ddz.cache_bytes);
	st->cache_hits = atomic64_read(&ddz.hits);
	st->cache_misses = atomic64_read(&ddz.misses);
	st->cache_evictions = atomic64_read(&ddz.evictions);
	st->shrinker_scans = atomic64_read(&ddz.scans);
	st->degraded_prints = atomic64_read(&ddz.degraded);
	st->pool_reads = atomic64_read(&ddz.pool_reads);
	st->queries = atomic64_read(&ddz.queries);
}

/* ---- module ------------------------------------------------------------- */

static int __init ddz_init(void)
{
	int rc = -ENOMEM;
	u32 count;

	ddz.pool = zs_create_pool(KBUILD_MODNAME);
	ddz.scratch = kmalloc(DDZ_OBJ_SIZE, GFP_KERNEL);
	ddz.miss_scratch = kmalloc(DDZ_OBJ_SIZE, GFP_KERNEL);
	ddz.dec = kmalloc(sizeof(*ddz.dec), GFP_KERNEL);
	ddz.lut = kmalloc(sizeof(*ddz.lut), GFP_KERNEL);
	if (!ddz.pool || !ddz.scratch || !ddz.miss_scratch || !ddz.dec ||
	    !ddz.lut)
		goto fail;
	INIT_WORK(&ddz.rewarm, ddz_rewarm_fn);

	rc = DDZ_MODULE_REGISTER();
	if (rc)
		goto fail;
	ddz.shrinker = ddz_shrinker_create(ddz_shrink_count, ddz_shrink_scan,
					   KBUILD_MODNAME);
	if (!ddz.shrinker) {
		rc = -ENOMEM;
		goto fail_unreg;
	}
	rc = ddz_ctl_init();
	if (rc)
		goto fail_shrinker;
	return 0;

fail_shrinker:
	ddz_shrinker_destroy(ddz.shrinker);
fail_unreg:
	DDZ_MODULE_UNREGISTER();
	ddz_table_unload(0, &count);
	cancel_work_sync(&ddz.rewarm);
fail:
	kfree(ddz.lut);
	kfree(ddz.dec);
	kfree(ddz.miss_scratch);
	kfree(ddz.scratch);
	if (ddz.pool)
		zs_destroy_pool(ddz.pool);
	return rc;
}

static void __exit ddz_exit(void)
{
	unsigned long pages;
	u32 count;

	ddz_ctl_exit();
	ddz_shrinker_destroy(ddz.shrinker);
	ddz_table_unload(0, &count);
	DDZ_MODULE_UNREGISTER();
	cancel_work_sync(&ddz.rewarm);
	if (!list_empty(&ddz.tables))
		pr_err("leak: tables of modules still registered at exit\n");
	if (atomic_long_read(&ddz.cache_entries))
		pr_err("leak: %ld cached callsites at exit\n",
		       atomic_long_read(&ddz.cache_entries));
	pages = zs_get_total_pages(ddz.pool);
	if (pages)
		pr_err("leak: %lu pool pages at exit\n", pages);
	/* entries freed with kfree_rcu() must be gone before the module */
	rcu_barrier();
	kfree(ddz.lut);
	kfree(ddz.dec);
	kfree(ddz.miss_scratch);
	kfree(ddz.scratch);
	zs_destroy_pool(ddz.pool);
}

module_init(ddz_init);
module_exit(ddz_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("zsmalloc-backed store of dynamic-debug callsites");
MODULE_SOFTDEP("pre: zsmalloc");
