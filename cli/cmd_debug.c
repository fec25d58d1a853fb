// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl debug: the dynamic-debug callsites of the driver, kept in
 * damon_dyndbg's zsmalloc-backed store and controlled through
 * /dev/damon_dyndbg with the kernel's query language.
 *
 *   damonctl debug list [MATCH-SPEC]     callsites, all or those selected
 *   damonctl debug set QUERY             change flags ("func foo +p")
 *   damonctl debug stats                 sizes, ratio, cache figures
 *   damonctl debug load [FILE]           load a table (a control-file copy)
 *   damonctl debug unload [ID|all]       unload loaded tables
 *   damonctl debug drop-cache            drop the decoded callsites
 *
 * list and set work on any file in the control-file format, with
 * --control (the kernel's own /proc/dynamic_debug/control included); the
 * match specifications are parsed by the store's own parser
 * (driver/ddz_query.c), so that list selects what set would change.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/damon_dyndbg.h>

#include "commands.h"
#include "common.h"

/* The store's parser and control-file text, built for user space. */
#include "../driver/ddz_query.c"
#include "../driver/ddz_text.c"

#define DEBUG_CONTROL	"/dev/damon_dyndbg"

static const char *control = DEBUG_CONTROL;

/* ---- helpers ---------------------------------------------------------- */

/* Read all of @path (or stdin for "-") into a NUL-terminated buffer. */
static char *slurp(const char *path, size_t *lenp)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	size_t len = 0, cap = 65536;
	char *buf, *nbuf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	if (!buf)
		goto fail;
	for (;;) {
		if (len == cap) {
			cap *= 2;
			nbuf = realloc(buf, cap + 1);
			if (!nbuf)
				goto fail;
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (!n)
			break;
		len += n;
	}
	if (fd)
		close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	n = errno;
	free(buf);
	if (fd > 0)
		close(fd);
	errno = n;
	return NULL;
}

static int open_error(const char *path, int err)
{
	if (err == ENOENT && !strcmp(path, DEBUG_CONTROL))
		return err_msg(EXIT_UNAVAIL, "%s does not exist: load damon_dyndbg.ko first",
			       path);
	if (err == EACCES || err == EPERM)
		return err_msg(EXIT_PERM, "cannot open %s: %s; run as root",
			       path, strerror(err));
	return err_msg(errno_exit_code(err), "cannot open %s: %s", path,
		       strerror(err));
}

/* Join @argc words with spaces (the shell may have split a query). */
static char *join_words(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		die(EXIT_ERR, "out of memory");
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Subcommand parsers collect their positional arguments here. */
#define MAX_WORDS 256
struct sub_args {
	int max;		/* positional arguments allowed */
	int n;
	char *words[MAX_WORDS];
	const char *name;	/* load --name */
};

static error_t sub_parse(int key, char *arg, struct argp_state *state)
{
	struct sub_args *a = state->input;

	switch (key) {
	case 'n':
		a->name = arg;
		return 0;
	case ARGP_KEY_ARG:
		if (a->n >= a->max) {
			argp_error(state, "unexpected argument '%s'", arg);
			return EINVAL;
		}
		a->words[a->n++] = arg;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static int sub_parse_args(const struct argp *argp, int argc, char **argv,
			  struct sub_args *a)
{
	return parse_args(argp, argc, argv, a, NULL);
}

/* ---- list --------------------------------------------------------------- */

struct list_filter {
	struct ddz_query q[64];
	int n;
};

static int collect_query(void *ctx, const struct ddz_query *q,
			 const struct ddz_flag_settings *mods)
{
	struct list_filter *f = ctx;

	(void)mods;
	if (f->n == (int)ARRAY_SIZE(f->q))
		return -E2BIG;
	f->q[f->n++] = *q;
	return 0;
}

static bool line_selected(const struct list_filter *f,
			  const struct ddz_rec *r)
{
	int i;

	for (i = 0; i < f->n; i++) {
		const struct ddz_query *q = &f->q[i];

		if (q->class_string ? !r->class_name ||
		    strcmp(q->class_string, r->class_name) : !!r->class_name)
			continue;
		if (ddz_match_module(q, r->modname) &&
		    ddz_match_file(q, r->filename) &&
		    ddz_match_function(q, r->function) &&
		    ddz_match_format(q, r->format) &&
		    ddz_match_line(q, r->lineno))
			return true;
	}
	return false;
}

static void json_site(const struct ddz_rec *r, unsigned int flags)
{
	char fb[DDZ_FLAGSBUF];

	json_obj_open(NULL);
	json_str("file", r->filename);
	json_u64("line", r->lineno);
	json_str("module", r->modname);
	json_str("function", r->function);
	json_str("flags", ddz_describe_flags(flags, fb));
	json_str("format", r->format);
	if (r->class_name)
		json_str("class", r->class_name);
	json_obj_close();
}

static const struct argp list_argp = {
	NULL, sub_parse, "[MATCH-SPEC...]",
	"List the callsites, all of them or those a match specification "
	"selects.\v"
	"MATCH-SPEC is a query without its flags, such as 'module damon_rec' "
	"or 'file ddz_core.c:ddz_change*'; queries separated by ';' select the "
	"callsites any of them selects.  Lines are printed as the control file "
	"shows them; with --json, as an array of objects.",
	global_children, NULL, NULL
};

static int debug_list(int argc, char **argv)
{
	struct sub_args a = { .max = MAX_WORDS };
	struct list_filter filter = { .n = 0 };
	char *text, *line, *next, *spec = NULL;
	size_t len;
	int rc;

	if (sub_parse_args(&list_argp, argc, argv, &a))
		return EXIT_OK;
	if (a.n) {
		char *q = join_words(a.n, a.words);
		size_t ql = strlen(q);
		char *s, *p;

		/* each query gets a flags word that changes nothing */
		spec = malloc(ql * 2 + 8);
		if (!spec)
			die(EXIT_ERR, "out of memory");
		for (s = q, p = spec; *s; s++) {
			if (*s == ';' || *s == '\n') {
				memcpy(p, " +_", 3);
				p += 3;
			}
			*p++ = *s;
		}
		memcpy(p, " +_", 4);
		rc = ddz_exec_queries(spec, NULL, collect_query, &filter);
		if (rc < 0) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", q);
			free(q);
			free(spec);
			die_usage("'%s' is not a match specification: %s", msg,
				  strerror(-rc));
		}
		free(q);
	}
	text = slurp(control, &len);
	if (!text) {
		free(spec);
		return open_error(control, errno);
	}
	/* check every line first: an error is then the only output */
	for (line = text; line && *line; line = next) {
		struct ddz_rec r;
		unsigned int flags;

		next = strchr(line, '\n');
		if (next)
			*next = '\0';
		if (*line && *line != '#') {
			char *copy = strdup(line);

			if (!copy)
				die(EXIT_ERR, "out of memory");
			rc = ddz_parse_line(copy, &r, &flags);
			free(copy);
			if (rc) {
				rc = err_msg(EXIT_ERR, "%s: not a control-file line: %.60s",
					     control, line);
				free(text);
				free(spec);
				return rc;
			}
		}
		if (next)
			*next++ = '\n';
	}
	if (g.json) {
		json_begin(stdout);
		json_arr_open(NULL);
	}
	for (line = text; line && *line; line = next) {
		struct ddz_rec r;
		unsigned int flags;
		char *copy;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#' || !*line) {
			if (!g.json && !filter.n)
				printf("%s\n", line);
			continue;
		}
		copy = strdup(line);
		if (!copy)
			die(EXIT_ERR, "out of memory");
		ddz_parse_line(copy, &r, &flags);
		if (!filter.n || line_selected(&filter, &r)) {
			if (g.json)
				json_site(&r, flags);
			else
				printf("%s\n", line);
		}
		free(copy);
	}
	if (g.json) {
		json_arr_close();
		json_end();
	}
	free(text);
	free(spec);
	return EXIT_OK;
}

/* ---- set ---------------------------------------------------------------- */

static const struct argp set_argp = {
	NULL, sub_parse, "QUERY...",
	"Change callsite flags with a query of the kernel's dynamic-debug "
	"language.\v"
	"The words of QUERY are joined with spaces and written at once, so "
	"'func foo +p' and func foo +p are the same; quote a query whose flags "
	"start with '-'.  Several queries may be separated by ';' or newlines.  "
	"The write succeeds or fails as it would on the kernel's "
	"/proc/dynamic_debug/control, which --control can name.",
	global_children, NULL, NULL
};

static int debug_set(int argc, char **argv)
{
	struct sub_args a = { .max = MAX_WORDS };
	ssize_t n;
	size_t len;
	char *q;
	int fd, err;

	if (sub_parse_args(&set_argp, argc, argv, &a))
		return EXIT_OK;
	if (!a.n)
		die_usage("set needs a query, such as 'func foo +p'");
	q = join_words(a.n, a.words);
	len = strlen(q);
	fd = open(control, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		free(q);
		return open_error(control, errno);
	}
	n = write(fd, q, len);
	err = errno;
	close(fd);
	free(q);
	if (n < 0) {
		if (err == E2BIG)
			return err_msg(EXIT_ERR, "query rejected: %s (%zu bytes; at most %d)",
				       strerror(err), len,
				       DAMON_DYNDBG_MAX_QUERY);
		if (err == EINVAL)
			return err_msg(EXIT_ERR, "query rejected: %s (the kernel log says why)",
				       strerror(err));
		return err_msg(errno_exit_code(err), "query rejected: %s",
			       strerror(err));
	}
	if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		json_u64("written", (uint64_t)n);
		json_obj_close();
		json_end();
	}
	return EXIT_OK;
}

/* ---- the device's ioctls ---------------------------------------------- */

static int open_store(int flags, int *code)
{
	int fd = open(control, flags | O_CLOEXEC);

	if (fd < 0)
		*code = open_error(control, errno);
	return fd;
}

static int ioctl_error(const char *what, int err)
{
	if (err == ENOTTY)
		return err_msg(EXIT_UNAVAIL, "%s: %s is not a damon_dyndbg device",
			       what, control);
	if (err == EPERM)
		return err_msg(EXIT_PERM, "%s: %s; this needs CAP_SYS_ADMIN: run as root",
			       what, strerror(err));
	return err_msg(errno_exit_code(err), "%s: %s", what, strerror(err));
}

static const struct argp stats_argp = {
	NULL, sub_parse, NULL,
	"Print the store's statistics: callsites, memory against the kernel's "
	"own representation, and the decoded-callsite cache.\v"
	"bytes/site counts the pool's pages, the resident flags, block handles, "
	"string models and interned names; the kernel's counts a 56-byte "
	"struct _ddebug per callsite, its format, and each distinct module, "
	"file and function name once.",
	global_children, NULL, NULL
};

static int debug_stats(int argc, char **argv)
{
	struct sub_args a = { .max = 0 };
	struct damon_dyndbg_stats st;
	double ours, per_site = 0, raw_site = 0, ratio = 0, hit = 0;
	int fd, code;

	if (sub_parse_args(&stats_argp, argc, argv, &a))
		return EXIT_OK;
	fd = open_store(O_RDONLY, &code);
	if (fd < 0)
		return code;
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	if (ioctl(fd, DAMON_DYNDBG_IOC_STATS, &st)) {
		code = ioctl_error("cannot read the statistics", errno);
		close(fd);
		return code;
	}
	close(fd);
	ours = (double)st.pool_bytes + (double)st.resident_bytes;
	if (st.sites) {
		per_site = ours / st.sites;
		raw_site = (double)st.raw_bytes / st.sites;
	}
	if (st.raw_bytes)
		ratio = ours / st.raw_bytes;
	if (st.cache_hits + st.cache_misses)
		hit = (double)st.cache_hits / (st.cache_hits + st.cache_misses);
	if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		json_u64("tables", st.tables);
		json_u64("sites", st.sites);
		json_u64("enabled", st.enabled);
		json_u64("pool_bytes", st.pool_bytes);
		json_u64("pool_objects", st.pool_objects);
		json_u64("resident_bytes", st.resident_bytes);
		json_u64("interned_bytes", st.interned_bytes);
		json_u64("model_bytes", st.model_bytes);
		json_u64("raw_bytes", st.raw_bytes);
		json_double("bytes_per_site", per_site);
		json_double("raw_bytes_per_site", raw_site);
		json_double("ratio", ratio);
		json_u64("cache_entries", st.cache_entries);
		json_u64("cache_bytes", st.cache_bytes);
		json_u64("cache_hits", st.cache_hits);
		json_u64("cache_misses", st.cache_misses);
		json_double("cache_hit_rate", hit);
		json_u64("cache_evictions", st.cache_evictions);
		json_u64("shrinker_scans", st.shrinker_scans);
		json_u64("degraded_prints", st.degraded_prints);
		json_u64("pool_reads", st.pool_reads);
		json_u64("queries", st.queries);
		json_obj_close();
		json_end();
		return EXIT_OK;
	}
#define U(x) ((unsigned long long)(x))
	printf("tables            %llu\n", U(st.tables));
	printf("callsites         %llu (%llu enabled)\n", U(st.sites),
	       U(st.enabled));
	printf("pool              %llu bytes in %llu objects\n",
	       U(st.pool_bytes), U(st.pool_objects));
	printf("resident          %llu bytes (models %llu, interned names %llu)\n",
	       U(st.resident_bytes), U(st.model_bytes), U(st.interned_bytes));
	printf("bytes/site        %.1f (kernel: %.1f), ratio %.3f\n",
	       per_site, raw_site, ratio);
	printf("cache             %llu entries, %llu bytes\n",
	       U(st.cache_entries), U(st.cache_bytes));
	printf("cache lookups     %llu hits, %llu misses (hit rate %.3f)\n",
	       U(st.cache_hits), U(st.cache_misses), hit);
	printf("shrinker          %llu scans, %llu evictions\n",
	       U(st.shrinker_scans), U(st.cache_evictions));
	printf("degraded prints   %llu\n", U(st.degraded_prints));
	printf("pool reads        %llu\n", U(st.pool_reads));
	printf("queries           %llu\n", U(st.queries));
#undef U
	return EXIT_OK;
}

