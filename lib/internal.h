/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdamonrec internals shared by the record code: snapshot layout, the
 * buffered reader, byte order, varints and CRC-32.  Nothing here is exported.
 */
#ifndef DAMONREC_INTERNAL_H
#define DAMONREC_INTERNAL_H

#include <stdarg.h>
#include <string.h>

#include "damonrec.h"

#define DR_MAGIC		"damon_recfmt_ver"
#define DR_MAGIC_LEN		16

#define V3_HEADER_SIZE		64
#define V3_MAX_PAYLOAD		(64u << 20)
#define V3_ADDR_SHIFT		12
#define V3_PRODUCER_LIB		2
#define V3_FLAG_AGE		0x1
/* Version 4: version 3 with coded SNAPSHOT bodies and grouped CRCs. */
#define V4_VERSION		4
#define V4_GROUP_SNAPSHOTS	16
#define V4_GROUP_BYTES		(64u << 10)
#define V4_CHECK_LEN		6

enum v3_frame_type {
	V3_FRAME_SNAPSHOT = 0x01,
	V3_FRAME_LOST = 0x02,
	V3_FRAME_KDAMOND = 0x03,
	V3_FRAME_END = 0x04,
	V4_FRAME_CHECK = 0x06,	/* 0x05 is INTERVALS */
	V3_FRAME_INTERVALS = 0x05,
};

enum v3_form {
	V3_SAME = 0,
	V3_CONT = 1,
	V3_GAP = 2,
	V3_RAW = 3,
};

#define V3_TAG_NR		0x04
#define V3_TAG_AGE		0x08
#define V3_TAG_REPEAT_SHIFT	4
#define V3_MAX_REPEAT		15
/*
 * Bits 4-7 of a CONT or GAP tag: 0 for the plain form, 1-14 for an end at
 * the end of that reference region counting from the base, V3_EXT_SIZE for
 * a varint size; of a RAW tag: 0 for RAW, 1-15 for a NEXT run of that many.
 */
#define V3_TAG_EXT_SHIFT	4
#define V3_EXT_MAX_END		14
#define V3_EXT_SIZE		15
#define V3_MAX_NEXT		15

/* Largest number of kdamond indexes a v3 reader or writer tracks. */
#define DR_MAX_KDAMONDS		65536

#define DR_UNUSED		__attribute__((unused))
#define DR_PRINTF(a, b)		__attribute__((format(printf, a, b)))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

/* ------------------------------------------------------------------ */
/* Snapshots                                                            */
/* ------------------------------------------------------------------ */

struct damonrec_target {
	uint64_t id;
	struct damonrec_region *regions;	/* into the snapshot's pool */
	size_t nr;
	size_t off;				/* index of regions[0] in the pool */
};

/*
 * All regions of a snapshot live in one pool, target after target, so that
 * decoders append to the last target without any per-region allocation.
 */
struct damonrec_snapshot {
	int64_t time;
	int64_t start;			/* INT64_MIN: not in the record */
	unsigned int kdamond;
	uint64_t lost_before;
	struct damonrec_intervals iv;	/* zeros: unknown */
	struct damonrec_target *targets;
	size_t nr_targets;
	size_t cap_targets;
	struct damonrec_region *pool;
	size_t nr_regions;
	size_t cap_regions;
	bool limited;		/* a reader's: at most DR_MAX_REGIONS, DR_MAX_TARGETS */
};

/*
 * The most regions and targets a reader takes in one snapshot, far above
 * what DAMON produces (max_nr_regions is 1000 by default), so that hostile
 * or endless input cannot make memory grow without bound.
 */
#define DR_MAX_REGIONS		(1u << 22)
#define DR_MAX_TARGETS		(1u << 16)

/* A snapshot for a reader to decode into: limited as above. */
struct damonrec_snapshot *dr_snap_new_limited(void);
/*
 * Fail @r after a snapshot did not grow at @off: past the limits above
 * (E2BIG, corrupt) or out of memory.
 */
int dr_snap_fail(struct damonrec_reader *r, uint64_t off);

/* Whether any of the intervals is known. */
static inline bool dr_iv_known(const struct damonrec_intervals *iv)
{
	return iv->sample_us || iv->aggr_us || iv->update_us;
}

static inline bool dr_iv_equal(const struct damonrec_intervals *a,
			       const struct damonrec_intervals *b)
{
	return a->sample_us == b->sample_us && a->aggr_us == b->aggr_us &&
	       a->update_us == b->update_us;
}

/* Make room for @n more regions in the pool. */
int dr_snap_grow(struct damonrec_snapshot *s, size_t n);

static inline int dr_snap_reserve(struct damonrec_snapshot *s, size_t n)
{
	if (likely(s->cap_regions - s->nr_regions >= n))
		return 0;
	return dr_snap_grow(s, n);
}

/*
 * Append @n regions to the last target (which must exist) and return them;
 * the caller must have reserved room for them.
 */
