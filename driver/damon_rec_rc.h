/* SPDX-License-Identifier: GPL-2.0 OR LGPL-2.1-or-later */
/*
 * damon_rec_rc.h - the range coder and region coder of record version 4
 *
 * Shared by the damon_rec driver (damon_rec_enc.c) and libdamonrec
 * (writer.c, read_v3.c), so that both write the same bytes for the same
 * snapshots.  lib/RECORD-FORMAT.md specifies what is coded here.
 *
 * The includer defines DREC_RC_REGION, the name of its region structure
 * (members start, end, nr_accesses and age), before including this file.
 * Nothing here allocates, sleeps or takes a lock: the driver calls it from
 * the probe, with preemption disabled, on a model of the kdamond's state.
 */
#ifndef _DAMON_REC_RC_H
#define _DAMON_REC_RC_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#define DREC_RC_PROB_BITS	11
#define DREC_RC_PROB_INIT	(1U << (DREC_RC_PROB_BITS - 1))
#define DREC_RC_PROB_MASK	((1U << DREC_RC_PROB_BITS) - 1)
#define DREC_RC_TOP		(1U << 24)

/* Number fields, each with its models (RECORD-FORMAT.md). */
enum drec_rc_field {
	DREC_RC_NTARGETS,
	DREC_RC_TID,
	DREC_RC_NREGIONS,
	DREC_RC_GAP,
	DREC_RC_SIZE,
	DREC_RC_RSTART,
	DREC_RC_RSIZE,
	DREC_RC_NR,
	DREC_RC_AGE,
	DREC_RC_NR_FIELDS,
};

/* Tag contexts: the previous tag of the target (form, x set), or none. */
#define DREC_RC_TAG_CTX		9
#define DREC_RC_TAG_START	8
/* Contexts of an explicit nr_accesses: its predicted value, up to 15. */
#define DREC_RC_NR_CTX		16

/**
 * struct drec_rc_model - the adaptive models of one kdamond
 * @ages: the body's first bit: whether ages advance.
 * @same_id: whether a target has the id of the reference's target at its
 *	place.
 * @tag: bit trees of the region tags, per context.
 * @num: bit trees of varint bytes, per field: the first byte, the others.
 * @nr: bit trees of the first byte of an explicit nr_accesses, per
 *	predicted value (15 for 15 and more).
 *
 * Each entry holds in bits 0-10 the probability, in 1/2048, that the next
 * bit is 0, and in bits 11-15 how many bits it has seen (up to 31).
 */
struct drec_rc_model {
	uint16_t ages;
	uint16_t same_id;
	uint16_t tag[DREC_RC_TAG_CTX][256];
	uint16_t num[DREC_RC_NR_FIELDS][2][256];
	uint16_t nr[DREC_RC_NR_CTX][256];
};

/* Region tag bits, as in version 3. */
#define DREC_RC_SAME		0
#define DREC_RC_CONT		1
#define DREC_RC_GAP_FORM	2
#define DREC_RC_RAW		3
#define DREC_RC_HAS_NR		(1 << 2)
#define DREC_RC_HAS_AGE		(1 << 3)
#define DREC_RC_EXT_SHIFT	4
#define DREC_RC_REPEAT_MAX	15
#define DREC_RC_EXT_MAX_END	14
#define DREC_RC_EXT_SIZE	15
#define DREC_RC_NEXT_MAX	15

/**
 * drec_rc_model_init() - the models of a kdamond at its start, or after
 *	a snapshot of it was lost
 * @m: the models.
 */
static inline void drec_rc_model_init(struct drec_rc_model *m)
{
	unsigned int i, j, k;

	m->ages = DREC_RC_PROB_INIT;
	m->same_id = DREC_RC_PROB_INIT;
	for (i = 0; i < DREC_RC_TAG_CTX; i++)
		for (k = 0; k < 256; k++)
			m->tag[i][k] = DREC_RC_PROB_INIT;
	for (i = 0; i < DREC_RC_NR_FIELDS; i++)
		for (j = 0; j < 2; j++)
			for (k = 0; k < 256; k++)
				m->num[i][j][k] = DREC_RC_PROB_INIT;
	for (i = 0; i < DREC_RC_NR_CTX; i++)
		for (k = 0; k < 256; k++)
			m->nr[i][k] = DREC_RC_PROB_INIT;
}

