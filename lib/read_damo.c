// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reader of damo's record formats: "json" (a JSON array of records, each
 * one target's snapshots) and "json_compressed" (the same text in a zlib
 * stream).  The text is parsed as it streams in, one snapshot at a time;
 * each damo snapshot becomes a snapshot of one target.
 *
 * damo writes numbers as JSON integers or as strings, sizes and addresses
 * with thousands separators ("94,827,419,009,024"), times also with units
 * ("1 s 500 ms"); all of those are read exactly.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "internal.h"

#define DAMO_OUT_BUF		(64u << 10)
#define DAMO_MAX_DEPTH		64
#define DAMO_STR_MAX		256
#define DAMO_MAX_SOURCES	256
/* Bounds what a hostile snapshot can make the reader hold. */
#define DAMO_MAX_REGIONS	(1u << 22)

struct damo_source {
	unsigned int kd;
	uint64_t id;
	char name[64];
};

enum damo_phase {
	PH_START,		/* before the '[' */
	PH_RECORDS,		/* between records */
	PH_SNAPS,		/* inside a record's "snapshots" array */
	PH_DONE,
};

struct damo_state {
	bool z;
	bool z_end;
	z_stream zs;
	unsigned char *out;
	size_t opos, olen;
	uint64_t doff;		/* decompressed bytes before out[0] */

	enum damo_phase phase;
	bool first_snap;	/* no snapshot of this record read yet */
	bool first_rec;
	bool iv_set;
	uint64_t rec_no;
	uint64_t rec_off;	/* text offset of the record's '{' */
	unsigned int kd;
	uint64_t tid;
	unsigned int dropped;
	bool age_seen, noage_seen;

	struct damo_source src[DAMO_MAX_SOURCES];
	size_t nr_src;
};

void dr_damo_free(struct damonrec_reader *r)
{
	struct damo_state *st = r->damo;

	if (!st)
		return;
	if (st->z)
		inflateEnd(&st->zs);
	free(st->out);
	free(st);
	r->damo = NULL;
}

/* Text offset of the next byte: in the file, or in the decompressed text. */
static uint64_t toff(const struct damonrec_reader *r)
{
	const struct damo_state *st = r->damo;

	return st->z ? st->doff + st->opos : dr_off(r);
}

