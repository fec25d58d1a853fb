// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Working-set sizes: per snapshot, the bytes of regions accessed at least
 * min_accesses times, over all targets; percentiles picked as damo's "report
 * wss" does (the value at index floor(pct / 100 * count) of the sorted sizes).
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

struct damonrec_wss {
	uint32_t min_accesses;
	uint64_t *v;
	size_t n;
	size_t cap;
	bool sorted;
};

struct damonrec_wss *damonrec_wss_new(uint32_t min_accesses)
{
	struct damonrec_wss *w = calloc(1, sizeof(*w));

	if (w)
		w->min_accesses = min_accesses;
	return w;
}

void damonrec_wss_free(struct damonrec_wss *w)
{
	if (!w)
		return;
	free(w->v);
	free(w);
}

int damonrec_wss_add(struct damonrec_wss *w, const struct damonrec_snapshot *s)
{
	const struct damonrec_region *r = s->pool;
	uint64_t sum = 0;
	size_t i;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		uint64_t *v = realloc(w->v, cap * sizeof(*v));

		if (!v)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	for (i = 0; i < s->nr_regions; i++)
		if (r[i].nr_accesses >= w->min_accesses)
			sum += r[i].end - r[i].start;
	w->v[w->n++] = sum;
	w->sorted = false;
	return 0;
}

size_t damonrec_wss_get_count(const struct damonrec_wss *w)
{
	return w->n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t damonrec_wss_get_percentile(struct damonrec_wss *w, double pct)
{
	size_t idx;

	if (!w->n) {
		errno = ENODATA;
		return 0;
	}
	if (!w->sorted) {
		qsort(w->v, w->n, sizeof(*w->v), cmp_u64);
		w->sorted = true;
	}
	if (!(pct > 0))		/* also NaN */
		return w->v[0];
	if (pct >= 100)
		return w->v[w->n - 1];
	idx = (size_t)(pct / 100.0 * (double)w->n);
	if (idx >= w->n)
		idx = w->n - 1;
	return w->v[idx];
}