/*
 * Move a probability towards the bit just coded: fast while it has seen
 * few bits, then slower (its count is in bits 11-15).  The shift is
 * 1 + floor(log2(count + 1)), at most 4; each entry of the table below
 * is what to add to the probability word: the count's step and the shift
 * (in bits 0-2).
 */
static const uint16_t drec_rc_step[32] = {
	0x0801, 0x0802, 0x0802, 0x0803, 0x0803, 0x0803, 0x0803, 0x0804,
	0x0804, 0x0804, 0x0804, 0x0804, 0x0804, 0x0804, 0x0804, 0x0804,
	0x0804, 0x0804, 0x0804, 0x0804, 0x0804, 0x0804, 0x0804, 0x0804,
	0x0804, 0x0804, 0x0804, 0x0804, 0x0804, 0x0804, 0x0804, 0x0004,
};

static inline void drec_rc_adapt(uint16_t *prob, unsigned int bit)
{
	unsigned int v = *prob, p = v & DREC_RC_PROB_MASK;
	unsigned int st = drec_rc_step[v >> DREC_RC_PROB_BITS], sh = st & 7;

	if (!bit)
		p += ((1U << DREC_RC_PROB_BITS) - p) >> sh;
	else
		p -= p >> sh;
	*prob = (uint16_t)(((v & ~DREC_RC_PROB_MASK) + (st & ~7U)) | p);
}

/* The tag context after @tag. */
static inline unsigned int drec_rc_tag_ctx(unsigned int tag)
{
	return (tag & 3) | (tag >> DREC_RC_EXT_SHIFT ? 4 : 0);
}

/* ---- encoder -------------------------------------------------------- */

/**
 * struct drec_rc_enc - a range encoder writing into a bounded buffer
 * @low: low end of the interval, with its carry in bit 32.
 * @range: width of the interval.
 * @pending: bytes held back for a carry: the cache byte, then
 *	@pending - 1 bytes of 0xff.
 * @cache: the first byte held back.
 * @first: the next byte out is the coder's first, always 0, not written.
 * @overflow: the buffer was too small; what was written is meaningless.
 * @p: next byte to write.
 * @start: the first byte.
 * @end: the end of the buffer.
 */
struct drec_rc_enc {
	uint64_t low;
	uint32_t range;
	uint8_t cache;
	bool first;
	bool overflow;
	uint64_t pending;
	uint8_t *p;
	uint8_t *start;
	uint8_t *end;
};

static inline void drec_rc_enc_init(struct drec_rc_enc *e, uint8_t *p,
				    uint8_t *end)
{
	e->low = 0;
	e->range = 0xffffffffU;
	e->cache = 0;
	e->first = true;
	e->overflow = false;
	e->pending = 1;
	e->p = p;
	e->start = p;
	e->end = end;
}

static inline void drec_rc_out(struct drec_rc_enc *e, uint8_t b)
{
	if (e->first) {
		e->first = false;
		return;
	}
	if (e->p == e->end) {
		e->overflow = true;
		return;
	}
	*e->p++ = b;
}

static inline void drec_rc_shift_low(struct drec_rc_enc *e)
{
	if ((uint32_t)e->low < 0xff000000U || (e->low >> 32)) {
		uint8_t carry = (uint8_t)(e->low >> 32), b = e->cache;

		do {
			drec_rc_out(e, (uint8_t)(b + carry));
			b = 0xff;
		} while (--e->pending);
		e->cache = (uint8_t)(e->low >> 24);
	}
	e->pending++;
	e->low = (e->low & 0x00ffffffU) << 8;
}

