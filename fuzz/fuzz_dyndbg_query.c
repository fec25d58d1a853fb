// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: damon_dyndbg's query parser and control-file text,
 * built from the module's own sources (driver/ddz_query.c,
 * driver/ddz_text.c).
 *
 * The input is written as the control device would take it (at most 4095
 * bytes, up to its first NUL) and applied to a small table of callsites:
 * the result must be a match count or -EINVAL.  The same bytes are then
 * parsed as a control-file line; when that works, the line printed back
 * must parse to the same callsite.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddz_query.h"
#include "ddz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct site {
	const char *mod, *file, *func, *fmt, *cls;
	unsigned int line, flags;
};

static struct site sites[] = {
	{ "main", "init/main.c", "run_init_process", "  with arguments:\n",
	  NULL, 1395, 0 },
	{ "main", "kernel/module/main.c", "find_symbol",
	  "Failed to find symbol %s\n", NULL, 340, 1 },
	{ "irqdomain", "kernel/irq/irqdomain.c", "irq_domain_remove",
	  "Removed domain %s\n", NULL, 408, 0 },
	{ "drm", "drivers/gpu/drm/drm_print.c", "drm_dbg",
	  "\t0x%08x \"%s\"\n", "DRM_UT_CORE", 77, 0 },
};

static int apply(void *ctx, const struct ddz_query *q,
		 const struct ddz_flag_settings *m)
{
	unsigned int i;
	int n = 0;

	(void)ctx;
	for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		struct site *s = &sites[i];

		if (q->class_string ? !s->cls || strcmp(s->cls, q->class_string) :
		    s->cls != NULL)
			continue;
		if (ddz_match_module(q, s->mod) && ddz_match_file(q, s->file) &&
		    ddz_match_function(q, s->func) &&
		    ddz_match_format(q, s->fmt) && ddz_match_line(q, s->line)) {
			s->flags = ddz_new_flags(s->flags, m) & DDZ_F_ALL;
			n++;
		}
	}
	return n;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ddz_rec r1, r2;
	unsigned int f1, f2;
	char *buf, *line, *out;
	size_t cap = 2 * size + 64;	/* escaping at most doubles the format */
	int rc, len;

	if (size > DDZ_QUERY_MAX)
		return 0;
	buf = malloc(size + 1);
	line = malloc(size + 1);
	out = malloc(cap);
	if (!buf || !line || !out)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	memcpy(line, buf, size + 1);

	rc = ddz_exec_queries(buf, NULL, apply, NULL);
	if (rc != -EINVAL && rc < 0)
		abort();

	if (!ddz_parse_line(line, &r1, &f1)) {
		len = ddz_format_line(out, cap, &r1, f1);
		if (len <= 0 || out[len - 1] != '\n')
			abort();
		out[len - 1] = '\0';
		if (ddz_parse_line(out, &r2, &f2) || f1 != f2 ||
		    r1.lineno != r2.lineno || !same(r1.modname, r2.modname) ||
		    !same(r1.filename, r2.filename) ||
		    !same(r1.function, r2.function) ||
		    !same(r1.format, r2.format) ||
		    !same(r1.class_name, r2.class_name))
			abort();
	}
	free(buf);
	free(line);
	free(out);
	return 0;
}
