// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Time x address heatmap, computed as damo's "report heats":
 *
 * - Pass 1 (scan) learns, per target, the time span and the address ranges
 *   between the gaps that every snapshot has in common.  By default the map
 *   shows the target with the most such space, over its largest range, from
 *   its first snapshot to its last.
 * - Pass 2 (add) credits every region with nr_accesses x (time overlap) x
 *   (address overlap) in each cell it covers.  A snapshot stands for the
 *   time since the previous snapshot of the same kdamond holding the target,
 *   so the first one only marks the start.  A cell's value is its credit
 *   divided by its area: the average nr_accesses over the cell.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

#define HM_MAX_CELLS	(1u << 26)

struct gap {
	uint64_t start;
	uint64_t end;
};

struct guide {
	unsigned int kd;
	uint64_t id;
	int64_t t_first;
	int64_t t_last;
	uint64_t lo;
	uint64_t hi;
	struct gap *gaps;	/* common to every snapshot so far, sorted */
	size_t nr_gaps;
	size_t cap_gaps;
};

struct prev_time {
	unsigned int kd;
	int64_t t;
};

struct damonrec_heatmap {
	unsigned int tbins;
	unsigned int abins;
	double *cells;

	struct guide *g;
	size_t nr_g;
	size_t cap_g;
	struct gap *tmp;
	size_t cap_tmp;

	bool addr_set, time_set, target_set, frozen;
	uint64_t a0, a1;
	int64_t t0, t1;
	unsigned int tkd;
	uint64_t tid;
	bool filter;		/* only the target (tkd, tid) counts */

	struct prev_time *prev;
	size_t nr_prev;
	size_t cap_prev;
};

struct damonrec_heatmap *damonrec_heatmap_new(unsigned int time_bins,
					      unsigned int addr_bins)
{
	struct damonrec_heatmap *h;

	if (!time_bins || !addr_bins ||
	    (uint64_t)time_bins * addr_bins > HM_MAX_CELLS) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->cells = calloc((size_t)time_bins * addr_bins, sizeof(double));
	if (!h->cells) {
		free(h);
		return NULL;
	}
	h->tbins = time_bins;
	h->abins = addr_bins;
	return h;
}

void damonrec_heatmap_free(struct damonrec_heatmap *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->nr_g; i++)
		free(h->g[i].gaps);
	free(h->g);
	free(h->tmp);
	free(h->prev);
	free(h->cells);
	free(h);
}

static struct guide *guide_get(struct damonrec_heatmap *h, unsigned int kd,
			       uint64_t id, bool add)
{
	struct guide *g;
	size_t i;

	for (i = 0; i < h->nr_g; i++)
		if (h->g[i].kd == kd && h->g[i].id == id)
			return &h->g[i];
	if (!add)
		return NULL;
	if (h->nr_g == h->cap_g) {
		size_t cap = h->cap_g ? h->cap_g * 2 : 4;

		g = realloc(h->g, cap * sizeof(*g));
		if (!g)
			return NULL;
		h->g = g;
		h->cap_g = cap;
	}
	g = &h->g[h->nr_g++];
	memset(g, 0, sizeof(*g));
	g->kd = kd;
	g->id = id;
	g->lo = UINT64_MAX;
	g->t_first = INT64_MIN;	/* not seen yet */
	return g;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*p, c * size);
	if (!n)
		return -1;
	*p = n;
	*cap = c;
	return 0;
}

/* Learn one target of one snapshot. */
static int scan_target(struct damonrec_heatmap *h, struct guide *g,
		       const struct damonrec_target *t, int64_t time)
{
	const struct damonrec_region *r = t->regions;
	bool first = g->t_first == INT64_MIN;
	size_t i, gi = 0, n = 0;

	if (first)
		g->t_first = time;
	g->t_last = time;
	if (!t->nr) {
		/* No regions: nothing is common to every snapshot any more. */
		g->nr_gaps = 0;
		return 0;
	}
	if (grow((void **)&h->tmp, &h->cap_tmp,
		 (first ? 0 : g->nr_gaps) + t->nr, sizeof(*h->tmp)))
		return -1;
	for (i = 0; i < t->nr; i++) {
		struct gap cur;

		if (r[i].start < g->lo)
			g->lo = r[i].start;
		if (r[i].end > g->hi)
			g->hi = r[i].end;
		if (!i || r[i].start <= r[i - 1].end)
			continue;
		cur.start = r[i - 1].end;
		cur.end = r[i].start;
		if (first) {
			h->tmp[n++] = cur;
			continue;
		}
		/* Intersect this gap with the common ones (both sorted). */
		while (gi < g->nr_gaps && g->gaps[gi].end <= cur.start)
			gi++;
		for (; gi < g->nr_gaps && g->gaps[gi].start < cur.end; gi++) {
			uint64_t s = g->gaps[gi].start > cur.start ?
				     g->gaps[gi].start : cur.start;
			uint64_t e = g->gaps[gi].end < cur.end ?
				     g->gaps[gi].end : cur.end;

			if (s < e)
				h->tmp[n++] = (struct gap){ s, e };
			if (g->gaps[gi].end > cur.end)
				break;
		}
	}
	if (grow((void **)&g->gaps, &g->cap_gaps, n, sizeof(*g->gaps)))
		return -1;
	if (n)
		memcpy(g->gaps, h->tmp, n * sizeof(*g->gaps));
	g->nr_gaps = n;
	return 0;
}

