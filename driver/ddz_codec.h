/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ddz_codec.h - string compression and callsite packing of damon_dyndbg
 *
 * A table of callsites is packed once, when it is added, and is read-only
 * afterwards:
 *
 *  - A model is trained on all of the table's strings (formats, module,
 *    file, function and class names): byte-pair merges (a byte-pair
 *    encoding: each new symbol stands for two older ones; a merge may end
 *    with the end-of-string symbol, so "\n" + end of string is one symbol)
 *    followed by a canonical Huffman code over the final symbols, at most
 *    DDZ_MAXBITS bits long.  The model is what stays resident: the rules,
 *    12 bits per half, and the canonical code, a count per length and the
 *    symbols in code order.
 *  - Module, file, function and class names are interned: each distinct
 *    name is coded once, in a bit string per kind with an index every
 *    DDZ_STR_CHUNK names.
 *  - Sites go, in order, into blocks of at most DDZ_OBJ_SIZE bytes (one
 *    zsmalloc object each; all objects have this size, so they share one
 *    size class with no slack): a header, then per site a varint holding
 *    the line delta and how the module, file and function indexes follow
 *    from the previous site's, then the formats as one bit string.  A site
 *    is decoded from its block alone.
 *
 * ddz_codec.c builds in the kernel and in user space (ddz_shim.h).
 */
#ifndef _DDZ_CODEC_H
#define _DDZ_CODEC_H

#include "ddz_shim.h"

#define DDZ_SYM_EOS		256	/* end of string */
#define DDZ_SYM_RULE0		257	/* first merged symbol */
#define DDZ_MAX_SYMS		4096	/* symbols fit 12 bits */
#define DDZ_MAXBITS		15	/* longest code */
#define DDZ_MAX_TOKLEN		250	/* bytes one symbol expands to, at most */
#define DDZ_MAX_DEPTH		24	/* nesting of merges, at most */

/*
 * Every pool object: zsmalloc adds its 8-byte handle, which makes 2048, two
 * objects per page.
 */
#define DDZ_OBJ_SIZE		2040
#define DDZ_LUT_BITS		10	/* codes ddz_lut resolves in one step */
#define DDZ_BLK_MAX_SITES	128	/* sites per block, at most */
#define DDZ_STR_CHUNK		16	/* names per index entry */
#define DDZ_STR_MAX		1024	/* longest string a table may hold */

/* The kinds of interned names. */
enum ddz_strkind {
	DDZ_STR_MOD,
	DDZ_STR_FILE,
	DDZ_STR_FUNC,
	DDZ_STR_CLASS,
	DDZ_NSTRKINDS,
};

/**
 * struct ddz_model - a trained string model
 * @nrules: merge rules; symbol DDZ_SYM_RULE0 + i stands for rule i
 * @ncoded: symbols that have a code
 * @rules: 3 bytes per rule: left symbol (12 bits), right symbol (12 bits)
 * @sorted: the coded symbols in canonical code order, 12 bits each
 * @count: how many codes have each length
 */
struct ddz_model {
	u32 nrules;
	u32 ncoded;
	u8 *rules;
	u8 *sorted;
	u16 count[DDZ_MAXBITS + 1];
};

/**
 * struct ddz_lut - decoding tables of one model (see ddz_lut_build())
 * @e: by the next DDZ_LUT_BITS bits: symbol << 4 | code length, or 0 when
 *	the code is longer
 * @ends: bit per symbol: it ends a string
 *
 * Not kept per table: built when needed into a buffer the caller owns.
 */
struct ddz_lut {
	u16 e[1 << DDZ_LUT_BITS];
	u8 ends[DDZ_MAX_SYMS / 8];
};

/**
 * struct ddz_strtab - interned names of one kind
 * @count: names
 * @nbits: bits of @bits used
 * @bits: the names, coded one after the other
 * @chunk: bit offset of name DDZ_STR_CHUNK * i, for each i
 */
struct ddz_strtab {
	u32 count;
	u32 nbits;
	u8 *bits;
	u32 *chunk;
};

/**
 * struct ddz_rec - one callsite given to the packer
 * @modname: module name
 * @filename: source file, as the control file shows it
 * @function: function
 * @format: format
 * @class_name: class name, or NULL
 * @lineno: line
 */
struct ddz_rec {
	const char *modname;
	const char *filename;
	const char *function;
	const char *format;
	const char *class_name;
	u32 lineno;
};

