// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Readers of line-oriented text: the CSV record, and "perf script" output of
 * damon:damon_aggregated events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define TEXT_MAX_LINE	(1u << 20)
#define PERF_EVENT	"damon:damon_aggregated:"
#define CSV_HEADER	"time_ns,kdamond,target,start,end,nr_accesses,age"

/* One region event: a CSV line or a perf-script damon_aggregated line. */
struct text_event {
	int64_t time;
	unsigned int kd;
	uint64_t tid;
	uint32_t nr_regions;		/* perf only */
	bool has_age;			/* perf only: the age field is there */
	struct damonrec_region reg;
};

struct perf_kd {
	char *key;			/* "comm pid" of the kdamond thread */
	struct damonrec_snapshot *snap;	/* being assembled */
	uint32_t *expect;		/* nr_regions announced per target */
	size_t cap_expect;
	bool active;
	uint64_t seq;			/* order of the snapshots' first events */
	uint64_t off;			/* offset of the snapshot's first line */
};

struct text_state {
	uint64_t line_no;
	/* CSV: the first line of the next snapshot, already parsed. */
	bool have_pending;
	struct text_event pending;
	uint64_t pending_off;
	uint64_t pending_line;
	/* perf script */
	struct perf_kd *kd;
	size_t nr_kd;
	size_t cap_kd;
	struct damonrec_snapshot *out;
	uint64_t seq;
	bool any_event;
};

void dr_text_free(struct damonrec_reader *r)
{
	struct text_state *st = r->text;
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nr_kd; i++) {
		free(st->kd[i].key);
		free(st->kd[i].expect);
		damonrec_snapshot_free(st->kd[i].snap);
	}
	free(st->kd);
	damonrec_snapshot_free(st->out);
	free(st);
	r->text = NULL;
}

/*
 * Next line without its end of line; valid until the next read.  Returns 1,
 * 0 at end of input, -1 on error.  *@nl tells whether it ended with '\n'.
 */
static int get_line(struct damonrec_reader *r, const char **line, size_t *len,
		    bool *nl)
{
	size_t scanned = 0;

	for (;;) {
		size_t avail = r->len - r->pos;
		const unsigned char *s = r->buf + r->pos;
		const unsigned char *q = memchr(s + scanned, '\n',
						avail - scanned);
		ssize_t n;

		if (q || (r->eof && avail)) {
			*len = q ? (size_t)(q - s) : avail;
			*line = (const char *)s;
			*nl = q != NULL;
			r->pos += *len + (q != NULL);
			if (*len && s[*len - 1] == '\r')
				(*len)--;
			r->text->line_no++;
			return 1;
		}
		if (r->eof)
			return 0;
		if (avail >= TEXT_MAX_LINE)
			return dr_fail(r, EBADMSG, dr_off(r),
				       "line %llu at offset %llu is longer than %u bytes",
				       (unsigned long long)r->text->line_no + 1,
				       (unsigned long long)dr_off(r),
				       TEXT_MAX_LINE);
		scanned = avail;
		n = dr_fill(r, avail + 1);
		if (n < 0)
			return -1;
	}
}

/* Parse an unsigned decimal at *@pp (no sign); false if none or too big. */
static bool parse_u64(const char **pp, const char *end, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;

	if (p >= end || *p < '0' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9') {
		if (__builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, (uint64_t)(*p - '0'), &x))
			return false;
		p++;
	}
	*pp = p;
	*v = x;
	return true;
}

static bool parse_i64(const char **pp, const char *end, int64_t *v)
{
	bool neg = *pp < end && **pp == '-';
	uint64_t m;

	if (neg)
		(*pp)++;
	if (!parse_u64(pp, end, &m))
		return false;
	if (neg ? m > (uint64_t)INT64_MAX + 1 : m > (uint64_t)INT64_MAX)
		return false;
	*v = neg ? (int64_t)(0 - m) : (int64_t)m;
	return true;
}