int damonrec_heatmap_scan(struct damonrec_heatmap *h,
			  const struct damonrec_snapshot *s)
{
	size_t ti;

	if (h->frozen) {
		errno = EBUSY;
		return -1;
	}
	for (ti = 0; ti < s->nr_targets; ti++) {
		struct guide *g = guide_get(h, s->kdamond, s->targets[ti].id,
					    true);

		if (!g || scan_target(h, g, &s->targets[ti], s->time))
			return -1;
	}
	return 0;
}

static uint64_t guide_space(const struct guide *g)
{
	uint64_t sp = g->hi > g->lo ? g->hi - g->lo : 0;
	size_t i;

	for (i = 0; i < g->nr_gaps; i++)
		sp -= g->gaps[i].end - g->gaps[i].start;
	return sp;
}

/* The target the map shows: the one set, or the one with the most space. */
static const struct guide *chosen(const struct damonrec_heatmap *h)
{
	const struct guide *best = NULL;
	uint64_t best_sp = 0;
	size_t i;

	if (h->target_set) {
		for (i = 0; i < h->nr_g; i++)
			if (h->g[i].kd == h->tkd && h->g[i].id == h->tid)
				return &h->g[i];
		return NULL;
	}
	for (i = 0; i < h->nr_g; i++) {
		uint64_t sp = guide_space(&h->g[i]);

		if (!best || sp > best_sp) {
			best = &h->g[i];
			best_sp = sp;
		}
	}
	return best;
}

/* The largest range between common gaps (the first of equal ones). */
static void guide_range(const struct guide *g, uint64_t *start, uint64_t *end)
{
	uint64_t s = g->lo, bs = 0, be = 0;
	size_t i;

	for (i = 0; i <= g->nr_gaps; i++) {
		uint64_t e = i < g->nr_gaps ? g->gaps[i].start : g->hi;

		if (e > s && e - s > be - bs) {
			bs = s;
			be = e;
		}
		if (i < g->nr_gaps)
			s = g->gaps[i].end;
	}
	*start = bs;
	*end = be;
}

void damonrec_heatmap_get_addr_range(const struct damonrec_heatmap *h,
				     uint64_t *start, uint64_t *end)
{
	const struct guide *g;

	if (h->addr_set || h->frozen) {
		*start = h->a0;
		*end = h->a1;
		return;
	}
	g = chosen(h);
	if (g && g->hi > g->lo) {
		guide_range(g, start, end);
	} else {
		*start = 0;
		*end = 0;
	}
}

void damonrec_heatmap_get_time_range(const struct damonrec_heatmap *h,
				     int64_t *start, int64_t *end)
{
	const struct guide *g;

	if (h->time_set || h->frozen) {
		*start = h->t0;
		*end = h->t1;
		return;
	}
	g = chosen(h);
	if (g && g->t_first != INT64_MIN) {
		*start = g->t_first;
		*end = g->t_last;
	} else {
		*start = 0;
		*end = 0;
	}
}

int damonrec_heatmap_set_addr_range(struct damonrec_heatmap *h,
				    uint64_t start, uint64_t end)
{
	if (h->frozen) {
		errno = EBUSY;
		return -1;
	}
	if (end <= start) {
		errno = EINVAL;
		return -1;
	}
	h->a0 = start;
	h->a1 = end;
	h->addr_set = true;
	return 0;
}

int damonrec_heatmap_set_time_range(struct damonrec_heatmap *h,
				    int64_t start, int64_t end)
{
	if (h->frozen) {
		errno = EBUSY;
		return -1;
	}
	if (end <= start) {
		errno = EINVAL;
		return -1;
	}
	h->t0 = start;
	h->t1 = end;
	h->time_set = true;
	return 0;
}

int damonrec_heatmap_set_target(struct damonrec_heatmap *h,
				unsigned int kdamond, uint64_t id)
{
	if (h->frozen) {
		errno = EBUSY;
		return -1;
	}
	h->tkd = kdamond;
	h->tid = id;
	h->target_set = true;
	return 0;
}

int damonrec_heatmap_get_target(const struct damonrec_heatmap *h,
				unsigned int *kdamond, uint64_t *id)
{
	const struct guide *g;

	if (h->target_set || (h->frozen && h->filter)) {
		*kdamond = h->tkd;
		*id = h->tid;
		return 0;
	}
	g = chosen(h);
	if (!g) {
		errno = ENOENT;
		return -1;
	}
	*kdamond = g->kd;
	*id = g->id;
	return 0;
}

