// SPDX-License-Identifier: GPL-2.0
/*
 * damon_rec_enc.c - record encoders (formats v2 and v3)
 *
 * The byte layouts are specified in lib/RECORD-FORMAT.md and damon_rec(4).
 * Nothing here allocates or sleeps: the probe calls these functions with
 * preemption disabled, on buffers sized with drec_enc_bound().
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32.h>
#include <linux/string.h>

#include "damon_rec_enc.h"

#define DREC_RC_REGION drec_region
#include "damon_rec_rc.h"

static const char drec_magic[16] = "damon_recfmt_ver";

/**
 * drec_put_varint() - write an unsigned LEB128 number
 * @p: where to write, with room for DREC_VARINT_MAX bytes.
 * @v: the value.
 *
 * Return: the byte after the last one written.
 */
u8 *drec_put_varint(u8 *p, u64 v)
{
	while (v >= 0x80) {
		*p++ = (u8)(v | 0x80);
		v >>= 7;
	}
	*p++ = (u8)v;
	return p;
}

/**
 * drec_varint_len() - the size of a varint
 * @v: the value.
 *
 * Return: how many bytes drec_put_varint() writes for @v.
 */
unsigned int drec_varint_len(u64 v)
{
	unsigned int n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/**
 * drec_put_svarint() - write a signed number, zigzag-mapped, as a varint
 * @p: where to write, with room for DREC_VARINT_MAX bytes.
 * @v: the value.
 *
 * Return: the byte after the last one written.
 */
u8 *drec_put_svarint(u8 *p, s64 v)
{
	return drec_put_varint(p, ((u64)v << 1) ^ (u64)(v >> 63));
}

/**
 * drec_crc32() - continue a zlib CRC-32
 * @crc: ~0 to begin, or the value returned for the bytes before.
 * @p: bytes.
 * @len: their number.
 *
 * The CRC of a whole sequence is the bitwise complement of the last value.
 *
 * Return: the running (uncomplemented) CRC.
 */
u32 drec_crc32(u32 crc, const void *p, size_t len)
{
	return crc32_le(crc, p, len);
}

/**
 * drec_v2_header() - the 20-byte header of a version 2 record
 * @hdr: DREC_V2_HDR_LEN bytes.
 */
void drec_v2_header(u8 *hdr)
{
	s32 version = 2;

	memcpy(hdr, drec_magic, sizeof(drec_magic));
	memcpy(hdr + 16, &version, sizeof(version));
}

/**
 * drec_v3_header() - the 64-byte header of a version 3 record
 * @hdr: DREC_V3_HDR_LEN bytes.
 * @st: the START request, for the DAMON intervals (each fits 32 bits).
 * @start_ns: CLOCK_REALTIME at start.
 * @flags: DREC_V3_FLAG_* (DREC_V3_FLAG_AGE when regions carry their age).
 * @version: 3, or DREC_V4_VERSION (the same header).
 */
void drec_v3_header(u8 *hdr, const struct damon_rec_start *st, u64 start_ns,
		    u16 flags, u32 version)
{
	memset(hdr, 0, DREC_V3_HDR_LEN);
	memcpy(hdr, drec_magic, sizeof(drec_magic));
	drec_put_le32(hdr + 16, version);
	drec_put_le16(hdr + 20, DREC_V3_HDR_LEN);
	hdr[22] = 1;				/* little-endian */
	hdr[23] = 64;				/* addresses coded on 64 bits */
	hdr[24] = DREC_V3_ADDR_SHIFT;
	hdr[25] = 0;				/* CLOCK_REALTIME */
	drec_put_le16(hdr + 26, flags);
	drec_put_le32(hdr + 28, (u32)st->sample_us);
	drec_put_le32(hdr + 32, (u32)st->aggr_us);
	drec_put_le32(hdr + 36, (u32)st->update_us);
	drec_put_le64(hdr + 40, start_ns);
	drec_put_le32(hdr + 48, 1);	/* producer: this driver */
	/* 52..59 reserved, zero */
	drec_put_le32(hdr + 60, ~drec_crc32(~0U, hdr, 60));
}

/**
 * drec_enc_bound() - the most bytes the targets of a snapshot can take
 * @format: DAMON_REC_FMT_V2 or DAMON_REC_FMT_V3.
 * @s: the snapshot.
 *
 * Return: an upper bound of what drec_v2_encode_targets() or
 * drec_v3_encode_targets() write for @s.
 */
size_t drec_enc_bound(u32 format, const struct drec_snap *s)
{
	if (format == DAMON_REC_FMT_V2)
		return (size_t)s->nr_targets * 12 + (size_t)s->nr_regions * 20;
	/* id and count; per region a tag, two addresses, nr and age. */
	return (size_t)s->nr_targets * 10 +
	       (size_t)s->nr_regions * (1 + 2 * DREC_VARINT_MAX + 5 + 5);
}

/**
 * drec_v2_encode_targets() - the targets of a version 2 snapshot
 * @p: room for drec_enc_bound() bytes.
 * @s: the snapshot.
 *
 * Writes, per target, its u64 id, its u32 region count and its regions (u64
 * start, u64 end, u32 nr_accesses), in host byte order without padding.
 *
 * Return: bytes written.
 */
size_t drec_v2_encode_targets(u8 *p, const struct drec_snap *s)
{
	u8 *start = p;
	u32 i, j;

	for (i = 0; i < s->nr_targets; i++) {
		const struct drec_target *t = &s->targets[i];
		const struct drec_region *r = &s->regions[t->first];
		u64 id = t->id;

		memcpy(p, &id, 8);
		memcpy(p + 8, &t->nr_regions, 4);
		p += 12;
		for (j = 0; j < t->nr_regions; j++, r++) {
			memcpy(p, &r->start, 8);
			memcpy(p + 8, &r->end, 8);
			memcpy(p + 16, &r->nr_accesses, 4);
			p += 20;
		}
	}
	return p - start;
}

#define DREC_V3_SAME		0
#define DREC_V3_CONT		1
#define DREC_V3_GAP		2
#define DREC_V3_RAW		3
#define DREC_V3_HAS_NR		(1 << 2)
#define DREC_V3_HAS_AGE		(1 << 3)
#define DREC_V3_EXT_SHIFT	4	/* repeat, reference end, NEXT count */
#define DREC_V3_REPEAT_MAX	15
#define DREC_V3_EXT_MAX_END	14
#define DREC_V3_EXT_SIZE	15
#define DREC_V3_NEXT_MAX	15
#define DREC_V3_UNIT		((1ULL << DREC_V3_ADDR_SHIFT) - 1)

/*
 * Add a region equal to the reference region at or after the cursor, with
 * its predicted values, to the run tag at *@run (holding *@n regions): a
 * SAME tag takes up to 16 regions that start at the cursor, a NEXT tag up
 * to 15 that may not; a SAME tag that meets a region after a gap becomes a
 * NEXT tag.  Starts a new tag when the run is full or there is none.
 */
static u8 *drec_v3_copy(u8 *p, u8 **run, u32 *n, bool at_cursor)
{
	if (*run && !(**run & 3) && at_cursor &&
	    *n <= DREC_V3_REPEAT_MAX) {
		**run += 1 << DREC_V3_EXT_SHIFT;
		++*n;
	} else if (*run && *n < DREC_V3_NEXT_MAX) {
		++*n;
		**run = DREC_V3_RAW | *n << DREC_V3_EXT_SHIFT;
	} else {
		*run = p;
		*p++ = at_cursor ? DREC_V3_SAME :
				   DREC_V3_RAW | 1 << DREC_V3_EXT_SHIFT;
		*n = 1;
	}
	return p;
}

/*
 * Code the regions of one target against its reference (the same target in
 * the kdamond's previous committed snapshot), or against nothing.
 */
static u8 *drec_v3_regions(u8 *p, const struct drec_region *r, u32 nr,
			   const struct drec_region *ref, u32 nr_ref)
{
	u8 *run = NULL;		/* tag of the current run of plain copies */
	u32 run_n = 0;
	u64 cursor = 0;
	u32 prev_nr = 0;
	u32 i, b = 0;

	for (i = 0; i < nr; i++, r++) {
		u32 pred_nr = prev_nr, pred_age = 0, q, base;
		u8 tag;

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
		    r->age == ref[q].age + 1) {
			p = drec_v3_copy(p, &run, &run_n, r->start == cursor);
			cursor = r->end;
			prev_nr = r->nr_accesses;
			continue;
		}
		run = NULL;
		if (r->start == cursor && q < nr_ref &&
		    ref[q].start == cursor && ref[q].end == r->end) {
			tag = DREC_V3_SAME;
			pred_nr = ref[q].nr_accesses;
			pred_age = ref[q].age + 1;
		} else if (r->start < cursor ||
			   ((r->start - cursor) & DREC_V3_UNIT) ||
			   ((r->end - r->start) & DREC_V3_UNIT)) {
			tag = DREC_V3_RAW;
		} else {
			tag = r->start == cursor ? DREC_V3_CONT : DREC_V3_GAP;
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
				u32 x = DREC_V3_EXT_SIZE, k;

				for (k = 0; k < DREC_V3_EXT_MAX_END &&
				     base + k < nr_ref &&
				     ref[base + k].end <= r->end; k++) {
					if (ref[base + k].end == r->end) {
						x = k + 1;
						break;
					}
				}
				tag |= x << DREC_V3_EXT_SHIFT;
				pred_nr = ref[base].nr_accesses;
				pred_age = ref[base].age + 1;
			}
		}
		if (r->nr_accesses != pred_nr)
			tag |= DREC_V3_HAS_NR;
		if (r->age != pred_age)
			tag |= DREC_V3_HAS_AGE;

		*p++ = tag;
		if ((tag & 3) == DREC_V3_RAW) {
			p = drec_put_varint(p, r->start);
			p = drec_put_varint(p, r->end - r->start);
		} else if (tag & 3) {
			u8 x = tag >> DREC_V3_EXT_SHIFT;

			if ((tag & 3) == DREC_V3_GAP && !x)
				p = drec_put_varint(p, (r->start - cursor) >>
						    DREC_V3_ADDR_SHIFT);
			if (!x || x == DREC_V3_EXT_SIZE)
				p = drec_put_varint(p, (r->end - r->start) >>
						    DREC_V3_ADDR_SHIFT);
		}
		if (tag & DREC_V3_HAS_NR)
			p = drec_put_varint(p, r->nr_accesses);
		if (tag & DREC_V3_HAS_AGE)
			p = drec_put_varint(p, r->age);
		cursor = r->end;
		prev_nr = r->nr_accesses;
	}
	return p;
}