static bool parse_u32(const char **pp, const char *end, uint32_t *v)
{
	uint64_t x;

	if (!parse_u64(pp, end, &x) || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static bool lit(const char **pp, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *pp) < n || memcmp(*pp, s, n))
		return false;
	*pp += n;
	return true;
}

static void skip_sp(const char **pp, const char *end)
{
	while (*pp < end && (**pp == ' ' || **pp == '\t'))
		(*pp)++;
}

/* ------------------------------------------------------------------ */
/* CSV                                                                  */
/* ------------------------------------------------------------------ */

static const char *csv_parse(const char *p, const char *end,
			     struct text_event *ev)
{
	uint32_t kd;

	if (!parse_i64(&p, end, &ev->time) || !lit(&p, end, ","))
		return "bad time_ns";
	if (!parse_u32(&p, end, &kd) || !lit(&p, end, ","))
		return "bad kdamond";
	ev->kd = kd;
	if (!parse_u64(&p, end, &ev->tid) || !lit(&p, end, ","))
		return "bad target";
	if (!parse_u64(&p, end, &ev->reg.start) || !lit(&p, end, ","))
		return "bad start";
	if (!parse_u64(&p, end, &ev->reg.end) || !lit(&p, end, ","))
		return "bad end";
	if (!parse_u32(&p, end, &ev->reg.nr_accesses) || !lit(&p, end, ","))
		return "bad nr_accesses";
	if (!parse_u32(&p, end, &ev->reg.age))
		return "bad age";
	if (p != end)
		return "extra data after age";
	if (ev->reg.end < ev->reg.start)
		return "region ends before it starts";
	return NULL;
}

/*
 * Read the next non-empty CSV line into the pending slot: 1, 0 at end of
 * input, -1 on error.  @cur is the snapshot being built, which began at
 * @soff (NULL if none).  A bad or cut line whose time and kdamond still
 * parse, and differ from @cur's, shows that @cur is complete: *@deliver
 * tells so, and the error is then the bad line's.
 */
static int csv_read_pending(struct damonrec_reader *r, uint64_t soff,
			    const struct damonrec_snapshot *cur, bool *deliver)
{
	struct text_state *st = r->text;
	const char *line, *err, *p;
	size_t len;
	bool nl;
	int rc;

	*deliver = false;
	do {
		st->pending_off = dr_off(r);
		rc = get_line(r, &line, &len, &nl);
		if (rc <= 0)
			return rc;
	} while (!len);
	err = csv_parse(line, line + len, &st->pending);
	if (!err) {
		st->pending_line = st->line_no;
		st->have_pending = true;
		return 1;
	}
	if (cur) {
		int64_t t;
		uint32_t kd;

		p = line;
		if (parse_i64(&p, line + len, &t) && lit(&p, line + len, ",") &&
		    parse_u32(&p, line + len, &kd) && lit(&p, line + len, ",") &&
		    (t != cur->time || kd != cur->kdamond)) {
			*deliver = true;
			soff = st->pending_off;
		}
	}
	return dr_fail(r, nl ? EBADMSG : ENODATA, soff,
		       "csv snapshot at offset %llu: line %llu (offset %llu): %s",
		       (unsigned long long)soff,
		       (unsigned long long)st->line_no,
		       (unsigned long long)st->pending_off,
		       nl ? err : "file ends inside it");
}

int dr_csv_open(struct damonrec_reader *r)
{
	struct text_state *st = calloc(1, sizeof(*st));
	const char *line;
	size_t len;
	bool nl, deliver;
	int rc;

	if (!st)
		return dr_fail(r, ENOMEM, 0, "out of memory");
	r->text = st;
	rc = get_line(r, &line, &len, &nl);
	if (rc < 0)
		return -1;
	if (!rc || len != strlen(CSV_HEADER) || memcmp(line, CSV_HEADER, len))
		return dr_fail(r, EBADMSG, 0,
			       "csv header at offset 0: expected \"%s\"",
			       CSV_HEADER);
	rc = csv_read_pending(r, dr_off(r), NULL, &deliver);
	if (rc < 0)
		return r->err == EBADMSG || r->err == ENODATA ? 0 : -1;
	if (rc > 0) {
		r->start_ns = st->pending.time;
		r->start_known = true;
	}
	return 0;
}

