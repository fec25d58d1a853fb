// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reader of the JSON record: a streaming tokenizer that hands out one
 * snapshot of the "snapshots" array at a time.  Numbers are parsed as exact
 * 64-bit integers; fractions and exponents are refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define JSON_MAX_DEPTH	256
#define JSON_KEY_MAX	32

struct json_state {
	bool in_snaps;		/* inside the "snapshots" array */
	bool first_snap;
	bool top_sep;		/* a member was read: ',' or '}' comes next */
	bool finished;		/* the record's closing '}' was read */
	uint64_t ctx_off;	/* where the value being parsed began */
	const char *ctx;	/* "json snapshot", "json record" */
	unsigned char stack[JSON_MAX_DEPTH];
};

void dr_json_free(struct damonrec_reader *r)
{
	free(r->json);
	r->json = NULL;
}

static int DR_PRINTF(3, 4) jbad(struct damonrec_reader *r, uint64_t at,
				const char *fmt, ...)
{
	struct json_state *st = r->json;
	char detail[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return dr_fail(r, EBADMSG, st->ctx_off,
		       "%s at offset %llu: %s at offset %llu", st->ctx,
		       (unsigned long long)st->ctx_off, detail,
		       (unsigned long long)at);
}

/* A getc() result below 0: end of input (truncation) or a read error. */
static int jend(struct damonrec_reader *r, int c)
{
	struct json_state *st = r->json;

	if (c == -2)
		return -1;
	return dr_fail(r, ENODATA, st->ctx_off,
		       "%s at offset %llu: file ends inside it", st->ctx,
		       (unsigned long long)st->ctx_off);
}

/* Skip whitespace; returns the next byte without consuming it. */
static int ws(struct damonrec_reader *r)
{
	int c;

	for (;;) {
		c = dr_getc(r);
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
	}
	if (c >= 0)
		r->pos--;
	return c;
}

/* Expect @ch after optional whitespace. */
static int expect(struct damonrec_reader *r, int ch, const char *what)
{
	int c = ws(r);

	if (c < 0)
		return jend(r, c);
	if (c != ch)
		return jbad(r, dr_off(r), "expected %s", what);
	r->pos++;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Read a string whose opening quote is next.  Keeps up to @cap - 1 bytes
 * in @out (if given); *@fits is false when it was longer.
 */
static int read_string(struct damonrec_reader *r, char *out, size_t cap,
		       bool *fits)
{
	size_t n = 0;
	bool ok = true;
	int c;

	r->pos++;	/* the quote, already peeked */
	for (;;) {
		uint64_t at = dr_off(r);

		c = dr_getc(r);
		if (c < 0)
			return jend(r, c);
		if (c == '"')
			break;
		if (c < 0x20)
			return jbad(r, at, "control character in a string");
		if (c == '\\') {
			c = dr_getc(r);
			if (c < 0)
				return jend(r, c);
			switch (c) {
			case '"': case '\\': case '/':
				break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned int v = 0, i;

				for (i = 0; i < 4; i++) {
					int h = dr_getc(r);

					if (h < 0)
						return jend(r, h);
					if (hexval(h) < 0)
						return jbad(r, at, "bad \\u escape");
					v = v << 4 | (unsigned int)hexval(h);
				}
				c = v < 0x80 ? (int)v : '?';
				break;
			}
			default:
				return jbad(r, at, "bad escape \\%c", c);
			}
		}
		if (out && n + 1 < cap)
			out[n++] = (char)c;
		else
			ok = false;
	}
	if (out)
		out[n] = '\0';
	if (fits)
		*fits = ok;
	return 0;
}

static int read_key(struct damonrec_reader *r, char *key)
{
	bool fits;
	int c = ws(r);

	if (c < 0)
		return jend(r, c);
	if (c != '"')
		return jbad(r, dr_off(r), "expected a member name");
	if (read_string(r, key, JSON_KEY_MAX, &fits))
		return -1;
	if (!fits)
		key[0] = '\0';	/* too long to be one we know */
	return expect(r, ':', "':'");
}

/* Exact unsigned integer; @neg_ok allows a '-' (magnitude in *@mag). */
static int read_num(struct damonrec_reader *r, bool neg_ok, bool *neg,
		    uint64_t *mag, const char *what)
{
	uint64_t v = 0, at;
	int c = ws(r), digits = 0;

	if (c < 0)
		return jend(r, c);
	at = dr_off(r);
	*neg = false;
	if (c == '-') {
		if (!neg_ok)
			return jbad(r, at, "%s must not be negative", what);
		*neg = true;
		r->pos++;
	}
	for (;;) {
		c = dr_getc(r);
		if (c < '0' || c > '9')
			break;
		if (digits == 1 && v == 0)
			return jbad(r, at, "%s has a leading zero", what);
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(c - '0'), &v))
			return jbad(r, at, "%s does not fit in 64 bits", what);
		digits++;
	}
	if (c == -2)
		return -1;
	if (c >= 0)
		r->pos--;
	if (!digits) {
		if (c < 0)
			return jend(r, c);
		return jbad(r, at, "%s is not an integer", what);
	}
	if (c == '.' || c == 'e' || c == 'E')
		return jbad(r, at, "%s is not an integer", what);
	*mag = v;
	return 0;
}

