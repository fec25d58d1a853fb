// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl: argument parsing, messages, units and JSON output shared by
 * every subcommand.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "damonrec.h"

struct global_opts g;

/* ------------------------------------------------------------------ */
/* Messages                                                             */
/* ------------------------------------------------------------------ */

static FILE *real_stderr(void);

/* The first error of a write to standard output, 0 while there is none. */
static int stdout_errno;

/* Set once finish_stdout() closed it: nothing may touch it then. */
static bool stdout_closed;

bool flush_stdout(void)
{
	if (stdout_closed)
		return stdout_errno != 0;
	errno = 0;
	if (fflush(stdout) && !stdout_errno)
		stdout_errno = errno ? errno : EIO;
	return stdout_failed();
}

bool stdout_failed(void)
{
	if (!stdout_errno && !stdout_closed && ferror(stdout)) {
		/* glibc writes the buffer again, which gives the errno. */
		errno = 0;
		fflush(stdout);
		stdout_errno = errno ? errno : EIO;
	}
	return stdout_errno != 0;
}

static void vmsg(FILE *f, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (g.json) {
		FILE *out = g.stdout_used ? f : stdout;

		fputs("{\"error\":", out);
		json_quote(out, buf);
		fputs("}\n", out);
		fflush(out);
		return;
	}
	fprintf(f, "damonctl%s%s: %s\n", g.cmd ? " " : "", g.cmd ? g.cmd : "",
		buf);
}

int err_msg(int code, const char *fmt, ...)
{
	va_list ap;

	flush_stdout();
	va_start(ap, fmt);
	vmsg(real_stderr(), fmt, ap);
	va_end(ap);
	return code;
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	flush_stdout();
	va_start(ap, fmt);
	vmsg(real_stderr(), fmt, ap);
	va_end(ap);
	exit(code);
}

void die_usage(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	die(EXIT_USAGE, "%s (see 'damonctl %s%s--help')", buf,
	    g.cmd ? g.cmd : "", g.cmd ? " " : "");
}

void note(const char *fmt, ...)
{
	va_list ap;

	if (g.json)
		return;
	va_start(ap, fmt);
	fprintf(real_stderr(), "damonctl%s%s: ", g.cmd ? " " : "",
		g.cmd ? g.cmd : "");
	vfprintf(real_stderr(), fmt, ap);
	fputc('\n', real_stderr());
	va_end(ap);
}

int finish_stdout(int code)
{
	flush_stdout();
	/*
	 * The close too: some file systems report their errors there.  With
	 * nothing left to write, EBADF only says stdout was closed from the
	 * start: whatever wrote to it has failed and said so already.
	 */
	if (!stdout_failed()) {
		errno = 0;
		if (fclose(stdout) && errno != EBADF && !stdout_errno)
			stdout_errno = errno ? errno : EIO;
		stdout_closed = true;
	}
	/* A reader that went away (SIGPIPE ignored) is not an error. */
	if (!stdout_failed() || stdout_errno == EPIPE)
		return code;
	g.stdout_used = true;	/* the message goes to stderr, even in JSON */
	return err_msg(EXIT_ERR, "writing standard output: %s",
		       strerror(stdout_errno));
}

int record_result(const char *file, struct damonrec_reader *r, int ret,
		  int err, uint64_t good, const char *note)
{
	if (ret == 0 && !damonrec_reader_has_end(r) &&
	    (damonrec_reader_get_format(r) == DAMONREC_FORMAT_V3 ||
	     damonrec_reader_get_format(r) == DAMONREC_FORMAT_V4))
		return err_msg(EXIT_CORRUPT, "%s: cut short at byte %" PRIu64 " after %"
			       PRIu64 " good snapshots%s: no END frame (the recording "
			       "did not stop cleanly)", file, damonrec_reader_get_offset(r),
			       good, note);
	if (ret >= 0)
		return EXIT_OK;
	if (err == EMEDIUMTYPE)
		return err_msg(EXIT_CORRUPT, "%s is a binary perf.data file, not a record: "
			       "run 'perf script -i %s | damonctl convert - -o OUT'",
			       strcmp(file, "-") ? file : "standard input",
			       strcmp(file, "-") ? file : "PERF.DATA");
	if (err == EBADMSG || err == ENODATA || err == EPROTO || err == EILSEQ ||
	    err == ERANGE || err == EOVERFLOW || err == E2BIG)
		return err_msg(EXIT_CORRUPT, "%s: %s at byte %" PRIu64 " after %" PRIu64
			       " good snapshots%s: %s", file,
			       err == ENODATA ? "cut short" : "corrupt",
			       damonrec_reader_get_error_offset(r), good, note,
			       damonrec_reader_get_error_message(r));
	return err_msg(EXIT_ERR, "%s: read error at byte %" PRIu64 ": %s", file,
		       damonrec_reader_get_error_offset(r), strerror(err));
}

