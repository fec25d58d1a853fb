// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of damon_dyndbg's packing (driver/ddz_codec.c), built for user
 * space from the module's own source: the callsites of a 6.12 kernel
 * (tests/unit/data/ddz-control-6.12.txt, a copy of its
 * /proc/dynamic_debug/control) and random tables pack, decode back to the
 * same text, take a third or less of the kernel's bytes, and corrupt blocks
 * decode to errors, not to crashes.
 */
#include "tap.h"

#include "../../driver/ddz_codec.c"
#include "../../driver/ddz_query.c"
#include "../../driver/ddz_text.c"

#define CORPUS "tests/unit/data/ddz-control-6.12.txt"

struct blocks {
	u32 n, cap;
	u32 *first;
	u8 *data;
};

static int emit(void *ctx, u32 first, u32 nsites, const u8 *data)
{
	struct blocks *b = ctx;

	(void)nsites;
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->first = realloc(b->first, b->cap * sizeof(*b->first));
		b->data = realloc(b->data, (size_t)b->cap * DDZ_OBJ_SIZE);
		if (!b->first || !b->data)
			return -ENOMEM;
	}
	b->first[b->n] = first;
	memcpy(b->data + (size_t)b->n * DDZ_OBJ_SIZE, data, DDZ_OBJ_SIZE);
	b->n++;
	return 0;
}

/* Decode every site back; count those equal to @recs. */
static u32 decode_all(const struct ddz_packed *p, const struct ddz_lut *lut,
		      const struct blocks *b, const struct ddz_rec *recs, u32 n,
		      int *errors)
{
	static char fmt[DDZ_STR_MAX + 1], name[4][DDZ_STR_MAX + 1];
	u32 i, k = 0, same = 0;

	*errors = 0;
	for (i = 0; i < b->n; i++) {
		struct ddz_blkit it;
		int rc = ddz_blk_begin(&it, p, b->data + (size_t)i * DDZ_OBJ_SIZE,
				       DDZ_OBJ_SIZE);

		if (!i)
			k = b->first[0];
		if (rc || b->first[i] != k) {
			(*errors)++;
			continue;
		}
		it.lut = lut;
		while (!(rc = ddz_blk_next(&it))) {
			const struct ddz_rec *r = &recs[k - b->first[0]];
			bool eq;

			if (ddz_blk_format(&it, fmt, sizeof(fmt)) < 0 ||
			    ddz_str_get_lut(p, lut, DDZ_STR_MOD, it.site.mod,
					    name[0], sizeof(name[0])) < 0 ||
			    ddz_str_get_lut(p, lut, DDZ_STR_FILE, it.site.file,
					    name[1], sizeof(name[1])) < 0 ||
			    ddz_str_get_lut(p, lut, DDZ_STR_FUNC, it.site.func,
					    name[2], sizeof(name[2])) < 0 ||
			    (it.site.cls &&
			     ddz_str_get_lut(p, lut, DDZ_STR_CLASS,
					     it.site.cls - 1, name[3],
					     sizeof(name[3])) < 0)) {
				(*errors)++;
				break;
			}
			eq = k - b->first[0] < n && !strcmp(fmt, r->format) &&
			     !strcmp(name[0], r->modname) &&
			     !strcmp(name[1], r->filename) &&
			     !strcmp(name[2], r->function) &&
			     it.site.lineno == r->lineno &&
			     (it.site.cls ? r->class_name &&
			      !strcmp(name[3], r->class_name) : !r->class_name);
			same += eq;
			k++;
		}
		if (rc != -ENOENT)
			(*errors)++;
	}
	return same;
}