static const struct argp_option load_options[] = {
	{ "name", 'n', "NAME", 0, "Name of the table (default: table<id>)", 0 },
	{ 0 }
};

static const struct argp load_argp = {
	load_options, sub_parse, "[FILE]",
	"Load a table of callsites into the store, from FILE ('-' for standard "
	"input; default /proc/dynamic_debug/control).\v"
	"FILE holds control-file lines, such as a copy of the kernel's "
	"/proc/dynamic_debug/control: the store then holds the kernel's "
	"callsites too, with the flags the lines show, and can be measured on "
	"them.  Needs CAP_SYS_ADMIN.",
	global_children, NULL, NULL
};

static int debug_load(int argc, char **argv)
{
	struct sub_args a = { .max = 1 };
	struct damon_dyndbg_load ld;
	const char *path;
	size_t len;
	char *text;
	int fd, code;

	if (sub_parse_args(&load_argp, argc, argv, &a))
		return EXIT_OK;
	path = a.n ? a.words[0] : "/proc/dynamic_debug/control";
	if (a.name && strlen(a.name) >= DAMON_DYNDBG_NAME_LEN)
		die_usage("--name '%s' is too long: at most %d characters",
			  a.name, DAMON_DYNDBG_NAME_LEN - 1);
	text = slurp(path, &len);
	if (!text)
		return open_error(path, errno);
	fd = open_store(O_RDONLY, &code);
	if (fd < 0) {
		free(text);
		return code;
	}
	memset(&ld, 0, sizeof(ld));
	ld.size = sizeof(ld);
	ld.data = (uintptr_t)text;
	ld.len = len;
	if (a.name)
		strcpy(ld.name, a.name);
	if (ioctl(fd, DAMON_DYNDBG_IOC_LOAD, &ld)) {
		int err = errno;

		if (err == EINVAL && ld.bad_line)
			code = err_msg(EXIT_ERR, "%s: line %u is not a callsite line",
				       path, ld.bad_line);
		else if (err == EINVAL && !len)
			code = err_msg(EXIT_ERR, "%s is empty", path);
		else if (err == E2BIG)
			code = err_msg(EXIT_ERR, "%s: too large to load (%zu bytes; at most %d), or a string in it is longer than 1024 bytes",
				       path, len, DAMON_DYNDBG_MAX_LOAD);
		else
			code = ioctl_error("cannot load the table", err);
		close(fd);
		free(text);
		return code;
	}
	close(fd);
	free(text);
	if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		json_u64("id", ld.id);
		json_u64("sites", ld.sites);
		json_obj_close();
		json_end();
	} else {
		printf("loaded table %u: %u callsites\n", ld.id, ld.sites);
	}
	return EXIT_OK;
}