/**
 * struct ddz_pack_stats - sizes found while packing
 * @raw_strings: bytes of all strings with their NULs, as the kernel keeps
 *	them (names counted once per distinct name)
 * @model_bytes: bytes of the model in the resident blob
 * @str_bytes: bytes of the interned names and their indexes in the blob
 * @meta_bytes: per-site header bytes in the blocks
 * @fmt_bytes: format bytes in the blocks (bits / 8)
 * @nblocks: blocks (pool objects)
 * @max_len: longest string, in bytes
 */
struct ddz_pack_stats {
	u64 raw_strings;
	u64 model_bytes;
	u64 str_bytes;
	u64 meta_bytes;
	u64 fmt_bytes;
	u32 nblocks;
	u32 max_len;
};

/*
 * Called for each finished block: @data holds DDZ_OBJ_SIZE bytes (the
 * used part is followed by zeros) for sites @first .. @first + @nsites - 1.
 * Returns 0 or a negative errno, which stops the packing.
 */
typedef int (*ddz_emit_fn)(void *ctx, u32 first, u32 nsites, const u8 *data);

/**
 * struct ddz_packed - what packing leaves resident
 * @model: the string model
 * @strs: interned names, by enum ddz_strkind
 * @has_class: some site has a class (a class index follows each site)
 * @max_len: longest string, so that decode buffers can be sized
 * @blob: one allocation holding the model's and the names' arrays
 * @blob_size: its size
 */
struct ddz_packed {
	struct ddz_model model;
	struct ddz_strtab strs[DDZ_NSTRKINDS];
	bool has_class;
	u32 max_len;
	u8 *blob;
	u32 blob_size;
};

int ddz_pack(const struct ddz_rec *recs, u32 n, struct ddz_packed *out,
	     ddz_emit_fn emit, void *ctx, struct ddz_pack_stats *st);
void ddz_packed_free(struct ddz_packed *p);

int ddz_str_get(const struct ddz_packed *p, enum ddz_strkind kind, u32 idx,
		char *out, u32 cap);
int ddz_str_get_lut(const struct ddz_packed *p, const struct ddz_lut *lut,
		    enum ddz_strkind kind, u32 idx, char *out, u32 cap);
void ddz_lut_build(const struct ddz_model *m, struct ddz_lut *lut);

/**
 * struct ddz_strit - walks all interned names of one kind in order
 * @p: the packed table
 * @lut: decoding tables, or NULL (set by the caller after begin)
 * @tab: the kind's names
 * @pos: bit position of the next name
 * @idx: index of the next name
 */
struct ddz_strit {
	const struct ddz_packed *p;
	const struct ddz_lut *lut;
	const struct ddz_strtab *tab;
	u32 pos;
	u32 idx;
};

void ddz_strit_begin(struct ddz_strit *it, const struct ddz_packed *p,
		     enum ddz_strkind kind);
int ddz_strit_next(struct ddz_strit *it, char *out, u32 cap);

/**
 * struct ddz_site_meta - a site's fields other than its format
 * @mod: module name index
 * @file: file name index
 * @func: function name index
 * @cls: class name index + 1, 0 without class
 * @lineno: line
 */
struct ddz_site_meta {
	u32 mod, file, func, cls;
	u32 lineno;
};

/**
 * struct ddz_blkit - walks the sites of one block in order
 * @p: the packed table
 * @lut: decoding tables, or NULL (set by the caller after begin)
 * @buf: the block's bytes (a copy, or a mapping)
 * @meta: position of the next site's header
 * @meta_end: end of the headers
 * @bitpos: position of the next format in the bit string
 * @bitend: end of the bit string
 * @left: sites not yet reached
 * @fmt_pending: the current site's format was neither read nor skipped
 * @meta_only: set by the caller to walk the site headers alone (formats
 *	are then not available)
 * @next: next new index of each kind (module, file, function)
 * @site: the current site
 */
struct ddz_blkit {
	const struct ddz_packed *p;
	const struct ddz_lut *lut;
	const u8 *buf;
	u32 meta, meta_end;
	u32 bitpos, bitend;
	u32 left;
	bool fmt_pending;
	bool meta_only;
	u32 next[3];
	struct ddz_site_meta site;
};

int ddz_blk_begin(struct ddz_blkit *it, const struct ddz_packed *p,
		  const u8 *buf, u32 len);
int ddz_blk_next(struct ddz_blkit *it);
int ddz_blk_format(struct ddz_blkit *it, char *out, u32 cap);

#endif /* _DDZ_CODEC_H */