static void test_corpus(void)
{
	static struct ddz_rec recs[20000];
	static unsigned int flags[20000];
	struct blocks b = { 0 };
	struct ddz_pack_stats st;
	static struct ddz_lut lut;
	struct ddz_packed p;
	char *text, *line, *next;
	size_t len = 0, cap = 1 << 20;
	u32 n = 0, same;
	double raw, ours;
	FILE *f;
	int errors, rc;

	f = fopen(CORPUS, "r");
	ok(f != NULL, "the corpus %s opens", CORPUS);
	if (!f)
		return;
	text = malloc(cap + 1);
	len = fread(text, 1, cap, f);
	fclose(f);
	text[len] = '\0';
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#')
			continue;
		if (ddz_parse_line(line, &recs[n], &flags[n])) {
			ok(0, "corpus line %u parses", n + 1);
			return;
		}
		n++;
	}
	ok(n > 1000, "the corpus has %u callsites", n);
	rc = ddz_pack(recs, n, &p, emit, &b, &st);
	is_int(rc, 0, "the corpus packs");
	if (rc)
		return;
	same = decode_all(&p, NULL, &b, recs, n, &errors);
	ok(same == n && !errors, "all %u callsites decode back (%u same, %d errors)",
	   n, same, errors);
	ddz_lut_build(&p.model, &lut);
	same = decode_all(&p, &lut, &b, recs, n, &errors);
	ok(same == n && !errors,
	   "and through the decoding tables (%u same, %d errors)", same, errors);

	/*
	 * Memory as damon_dyndbg counts it: pool objects two to a page, the
	 * resident blob, a flag byte per site and 12 bytes per block.
	 */
	raw = 56.0 * n + st.raw_strings;
	ours = b.n * 2048.0 + p.blob_size + n + 12.0 * b.n;
	printf("# corpus: %u sites, %u blocks, model %llu B, names %llu B, "
	       "headers %llu B, formats %llu B\n", n, b.n,
	       (unsigned long long)st.model_bytes,
	       (unsigned long long)st.str_bytes,
	       (unsigned long long)st.meta_bytes,
	       (unsigned long long)st.fmt_bytes);
	printf("# corpus: %.1f bytes/site against the kernel's %.1f (ratio %.3f)\n",
	       ours / n, raw / n, ours / raw);
	ok(ours * 3 <= raw, "the corpus takes a third or less of the kernel's bytes");
	ok(p.max_len < DDZ_STR_MAX, "longest string %u", p.max_len);

	/* every interned name comes back through the iterator too */
	{
		struct ddz_strit sit;
		char buf[DDZ_STR_MAX + 1];
		u32 cnt = 0;

		ddz_strit_begin(&sit, &p, DDZ_STR_FUNC);
		while (ddz_strit_next(&sit, buf, sizeof(buf)) >= 0)
			cnt++;
		is_int(cnt, p.strs[DDZ_STR_FUNC].count,
		       "the function names iterate (%u)", cnt);
		ok(ddz_str_get(&p, DDZ_STR_FUNC, cnt, buf, sizeof(buf)) == -ENOENT,
		   "a name index past the end is -ENOENT");
		ok(ddz_str_get(&p, DDZ_STR_FUNC, 0, buf, 4) == -E2BIG &&
		   strlen(buf) == 3, "a short buffer gets a truncated name");
	}

	/* corrupt blocks: errors or garbage, never a crash (ASan checks) */
	{
		u32 seed = 12345, i, j;
		int bad = 0;

		for (i = 0; i < 300; i++) {
			u8 *blk = b.data + (size_t)(i % b.n) * DDZ_OBJ_SIZE;
			u8 save[DDZ_OBJ_SIZE];

			memcpy(save, blk, DDZ_OBJ_SIZE);
			for (j = 0; j < 1 + i % 8; j++) {
				seed = seed * 1103515245 + 12345;
				blk[(seed >> 8) % (i < 100 ? 64 : DDZ_OBJ_SIZE)] ^=
					1 << (seed % 8);
			}
			{
				struct blocks one = {
					.n = 1, .first = &b.first[i % b.n],
					.data = blk,
				};

				decode_all(&p, i % 2 ? &lut : NULL, &one,
					   recs + one.first[0],
					   n - one.first[0], &errors);
			}
			bad += errors != 0;
			memcpy(blk, save, DDZ_OBJ_SIZE);
		}
		ok(bad > 0, "corrupt blocks are detected (%d of 300 runs)", bad);
	}
	ddz_packed_free(&p);
	free(b.first);
	free(b.data);
	free(text);
}

