// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of damon_dyndbg's query parser (driver/ddz_query.c) and
 * control-file text (driver/ddz_text.c), built for user space from the
 * module's own sources.  The expected results are those of Linux 6.12's
 * /proc/dynamic_debug/control, which tests/vm/dyndbg-parity.bats checks
 * in the VM.
 */
#include "tap.h"

#include "../../driver/ddz_query.c"
#include "../../driver/ddz_text.c"

/* A small table to apply queries to, as the store does. */
struct site {
	const char *mod, *file, *func, *fmt, *cls;
	unsigned int line;
	unsigned int flags;
};

static struct site sites[] = {
	{ "main", "init/main.c", "initcall_blacklist",
	  "blacklisting initcall %s\n", NULL, 1161, 0 },
	{ "main", "init/main.c", "run_init_process",
	  "  with arguments:\n", NULL, 1395, 0 },
	{ "main", "init/main.c", "run_init_process",
	  "  with environment:\n", NULL, 1398, 0 },
	{ "main", "kernel/module/main.c", "find_symbol",
	  "Failed to find symbol %s\n", NULL, 340, 0 },
	{ "main", "drivers/base/power/main.c", "device_pm_move_before",
	  "Moving %s:%s before %s:%s\n", NULL, 174, 0 },
	{ "irqdomain", "kernel/irq/irqdomain.c", "irq_domain_remove",
	  "Removed domain %s\n", NULL, 408, 0 },
	{ "firmware_class", "drivers/base/firmware_loader/main.c",
	  "fw_set_page_data", "%s: fw-%s fw_priv=%p data=%p size=%u\n",
	  NULL, 618, 0 },
	{ "integrity", "security/integrity/digsig_asymmetric.c",
	  "request_asymmetric_key", "key search: \"%s\"\n", NULL, 29, 0 },
	{ "drm", "drivers/gpu/drm/drm_print.c", "drm_dbg_x",
	  "\t0x%08x\n", "DRM_UT_CORE", 77, 0 },
	{ "drm", "drivers/gpu/drm/drm_print.c", "drm_dbg_y",
	  "kms %d\n", "DRM_UT_KMS", 78, 0 },
};

#define NSITES (int)(sizeof(sites) / sizeof(sites[0]))

static int applied;

static int apply(void *ctx, const struct ddz_query *q,
		 const struct ddz_flag_settings *m)
{
	int i, n = 0;

	(void)ctx;
	applied++;
	for (i = 0; i < NSITES; i++) {
		struct site *s = &sites[i];

		if (q->class_string ? !s->cls || strcmp(s->cls, q->class_string) :
		    s->cls != NULL)
			continue;
		if (!ddz_match_module(q, s->mod) || !ddz_match_file(q, s->file) ||
		    !ddz_match_function(q, s->func) ||
		    !ddz_match_format(q, s->fmt) || !ddz_match_line(q, s->line))
			continue;
		n++;
		s->flags = ddz_new_flags(s->flags, m);
	}
	return n;
}

static void reset(void)
{
	int i;

	for (i = 0; i < NSITES; i++)
		sites[i].flags = 0;
}

/* Which sites have DDZ_F_PRINT, as a bit mask by index. */
static unsigned int printing(void)
{
	unsigned int mask = 0;
	int i;

	for (i = 0; i < NSITES; i++)
		if (sites[i].flags & DDZ_F_PRINT)
			mask |= 1U << i;
	return mask;
}

static int run(const char *q)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "%s", q);
	return ddz_exec_queries(buf, NULL, apply, NULL);
}

/* A match specification: reset, apply "SPEC =p", check result and sites. */
static void spec(const char *s, int want_rc, unsigned int want_mask)
{
	char q[4096];
	int rc;

	reset();
	snprintf(q, sizeof(q), "%s =p", s);
	rc = run(q);
	ok(rc == want_rc && printing() == want_mask,
	   "'%s': returns %d (got %d), selects 0x%x (got 0x%x)", s, want_rc,
	   rc, want_mask, printing());
}