static const struct argp unload_argp = {
	NULL, sub_parse, "[ID|all]",
	"Unload a table 'load' added (by the id it printed), or all of them "
	"(the default).  Needs CAP_SYS_ADMIN.",
	global_children, NULL, NULL
};

static int debug_unload(int argc, char **argv)
{
	struct sub_args a = { .max = 1 };
	struct damon_dyndbg_unload ul;
	uint64_t id = 0;
	int fd, code;

	if (sub_parse_args(&unload_argp, argc, argv, &a))
		return EXIT_OK;
	if (a.n && strcmp(a.words[0], "all") &&
	    (parse_u64(a.words[0], &id) || !id || id > UINT32_MAX))
		die_usage("'%s' is not a table id: give the id 'load' printed, or 'all'",
			  a.words[0]);
	fd = open_store(O_RDONLY, &code);
	if (fd < 0)
		return code;
	memset(&ul, 0, sizeof(ul));
	ul.size = sizeof(ul);
	ul.id = (uint32_t)id;
	if (ioctl(fd, DAMON_DYNDBG_IOC_UNLOAD, &ul)) {
		int err = errno;

		if (err == ENOENT)
			code = err_msg(EXIT_ERR, "no loaded table has id %" PRIu64, id);
		else if (err == EBUSY)
			code = err_msg(EXIT_ERR, "table %" PRIu64 " belongs to a module: unload the module instead",
				       id);
		else
			code = ioctl_error("cannot unload", err);
		close(fd);
		return code;
	}
	close(fd);
	if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		json_u64("unloaded", ul.count);
		json_obj_close();
		json_end();
	} else {
		printf("unloaded %u table%s\n", ul.count, ul.count == 1 ? "" : "s");
	}
	return EXIT_OK;
}