/*
 * The regions of target @id in the reference @ref (NULL: none), whose
 * targets come in increasing id order: *@ri is where the search for the
 * previous target ended.  Return: their number, *@rr the first (NULL if 0).
 */
static u32 drec_ref_regions(const struct drec_snap *ref, u32 *ri, u32 id,
			    const struct drec_region **rr)
{
	*rr = NULL;
	if (!ref)
		return 0;
	while (*ri < ref->nr_targets && ref->targets[*ri].id < id)
		++*ri;
	if (*ri == ref->nr_targets || ref->targets[*ri].id != id)
		return 0;
	*rr = &ref->regions[ref->targets[*ri].first];
	return ref->targets[*ri].nr_regions;
}

/**
 * drec_v3_encode_targets() - the targets of a version 3 SNAPSHOT payload
 * @p: room for drec_enc_bound() bytes.
 * @s: the snapshot; its regions are sorted, non-empty and non-overlapping
 *	within each target.
 * @ref: the same kdamond's previous committed snapshot, or NULL.
 *
 * Writes, per target, varint target_id, varint nr_regions and the region
 * codes, each region coded against the region of the same target in @ref.
 *
 * Return: bytes written.
 */
size_t drec_v3_encode_targets(u8 *p, const struct drec_snap *s,
			      const struct drec_snap *ref)
{
	u8 *start = p;
	u32 i, ri = 0;

	for (i = 0; i < s->nr_targets; i++) {
		const struct drec_target *t = &s->targets[i];
		const struct drec_region *rr;
		u32 nr_ref = drec_ref_regions(ref, &ri, t->id, &rr);

		p = drec_put_varint(p, t->id);
		p = drec_put_varint(p, t->nr_regions);
		p = drec_v3_regions(p, &s->regions[t->first], t->nr_regions,
				    rr, nr_ref);
	}
	return p - start;
}