static inline struct damonrec_region *
dr_snap_append(struct damonrec_snapshot *s, size_t n)
{
	struct damonrec_region *r = s->pool + s->nr_regions;

	s->nr_regions += n;
	s->targets[s->nr_targets - 1].nr += n;
	return r;
}

/* Drop the last @n regions of the last target. */
static inline void dr_snap_unappend(struct damonrec_snapshot *s, size_t n)
{
	s->nr_regions -= n;
	s->targets[s->nr_targets - 1].nr -= n;
}

/* Copy @src into @dst (growing @dst as needed). */
int dr_snap_copy(struct damonrec_snapshot *dst,
		 const struct damonrec_snapshot *src);

/* ------------------------------------------------------------------ */
/* Byte order, varints, CRC                                             */
/* ------------------------------------------------------------------ */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DR_HOST_LE 1
#else
#define DR_HOST_LE 0
#endif

static inline uint32_t dr_ld32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t dr_ld64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint16_t dr_le16(const void *p)
{
	const unsigned char *b = p;

	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t dr_le32(const void *p)
{
	uint32_t v = dr_ld32(p);

	return DR_HOST_LE ? v : __builtin_bswap32(v);
}

static inline uint64_t dr_le64(const void *p)
{
	uint64_t v = dr_ld64(p);

	return DR_HOST_LE ? v : __builtin_bswap64(v);
}

static inline void dr_put_le16(void *p, uint16_t v)
{
	unsigned char *b = p;

	b[0] = (unsigned char)v;
	b[1] = (unsigned char)(v >> 8);
}

static inline void dr_put_le32(void *p, uint32_t v)
{
	if (!DR_HOST_LE)
		v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void dr_put_le64(void *p, uint64_t v)
{
	if (!DR_HOST_LE)
		v = __builtin_bswap64(v);
	memcpy(p, &v, sizeof(v));
}

#define DR_VARINT_MAX	10

/* Write @v as unsigned LEB128 at @p; returns the number of bytes. */
static inline size_t dr_put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

static inline size_t dr_varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static inline uint64_t dr_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t dr_unzigzag(uint64_t v)
{
	return (int64_t)((v >> 1) ^ (~(v & 1) + 1));
}

enum {
	DR_VARINT_OK = 0,
	DR_VARINT_SHORT = -1,	/* the bytes end inside it */
	DR_VARINT_BAD = -2,	/* longer than 10 bytes or over 64 bits */
};

/* Decode a varint from [*pp, end); advances *pp on success. */
static inline int dr_get_varint(const unsigned char **pp,
				const unsigned char *end, uint64_t *out)
{
	const unsigned char *p = *pp;
	uint64_t v;
	unsigned int shift;

	if (likely(p < end && *p < 0x80)) {
		*out = *p;
		*pp = p + 1;
		return DR_VARINT_OK;
	}
	v = 0;
	for (shift = 0; shift < 70; shift += 7) {
		unsigned char b;

		if (p >= end)
			return DR_VARINT_SHORT;
		b = *p++;
		if (shift == 63 && b > 1)
			return DR_VARINT_BAD;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			*pp = p;
			return DR_VARINT_OK;
		}
	}
	return DR_VARINT_BAD;
}

/* ------------------------------------------------------------------ */
/* v3 references                                                        */
/* ------------------------------------------------------------------ */

/* First target of @ref whose id is @id (the reference rule). */
static inline const struct damonrec_target *
dr_ref_target(const struct damonrec_snapshot *ref, bool sorted, size_t ti,
	   uint64_t id)
{
	size_t lo, hi, i;

	if (!ref)
		return NULL;
	if (sorted) {
		if (ti < ref->nr_targets && ref->targets[ti].id == id)
			return &ref->targets[ti];
		lo = 0;
		hi = ref->nr_targets;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (ref->targets[mid].id < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < ref->nr_targets && ref->targets[lo].id == id)
			return &ref->targets[lo];
		return NULL;
	}
	for (i = 0; i < ref->nr_targets; i++)
		if (ref->targets[i].id == id)
			return &ref->targets[i];
	return NULL;
}

static inline bool dr_ids_sorted(const struct damonrec_snapshot *s)
{
	size_t i;

	for (i = 1; i < s->nr_targets; i++)
		if (s->targets[i].id <= s->targets[i - 1].id)
			return false;
	return true;
}

#ifdef DAMONREC_FUZZ
/* Fuzzing builds only: let mutated v3 frames past their CRC checks. */
extern bool dr_fuzz_skip_crc;
#define DR_CRC_OK(stored, computed) (dr_fuzz_skip_crc || (stored) == (computed))
#else
#define DR_CRC_OK(stored, computed) ((stored) == (computed))
#endif

/* zlib-compatible CRC-32: dr_crc32(0, p, n) is the CRC of p[0..n). */
uint32_t dr_crc32(uint32_t crc, const void *p, size_t len);

/* Exact decimal formatting; returns the number of characters. */
size_t dr_fmt_u64(char *p, uint64_t v);
size_t dr_fmt_i64(char *p, int64_t v);

/* ns <-> struct timespec64 fields of the binary formats. */
static inline void dr_ns_to_ts(int64_t ns, int64_t *sec, int64_t *nsec)
{
	int64_t s = ns / 1000000000, n = ns % 1000000000;

	if (n < 0) {
		n += 1000000000;
		s--;
	}
	*sec = s;
	*nsec = n;
}

/* ------------------------------------------------------------------ */
/* Readers                                                              */
/* ------------------------------------------------------------------ */

struct v3_state;
struct json_state;
struct text_state;
struct damo_state;

struct damonrec_reader {
	int fd;
	bool own_fd;
	enum damonrec_format fmt;

	/* Buffered input: buf[pos..len) is unread; buf[0] is at offset base. */
	unsigned char *buf;
	size_t cap;
	size_t pos;
	size_t len;
	uint64_t base;
	bool eof;

	/* Sticky outcome: once failed or done, next() repeats it. */
	bool failed;
	bool done;
	int err;
	uint64_t err_off;
	char msg[256];

	struct damonrec_intervals iv;
	int64_t start_ns;
	bool start_known;
	uint64_t lost;
	bool has_end;
	bool age;		/* regions carry ages */

	struct damonrec_snapshot *snap;

	/* Binary v0-v2 */
	bool swap;		/* other byte order than the host's */
	unsigned int id_size;	/* 4 (v1) or 8 */
	bool hdr_done;
	bool bin_have_prev;	/* bin_prev_time is that of a snapshot */
	int64_t bin_prev_time;

	struct v3_state *v3;
	struct json_state *json;
	struct text_state *text;
	struct damo_state *damo;
};

static inline uint64_t dr_off(const struct damonrec_reader *r)
{
	return r->base + r->pos;
}

static inline size_t dr_avail(const struct damonrec_reader *r)
{
	return r->len - r->pos;
}

/*
 * Make at least @n bytes available at buf + pos (reading and growing the
 * buffer as needed).  Returns the number of bytes available, which is below
 * @n only at end of input, or -1 on a read error (recorded in the reader).
 */
ssize_t dr_fill(struct damonrec_reader *r, size_t n);

/* Next byte, or -1 at end of input, -2 on a read error. */
int dr_getc_slow(struct damonrec_reader *r);

static inline int dr_getc(struct damonrec_reader *r)
{
	if (likely(r->pos < r->len))
		return r->buf[r->pos++];
	return dr_getc_slow(r);
}

static inline int dr_peekc(struct damonrec_reader *r)
{
	int c = dr_getc(r);

	if (c >= 0)
		r->pos--;
	return c;
}

/* Record a failure; returns -1 for convenience. */
int dr_fail(struct damonrec_reader *r, int err, uint64_t off,
	    const char *fmt, ...) DR_PRINTF(4, 5);
/* Record a read error (errno of the failed read). */
int dr_fail_io(struct damonrec_reader *r);

/* Format back ends: open() parses headers (errors are deferred to next()). */
int dr_bin_open(struct damonrec_reader *r);
int dr_bin_next(struct damonrec_reader *r);
int dr_v3_open(struct damonrec_reader *r);
int dr_v3_next(struct damonrec_reader *r, const struct damonrec_snapshot **s);
void dr_v3_free(struct damonrec_reader *r);
int dr_json_open(struct damonrec_reader *r);
int dr_json_next(struct damonrec_reader *r);
void dr_json_free(struct damonrec_reader *r);
int dr_csv_open(struct damonrec_reader *r);
int dr_csv_next(struct damonrec_reader *r);
int dr_perf_open(struct damonrec_reader *r);
int dr_perf_next(struct damonrec_reader *r,
		 const struct damonrec_snapshot **s);
void dr_text_free(struct damonrec_reader *r);
int dr_damo_open(struct damonrec_reader *r);
int dr_damo_next(struct damonrec_reader *r);
void dr_damo_free(struct damonrec_reader *r);
const char *dr_damo_source(const struct damonrec_reader *r, unsigned int k,
			   uint64_t id);
unsigned int dr_damo_dropped(const struct damonrec_reader *r);

/* The damo writer (write_damo.c), driven by writer.c. */
struct damo_writer;
struct damo_writer *dr_damo_writer_new(bool compress,
				       const struct damonrec_record_meta *meta);
int dr_damo_writer_add(struct damo_writer *dw,
		       const struct damonrec_snapshot *s);
int dr_damo_writer_source(struct damo_writer *dw, unsigned int k, uint64_t id,
			  const char *src);
/* Write the whole record to @fd; adds the bytes written to *@bytes. */
int dr_damo_writer_finish(struct damo_writer *dw, int fd, uint64_t *bytes);
void dr_damo_writer_free(struct damo_writer *dw);

#endif /* DAMONREC_INTERNAL_H */