static inline void drec_rc_bit(struct drec_rc_enc *e, uint16_t *prob,
			       unsigned int bit)
{
	uint32_t bound = (e->range >> DREC_RC_PROB_BITS) *
			 (*prob & DREC_RC_PROB_MASK);

	if (!bit) {
		e->range = bound;
	} else {
		e->low += bound;
		e->range -= bound;
	}
	drec_rc_adapt(prob, bit);
	/* One byte is enough: range stays over 2^16 (P is 15 to 2033). */
	if (e->range < DREC_RC_TOP) {
		e->range <<= 8;
		drec_rc_shift_low(e);
	}
}

/* A byte through a bit tree, least significant bit first. */
static inline void drec_rc_byte(struct drec_rc_enc *e, uint16_t *tree,
				unsigned int v)
{
	unsigned int node = 1, i;

	for (i = 0; i < 8; i++) {
		unsigned int bit = (v >> i) & 1;

		drec_rc_bit(e, &tree[node], bit);
		node = (node << 1) | bit;
	}
}

/* A number as the bytes of its varint, through the models of @field. */
static inline void drec_rc_num(struct drec_rc_enc *e, struct drec_rc_model *m,
			       unsigned int field, uint64_t v)
{
	unsigned int i = 0;

	while (v >= 0x80) {
		drec_rc_byte(e, m->num[field][i], (unsigned int)(v & 0x7f) | 0x80);
		v >>= 7;
		i = 1;
	}
	drec_rc_byte(e, m->num[field][i], (unsigned int)v);
}

/* The tree of an explicit nr_accesses's first byte. */
static inline unsigned int drec_rc_nr_ctx(uint32_t pred)
{
	return pred < DREC_RC_NR_CTX - 1 ? pred : DREC_RC_NR_CTX - 1;
}

/*
 * An explicit nr_accesses: its first varint byte through the tree of the
 * predicted value, the others as a number's.
 */
static inline void drec_rc_nr(struct drec_rc_enc *e, struct drec_rc_model *m,
			      uint32_t pred, uint32_t v)
{
	uint16_t *first = m->nr[drec_rc_nr_ctx(pred)];

	if (v < 0x80) {
		drec_rc_byte(e, first, v);
		return;
	}
	drec_rc_byte(e, first, (v & 0x7f) | 0x80);
	v >>= 7;
	while (v >= 0x80) {
		drec_rc_byte(e, m->num[DREC_RC_NR][1], (v & 0x7f) | 0x80);
		v >>= 7;
	}
	drec_rc_byte(e, m->num[DREC_RC_NR][1], v);
}

