// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Record writers: v2 (the seed's layout), v3 (this project's compact,
 * checksummed format), JSON and CSV.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define DREC_RC_REGION damonrec_region
#include "../driver/damon_rec_rc.h"

#define WR_BUF		(256u << 10)

struct wkd {
	unsigned int num;		/* the snapshots' kdamond number */
	struct damonrec_snapshot *ref;	/* v3: last snapshot written */
	bool ref_sorted;
	bool announced;			/* v4: its KDAMOND frame is written */
	struct drec_rc_model *model;	/* v4: its models */
	uint64_t pending_lost;		/* JSON: lost before the next one */
	struct damonrec_intervals iv;	/* v3: in force in the file */
};

struct damonrec_writer {
	int fd;
	bool own_fd;
	enum damonrec_format fmt;
	unsigned char *buf;
	size_t len;
	size_t cap;
	uint64_t bytes;
	int err;			/* first error, sticky */

	struct wkd *kd;
	size_t nr_kd;
	size_t cap_kd;

	/* v3 */
	struct damonrec_intervals iv;	/* the header's */
	int64_t prev_time;
	uint64_t prev_delta;		/* v4: the last time delta */
	uint64_t nr_snapshots;
	uint64_t nr_lost;
	unsigned char *pay;
	size_t pay_len;
	size_t pay_cap;
	uint32_t group_crc;		/* v4: CRC of the group so far */
	size_t group_bytes;
	unsigned int group_snaps;

	/* JSON */
	bool json_first;

	/* damo */
	struct damo_writer *damo;
};

static int wr_flush(struct damonrec_writer *w)
{
	size_t off = 0;

	while (off < w->len) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->err = errno;
			w->len = 0;
			return -1;
		}
		off += (size_t)n;
	}
	w->len = 0;
	return 0;
}

/* Room for @n bytes at the end of the output buffer, or NULL. */
static unsigned char *wr_room(struct damonrec_writer *w, size_t n)
{
	if (likely(w->cap - w->len >= n))
		return w->buf + w->len;
	if (w->len && wr_flush(w))
		return NULL;
	if (n > w->cap) {
		unsigned char *b = realloc(w->buf, n);

		if (!b) {
			w->err = ENOMEM;
			return NULL;
		}
		w->buf = b;
		w->cap = n;
	}
	return w->buf;
}

static inline void wr_commit(struct damonrec_writer *w, size_t n)
{
	w->len += n;
	w->bytes += n;
}

static int wr_put(struct damonrec_writer *w, const void *p, size_t n)
{
	unsigned char *d = wr_room(w, n);

	if (!d)
		return -1;
	memcpy(d, p, n);
	wr_commit(w, n);
	return 0;
}

static int wr_str(struct damonrec_writer *w, const char *s)
{
	return wr_put(w, s, strlen(s));
}

static int wr_fail(struct damonrec_writer *w)
{
	errno = w->err;
	return -1;
}

/* The slot of kdamond number @num; *@is_new when it was just added. */
static struct wkd *wr_kd(struct damonrec_writer *w, unsigned int num,
			 bool add, bool *is_new)
{
	size_t i;

	*is_new = false;
	for (i = 0; i < w->nr_kd; i++)
		if (w->kd[i].num == num)
			return &w->kd[i];
	if (!add)
		return NULL;
	if (w->nr_kd == DR_MAX_KDAMONDS) {
		w->err = EOVERFLOW;
		return NULL;
	}
	if (w->nr_kd == w->cap_kd) {
		size_t cap = w->cap_kd ? w->cap_kd * 2 : 4;
		struct wkd *kd = realloc(w->kd, cap * sizeof(*kd));

		if (!kd) {
			w->err = ENOMEM;
			return NULL;
		}
		w->kd = kd;
		w->cap_kd = cap;
	}
	memset(&w->kd[w->nr_kd], 0, sizeof(w->kd[0]));
	w->kd[w->nr_kd].num = num;
	w->kd[w->nr_kd].iv = w->iv;
	*is_new = true;
	return &w->kd[w->nr_kd++];
}

/* ------------------------------------------------------------------ */
/* v2                                                                   */
/* ------------------------------------------------------------------ */

static int v2_header(struct damonrec_writer *w)
{
	unsigned char h[DR_MAGIC_LEN + 4];
	int32_t v = 2;

	memcpy(h, DR_MAGIC, DR_MAGIC_LEN);
	memcpy(h + DR_MAGIC_LEN, &v, 4);
	return wr_put(w, h, sizeof(h));
}