int errno_exit_code(int err)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case EOPNOTSUPP:
	case EBUSY:
	case EALREADY:
		return EXIT_UNAVAIL;
	case EPERM:
	case EACCES:
		return EXIT_PERM;
	default:
		return EXIT_ERR;
	}
}

/* ------------------------------------------------------------------ */
/* argp glue                                                            */
/* ------------------------------------------------------------------ */

/*
 * While argp runs, stderr points at a memory stream: getopt and argp print
 * their complaints there, on two lines, and parse_args() turns the first
 * one into our single line.
 */
static FILE *saved_stderr;

static FILE *real_stderr(void)
{
	return saved_stderr ? saved_stderr : stderr;
}

enum { OPT_JSON = 0x1000, OPT_PRETTY, OPT_DEVICE, OPT_SYSFS, OPT_USAGE, OPT_VERSION };

static const struct argp_option global_options[] = {
	{ NULL, 0, NULL, 0, "Global options (before or after the command):", -1 },
	{ "json", 'j', NULL, 0, "Print JSON (errors too)", -1 },
	{ "pretty", OPT_PRETTY, NULL, 0, "Print indented JSON (implies --json)", -1 },
	{ "device", OPT_DEVICE, "PATH", 0,
	  "Device node (default " "/dev/damon_rec" ")", -1 },
	{ "sysfs", OPT_SYSFS, "ROOT", 0,
	  "DAMON sysfs admin directory (default /sys/kernel/mm/damon/admin)", -1 },
	{ "version", OPT_VERSION, NULL, 0, "Print the version and exit", -1 },
	{ 0 }
};

#ifndef DAMONCTL_VERSION
#define DAMONCTL_VERSION "unknown"
#endif

/* --version, before the command or after it; -V before it. */
void print_version(void)
{
	if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		json_str("version", DAMONCTL_VERSION);
		json_str("library", damonrec_version_string());
		json_obj_close();
		json_end();
	} else {
		printf("damonctl %s (libdamonrec %s)\n", DAMONCTL_VERSION,
		       damonrec_version_string());
	}
}

