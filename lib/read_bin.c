// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Readers of the original binary record formats, versions 0, 1 and 2.
 *
 * This is the hot path of "damonctl show --summary": regions are decoded
 * straight out of the input buffer into the snapshot's region pool, as many
 * at a time as the buffer holds, with no per-region call or allocation.
 */
#include <errno.h>

#include "internal.h"

#define BIN_REGION	20	/* u64 start, u64 end, u32 nr_accesses */
#define BIN_SNAP_HDR	20	/* struct timespec64, u32 nr_targets */

static const char *bin_name(const struct damonrec_reader *r)
{
	return damonrec_format_name(r->fmt);
}

static inline uint32_t rd32(const struct damonrec_reader *r, const void *p)
{
	uint32_t v = dr_ld32(p);

	return r->swap ? __builtin_bswap32(v) : v;
}

static inline uint64_t rd64(const struct damonrec_reader *r, const void *p)
{
	uint64_t v = dr_ld64(p);

	return r->swap ? __builtin_bswap64(v) : v;
}

/* Snapshot time from a timespec64; false if it is not a valid one. */
static bool bin_time(const struct damonrec_reader *r, const unsigned char *p,
		     int64_t *ns, int64_t *bad_nsec)
{
	int64_t sec = (int64_t)rd64(r, p), nsec = (int64_t)rd64(r, p + 8), t;

	*bad_nsec = nsec;
	if (nsec < 0 || nsec >= 1000000000)
		return false;
	if (__builtin_mul_overflow(sec, (int64_t)1000000000, &t) ||
	    __builtin_add_overflow(t, nsec, &t))
		return false;
	*ns = t;
	return true;
}

int dr_bin_open(struct damonrec_reader *r)
{
	const unsigned char *p;
	ssize_t n;
	int64_t t, bad;

	r->id_size = r->fmt == DAMONREC_FORMAT_V1 ? 4 : 8;
	r->swap = false;
	if (r->fmt != DAMONREC_FORMAT_V0) {
		uint32_t v, want = r->fmt == DAMONREC_FORMAT_V1 ? 1 : 2;

		n = dr_fill(r, DR_MAGIC_LEN + 4);
		if (n < 0)
			return -1;
		p = r->buf + r->pos;
		if ((size_t)n >= DR_MAGIC_LEN &&
		    memcmp(p, DR_MAGIC, DR_MAGIC_LEN))
			return dr_fail(r, EBADMSG, 0,
				       "%s header at offset 0: wrong magic (expected \"%s\")",
				       bin_name(r), DR_MAGIC);
		if (n < DR_MAGIC_LEN + 4)
			return dr_fail(r, ENODATA, 0,
				       "%s header at offset 0: file ends inside it (needs %zu more bytes)",
				       bin_name(r), DR_MAGIC_LEN + 4 - (size_t)n);
		v = dr_ld32(p + DR_MAGIC_LEN);
		if (v != want) {
			if (__builtin_bswap32(v) != want)
				return dr_fail(r, EBADMSG, DR_MAGIC_LEN,
					       "%s header at offset 0: record version is %u, not %u",
					       bin_name(r), v, want);
			r->swap = true;
		}
		r->pos += DR_MAGIC_LEN + 4;
	}
	/* The first snapshot's time is the record's start time. */
	n = dr_fill(r, 16);
	if (n < 0)
		return -1;
	if (n >= 16 && bin_time(r, r->buf + r->pos, &t, &bad)) {
		r->start_ns = t;
		r->start_known = true;
	}
	return 0;
}

static int bin_truncated(struct damonrec_reader *r, uint64_t soff,
			 uint64_t need, bool more)
{
	return dr_fail(r, ENODATA, soff,
		       "%s snapshot at offset %llu: file ends inside it (needs %s%llu more bytes)",
		       bin_name(r), (unsigned long long)soff,
		       more ? "at least " : "", (unsigned long long)need);
}


static size_t decode_regions(const unsigned char *q, size_t k,
			     struct damonrec_region *out)
{
	uint64_t bad = 0;
	size_t i;

	for (i = 0; i < k; i++, q += BIN_REGION) {
		uint64_t st = dr_ld64(q), en = dr_ld64(q + 8);

		out[i].start = st;
		out[i].end = en;
		out[i].nr_accesses = dr_ld32(q + 16);
		out[i].age = 0;
		bad |= en < st;
	}
	return bad;
}