static int v2_write(struct damonrec_writer *w, const struct damonrec_snapshot *s)
{
	int64_t sec, nsec;
	uint32_t n32;
	unsigned char *p;
	size_t ti, i;

	if (s->nr_targets > UINT32_MAX)
		return errno = EOVERFLOW, -1;
	for (ti = 0; ti < s->nr_targets; ti++)
		if (s->targets[ti].nr > UINT32_MAX)
			return errno = EOVERFLOW, -1;
	dr_ns_to_ts(s->time, &sec, &nsec);
	p = wr_room(w, 20);
	if (!p)
		return wr_fail(w);
	memcpy(p, &sec, 8);
	memcpy(p + 8, &nsec, 8);
	n32 = (uint32_t)s->nr_targets;
	memcpy(p + 16, &n32, 4);
	wr_commit(w, 20);
	for (ti = 0; ti < s->nr_targets; ti++) {
		const struct damonrec_target *t = &s->targets[ti];

		p = wr_room(w, 12);
		if (!p)
			return wr_fail(w);
		memcpy(p, &t->id, 8);
		n32 = (uint32_t)t->nr;
		memcpy(p + 8, &n32, 4);
		wr_commit(w, 12);
		for (i = 0; i < t->nr;) {
			size_t k = (w->cap - w->len) / 20, j;

			if (!k) {
				if (!wr_room(w, w->cap))
					return wr_fail(w);
				continue;
			}
			if (k > t->nr - i)
				k = t->nr - i;
			p = w->buf + w->len;
			for (j = 0; j < k; j++, p += 20) {
				const struct damonrec_region *r = &t->regions[i + j];

				memcpy(p, &r->start, 8);
				memcpy(p + 8, &r->end, 8);
				memcpy(p + 16, &r->nr_accesses, 4);
			}
			wr_commit(w, k * 20);
			i += k;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* v3                                                                   */
/* ------------------------------------------------------------------ */

static int v3_header(struct damonrec_writer *w,
		     const struct damonrec_record_meta *m, uint32_t version)
{
	unsigned char h[V3_HEADER_SIZE];

	if (m->intervals.sample_us > UINT32_MAX ||
	    m->intervals.aggr_us > UINT32_MAX ||
	    m->intervals.update_us > UINT32_MAX) {
		w->err = EINVAL;
		return -1;
	}
	memset(h, 0, sizeof(h));
	memcpy(h, DR_MAGIC, DR_MAGIC_LEN);
	dr_put_le32(h + 16, version);
	dr_put_le16(h + 20, V3_HEADER_SIZE);
	h[22] = 1;			/* little-endian */
	h[23] = 64;			/* addr_bits */
	h[24] = V3_ADDR_SHIFT;
	h[25] = 0;			/* CLOCK_REALTIME */
	dr_put_le16(h + 26, V3_FLAG_AGE);
	dr_put_le32(h + 28, (uint32_t)m->intervals.sample_us);
	dr_put_le32(h + 32, (uint32_t)m->intervals.aggr_us);
	dr_put_le32(h + 36, (uint32_t)m->intervals.update_us);
	dr_put_le64(h + 40, (uint64_t)m->start_ns);
	dr_put_le32(h + 48, V3_PRODUCER_LIB);
	dr_put_le32(h + 60, dr_crc32(0, h, 60));
	w->prev_time = m->start_ns;
	w->iv = m->intervals;
	return wr_put(w, h, sizeof(h));
}

static int pay_room(struct damonrec_writer *w, size_t n)
{
	if (w->pay_cap - w->pay_len >= n)
		return 0;
	if (w->pay_len + n > V3_MAX_PAYLOAD) {
		w->err = EFBIG;
		return -1;
	}
	{
		size_t cap = w->pay_cap ? w->pay_cap : 4096;
		unsigned char *p;

		while (cap - w->pay_len < n)
			cap *= 2;
		p = realloc(w->pay, cap);
		if (!p) {
			w->err = ENOMEM;
			return -1;
		}
		w->pay = p;
		w->pay_cap = cap;
	}
	return 0;
}

/* A payload buffer set aside while small frames use w->pay. */
struct pay_buf {
	unsigned char *p;
	size_t len;
	size_t cap;
};

static void pay_swap(struct damonrec_writer *w, struct pay_buf *b)
{
	struct pay_buf t = { w->pay, w->pay_len, w->pay_cap };

	w->pay = b->p;
	w->pay_len = b->len;
	w->pay_cap = b->cap;
	*b = t;
}

static inline void pay_v(struct damonrec_writer *w, uint64_t v)
{
	w->pay_len += dr_put_varint(w->pay + w->pay_len, v);
}

/* Write the frame whose payload is in w->pay. */
static int v3_frame(struct damonrec_writer *w, unsigned int type)
{
	unsigned char hdr[1 + DR_VARINT_MAX], tail[4];
	size_t hl;
	uint32_t crc;

	hdr[0] = (unsigned char)type;
	hl = 1 + dr_put_varint(hdr + 1, w->pay_len);
	crc = dr_crc32(0, hdr, hl);
	crc = dr_crc32(crc, w->pay, w->pay_len);
	dr_put_le32(tail, crc);
	if (wr_put(w, hdr, hl) || wr_put(w, w->pay, w->pay_len) ||
	    wr_put(w, tail, 4))
		return -1;
	return 0;
}

static int v4_frame(struct damonrec_writer *w, unsigned int type);

/* A frame of up to three varints, in the writer's format (3 or 4). */
static int v3_small_frame(struct damonrec_writer *w, unsigned int type,
			  int n, uint64_t a, uint64_t b, uint64_t c)
{
	w->pay_len = 0;
	if (pay_room(w, 3 * DR_VARINT_MAX))
		return -1;
	pay_v(w, a);
	if (n > 1)
		pay_v(w, b);
	if (n > 2)
		pay_v(w, c);
	return w->fmt == DAMONREC_FORMAT_V4 ? v4_frame(w, type) :
					      v3_frame(w, type);
}

/* The file index of kdamond @num, announcing it with a KDAMOND frame. */
static struct wkd *v3_kd(struct damonrec_writer *w, unsigned int num)
{
	bool is_new;
	struct wkd *kd = wr_kd(w, num, true, &is_new);

	if (!kd)
		return NULL;
	if (is_new && v3_small_frame(w, V3_FRAME_KDAMOND, 2,
				     (uint64_t)(kd - w->kd), 0, 0))
		return NULL;
	return kd;
}

static int v3_lost(struct damonrec_writer *w, struct wkd *kd, uint64_t count)
{
	if (__builtin_add_overflow(w->nr_lost, count, &w->nr_lost)) {
		w->err = EOVERFLOW;
		return -1;
	}
	/* Reason 0: not known to a converter. */
	return v3_small_frame(w, V3_FRAME_LOST, 3, (uint64_t)(kd - w->kd),
			      count, 0);
}

/* Whether @s needs an INTERVALS frame before it. */
static bool v3_iv_changes(const struct wkd *kd,
			  const struct damonrec_snapshot *s)
{
	return dr_iv_known(&s->iv) && !dr_iv_equal(&s->iv, &kd->iv);
}

/* An INTERVALS frame, in the writer's format (3 or 4). */
static int v3_intervals(struct damonrec_writer *w, struct wkd *kd,
			const struct damonrec_intervals *iv)
{
	w->pay_len = 0;
	if (pay_room(w, 4 * DR_VARINT_MAX))
		return -1;
	pay_v(w, (uint64_t)(kd - w->kd));
	pay_v(w, iv->sample_us);
	pay_v(w, iv->aggr_us);
	pay_v(w, iv->update_us);
	if (w->fmt == DAMONREC_FORMAT_V4 ? v4_frame(w, V3_FRAME_INTERVALS) :
					   v3_frame(w, V3_FRAME_INTERVALS))
		return -1;
	kd->iv = *iv;
	return 0;
}

/* Code the regions of @t against @ref into w->pay; EINVAL if unsorted. */
static int v3_regions(struct damonrec_writer *w,
		      const struct damonrec_target *t,
		      const struct damonrec_target *ref)
{
	const uint64_t mask = ((uint64_t)1 << V3_ADDR_SHIFT) - 1;
	const struct damonrec_region *rr = ref ? ref->regions : NULL;
	size_t nr_ref = ref ? ref->nr : 0;
	size_t i, b = 0, run_at = 0;
	uint64_t cursor = 0;
	uint32_t prev_nr = 0;
	unsigned int run = 0;	/* regions in the SAME or NEXT tag at run_at */

	for (i = 0; i < t->nr; i++) {
		const struct damonrec_region *r = &t->regions[i];
		uint32_t pnr = prev_nr, page = 0;
		unsigned int tag;
		size_t q, base;

		if (r->end <= r->start || r->start < cursor) {
			w->err = EINVAL;
			return -1;
		}
		if (pay_room(w, 1 + 4 * DR_VARINT_MAX))
			return -1;
		/* b: the first reference region that ends after the cursor;
		 * q: the first one that starts at or after it. */
		while (b < nr_ref && rr[b].end <= cursor)
			b++;
		q = b < nr_ref && rr[b].start < cursor ? b + 1 : b;
		if (q < nr_ref && rr[q].start == r->start &&
		    rr[q].end == r->end &&
		    r->nr_accesses == rr[q].nr_accesses &&
		    r->age == rr[q].age + 1) {
			/* A plain copy: into the run tag. */
			unsigned char *rt = &w->pay[run_at];

			if (run && (*rt & 3) == V3_SAME && r->start == cursor &&
			    run <= V3_MAX_REPEAT) {
				*rt += 1 << V3_TAG_REPEAT_SHIFT;
				run++;
			} else if (run && run < V3_MAX_NEXT) {
				run++;
				*rt = (unsigned char)(V3_RAW |
						      run << V3_TAG_EXT_SHIFT);
			} else {
				run_at = w->pay_len;
				w->pay[w->pay_len++] = r->start == cursor ?
					V3_SAME : V3_RAW | 1 << V3_TAG_EXT_SHIFT;
				run = 1;
			}
			cursor = r->end;
			prev_nr = r->nr_accesses;
			continue;
		}
		run = 0;
		if (r->start == cursor && q < nr_ref &&
		    rr[q].start == cursor && rr[q].end == r->end) {
			tag = V3_SAME;
			pnr = rr[q].nr_accesses;
			page = rr[q].age + 1;
		} else if (((r->start - cursor) | (r->end - r->start)) & mask) {
			tag = V3_RAW;
		} else {
			tag = r->start == cursor ? V3_CONT : V3_GAP;
			/* The base: the first reference region ending after
			 * the start, for a GAP the one starting after the
			 * cursor. */
			if (r->start == cursor)
				base = b;
			else if (q < nr_ref && rr[q].start == r->start)
				base = q;
			else if (q + 1 < nr_ref && rr[q].start == cursor &&
				 rr[q + 1].start == r->start)
				base = q + 1;
			else
				base = nr_ref;
			if (base < nr_ref) {
				unsigned int x = V3_EXT_SIZE, k;

				for (k = 0; k < V3_EXT_MAX_END &&
				     base + k < nr_ref &&
				     rr[base + k].end <= r->end; k++) {
					if (rr[base + k].end == r->end) {
						x = k + 1;
						break;
					}
				}
				tag |= x << V3_TAG_EXT_SHIFT;
				pnr = rr[base].nr_accesses;
				page = rr[base].age + 1;
			}
		}
		if (r->nr_accesses != pnr)
			tag |= V3_TAG_NR;
		if (r->age != page)
			tag |= V3_TAG_AGE;
		w->pay[w->pay_len++] = (unsigned char)tag;
		switch (tag & 3) {
		case V3_RAW:
			pay_v(w, r->start);
			pay_v(w, r->end - r->start);
			break;
		case V3_GAP:
			if (!(tag >> V3_TAG_EXT_SHIFT))
				pay_v(w, (r->start - cursor) >> V3_ADDR_SHIFT);
			/* fall through */
		case V3_CONT:
			if (!(tag >> V3_TAG_EXT_SHIFT) ||
			    tag >> V3_TAG_EXT_SHIFT == V3_EXT_SIZE)
				pay_v(w, (r->end - r->start) >> V3_ADDR_SHIFT);
			break;
		}
		if (tag & V3_TAG_NR)
			pay_v(w, r->nr_accesses);
		if (tag & V3_TAG_AGE)
			pay_v(w, r->age);
		cursor = r->end;
		prev_nr = r->nr_accesses;
	}
	return 0;
}

/* @s is written: it is now the time before and the kdamond's reference. */
static int v3_written(struct damonrec_writer *w, struct wkd *kd,
		      const struct damonrec_snapshot *s)
{
	w->prev_time = s->time;
	w->nr_snapshots++;
	if (!kd->ref) {
		kd->ref = damonrec_snapshot_new();
		if (!kd->ref) {
			w->err = ENOMEM;
			return -1;
		}
	}
	if (dr_snap_copy(kd->ref, s)) {
		w->err = ENOMEM;
		return -1;
	}
	kd->ref_sorted = dr_ids_sorted(kd->ref);
	return 0;
}

static int v3_write(struct damonrec_writer *w, const struct damonrec_snapshot *s)
{
	const struct damonrec_snapshot *ref = NULL;
	bool sorted = false, is_new;
	struct wkd *kd;
	size_t idx, ti;

	/* Code the payload first: nothing is written if the snapshot is bad. */
	kd = wr_kd(w, s->kdamond, false, &is_new);
	idx = kd ? (size_t)(kd - w->kd) : w->nr_kd;
	if (kd) {
		ref = kd->ref;
		sorted = kd->ref_sorted;
	}
	w->pay_len = 0;
	if (pay_room(w, 3 * DR_VARINT_MAX))
		return -1;
	pay_v(w, idx);
	pay_v(w, dr_zigzag((int64_t)((uint64_t)s->time - (uint64_t)w->prev_time)));
	pay_v(w, s->nr_targets);
	for (ti = 0; ti < s->nr_targets; ti++) {
		const struct damonrec_target *t = &s->targets[ti];

		if (pay_room(w, 2 * DR_VARINT_MAX))
			return -1;
		pay_v(w, t->id);
		pay_v(w, t->nr);
		if (v3_regions(w, t, dr_ref_target(ref, sorted, ti, t->id)))
			return -1;
	}

	/* Commit: KDAMOND, LOST, INTERVALS, SNAPSHOT.  The payload is kept aside. */
	if (!kd) {
		struct pay_buf aside = { NULL, 0, 0 };

		pay_swap(w, &aside);
		kd = v3_kd(w, s->kdamond);
		pay_swap(w, &aside);
		free(aside.p);
		if (!kd)
			return -1;
	}
	if (s->lost_before) {
		struct pay_buf aside = { NULL, 0, 0 };
		int rc;

		pay_swap(w, &aside);
		rc = v3_lost(w, kd, s->lost_before);
		pay_swap(w, &aside);
		free(aside.p);
		if (rc)
			return -1;
	}
	if (v3_iv_changes(kd, s)) {
		struct pay_buf aside = { NULL, 0, 0 };
		int rc;

		pay_swap(w, &aside);
		rc = v3_intervals(w, kd, &s->iv);
		pay_swap(w, &aside);
		free(aside.p);
		if (rc)
			return -1;
	}
	if (v3_frame(w, V3_FRAME_SNAPSHOT))
		return -1;
	return v3_written(w, kd, s);
}

/* ------------------------------------------------------------------ */
/* v4: v3 with range-coded SNAPSHOT bodies and a CRC per group         */
/* ------------------------------------------------------------------ */

/* Bytes of the current group: counted into its CRC. */
static int v4_put(struct damonrec_writer *w, const void *p, size_t n)
{
	if (wr_put(w, p, n))
		return -1;
	w->group_crc = dr_crc32(w->group_crc, p, n);
	w->group_bytes += n;
	return 0;
}

/* The CHECK frame that ends the current group. */
static int v4_end_group(struct damonrec_writer *w)
{
	unsigned char check[V4_CHECK_LEN];

	check[0] = V4_FRAME_CHECK;
	check[1] = 4;
	dr_put_le32(check + 2, w->group_crc);
	w->group_crc = 0;
	w->group_bytes = 0;
	w->group_snaps = 0;
	return wr_put(w, check, sizeof(check));
}

/*
 * Write the frame whose payload is in w->pay, then the CHECK frame that
 * ends its group when the group is full, or after END.
 */
static int v4_frame(struct damonrec_writer *w, unsigned int type)
{
	unsigned char hdr[1 + DR_VARINT_MAX];
	size_t hl;

	hdr[0] = (unsigned char)type;
	hl = 1 + dr_put_varint(hdr + 1, w->pay_len);
	if (v4_put(w, hdr, hl) || v4_put(w, w->pay, w->pay_len))
		return -1;
	if (type == V3_FRAME_SNAPSHOT)
		w->group_snaps++;
	if (w->group_snaps < V4_GROUP_SNAPSHOTS &&
	    w->group_bytes < V4_GROUP_BYTES && type != V3_FRAME_END)
		return 0;
	return v4_end_group(w);
}

/* The slot of kdamond @num, with its models; not announced yet if new. */
static struct wkd *v4_kd_slot(struct damonrec_writer *w, unsigned int num)
{
	bool is_new;
	struct wkd *kd = wr_kd(w, num, true, &is_new);

	if (!kd)
		return NULL;
	if (!kd->model) {
		kd->model = malloc(sizeof(*kd->model));
		if (!kd->model) {
			w->err = ENOMEM;
			return NULL;
		}
		drec_rc_model_init(kd->model);
	}
	return kd;
}

static int v4_announce(struct damonrec_writer *w, struct wkd *kd)
{
	if (v3_small_frame(w, V3_FRAME_KDAMOND, 2, (uint64_t)(kd - w->kd), 0, 0))
		return -1;
	kd->announced = true;
	return 0;
}

/* Version 4: the file index of kdamond @num, announced. */
static struct wkd *v4_kd(struct damonrec_writer *w, unsigned int num)
{
	struct wkd *kd = v4_kd_slot(w, num);

	if (!kd || (!kd->announced && v4_announce(w, kd)))
		return NULL;
	return kd;
}

/* EINVAL unless the regions of every target are sorted and non-empty. */
static int v4_check(const struct damonrec_snapshot *s)
{
	size_t ti, i;

	for (ti = 0; ti < s->nr_targets; ti++) {
		const struct damonrec_target *t = &s->targets[ti];
		uint64_t cursor = 0;

		for (i = 0; i < t->nr; i++) {
			const struct damonrec_region *r = &t->regions[i];

			if (r->end <= r->start || r->start < cursor)
				return -1;
			cursor = r->end;
		}
	}
	return 0;
}

/* Whether any region of @s has an age (the body's first bit). */
static bool v4_ages(const struct damonrec_snapshot *s)
{
	size_t ti, i;

	for (ti = 0; ti < s->nr_targets; ti++)
		for (i = 0; i < s->targets[ti].nr; i++)
			if (s->targets[ti].regions[i].age)
				return true;
	return false;
}

/*
 * Most bytes the coded body of @s can take: a binary decision costs at most
 * 7.1 bits, a region takes at most 248 of them, a target's id and count 161.
 */
static size_t v4_body_bound(const struct damonrec_snapshot *s)
{
	size_t n = 96, ti;

	for (ti = 0; ti < s->nr_targets; ti++)
		n += 161 + s->targets[ti].nr * 248;
	return n;
}

/* Code the body of @s with the models of @kd into w->pay after pay_len. */
static int v4_body(struct damonrec_writer *w, struct wkd *kd,
		   const struct damonrec_snapshot *s)
{
	const struct damonrec_snapshot *ref = kd->ref;
	struct drec_rc_model *m = kd->model;
	struct drec_rc_enc e;
	bool ages = v4_ages(s);
	size_t bound = v4_body_bound(s), ti, n;

	if (pay_room(w, bound))
		return -1;
	drec_rc_enc_init(&e, w->pay + w->pay_len, w->pay + w->pay_cap);
	drec_rc_bit(&e, &m->ages, ages);
	drec_rc_num(&e, m, DREC_RC_NTARGETS, s->nr_targets);
	for (ti = 0; ti < s->nr_targets; ti++) {
		const struct damonrec_target *t = &s->targets[ti];
		const struct damonrec_target *rt =
			dr_ref_target(ref, kd->ref_sorted, ti, t->id);

		drec_rc_target(&e, m, ref && ti < ref->nr_targets,
			       ref && ti < ref->nr_targets ? ref->targets[ti].id : 0,
			       t->id, (uint32_t)t->nr, rt ? (uint32_t)rt->nr : 0);
		drec_rc_regions(&e, m, t->regions, (uint32_t)t->nr,
				rt ? rt->regions : NULL,
				rt ? (uint32_t)rt->nr : 0, ages, V3_ADDR_SHIFT);
	}
	n = drec_rc_finish(&e);
	if (e.overflow) {
		w->err = EFBIG;
		return -1;
	}
	w->pay_len += n;
	return 0;
}

static int v4_write(struct damonrec_writer *w, const struct damonrec_snapshot *s)
{
	struct drec_rc_model *save = NULL;
	uint64_t delta;
	struct wkd *kd;
	size_t ti;

	/* Nothing is written, nor any model changed, if the snapshot is bad. */
	if (v4_check(s)) {
		w->err = EINVAL;
		return -1;
	}
	for (ti = 0; ti < s->nr_targets; ti++)
		if (s->targets[ti].nr > UINT32_MAX) {
			w->err = EFBIG;
			return -1;
		}
	kd = v4_kd_slot(w, s->kdamond);
	if (!kd)
		return -1;
	if (v4_body_bound(s) > V3_MAX_PAYLOAD - 3 * DR_VARINT_MAX) {
		/* It may not fit: keep the models to put them back. */
		save = malloc(sizeof(*save));
		if (!save) {
			w->err = ENOMEM;
			return -1;
		}
		*save = *kd->model;
	}
	/* A LOST frame before the snapshot resets the models. */
	if (s->lost_before)
		drec_rc_model_init(kd->model);
	w->pay_len = 0;
	if (pay_room(w, 3 * DR_VARINT_MAX))
		goto fail;
	pay_v(w, (uint64_t)(kd - w->kd));
	/* The time: its delta less the previous delta. */
	delta = (uint64_t)s->time - (uint64_t)w->prev_time;
	pay_v(w, dr_zigzag((int64_t)(delta - w->prev_delta)));
	if (v4_body(w, kd, s))
		goto fail;
	if (w->pay_len > V3_MAX_PAYLOAD) {
		w->err = EFBIG;
		goto fail;
	}
	free(save);
	save = NULL;

	/*
	 * Commit: KDAMOND, LOST, INTERVALS, SNAPSHOT.  The payload is kept
	 * aside.
	 */
	if (!kd->announced || s->lost_before || v3_iv_changes(kd, s)) {
		struct pay_buf aside = { NULL, 0, 0 };
		int rc = 0;

		pay_swap(w, &aside);
		if (!kd->announced)
			rc = v4_announce(w, kd);
		if (!rc && s->lost_before)
			rc = v3_lost(w, kd, s->lost_before);
		if (!rc && v3_iv_changes(kd, s))
			rc = v3_intervals(w, kd, &s->iv);
		pay_swap(w, &aside);
		free(aside.p);
		if (rc)
			return -1;
	}
	if (v4_frame(w, V3_FRAME_SNAPSHOT))
		return -1;
	w->prev_delta = delta;
	return v3_written(w, kd, s);
fail:
	if (save) {
		*kd->model = *save;
		free(save);
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* JSON and CSV                                                         */
/* ------------------------------------------------------------------ */

static int json_header(struct damonrec_writer *w,
		       const struct damonrec_record_meta *m)
{
	unsigned char *p = wr_room(w, 512);
	char *c = (char *)p;

	if (!p)
		return -1;
#define S(x) (memcpy(c, x, strlen(x)), c += strlen(x))
	S("{\"format\":\"damonrec\",\"version\":1,\n");
	S(" \"intervals\":{\"sample_us\":");
	c += dr_fmt_u64(c, m->intervals.sample_us);
	S(",\"aggr_us\":");
	c += dr_fmt_u64(c, m->intervals.aggr_us);
	S(",\"update_us\":");
	c += dr_fmt_u64(c, m->intervals.update_us);
	S("},\n \"start_ns\":");
	c += dr_fmt_i64(c, m->start_ns);
	S(",\n \"snapshots\":[");
#undef S
	wr_commit(w, (size_t)((unsigned char *)c - p));
	w->json_first = true;
	return 0;
}

#define PUTS(c, x) (memcpy((c), (x), sizeof(x) - 1), (c) += sizeof(x) - 1)

static int json_write(struct damonrec_writer *w,
		      const struct damonrec_snapshot *s)
{
	uint64_t lost = s->lost_before;
	struct wkd *kd;
	bool is_new;
	unsigned char *p;
	char *c;
	size_t ti, i;

	kd = wr_kd(w, s->kdamond, false, &is_new);
	if (kd) {
		if (__builtin_add_overflow(lost, kd->pending_lost, &lost))
			return errno = EOVERFLOW, -1;
		kd->pending_lost = 0;
	}
	p = wr_room(w, 128);
	if (!p)
		return wr_fail(w);
	c = (char *)p;
	if (!w->json_first)
		*c++ = ',';
	w->json_first = false;
	PUTS(c, "\n{\"time_ns\":");
	c += dr_fmt_i64(c, s->time);
	PUTS(c, ",\"kdamond\":");
	c += dr_fmt_u64(c, s->kdamond);
	PUTS(c, ",\"lost_before\":");
	c += dr_fmt_u64(c, lost);
	PUTS(c, ",\"targets\":[");
	wr_commit(w, (size_t)((unsigned char *)c - p));
	for (ti = 0; ti < s->nr_targets; ti++) {
		const struct damonrec_target *t = &s->targets[ti];

		p = wr_room(w, 64);
		if (!p)
			return wr_fail(w);
		c = (char *)p;
		if (ti)
			*c++ = ',';
		PUTS(c, "{\"id\":");
		c += dr_fmt_u64(c, t->id);
		PUTS(c, ",\"regions\":[");
		wr_commit(w, (size_t)((unsigned char *)c - p));
		for (i = 0; i < t->nr; i++) {
			const struct damonrec_region *r = &t->regions[i];

			p = wr_room(w, 96);
			if (!p)
				return wr_fail(w);
			c = (char *)p;
			if (i)
				*c++ = ',';
			*c++ = '[';
			c += dr_fmt_u64(c, r->start);
			*c++ = ',';
			c += dr_fmt_u64(c, r->end);
			*c++ = ',';
			c += dr_fmt_u64(c, r->nr_accesses);
			*c++ = ',';
			c += dr_fmt_u64(c, r->age);
			*c++ = ']';
			wr_commit(w, (size_t)((unsigned char *)c - p));
		}
		if (wr_str(w, "]}"))
			return wr_fail(w);
	}
	return wr_str(w, "]}") ? wr_fail(w) : 0;
}

static int csv_write(struct damonrec_writer *w, const struct damonrec_snapshot *s)
{
	char head[48];
	size_t hl, ti, i;

	hl = dr_fmt_i64(head, s->time);
	head[hl++] = ',';
	hl += dr_fmt_u64(head + hl, s->kdamond);
	head[hl++] = ',';
	for (ti = 0; ti < s->nr_targets; ti++) {
		const struct damonrec_target *t = &s->targets[ti];

		for (i = 0; i < t->nr; i++) {
			const struct damonrec_region *r = &t->regions[i];
			unsigned char *p = wr_room(w, 160);
			char *c = (char *)p;

			if (!p)
				return wr_fail(w);
			memcpy(c, head, hl);
			c += hl;
			c += dr_fmt_u64(c, t->id);
			*c++ = ',';
			c += dr_fmt_u64(c, r->start);
			*c++ = ',';
			c += dr_fmt_u64(c, r->end);
			*c++ = ',';
			c += dr_fmt_u64(c, r->nr_accesses);
			*c++ = ',';
			c += dr_fmt_u64(c, r->age);
			*c++ = '\n';
			wr_commit(w, (size_t)((unsigned char *)c - p));
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Public API                                                           */
/* ------------------------------------------------------------------ */

static void writer_free(struct damonrec_writer *w)
{
	size_t i;

	for (i = 0; i < w->nr_kd; i++) {
		damonrec_snapshot_free(w->kd[i].ref);
		free(w->kd[i].model);
	}
	dr_damo_writer_free(w->damo);
	free(w->kd);
	free(w->pay);
	free(w->buf);
	free(w);
}

static struct damonrec_writer *writer_new(int fd, bool own,
					  enum damonrec_format fmt,
					  const struct damonrec_record_meta *meta)
{
	static const struct damonrec_record_meta zero;
	struct damonrec_writer *w;
	int rc;

	if (!meta)
		meta = &zero;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->fd = fd;
	w->own_fd = own;
	w->fmt = fmt;
	w->cap = WR_BUF;
	w->buf = malloc(w->cap);
	if (!w->buf) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	switch (fmt) {
	case DAMONREC_FORMAT_V2:
		rc = v2_header(w);
		break;
	case DAMONREC_FORMAT_V3:
	case DAMONREC_FORMAT_V4:
		rc = v3_header(w, meta, fmt == DAMONREC_FORMAT_V4 ? V4_VERSION : 3);
		break;
	case DAMONREC_FORMAT_JSON:
		rc = json_header(w, meta);
		break;
	case DAMONREC_FORMAT_DAMO:
	case DAMONREC_FORMAT_DAMO_JSON:
		w->damo = dr_damo_writer_new(fmt == DAMONREC_FORMAT_DAMO, meta);
		if (!w->damo)
			w->err = errno ? errno : ENOMEM;
		rc = w->damo ? 0 : -1;
		break;
	default:
		rc = wr_str(w, "time_ns,kdamond,target,start,end,nr_accesses,age\n");
		break;
	}
	if (rc) {
		int err = w->err ? w->err : EIO;

		w->own_fd = false;
		writer_free(w);
		errno = err;
		return NULL;
	}
	return w;
}

static bool format_writable(enum damonrec_format fmt)
{
	return fmt == DAMONREC_FORMAT_V2 || fmt == DAMONREC_FORMAT_V3 ||
	       fmt == DAMONREC_FORMAT_V4 ||
	       fmt == DAMONREC_FORMAT_JSON || fmt == DAMONREC_FORMAT_CSV ||
	       fmt == DAMONREC_FORMAT_DAMO || fmt == DAMONREC_FORMAT_DAMO_JSON;
}

struct damonrec_writer *damonrec_writer_open_fd(int fd,
						enum damonrec_format fmt,
						const struct damonrec_record_meta *meta)
{
	if (fd < 0 || !format_writable(fmt)) {
		errno = EINVAL;
		return NULL;
	}
	return writer_new(fd, false, fmt, meta);
}

struct damonrec_writer *damonrec_writer_open(const char *path,
					     enum damonrec_format fmt,
					     const struct damonrec_record_meta *meta)
{
	struct damonrec_writer *w;
	int fd, err;

	if (!path || !format_writable(fmt)) {
		errno = EINVAL;
		return NULL;
	}
	if (!strcmp(path, "-"))
		return writer_new(STDOUT_FILENO, false, fmt, meta);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return NULL;
	w = writer_new(fd, true, fmt, meta);
	if (!w) {
		err = errno;
		close(fd);
		errno = err;
	}
	return w;
}

int damonrec_writer_write(struct damonrec_writer *w,
			  const struct damonrec_snapshot *s)
{
	int rc;

	if (!w || !s) {
		errno = EINVAL;
		return -1;
	}
	if (w->err)
		return wr_fail(w);
	switch (w->fmt) {
	case DAMONREC_FORMAT_V2:
		rc = v2_write(w, s);
		break;
	case DAMONREC_FORMAT_V3:
	case DAMONREC_FORMAT_V4:
		rc = w->fmt == DAMONREC_FORMAT_V4 ? v4_write(w, s) :
						    v3_write(w, s);
		/* A snapshot that cannot be coded is not a writer failure. */
		if (rc && (w->err == EINVAL || w->err == EFBIG)) {
			errno = w->err;
			w->err = 0;
			return -1;
		}
		if (rc)
			return wr_fail(w);
		break;
	case DAMONREC_FORMAT_JSON:
		rc = json_write(w, s);
		break;
	case DAMONREC_FORMAT_DAMO:
	case DAMONREC_FORMAT_DAMO_JSON:
		rc = dr_damo_writer_add(w->damo, s);
		if (rc && errno == E2BIG)
			return -1;	/* one target too many; not sticky */
		if (rc) {
			w->err = errno ? errno : EIO;
			return wr_fail(w);
		}
		break;
	default:
		rc = csv_write(w, s);
		break;
	}
	return rc;
}

int damonrec_writer_mark_lost(struct damonrec_writer *w, unsigned int k,
			      uint64_t count)
{
	struct wkd *kd;
	bool is_new;

	if (!w) {
		errno = EINVAL;
		return -1;
	}
	if (w->err)
		return wr_fail(w);
	if (!count)
		return 0;
	switch (w->fmt) {
	case DAMONREC_FORMAT_V3:
		kd = v3_kd(w, k);
		if (!kd || v3_lost(w, kd, count))
			return wr_fail(w);
		return 0;
	case DAMONREC_FORMAT_V4:
		kd = v4_kd(w, k);
		if (!kd || v3_lost(w, kd, count))
			return wr_fail(w);
		/* The reader resets the kdamond's models at a LOST frame. */
		drec_rc_model_init(kd->model);
		return 0;
	case DAMONREC_FORMAT_JSON:
		kd = wr_kd(w, k, true, &is_new);
		if (!kd)
			return wr_fail(w);
		if (__builtin_add_overflow(kd->pending_lost, count,
					   &kd->pending_lost))
			return errno = EOVERFLOW, -1;
		return 0;
	default:
		return 0;	/* v2 and CSV cannot say it */
	}
}

int damonrec_writer_set_age(struct damonrec_writer *w, bool age)
{
	unsigned char *h;

	if (!w) {
		errno = EINVAL;
		return -1;
	}
	if (w->fmt != DAMONREC_FORMAT_V3 && w->fmt != DAMONREC_FORMAT_V4)
		return 0;
	/* The header (the same in v4) is still in the buffer, nothing after it. */
	if (w->bytes != V3_HEADER_SIZE || w->len != V3_HEADER_SIZE) {
		errno = EBUSY;
		return -1;
	}
	h = w->buf;
	dr_put_le16(h + 26, age ? V3_FLAG_AGE : 0);
	dr_put_le32(h + 60, dr_crc32(0, h, 60));
	return 0;
}

int damonrec_writer_set_data_source(struct damonrec_writer *w,
				    unsigned int kdamond, uint64_t id,
				    const char *source)
{
	if (!w) {
		errno = EINVAL;
		return -1;
	}
	if (!w->damo)
		return 0;
	return dr_damo_writer_source(w->damo, kdamond, id, source);
}

uint64_t damonrec_writer_get_bytes(const struct damonrec_writer *w)
{
	return w->bytes;
}

static int writer_finish(struct damonrec_writer *w, bool complete)
{
	int err;

	if (!w)
		return 0;
	if (!w->err && complete) {
		if (w->fmt == DAMONREC_FORMAT_V3 || w->fmt == DAMONREC_FORMAT_V4)
			v3_small_frame(w, V3_FRAME_END, 2, w->nr_snapshots,
				       w->nr_lost, 0);
		else if (w->fmt == DAMONREC_FORMAT_JSON)
			wr_str(w, "\n]}\n");
	} else if (!w->err && w->fmt == DAMONREC_FORMAT_V4 && w->group_bytes) {
		/* Cut short: the last group whole, still without END. */
		v4_end_group(w);
	}
	/* damo's record is whole either way: it has no END to leave out. */
	if (!w->err && w->damo && dr_damo_writer_finish(w->damo, w->fd, &w->bytes))
		w->err = errno ? errno : EIO;
	if (!w->err)
		wr_flush(w);
	err = w->err;
	if (w->own_fd && close(w->fd) && !err)
		err = errno;
	writer_free(w);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int damonrec_writer_close(struct damonrec_writer *w)
{
	return writer_finish(w, true);
}

int damonrec_writer_close_cut_short(struct damonrec_writer *w)
{
	return writer_finish(w, false);
}
