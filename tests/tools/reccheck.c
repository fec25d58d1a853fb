// SPDX-License-Identifier: GPL-2.0
/*
 * reccheck - an independent checker of damon_rec record files
 *
 * Its own minimal parser of record formats v2, v3 and v4 (lib/RECORD-FORMAT.md),
 * written apart from libdamonrec so that the two can check each other.  It
 * decodes the whole file and checks what any correct recording of DAMON
 * must satisfy, plus what the options ask for:
 *
 *   - the file parses to its end (no partial snapshot, no bad frame);
 *   - every region has start < end, and the regions of a target are sorted
 *     and do not overlap;
 *   - nr_accesses <= aggr_us / sample_us;
 *   - snapshot times of each kdamond increase, and the median gap between
 *     them is near the aggregation interval;
 *   - the number of snapshots matches the duration, when given;
 *   - the hot region moves from the low to the high end of a range, when
 *     asked (the zigzag workload).
 *
 *   reccheck [OPTION...] FILE
 *
 *   --format N          the file must be version N (2, 3 or 4)
 *   --aggr-us US        aggregation interval (v3: default from the header)
 *   --sample-us US      sampling interval (v3: default from the header)
 *   --gap LO,HI         every gap at least LO x aggr_us (DAMON sleeps that
 *                       long between aggregations), the median at most
 *                       HI x aggr_us (0.9,10: a slow machine is slower)
 *   --duration SEC      recording time: per kdamond, at most HI x SEC / aggr
 *                       + 2 snapshots, spread over at least LO x SEC, with
 *                       no hole (count - 1 >= span / median gap / 2)
 *   --count LO,HI       (0.25,1.1)
 *   --targets N         every snapshot holds N targets
 *   --kdamonds N        snapshots come from N kdamonds (v3)
 *   --min-snapshots N   at least N snapshots (default 1)
 *   --producer N        v3: the header's producer must be N (1: driver)
 *   --end | --no-end    v3: the END frame must be there / must not be
 *   --lost | --no-lost  v3: LOST frames must be there / must not be
 *   --truncated-ok      the file may end inside a snapshot or frame
 *   --hot START-END     the hottest region inside [START, END) moves up
 *   --hot-target ID     look for it in target ID only
 *   --quiet             print only failures
 *   --dump              print every snapshot, region by region
 *
 * Exit status: 0 when every check passed, 1 when one failed (one line
 * "reccheck: FAIL: ..." says which), 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct region {
	uint64_t start, end;
	uint32_t nr_accesses, age;
};

struct target {
	uint64_t id;
	uint32_t nr;
	struct region *r;
};

struct snap {
	uint32_t kdamond;
	int64_t time_ns;
	uint32_t nr_targets;
	struct target *t;
};

/* What the options ask for. */
static struct {
	int format;
	uint64_t aggr_us, sample_us;
	double gap_lo, gap_hi;
	double duration, count_lo, count_hi;
	long targets, kdamonds, min_snapshots, producer;
	int end, lost;		/* -1: no check, 0: must not, 1: must */
	int truncated_ok;
	int hot;
	uint64_t hot_start, hot_end;
	long hot_target;
	int quiet;
	int dump;
} opt = {
	.gap_lo = 0.9, .gap_hi = 10.0,
	.count_lo = 0.25, .count_hi = 1.1,
	.targets = -1, .kdamonds = -1, .min_snapshots = 1, .producer = -1,
	.end = -1, .lost = -1, .hot_target = -1,
};

