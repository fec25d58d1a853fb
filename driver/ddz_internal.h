/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ddz_internal.h - internals of damon_dyndbg
 *
 *  - ddz_core.c: the store: tables, the zsmalloc pool, the cache of decoded
 *    enabled callsites and its shrinker, applying queries, the print path
 *    and the exported API.
 *  - ddz_ctl.c: /dev/damon_dyndbg: the listing, queries and ioctls.
 *  - ddz_query.c, ddz_codec.c, ddz_text.c: the query language, the packing
 *    and the control-file text; they also build in user space.
 *
 * Locking:
 *  - ddz.lock (mutex) serializes changes to the table list, queries (flag
 *    changes), cache inserts and evictions, listing, and the decode
 *    buffers in struct ddz_store.  Packing a new table runs outside it.
 *  - A site's flags are written under ddz.lock with WRITE_ONCE() and read
 *    by the print path with READ_ONCE() and no lock.
 *  - Cache entries are found under RCU (xa_load()) and freed after a grace
 *    period once their last reference is gone; the cache holds one
 *    reference, ddz_site_get() another.
 *  - ddz.miss_lock (spinlock, trylock only) guards the buffer a print uses
 *    when its callsite is not cached.
 *  - The shrinker only trylocks ddz.lock: reclaim may run under it.
 */
#ifndef _DDZ_INTERNAL_H
#define _DDZ_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/damon_dyndbg.h>

#include "ddz.h"
#include "ddz_codec.h"
#include "ddz_query.h"
#include "ddz_text.h"

/* struct _ddebug of Linux 6.x with jump labels, for the raw comparison. */
#define DDZ_KERNEL_DESC_BYTES	56

/* The kernel's PREFIX_SIZE: the longest print prefix. */
#define DDZ_PREFIX_SIZE		128

/**
 * struct ddz_table - one table of callsites
 * @link: in ddz.tables
 * @id: unique id, from 1
 * @name: the module's name, or the loaded table's
 * @owner: the module whose call sites these are, NULL for a loaded table
 * @nsites: callsites
 * @flags: per site, DDZ_F_* (a module's struct ddz_site array, or ours)
 * @packed: the model and interned names
 * @nblocks: blocks in the pool
 * @blk_first: first site of each block
 * @blk_handle: pool handle of each block
 * @cache: decoded enabled callsites by site index (struct ddz_cached)
 * @nenabled: sites with any flag set
 * @raw_bytes: what the kernel's representation would take
 * @resident_bytes: what this table holds outside the pool
 * @model_bytes: of those, the string model
 * @interned_bytes: of those, the interned names
 */
struct ddz_table {
	struct list_head link;
	u32 id;
	char name[DAMON_DYNDBG_NAME_LEN];
	struct module *owner;
	u32 nsites;
	u8 *flags;
	struct ddz_packed packed;
	u32 nblocks;
	u32 *blk_first;
	unsigned long *blk_handle;
	struct xarray cache;
	u32 nenabled;
	u64 raw_bytes;
	u64 resident_bytes;
	u64 model_bytes;
	u64 interned_bytes;
};

/**
 * struct ddz_cached - a decoded callsite
 * @rcu: for freeing after readers are gone
 * @ref: one for the cache, one per ddz_site_get()
 * @size: allocated bytes
 * @lineno: line
 * @mod: module name
 * @file: source file
 * @func: function
 * @format: format
 * @cls: class name, or NULL
 * @data: the strings
 */
struct ddz_cached {
	struct rcu_head rcu;
	refcount_t ref;
	u32 size;
	u32 lineno;
	const char *mod, *file, *func, *format, *cls;
	char data[];
};

/**
 * struct ddz_decoded - buffers one callsite is decoded into
 * @mod: module name
 * @file: file name
 * @func: function
 * @format: format
 * @cls: class name ("" without class)
 * @table_id: table the names were decoded from
 * @idx: interned indexes the names were decoded from
 */
struct ddz_decoded {
	char mod[DDZ_STR_MAX + 1];
	char file[DDZ_STR_MAX + 1];
	char func[DDZ_STR_MAX + 1];
	char format[DDZ_STR_MAX + 1];
	char cls[DDZ_STR_MAX + 1];
	u32 table_id;
	u32 idx[DDZ_NSTRKINDS];
};

/**
 * struct ddz_store - the one store
 * @lock: see the locking rules above
 * @tables: all tables, in the order they were added
 * @generation: bumped when a table is added or removed
 * @next_id: id of the next table
 * @pool: the zsmalloc pool of every block
 * @shrinker: drops cached callsites under memory pressure
 * @scratch: one block copied out of the pool, under @lock
 * @dec: decode buffers, under @lock
 * @lut: decoding tables of one table's model, under @lock
 * @lut_id: the table @lut belongs to (0: none)
 * @miss_lock: guards @miss_scratch
 * @miss_scratch: one block, for prints whose callsite is not cached
 * @rewarm: refills the cache after misses
 * @cache_entries: entries in all caches
 * @cache_bytes: their memory
 * @hits: see struct damon_dyndbg_stats
 * @misses: see struct damon_dyndbg_stats
 * @evictions: see struct damon_dyndbg_stats
 * @scans: see struct damon_dyndbg_stats
 * @degraded: see struct damon_dyndbg_stats
 * @pool_reads: see struct damon_dyndbg_stats
 * @queries: see struct damon_dyndbg_stats
 */
struct ddz_store {
	struct mutex lock;
	struct list_head tables;
	u64 generation;
	u32 next_id;
	struct zs_pool *pool;
	struct shrinker *shrinker;
	u8 *scratch;
	struct ddz_decoded *dec;
	struct ddz_lut *lut;
	u32 lut_id;
	spinlock_t miss_lock;
	u8 *miss_scratch;
	struct work_struct rewarm;
	atomic_long_t cache_entries;
	atomic_long_t cache_bytes;
	atomic64_t hits, misses, evictions, scans, degraded, pool_reads;
	atomic64_t queries;
};

extern struct ddz_store ddz;

int ddz_read_block(struct ddz_table *t, u32 b, u8 *buf);
u32 ddz_block_of(const struct ddz_table *t, u32 idx);
const struct ddz_lut *ddz_lut_for(struct ddz_table *t);
int ddz_decode_names(struct ddz_table *t, const struct ddz_site_meta *m,
		     struct ddz_decoded *d);
struct ddz_table *ddz_table_load(const char *name, char *text, size_t len,
				 u32 *bad_line);
int ddz_table_unload(u32 id, u32 *count);
int ddz_exec_write(char *buf);
void ddz_note_enabled_lookup(struct ddz_table *t, u32 idx);
long ddz_drop_cache(unsigned long max);
void ddz_fill_stats(struct damon_dyndbg_stats *st);

int ddz_ctl_init(void);
void ddz_ctl_exit(void);

#endif /* _DDZ_INTERNAL_H */