static error_t global_parse(int key, char *arg, struct argp_state *state)
{
	(void)state;
	switch (key) {
	case 'j':
		g.json = true;
		return 0;
	case OPT_PRETTY:
		g.json = g.pretty = true;
		return 0;
	case OPT_DEVICE:
		if (!*arg)
			die_usage("--device needs a path");
		g.device = arg;
		return 0;
	case OPT_SYSFS:
		if (!*arg)
			die_usage("--sysfs needs a directory");
		g.sysfs = arg;
		return 0;
	case OPT_VERSION:
		/* Like --help: the options after it still count (--json). */
		g.version = true;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp global_argp = {
	global_options, global_parse, NULL, NULL, NULL, NULL, NULL
};

static const struct argp_option help_options[] = {
	{ "help", 'h', NULL, 0, "Give this help list", -1 },
	{ "usage", OPT_USAGE, NULL, 0, "Give a short usage message", -1 },
	{ 0 }
};

static error_t help_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	switch (key) {
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		g.help_shown = true;
		state->next = state->argc;	/* stop parsing */
		return 0;
	case OPT_USAGE:
		argp_state_help(state, stdout, ARGP_HELP_USAGE);
		g.help_shown = true;
		state->next = state->argc;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp help_argp = {
	help_options, help_parse, NULL, NULL, NULL, NULL, NULL
};

const struct argp_child global_children[] = {
	{ &global_argp, 0, NULL, 1 },
	{ &help_argp, 0, NULL, 2 },
	{ 0 }
};

error_t parse_no_args(int key, char *arg, struct argp_state *state)
{
	const char *cmd;

	if (key != ARGP_KEY_ARG)
		return ARGP_ERR_UNKNOWN;
	/* The command's argv[0] is "damonctl CMD". */
	cmd = strrchr(state->name, ' ');
	cmd = cmd ? cmd + 1 : state->name;
	argp_error(state, "unexpected argument '%s': %s takes none", arg, cmd);
	return EINVAL;
}

int parse_args(const struct argp *argp, int argc, char **argv, void *input,
	       int *end)
{
	char *msg = NULL, *nl, *text;
	size_t msglen = 0;
	FILE *mem;
	int ret, idx = argc;

	fflush(stderr);
	mem = open_memstream(&msg, &msglen);
	if (!mem)
		die(EXIT_ERR, "out of memory");
	saved_stderr = stderr;
	stderr = mem;
	ret = argp_parse(argp, argc, argv,
			 ARGP_IN_ORDER | ARGP_NO_EXIT | ARGP_NO_HELP, &idx,
			 input);
	stderr = saved_stderr;
	saved_stderr = NULL;
	fclose(mem);

	if (end)
		*end = idx;
	if (g.help_shown) {
		free(msg);
		return 1;
	}
	if (g.version && !ret && !(msg && *msg)) {
		free(msg);
		print_version();
		return 1;
	}
	if (ret || (msg && *msg)) {
		text = msg && *msg ? msg : NULL;
		if (text) {
			nl = strchr(text, '\n');
			if (nl)
				*nl = '\0';
			/* Drop the "program: " prefix getopt and argp add. */
			if (argv[0] && !strncmp(text, argv[0], strlen(argv[0])) &&
			    !strncmp(text + strlen(argv[0]), ": ", 2))
				text += strlen(argv[0]) + 2;
		}
		die_usage("%s", text ? text : strerror(ret));
	}
	free(msg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Units                                                                */
/* ------------------------------------------------------------------ */

int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -1;
	if (errno || end == s || *end) {
		errno = EINVAL;
		return -1;
	}
	*v = x;
	return 0;
}

/* "1.5" -> 1.5 (no sign, no exponent); the rest of the string in *@rest. */
static int parse_number(const char *s, long double *v, const char **rest)
{
	const char *p = s;
	long double x = 0, frac = 0.1L;
	bool digits = false;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		uint64_t h = 0;
		int n = 0;

		for (p += 2; *p; p++, n++) {
			int c = *p, d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				break;
			if (h >> 60) {
				errno = ERANGE;
				return -1;
			}
			h = h << 4 | (uint64_t)d;
		}
		if (!n) {
			errno = EINVAL;
			return -1;
		}
		*v = (long double)h;
		*rest = p;
		return 0;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		x = x * 10 + (*p - '0');
		digits = true;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			x += frac * (*p - '0');
			frac /= 10;
			digits = true;
		}
	}
	if (!digits) {
		errno = EINVAL;
		return -1;
	}
	*v = x;
	*rest = p;
	return 0;
}

static int scaled(long double x, uint64_t mult, uint64_t *out)
{
	long double r = x * (long double)mult;

	if (r >= 18446744073709551615.0L) {
		errno = ERANGE;
		return -1;
	}
	*out = (uint64_t)(r + 0.5L);
	return 0;
}

int parse_size(const char *s, uint64_t *bytes)
{
	static const struct { const char *sfx; uint64_t mult; } units[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", 1ULL << 10 }, { "KB", 1ULL << 10 }, { "KiB", 1ULL << 10 },
		{ "k", 1ULL << 10 },
		{ "M", 1ULL << 20 }, { "MB", 1ULL << 20 }, { "MiB", 1ULL << 20 },
		{ "G", 1ULL << 30 }, { "GB", 1ULL << 30 }, { "GiB", 1ULL << 30 },
		{ "T", 1ULL << 40 }, { "TB", 1ULL << 40 }, { "TiB", 1ULL << 40 },
	};
	const char *rest;
	long double x;
	size_t i;

	if (!s || parse_number(s, &x, &rest))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(rest, units[i].sfx))
			return scaled(x, units[i].mult, bytes);
	errno = EINVAL;
	return -1;
}

static const struct { const char *sfx; uint64_t ns; } time_units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
	{ "s", 1000000000ULL }, { "sec", 1000000000ULL },
	{ "m", 60000000000ULL }, { "min", 60000000000ULL },
	{ "h", 3600000000000ULL }, { "d", 86400000000000ULL },
};