/* The decoded file. */
static struct {
	int version;
	uint64_t sample_us, aggr_us, update_us;
	int64_t start_ns;
	struct snap *s;
	size_t nr, cap;
	uint64_t lost_frames, lost_total;
	int has_end;
	uint64_t end_written, end_lost;
	uint32_t nr_kdamonds;
	uint64_t regions;
	size_t truncated_at;	/* offset + 1 of a truncated tail, or 0 */
} rec;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						      noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("reccheck: FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("reccheck: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

static struct snap *new_snap(void)
{
	if (rec.nr == rec.cap) {
		rec.cap = rec.cap ? rec.cap * 2 : 64;
		rec.s = xrealloc(rec.s, rec.cap * sizeof(*rec.s));
	}
	memset(&rec.s[rec.nr], 0, sizeof(rec.s[0]));
	return &rec.s[rec.nr++];
}

/* ---- input -------------------------------------------------------------- */

static unsigned char *data;
static size_t size;

static void slurp(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, n;

	if (!f) {
		fprintf(stderr, "reccheck: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	data = xrealloc(NULL, cap);
	while ((n = fread(data + size, 1, cap - size, f)) > 0) {
		size += n;
		if (size == cap) {
			cap *= 2;
			data = xrealloc(data, cap);
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "reccheck: %s: read error\n", path);
		exit(2);
	}
	if (f != stdin)
		fclose(f);
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* zlib's CRC-32, bit by bit: slow and obviously right. */
static uint32_t crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffff;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320 : c >> 1;
	}
	return ~c;
}

/* ---- v2 ----------------------------------------------------------------- */

static void parse_v2(void)
{
	size_t off = 20;

	while (off < size) {
		size_t begin = off;
		struct snap *s;
		int64_t sec, nsec;
		uint32_t t, i;

		if (size - off < 20)
			goto truncated;
		memcpy(&sec, data + off, 8);
		memcpy(&nsec, data + off + 8, 8);
		if (nsec < 0 || nsec >= 1000000000)
			fail("snapshot at offset %zu: tv_nsec %lld out of range",
			     begin, (long long)nsec);
		s = new_snap();
		s->time_ns = sec * 1000000000 + nsec;
		memcpy(&s->nr_targets, data + off + 16, 4);
		off += 20;
		if (s->nr_targets > 1 << 20)
			fail("snapshot at offset %zu: %u targets", begin,
			     s->nr_targets);
		s->t = xrealloc(NULL, s->nr_targets * sizeof(*s->t));
		for (t = 0; t < s->nr_targets; t++) {
			struct target *tg = &s->t[t];

			if (size - off < 12)
				goto truncated_snap;
			memcpy(&tg->id, data + off, 8);
			memcpy(&tg->nr, data + off + 8, 4);
			off += 12;
			if ((size - off) / 20 < tg->nr)
				goto truncated_snap;
			tg->r = xrealloc(NULL, tg->nr * sizeof(*tg->r));
			for (i = 0; i < tg->nr; i++) {
				memcpy(&tg->r[i].start, data + off, 8);
				memcpy(&tg->r[i].end, data + off + 8, 8);
				memcpy(&tg->r[i].nr_accesses, data + off + 16, 4);
				tg->r[i].age = 0;
				off += 20;
			}
		}
		continue;
truncated_snap:
		rec.nr--;
truncated:
		rec.truncated_at = begin + 1;
		return;
	}
}

/* ---- v3 ----------------------------------------------------------------- */

struct cur {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t varint(struct cur *c)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 10; i++) {
		unsigned char b;

		if (c->p >= c->end) {
			c->bad = 1;
			return 0;
		}
		b = *c->p++;
		if (i == 9 && b > 1) {
			c->bad = 1;
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return v;
	}
	c->bad = 1;
	return 0;
}

static int64_t svarint(struct cur *c)
{
	uint64_t u = varint(c);

	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/*
 * ---- v4: the range decoder and the models, from RECORD-FORMAT.md --------
 * A probability is 16 bits: bits 0-10 the chance in 2048 of a 0, bits
 * 11-15 how many bits it has seen.
 */
struct models {
	uint16_t ages, same_id;
	uint16_t tag[9][256];
	uint16_t num[9][2][256];	/* per field: first byte, others */
	uint16_t nr[16][256];
};

enum { F_NTARGETS, F_TID, F_NREGIONS, F_GAP, F_SIZE, F_RSTART, F_RSIZE,
       F_NR, F_AGE };

static struct models *models;	/* per kdamond index */
static uint32_t models_cap;

static void models_reset(uint32_t kd)
{
	uint16_t *p = (uint16_t *)&models[kd];
	size_t i;

	for (i = 0; i < sizeof(models[kd]) / 2; i++)
		p[i] = 1024;
}

struct rc {
	uint32_t range, code;
	const unsigned char *p, *end;
};

static struct rc *rc;		/* the body being decoded, NULL in v3 */
static struct models *mod;	/* its kdamond's models */

static unsigned int rc_next(void)
{
	return rc->p < rc->end ? *rc->p++ : 0;
}

static unsigned int rc_bit(uint16_t *pr)
{
	unsigned int p = *pr & 2047, n = *pr >> 11, bit, s;
	uint32_t bound = (rc->range >> 11) * p;

	if (rc->code < bound) {
		rc->range = bound;
		bit = 0;
	} else {
		rc->code -= bound;
		rc->range -= bound;
		bit = 1;
	}
	s = n == 0 ? 1 : n < 3 ? 2 : n < 7 ? 3 : 4;
	p = bit ? p - (p >> s) : p + ((2048 - p) >> s);
	*pr = (uint16_t)((n < 31 ? n + 1 : 31) << 11 | p);
	while (rc->range < (1u << 24)) {
		rc->range <<= 8;
		rc->code = rc->code << 8 | rc_next();
	}
	return bit;
}

/* @nbits bits through the tree @t, least significant first. */
static unsigned int rc_tree(uint16_t *t, unsigned int v, unsigned int from,
			    unsigned int nbits, unsigned int *node)
{
	unsigned int i, b;

	for (i = from; i < from + nbits; i++) {
		b = rc_bit(&t[*node]);
		v |= b << i;
		*node = *node << 1 | b;
	}
	return v;
}

static uint64_t rc_num_first(struct cur *c, unsigned int f, uint16_t *first)
{
	uint64_t v = 0;
	unsigned int i, b, node;

	for (i = 0; i < 10; i++) {
		node = 1;
		b = rc_tree(i ? mod->num[f][1] : first, 0, 0, 8, &node);
		if (i == 9 && b > 1)
			break;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return v;
	}
	c->bad = 1;
	return 0;
}

static uint64_t rc_num(struct cur *c, unsigned int f)
{
	return rc_num_first(c, f, mod->num[f][0]);
}

/* A region number: from the body in v4, a varint in v3. */
static uint64_t rnum(struct cur *c, unsigned int f)
{
	return rc ? rc_num(c, f) : varint(c);
}

/* A tag: bits 4-7 are not coded on a SAME or RAW tag with values. */
static unsigned int rc_tag(unsigned int ctx)
{
	unsigned int node = 1, v = rc_tree(mod->tag[ctx], 0, 0, 4, &node);

	if ((v & 0xc) && ((v & 3) == 0 || (v & 3) == 3))
		return v;
	return rc_tree(mod->tag[ctx], v, 4, 4, &node);
}

/*
 * The last SNAPSHOT of each kdamond, the reference of its next one: index in
 * rec.s plus one, 0 for none.
 */
static size_t *last_of;
static uint32_t last_cap;

static const struct target *ref_target(uint32_t kd, uint64_t id)
{
	const struct snap *r;
	uint32_t i;

	if (kd >= last_cap || !last_of[kd])
		return NULL;
	r = &rec.s[last_of[kd] - 1];
	for (i = 0; i < r->nr_targets; i++)
		if (r->t[i].id == id)
			return &r->t[i];
	return NULL;
}

static void v3_snapshot(struct cur *c, size_t at, int64_t *prev_ns)
{
	struct snap *s = new_snap();
	uint32_t t, i;

	static int64_t prev_delta;
	struct rc body;
	int ages = 1;

	s->kdamond = varint(c);
	if (s->kdamond >= rec.nr_kdamonds)
		fail("SNAPSHOT at %zu: kdamond %u not introduced by a KDAMOND frame",
		     at, s->kdamond);
	if (rec.version == 4) {
		/* The time delta less the previous one; then the body. */
		prev_delta += svarint(c);
		*prev_ns += prev_delta;
		body.p = c->p;
		body.end = c->end;
		body.range = 0xffffffffu;
		body.code = 0;
		rc = &body;
		mod = &models[s->kdamond];
		for (i = 0; i < 4; i++)
			body.code = body.code << 8 | rc_next();
		ages = rc_bit(&mod->ages) == 1;
		s->nr_targets = rc_num(c, F_NTARGETS);
	} else {
		*prev_ns += svarint(c);
		s->nr_targets = varint(c);
	}
	s->time_ns = *prev_ns;
	if (c->bad || s->nr_targets > 1 << 20)
		fail("SNAPSHOT at %zu: bad header", at);
	s->t = xrealloc(NULL, s->nr_targets * sizeof(*s->t));
	for (t = 0; t < s->nr_targets; t++) {
		struct target *tg = &s->t[t];
		const struct target *ref;
		uint64_t cursor = 0;
		uint32_t prev_nr = 0, ri = 0;
		unsigned int ctx = 8;

		if (rc) {
			const struct snap *rs = s->kdamond < last_cap &&
				last_of[s->kdamond] ?
				&rec.s[last_of[s->kdamond] - 1] : NULL;
			uint64_t z;

			if (rs && t < rs->nr_targets && !rc_bit(&mod->same_id))
				tg->id = rs->t[t].id;
			else
				tg->id = rc_num(c, F_TID);
			ref = ref_target(s->kdamond, tg->id);
			z = rc_num(c, F_NREGIONS);
			tg->nr = (ref ? ref->nr : 0) +
				 (uint32_t)((z >> 1) ^ -(z & 1));
			if (c->bad || tg->nr > 1 << 24)
				fail("SNAPSHOT at %zu: bad target %u", at, t);
		} else {
			tg->id = varint(c);
			tg->nr = varint(c);
			if (c->bad || tg->nr / 16 > (uint32_t)(c->end - c->p))
				fail("SNAPSHOT at %zu: bad target %u", at, t);
			ref = ref_target(s->kdamond, tg->id);
		}
		tg->r = xrealloc(NULL, tg->nr * sizeof(*tg->r));
		for (i = 0; i < tg->nr;) {
			unsigned int tag, form, x, cnt, k;

			if (rc) {
				tag = rc_tag(ctx);
				ctx = (tag & 3) | (tag >> 4 ? 4 : 0);
			} else if (c->p >= c->end) {
				fail("SNAPSHOT at %zu: regions run out", at);
			} else {
				tag = *c->p++;
			}
			form = tag & 3;
			x = tag >> 4;
			/* SAME repeats x + 1; RAW with x is a NEXT run of x. */
			cnt = form == 0 ? x + 1 : form == 3 && x ? x : 1;
			if (cnt > 1 && (tag & 0xc))
				fail("SNAPSHOT at %zu: run on a tag with values 0x%x",
				     at, tag);
			if (form == 3 && x && (tag & 0xc))
				fail("SNAPSHOT at %zu: NEXT with values 0x%x",
				     at, tag);
			if (i + cnt > tg->nr)
				fail("SNAPSHOT at %zu: run past nr_regions", at);
			if ((form == 0 || x) && !ref)
				fail("SNAPSHOT at %zu: reference form 0x%x without a reference",
				     at, tag);
			for (k = 0; k < cnt; k++, i++) {
				struct region *r = &tg->r[i];
				uint32_t pnr, page;

				/* ri: first reference region ending after the cursor */
				while (ref && ri < ref->nr &&
				       ref->r[ri].end <= cursor)
					ri++;
				if (form == 0 || (form == 3 && x)) {
					uint32_t j = ri;

					if (j < ref->nr && ref->r[j].start < cursor)
						j++;
					if (j >= ref->nr ||
					    (form == 0 && ref->r[j].start != cursor))
						fail("SNAPSHOT at %zu: SAME/NEXT without a reference region at 0x%llx",
						     at, (unsigned long long)cursor);
					r->start = ref->r[j].start;
					r->end = ref->r[j].end;
					pnr = ref->r[j].nr_accesses;
					page = ages ? ref->r[j].age + 1 : 0;
				} else if (form != 3 && x) {
					uint32_t j = ri;
					uint64_t b;

					if (form == 2 && j < ref->nr &&
					    ref->r[j].start <= cursor)
						j++;
					if (j >= ref->nr)
						fail("SNAPSHOT at %zu: no reference base after 0x%llx",
						     at, (unsigned long long)cursor);
					r->start = form == 2 ? ref->r[j].start : cursor;
					if (x < 15) {
						if (j + x > ref->nr)
							fail("SNAPSHOT at %zu: reference end %u past the reference",
							     at, x);
						r->end = ref->r[j + x - 1].end;
					} else {
						b = rnum(c, F_SIZE);
						if (!b || (b >> 52) ||
						    r->start + (b << 12) < r->start)
							fail("SNAPSHOT at %zu: bad size", at);
						r->end = r->start + (b << 12);
					}
					pnr = ref->r[j].nr_accesses;
					page = ages ? ref->r[j].age + 1 : 0;
				} else {
					uint64_t a, b;

					a = rnum(c, form == 1 ? F_SIZE :
						 form == 2 ? F_GAP : F_RSTART);
					if (form == 1) {
						r->start = cursor;
						b = a << 12;
						if (a >> 52)
							fail("SNAPSHOT at %zu: size overflows", at);
					} else if (form == 2) {
						b = rnum(c, F_SIZE);
						if ((a >> 52) || (b >> 52))
							fail("SNAPSHOT at %zu: gap overflows", at);
						r->start = cursor + (a << 12);
						b <<= 12;
					} else {
						r->start = a;
						b = rnum(c, F_RSIZE);
					}
					if (r->start < cursor)
						fail("SNAPSHOT at %zu: region before the cursor", at);
					if (!b || r->start + b < r->start)
						fail("SNAPSHOT at %zu: empty or overflowing region", at);
					r->end = r->start + b;
					pnr = prev_nr;
					page = 0;
				}
				if (!(tag & 4))
					r->nr_accesses = pnr;
				else if (rc)
					r->nr_accesses = rc_num_first(c, F_NR,
						mod->nr[pnr < 15 ? pnr : 15]);
				else
					r->nr_accesses = varint(c);
				/* v4: a count that changes predicts age 0. */
				if (rc && (tag & 4))
					page = 0;
				r->age = tag & 8 ? rnum(c, F_AGE) : page;
				if (c->bad)
					fail("SNAPSHOT at %zu: bad region", at);
				cursor = r->end;
				prev_nr = r->nr_accesses;
			}
		}
	}
	if (!rc && c->p != c->end)
		fail("SNAPSHOT at %zu: %zu bytes left in the payload", at,
		     (size_t)(c->end - c->p));
	rc = NULL;
	if (s->kdamond >= last_cap) {
		uint32_t n = s->kdamond + 1;

		last_of = xrealloc(last_of, n * sizeof(*last_of));
		memset(last_of + last_cap, 0, (n - last_cap) * sizeof(*last_of));
		last_cap = n;
	}
	last_of[s->kdamond] = rec.nr;
}

static void parse_v3(void)
{
	const unsigned char *h = data;
	unsigned int group_snaps = 0;
	size_t off, group, group_nr = 0;
	int64_t prev_ns;
	uint32_t hsize;

	if (size < 64)
		fail("v3 header cut short (%zu bytes)", size);
	hsize = h[20] | h[21] << 8;
	if (hsize < 64)
		fail("v3 header_size %u < 64", hsize);
	if (h[22] != 1 || h[23] != 64 || h[24] != 12 || h[25] != 0)
		fail("v3 header: byte_order %u addr_bits %u addr_shift %u clock %u",
		     h[22], h[23], h[24], h[25]);
	if (le32(h + 60) != crc32(h, 60))
		fail("v3 header CRC mismatch");
	if (opt.producer >= 0 && le32(h + 48) != opt.producer)
		fail("v3 producer %u, expected %ld", le32(h + 48), opt.producer);
	rec.sample_us = le32(h + 28);
	rec.aggr_us = le32(h + 32);
	rec.update_us = le32(h + 36);
	rec.start_ns = (int64_t)le64(h + 40);
	prev_ns = rec.start_ns;

	group = hsize;
	for (off = hsize; off < size;) {
		size_t at = off, tail = rec.version == 4 ? 0 : 4;
		struct cur c = { data + off + 1, data + size, 0 };
		uint64_t len;
		unsigned int type = data[off];

		len = varint(&c);
		if (c.bad || len > (uint64_t)(data + size - c.p) ||
		    (uint64_t)(data + size - c.p) - len < tail) {
			rec.truncated_at = at + 1;
			break;
		}
		if (len > 64 << 20)
			fail("frame at %zu: length %llu", at,
			     (unsigned long long)len);
		c.end = c.p + len;
		if (tail && le32(c.end) != crc32(data + at, c.end - (data + at)))
			fail("frame at %zu (type %u): CRC mismatch", at, type);
		off = c.end + tail - data;
		if (rec.version == 4 && type == 6) {
			/* CHECK: the CRC of the group, which ends here. */
			if (len != 4 || le32(c.p) != crc32(data + group, at - group))
				fail("CHECK at %zu: CRC mismatch of the group at %zu",
				     at, group);
			group = off;
			group_snaps = 0;
			group_nr = rec.nr;
			continue;
		}
		if (rec.version == 4 && type == 1 && ++group_snaps > 16)
			fail("group at %zu: more than 16 snapshots", group);
		if (rec.has_end)
			fail("frame at %zu after the END frame", at);

		switch (type) {
		case 1:
			v3_snapshot(&c, at, &prev_ns);
			break;
		case 2: {
			uint64_t kd = varint(&c), count = varint(&c);
			uint64_t why = varint(&c);

			if (c.bad || c.p != c.end)
				fail("LOST at %zu: bad payload", at);
			if (kd >= rec.nr_kdamonds)
				fail("LOST at %zu: kdamond %llu not introduced",
				     at, (unsigned long long)kd);
			if (!count || why < 1 || why > 3)
				fail("LOST at %zu: count %llu reason %llu", at,
				     (unsigned long long)count,
				     (unsigned long long)why);
			rec.lost_frames++;
			rec.lost_total += count;
			if (rec.version == 4)
				models_reset(kd);
			break;
		}
		case 3: {
			uint64_t kd = varint(&c);

			varint(&c);
			if (c.bad || c.p != c.end)
				fail("KDAMOND at %zu: bad payload", at);
			if (kd != rec.nr_kdamonds)
				fail("KDAMOND at %zu: index %llu, expected %u",
				     at, (unsigned long long)kd,
				     rec.nr_kdamonds);
			if (kd >= models_cap) {
				models_cap = kd + 1;
				models = xrealloc(models, models_cap * sizeof(*models));
			}
			models_reset(kd);
			rec.nr_kdamonds++;
			break;
		}
		case 4:
			rec.end_written = varint(&c);
			rec.end_lost = varint(&c);
			if (c.bad || c.p != c.end)
				fail("END at %zu: bad payload", at);
			rec.has_end = 1;
			break;
		default:
			break;
		}
	}
	/* v4: a group without its CHECK frame is not trusted. */
	if (rec.version == 4 && group < size) {
		if (!rec.truncated_at)
			rec.truncated_at = group + 1;
		rec.nr = group_nr;
	}
	free(last_of);
	free(models);
}

/* ---- checks ------------------------------------------------------------- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_d(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void check_regions(void)
{
	uint64_t max_nr = 0;
	size_t i;
	uint32_t t, k;

	if (rec.aggr_us && rec.sample_us)
		max_nr = rec.aggr_us / rec.sample_us;
	for (i = 0; i < rec.nr; i++) {
		const struct snap *s = &rec.s[i];

		if (opt.targets >= 0 && s->nr_targets != opt.targets)
			fail("snapshot %zu has %u targets, expected %ld", i,
			     s->nr_targets, opt.targets);
		for (t = 0; t < s->nr_targets; t++) {
			const struct target *tg = &s->t[t];

			if (t && tg->id <= s->t[t - 1].id && rec.version >= 3)
				fail("snapshot %zu: target ids not increasing",
				     i);
			if (!tg->nr)
				fail("snapshot %zu target %llu: no region", i,
				     (unsigned long long)tg->id);
			for (k = 0; k < tg->nr; k++) {
				const struct region *r = &tg->r[k];

				rec.regions++;
				if (r->start >= r->end)
					fail("snapshot %zu target %llu region %u: start 0x%llx >= end 0x%llx",
					     i, (unsigned long long)tg->id, k,
					     (unsigned long long)r->start,
					     (unsigned long long)r->end);
				if (k && r->start < tg->r[k - 1].end)
					fail("snapshot %zu target %llu region %u: overlaps or out of order",
					     i, (unsigned long long)tg->id, k);
				if (max_nr && r->nr_accesses > max_nr)
					fail("snapshot %zu target %llu region %u: nr_accesses %u > aggr/sample %llu",
					     i, (unsigned long long)tg->id, k,
					     r->nr_accesses,
					     (unsigned long long)max_nr);
			}
		}
	}
}

/* Per kdamond: increasing times, median gap, snapshot count. */
static void check_times(void)
{
	uint32_t nkd = rec.version >= 3 ? rec.nr_kdamonds : 1, kd;
	double *gaps = xrealloc(NULL, rec.nr * sizeof(double));

	for (kd = 0; kd < nkd; kd++) {
		int64_t prev = 0, first = 0, last = 0;
		size_t i, n = 0, count = 0;
		double med = 0;

		for (i = 0; i < rec.nr; i++) {
			const struct snap *s = &rec.s[i];

			if (s->kdamond != kd)
				continue;
			if (rec.version >= 3 && s->time_ns < rec.start_ns)
				fail("snapshot %zu: time before the start", i);
			if (count && s->time_ns <= prev)
				fail("snapshot %zu of kdamond %u: time does not increase",
				     i, kd);
			if (count) {
				gaps[n] = (double)(s->time_ns - prev) / 1000.0;
				if (rec.aggr_us &&
				    gaps[n] < opt.gap_lo * rec.aggr_us)
					fail("snapshot %zu of kdamond %u: %.0f us after the previous one, the aggregation interval is %llu us",
					     i, kd, gaps[n],
					     (unsigned long long)rec.aggr_us);
				n++;
			} else
				first = s->time_ns;
			prev = last = s->time_ns;
			count++;
		}
		if (rec.aggr_us && n >= 3) {
			med = median_d(gaps, n);
			if (med > opt.gap_hi * rec.aggr_us)
				fail("kdamond %u: median gap %.0f us, aggregation interval %llu us",
				     kd, med, (unsigned long long)rec.aggr_us);
			if (!opt.quiet)
				printf("reccheck: kdamond %u: %zu snapshots, median gap %.0f us\n",
				       kd, count, med);
		}
		if (opt.duration > 0 && rec.aggr_us) {
			double most = opt.count_hi * opt.duration * 1e6 /
				      rec.aggr_us + 2;
			double span = (last - first) / 1e9;

			/* DAMON cannot aggregate more often than that. */
			if (count > most)
				fail("kdamond %u: %zu snapshots in %.1f s at %llu us each (at most %.0f)",
				     kd, count, opt.duration,
				     (unsigned long long)rec.aggr_us, most);
			/* The snapshots cover the recording... */
			if (span < opt.count_lo * opt.duration)
				fail("kdamond %u: snapshots span %.2f s of a %.2f s recording",
				     kd, span, opt.duration);
			/* ...without holes (a slow machine widens every gap). */
			if (med > 0 && count - 1 < 0.5 * span * 1e6 / med)
				fail("kdamond %u: %zu snapshots over %.2f s at a median gap of %.0f us: some are missing",
				     kd, count, span, med);
		}
	}
	free(gaps);
}

/*
 * The zigzag workload's hot window walks from the low end of its buffer to
 * the high end.  For every snapshot where some region inside the buffer
 * was accessed, take the position (0..1) of the middle of the hottest one;
 * those positions must increase with time: most pairs in order, and the
 * last third of the recording well above the first third.
 */
static void check_hot(void)
{
	double *pos = xrealloc(NULL, rec.nr * sizeof(double));
	double span = (double)(opt.hot_end - opt.hot_start);
	size_t n = 0, i, j, agree = 0, pairs = 0, third;
	double lo, hi;
	double *tmp;

	for (i = 0; i < rec.nr; i++) {
		const struct snap *s = &rec.s[i];
		uint32_t best = 0, t, k;
		double mid = 0;

		for (t = 0; t < s->nr_targets; t++) {
			if (opt.hot_target >= 0 &&
			    s->t[t].id != (uint64_t)opt.hot_target)
				continue;
			for (k = 0; k < s->t[t].nr; k++) {
				const struct region *r = &s->t[t].r[k];
				uint64_t a = r->start > opt.hot_start ?
					     r->start : opt.hot_start;
				uint64_t b = r->end < opt.hot_end ?
					     r->end : opt.hot_end;

				if (a >= b || r->nr_accesses <= best)
					continue;
				best = r->nr_accesses;
				mid = ((a + b) / 2.0 - opt.hot_start) / span;
			}
		}
		if (best)
			pos[n++] = mid;
	}
	if (n < 6)
		fail("hot: only %zu snapshots show accesses in the range", n);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			if (pos[i] == pos[j])
				continue;
			pairs++;
			agree += pos[j] > pos[i];
		}
	third = n / 3;
	tmp = xrealloc(NULL, third * sizeof(double));
	memcpy(tmp, pos, third * sizeof(double));
	lo = median_d(tmp, third);
	memcpy(tmp, pos + n - third, third * sizeof(double));
	hi = median_d(tmp, third);
	free(tmp);
	if (!opt.quiet)
		printf("reccheck: hot region: %zu snapshots, %zu of %zu pairs in order, first third at %.2f, last third at %.2f\n",
		       n, agree, pairs, lo, hi);
	if (!pairs || agree < 0.7 * pairs)
		fail("hot: the hottest region does not move up (%zu of %zu pairs in order)",
		     agree, pairs);
	if (hi - lo < 0.3)
		fail("hot: the hottest region moved from %.2f to %.2f of the range only",
		     lo, hi);
	free(pos);
}

static void dump(void)
{
	size_t i;
	uint32_t t, k;

	for (i = 0; i < rec.nr; i++) {
		const struct snap *s = &rec.s[i];

		printf("snapshot %zu kdamond %u time %lld.%09lld targets %u\n",
		       i, s->kdamond, (long long)(s->time_ns / 1000000000),
		       (long long)(s->time_ns % 1000000000), s->nr_targets);
		for (t = 0; t < s->nr_targets; t++) {
			printf("  target %llu regions %u\n",
			       (unsigned long long)s->t[t].id, s->t[t].nr);
			for (k = 0; k < s->t[t].nr; k++)
				printf("    %#llx-%#llx %u %u\n",
				       (unsigned long long)s->t[t].r[k].start,
				       (unsigned long long)s->t[t].r[k].end,
				       s->t[t].r[k].nr_accesses,
				       s->t[t].r[k].age);
		}
	}
}

static void parse_pair(const char *s, double *a, double *b)
{
	if (sscanf(s, "%lf,%lf", a, b) != 2 || *a > *b) {
		fprintf(stderr, "reccheck: bad range '%s': give LO,HI\n", s);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", 1, NULL, 'f' }, { "aggr-us", 1, NULL, 'a' },
		{ "sample-us", 1, NULL, 's' }, { "gap", 1, NULL, 'g' },
		{ "duration", 1, NULL, 'd' }, { "count", 1, NULL, 'c' },
		{ "targets", 1, NULL, 't' }, { "kdamonds", 1, NULL, 'k' },
		{ "min-snapshots", 1, NULL, 'm' }, { "end", 0, NULL, 'E' },
		{ "producer", 1, NULL, 'P' },
		{ "no-end", 0, NULL, 'e' }, { "lost", 0, NULL, 'L' },
		{ "no-lost", 0, NULL, 'l' }, { "truncated-ok", 0, NULL, 'T' },
		{ "hot", 1, NULL, 'h' }, { "hot-target", 1, NULL, 'H' },
		{ "quiet", 0, NULL, 'q' }, { "dump", 0, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long hs, he;
	int32_t version;
	int c;

	while ((c = getopt_long(argc, argv, "q", lo, NULL)) != -1) {
		switch (c) {
		case 'f': opt.format = atoi(optarg); break;
		case 'a': opt.aggr_us = strtoull(optarg, NULL, 0); break;
		case 's': opt.sample_us = strtoull(optarg, NULL, 0); break;
		case 'g': parse_pair(optarg, &opt.gap_lo, &opt.gap_hi); break;
		case 'd': opt.duration = atof(optarg); break;
		case 'c': parse_pair(optarg, &opt.count_lo, &opt.count_hi); break;
		case 't': opt.targets = atol(optarg); break;
		case 'k': opt.kdamonds = atol(optarg); break;
		case 'm': opt.min_snapshots = atol(optarg); break;
		case 'P': opt.producer = atol(optarg); break;
		case 'E': opt.end = 1; break;
		case 'e': opt.end = 0; break;
		case 'L': opt.lost = 1; break;
		case 'l': opt.lost = 0; break;
		case 'T': opt.truncated_ok = 1; break;
		case 'h':
			if (sscanf(optarg, "%lli-%lli", (long long *)&hs,
				   (long long *)&he) != 2 || hs >= he) {
				fprintf(stderr, "reccheck: bad --hot '%s': give START-END\n",
					optarg);
				return 2;
			}
			opt.hot = 1;
			opt.hot_start = hs;
			opt.hot_end = he;
			break;
		case 'H': opt.hot_target = atol(optarg); break;
		case 'q': opt.quiet = 1; break;
		case 'D': opt.dump = 1; break;
		default:
			fprintf(stderr, "reccheck: unknown option: see the comment at the top of reccheck.c\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: reccheck [OPTION...] FILE\n");
		return 2;
	}
	slurp(argv[optind]);

	if (size < 20 || memcmp(data, "damon_recfmt_ver", 16))
		fail("no damon_recfmt_ver magic: not a v1-v3 record (%zu bytes)",
		     size);
	memcpy(&version, data + 16, 4);
	if ((version == 3 || version == 4) && le32(data + 16) == (uint32_t)version)
		rec.version = version;
	else if (version == 2)
		rec.version = 2;
	else
		fail("version %d: not 2, 3 or 4", version);
	if (opt.format && opt.format != rec.version)
		fail("version %d, expected %d", rec.version, opt.format);

	if (rec.version == 2)
		parse_v2();
	else
		parse_v3();

	if (opt.dump)
		dump();
	if (opt.aggr_us)
		rec.aggr_us = opt.aggr_us;
	if (opt.sample_us)
		rec.sample_us = opt.sample_us;
	if (rec.truncated_at && !opt.truncated_ok)
		fail("the file ends inside the snapshot or frame at offset %zu",
		     rec.truncated_at - 1);
	if ((long)rec.nr < opt.min_snapshots)
		fail("%zu snapshots, expected at least %ld", rec.nr,
		     opt.min_snapshots);
	check_regions();
	check_times();
	if (rec.version >= 3) {
		if (opt.kdamonds >= 0 && rec.nr_kdamonds != opt.kdamonds)
			fail("%u kdamonds, expected %ld", rec.nr_kdamonds,
			     opt.kdamonds);
		if (opt.end == 1 && !rec.has_end)
			fail("no END frame: the recording was cut short");
		if (opt.end == 0 && rec.has_end)
			fail("an END frame, where none was expected");
		if (rec.has_end && rec.end_written != rec.nr)
			fail("END says %llu snapshots, the file holds %zu",
			     (unsigned long long)rec.end_written, rec.nr);
		if (rec.has_end && rec.end_lost != rec.lost_total)
			fail("END says %llu lost, LOST frames say %llu",
			     (unsigned long long)rec.end_lost,
			     (unsigned long long)rec.lost_total);
		if (opt.lost == 1 && !rec.lost_frames)
			fail("no LOST frame");
		if (opt.lost == 0 && rec.lost_frames)
			fail("%llu LOST frames (%llu snapshots lost)",
			     (unsigned long long)rec.lost_frames,
			     (unsigned long long)rec.lost_total);
	}
	if (opt.hot)
		check_hot();

	if (!opt.quiet)
		printf("reccheck: OK version=%d snapshots=%zu regions=%llu kdamonds=%u lost=%llu end=%d sample_us=%llu aggr_us=%llu bytes=%zu\n",
		       rec.version, rec.nr, (unsigned long long)rec.regions,
		       rec.version >= 3 ? rec.nr_kdamonds : 1,
		       (unsigned long long)rec.lost_total, rec.has_end,
		       (unsigned long long)rec.sample_us,
		       (unsigned long long)rec.aggr_us, size);
	return 0;
}