static int DR_PRINTF(2, 3) dbad(struct damonrec_reader *r, const char *fmt, ...)
{
	struct damo_state *st = r->damo;
	char detail[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (st->z)
		return dr_fail(r, EBADMSG, dr_off(r),
			       "damo record %llu: %s at offset %llu of the decompressed text",
			       (unsigned long long)st->rec_no, detail,
			       (unsigned long long)toff(r));
	return dr_fail(r, EBADMSG, toff(r), "damo record %llu: %s at offset %llu",
		       (unsigned long long)st->rec_no, detail,
		       (unsigned long long)toff(r));
}

/* Refill the decompressed text; 0 at its end, -1 on an error. */
static int z_fill(struct damonrec_reader *r)
{
	struct damo_state *st = r->damo;

	st->doff += st->olen;
	st->opos = st->olen = 0;
	while (!st->olen) {
		ssize_t n;
		int zr;

		if (st->z_end)
			return 0;
		n = dr_fill(r, 1);
		if (n < 0)
			return -1;
		if (n == 0)
			return dr_fail(r, ENODATA, dr_off(r),
				       "damo json_compressed: the zlib stream is cut short at offset %llu (%llu bytes of text)",
				       (unsigned long long)dr_off(r),
				       (unsigned long long)st->doff);
		st->zs.next_in = r->buf + r->pos;
		st->zs.avail_in = (uInt)((size_t)n > UINT32_MAX ? UINT32_MAX : (size_t)n);
		st->zs.next_out = st->out;
		st->zs.avail_out = DAMO_OUT_BUF;
		zr = inflate(&st->zs, Z_NO_FLUSH);
		r->pos += (size_t)(st->zs.next_in - (r->buf + r->pos));
		st->olen = DAMO_OUT_BUF - st->zs.avail_out;
		if (zr == Z_STREAM_END)
			st->z_end = true;
		else if (zr == Z_MEM_ERROR)
			return dr_fail(r, ENOMEM, dr_off(r), "out of memory for zlib");
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return dr_fail(r, EBADMSG, dr_off(r),
				       "damo json_compressed: corrupt zlib stream at offset %llu: %s",
				       (unsigned long long)dr_off(r),
				       st->zs.msg ? st->zs.msg : "bad data");
	}
	return 1;
}

/* Next text byte; -1 at the end of the text, -2 on an error. */
static inline int dgetc(struct damonrec_reader *r)
{
	struct damo_state *st = r->damo;
	int rc;

	if (!st->z)
		return dr_getc(r);
	if (likely(st->opos < st->olen))
		return st->out[st->opos++];
	rc = z_fill(r);
	if (rc <= 0)
		return rc == 0 ? -1 : -2;
	return st->out[st->opos++];
}

static inline void dungetc(struct damonrec_reader *r)
{
	if (r->damo->z)
		r->damo->opos--;
	else
		r->pos--;
}

/* A byte below 0 where more text was due. */
static int dend(struct damonrec_reader *r, int c)
{
	if (c == -2 || r->failed)
		return -1;
	return dr_fail(r, ENODATA, r->damo->z ? dr_off(r) : toff(r),
		       "damo record %llu: the text ends inside it at offset %llu",
		       (unsigned long long)r->damo->rec_no,
		       (unsigned long long)toff(r));
}

/* Skip whitespace; the next byte, not consumed (or below 0). */
static int dws(struct damonrec_reader *r)
{
	int c;

	do
		c = dgetc(r);
	while (c == ' ' || c == '\n' || c == '\t' || c == '\r');
	if (c >= 0)
		dungetc(r);
	return c;
}

static int dexpect(struct damonrec_reader *r, int ch)
{
	int c = dws(r);

	if (c < 0)
		return dend(r, c);
	if (c != ch)
		return dbad(r, "expected '%c', found '%c'", ch, c);
	dgetc(r);
	return 0;
}

/*
 * A string (after its opening quote): into @out (NUL-terminated, cut to
 * @cap - 1 bytes) when @out is not NULL.  Sets *@cut if it was cut.
 */
static int dstring(struct damonrec_reader *r, char *out, size_t cap, bool *cut)
{
	size_t n = 0;
	int c;

	if (cut)
		*cut = false;
	for (;;) {
		c = dgetc(r);
		if (c < 0)
			return dend(r, c);
		if (c == '"')
			break;
		if (c < 0x20)
			return dbad(r, "control character in a string");
		if (c == '\\') {
			c = dgetc(r);
			if (c < 0)
				return dend(r, c);
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '"': case '\\': case '/': break;
			case 'u': {
				unsigned int v = 0, i;

				for (i = 0; i < 4; i++) {
					int h = dgetc(r);

					if (h < 0)
						return dend(r, h);
					if (h >= '0' && h <= '9')
						v = v * 16 + (unsigned int)(h - '0');
					else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
						v = v * 16 + (unsigned int)((h | 0x20) - 'a' + 10);
					else
						return dbad(r, "bad \\u escape");
				}
				c = v < 0x80 ? (int)v : '?';
				break;
			}
			default:
				return dbad(r, "bad escape '\\%c'", c);
			}
		}
		if (out && n + 1 < cap)
			out[n++] = (char)c;
		else if (out && cut)
			*cut = true;
	}
	if (out)
		out[n] = '\0';
	return 0;
}

static int dkey(struct damonrec_reader *r, char *key, size_t cap)
{
	if (dexpect(r, '"'))
		return -1;
	if (dstring(r, key, cap, NULL))
		return -1;
	return dexpect(r, ':');
}

/* A literal after its first letter. */
static int dlit(struct damonrec_reader *r, const char *rest)
{
	for (; *rest; rest++) {
		int c = dgetc(r);

		if (c < 0)
			return dend(r, c);
		if (c != *rest)
			return dbad(r, "bad literal");
	}
	return 0;
}

static int dskip(struct damonrec_reader *r, int depth);

/* The members of an object or array whose opening byte was read. */
static int dskip_members(struct damonrec_reader *r, int close, int depth)
{
	int c;

	if (dws(r) == close) {
		dgetc(r);
		return 0;
	}
	for (;;) {
		if (close == '}' && dkey(r, NULL, 0))
			return -1;
		if (dskip(r, depth + 1))
			return -1;
		c = dws(r);
		if (c < 0)
			return dend(r, c);
		dgetc(r);
		if (c == close)
			return 0;
		if (c != ',')
			return dbad(r, "expected ',' or '%c'", close);
	}
}