/* A signed number, zigzag-mapped. */
static inline void drec_rc_snum(struct drec_rc_enc *e, struct drec_rc_model *m,
				unsigned int field, int64_t v)
{
	drec_rc_num(e, m, field, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/**
 * drec_rc_target() - code the id and region count of a target
 * @e: the encoder.
 * @m: the kdamond's models.
 * @has_place: the reference has a target at the same place.
 * @place_id: the id of that target.
 * @id: the target's id.
 * @nr: its number of regions.
 * @ref_nr: that of its reference target (0 without one).
 */
static inline void drec_rc_target(struct drec_rc_enc *e,
				  struct drec_rc_model *m, bool has_place,
				  uint64_t place_id, uint64_t id, uint32_t nr,
				  uint32_t ref_nr)
{
	bool same = has_place && place_id == id;

	if (has_place)
		drec_rc_bit(e, &m->same_id, !same);
	if (!same)
		drec_rc_num(e, m, DREC_RC_TID, id);
	drec_rc_snum(e, m, DREC_RC_NREGIONS, (int64_t)nr - (int64_t)ref_nr);
}

/**
 * drec_rc_finish() - end the coded bytes
 * @e: the encoder.
 *
 * Writes the shortest ending that a decoder, which reads zeros past the
 * end, takes for a value inside the interval: trailing zero bytes of the
 * ending are left out.
 *
 * Return: the bytes written since drec_rc_enc_init(), or 0 with
 * @e->overflow set when they did not fit.
 */
static inline size_t drec_rc_finish(struct drec_rc_enc *e)
{
	uint64_t hi = e->low + e->range, mask = 0xffffffffU;
	uint8_t *keep;
	int i;

	for (;;) {
		uint64_t v = (e->low + mask) & ~mask;

		if (v < hi) {
			e->low = v;
			break;
		}
		mask >>= 8;
	}
	keep = e->p;
	for (i = 0; i < 5; i++)
		drec_rc_shift_low(e);
	while (e->p > keep && e->p[-1] == 0)
		e->p--;
	if (e->overflow)
		return 0;
	return (size_t)(e->p - e->start);
}

/*
 * Encoder of the regions of one target (the version 3 region forms, each
 * tag and number through the models).  A run tag is coded once its run is
 * over.
 */
struct drec_rc_run {
	unsigned int tag;
	unsigned int n;		/* regions in it, 0: no run */
};

/*
 * Whether the bits 4-7 of a tag whose bits 0-3 are @low are coded: a SAME
 * or RAW tag with explicit values has none (they are 0).
 */
static inline bool drec_rc_tag_has_x(unsigned int low)
{
	return !(low & (DREC_RC_HAS_NR | DREC_RC_HAS_AGE)) ||
	       (low & 3) == DREC_RC_CONT || (low & 3) == DREC_RC_GAP_FORM;
}

/* A tag: bits 0-3 through its tree, then bits 4-7 when they are coded. */
static inline void drec_rc_tag(struct drec_rc_enc *e, struct drec_rc_model *m,
			       unsigned int *ctx, unsigned int tag)
{
	uint16_t *tree = m->tag[*ctx];
	unsigned int node = 1, i, n = drec_rc_tag_has_x(tag & 15) ? 8 : 4;

	for (i = 0; i < n; i++) {
		unsigned int bit = (tag >> i) & 1;

		drec_rc_bit(e, &tree[node], bit);
		node = (node << 1) | bit;
	}
	*ctx = drec_rc_tag_ctx(tag);
}

static inline void drec_rc_run_end(struct drec_rc_enc *e,
				   struct drec_rc_model *m, unsigned int *ctx,
				   struct drec_rc_run *run)
{
	if (run->n)
		drec_rc_tag(e, m, ctx, run->tag);
	run->n = 0;
}

/*
 * Add a plain copy to the run: a SAME run takes up to 16 regions that
 * start at the cursor, a NEXT run up to 15 that may not.
 */
static inline void drec_rc_copy(struct drec_rc_enc *e, struct drec_rc_model *m,
				unsigned int *ctx, struct drec_rc_run *run,
				bool at_cursor)
{
	if (run->n && !(run->tag & 3) && at_cursor &&
	    run->n <= DREC_RC_REPEAT_MAX) {
		run->tag += 1 << DREC_RC_EXT_SHIFT;
		run->n++;
	} else if (run->n && run->n < DREC_RC_NEXT_MAX) {
		run->n++;
		run->tag = DREC_RC_RAW | run->n << DREC_RC_EXT_SHIFT;
	} else {
		drec_rc_run_end(e, m, ctx, run);
		run->tag = at_cursor ? DREC_RC_SAME :
				       DREC_RC_RAW | 1 << DREC_RC_EXT_SHIFT;
		run->n = 1;
	}
}

/**
 * drec_rc_regions() - code the regions of one target
 * @e: the encoder.
 * @m: the kdamond's models.
 * @r: the regions, sorted, non-empty, not overlapping.
 * @nr: their number.
 * @ref: the regions of the same target in the reference, or NULL.
 * @nr_ref: their number.
 * @ages: the snapshot's ages advance (the body's first bit): a copy is
 *	predicted one older than its reference region; without, ages are
 *	predicted 0.
 * @shift: the header's addr_shift.
 */
static inline void drec_rc_regions(struct drec_rc_enc *e,
				   struct drec_rc_model *m,
				   const struct DREC_RC_REGION *r, uint32_t nr,
				   const struct DREC_RC_REGION *ref,
				   uint32_t nr_ref, bool ages,
				   unsigned int shift)
{
	const uint64_t unit = ((uint64_t)1 << shift) - 1;
	struct drec_rc_run run = { 0, 0 };
	unsigned int ctx = DREC_RC_TAG_START;
	uint64_t cursor = 0;
	uint32_t prev_nr = 0;
	uint32_t i, b = 0;

	for (i = 0; i < nr; i++, r++) {
		uint32_t pred_nr = prev_nr, pred_age = 0, q, base;
		unsigned int tag;

		/*
		 * b: the first reference region that ends after the cursor;
		 * q: the first one that starts at or after it.
		 */
		while (b < nr_ref && ref[b].end <= cursor)
			b++;
		q = b < nr_ref && ref[b].start < cursor ? b + 1 : b;
		if (q < nr_ref && ref[q].start == r->start &&
		    ref[q].end == r->end &&
		    r->nr_accesses == ref[q].nr_accesses &&
		    r->age == (ages ? ref[q].age + 1 : 0)) {
			drec_rc_copy(e, m, &ctx, &run, r->start == cursor);
			cursor = r->end;
			prev_nr = r->nr_accesses;
			continue;
		}
		drec_rc_run_end(e, m, &ctx, &run);
		if (r->start == cursor && q < nr_ref &&
		    ref[q].start == cursor && ref[q].end == r->end) {
			tag = DREC_RC_SAME;
			pred_nr = ref[q].nr_accesses;
			pred_age = ages ? ref[q].age + 1 : 0;
		} else if (r->start < cursor || ((r->start - cursor) & unit) ||
			   ((r->end - r->start) & unit)) {
			tag = DREC_RC_RAW;
		} else {
			tag = r->start == cursor ? DREC_RC_CONT :
						   DREC_RC_GAP_FORM;
			/*
			 * The base: the first reference region that ends
			 * after the start; for a GAP, it must start there.
			 */
			if (r->start == cursor)
				base = b;
			else if (q < nr_ref && ref[q].start == r->start)
				base = q;
			else if (q + 1 < nr_ref && ref[q].start == cursor &&
				 ref[q + 1].start == r->start)
				base = q + 1;
			else
				base = nr_ref;
			if (base < nr_ref) {
				uint32_t x = DREC_RC_EXT_SIZE, k;

				for (k = 0; k < DREC_RC_EXT_MAX_END &&
				     base + k < nr_ref &&
				     ref[base + k].end <= r->end; k++) {
					if (ref[base + k].end == r->end) {
						x = k + 1;
						break;
					}
				}
				tag |= x << DREC_RC_EXT_SHIFT;
				pred_nr = ref[base].nr_accesses;
				pred_age = ages ? ref[base].age + 1 : 0;
			}
		}
		/* A count that changes predicts an age of 0, as in DAMON. */
		if (r->nr_accesses != pred_nr) {
			tag |= DREC_RC_HAS_NR;
			pred_age = 0;
		}
		if (r->age != pred_age)
			tag |= DREC_RC_HAS_AGE;

		drec_rc_tag(e, m, &ctx, tag);
		if ((tag & 3) == DREC_RC_RAW) {
			drec_rc_num(e, m, DREC_RC_RSTART, r->start);
			drec_rc_num(e, m, DREC_RC_RSIZE, r->end - r->start);
		} else if (tag & 3) {
			unsigned int x = tag >> DREC_RC_EXT_SHIFT;

			if ((tag & 3) == DREC_RC_GAP_FORM && !x)
				drec_rc_num(e, m, DREC_RC_GAP,
					    (r->start - cursor) >> shift);
			if (!x || x == DREC_RC_EXT_SIZE)
				drec_rc_num(e, m, DREC_RC_SIZE,
					    (r->end - r->start) >> shift);
		}
		if (tag & DREC_RC_HAS_NR)
			drec_rc_nr(e, m, pred_nr, r->nr_accesses);
		if (tag & DREC_RC_HAS_AGE)
			drec_rc_num(e, m, DREC_RC_AGE, r->age);
		cursor = r->end;
		prev_nr = r->nr_accesses;
	}
	drec_rc_run_end(e, m, &ctx, &run);
}

/* ---- decoder (libdamonrec) ----------------------------------------- */

#ifndef __KERNEL__
/**
 * struct drec_rc_dec - a range decoder; it reads zeros past the end
 * @range: width of the interval.
 * @code: the value read, less the interval's low end.
 * @p: next byte.
 * @end: end of the coded bytes.
 */
struct drec_rc_dec {
	uint32_t range;
	uint32_t code;
	const uint8_t *p;
	const uint8_t *end;
};

static inline uint8_t drec_rc_in(struct drec_rc_dec *d)
{
	return d->p < d->end ? *d->p++ : 0;
}

static inline void drec_rc_dec_init(struct drec_rc_dec *d, const uint8_t *p,
				    const uint8_t *end)
{
	int i;

	d->p = p;
	d->end = end;
	d->range = 0xffffffffU;
	d->code = 0;
	for (i = 0; i < 4; i++)
		d->code = d->code << 8 | drec_rc_in(d);
}

static inline unsigned int drec_rc_get_bit(struct drec_rc_dec *d,
					   uint16_t *prob)
{
	uint32_t bound = (d->range >> DREC_RC_PROB_BITS) *
			 (*prob & DREC_RC_PROB_MASK);
	unsigned int bit;

	if (d->code < bound) {
		d->range = bound;
		bit = 0;
	} else {
		d->code -= bound;
		d->range -= bound;
		bit = 1;
	}
	drec_rc_adapt(prob, bit);
	while (d->range < DREC_RC_TOP) {
		d->range <<= 8;
		d->code = d->code << 8 | drec_rc_in(d);
	}
	return bit;
}

/* A tag coded by drec_rc_tag(). */
static inline unsigned int drec_rc_get_tag(struct drec_rc_dec *d,
					   uint16_t *tree)
{
	unsigned int node = 1, v = 0, i;

	for (i = 0; i < 8; i++) {
		unsigned int bit;

		if (i == 4 && !drec_rc_tag_has_x(v))
			break;
		bit = drec_rc_get_bit(d, &tree[node]);
		v |= bit << i;
		node = (node << 1) | bit;
	}
	return v;
}

static inline unsigned int drec_rc_get_byte(struct drec_rc_dec *d,
					    uint16_t *tree)
{
	unsigned int node = 1, v = 0, i;

	for (i = 0; i < 8; i++) {
		unsigned int bit = drec_rc_get_bit(d, &tree[node]);

		v |= bit << i;
		node = (node << 1) | bit;
	}
	return v;
}

/* The same, with the tree @first for the first byte. */
static inline bool drec_rc_get_num_first(struct drec_rc_dec *d,
					 struct drec_rc_model *m,
					 unsigned int field, uint16_t *first,
					 uint64_t *v)
{
	uint64_t x = 0;
	unsigned int i, b;

	for (i = 0; i < 10; i++) {
		b = drec_rc_get_byte(d, i ? m->num[field][1] : first);
		if (i == 9 && b > 1)
			return false;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}
/*
 * A number coded by drec_rc_num(); false if its varint is malformed (more
 * than 10 bytes, or a tenth byte over 1).
 */
static inline bool drec_rc_get_num(struct drec_rc_dec *d,
				   struct drec_rc_model *m,
				   unsigned int field, uint64_t *v)
{
	return drec_rc_get_num_first(d, m, field, m->num[field][0], v);
}

#endif /* !__KERNEL__ */

#endif /* _DAMON_REC_RC_H */