bool is_duration(const char *s)
{
	const char *rest;
	long double x;
	size_t i;

	if (!s || parse_number(s, &x, &rest) || !*rest)
		return false;
	for (i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++)
		if (!strcmp(rest, time_units[i].sfx))
			return true;
	return false;
}

int parse_duration(const char *s, uint64_t unit_ns, uint64_t *ns)
{
	const char *rest;
	long double x;
	size_t i;

	if (!s || parse_number(s, &x, &rest))
		return -1;
	if (!*rest)
		return scaled(x, unit_ns, ns);
	for (i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++)
		if (!strcmp(rest, time_units[i].sfx))
			return scaled(x, time_units[i].ns, ns);
	errno = EINVAL;
	return -1;
}

int parse_addr(const char *s, uint64_t *addr)
{
	if (parse_u64(s, addr) == 0)
		return 0;
	return parse_size(s, addr);
}

int parse_range(const char *s, int (*one)(const char *, uint64_t *),
		uint64_t *lo, uint64_t *hi)
{
	char *copy, *sep;
	int ret = -1;

	copy = strdup(s);
	if (!copy)
		return -1;
	sep = strchr(copy, ',');
	if (!sep)
		sep = strchr(copy[0] == '-' ? copy : copy + 1, '-');
	if (!sep) {
		errno = EINVAL;
		goto out;
	}
	*sep = '\0';
	*lo = 0;
	*hi = UINT64_MAX;
	if (*copy && one(copy, lo))
		goto out;
	if (sep[1] && one(sep + 1, hi))
		goto out;
	if (!*copy && !sep[1]) {
		errno = EINVAL;
		goto out;
	}
	if (*lo >= *hi) {
		errno = ERANGE;
		goto out;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

char *fmt_size(char *buf, size_t len, uint64_t bytes)
{
	double b = (double)bytes;

	if (bytes > 1ULL << 50)
		snprintf(buf, len, "%.3f PiB", b / (double)(1ULL << 50));
	else if (bytes > 1ULL << 40)
		snprintf(buf, len, "%.3f TiB", b / (double)(1ULL << 40));
	else if (bytes > 1ULL << 30)
		snprintf(buf, len, "%.3f GiB", b / (double)(1ULL << 30));
	else if (bytes > 1ULL << 20)
		snprintf(buf, len, "%.3f MiB", b / (double)(1ULL << 20));
	else if (bytes > 1ULL << 10)
		snprintf(buf, len, "%.3f KiB", b / (double)(1ULL << 10));
	else
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	return buf;
}

char *fmt_time(char *buf, size_t len, int64_t ns)
{
	const char *sign = ns < 0 ? "-" : "";
	uint64_t t = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	if (t >= 60000000000ULL)
		snprintf(buf, len, "%s%" PRIu64 " m %.3f s", sign,
			 (uint64_t)(t / 60000000000ULL),
			 (double)(t % 60000000000ULL) / 1e9);
	else if (t >= 1000000000ULL)
		snprintf(buf, len, "%s%.3f s", sign, (double)t / 1e9);
	else if (t >= 1000000ULL)
		snprintf(buf, len, "%s%.3f ms", sign, (double)t / 1e6);
	else if (t >= 1000ULL)
		snprintf(buf, len, "%s%.3f us", sign, (double)t / 1e3);
	else
		snprintf(buf, len, "%s%" PRIu64 " ns", sign, t);
	return buf;
}

char *fmt_wallclock(char *buf, size_t len, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	long ms = (long)((ns % 1000000000LL) / 1000000LL);
	struct tm tm;

	if (ms < 0) {
		ms += 1000;
		sec--;
	}
	if (!localtime_r(&sec, &tm)) {
		snprintf(buf, len, "%" PRId64 " ns", ns);
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%03ld",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ms);
	return buf;
}

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */
/* ------------------------------------------------------------------ */

#define JSON_MAX_DEPTH 32

static struct {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];
} jw;

void json_quote(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void json_indent(void)
{
	int i;

	if (!g.pretty)
		return;
	fputc('\n', jw.f);
	for (i = 0; i < jw.depth; i++)
		fputs("    ", jw.f);
}

static void json_key(const char *key)
{
	if (jw.depth > 0) {
		if (!jw.first[jw.depth])
			fputc(',', jw.f);
		jw.first[jw.depth] = false;
		json_indent();
	}
	if (key) {
		json_quote(jw.f, key);
		fputs(g.pretty ? ": " : ":", jw.f);
	}
}

void json_begin(FILE *f)
{
	jw.f = f;
	jw.depth = 0;
	g.stdout_used = f == stdout;
}

void json_end(void)
{
	fputc('\n', jw.f);
	if (jw.f == stdout)
		flush_stdout();
	else
		fflush(jw.f);
}

static void json_open(const char *key, char c)
{
	json_key(key);
	fputc(c, jw.f);
	if (jw.depth < JSON_MAX_DEPTH - 1)
		jw.depth++;
	jw.first[jw.depth] = true;
}

static void json_close(char c)
{
	bool empty = jw.first[jw.depth];

	if (jw.depth > 0)
		jw.depth--;
	if (!empty)
		json_indent();
	fputc(c, jw.f);
}

void json_obj_open(const char *key)
{
	json_open(key, '{');
}

void json_obj_close(void)
{
	json_close('}');
}

void json_arr_open(const char *key)
{
	json_open(key, '[');
}

void json_arr_close(void)
{
	json_close(']');
}

void json_str(const char *key, const char *val)
{
	json_key(key);
	if (val)
		json_quote(jw.f, val);
	else
		fputs("null", jw.f);
}

void json_u64(const char *key, uint64_t v)
{
	json_key(key);
	fprintf(jw.f, "%" PRIu64, v);
}

void json_i64(const char *key, int64_t v)
{
	json_key(key);
	fprintf(jw.f, "%" PRId64, v);
}

void json_double(const char *key, double v)
{
	json_key(key);
	if (isfinite(v))
		fprintf(jw.f, "%.6g", v);
	else
		fputs("null", jw.f);
}

void json_bool(const char *key, bool v)
{
	json_key(key);
	fputs(v ? "true" : "false", jw.f);
}

/* ---- --pretty for JSON from elsewhere ---- */

struct pretty {
	int fd;
	int depth;
	char pending;		/* an opening bracket not yet followed */
	bool in_str, esc, any;
	pthread_t thread;
};

static struct pretty pp;

static void pretty_newline(int depth)
{
	int i;

	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("    ", stdout);
}

static void pretty_char(struct pretty *p, char c)
{
	p->any = true;
	if (p->in_str) {
		putchar(c);
		if (p->esc)
			p->esc = false;
		else if (c == '\\')
			p->esc = true;
		else if (c == '"')
			p->in_str = false;
		return;
	}
	if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
		return;
	if (p->pending) {
		bool empty = (p->pending == '[' && c == ']') ||
			     (p->pending == '{' && c == '}');

		p->pending = 0;
		if (empty) {
			putchar(c);
			return;
		}
		pretty_newline(++p->depth);
	}
	switch (c) {
	case '{':
	case '[':
		putchar(c);
		p->pending = c;
		break;
	case '}':
	case ']':
		pretty_newline(p->depth > 0 ? --p->depth : 0);
		putchar(c);
		break;
	case ',':
		putchar(',');
		pretty_newline(p->depth);
		break;
	case ':':
		fputs(": ", stdout);
		break;
	case '"':
		p->in_str = true;
		putchar(c);
		break;
	default:
		putchar(c);
	}
}

static void *pretty_thread(void *arg)
{
	struct pretty *p = arg;
	char buf[1 << 16];
	ssize_t n, i;

	/* Reads to the end even when stdout failed, so the writer never blocks. */
	while ((n = read(p->fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (stdout_failed())
			continue;
		for (i = 0; i < n; i++)
			pretty_char(p, buf[i]);
	}
	if (p->any && !stdout_failed())
		putchar('\n');
	close(p->fd);
	return NULL;
}

int pretty_begin(void)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	memset(&pp, 0, sizeof(pp));
	pp.fd = fds[0];
	if (pthread_create(&pp.thread, NULL, pretty_thread, &pp)) {
		close(fds[0]);
		close(fds[1]);
		errno = EAGAIN;
		return -1;
	}
	return fds[1];
}

void pretty_end(int fd)
{
	close(fd);
	pthread_join(pp.thread, NULL);
}