/* Skip one value of any kind, nested up to DAMO_MAX_DEPTH. */
static int dskip(struct damonrec_reader *r, int depth)
{
	int c = dws(r);

	if (c < 0)
		return dend(r, c);
	if (depth > DAMO_MAX_DEPTH)
		return dbad(r, "values nested deeper than %d", DAMO_MAX_DEPTH);
	if (c == '"') {
		dgetc(r);
		return dstring(r, NULL, 0, NULL);
	}
	if (c == '{' || c == '[') {
		dgetc(r);
		return dskip_members(r, c == '{' ? '}' : ']', depth);
	}
	if (c == 't' || c == 'f' || c == 'n') {
		dgetc(r);
		return dlit(r, c == 't' ? "rue" : c == 'f' ? "alse" : "ull");
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		do
			c = dgetc(r);
		while ((c >= '0' && c <= '9') || c == '.' || c == 'e' ||
		       c == 'E' || c == '+' || c == '-');
		if (c >= 0)
			dungetc(r);
		return c == -2 ? -1 : 0;
	}
	return dbad(r, "unexpected '%c'", c);
}

/*
 * Whether the value ahead is an empty one: null, [], {}, 0, "0", "0 B" or
 * false.  Consumes it either way.
 */
static int dskip_empty(struct damonrec_reader *r, bool *empty)
{
	char s[DAMO_STR_MAX];
	int c = dws(r);

	*empty = false;
	if (c < 0)
		return dend(r, c);
	if (c == 'n' || c == 'f') {
		dgetc(r);
		*empty = true;
		return dlit(r, c == 'n' ? "ull" : "alse");
	}
	if (c == '"') {
		dgetc(r);
		if (dstring(r, s, sizeof(s), NULL))
			return -1;
		*empty = !strcmp(s, "0") || !strcmp(s, "0 B") || !s[0];
		return 0;
	}
	if (c == '[' || c == '{') {
		int close = c == '[' ? ']' : '}';

		dgetc(r);
		if (dws(r) == close) {
			dgetc(r);
			*empty = true;
			return 0;
		}
		return dskip_members(r, close, 0);
	}
	if (c == '0') {
		dgetc(r);
		c = dgetc(r);
		if (c >= 0)
			dungetc(r);
		if ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E') {
			/* 0.5, 0e1: not an empty value */
			if (dskip(r, 0))
				return -1;
			return 0;
		}
		*empty = true;
		return c == -2 ? -1 : 0;
	}
	return dskip(r, 0);
}

/* Skip a damo-only field; note it as dropped unless it is empty. */
static int dskip_extra(struct damonrec_reader *r, unsigned int bit)
{
	bool empty;

	if (dskip_empty(r, &empty))
		return -1;
	if (!empty)
		r->damo->dropped |= bit;
	return 0;
}

/* Units of damo's time strings, in ns. */
static const struct {
	const char *name;
	uint64_t ns;
} time_units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	{ "d", 86400000000000ULL },
};

enum num_kind { NUM_PLAIN, NUM_TIME_NS, NUM_TIME_US, NUM_SIZE };

/*
 * Parse damo's text form of a number: digits with optional thousands
 * separators and sign, then for times optional units ("2 s 5 ms"), for
 * sizes an optional " B".  Returns 0 and *@v, or -1 (not such a number).
 */