int dr_csv_next(struct damonrec_reader *r)
{
	struct text_state *st = r->text;
	struct damonrec_snapshot *s = r->snap;
	uint64_t soff;
	bool deliver;
	int rc;

	if (!st->have_pending) {
		rc = csv_read_pending(r, dr_off(r), NULL, &deliver);
		if (rc <= 0)
			return rc;
	}
	soff = st->pending_off;
	damonrec_snapshot_clear(s);
	s->time = st->pending.time;
	s->kdamond = st->pending.kd;
	for (;;) {
		struct text_event *ev = &st->pending;

		if (!s->nr_targets || s->targets[s->nr_targets - 1].id != ev->tid)
			if (damonrec_snapshot_add_target(s, ev->tid) < 0)
				return dr_snap_fail(r, soff);
		if (dr_snap_reserve(s, 1))
			return dr_snap_fail(r, soff);
		*dr_snap_append(s, 1) = ev->reg;
		st->have_pending = false;
		rc = csv_read_pending(r, soff, s, &deliver);
		if (rc < 0)
			return deliver ? 1 : -1;	/* the error waits */
		if (!rc || st->pending.time != s->time ||
		    st->pending.kd != s->kdamond)
			return 1;
	}
}

/* ------------------------------------------------------------------ */
/* perf script                                                          */
/* ------------------------------------------------------------------ */

/*
 * Parse one line of "perf script" output:
 *
 *   kdamond.0  4452 [000] 82877.315633: damon:damon_aggregated: \
 *	target_id=0 nr_regions=17 140731667070976-140731668037632: 0 3
 *
 * (the age, last, exists since 5.16).  Returns 1 for an event, 0 for a
 * line that is not one, -1 with *@err for a malformed event.  The kdamond's
 * key ("comm pid", the cpu left out) is returned in @key.
 */
static int perf_parse(const char *line, size_t len, struct text_event *ev,
		      char *key, size_t keycap, const char **err)
{
	const char *end = line + len, *evp, *p, *tok, *tend, *tstart;
	size_t klen = 0;
	uint64_t sec, frac = 0;
	int digits = 0;

	evp = memmem(line, len, PERF_EVENT, strlen(PERF_EVENT));
	if (!evp)
		return 0;

	/* The timestamp: the last token before the event name. */
	tend = evp;
	while (tend > line && (tend[-1] == ' ' || tend[-1] == '\t'))
		tend--;
	tstart = tend;
	while (tstart > line && tstart[-1] != ' ' && tstart[-1] != '\t')
		tstart--;
	if (tend == tstart || tend[-1] != ':') {
		*err = "no timestamp before the event name";
		return -1;
	}
	p = tstart;
	if (!parse_u64(&p, tend - 1, &sec)) {
		*err = "bad timestamp";
		return -1;
	}
	if (p < tend - 1 && *p == '.') {
		for (p++; p < tend - 1 && *p >= '0' && *p <= '9'; p++)
			if (digits < 9) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				digits++;
			}
	}
	if (p != tend - 1 || sec > (uint64_t)INT64_MAX / 1000000000 - 1) {
		*err = "bad timestamp";
		return -1;
	}
	for (; digits < 9; digits++)
		frac *= 10;
	ev->time = (int64_t)(sec * 1000000000 + frac);

	/* The kdamond: every token before the timestamp but the "[cpu]". */
	for (p = line; p < tstart;) {
		skip_sp(&p, tstart);
		tok = p;
		while (p < tstart && *p != ' ' && *p != '\t')
			p++;
		if (p == tok || *tok == '[')
			continue;
		if (klen && klen < keycap - 1)
			key[klen++] = ' ';
		while (tok < p && klen < keycap - 1)
			key[klen++] = *tok++;
	}
	key[klen] = '\0';

	p = evp + strlen(PERF_EVENT);
	skip_sp(&p, end);
	if (!lit(&p, end, "target_id=") || !parse_u64(&p, end, &ev->tid)) {
		*err = "bad target_id";
		return -1;
	}
	skip_sp(&p, end);
	if (!lit(&p, end, "nr_regions=") ||
	    !parse_u32(&p, end, &ev->nr_regions)) {
		*err = "bad nr_regions";
		return -1;
	}
	skip_sp(&p, end);
	if (!parse_u64(&p, end, &ev->reg.start) || !lit(&p, end, "-") ||
	    !parse_u64(&p, end, &ev->reg.end) || !lit(&p, end, ":")) {
		*err = "bad region address range";
		return -1;
	}
	if (ev->reg.end < ev->reg.start) {
		*err = "region ends before it starts";
		return -1;
	}
	skip_sp(&p, end);
	if (!parse_u32(&p, end, &ev->reg.nr_accesses)) {
		*err = "bad nr_accesses";
		return -1;
	}
	skip_sp(&p, end);
	ev->reg.age = 0;
	ev->has_age = p < end;
	if (p < end && !parse_u32(&p, end, &ev->reg.age)) {
		*err = "bad age";
		return -1;
	}
	skip_sp(&p, end);
	if (p != end) {
		*err = "extra data after the event";
		return -1;
	}
	return 1;
}

