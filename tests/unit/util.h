/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the unit tests: in-memory files, byte buffers, record
 * generation and snapshot comparison.
 */
#ifndef DAMONREC_TEST_UTIL_H
#define DAMONREC_TEST_UTIL_H

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "damonrec.h"
#include "tap.h"

struct buf {
	unsigned char *p;
	size_t len;
	size_t cap;
};

static void __attribute__((unused)) buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void __attribute__((unused)) buf_u8(struct buf *b, unsigned int v)
{
	unsigned char c = (unsigned char)v;

	buf_put(b, &c, 1);
}

static void __attribute__((unused)) buf_u32(struct buf *b, uint32_t v)
{
	buf_put(b, &v, 4);	/* host order, as v0-v2 */
}

static void __attribute__((unused)) buf_u64(struct buf *b, uint64_t v)
{
	buf_put(b, &v, 8);
}

static void __attribute__((unused)) buf_varint(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		buf_u8(b, (unsigned int)(v | 0x80) & 0xff);
		v >>= 7;
	}
	buf_u8(b, (unsigned int)v);
}

static void __attribute__((unused)) buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* A file descriptor reading @n bytes of @p from the start. */
static int __attribute__((unused)) mem_fd(const void *p, size_t n)
{
	int fd = memfd_create("unit", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		abort();
	while (off < n) {
		ssize_t k = write(fd, (const char *)p + off, n - off);

		if (k <= 0)
			abort();
		off += (size_t)k;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* A reader over @n bytes of @p. */
struct rd {
	int fd;
	struct damonrec_reader *r;
};

static __attribute__((unused)) struct damonrec_reader *
rd_open(struct rd *x, const void *p, size_t n, enum damonrec_format fmt)
{
	x->fd = mem_fd(p, n);
	x->r = damonrec_reader_open_fd(x->fd, fmt);
	return x->r;
}

static void __attribute__((unused)) rd_close(struct rd *x)
{
	damonrec_reader_close(x->r);
	close(x->fd);
}

/* Count the snapshots until next() stops; its result goes to *@rc. */
static size_t __attribute__((unused))
rd_count(struct damonrec_reader *r, int *rc)
{
	const struct damonrec_snapshot *s;
	size_t n = 0;

	while ((*rc = damonrec_reader_next(r, &s)) == 1)
		n++;
	return n;
}

/* Bitwise CRC-32 (zlib's), independent of the library's. */
static uint32_t __attribute__((unused)) ref_crc32(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t c = 0xFFFFFFFFu;
	int k;

	while (n--) {
		c ^= *b++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}

/* The whole content of @fd. */
static void __attribute__((unused)) fd_slurp(int fd, struct buf *b)
{
	char tmp[65536];
	ssize_t k;

	lseek(fd, 0, SEEK_SET);
	b->len = 0;
	while ((k = read(fd, tmp, sizeof(tmp))) > 0)
		buf_put(b, tmp, (size_t)k);
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t __attribute__((unused)) rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t __attribute__((unused)) rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/*
 * A series of snapshots that looks like DAMON's: each target's regions
 * split, merge and change their counts from one snapshot to the next; some
 * regions are not page aligned; ages follow DAMON's rule when @ages.
 */
struct series {
	struct damonrec_snapshot **s;
	size_t n;
};

static void __attribute__((unused))
series_gen(struct series *ser, size_t n, unsigned int nr_targets,
	   unsigned int nr_kdamonds, bool ages, bool unaligned)
{
	struct damonrec_snapshot *prev[8] = { NULL };
	int64_t t = 1700000000123456789ll;
	size_t i;

	ser->s = calloc(n, sizeof(*ser->s));
	ser->n = n;
	for (i = 0; i < n; i++) {
		struct damonrec_snapshot *s = damonrec_snapshot_new();
		unsigned int kd = (unsigned int)rnd_below(nr_kdamonds);
		unsigned int ti;

		t += 100000000 + (int64_t)rnd_below(1000000);
		damonrec_snapshot_set_time(s, t);
		damonrec_snapshot_set_kdamond(s, kd);
		for (ti = 0; ti < nr_targets; ti++) {
			const struct damonrec_target *pt = NULL;
			uint64_t addr = 0x7f0000000000ull + ti * 0x100000000ull;
			size_t pi = 0, nr_prev = 0;
			int idx = damonrec_snapshot_add_target(s, ti);
			unsigned int nr = 3 + (unsigned int)rnd_below(12), k;

			if (prev[kd] && ti < damonrec_snapshot_get_nr_targets(prev[kd])) {
				pt = damonrec_snapshot_get_target(prev[kd], ti);
				nr_prev = damonrec_target_get_nr_regions(pt);
			}
			for (k = 0; k < nr; k++) {
				struct damonrec_region r;
				const struct damonrec_region *pr =
					pt && pi < nr_prev ?
					damonrec_target_get_region(pt, pi) : NULL;

				if (pr && rnd_below(4) && pr->start >= addr) {
					/* keep the previous region */
					r = *pr;
					pi++;
					if (rnd_below(3)) {
						r.age = ages ? pr->age + 1 : 0;
					} else {
						r.nr_accesses = (uint32_t)rnd_below(21);
						r.age = 0;
					}
				} else {
					if (rnd_below(3) == 0)
						addr += (1 + rnd_below(64)) << 12;
					r.start = addr;
					r.end = addr + ((1 + rnd_below(512)) << 12);
					if (unaligned && rnd_below(10) == 0)
						r.end += 1 + rnd_below(4095);
					r.nr_accesses = (uint32_t)rnd_below(21);
					r.age = ages ? (uint32_t)rnd_below(5) : 0;
					while (pt && pi < nr_prev &&
					       damonrec_target_get_region(pt, pi)->start < r.end)
						pi++;
				}
				if (r.start < addr)
					continue;
				damonrec_snapshot_add_region(s, (size_t)idx, &r);
				addr = r.end;
			}
		}
		ser->s[i] = s;
		prev[kd] = s;
	}
}

static void __attribute__((unused)) series_free(struct series *ser)
{
	size_t i;

	for (i = 0; i < ser->n; i++)
		damonrec_snapshot_free(ser->s[i]);
	free(ser->s);
}

/* Compare two snapshots; describes the first difference in @why. */
static bool __attribute__((unused))
snap_equal(const struct damonrec_snapshot *a, const struct damonrec_snapshot *b,
	   bool kdamond, char *why, size_t wlen)
{
	size_t ti, i;

	if (damonrec_snapshot_get_time(a) != damonrec_snapshot_get_time(b)) {
		snprintf(why, wlen, "time %" PRId64 " != %" PRId64,
			 damonrec_snapshot_get_time(a),
			 damonrec_snapshot_get_time(b));
		return false;
	}
	if (kdamond && damonrec_snapshot_get_kdamond(a) !=
		       damonrec_snapshot_get_kdamond(b)) {
		snprintf(why, wlen, "kdamond differs");
		return false;
	}
	if (damonrec_snapshot_get_nr_targets(a) !=
	    damonrec_snapshot_get_nr_targets(b)) {
		snprintf(why, wlen, "nr_targets %zu != %zu",
			 damonrec_snapshot_get_nr_targets(a),
			 damonrec_snapshot_get_nr_targets(b));
		return false;
	}
	for (ti = 0; ti < damonrec_snapshot_get_nr_targets(a); ti++) {
		const struct damonrec_target *ta = damonrec_snapshot_get_target(a, ti);
		const struct damonrec_target *tb = damonrec_snapshot_get_target(b, ti);

		if (damonrec_target_get_id(ta) != damonrec_target_get_id(tb) ||
		    damonrec_target_get_nr_regions(ta) !=
		    damonrec_target_get_nr_regions(tb)) {
			snprintf(why, wlen, "target %zu differs", ti);
			return false;
		}
		for (i = 0; i < damonrec_target_get_nr_regions(ta); i++) {
			const struct damonrec_region *ra = damonrec_target_get_region(ta, i);
			const struct damonrec_region *rb = damonrec_target_get_region(tb, i);

			if (memcmp(ra, rb, sizeof(*ra))) {
				snprintf(why, wlen,
					 "target %zu region %zu: %" PRIx64 "-%" PRIx64 " %u %u != %" PRIx64 "-%" PRIx64 " %u %u",
					 ti, i, ra->start, ra->end,
					 ra->nr_accesses, ra->age, rb->start,
					 rb->end, rb->nr_accesses, rb->age);
				return false;
			}
		}
	}
	return true;
}

/* Write @ser in @fmt to memory. */
static int __attribute__((unused))
write_series(const struct series *ser, enum damonrec_format fmt,
	     const struct damonrec_record_meta *meta, struct buf *out)
{
	int fd = memfd_create("out", MFD_CLOEXEC);
	struct damonrec_writer *w = damonrec_writer_open_fd(fd, fmt, meta);
	size_t i;
	int rc = 0;

	if (!w) {
		close(fd);
		return -1;
	}
	for (i = 0; i < ser->n; i++)
		if (damonrec_writer_write(w, ser->s[i]))
			rc = -1;
	if (damonrec_writer_close(w))
		rc = -1;
	fd_slurp(fd, out);
	close(fd);
	return rc;
}

/*
 * Decode @n bytes of @p as @fmt and compare with @ser.  Returns the number
 * of snapshots that matched in order, and the final next() result in *@last.
 */
static size_t __attribute__((unused))
check_series(const void *p, size_t n, enum damonrec_format fmt,
	     const struct series *ser, bool kdamond, int *last, char *why,
	     size_t wlen)
{
	int fd = mem_fd(p, n);
	struct damonrec_reader *r = damonrec_reader_open_fd(fd, fmt);
	const struct damonrec_snapshot *s;
	size_t i = 0;
	int rc;

	why[0] = '\0';
	if (!r) {
		close(fd);
		*last = -2;
		return 0;
	}
	while ((rc = damonrec_reader_next(r, &s)) == 1) {
		if (i >= ser->n) {
			snprintf(why, wlen, "more snapshots than written");
			break;
		}
		if (!snap_equal(s, ser->s[i], kdamond, why, wlen))
			break;
		i++;
	}
	if (rc < 0 && !why[0])
		snprintf(why, wlen, "%s", damonrec_reader_get_error_message(r));
	*last = rc;
	damonrec_reader_close(r);
	close(fd);
	return i;
}

#endif /* DAMONREC_TEST_UTIL_H */