static int text_num(const char *s, enum num_kind kind, int64_t *v, bool *neg_out)
{
	uint64_t total = 0;
	bool neg = false, any = false;

	if (*s == '-') {
		neg = true;
		s++;
	}
	while (*s) {
		uint64_t n = 0, mul = 1;
		bool digits = false;
		size_t i;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		for (; (*s >= '0' && *s <= '9') || *s == ','; s++) {
			if (*s == ',')
				continue;
			if (n > (UINT64_MAX - 9) / 10)
				return -1;
			n = n * 10 + (uint64_t)(*s - '0');
			digits = true;
		}
		if (!digits)
			return -1;
		while (*s == ' ')
			s++;
		if (*s && kind == NUM_SIZE) {
			if (strcmp(s, "B"))
				return -1;
			s += 1;
		} else if (*s && (kind == NUM_TIME_NS || kind == NUM_TIME_US)) {
			for (i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++) {
				size_t l = strlen(time_units[i].name);

				if (!strncmp(s, time_units[i].name, l) &&
				    (s[l] == ' ' || !s[l] ||
				     (s[l] >= '0' && s[l] <= '9')))
					break;
			}
			if (i == sizeof(time_units) / sizeof(time_units[0]))
				return -1;
			mul = time_units[i].ns;
			if (kind == NUM_TIME_US) {
				if (mul < 1000)
					return -1;
				mul /= 1000;
			}
			s += strlen(time_units[i].name);
		} else if (*s || any) {
			return -1;
		}
		if (__builtin_mul_overflow(n, mul, &n) ||
		    __builtin_add_overflow(total, n, &total))
			return -1;
		any = true;
		if (kind == NUM_PLAIN || kind == NUM_SIZE)
			break;
	}
	while (*s == ' ')
		s++;
	if (!any || *s)
		return -1;
	if (neg_out)
		*neg_out = neg;
	if (neg ? total > (uint64_t)INT64_MAX + 1 : total > UINT64_MAX)
		return -1;
	*v = neg ? (int64_t)(0 - total) : (int64_t)total;
	return 0;
}

/*
 * A number: a JSON number (a fraction or exponent is taken through a
 * double, as Python writes large floats), or damo's text form.  Returns 0
 * with *@u (as unsigned 64 bits) and *@is_null, or -1.
 */
static int dnum(struct damonrec_reader *r, enum num_kind kind, const char *what,
		uint64_t *u, bool *is_null)
{
	char s[DAMO_STR_MAX];
	size_t n = 0;
	bool neg = false, cut;
	int64_t v;
	int c = dws(r);

	*is_null = false;
	if (c < 0)
		return dend(r, c);
	if (c == 'n') {
		dgetc(r);
		*is_null = true;
		*u = 0;
		return dlit(r, "ull");
	}
	if (c == '"') {
		dgetc(r);
		if (dstring(r, s, sizeof(s), &cut))
			return -1;
		if (cut || text_num(s, kind, &v, &neg))
			return dbad(r, "%s \"%.40s\" is not a number", what, s);
		*u = (uint64_t)v;
		return 0;
	}
	if (c != '-' && (c < '0' || c > '9'))
		return dbad(r, "%s: expected a number, found '%c'", what, c);
	for (;;) {
		c = dgetc(r);
		if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' ||
		      c == 'E' || c == '+' || c == '-'))
			break;
		if (n + 1 >= sizeof(s))
			return dbad(r, "%s: number too long", what);
		s[n++] = (char)c;
	}
	if (c == -2)
		return -1;
	if (c >= 0)
		dungetc(r);
	s[n] = '\0';
	if (strpbrk(s, ".eE")) {
		char *end;
		double d = strtod(s, &end);

		if (*end || !isfinite(d) || d <= -9223372036854775808.0 ||
		    d >= 18446744073709551616.0)
			return dbad(r, "%s %s is out of range", what, s);
		*u = d < 0 ? (uint64_t)(int64_t)d : (uint64_t)d;
		return 0;
	}
	if (text_num(s, NUM_PLAIN, &v, &neg))
		return dbad(r, "%s %s is out of range", what, s);
	*u = (uint64_t)v;
	return 0;
}

/* After a member: ',' (1, more follow) or @close (0). */
static int dnext(struct damonrec_reader *r, int close)
{
	int c = dws(r);

	if (c < 0)
		return dend(r, c);
	dgetc(r);
	if (c == ',')
		return 1;
	if (c == close)
		return 0;
	return dbad(r, "expected ',' or '%c', found '%c'", close, c);
}

/* Open an object or array; 1 if it has members, 0 if it is empty. */
static int dopen(struct damonrec_reader *r, int open)
{
	if (dexpect(r, open))
		return -1;
	if (dws(r) == (open == '{' ? '}' : ']')) {
		dgetc(r);
		return 0;
	}
	return 1;
}