static int read_u64(struct damonrec_reader *r, uint64_t *v, uint64_t max,
		    const char *what)
{
	uint64_t at = dr_off(r);
	bool neg;

	if (read_num(r, false, &neg, v, what))
		return -1;
	if (*v > max)
		return jbad(r, at, "%s %llu is too large", what,
			    (unsigned long long)*v);
	return 0;
}

static int read_i64(struct damonrec_reader *r, int64_t *v, const char *what)
{
	uint64_t mag, at = dr_off(r);
	bool neg;

	if (read_num(r, true, &neg, &mag, what))
		return -1;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return jbad(r, at, "%s does not fit in 64 bits", what);
		*v = (int64_t)(0 - mag);
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return jbad(r, at, "%s does not fit in 64 bits", what);
		*v = (int64_t)mag;
	}
	return 0;
}

static int skip_literal(struct damonrec_reader *r)
{
	static const char *const lits[] = { "true", "false", "null" };
	uint64_t at = dr_off(r);
	int c = dr_peekc(r);
	size_t i, j;

	for (i = 0; i < 3; i++) {
		if (c != lits[i][0])
			continue;
		for (j = 0; lits[i][j]; j++) {
			c = dr_getc(r);
			if (c < 0)
				return jend(r, c);
			if (c != lits[i][j])
				return jbad(r, at, "expected a value");
		}
		return 0;
	}
	return jbad(r, at, "expected a value");
}

static int skip_number(struct damonrec_reader *r)
{
	int c;

	for (;;) {
		c = dr_getc(r);
		if (c <= 0 || !strchr("+-.eE0123456789", c))
			break;
	}
	if (c == -2)
		return -1;
	if (c >= 0)
		r->pos--;
	return 0;
}

/* Skip any JSON value (members we do not know). */
static int skip_value(struct damonrec_reader *r)
{
	struct json_state *st = r->json;
	unsigned int depth = 0;
	bool want_value = true;
	int c;

	for (;;) {
		if (want_value) {
			c = ws(r);
			if (c < 0)
				return jend(r, c);
			want_value = false;
			if (c == '{' || c == '[') {
				if (depth == JSON_MAX_DEPTH)
					return jbad(r, dr_off(r),
						    "nesting deeper than %d",
						    JSON_MAX_DEPTH);
				st->stack[depth++] = (unsigned char)c;
				r->pos++;
				c = ws(r);
				if (c < 0)
					return jend(r, c);
				if (c == (st->stack[depth - 1] == '{' ? '}' : ']')) {
					r->pos++;
					depth--;
				} else if (st->stack[depth - 1] == '{') {
					char key[JSON_KEY_MAX];

					if (read_key(r, key))
						return -1;
					want_value = true;
					continue;
				} else {
					want_value = true;
					continue;
				}
			} else if (c == '"') {
				if (read_string(r, NULL, 0, NULL))
					return -1;
			} else if (c == '-' || (c >= '0' && c <= '9')) {
				if (skip_number(r))
					return -1;
			} else if (skip_literal(r)) {
				return -1;
			}
		}
		/* A value ended. */
		if (!depth)
			return 0;
		c = ws(r);
		if (c < 0)
			return jend(r, c);
		if (c == ',') {
			r->pos++;
			if (st->stack[depth - 1] == '{') {
				char key[JSON_KEY_MAX];

				if (read_key(r, key))
					return -1;
			}
			want_value = true;
		} else if (c == (st->stack[depth - 1] == '{' ? '}' : ']')) {
			r->pos++;
			depth--;
		} else {
			return jbad(r, dr_off(r), "expected ',' or '%c'",
				    st->stack[depth - 1] == '{' ? '}' : ']');
		}
	}
}

/*
 * Iterate over the elements of an array whose '[' is next: *@first is set
 * on entry; returns 1 when an element follows, 0 at ']'.
 */
