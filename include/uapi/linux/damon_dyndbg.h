/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * damon_dyndbg: a zsmalloc-backed store of dynamic-debug callsites
 *
 * /dev/damon_dyndbg reads and writes like /proc/dynamic_debug/control:
 * read() lists the callsites the store holds, one per line, in the kernel's
 * format (header line included); write() takes the kernel's query language
 * and returns what the kernel would (the length written, or the last
 * error).  The ioctls below give statistics and load or unload whole
 * callsite tables.
 *
 * Every structure has fixed-width fields, natural alignment and explicit
 * padding.  @size fields carry the structure size the caller was built
 * with; padding, reserved fields and flags must be zero on input (EINVAL
 * otherwise), so that they can be given a meaning later.
 */
#ifndef _UAPI_LINUX_DAMON_DYNDBG_H
#define _UAPI_LINUX_DAMON_DYNDBG_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DAMON_DYNDBG_API_VERSION	1

/* Largest write() the control device takes, as the kernel's control file. */
#define DAMON_DYNDBG_MAX_QUERY		4095
/* Largest table text DAMON_DYNDBG_IOC_LOAD takes. */
#define DAMON_DYNDBG_MAX_LOAD		(4 * 1024 * 1024)
/* Longest table name, NUL included. */
#define DAMON_DYNDBG_NAME_LEN		32

/**
 * struct damon_dyndbg_stats - statistics (DAMON_DYNDBG_IOC_STATS)
 * @size: in: sizeof(struct damon_dyndbg_stats) as the caller knows it
 *	(at least up to @reserved); out: the size the driver filled.
 * @api_version: out: DAMON_DYNDBG_API_VERSION.
 * @tables: out: callsite tables (registered modules and loaded tables).
 * @sites: out: callsites in all tables.
 * @enabled: out: callsites with any flag set.
 * @resident_bytes: out: memory outside the pool: per-site flags, block
 *	handles, string models and interned names, table structures.
 * @pool_bytes: out: pages of the zsmalloc pool, in bytes.
 * @pool_objects: out: objects in the pool.
 * @interned_bytes: out: of @resident_bytes, the interned module, file,
 *	function and class names with their indexes.
 * @model_bytes: out: of @resident_bytes, the string models.
 * @raw_bytes: out: what the same callsites take in the kernel's own
 *	representation: a 56-byte struct _ddebug each, the formats, and each
 *	distinct module, file and function name once.
 * @cache_entries: out: decoded callsites held in the cache.
 * @cache_bytes: out: memory of those entries.
 * @cache_hits: out: enabled-callsite lookups served by the cache.
 * @cache_misses: out: enabled-callsite lookups that read the pool.
 * @cache_evictions: out: entries dropped by the shrinker.
 * @shrinker_scans: out: times the shrinker was asked to scan.
 * @degraded_prints: out: prints in interrupt context that found no cached
 *	copy and went out without their function, file and line prefix.
 * @pool_reads: out: pool objects copied out (one per block decoded).
 * @queries: out: queries applied.
 * @reserved: out: 0.
 *
 * Only @size is read; the driver fills up to min(@size, its own size) and
 * sets @size to what it filled (EINVAL when @size does not reach
 * @reserved).
 */
struct damon_dyndbg_stats {
	__u32 size;
	__u32 api_version;
	__u64 tables;
	__u64 sites;
	__u64 enabled;
	__u64 resident_bytes;
	__u64 pool_bytes;
	__u64 pool_objects;
	__u64 interned_bytes;
	__u64 model_bytes;
	__u64 raw_bytes;
	__u64 cache_entries;
	__u64 cache_bytes;
	__u64 cache_hits;
	__u64 cache_misses;
	__u64 cache_evictions;
	__u64 shrinker_scans;
	__u64 degraded_prints;
	__u64 pool_reads;
	__u64 queries;
	__u64 reserved[4];
};

/**
 * struct damon_dyndbg_load - load a callsite table (DAMON_DYNDBG_IOC_LOAD)
 * @size: in: sizeof(struct damon_dyndbg_load).
 * @flags: in: must be 0.
 * @data: in: pointer to the table's text: lines in the format read()
 *	gives, such as a copy of /proc/dynamic_debug/control; blank lines and
 *	lines starting with '#' are skipped.
 * @len: in: bytes at @data, at most DAMON_DYNDBG_MAX_LOAD.
 * @name: in: the table's name, NUL-terminated, or empty for "table<id>".
 * @id: out: the table's id, for DAMON_DYNDBG_IOC_UNLOAD.
 * @sites: out: callsites loaded.
 * @bad_line: out: when the text is rejected with EINVAL, the number
 *	(from 1) of the first line that is not a callsite; 0 otherwise.
 * @pad: must be 0.
 *
 * Needs CAP_SYS_ADMIN.  The callsites keep the flags their lines show.
 */
struct damon_dyndbg_load {
	__u32 size;
	__u32 flags;
	__u64 data;
	__u64 len;
	char name[DAMON_DYNDBG_NAME_LEN];
	__u32 id;
	__u32 sites;
	__u32 bad_line;
	__u32 pad;
};

/**
 * struct damon_dyndbg_unload - unload tables (DAMON_DYNDBG_IOC_UNLOAD)
 * @size: in: sizeof(struct damon_dyndbg_unload).
 * @flags: in: must be 0.
 * @id: in: the id DAMON_DYNDBG_IOC_LOAD gave, or 0 for every loaded table.
 * @count: out: tables unloaded (ENOENT when @id names none).
 *
 * Needs CAP_SYS_ADMIN.  Tables of modules go away with their modules.
 */
struct damon_dyndbg_unload {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 count;
};

#define DAMON_DYNDBG_IOC_MAGIC	0xDB

#define DAMON_DYNDBG_IOC_STATS	_IOWR(DAMON_DYNDBG_IOC_MAGIC, 0x00, struct damon_dyndbg_stats)
#define DAMON_DYNDBG_IOC_LOAD	_IOWR(DAMON_DYNDBG_IOC_MAGIC, 0x01, struct damon_dyndbg_load)
#define DAMON_DYNDBG_IOC_UNLOAD	_IOWR(DAMON_DYNDBG_IOC_MAGIC, 0x02, struct damon_dyndbg_unload)
/* Drop every cached decoded callsite, as the shrinker does; returns 0. */
#define DAMON_DYNDBG_IOC_DROP_CACHE _IO(DAMON_DYNDBG_IOC_MAGIC, 0x03)

#endif /* _UAPI_LINUX_DAMON_DYNDBG_H */