static u32 rnd_state = 1;

static u32 rnd(u32 n)
{
	rnd_state = rnd_state * 1664525 + 1013904223;
	return (rnd_state >> 8) % n;
}

/* Strings of the current round, freed at its end. */
static char *owned[20000];
static u32 nowned;

static char *rnd_str(u32 maxlen, bool any_byte)
{
	u32 len = rnd(maxlen + 1), i;
	char *s = malloc(len + 1);

	owned[nowned++] = s;
	for (i = 0; i < len; i++)
		s[i] = any_byte ? (char)(1 + rnd(255)) : "abc%sd\n _"[rnd(9)];
	s[len] = '\0';
	return s;
}

/* Random tables: names shared or not, any bytes, long strings, classes. */
static void test_random(void)
{
	u32 round, fails = 0, tables = 0;

	for (round = 0; round < 40; round++) {
		/* small tables, large ones, and some with long strings */
		u32 n = 1 + rnd(round < 20 ? 50 : round % 3 ? 3000 : 300), i, same;
		struct ddz_rec *recs = calloc(n, sizeof(*recs));
		char **pool = calloc(8, sizeof(char *));
		struct blocks b = { 0 };
		struct ddz_pack_stats st;
		struct ddz_packed p;
		int errors, rc;

		for (i = 0; i < 8; i++)
			pool[i] = rnd_str(40, round % 2);
		for (i = 0; i < n; i++) {
			recs[i].modname = rnd(4) ? pool[rnd(3)] : rnd_str(30, true);
			recs[i].filename = rnd(3) ? pool[3 + rnd(2)] : rnd_str(60, false);
			recs[i].function = rnd(2) ? pool[5 + rnd(2)] : rnd_str(30, true);
			recs[i].format = rnd(20) ? rnd_str(round % 3 ? 80 : 1000,
							   round % 2) : pool[7];
			recs[i].class_name = round % 5 == 0 && rnd(2) ?
					     pool[rnd(2)] : NULL;
			recs[i].lineno = rnd(3) ? rnd(5000) : rnd_state;
		}
		rc = ddz_pack(recs, n, &p, emit, &b, &st);
		if (rc) {
			fails++;
			printf("# round %u: pack failed %d\n", round, rc);
		} else {
			static struct ddz_lut rl;

			ddz_lut_build(&p.model, &rl);
			same = decode_all(&p, round % 2 ? &rl : NULL, &b, recs,
					  n, &errors);
			if (same != n || errors) {
				fails++;
				printf("# round %u: %u of %u same, %d errors\n",
				       round, same, n, errors);
			}
			ddz_packed_free(&p);
		}
		tables++;
		while (nowned)
			free(owned[--nowned]);
		free(b.first);
		free(b.data);
		free(recs);
		free(pool);
	}
	is_int(fails, 0, "%u random tables pack and decode back", tables);
}

static void test_limits(void)
{
	static char big[DDZ_STR_MAX + 2];
	struct ddz_rec r = { "m", "f.c", "fn", big, NULL, 1 };
	struct blocks b = { 0 };
	struct ddz_pack_stats st;
	struct ddz_packed p;

	memset(big, 'x', DDZ_STR_MAX + 1);
	is_int(ddz_pack(&r, 1, &p, emit, &b, &st), -E2BIG,
	       "a string over %d bytes is -E2BIG", DDZ_STR_MAX);
	big[DDZ_STR_MAX] = '\0';
	is_int(ddz_pack(&r, 1, &p, emit, &b, &st), 0,
	       "a string of %d bytes packs", DDZ_STR_MAX);
	ddz_packed_free(&p);
	is_int(ddz_pack(&r, 0, &p, emit, &b, &st), -EINVAL,
	       "an empty table is -EINVAL");
	r.format = NULL;
	is_int(ddz_pack(&r, 1, &p, emit, &b, &st), -EINVAL,
	       "a missing string is -EINVAL");
	free(b.first);
	free(b.data);
}

int main(void)
{
	test_corpus();
	test_random();
	test_limits();
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}
