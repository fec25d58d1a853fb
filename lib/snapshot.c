// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Snapshots: one aggregation's regions of every target, in one growable pool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct damonrec_snapshot *damonrec_snapshot_new(void)
{
	struct damonrec_snapshot *s = calloc(1, sizeof(*s));

	if (s)
		s->start = INT64_MIN;
	return s;
}

void damonrec_snapshot_free(struct damonrec_snapshot *s)
{
	if (!s)
		return;
	free(s->targets);
	free(s->pool);
	free(s);
}

void damonrec_snapshot_clear(struct damonrec_snapshot *s)
{
	if (!s)
		return;
	s->time = 0;
	s->start = INT64_MIN;
	s->kdamond = 0;
	s->lost_before = 0;
	memset(&s->iv, 0, sizeof(s->iv));
	s->nr_targets = 0;
	s->nr_regions = 0;
}

int64_t damonrec_snapshot_get_time(const struct damonrec_snapshot *s)
{
	return s->time;
}

void damonrec_snapshot_set_time(struct damonrec_snapshot *s, int64_t ns)
{
	s->time = ns;
}

int64_t damonrec_snapshot_get_start_time(const struct damonrec_snapshot *s)
{
	return s->start;
}

void damonrec_snapshot_set_start_time(struct damonrec_snapshot *s, int64_t ns)
{
	s->start = ns;
}

unsigned int damonrec_snapshot_get_kdamond(const struct damonrec_snapshot *s)
{
	return s->kdamond;
}

void damonrec_snapshot_set_kdamond(struct damonrec_snapshot *s, unsigned int k)
{
	s->kdamond = k;
}

uint64_t damonrec_snapshot_get_lost_before(const struct damonrec_snapshot *s)
{
	return s->lost_before;
}

void damonrec_snapshot_set_lost_before(struct damonrec_snapshot *s, uint64_t n)
{
	s->lost_before = n;
}

void damonrec_snapshot_get_intervals(const struct damonrec_snapshot *s,
				     struct damonrec_intervals *iv)
{
	*iv = s->iv;
}

void damonrec_snapshot_set_intervals(struct damonrec_snapshot *s,
				     const struct damonrec_intervals *iv)
{
	s->iv = *iv;
}

size_t damonrec_snapshot_get_nr_targets(const struct damonrec_snapshot *s)
{
	return s->nr_targets;
}

const struct damonrec_target *
damonrec_snapshot_get_target(const struct damonrec_snapshot *s, size_t i)
{
	if (i >= s->nr_targets) {
		errno = EINVAL;
		return NULL;
	}
	return &s->targets[i];
}

struct damonrec_snapshot *dr_snap_new_limited(void)
{
	struct damonrec_snapshot *s = damonrec_snapshot_new();

	if (s)
		s->limited = true;
	return s;
}

int damonrec_snapshot_add_target(struct damonrec_snapshot *s, uint64_t id)
{
	struct damonrec_target *t;

	if (s->nr_targets >= (size_t)INT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if (s->limited && s->nr_targets >= DR_MAX_TARGETS) {
		errno = E2BIG;
		return -1;
	}
	if (s->nr_targets == s->cap_targets) {
		size_t cap = s->cap_targets ? s->cap_targets * 2 : 4;

		t = realloc(s->targets, cap * sizeof(*t));
		if (!t)
			return -1;
		s->targets = t;
		s->cap_targets = cap;
	}
	t = &s->targets[s->nr_targets];
	t->id = id;
	t->off = s->nr_regions;
	t->regions = s->pool ? s->pool + s->nr_regions : NULL;
	t->nr = 0;
	return (int)s->nr_targets++;
}

int dr_snap_grow(struct damonrec_snapshot *s, size_t n)
{
	struct damonrec_region *p;
	size_t cap, i;

	if (s->cap_regions - s->nr_regions >= n)
		return 0;
	if (s->limited && n > DR_MAX_REGIONS - s->nr_regions) {
		errno = E2BIG;
		return -1;
	}
	if (n > SIZE_MAX / sizeof(*p) - s->nr_regions) {
		errno = ENOMEM;
		return -1;
	}
	cap = s->cap_regions ? s->cap_regions : 64;
	while (cap - s->nr_regions < n)
		cap = cap > SIZE_MAX / sizeof(*p) / 2 ?
			s->nr_regions + n : cap * 2;
	p = realloc(s->pool, cap * sizeof(*p));
	if (!p)
		return -1;
	s->pool = p;
	s->cap_regions = cap;
	for (i = 0; i < s->nr_targets; i++)
		s->targets[i].regions = p + s->targets[i].off;
	return 0;
}

int damonrec_snapshot_add_region(struct damonrec_snapshot *s, size_t t,
				 const struct damonrec_region *r)
{
	struct damonrec_target *tg;
	size_t at, i;

	if (t >= s->nr_targets || !r) {
		errno = EINVAL;
		return -1;
	}
	if (dr_snap_reserve(s, 1))
		return -1;
	tg = &s->targets[t];
	at = tg->off + tg->nr;
	if (at < s->nr_regions) {
		/* Not the last target: open a hole after its regions. */
		memmove(s->pool + at + 1, s->pool + at,
			(s->nr_regions - at) * sizeof(*s->pool));
		for (i = t + 1; i < s->nr_targets; i++) {
			s->targets[i].off++;
			s->targets[i].regions = s->pool + s->targets[i].off;
		}
	}
	s->pool[at] = *r;
	tg->nr++;
	s->nr_regions++;
	return 0;
}

size_t damonrec_snapshot_get_nr_regions(const struct damonrec_snapshot *s)
{
	return s->nr_regions;
}

uint64_t damonrec_target_get_id(const struct damonrec_target *t)
{
	return t->id;
}

size_t damonrec_target_get_nr_regions(const struct damonrec_target *t)
{
	return t->nr;
}

const struct damonrec_region *
damonrec_target_get_region(const struct damonrec_target *t, size_t i)
{
	if (i >= t->nr) {
		errno = EINVAL;
		return NULL;
	}
	return &t->regions[i];
}

const struct damonrec_region *
damonrec_target_get_regions(const struct damonrec_target *t)
{
	return t->regions;
}

int dr_snap_copy(struct damonrec_snapshot *dst,
		 const struct damonrec_snapshot *src)
{
	size_t i;

	damonrec_snapshot_clear(dst);
	if (dr_snap_reserve(dst, src->nr_regions))
		return -1;
	if (src->nr_targets > dst->cap_targets) {
		struct damonrec_target *t;

		t = realloc(dst->targets, src->nr_targets * sizeof(*t));
		if (!t)
			return -1;
		dst->targets = t;
		dst->cap_targets = src->nr_targets;
	}
	dst->time = src->time;
	dst->start = src->start;
	dst->kdamond = src->kdamond;
	dst->lost_before = src->lost_before;
	dst->iv = src->iv;
	if (src->nr_regions)
		memcpy(dst->pool, src->pool,
		       src->nr_regions * sizeof(*src->pool));
	dst->nr_regions = src->nr_regions;
	for (i = 0; i < src->nr_targets; i++) {
		dst->targets[i] = src->targets[i];
		dst->targets[i].regions = dst->pool ?
			dst->pool + src->targets[i].off : NULL;
	}
	dst->nr_targets = src->nr_targets;
	return 0;
}