int dr_perf_open(struct damonrec_reader *r)
{
	struct text_state *st = calloc(1, sizeof(*st));
	const char *p, *end, *nl;
	ssize_t n;

	if (!st)
		return dr_fail(r, ENOMEM, 0, "out of memory");
	r->text = st;
	st->out = dr_snap_new_limited();
	if (!st->out)
		return dr_fail(r, ENOMEM, 0, "out of memory");

	/* The first event's time is the record's start: peek for it. */
	n = dr_fill(r, 1u << 16);
	if (n < 0)
		return -1;
	p = (const char *)r->buf + r->pos;
	end = p + n;
	for (; p < end; p = nl + 1) {
		struct text_event ev;
		char key[64];
		const char *err;
		int rc;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		rc = perf_parse(p, (size_t)(nl - p), &ev, key, sizeof(key),
				&err);
		if (rc < 0)
			break;
		if (rc > 0) {
			r->start_ns = ev.time;
			r->start_known = true;
			break;
		}
	}
	return 0;
}

static struct perf_kd *perf_kd_get(struct damonrec_reader *r, const char *key,
				   uint64_t off)
{
	struct text_state *st = r->text;
	struct perf_kd *kd;
	size_t i;

	for (i = 0; i < st->nr_kd; i++)
		if (!strcmp(st->kd[i].key, key))
			return &st->kd[i];
	if (st->nr_kd == DR_MAX_KDAMONDS) {
		dr_fail(r, EBADMSG, off,
			"perf-script line at offset %llu: more than %u kdamonds",
			(unsigned long long)off, DR_MAX_KDAMONDS);
		return NULL;
	}
	if (st->nr_kd == st->cap_kd) {
		size_t cap = st->cap_kd ? st->cap_kd * 2 : 4;

		kd = realloc(st->kd, cap * sizeof(*kd));
		if (!kd)
			goto nomem;
		st->kd = kd;
		st->cap_kd = cap;
	}
	kd = &st->kd[st->nr_kd];
	memset(kd, 0, sizeof(*kd));
	kd->key = strdup(key);
	kd->snap = dr_snap_new_limited();
	if (!kd->key || !kd->snap) {
		free(kd->key);
		damonrec_snapshot_free(kd->snap);
		goto nomem;
	}
	st->nr_kd++;
	return kd;
nomem:
	dr_fail(r, ENOMEM, off, "out of memory");
	return NULL;
}