static void test_specs(void)
{
	spec("func run_init_process", 2, 0x6);
	spec("func run_init*", 2, 0x6);
	spec("func ?un_init_process", 2, 0x6);
	spec("func *", 8, 0xff);
	spec("func nosuch", 0, 0);
	spec("module main", 5, 0x1f);
	spec("module m?in", 5, 0x1f);
	spec("module irq*", 1, 0x20);
	spec("file init/main.c", 3, 0x7);
	spec("file main.c", 6, 0x5f);
	spec("file module/main.c", 0, 0);
	spec("file *module/main.c", 1, 0x8);
	spec("file init/main.c:run_init*", 2, 0x6);
	spec("file init/main.c:1395-1397", 1, 0x2);
	spec("file main.c:1161", 1, 0x1);
	spec("file main.c:", 6, 0x5f);
	spec("file main.c:-400", 2, 0x18);
	spec("file main.c func initcall_blacklist", 1, 0x1);
	spec("file x.c:_foo", -EINVAL, 0);
	spec("file a.c:foo func b", -EINVAL, 0);
	spec("file main.c:20-10", -EINVAL, 0);
	spec("line 1-200", 2, 0x90);
	spec("line 600-", 4, 0x47);
	spec("line -100", 1, 0x80);
	spec("line 1395", 1, 0x2);
	spec("line 0", 8, 0xff);
	spec("line -", 8, 0xff);
	spec("line +1395", 1, 0x2);
	spec("line 0 line 1395", 1, 0x2);
	spec("line 4294967295", 0, 0);
	spec("line 5-3", -EINVAL, 0);
	spec("line 0x10", -EINVAL, 0);
	spec("line 4294967296", -EINVAL, 0);
	spec("line 1 line 2", -EINVAL, 0);
	spec("format \"with environment\"", 1, 0x4);
	spec("format 'with arguments'", 1, 0x2);
	spec("format with\\040environment", 1, 0x4);
	spec("format ^Moving", 1, 0x10);
	spec("format ^oving", 0, 0);
	spec("format '^%s: fw'", 1, 0x40);
	spec("format 'key search: \"%s\"'", 1, 0x80);
	spec("format \\t0x", 0, 0);
	spec("format ''", 8, 0xff);
	spec("format ^", 8, 0xff);
	spec("format \\0", 8, 0xff);
	spec("format \\101ppArmor", 0, 0);
	spec("format \\106ailed", 1, 0x8);
	spec("format \"abc", -EINVAL, 0);
	spec("class DRM_UT_CORE", 1, 0x100);
	spec("class DRM_UT_KMS module drm", 1, 0x200);
	spec("class nosuch", 0, 0);
	spec("format \\t0x class DRM_UT_CORE", 1, 0x100);
	spec("func a func b", -EINVAL, 0);
	spec("class a class b", -EINVAL, 0);
	spec("module", -EINVAL, 0);
	spec("frob x", -EINVAL, 0);
	spec("module main func run_init_process line 1395-1400 file init/main.c",
	     2, 0x6);
	spec("module main func a line 1 file b format c", -EINVAL, 0);
	spec("func\xa0run_init_process", 2, 0x6);
}

static void test_flags(void)
{
	char fb[DDZ_FLAGSBUF];
	unsigned int f;

	reset();
	is_int(run("func run_init_process +pmfslt"), 2, "+pmfslt matches 2");
	ok(!strcmp(ddz_describe_flags(sites[1].flags, fb), "pmfslt"),
	   "flags print as pmfslt (%s)", fb);
	is_int(run("func run_init_process -mf"), 2, "-mf matches 2");
	ok(!strcmp(ddz_describe_flags(sites[1].flags, fb), "pslt"),
	   "-mf leaves pslt (%s)", fb);
	is_int(run("func run_init_process ="), 2, "'=' is accepted");
	ok(sites[1].flags == 0, "'=' clears every flag");
	ok(!strcmp(ddz_describe_flags(0, fb), "_"), "no flag prints as _");
	is_int(run("func run_init_process =_p"), 2, "=_p is accepted");
	ok(sites[1].flags == DDZ_F_PRINT, "=_p sets p alone");
	is_int(run("func run_init_process +"), 2, "'+' changes nothing");
	ok(sites[1].flags == DDZ_F_PRINT, "'+' kept the flags");
	is_int(run("func run_init_process +x"), -EINVAL, "+x is an unknown flag");
	is_int(run("func run_init_process p"), -EINVAL, "flags need an operator");
	is_int(run("func run_init_process ++p"), -EINVAL, "++p is refused");
	is_int(run("func run_init_process +P"), -EINVAL, "flags are lower case");
	is_int(run("func run_init_process"), -EINVAL, "a query needs flags");
	is_int(run("func run_init_process -p#c"), -EINVAL,
	       "'#' glued to the flags is a flag");
	is_int(run("func run_init_process -p #c"), 2, "a trailing comment");
	is_int(run("func run_init_process +\xa0p"), -EINVAL,
	       "0xa0 is a space: '+' and 'p' are two words");
	ok(!ddz_flags_from_string("pmf", &f) && f == 7, "pmf parses");
	ok(ddz_flags_from_string("", &f) == -EINVAL, "empty flags do not");
	ok(ddz_flags_from_string("px", &f) == -EINVAL, "px does not");
}