/**
 * drec_v3_frame() - a whole small frame
 * @out: room for 1 + DREC_VARINT_MAX + @len + 4 bytes.
 * @type: DREC_V3_FRAME_*.
 * @payload: the payload.
 * @len: its size.
 *
 * Return: bytes written.
 */
size_t drec_v3_frame(u8 *out, u8 type, const u8 *payload, size_t len)
{
	u8 *p = out;

	*p++ = type;
	p = drec_put_varint(p, len);
	memcpy(p, payload, len);
	p += len;
	drec_put_le32(p, ~drec_crc32(~0U, out, p - out));
	return p + 4 - out;
}

/**
 * drec_v4_model_size() - the size of a kdamond's version 4 models
 *
 * Return: sizeof(struct drec_rc_model).
 */
size_t drec_v4_model_size(void)
{
	return sizeof(struct drec_rc_model);
}

/**
 * drec_v4_model_init() - set a kdamond's models to their start
 * @m: the models (drec_v4_model_size() bytes).
 */
void drec_v4_model_init(struct drec_rc_model *m)
{
	drec_rc_model_init(m);
}

/**
 * drec_v4_encode_targets() - the body of a version 4 SNAPSHOT payload
 * @p: where to write.
 * @room: bytes there.
 * @s: the snapshot; its regions are sorted, non-empty and non-overlapping
 *	within each target.
 * @ref: the same kdamond's previous committed snapshot, or NULL.
 * @m: the kdamond's models, updated.
 *
 * Codes the ages bit, the targets and their regions through the models.
 * Bounded work: a fixed number of binary decisions per target and region.
 *
 * @len: out: bytes written.
 *
 * Return: false when they did not fit in @room (the models are then
 * spent: the snapshot must be dropped, and the next one coded with fresh
 * models after a LOST frame).
 */