/* { "samples": N, "percent": P } or { "usec": U, "aggr_intervals": N } */
static int dpair(struct damonrec_reader *r, const char *k1, const char *k2,
		 uint64_t *v1, bool *null1, uint64_t *v2, bool *null2)
{
	char key[32];
	int more;

	*null1 = *null2 = true;
	if (dws(r) == 'n') {
		dgetc(r);
		return dlit(r, "ull");
	}
	more = dopen(r, '{');
	while (more > 0) {
		if (dkey(r, key, sizeof(key)))
			return -1;
		if (!strcmp(key, k1)) {
			if (dnum(r, !strcmp(k1, "usec") ? NUM_TIME_US : NUM_PLAIN,
				 k1, v1, null1))
				return -1;
		} else if (!strcmp(key, k2)) {
			if (dnum(r, NUM_PLAIN, k2, v2, null2))
				return -1;
		} else if (dskip(r, 0)) {
			return -1;
		}
		more = dnext(r, '}');
	}
	return more;
}

static int dregion(struct damonrec_reader *r, struct damonrec_region *reg)
{
	struct damo_state *st = r->damo;
	uint64_t start = 0, end = 0, samples = 0, pct = 0, usec = 0, aggrs = 0;
	bool have_start = false, have_end = false, n1, n2, a1, a2;
	char key[32];
	int more;

	n1 = n2 = a1 = a2 = true;
	more = dopen(r, '{');
	while (more > 0) {
		bool null;

		if (dkey(r, key, sizeof(key)))
			return -1;
		if (!strcmp(key, "start")) {
			if (dnum(r, NUM_SIZE, "region start", &start, &null))
				return -1;
			have_start = !null;
		} else if (!strcmp(key, "end")) {
			if (dnum(r, NUM_SIZE, "region end", &end, &null))
				return -1;
			have_end = !null;
		} else if (!strcmp(key, "nr_accesses")) {
			if (dpair(r, "samples", "percent", &samples, &n1, &pct, &n2) < 0)
				return -1;
		} else if (!strcmp(key, "age")) {
			if (dpair(r, "usec", "aggr_intervals", &usec, &a1, &aggrs, &a2) < 0)
				return -1;
		} else if (!strcmp(key, "probe_hits") || !strcmp(key, "sz_filter_passed")) {
			if (dskip_extra(r, key[0] == 'p' ? DAMONREC_DAMO_PROBE_HITS :
					DAMONREC_DAMO_SZ_FILTER_PASSED))
				return -1;
		} else if (dskip(r, 0)) {
			return -1;
		}
		more = dnext(r, '}');
	}
	if (more < 0)
		return -1;
	if (!have_start || !have_end)
		return dbad(r, "a region without its start or end");
	if (end < start)
		return dbad(r, "region ends (0x%llx) before it starts (0x%llx)",
			    (unsigned long long)end, (unsigned long long)start);
	if (n1 && !n2 && r->iv.sample_us && r->iv.aggr_us) {
		/* Only a percentage: in samples, as damo converts it. */
		samples = (uint64_t)((double)pct * ((double)r->iv.aggr_us /
					(double)r->iv.sample_us) / 100.0);
		n1 = false;
	}
	if (!n1 && samples > UINT32_MAX)
		return dbad(r, "nr_accesses %llu is over 32 bits",
			    (unsigned long long)samples);
	if (!a2 && aggrs > UINT32_MAX)
		return dbad(r, "age %llu is over 32 bits", (unsigned long long)aggrs);
	/*
	 * An age in usec only stays unknown: damo's raw listing prints -1
	 * for it too.
	 */
	reg->start = start;
	reg->end = end;
	reg->nr_accesses = n1 ? 0 : (uint32_t)samples;
	reg->age = a2 ? 0 : (uint32_t)aggrs;
	if (a2)
		st->noage_seen = true;
	else
		st->age_seen = true;
	return 0;
}

static int dintervals(struct damonrec_reader *r)
{
	struct damo_state *st = r->damo;
	struct damonrec_intervals iv = { 0 };
	char key[32];
	int more;

	if (dws(r) == 'n') {
		dgetc(r);
		return dlit(r, "ull");
	}
	more = dopen(r, '{');
	while (more > 0) {
		uint64_t *dst = NULL;
		bool null;

		if (dkey(r, key, sizeof(key)))
			return -1;
		if (!strcmp(key, "sample_us"))
			dst = &iv.sample_us;
		else if (!strcmp(key, "aggr_us"))
			dst = &iv.aggr_us;
		else if (!strcmp(key, "ops_update_us"))
			dst = &iv.update_us;
		if (dst) {
			if (dnum(r, NUM_TIME_US, key, dst, &null))
				return -1;
		} else if (!strcmp(key, "intervals_goal")) {
			/* Auto-tuning is off while its "aggrs" is 0. */
			char k2[32];
			int m2;

			if (dws(r) == 'n') {
				dgetc(r);
				m2 = dlit(r, "ull");
			} else {
				m2 = dopen(r, '{');
			}
			while (m2 > 0) {
				if (dkey(r, k2, sizeof(k2)))
					return -1;
				if (!strcmp(k2, "aggrs")) {
					if (dskip_extra(r, DAMONREC_DAMO_INTERVALS_GOAL))
						return -1;
				} else if (dskip(r, 0)) {
					return -1;
				}
				m2 = dnext(r, '}');
			}
			if (m2 < 0)
				return -1;
		} else if (dskip(r, 0)) {
			return -1;
		}
		more = dnext(r, '}');
	}
	if (more < 0)
		return -1;
	if (!st->iv_set) {
		r->iv = iv;
		st->iv_set = true;
	}
	return 0;
}

