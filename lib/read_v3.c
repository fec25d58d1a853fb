// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reader of record format version 3 (see RECORD-FORMAT.md): a checked
 * header, then CRC-protected frames.  SNAPSHOT regions are coded against the
 * same target in the previous SNAPSHOT of the same kdamond, so the reader
 * keeps one reference snapshot per kdamond.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define DREC_RC_REGION damonrec_region
#include "../driver/damon_rec_rc.h"

struct v3_kd {
	struct damonrec_snapshot *ref;	/* previous snapshot, NULL if none */
	bool ref_sorted;		/* ref's target ids strictly increase */
	uint64_t pending_lost;
	uint64_t pid;
	struct drec_rc_model *model;	/* v4 */
	struct damonrec_intervals iv;	/* in force for its next snapshot */
};

struct v3_state {
	bool v4;			/* version 4: coded bodies, groups */
	bool ages;			/* this snapshot's ages advance */
	uint64_t checked_to;		/* v4: end of the verified groups */
	unsigned int shift;
	int64_t prev_time;
	uint64_t prev_delta;		/* v4: the last time delta */
	uint64_t delta;			/* v4: that of the snapshot decoded */
	struct v3_kd *kd;
	size_t nr_kd;
	size_t cap_kd;
	struct damonrec_snapshot *scratch;
	uint64_t nr_snapshots;
	uint64_t nr_lost;
};

#ifdef DAMONREC_FUZZ
bool dr_fuzz_skip_crc;
#endif

void dr_v3_free(struct damonrec_reader *r)
{
	struct v3_state *st = r->v3;
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nr_kd; i++) {
		damonrec_snapshot_free(st->kd[i].ref);
		free(st->kd[i].model);
	}
	free(st->kd);
	damonrec_snapshot_free(st->scratch);
	free(st);
	r->v3 = NULL;
}

int dr_v3_open(struct damonrec_reader *r)
{
	const unsigned char *p;
	struct v3_state *st;
	unsigned int hsize;
	uint32_t crc;
	ssize_t n;

	st = calloc(1, sizeof(*st));
	if (!st)
		return dr_fail(r, ENOMEM, 0, "out of memory");
	r->v3 = st;

	n = dr_fill(r, V3_HEADER_SIZE);
	if (n < 0)
		return -1;
	p = r->buf + r->pos;
	if ((size_t)n < DR_MAGIC_LEN ? memcmp(p, DR_MAGIC, (size_t)n) :
				       memcmp(p, DR_MAGIC, DR_MAGIC_LEN))
		return dr_fail(r, EBADMSG, 0,
			       "v3 header at offset 0: wrong magic (expected \"%s\")",
			       DR_MAGIC);
	if (n >= 20 && dr_le32(p + 16) != 3 && dr_le32(p + 16) != V4_VERSION)
		return dr_fail(r, EBADMSG, 16,
			       "v3 header at offset 0: record version is %u, not 3 or 4",
			       dr_le32(p + 16));
	st->v4 = n >= 20 && dr_le32(p + 16) == V4_VERSION;
	if (n < V3_HEADER_SIZE)
		return dr_fail(r, ENODATA, 0,
			       "v3 header at offset 0: file ends inside it (needs %zu more bytes)",
			       V3_HEADER_SIZE - (size_t)n);
	crc = dr_crc32(0, p, 60);
	if (!DR_CRC_OK(dr_le32(p + 60), crc))
		return dr_fail(r, EBADMSG, 0,
			       "v3 header at offset 0: crc mismatch (stored 0x%08x, computed 0x%08x)",
			       dr_le32(p + 60), crc);
	hsize = dr_le16(p + 20);
	if (hsize < V3_HEADER_SIZE)
		return dr_fail(r, EBADMSG, 20,
			       "v3 header at offset 0: header_size %u is below 64",
			       hsize);
	if (p[22] != 1)
		return dr_fail(r, EBADMSG, 22,
			       "v3 header at offset 0: unknown byte_order %u",
			       p[22]);
	if (p[23] != 32 && p[23] != 64)
		return dr_fail(r, EBADMSG, 23,
			       "v3 header at offset 0: addr_bits %u is not 32 or 64",
			       p[23]);
	if (p[24] >= 64)
		return dr_fail(r, EBADMSG, 24,
			       "v3 header at offset 0: addr_shift %u is not below 64",
			       p[24]);
	st->shift = p[24];
	r->age = dr_le16(p + 26) & V3_FLAG_AGE;
	r->iv.sample_us = dr_le32(p + 28);
	r->iv.aggr_us = dr_le32(p + 32);
	r->iv.update_us = dr_le32(p + 36);
	r->start_ns = (int64_t)dr_le64(p + 40);
	r->start_known = true;
	st->prev_time = r->start_ns;
	r->pos += V3_HEADER_SIZE;
	st->checked_to = hsize;
	if (hsize > V3_HEADER_SIZE) {
		size_t extra = hsize - V3_HEADER_SIZE;

		n = dr_fill(r, extra);
		if (n < 0)
			return -1;
		if ((size_t)n < extra)
			return dr_fail(r, ENODATA, 0,
				       "v3 header at offset 0: file ends inside it (needs %zu more bytes)",
				       extra - (size_t)n);
		r->pos += extra;
	}
	return 0;
}