static int array_next(struct damonrec_reader *r, bool *first)
{
	int c = ws(r);

	if (c < 0)
		return jend(r, c);
	if (c == ']') {
		r->pos++;
		return 0;
	}
	if (!*first) {
		if (c != ',')
			return jbad(r, dr_off(r), "expected ',' or ']'");
		r->pos++;
	}
	*first = false;
	return 1;
}

/*
 * Iterate over the members of an object whose '{' was consumed: returns 1
 * with the name in @key, 0 at '}'.
 */
static int object_next(struct damonrec_reader *r, bool *first, char *key)
{
	int c = ws(r);

	if (c < 0)
		return jend(r, c);
	if (c == '}') {
		r->pos++;
		return 0;
	}
	if (!*first) {
		if (c != ',')
			return jbad(r, dr_off(r), "expected ',' or '}'");
		r->pos++;
	}
	*first = false;
	if (read_key(r, key))
		return -1;
	return 1;
}

static int read_region(struct damonrec_reader *r, struct damonrec_snapshot *s)
{
	struct damonrec_region reg = { 0, 0, 0, 0 };
	uint64_t at, v[4] = { 0, 0, 0, 0 };
	static const char *const names[] = {
		"region start", "region end", "nr_accesses", "age"
	};
	bool first = true;
	int n = 0, rc;

	if (expect(r, '[', "'[' to open a region"))
		return -1;
	at = dr_off(r) - 1;
	while ((rc = array_next(r, &first)) == 1) {
		if (n == 4)
			return jbad(r, dr_off(r), "region has more than 4 numbers");
		if (read_u64(r, &v[n], n < 2 ? UINT64_MAX : UINT32_MAX,
			     names[n]))
			return -1;
		n++;
	}
	if (rc < 0)
		return -1;
	if (n < 3)
		return jbad(r, at, "region has %d numbers, needs 3 or 4", n);
	if (v[1] < v[0])
		return jbad(r, at, "region ends before it starts");
	reg.start = v[0];
	reg.end = v[1];
	reg.nr_accesses = (uint32_t)v[2];
	reg.age = (uint32_t)v[3];
	if (dr_snap_reserve(s, 1))
		return dr_snap_fail(r, r->json->ctx_off);
	*dr_snap_append(s, 1) = reg;
	return 0;
}

static int read_target(struct damonrec_reader *r, struct damonrec_snapshot *s)
{
	char key[JSON_KEY_MAX];
	bool first = true;
	int ti, rc;

	if (expect(r, '{', "'{' to open a target"))
		return -1;
	ti = damonrec_snapshot_add_target(s, 0);
	if (ti < 0)
		return dr_snap_fail(r, r->json->ctx_off);
	while ((rc = object_next(r, &first, key)) == 1) {
		if (!strcmp(key, "id")) {
			if (read_u64(r, &s->targets[ti].id, UINT64_MAX,
				     "target id"))
				return -1;
		} else if (!strcmp(key, "regions")) {
			bool rfirst = true;

			if ((size_t)ti + 1 != s->nr_targets)
				return jbad(r, dr_off(r), "regions inside regions");
			if (expect(r, '[', "'[' to open the regions"))
				return -1;
			while ((rc = array_next(r, &rfirst)) == 1)
				if (read_region(r, s))
					return -1;
			if (rc < 0)
				return -1;
		} else if (skip_value(r)) {
			return -1;
		}
	}
	return rc;
}

static int read_snapshot(struct damonrec_reader *r)
{
	struct damonrec_snapshot *s = r->snap;
	char key[JSON_KEY_MAX];
	bool first = true;
	uint64_t v;
	int rc;

	damonrec_snapshot_clear(s);
	if (expect(r, '{', "'{' to open a snapshot"))
		return -1;
	while ((rc = object_next(r, &first, key)) == 1) {
		if (!strcmp(key, "time_ns")) {
			if (read_i64(r, &s->time, "time_ns"))
				return -1;
		} else if (!strcmp(key, "kdamond")) {
			if (read_u64(r, &v, UINT32_MAX, "kdamond"))
				return -1;
			s->kdamond = (unsigned int)v;
		} else if (!strcmp(key, "lost_before")) {
			if (read_u64(r, &s->lost_before, UINT64_MAX,
				     "lost_before"))
				return -1;
		} else if (!strcmp(key, "targets")) {
			bool tfirst = true;

			if (expect(r, '[', "'[' to open the targets"))
				return -1;
			while ((rc = array_next(r, &tfirst)) == 1)
				if (read_target(r, s))
					return -1;
			if (rc < 0)
				return -1;
		} else if (skip_value(r)) {
			return -1;
		}
	}
	return rc;
}