/* Fix the ranges and the target at the first add(). */
static void freeze(struct damonrec_heatmap *h)
{
	unsigned int kd;
	uint64_t id;

	damonrec_heatmap_get_addr_range(h, &h->a0, &h->a1);
	damonrec_heatmap_get_time_range(h, &h->t0, &h->t1);
	h->filter = h->target_set || h->nr_g;
	if (!damonrec_heatmap_get_target(h, &kd, &id)) {
		h->tkd = kd;
		h->tid = id;
	}
	h->frozen = true;
}

/* Time of the previous counted snapshot of kdamond @kd; false if none. */
static int prev_swap(struct damonrec_heatmap *h, unsigned int kd, int64_t t,
		     int64_t *prev)
{
	size_t i;

	for (i = 0; i < h->nr_prev; i++)
		if (h->prev[i].kd == kd) {
			*prev = h->prev[i].t;
			h->prev[i].t = t;
			return 1;
		}
	if (grow((void **)&h->prev, &h->cap_prev, h->nr_prev + 1,
		 sizeof(*h->prev)))
		return -1;
	h->prev[h->nr_prev++] = (struct prev_time){ kd, t };
	return 0;
}

/* Credit the regions of @t over @dt ns to time row @row. */
static void add_row(struct damonrec_heatmap *h, double *row, double dt,
		    const struct damonrec_target *t, double aunit)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		const struct damonrec_region *r = &t->regions[i];
		uint64_t s = r->start > h->a0 ? r->start : h->a0;
		uint64_t e = r->end < h->a1 ? r->end : h->a1;
		double fs, re, w;
		unsigned int idx;

		if (s >= e || !r->nr_accesses)
			continue;
		fs = (double)(s - h->a0);
		re = (double)(e - h->a0);
		w = (double)r->nr_accesses * dt;
		idx = (unsigned int)(fs / aunit);
		for (; fs < re && idx < h->abins; idx++) {
			double fe = (idx + 1) * aunit;

			if (fe > re || idx + 1 == h->abins)
				fe = re;
			if (fe > fs) {
				row[idx] += w * (fe - fs);
				fs = fe;
			}
		}
	}
}

int damonrec_heatmap_add(struct damonrec_heatmap *h,
			 const struct damonrec_snapshot *s)
{
	double tunit, aunit, fs, te;
	size_t ti, first = 0, last = s->nr_targets;
	unsigned int idx;
	int64_t prev, ts, tend;
	int rc;

	if (!h->frozen)
		freeze(h);
	if (h->filter) {
		if (s->kdamond != h->tkd)
			return 0;
		for (ti = 0; ti < s->nr_targets; ti++)
			if (s->targets[ti].id == h->tid)
				break;
		if (ti == s->nr_targets)
			return 0;
		first = ti;
		last = ti + 1;
	}
	rc = prev_swap(h, s->kdamond, s->time, &prev);
	if (rc <= 0)
		return rc;
	if (h->t1 <= h->t0 || h->a1 <= h->a0)
		return 0;

	ts = prev > h->t0 ? prev : h->t0;
	tend = s->time < h->t1 ? s->time : h->t1;
	if (ts >= tend)
		return 0;
	tunit = (double)((uint64_t)h->t1 - (uint64_t)h->t0) / h->tbins;
	aunit = (double)(h->a1 - h->a0) / h->abins;
	fs = (double)((uint64_t)ts - (uint64_t)h->t0);
	te = (double)((uint64_t)tend - (uint64_t)h->t0);
	idx = (unsigned int)(fs / tunit);
	for (; fs < te && idx < h->tbins; idx++) {
		double fe = (idx + 1) * tunit;

		if (fe > te || idx + 1 == h->tbins)
			fe = te;
		if (fe <= fs)
			continue;
		for (ti = first; ti < last; ti++)
			add_row(h, h->cells + (size_t)idx * h->abins, fe - fs,
				&s->targets[ti], aunit);
		fs = fe;
	}
	return 0;
}

unsigned int damonrec_heatmap_get_time_bins(const struct damonrec_heatmap *h)
{
	return h->tbins;
}

unsigned int damonrec_heatmap_get_addr_bins(const struct damonrec_heatmap *h)
{
	return h->abins;
}

double damonrec_heatmap_get_value(const struct damonrec_heatmap *h,
				  unsigned int time_bin, unsigned int addr_bin)
{
	double area;

	if (time_bin >= h->tbins || addr_bin >= h->abins || !h->frozen ||
	    h->t1 <= h->t0 || h->a1 <= h->a0)
		return 0;
	area = (double)((uint64_t)h->t1 - (uint64_t)h->t0) / h->tbins *
	       ((double)(h->a1 - h->a0) / h->abins);
	return h->cells[(size_t)time_bin * h->abins + addr_bin] / area;
}