/*
 * Decoding context of one frame, for error messages; in version 4, the
 * range decoder and models of a SNAPSHOT body.
 */
struct v3_frame {
	struct damonrec_reader *r;
	uint64_t off;
	const char *what;
	struct drec_rc_dec *rc;
	struct drec_rc_model *m;
};

static int DR_PRINTF(2, 3) frame_bad(const struct v3_frame *f,
				     const char *fmt, ...)
{
	char detail[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return dr_fail(f->r, EBADMSG, f->off, "v3 frame at offset %llu: %s%s%s",
		       (unsigned long long)f->off, f->what ? f->what : "",
		       f->what ? ": " : "", detail);
}

static int get_v(const struct v3_frame *f, const unsigned char **q,
		 const unsigned char *end, uint64_t *v, const char *field)
{
	int rc = dr_get_varint(q, end, v);

	if (rc == DR_VARINT_OK)
		return 0;
	if (rc == DR_VARINT_SHORT)
		return frame_bad(f, "payload ends inside %s", field);
	return frame_bad(f, "malformed varint for %s", field);
}

/* A number of a version 4 body (coded with the models of @field). */
static int get_n(const struct v3_frame *f, unsigned int field, uint64_t *v,
		 const char *what)
{
	if (likely(drec_rc_get_num(f->rc, f->m, field, v)))
		return 0;
	return frame_bad(f, "malformed varint for %s", what);
}

/* A number of a region: coded (version 4) or a varint (version 3). */
static int get_rv(const struct v3_frame *f, const unsigned char **q,
		  const unsigned char *end, unsigned int field, uint64_t *v,
		  const char *what)
{
	int rc;

	if (f->rc)
		return get_n(f, field, v, what);
	rc = dr_get_varint(q, end, v);
	if (likely(rc == DR_VARINT_OK))
		return 0;
	if (rc == DR_VARINT_SHORT)
		return frame_bad(f, "payload ends inside %s", what);
	return frame_bad(f, "malformed varint for %s", what);
}

#define GETV(var, field)						\
	do {								\
		if (get_v(f, &q, end, &(var), field))			\
			return -1;					\
	} while (0)

#define GETR(var, model, field)						\
	do {								\
		if (get_rv(f, &q, end, model, &(var), field))		\
			return -1;					\
	} while (0)

/* Advance *@b to the first reference region that ends after @pos. */
static inline size_t ref_past(const struct damonrec_target *ref, size_t *b,
			      uint64_t pos)
{
	while (*b < ref->nr && ref->regions[*b].end <= pos)
		(*b)++;
	return *b;
}

#define REGION_BAD(fmt, ...)						\
	frame_bad(f, "region %llu of target %llu: " fmt,		\
		  (unsigned long long)done, (unsigned long long)tid,	\
		  ##__VA_ARGS__)

static int decode_regions(const struct v3_frame *f, struct v3_state *st,
			  struct damonrec_snapshot *s,
			  const struct damonrec_target *ref, uint64_t tid,
			  uint64_t nr_regions, const unsigned char **qp,
			  const unsigned char *end)
{
	const unsigned char *q = *qp;
	unsigned int shift = st->shift;
	uint64_t cursor = 0, done = 0;
	uint32_t prev_nr = 0, inc = st->ages ? 1 : 0;
	size_t b = 0;		/* first reference region ending after cursor */
	unsigned int ctx = DREC_RC_TAG_START;

	while (done < nr_regions) {
		struct damonrec_region *out;
		unsigned int tag, form, ext, count, j;
		uint64_t v;

		if (f->rc) {
			tag = drec_rc_get_tag(f->rc, f->m->tag[ctx]);
			ctx = drec_rc_tag_ctx(tag);
		} else if (q >= end) {
			return frame_bad(f, "payload ends inside region %llu of target %llu",
					 (unsigned long long)done,
					 (unsigned long long)tid);
		} else {
			tag = *q++;
		}
		form = tag & 3;
		ext = tag >> V3_TAG_EXT_SHIFT;
		count = 1;
		if (form == V3_SAME && ext) {
			if (tag & (V3_TAG_NR | V3_TAG_AGE))
				return REGION_BAD("repeat count on a tag that is not a plain SAME");
			count = ext + 1;
		} else if (form == V3_RAW && ext) {
			if (tag & (V3_TAG_NR | V3_TAG_AGE))
				return REGION_BAD("NEXT tag 0x%02x with explicit values",
						  tag);
			count = ext;
		}
		if (count > nr_regions - done)
			return REGION_BAD("%s runs past nr_regions",
					  form == V3_SAME ? "repeat" : "NEXT run");
		if ((form == V3_SAME || ext) && !ref)
			return frame_bad(f, "%s region %llu of target %llu has no reference",
					 form == V3_SAME ? "SAME" :
					 form == V3_RAW ? "NEXT" : "reference-bound",
					 (unsigned long long)done,
					 (unsigned long long)tid);
		if (dr_snap_reserve(s, count))
			return dr_snap_fail(f->r, f->off);

		if (form == V3_SAME || (form == V3_RAW && ext)) {
			/* SAME and NEXT: whole reference regions. */
			for (j = 0; j < count; j++) {
				const struct damonrec_region *rr;
				size_t k = ref_past(ref, &b, cursor);

				if (k < ref->nr && ref->regions[k].start < cursor)
					k++;
				if (k == ref->nr ||
				    (form == V3_SAME && ref->regions[k].start != cursor)) {
					if (form == V3_SAME)
						return frame_bad(f, "SAME region %llu of target %llu: the reference has no region starting at 0x%llx",
								 (unsigned long long)(done + j),
								 (unsigned long long)tid,
								 (unsigned long long)cursor);
					return frame_bad(f, "NEXT region %llu of target %llu: the reference has no region at or after 0x%llx",
							 (unsigned long long)(done + j),
							 (unsigned long long)tid,
							 (unsigned long long)cursor);
				}
				rr = &ref->regions[k];
				out = dr_snap_append(s, 1);
				*out = *rr;
				out->age = inc ? rr->age + 1 : 0;
				cursor = rr->end;
				prev_nr = out->nr_accesses;
			}
			if (count > 1 || form == V3_RAW) {
				done += count;
				continue;
			}
			/* A single SAME: explicit values may follow. */
		} else {
			uint64_t start = cursor, size = 0, gap, rend = 0;
			uint32_t pnr = prev_nr, page = 0;
			bool at_ref_end = false;

			if (form == V3_RAW) {
				GETR(start, DREC_RC_RSTART, "a RAW start");
				GETR(size, DREC_RC_RSIZE, "a RAW size");
				if (start < cursor)
					return REGION_BAD("starts at 0x%llx, before the end of the previous one",
							  (unsigned long long)start);
			} else {
				if (ext) {
					/* Reference-bound CONT or GAP. */
					size_t k = ref_past(ref, &b, cursor);

					if (form == V3_GAP && k < ref->nr &&
					    ref->regions[k].start <= cursor)
						k++;
					if (k == ref->nr)
						return REGION_BAD("the reference has no region %s 0x%llx",
								  form == V3_GAP ? "starting after" :
										   "ending after",
								  (unsigned long long)cursor);
					if (form == V3_GAP)
						start = ref->regions[k].start;
					pnr = ref->regions[k].nr_accesses;
					page = inc ? ref->regions[k].age + 1 : 0;
					if (ext <= V3_EXT_MAX_END) {
						if (ext > ref->nr - k)
							return REGION_BAD("the reference has fewer than %u regions from 0x%llx",
									  ext,
									  (unsigned long long)ref->regions[k].start);
						rend = ref->regions[k + ext - 1].end;
						at_ref_end = true;
					}
				} else if (form == V3_GAP) {
					GETR(gap, DREC_RC_GAP, "a gap");
					if (gap > (UINT64_MAX >> shift) ||
					    __builtin_add_overflow(cursor, gap << shift, &start))
						return REGION_BAD("gap runs past 2^64");
				}
				if (!at_ref_end) {
					GETR(size, DREC_RC_SIZE, "a size");
					if (size > (UINT64_MAX >> shift))
						return REGION_BAD("size runs past 2^64");
					size <<= shift;
				}
			}
			if (!at_ref_end && !size)
				return REGION_BAD("size 0");
			out = dr_snap_append(s, 1);
			out->start = start;
			if (at_ref_end) {
				out->end = rend;
			} else if (__builtin_add_overflow(start, size, &out->end)) {
				dr_snap_unappend(s, 1);
				return REGION_BAD("ends past 2^64");
			}
			out->nr_accesses = pnr;
			out->age = page;
			cursor = out->end;
		}
		if (tag & V3_TAG_NR) {
			if (f->rc) {
				/* The first byte's tree: the predicted count's. */
				uint32_t pc = out->nr_accesses;

				if (!drec_rc_get_num_first(f->rc, f->m, DREC_RC_NR,
							   f->m->nr[drec_rc_nr_ctx(pc)],
							   &v))
					return REGION_BAD("malformed varint for nr_accesses");
			} else {
				GETR(v, DREC_RC_NR, "nr_accesses");
			}
			if (v > UINT32_MAX)
				return REGION_BAD("nr_accesses %llu is over 32 bits",
						  (unsigned long long)v);
			out->nr_accesses = (uint32_t)v;
			/* v4: a count that changes predicts an age of 0. */
			if (f->rc)
				out->age = 0;
		}
		if (tag & V3_TAG_AGE) {
			GETR(v, DREC_RC_AGE, "age");
			if (v > UINT32_MAX)
				return REGION_BAD("age %llu is over 32 bits",
						  (unsigned long long)v);
			out->age = (uint32_t)v;
		}
		prev_nr = out->nr_accesses;
		done++;
	}
	*qp = q;
	return 0;
}

/* The kdamond of a SNAPSHOT or LOST frame. */
static int get_kd(const struct v3_frame *f, struct v3_state *st,
		  const unsigned char **q, const unsigned char *end,
		  uint64_t *k)
{
	if (get_v(f, q, end, k, "the kdamond"))
		return -1;
	if (*k >= st->nr_kd)
		return frame_bad(f, "kdamond %llu was not introduced by a KDAMOND frame",
				 (unsigned long long)*k);
	return 0;
}

static int decode_snapshot(struct v3_frame *f, struct v3_state *st,
			   const unsigned char *q, const unsigned char *end,
			   struct damonrec_snapshot *s, size_t *kdp)
{
	uint64_t k, zz, nr_targets, ti, total = 0, limit = 0;
	const struct damonrec_snapshot *ref;
	struct drec_rc_dec dec;
	bool sorted;

	if (get_kd(f, st, &q, end, &k))
		return -1;
	GETV(zz, "time_delta");
	st->ages = true;
	if (st->v4) {
		/*
		 * The body: no region costs less than 1/2048 byte, so more
		 * regions than that are corrupt (and never take memory).
		 */
		limit = ((uint64_t)(end - q) + 5) * 2048;
		drec_rc_dec_init(&dec, q, end);
		f->rc = &dec;
		f->m = st->kd[k].model;
		st->ages = drec_rc_get_bit(&dec, &f->m->ages);
		if (get_n(f, DREC_RC_NTARGETS, &nr_targets, "nr_targets"))
			return -1;
		if (nr_targets > limit)
			return frame_bad(f, "nr_targets %llu does not fit in the payload",
					 (unsigned long long)nr_targets);
	} else {
		GETV(nr_targets, "nr_targets");
		if (nr_targets > (uint64_t)(end - q) / 2)
			return frame_bad(f, "nr_targets %llu does not fit in the payload",
					 (unsigned long long)nr_targets);
	}

	damonrec_snapshot_clear(s);
	s->kdamond = (unsigned int)k;
	s->iv = st->kd[k].iv;
	/* v4: the delta less the previous one. */
	st->delta = (st->v4 ? st->prev_delta : 0) + (uint64_t)dr_unzigzag(zz);
	s->time = (int64_t)((uint64_t)st->prev_time + st->delta);
	ref = st->kd[k].ref;
	sorted = st->kd[k].ref_sorted;
	for (ti = 0; ti < nr_targets; ti++) {
		uint64_t id, nr;

		if (st->v4) {
			const struct damonrec_target *rt;
			bool place = ref && ti < ref->nr_targets;

			if (place && !drec_rc_get_bit(&dec, &f->m->same_id))
				id = ref->targets[ti].id;
			else if (get_n(f, DREC_RC_TID, &id, "a target_id"))
				return -1;
			if (get_n(f, DREC_RC_NREGIONS, &nr, "nr_regions"))
				return -1;
			rt = dr_ref_target(ref, sorted, ti, id);
			nr = (uint64_t)(rt ? rt->nr : 0) + (uint64_t)dr_unzigzag(nr);
			if (nr > UINT32_MAX)
				return frame_bad(f, "nr_regions of target %llu is not 32-bit",
						 (unsigned long long)id);
			total += nr + 1;
			if (nr > limit || total > limit)
				return frame_bad(f, "nr_regions %llu of target %llu does not fit in the payload",
						 (unsigned long long)nr,
						 (unsigned long long)id);
		} else {
			GETV(id, "a target_id");
			GETV(nr, "nr_regions");
			if (nr > (uint64_t)(end - q) * 16)
				return frame_bad(f, "nr_regions %llu of target %llu does not fit in the payload",
						 (unsigned long long)nr,
						 (unsigned long long)id);
		}
		if (damonrec_snapshot_add_target(s, id) < 0)
			return dr_snap_fail(f->r, f->off);
		if (decode_regions(f, st, s, dr_ref_target(ref, sorted, ti, id),
				   id, nr, &q, end))
			return -1;
	}
	if (!st->v4 && q != end)
		return frame_bad(f, "%zu bytes left after the last region",
				 (size_t)(end - q));
	*kdp = (size_t)k;
	return 0;
}

static int v3_truncated(struct damonrec_reader *r, uint64_t off,
			uint64_t need, bool at_least)
{
	return dr_fail(r, ENODATA, off,
		       "v3 frame at offset %llu: file ends inside it (needs %s%llu more bytes)",
		       (unsigned long long)off, at_least ? "at least " : "",
		       (unsigned long long)need);
}

static int handle_frame(struct damonrec_reader *r, struct v3_state *st,
			unsigned int type, const unsigned char *q,
			const unsigned char *end, uint64_t off,
			const struct damonrec_snapshot **out)
{
	struct v3_frame fr = { r, off, NULL, NULL, NULL }, *f = &fr;
	uint64_t k, a, b;

	switch (type) {
	case V3_FRAME_SNAPSHOT: {
		struct damonrec_snapshot *s = st->scratch, *old;
		size_t kd = 0;

		fr.what = "SNAPSHOT";
		if (!s) {
			s = st->scratch = dr_snap_new_limited();
			if (!s)
				return dr_fail(r, ENOMEM, off, "out of memory");
		}
		if (decode_snapshot(f, st, q, end, s, &kd))
			return -1;
		s->lost_before = st->kd[kd].pending_lost;
		st->kd[kd].pending_lost = 0;
		st->prev_time = s->time;
		st->prev_delta = st->delta;
		st->nr_snapshots++;
		old = st->kd[kd].ref;
		st->kd[kd].ref = s;
		st->kd[kd].ref_sorted = dr_ids_sorted(s);
		st->scratch = old;
		*out = s;
		return 1;
	}
	case V3_FRAME_LOST:
		fr.what = "LOST";
		if (get_kd(f, st, &q, end, &k))
			return -1;
		GETV(a, "the count");
		GETV(b, "the reason");
		if (q != end)
			return frame_bad(f, "%zu bytes left after the fields",
					 (size_t)(end - q));
		if (st->v4)
			drec_rc_model_init(st->kd[k].model);
		if (__builtin_add_overflow(st->kd[k].pending_lost, a,
					   &st->kd[k].pending_lost) ||
		    __builtin_add_overflow(st->nr_lost, a, &st->nr_lost))
			return frame_bad(f, "lost count overflows 64 bits");
		r->lost = st->nr_lost;
		return 0;
	case V3_FRAME_KDAMOND:
		fr.what = "KDAMOND";
		GETV(k, "the kdamond");
		GETV(a, "the pid");
		if (q != end)
			return frame_bad(f, "%zu bytes left after the fields",
					 (size_t)(end - q));
		if (k > st->nr_kd)
			return frame_bad(f, "introduces kdamond %llu before kdamond %zu",
					 (unsigned long long)k, st->nr_kd);
		if (k == st->nr_kd) {
			if (st->nr_kd == DR_MAX_KDAMONDS)
				return frame_bad(f, "more than %u kdamonds",
						 DR_MAX_KDAMONDS);
			if (st->nr_kd == st->cap_kd) {
				size_t cap = st->cap_kd ? st->cap_kd * 2 : 4;
				struct v3_kd *kd = realloc(st->kd,
							   cap * sizeof(*kd));

				if (!kd)
					return dr_fail(r, ENOMEM, off,
						       "out of memory");
				st->kd = kd;
				st->cap_kd = cap;
			}
			memset(&st->kd[k], 0, sizeof(st->kd[k]));
			st->kd[k].iv = r->iv;
			if (st->v4) {
				st->kd[k].model = malloc(sizeof(*st->kd[k].model));
				if (!st->kd[k].model)
					return dr_fail(r, ENOMEM, off,
						       "out of memory");
				drec_rc_model_init(st->kd[k].model);
			}
			st->nr_kd++;
		}
		st->kd[k].pid = a;
		return 0;
	case V3_FRAME_INTERVALS: {
		struct damonrec_intervals iv;

		fr.what = "INTERVALS";
		GETV(k, "the kdamond");
		GETV(iv.sample_us, "sample_us");
		GETV(iv.aggr_us, "aggr_us");
		GETV(iv.update_us, "update_us");
		if (q != end)
			return frame_bad(f, "%zu bytes left after the fields",
					 (size_t)(end - q));
		if (k >= st->nr_kd)
			return frame_bad(f, "kdamond %llu was not introduced by a KDAMOND frame",
					 (unsigned long long)k);
		st->kd[k].iv = iv;
		return 0;
	}
	case V3_FRAME_END:
		fr.what = "END";
		GETV(a, "the snapshot count");
		GETV(b, "the lost count");
		if (q != end)
			return frame_bad(f, "%zu bytes left after the fields",
					 (size_t)(end - q));
		if (a != st->nr_snapshots || b != st->nr_lost)
			return frame_bad(f, "says %llu snapshots written and %llu lost, but the file has %llu and %llu",
					 (unsigned long long)a,
					 (unsigned long long)b,
					 (unsigned long long)st->nr_snapshots,
					 (unsigned long long)st->nr_lost);
		r->has_end = true;
		return 0;
	default:
		return 0;	/* unknown frame types are skipped */
	}
}

/* Parse the type and length of the frame at @p (@n bytes there). */
static int frame_head(struct damonrec_reader *r, const unsigned char *p,
		      size_t n, uint64_t off, size_t *hl, uint64_t *len)
{
	const unsigned char *q = p + 1;
	int rc = dr_get_varint(&q, p + n, len);

	if (rc == DR_VARINT_SHORT)
		return v3_truncated(r, off, 1, true);
	if (rc == DR_VARINT_BAD)
		return dr_fail(r, EBADMSG, off,
			       "v3 frame at offset %llu: malformed payload length",
			       (unsigned long long)off);
	if (*len > V3_MAX_PAYLOAD)
		return dr_fail(r, EBADMSG, off,
			       "v3 frame at offset %llu: payload length %llu is over 64 MiB",
			       (unsigned long long)off,
			       (unsigned long long)*len);
	*hl = (size_t)(q - p);
	return 0;
}

/*
 * Version 4: read ahead to the CHECK frame that ends the group starting
 * here and verify its CRC, so that no frame of a group is used before the
 * whole group is known good.  A group holds at most 16 SNAPSHOT frames and
 * 64 KiB before its last frame.
 */
static int v4_check_group(struct damonrec_reader *r, struct v3_state *st)
{
	uint64_t off0 = dr_off(r), len;
	unsigned int snaps = 0;
	size_t at = 0, hl, total;
	const unsigned char *p, *q;
	uint32_t crc;
	ssize_t n;

	for (;;) {
		n = dr_fill(r, at + 1 + DR_VARINT_MAX);
		if (n < 0)
			return -1;
		if ((size_t)n == at && !at)
			return 0;	/* the end of the file */
		if ((size_t)n == at)
			goto torn;
		p = r->buf + r->pos + at;
		q = p + 1;
		if (dr_get_varint(&q, r->buf + r->pos + n, &len) ==
		    DR_VARINT_SHORT)
			goto torn;
		if (frame_head(r, p, (size_t)n - at, off0 + at, &hl, &len))
			return -1;
		total = hl + (size_t)len;
		n = dr_fill(r, at + total);
		if (n < 0)
			return -1;
		if ((size_t)n < at + total)
			goto torn;
		p = r->buf + r->pos;
		if (p[at] == V4_FRAME_CHECK) {
			if (len != 4)
				return dr_fail(r, EBADMSG, off0 + at,
					       "v3 frame at offset %llu: CHECK payload of %llu bytes, not 4",
					       (unsigned long long)(off0 + at),
					       (unsigned long long)len);
			crc = dr_crc32(0, p, at);
			if (!DR_CRC_OK(dr_le32(p + at + hl), crc))
				return dr_fail(r, EBADMSG, off0,
					       "v4 group at offset %llu: crc mismatch (stored 0x%08x, computed 0x%08x)",
					       (unsigned long long)off0,
					       dr_le32(p + at + hl), crc);
			st->checked_to = off0 + at + total;
			return 0;
		}
		if (p[at] == V3_FRAME_SNAPSHOT && ++snaps > V4_GROUP_SNAPSHOTS)
			return dr_fail(r, EBADMSG, off0,
				       "v4 group at offset %llu: more than %u SNAPSHOT frames before a CHECK frame",
				       (unsigned long long)off0,
				       V4_GROUP_SNAPSHOTS);
		if (at >= V4_GROUP_BYTES)
			return dr_fail(r, EBADMSG, off0,
				       "v4 group at offset %llu: over %u bytes before a CHECK frame",
				       (unsigned long long)off0, V4_GROUP_BYTES);
		at += total;
	}
torn:
	return dr_fail(r, ENODATA, off0,
		       "v4 group at offset %llu: file ends before its CHECK frame (%u snapshots in it not delivered)",
		       (unsigned long long)off0, snaps);
}

int dr_v3_next(struct damonrec_reader *r, const struct damonrec_snapshot **s)
{
	struct v3_state *st = r->v3;

	for (;;) {
		uint64_t off = dr_off(r), len;
		const unsigned char *p;
		size_t hl, total;
		uint32_t crc;
		ssize_t n;
		int rc;

		if (st->v4 && off >= st->checked_to &&
		    v4_check_group(r, st))
			return -1;
		n = dr_fill(r, 1 + DR_VARINT_MAX);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		p = r->buf + r->pos;
		if (frame_head(r, p, (size_t)n, off, &hl, &len))
			return -1;
		total = hl + (size_t)len + (st->v4 ? 0 : 4);
		n = dr_fill(r, total);
		if (n < 0)
			return -1;
		if ((size_t)n < total)
			return v3_truncated(r, off, total - (size_t)n, false);
		p = r->buf + r->pos;
		if (!st->v4) {
			crc = dr_crc32(0, p, hl + (size_t)len);
			if (!DR_CRC_OK(dr_le32(p + hl + len), crc))
				return dr_fail(r, EBADMSG, off,
					       "v3 frame at offset %llu: crc mismatch (stored 0x%08x, computed 0x%08x)",
					       (unsigned long long)off,
					       dr_le32(p + hl + len), crc);
		}
		rc = handle_frame(r, st, p[0], p + hl, p + hl + len, off, s);
		if (rc < 0)
			return -1;
		r->pos += total;
		if (rc > 0)
			return 1;
	}
}