static int read_intervals(struct damonrec_reader *r)
{
	char key[JSON_KEY_MAX];
	bool first = true;
	uint64_t *dst;
	int rc;

	if (expect(r, '{', "'{' to open the intervals"))
		return -1;
	while ((rc = object_next(r, &first, key)) == 1) {
		dst = !strcmp(key, "sample_us") ? &r->iv.sample_us :
		      !strcmp(key, "aggr_us") ? &r->iv.aggr_us :
		      !strcmp(key, "update_us") ? &r->iv.update_us : NULL;
		if (dst ? read_u64(r, dst, UINT64_MAX, key) : skip_value(r))
			return -1;
	}
	return rc;
}

/* After the top-level object: only whitespace may follow. */
static int finish(struct damonrec_reader *r)
{
	int c = ws(r);

	if (c == -2)
		return -1;
	if (c >= 0)
		return jbad(r, dr_off(r), "data after the end of the record");
	r->json->finished = true;
	return 0;
}

/*
 * Read top-level members up to the start of the snapshots array (returns 1)
 * or the end of the record (returns 0).
 */
static int top_members(struct damonrec_reader *r)
{
	struct json_state *st = r->json;
	char key[JSON_KEY_MAX], str[JSON_KEY_MAX];
	uint64_t v, at;
	int c;

	for (;;) {
		st->ctx = "json record";
		st->ctx_off = dr_off(r);
		c = ws(r);
		if (c < 0)
			return jend(r, c);
		st->ctx_off = dr_off(r);
		if (c == '}') {
			r->pos++;
			return finish(r);
		}
		if (st->top_sep) {
			if (c != ',')
				return jbad(r, dr_off(r), "expected ',' or '}'");
			r->pos++;
		}
		st->top_sep = true;
		if (read_key(r, key))
			return -1;
		if (!strcmp(key, "snapshots")) {
			if (expect(r, '[', "'[' to open the snapshots"))
				return -1;
			st->in_snaps = true;
			st->first_snap = true;
			return 1;
		} else if (!strcmp(key, "format")) {
			bool fits;

			c = ws(r);
			at = dr_off(r);
			if (c != '"')
				return c < 0 ? jend(r, c) :
					jbad(r, at, "format is not a string");
			if (read_string(r, str, sizeof(str), &fits))
				return -1;
			if (!fits || strcmp(str, "damonrec"))
				return jbad(r, at, "not a damonrec record (format \"%s\")",
					    str);
		} else if (!strcmp(key, "version")) {
			at = dr_off(r);
			if (read_u64(r, &v, UINT64_MAX, "version"))
				return -1;
			if (v != 1)
				return jbad(r, at, "unsupported JSON record version %llu",
					    (unsigned long long)v);
		} else if (!strcmp(key, "intervals")) {
			if (read_intervals(r))
				return -1;
		} else if (!strcmp(key, "start_ns")) {
			if (read_i64(r, &r->start_ns, "start_ns"))
				return -1;
			r->start_known = true;
		} else if (skip_value(r)) {
			return -1;
		}
	}
}

int dr_json_open(struct damonrec_reader *r)
{
	struct json_state *st = calloc(1, sizeof(*st));

	if (!st)
		return dr_fail(r, ENOMEM, 0, "out of memory");
	r->json = st;
	st->ctx = "json record";
	st->ctx_off = dr_off(r);
	if (expect(r, '{', "'{' to open the record"))
		return -1;
	return top_members(r) < 0 ? -1 : 0;
}

int dr_json_next(struct damonrec_reader *r)
{
	struct json_state *st = r->json;
	int c, rc;

	for (;;) {
		if (st->finished)
			return 0;
		if (!st->in_snaps) {
			rc = top_members(r);
			if (rc <= 0)
				return rc;
			continue;
		}
		st->ctx = "json snapshot";
		st->ctx_off = dr_off(r);
		c = ws(r);
		if (c < 0)
			return jend(r, c);
		if (c == ']') {
			r->pos++;
			st->in_snaps = false;
			continue;
		}
		if (!st->first_snap) {
			if (c != ',')
				return jbad(r, dr_off(r), "expected ',' or ']'");
			r->pos++;
			c = ws(r);
			if (c < 0) {
				st->ctx_off = dr_off(r);
				return jend(r, c);
			}
		}
		st->first_snap = false;
		st->ctx_off = dr_off(r);
		return read_snapshot(r) < 0 ? -1 : 1;
	}
}
