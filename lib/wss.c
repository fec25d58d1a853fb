// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Working-set sizes: per snapshot, the bytes of regions accessed at least
 * min_accesses times, over all targets; percentiles picked as damo's "report
 * wss" does (the value at index floor(pct / 100 * count) of the sorted sizes).
 *
 * Memory is bounded whatever the number of snapshots: sizes are kept as a
 * sorted table of (size, count) pairs, exact while there are at most
 * WSS_MAX_DISTINCT different sizes.  Past that, sizes are rounded down to
 * fewer significant bits (16, then 12, then 8), so that a percentile is
 * still within 2^-bits of the true one.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

#define WSS_PENDING		4096		/* sizes collected before a merge */
#define WSS_MAX_DISTINCT	(1u << 18)	/* pairs kept: 4 MiB */

struct wss_bin {
	uint64_t size;
	uint64_t count;
};

struct damonrec_wss {
	uint32_t min_accesses;
	uint64_t pending[WSS_PENDING];
	size_t nr_pending;
	struct wss_bin *bins;
	size_t nr_bins;
	uint64_t total;
	unsigned int bits;	/* significant bits kept; 64: exact */
};

struct damonrec_wss *damonrec_wss_new(uint32_t min_accesses)
{
	struct damonrec_wss *w = calloc(1, sizeof(*w));

	if (w) {
		w->min_accesses = min_accesses;
		w->bits = 64;
	}
	return w;
}

void damonrec_wss_free(struct damonrec_wss *w)
{
	if (!w)
		return;
	free(w->bins);
	free(w);
}

static uint64_t round_size(uint64_t v, unsigned int bits)
{
	unsigned int len = v ? 64 - (unsigned int)__builtin_clzll(v) : 0;

	if (len <= bits)
		return v;
	return v >> (len - bits) << (len - bits);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Round the table to w->bits and fold equal sizes. */
static void fold_bins(struct damonrec_wss *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->nr_bins; i++) {
		uint64_t v = round_size(w->bins[i].size, w->bits);

		if (n && w->bins[n - 1].size == v) {
			w->bins[n - 1].count += w->bins[i].count;
		} else {
			w->bins[n].size = v;
			w->bins[n].count = w->bins[i].count;
			n++;
		}
	}
	w->nr_bins = n;
}

/* Merge the pending sizes into the sorted table. */
static int merge_pending(struct damonrec_wss *w)
{
	size_t need = w->nr_bins + w->nr_pending, i = 0, j = 0, n = 0;
	struct wss_bin *out;

	if (!w->nr_pending)
		return 0;
	for (i = 0; i < w->nr_pending; i++)
		w->pending[i] = round_size(w->pending[i], w->bits);
	qsort(w->pending, w->nr_pending, sizeof(w->pending[0]), cmp_u64);
	out = malloc(need * sizeof(*out));
	if (!out)
		return -1;
	i = 0;
	while (i < w->nr_bins || j < w->nr_pending) {
		struct wss_bin b;

		if (j == w->nr_pending ||
		    (i < w->nr_bins && w->bins[i].size <= w->pending[j])) {
			b = w->bins[i++];
		} else {
			b.size = w->pending[j++];
			b.count = 1;
		}
		if (n && out[n - 1].size == b.size)
			out[n - 1].count += b.count;
		else
			out[n++] = b;
	}
	free(w->bins);
	w->bins = out;
	w->nr_bins = n;
	w->nr_pending = 0;
	while (w->nr_bins > WSS_MAX_DISTINCT && w->bits > 8) {
		w->bits = w->bits > 16 ? 16 : w->bits - 4;
		fold_bins(w);
	}
	return 0;
}

int damonrec_wss_add(struct damonrec_wss *w, const struct damonrec_snapshot *s)
{
	const struct damonrec_region *r = s->pool;
	uint64_t sum = 0;
	size_t i;

	if (w->nr_pending == WSS_PENDING && merge_pending(w))
		return -1;
	for (i = 0; i < s->nr_regions; i++)
		if (r[i].nr_accesses >= w->min_accesses)
			sum += r[i].end - r[i].start;
	w->pending[w->nr_pending++] = sum;
	w->total++;
	return 0;
}

int damonrec_wss_add_size(struct damonrec_wss *w, uint64_t bytes)
{
	if (w->nr_pending == WSS_PENDING && merge_pending(w))
		return -1;
	w->pending[w->nr_pending++] = bytes;
	w->total++;
	return 0;
}

uint64_t damonrec_wss_get_nth(struct damonrec_wss *w, uint64_t idx)
{
	uint64_t seen = 0;
	size_t i;

	if (idx >= w->total) {
		errno = ERANGE;
		return 0;
	}
	if (merge_pending(w))
		return 0;	/* errno ENOMEM */
	for (i = 0; i < w->nr_bins; i++) {
		seen += w->bins[i].count;
		if (idx < seen)
			return w->bins[i].size;
	}
	return w->bins[w->nr_bins - 1].size;
}

size_t damonrec_wss_get_count(const struct damonrec_wss *w)
{
	return (size_t)w->total;
}

uint64_t damonrec_wss_get_percentile(struct damonrec_wss *w, double pct)
{
	uint64_t idx, seen = 0;
	size_t i;

	if (!w->total) {
		errno = ENODATA;
		return 0;
	}
	if (merge_pending(w))
		return 0;	/* errno ENOMEM */
	if (!(pct > 0))		/* also NaN */
		return w->bins[0].size;
	if (pct >= 100)
		return w->bins[w->nr_bins - 1].size;
	idx = (uint64_t)(pct / 100.0 * (double)w->total);
	if (idx >= w->total)
		idx = w->total - 1;
	for (i = 0; i < w->nr_bins; i++) {
		seen += w->bins[i].count;
		if (idx < seen)
			return w->bins[i].size;
	}
	return w->bins[w->nr_bins - 1].size;
}