static void test_multi(void)
{
	reset();
	is_int(run("func run_init_process +p; func initcall_blacklist +f"), 3,
	       "two queries: the matches add up");
	is_int(run("func run_init_process -p\nfunc initcall_blacklist -f\n"),
	       3, "newlines separate queries");
	reset();
	applied = 0;
	is_int(run("func run_init_process +p;func bad +x;func initcall_blacklist +l"),
	       -EINVAL, "a bad query in the middle: -EINVAL");
	is_int(applied, 2, "the good queries around it were applied");
	ok(sites[1].flags == DDZ_F_PRINT && sites[0].flags == DDZ_F_LINENO,
	   "their flags were set");
	is_int(run("# a comment"), 0, "a comment only: 0");
	is_int(run(" ; ;\n \t\n"), 0, "blank queries: 0");
	is_int(run("func \"unclosed +p"), -EINVAL, "unclosed double quote");
	is_int(run("func 'unclosed +p"), -EINVAL, "unclosed single quote");
	is_int(run("a b c d e f g h i j +p"), -EINVAL, "eleven words");
	is_int(run("a b c d e f g h +p"), -EINVAL,
	       "nine words with unknown keywords");
}

static void test_wildcard(void)
{
	ok(ddz_match_wildcard("*", ""), "* matches empty");
	ok(ddz_match_wildcard("", ""), "empty matches empty");
	ok(!ddz_match_wildcard("", "a"), "empty does not match a");
	ok(!ddz_match_wildcard("?", ""), "? needs a character");
	ok(ddz_match_wildcard("a*b*c", "aXbYc"), "a*b*c");
	ok(ddz_match_wildcard("*abc", "ababc"), "*abc backtracks");
	ok(!ddz_match_wildcard("a*b", "acbx"), "a*b does not match acbx");
	ok(ddz_match_wildcard("**", "x"), "** matches");
	ok(ddz_match_wildcard("a?c*", "abcdef"), "a?c*");
}

static void test_text(void)
{
	const char *lines[] = {
		"init/main.c:1395 [main]run_init_process =p \"  with arguments:\\n\"",
		"a/b.c:29 [integrity]f =pmfslt \"key search: \"%s\"\\n\"",
		"x.c:1 [m]g =_ \"\\ttab\\rcr\"",
		"drivers/gpu/drm/drm_print.c:77 [drm]drm_dbg_x =p \"%s\\n\" class:DRM_UT_CORE",
		"a:b.c:12 [m]f =_ \"colon in the file name\"",
		"y.c:3 [m]f =_ \"\"",
	};
	const char *bad[] = {
		"", "# filename:lineno [module]function flags format",
		"x.c [m]f =_ \"a\"", "x.c:1 [m]f =_ \"a", "x.c:1 [m]f =x \"a\"",
		"x.c:1x [m]f =_ \"a\"", "x.c:1 m]f =_ \"a\"", "x.c:1 [m]f _ \"a\"",
		"x.c:1 [m]f =_ \"a\" class:", "x.c:1 [m]f =_ \"a\" extra",
		"x.c:99999999999 [m]f =_ \"a\"", "x.c:1 []f =_ \"a\"",
	};
	char copy[512], out[DDZ_LINE_MAX];
	struct ddz_rec r;
	unsigned int f;
	size_t i;
	int len;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(copy, sizeof(copy), "%s", lines[i]);
		len = ddz_parse_line(copy, &r, &f);
		ok(len == 0, "line %zu parses", i);
		len = ddz_format_line(out, sizeof(out), &r, f);
		ok(len > 0 && out[len - 1] == '\n' &&
		   !strncmp(out, lines[i], len - 1) &&
		   (size_t)len == strlen(lines[i]) + 1,
		   "line %zu prints back the same", i);
	}
	snprintf(copy, sizeof(copy), "%s", lines[2]);
	ddz_parse_line(copy, &r, &f);
	ok(!strcmp(r.format, "\ttab\rcr") && r.lineno == 1 && f == 0,
	   "escapes are undone");
	snprintf(copy, sizeof(copy), "%s", lines[4]);
	ddz_parse_line(copy, &r, &f);
	ok(!strcmp(r.filename, "a:b.c") && r.lineno == 12,
	   "the line number follows the last colon");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(copy, sizeof(copy), "%s", bad[i]);
		is_int(ddz_parse_line(copy, &r, &f), -EINVAL,
		       "bad line %zu is refused", i);
	}
	r = (struct ddz_rec){ "m", "f.c", "fn", "x", NULL, 1 };
	is_int(ddz_format_line(out, 10, &r, 0), -E2BIG,
	       "a too small buffer is -E2BIG");
}

int main(void)
{
	test_specs();
	test_flags();
	test_multi();
	test_wildcard();
	test_text();
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}