static size_t decode_regions_swap(const unsigned char *q, size_t k,
				  struct damonrec_region *out)
{
	uint64_t bad = 0;
	size_t i;

	for (i = 0; i < k; i++, q += BIN_REGION) {
		uint64_t st = __builtin_bswap64(dr_ld64(q));
		uint64_t en = __builtin_bswap64(dr_ld64(q + 8));

		out[i].start = st;
		out[i].end = en;
		out[i].nr_accesses = __builtin_bswap32(dr_ld32(q + 16));
		out[i].age = 0;
		bad |= en < st;
	}
	return bad;
}

int dr_bin_next(struct damonrec_reader *r)
{
	struct damonrec_snapshot *s = r->snap;
	uint64_t soff = dr_off(r);
	const unsigned char *p;
	uint32_t nr_targets, ti;
	int64_t t, bad_nsec;
	ssize_t n;

	n = dr_fill(r, BIN_SNAP_HDR);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if (n < BIN_SNAP_HDR)
		return bin_truncated(r, soff, BIN_SNAP_HDR - (size_t)n, true);
	p = r->buf + r->pos;
	if (!bin_time(r, p, &t, &bad_nsec)) {
		if (bad_nsec < 0 || bad_nsec >= 1000000000)
			return dr_fail(r, EBADMSG, soff,
				       "%s snapshot at offset %llu: tv_nsec %lld is out of range",
				       bin_name(r), (unsigned long long)soff,
				       (long long)bad_nsec);
		return dr_fail(r, EBADMSG, soff,
			       "%s snapshot at offset %llu: time does not fit in 64-bit nanoseconds",
			       bin_name(r), (unsigned long long)soff);
	}
	nr_targets = rd32(r, p + 16);
	/*
	 * No recorder writes a snapshot without targets at the time of the
	 * one before: that is zeros, or other data that is no record, and
	 * it would go on for ever.
	 */
	if (!nr_targets && r->bin_have_prev && t == r->bin_prev_time)
		return dr_fail(r, EBADMSG, soff,
			       "%s snapshot at offset %llu: no targets, at the time of the snapshot before: not a record",
			       bin_name(r), (unsigned long long)soff);
	r->bin_have_prev = true;
	r->bin_prev_time = t;
	r->pos += BIN_SNAP_HDR;

	damonrec_snapshot_clear(s);
	s->time = t;
	for (ti = 0; ti < nr_targets; ti++) {
		size_t hs = r->id_size + 4;
		uint64_t id;
		uint32_t remaining, ri = 0;

		n = dr_fill(r, hs);
		if (n < 0)
			return -1;
		if ((size_t)n < hs)
			return bin_truncated(r, soff, hs - (size_t)n, true);
		p = r->buf + r->pos;
		if (r->id_size == 4)
			id = (uint64_t)(int64_t)(int32_t)rd32(r, p);
		else
			id = rd64(r, p);
		remaining = rd32(r, p + r->id_size);
		r->pos += hs;
		if (damonrec_snapshot_add_target(s, id) < 0)
			return dr_snap_fail(r, soff);

		while (remaining) {
			struct damonrec_region *out;
			size_t k;

			n = dr_fill(r, BIN_REGION);
			if (n < 0)
				return -1;
			if (n < BIN_REGION)
				return bin_truncated(r, soff,
						     (uint64_t)remaining * BIN_REGION - (uint64_t)n,
						     ti + 1 < nr_targets);
			k = (size_t)n / BIN_REGION;
			if (k > remaining)
				k = remaining;
			if (dr_snap_reserve(s, k))
				return dr_snap_fail(r, soff);
			out = dr_snap_append(s, k);
			p = r->buf + r->pos;
			if (unlikely(r->swap ? decode_regions_swap(p, k, out) :
					       decode_regions(p, k, out))) {
				size_t i = 0;

				while (out[i].end >= out[i].start)
					i++;
				return dr_fail(r, EBADMSG, soff,
					       "%s snapshot at offset %llu: region %zu of target %u ends before it starts",
					       bin_name(r),
					       (unsigned long long)soff,
					       (size_t)ri + i, ti);
			}
			r->pos += k * BIN_REGION;
			remaining -= (uint32_t)k;
			ri += (uint32_t)k;
		}
	}
	return 1;
}