static void set_source(struct damo_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nr_src; i++)
		if (st->src[i].kd == st->kd && st->src[i].id == st->tid)
			break;
	if (i == st->nr_src) {
		if (st->nr_src == DAMO_MAX_SOURCES)
			return;
		st->nr_src++;
	}
	st->src[i].kd = st->kd;
	st->src[i].id = st->tid;
	snprintf(st->src[i].name, sizeof(st->src[i].name), "%s", name);
}

/*
 * Members of a record up to its "snapshots" array (1: the array is open
 * and has snapshots; 0: the record ended, or had no snapshots) or its end.
 */
static int drecord_members(struct damonrec_reader *r)
{
	struct damo_state *st = r->damo;
	char key[32], val[64];
	uint64_t v;
	bool null, cut;
	int more = 1;

	while (more > 0) {
		if (dkey(r, key, sizeof(key)))
			return -1;
		if (!strcmp(key, "snapshots")) {
			more = dopen(r, '[');
			if (more < 0)
				return -1;
			if (more) {
				st->phase = PH_SNAPS;
				st->first_snap = true;
				return 1;
			}
		} else if (!strcmp(key, "target_id")) {
			if (dnum(r, NUM_PLAIN, "target_id", &v, &null))
				return -1;
			st->tid = v;
		} else if (!strcmp(key, "kdamond_idx")) {
			if (dnum(r, NUM_PLAIN, "kdamond_idx", &v, &null))
				return -1;
			if (v >= DR_MAX_KDAMONDS)
				return dbad(r, "kdamond_idx %llu is too large",
					    (unsigned long long)v);
			st->kd = (unsigned int)v;
		} else if (!strcmp(key, "intervals")) {
			if (dintervals(r))
				return -1;
		} else if (!strcmp(key, "data_source")) {
			if (dws(r) == '"') {
				dgetc(r);
				if (dstring(r, val, sizeof(val), &cut))
					return -1;
				set_source(st, val);
			} else if (dskip(r, 0)) {
				return -1;
			}
		} else if (!strcmp(key, "scheme_filters")) {
			if (dskip_extra(r, DAMONREC_DAMO_SCHEME_FILTERS))
				return -1;
		} else if (dskip(r, 0)) {
			return -1;
		}
		more = dnext(r, '}');
	}
	return more < 0 ? -1 : 0;
}

/* The next record's start: 1 (its snapshots are open), 0 at the end. */
static int drecord(struct damonrec_reader *r)
{
	struct damo_state *st = r->damo;
	int rc, c;

	for (;;) {
		if (!st->first_rec) {
			rc = dnext(r, ']');
			if (rc <= 0) {
				if (rc == 0) {
					st->phase = PH_DONE;
					c = dws(r);
					if (c >= 0)
						return dbad(r, "data after the records");
					if (c == -2)
						return -1;
				}
				return rc;
			}
		}
		st->first_rec = false;
		st->rec_no++;
		st->rec_off = toff(r);
		st->kd = 0;
		st->tid = 0;
		rc = dopen(r, '{');
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		rc = drecord_members(r);
		if (rc)
			return rc;
	}
}