/* Hand out the assembled snapshot of @kd. */
static void perf_emit(struct text_state *st, struct perf_kd *kd,
		      const struct damonrec_snapshot **out)
{
	struct damonrec_snapshot *s = kd->snap;

	kd->snap = st->out;
	st->out = s;
	kd->active = false;
	*out = s;
}

static int perf_add(struct damonrec_reader *r, struct perf_kd *kd,
		    const struct text_event *ev, uint64_t off)
{
	struct text_state *st = r->text;
	struct damonrec_snapshot *s = kd->snap;
	size_t ti;
	int t;

	if (!kd->active) {
		damonrec_snapshot_clear(s);
		s->time = ev->time;
		s->kdamond = (unsigned int)(kd - st->kd);
		kd->active = true;
		kd->seq = st->seq++;
		kd->off = off;
	}
	ti = s->nr_targets;
	while (ti > 0 && s->targets[ti - 1].id != ev->tid)
		ti--;
	if (!ti) {
		t = damonrec_snapshot_add_target(s, ev->tid);
		if (t < 0)
			return dr_snap_fail(r, off);
		if ((size_t)t >= kd->cap_expect) {
			size_t cap = kd->cap_expect ? kd->cap_expect * 2 : 4;
			uint32_t *e = realloc(kd->expect, cap * sizeof(*e));

			if (!e)
				return dr_fail(r, ENOMEM, off, "out of memory");
			kd->expect = e;
			kd->cap_expect = cap;
		}
		kd->expect[t] = ev->nr_regions;
		ti = (size_t)t + 1;
	}
	return damonrec_snapshot_add_region(s, ti - 1, &ev->reg) ?
		dr_snap_fail(r, off) : 0;
}

/* Whether @ev starts a new snapshot for @kd: its target is complete. */
static bool perf_starts_new(const struct perf_kd *kd,
			    const struct text_event *ev)
{
	const struct damonrec_snapshot *s = kd->snap;
	size_t ti;

	if (!kd->active)
		return false;
	for (ti = s->nr_targets; ti > 0; ti--)
		if (s->targets[ti - 1].id == ev->tid)
			return s->targets[ti - 1].nr >= kd->expect[ti - 1];
	return false;
}

int dr_perf_next(struct damonrec_reader *r,
		 const struct damonrec_snapshot **out)
{
	struct text_state *st = r->text;

	for (;;) {
		struct text_event ev;
		struct perf_kd *kd;
		const char *line, *err;
		char key[64];
		uint64_t off = dr_off(r);
		size_t len, i;
		bool nl, fresh;
		int rc;

		rc = get_line(r, &line, &len, &nl);
		if (rc < 0)
			return -1;
		if (!rc) {
			/* End: hand out what is assembled, oldest first. */
			struct perf_kd *first = NULL;

			for (i = 0; i < st->nr_kd; i++)
				if (st->kd[i].active &&
				    (!first || st->kd[i].seq < first->seq))
					first = &st->kd[i];
			if (first) {
				perf_emit(st, first, out);
				return 1;
			}
			if (!st->any_event)
				return dr_fail(r, EBADMSG, 0,
					       "perf-script input has no " PERF_EVENT " events");
			return 0;
		}
		rc = perf_parse(line, len, &ev, key, sizeof(key), &err);
		if (rc == 1 && ev.has_age)
			r->age = true;
		if (!rc)
			continue;
		if (rc < 0)
			return dr_fail(r, nl ? EBADMSG : ENODATA, off,
				       "perf-script line %llu at offset %llu: %s",
				       (unsigned long long)st->line_no,
				       (unsigned long long)off,
				       nl ? err : "file ends inside it");
		st->any_event = true;
		kd = perf_kd_get(r, key, off);
		if (!kd)
			return -1;
		fresh = perf_starts_new(kd, &ev);
		if (fresh)
			perf_emit(st, kd, out);
		if (perf_add(r, kd, &ev, off))
			return -1;
		if (fresh)
			return 1;
	}
}