bool drec_v4_encode_targets(u8 *p, size_t room, const struct drec_snap *s,
			   const struct drec_snap *ref,
			   struct drec_rc_model *m, size_t *len)
{
	struct drec_rc_enc e;
	bool ages = false;
	u32 i, ri = 0;

	for (i = 0; i < s->nr_regions; i++)
		ages |= s->regions[i].age != 0;
	drec_rc_enc_init(&e, p, p + room);
	drec_rc_bit(&e, &m->ages, ages);
	drec_rc_num(&e, m, DREC_RC_NTARGETS, s->nr_targets);
	for (i = 0; i < s->nr_targets; i++) {
		const struct drec_target *t = &s->targets[i];
		const struct drec_region *rr;
		u32 nr_ref = drec_ref_regions(ref, &ri, t->id, &rr);
		bool place = ref && i < ref->nr_targets;

		drec_rc_target(&e, m, place, place ? ref->targets[i].id : 0,
			       t->id, t->nr_regions, nr_ref);
		drec_rc_regions(&e, m, &s->regions[t->first], t->nr_regions,
				rr, nr_ref, ages, DREC_V3_ADDR_SHIFT);
	}
	*len = drec_rc_finish(&e);
	return !e.overflow;
}

/**
 * drec_v4_group_init() - a new group (after the header or a CHECK frame)
 * @g: the group.
 */
void drec_v4_group_init(struct drec_v4_group *g)
{
	g->crc = ~0U;
	g->bytes = 0;
	g->snaps = 0;
}

/**
 * drec_v4_account() - count a frame into its group
 * @check: room for DREC_V4_CHECK_LEN bytes.
 * @g: the group.
 * @type: the frame's type.
 * @p: the frame's bytes, or NULL to count none (the caller passes each
 *	piece of the frame, @type for the last one, 0 for the others).
 * @len: their number.
 *
 * Return: when @type is not 0 and the frame ends the group, the size of
 * the CHECK frame written at @check (the group then starts afresh);
 * otherwise 0.
 */
size_t drec_v4_account(u8 *check, struct drec_v4_group *g, u8 type,
		       const u8 *p, size_t len)
{
	if (len) {
		g->crc = drec_crc32(g->crc, p, len);
		g->bytes += len;
	}
	if (!type)
		return 0;
	if (type == DREC_V3_FRAME_SNAPSHOT)
		g->snaps++;
	if (g->snaps < DREC_V4_GROUP_SNAPSHOTS &&
	    g->bytes < DREC_V4_GROUP_BYTES && type != DREC_V3_FRAME_END)
		return 0;
	check[0] = DREC_V4_FRAME_CHECK;
	check[1] = 4;
	drec_put_le32(check + 2, ~g->crc);
	drec_v4_group_init(g);
	return DREC_V4_CHECK_LEN;
}

/**
 * drec_v4_frame() - a whole small version 4 frame, and the CHECK frame
 *	after it when it ends its group
 * @out: room for 1 + DREC_VARINT_MAX + @len + DREC_V4_CHECK_LEN bytes.
 * @g: the group.
 * @type: DREC_V3_FRAME_*.
 * @payload: the payload.
 * @len: its size.
 *
 * Return: bytes written.
 */
size_t drec_v4_frame(u8 *out, struct drec_v4_group *g, u8 type,
		     const u8 *payload, size_t len)
{
	u8 *p = out;

	*p++ = type;
	p = drec_put_varint(p, len);
	memcpy(p, payload, len);
	p += len;
	return p - out + drec_v4_account(p, g, type, out, p - out);
}

/**
 * drec_intervals_known() - whether any of the intervals is known
 * @iv: the intervals.
 *
 * Return: true when at least one of them is not 0.
 */
bool drec_intervals_known(const struct drec_intervals *iv)
{
	return iv->sample_us || iv->aggr_us || iv->update_us;
}

/**
 * drec_intervals_payload() - the payload of an INTERVALS frame
 * @out: room for DREC_INTERVALS_PAYLOAD_MAX bytes.
 * @idx: the kdamond's index in the file.
 * @iv: its intervals from its next snapshot on.
 *
 * Return: bytes written.
 */
size_t drec_intervals_payload(u8 *out, u32 idx,
			      const struct drec_intervals *iv)
{
	u8 *p;

	p = drec_put_varint(out, idx);
	p = drec_put_varint(p, iv->sample_us);
	p = drec_put_varint(p, iv->aggr_us);
	p = drec_put_varint(p, iv->update_us);
	return p - out;
}