static int dsnapshot(struct damonrec_reader *r)
{
	struct damo_state *st = r->damo;
	struct damonrec_snapshot *s = r->snap;
	struct damonrec_region reg;
	uint64_t v;
	bool null, have_end = false;
	char key[32];
	int more, rm;

	damonrec_snapshot_clear(s);
	s->kdamond = st->kd;
	if (damonrec_snapshot_add_target(s, st->tid) < 0)
		return dr_fail(r, ENOMEM, toff(r), "out of memory");
	more = dopen(r, '{');
	while (more > 0) {
		if (dkey(r, key, sizeof(key)))
			return -1;
		if (!strcmp(key, "start_time")) {
			if (dnum(r, NUM_TIME_NS, "start_time", &v, &null))
				return -1;
			if (!null)
				s->start = (int64_t)v;
		} else if (!strcmp(key, "end_time")) {
			if (dnum(r, NUM_TIME_NS, "end_time", &v, &null))
				return -1;
			s->time = (int64_t)v;
			have_end = !null;
		} else if (!strcmp(key, "regions")) {
			rm = dopen(r, '[');
			while (rm > 0) {
				if (dregion(r, &reg))
					return -1;
				if (s->nr_regions >= DAMO_MAX_REGIONS)
					return dbad(r, "more than %u regions in a snapshot",
						    DAMO_MAX_REGIONS);
				if (dr_snap_reserve(s, 1))
					return dr_fail(r, ENOMEM, toff(r), "out of memory");
				*dr_snap_append(s, 1) = reg;
				rm = dnext(r, ']');
			}
			if (rm < 0)
				return -1;
		} else if (!strcmp(key, "damos_stats")) {
			if (dskip_extra(r, DAMONREC_DAMO_DAMOS_STATS))
				return -1;
		} else if (dskip(r, 0)) {
			return -1;
		}
		more = dnext(r, '}');
	}
	if (more < 0)
		return -1;
	if (!have_end)
		return dbad(r, "a snapshot without its end_time");
	return 0;
}

int dr_damo_open(struct damonrec_reader *r)
{
	struct damo_state *st = calloc(1, sizeof(*st));
	int c;

	if (!st)
		return dr_fail(r, ENOMEM, 0, "out of memory");
	r->damo = st;
	st->first_rec = true;
	st->z = r->fmt == DAMONREC_FORMAT_DAMO;
	if (st->z) {
		st->out = malloc(DAMO_OUT_BUF);
		if (!st->out)
			return dr_fail(r, ENOMEM, 0, "out of memory");
		if (inflateInit(&st->zs) != Z_OK) {
			free(st->out);
			st->out = NULL;
			st->z = false;
			return dr_fail(r, ENOMEM, 0, "out of memory for zlib");
		}
	}
	c = dws(r);
	if (c < 0)
		return dend(r, c);
	if (c != '[')
		return dbad(r, "not a damo record: expected '[', found '%c'", c);
	dgetc(r);
	st->phase = PH_RECORDS;
	if (dws(r) == ']') {
		dgetc(r);
		st->phase = PH_DONE;
		return 0;
	}
	/* Up to the first snapshot: the intervals are known from here on. */
	return drecord(r) < 0 ? -1 : 0;
}

int dr_damo_next(struct damonrec_reader *r)
{
	struct damo_state *st = r->damo;
	int rc;

	for (;;) {
		switch (st->phase) {
		case PH_DONE:
			return 0;
		case PH_RECORDS:
			rc = drecord(r);
			if (rc <= 0)
				return rc;
			break;
		case PH_SNAPS:
			if (!st->first_snap) {
				rc = dnext(r, ']');
				if (rc < 0)
					return -1;
				if (rc == 0) {
					/* The record's members after its snapshots. */
					st->phase = PH_RECORDS;
					rc = dnext(r, '}');
					if (rc < 0)
						return -1;
					if (rc && drecord_members(r) < 0)
						return -1;
					if (st->phase == PH_SNAPS)
						return dbad(r, "a second \"snapshots\" in a record");
					break;
				}
			}
			st->first_snap = false;
			if (dsnapshot(r))
				return -1;
			r->age = st->age_seen;
			return 1;
		default:
			return dbad(r, "bad reader state");
		}
	}
}

const char *dr_damo_source(const struct damonrec_reader *r, unsigned int k,
			   uint64_t id)
{
	const struct damo_state *st = r->damo;
	size_t i;

	if (!st)
		return NULL;
	for (i = 0; i < st->nr_src; i++)
		if (st->src[i].kd == k && st->src[i].id == id)
			return st->src[i].name;
	return NULL;
}

unsigned int dr_damo_dropped(const struct damonrec_reader *r)
{
	return r->damo ? r->damo->dropped : 0;
}