static const struct argp drop_argp = {
	NULL, sub_parse, NULL,
	"Drop every decoded callsite the cache holds, as the shrinker does "
	"under memory pressure.  Needs CAP_SYS_ADMIN.",
	global_children, NULL, NULL
};

static int debug_drop_cache(int argc, char **argv)
{
	struct sub_args a = { .max = 0 };
	int fd, code;

	if (sub_parse_args(&drop_argp, argc, argv, &a))
		return EXIT_OK;
	fd = open_store(O_RDONLY, &code);
	if (fd < 0)
		return code;
	if (ioctl(fd, DAMON_DYNDBG_IOC_DROP_CACHE)) {
		code = ioctl_error("cannot drop the cache", errno);
		close(fd);
		return code;
	}
	close(fd);
	return EXIT_OK;
}

/* ---- the command ---------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} subs[] = {
	{ "list", debug_list },
	{ "set", debug_set },
	{ "stats", debug_stats },
	{ "load", debug_load },
	{ "unload", debug_unload },
	{ "drop-cache", debug_drop_cache },
};

enum { OPT_CONTROL = 'C' };

static const struct argp_option debug_options[] = {
	{ "control", OPT_CONTROL, "PATH", 0,
	  "Control file to use (default " DEBUG_CONTROL "); list and set also "
	  "work on /proc/dynamic_debug/control", 0 },
	{ 0 }
};

static error_t debug_parse(int key, char *arg, struct argp_state *state)
{
	(void)state;
	switch (key) {
	case OPT_CONTROL:
		control = arg;
		return 0;
	default:
		/* ARGP_KEY_ARG too: the subcommand's name stops parsing */
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp debug_argp = {
	debug_options, debug_parse, "SUBCOMMAND [ARGS...]",
	"Control the driver's dynamic-debug callsites, which damon_dyndbg keeps "
	"compressed in a zsmalloc pool, with the kernel's query language.\v"
	"Subcommands:\n"
	"  list [MATCH-SPEC]   list callsites (all, or those selected)\n"
	"  set QUERY           change flags, e.g. 'module damon_rec +pfl'\n"
	"  stats               memory against the kernel's, cache figures\n"
	"  load [FILE]         load a control-file copy as a table\n"
	"  unload [ID|all]     unload loaded tables\n"
	"  drop-cache          drop the decoded callsites\n"
	"See damonctl-debug(8).",
	global_children, NULL, NULL
};

int cmd_debug(int argc, char **argv)
{
	int end = argc;
	size_t i;

	if (parse_args(&debug_argp, argc, argv, NULL, &end))
		return EXIT_OK;
	if (end >= argc)
		die_usage("debug needs a subcommand: list, set, stats, load, unload or drop-cache");
	for (i = 0; i < ARRAY_SIZE(subs); i++)
		if (!strcmp(argv[end], subs[i].name))
			return subs[i].fn(argc - end, argv + end);
	die_usage("'%s' is not a debug subcommand: use list, set, stats, load, unload or drop-cache",
		  argv[end]);
}
