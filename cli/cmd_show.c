// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl show: print a record in the layout of "damo report raw", or
 * summarise it, give its working-set size percentiles, list the DAMON
 * intervals its snapshots were taken with, or plot it as a heatmap; optionally restricted to a time range, an address range and a
 * target.  Input is decoded one snapshot at a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "damofmt.h"
#include "show.h"

enum show_mode { MODE_RAW, MODE_SUMMARY, MODE_WSS, MODE_HEATMAP, MODE_NR_REGIONS,
		 MODE_INTERVALS };

struct show_args {
	const char *file;
	enum show_mode mode;
	const char *mode_opt;		/* the option that chose mode */
	bool csv, raw_numbers, damo2;
	const char *svg;		/* --heatmap=FILE.svg */
	const char *color;
	unsigned int rows, cols;	/* --resolution */
	uint64_t min_accesses;
	bool time_filter, addr_filter, target_filter;
	uint64_t t_lo, t_hi;		/* ns after the first snapshot */
	uint64_t a_lo, a_hi;
	uint64_t target;
	bool range_set;
	int range[3];			/* --range START,END,STEP */
	long exclude;			/* --exclude-samples; -1: damo's 20 */
};

enum {
	OPT_SUMMARY = 0x100, OPT_CSV, OPT_WSS, OPT_HEATMAP, OPT_TRANGE,
	OPT_ARANGE, OPT_TARGET, OPT_MINACC, OPT_RESOL, OPT_COLOR, OPT_RAWNUM,
	OPT_DAMO2, OPT_RANGE, OPT_EXCLUDE, OPT_NR_REGIONS, OPT_INTERVALS,
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Output (default: what damo report access --raw_form prints):", 1 },
	{ "summary", OPT_SUMMARY, NULL, 0, "Summarise the record", 1 },
	{ "wss", OPT_WSS, NULL, 0, "Working-set size percentiles, as damo report wss", 1 },
	{ "nr-regions", OPT_NR_REGIONS, NULL, 0,
	  "Percentiles of the number of regions per target, as damo report nr_regions", 1 },
	{ "intervals", OPT_INTERVALS, NULL, 0,
	  "The DAMON intervals of each kdamond's first snapshot, then each "
	  "change (DAMON's own tuning, or new settings committed)", 1 },
	{ "heatmap", OPT_HEATMAP, "FILE.svg", OPTION_ARG_OPTIONAL,
	  "Access heatmap on the terminal, or as an SVG image in FILE.svg", 1 },
	{ "csv", OPT_CSV, NULL, 0, "CSV instead of text (regions, or --wss)", 1 },
	{ "raw-numbers", OPT_RAWNUM, NULL, 0,
	  "Plain numbers (ns, bytes) instead of human units (damo's --raw_number)", 1 },
	{ "damo2", OPT_DAMO2, NULL, 0,
	  "The region listing in damo 2.x's \"report raw\" layout", 1 },
	{ NULL, 0, NULL, 0, "Filters:", 2 },
	{ "time-range", OPT_TRANGE, "START-END", 0,
	  "Only snapshots in this time after the first one: 1s-3s, 2-, -500ms "
	  "(a bare number is in seconds)", 2 },
	{ "address-range", OPT_ARANGE, "START-END", 0,
	  "Only this address range, regions clipped to it (0x7f0000000000-0x7f0000400000)", 2 },
	{ "target", OPT_TARGET, "ID", 0, "Only this target id", 2 },
	{ NULL, 0, NULL, 0, "Tuning:", 3 },
	{ "min-accesses", OPT_MINACC, "N", 0,
	  "--wss and --summary: count regions with at least N accesses as "
	  "working set (default 1)", 3 },
	{ "range", OPT_RANGE, "START,END,STEP", 0,
	  "--wss, --nr-regions: the percentiles START, START+STEP, ... below END "
	  "(damo's -r; default 0,101,25)", 3 },
	{ "exclude-samples", OPT_EXCLUDE, "N", 0,
	  "--wss, --nr-regions: leave out each target's first N snapshots, as "
	  "damo does (default 20)", 3 },
	{ "resolution", OPT_RESOL, "ROWSxCOLS", 0,
	  "--heatmap: time rows x address columns (default 40x80 on a terminal, "
	  "200x100 for SVG)", 3 },
	{ "color", OPT_COLOR, "WHEN", 0, "--heatmap colours: auto, always, never", 3 },
	{ 0 }
};

static int dur_s(const char *s, uint64_t *ns)
{
	return parse_duration(s, 1000000000ULL, ns);
}

/* One output mode: a second, different one is a usage error. */
static void set_mode(struct show_args *a, enum show_mode mode, const char *opt)
{
	if (a->mode_opt && a->mode != mode)
		die_usage("%s and %s are two output modes: give one", a->mode_opt, opt);
	a->mode = mode;
	a->mode_opt = opt;
}

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct show_args *a = state->input;
	uint64_t v;

	switch (key) {
	case OPT_SUMMARY:
		set_mode(a, MODE_SUMMARY, "--summary");
		return 0;
	case OPT_WSS:
		set_mode(a, MODE_WSS, "--wss");
		return 0;
	case OPT_NR_REGIONS:
		set_mode(a, MODE_NR_REGIONS, "--nr-regions");
		return 0;
	case OPT_INTERVALS:
		set_mode(a, MODE_INTERVALS, "--intervals");
		return 0;
	case OPT_HEATMAP:
		set_mode(a, MODE_HEATMAP, "--heatmap");
		if (arg) {
			size_t n = strlen(arg);

			if (n < 5 || strcmp(arg + n - 4, ".svg"))
				die_usage("--heatmap=%s: images are SVG; name a file ending in .svg", arg);
			a->svg = arg;
		}
		return 0;
	case OPT_CSV:
		a->csv = true;
		return 0;
	case OPT_RAWNUM:
		a->raw_numbers = true;
		return 0;
	case OPT_DAMO2:
		a->damo2 = true;
		return 0;
	case OPT_RANGE: {
		int lo, hi, step;
		char c1, c2, end;

		if (sscanf(arg, "%d%c%d%c%d%c", &lo, &c1, &hi, &c2, &step, &end) != 5 ||
		    c1 != ',' || c2 != ',' || lo < 0 || hi > 1000 || lo >= hi || step < 1)
			die_usage("--range '%s': give START,END,STEP, e.g. 0,101,25 (percentiles "
				  "START to below END)", arg);
		a->range[0] = lo;
		a->range[1] = hi;
		a->range[2] = step;
		a->range_set = true;
		return 0;
	}
	case OPT_EXCLUDE:
		if (parse_u64(arg, &v) || v > INT32_MAX)
			die_usage("--exclude-samples '%s': give a number of snapshots", arg);
		a->exclude = (long)v;
		return 0;
	case OPT_TRANGE:
		if (parse_range(arg, dur_s, &a->t_lo, &a->t_hi))
			die_usage("--time-range '%s': give START-END with START < END, e.g. 1s-3s", arg);
		a->time_filter = true;
		return 0;
	case OPT_ARANGE:
		if (parse_range(arg, parse_addr, &a->a_lo, &a->a_hi))
			die_usage("--address-range '%s': give START-END with START < END, "
				  "e.g. 0x7f0000000000-0x7f0000400000", arg);
		a->addr_filter = true;
		return 0;
	case OPT_TARGET:
		if (parse_u64(arg, &a->target))
			die_usage("--target '%s': not a target id", arg);
		a->target_filter = true;
		return 0;
	case OPT_MINACC:
		if (parse_u64(arg, &v) || v > UINT32_MAX)
			die_usage("--min-accesses '%s': not a number", arg);
		a->min_accesses = v;
		return 0;
	case OPT_RESOL: {
		unsigned int r, c;
		char x;

		if (sscanf(arg, "%u%c%u", &r, &x, &c) != 3 || (x != 'x' && x != 'X') ||
		    r < 1 || c < 1 || r > 2000 || c > 2000)
			die_usage("--resolution '%s': give ROWSxCOLS, e.g. 40x80 (1 to 2000 each)",
				  arg);
		a->rows = r;
		a->cols = c;
		return 0;
	}
	case OPT_COLOR:
		if (strcmp(arg, "auto") && strcmp(arg, "always") && strcmp(arg, "never"))
			die_usage("--color '%s': give auto, always or never", arg);
		a->color = arg;
		return 0;
	case ARGP_KEY_ARG:
		if (a->file) {
			argp_error(state, "extra argument '%s': show reads one file", arg);
			return EINVAL;
		}
		a->file = arg;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = {
	{ &global_argp, 0, NULL, 4 },
	{ &help_argp, 0, NULL, 5 },
	{ 0 }
};

static const struct argp show_argp = {
	options, parse, "[FILE]",
	"Show a record: FILE (default damon.data; '-' reads standard input), in "
	"any format damonctl reads (v0 to v4, JSON, CSV, perf script).\v"
	"Examples:\n"
	"  damonctl show\n"
	"  damonctl show --summary damon.data\n"
	"  damonctl show --heatmap\n"
	"  damonctl show --heatmap=heat.svg --resolution 200x100\n"
	"  damonctl show --wss --json\n"
	"  damonctl show --intervals damon.data\n"
	"  damonctl show --time-range 1s-2s --target 0 --csv\n\n"
	"A record that is cut short or corrupt (a v3 or v4 record without its "
	"END frame too) is shown up to its last good snapshot, then one error "
	"line gives the byte offset, and the exit status is 3.  Filters that "
	"leave nothing say so, with exit status 1.",
	children, NULL, NULL
};

/* ------------------------------------------------------------------ */
/* Decoding with filters                                                */
/* ------------------------------------------------------------------ */

struct src {
	const struct show_args *a;
	struct damonrec_reader *r;
	struct damonrec_snapshot *scratch;
	bool have_base;
	int64_t base;			/* time of the first snapshot */
	uint64_t seen;			/* snapshots decoded, before filters */
	uint64_t matched;		/* snapshots with regions after them */
	int64_t last;			/* latest time seen, after base */
	uint64_t ids[8];		/* the first target ids seen */
	size_t nr_ids;
	int ret;			/* last reader_next() result */
	int err;			/* its errno */
};

static bool filtering(const struct show_args *a)
{
	return a->addr_filter || a->target_filter;
}

static int src_nomem(struct src *s)
{
	s->err = errno;
	return s->ret = -1;
}

/* Next snapshot passing the filters: 1, 0 at the end, -1 on error. */
static int src_next(struct src *s, const struct damonrec_snapshot **out)
{
	const struct show_args *a = s->a;
	const struct damonrec_snapshot *snap;

	for (;;) {
		int64_t t, rel;
		size_t i, j;

		/* Output that cannot be written: stop, main() says why. */
		if (stdout_failed())
			return s->ret = 0;
		s->ret = damonrec_reader_next(s->r, &snap);
		if (s->ret != 1) {
			s->err = errno;
			return s->ret;
		}
		s->seen++;
		t = damonrec_snapshot_get_time(snap);
		if (!s->have_base) {
			s->base = t;
			s->have_base = true;
		}
		if (t - s->base > s->last)
			s->last = t - s->base;
		for (i = 0; i < damonrec_snapshot_get_nr_targets(snap); i++) {
			uint64_t id = damonrec_target_get_id(damonrec_snapshot_get_target(snap, i));

			for (j = 0; j < s->nr_ids && s->ids[j] != id; j++)
				;
			if (j == s->nr_ids && j < sizeof(s->ids) / sizeof(s->ids[0]))
				s->ids[s->nr_ids++] = id;
		}
		if (a->time_filter) {
			rel = t - s->base;
			if (rel < 0 || (uint64_t)rel < a->t_lo)
				continue;
			if ((uint64_t)rel > a->t_hi)
				continue;	/* later snapshots may be out of order */
		}
		if (!filtering(a)) {
			s->matched++;
			*out = snap;
			return 1;
		}
		damonrec_snapshot_clear(s->scratch);
		damonrec_snapshot_set_time(s->scratch, t);
		damonrec_snapshot_set_kdamond(s->scratch, damonrec_snapshot_get_kdamond(snap));
		damonrec_snapshot_set_lost_before(s->scratch,
						  damonrec_snapshot_get_lost_before(snap));
		{
			struct damonrec_intervals iv;

			damonrec_snapshot_get_intervals(snap, &iv);
			damonrec_snapshot_set_intervals(s->scratch, &iv);
		}
		for (i = 0; i < damonrec_snapshot_get_nr_targets(snap); i++) {
			const struct damonrec_target *tg = damonrec_snapshot_get_target(snap, i);
			const struct damonrec_region *rg = damonrec_target_get_regions(tg);
			size_t n = damonrec_target_get_nr_regions(tg);
			int ti;

			if (a->target_filter && damonrec_target_get_id(tg) != a->target)
				continue;
			ti = damonrec_snapshot_add_target(s->scratch, damonrec_target_get_id(tg));
			if (ti < 0)
				return src_nomem(s);
			for (j = 0; j < n; j++) {
				struct damonrec_region c = rg[j];

				if (a->addr_filter) {
					if (c.end <= a->a_lo || c.start >= a->a_hi)
						continue;
					if (c.start < a->a_lo)
						c.start = a->a_lo;
					if (c.end > a->a_hi)
						c.end = a->a_hi;
				}
				if (damonrec_snapshot_add_region(s->scratch, (size_t)ti, &c))
					return src_nomem(s);
			}
		}
		if (damonrec_snapshot_get_nr_regions(s->scratch))
			s->matched++;
		*out = s->scratch;
		return 1;
	}
}

static int open_error(const char *file, int err)
{
	if (err == ENOENT && !strcmp(file, "damon.data"))
		return err_msg(EXIT_ERR, "cannot open damon.data: %s; record one with "
			       "'damonctl record', or name a file", strerror(err));
	if (err == EBADMSG || err == ENODATA || err == EPROTO || err == EILSEQ ||
	    err == ENOMSG)
		return err_msg(EXIT_CORRUPT, "%s: not a record damonctl can read (%s)",
			       file, strerror(err));
	return err_msg(EXIT_ERR, "cannot open %s: %s", file, strerror(err));
}

static int src_open(struct src *s, const struct show_args *a, int fd)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->a = a;
	if (fd < 0 && strcmp(a->file, "-") && stat(a->file, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size == 0)
		return err_msg(EXIT_CORRUPT, "%s: empty file, no record in it", a->file);
	s->r = fd >= 0 ? damonrec_reader_open_fd(fd, DAMONREC_FORMAT_AUTO) :
			 damonrec_reader_open(a->file);
	if (!s->r)
		return open_error(a->file, errno);
	s->scratch = damonrec_snapshot_new();
	if (!s->scratch) {
		damonrec_reader_close(s->r);
		return err_msg(EXIT_ERR, "out of memory");
	}
	return 0;
}

static void src_close(struct src *s)
{
	damonrec_reader_close(s->r);
	damonrec_snapshot_free(s->scratch);
	s->r = NULL;
	s->scratch = NULL;
}

/* Filters that left nothing: say so, and what the record has. */
static int nothing_matched(const struct src *s)
{
	const struct show_args *a = s->a;
	char ids[160] = "", span[48];
	size_t i, n = 0;

	if (!a->time_filter && !filtering(a))
		return EXIT_OK;
	if (s->matched || !s->seen)
		return EXIT_OK;
	for (i = 0; i < s->nr_ids && n < sizeof(ids); i++)
		n += (size_t)snprintf(ids + n, sizeof(ids) - n, "%s%" PRIu64, i ? " " : "",
				      s->ids[i]);
	return err_msg(EXIT_ERR, "%s: nothing matched the filters: its %" PRIu64
		       " snapshots span 0 to %s, with target ids %s%s", a->file, s->seen,
		       fmt_time(span, sizeof(span), s->last), s->nr_ids ? ids : "(none)",
		       s->nr_ids == sizeof(s->ids) / sizeof(s->ids[0]) ? " ..." : "");
}

/*
 * After the loop: 0, or the one error line for a bad record.  A v3 record
 * without its END frame was cut short, even at a frame boundary.  When
 * standard output failed, main() gives the one line.
 */
static int src_result(struct src *s)
{
	int code;

	if (flush_stdout())
		return EXIT_OK;
	code = record_result(s->a->file, s->r, s->ret, s->err, s->seen, "");
	if (code)
		return code;
	return nothing_matched(s);
}

/* stdin cannot be read twice: keep a copy in an unlinked temporary file. */
static int spool_stdin(void)
{
	char buf[1 << 16];
	FILE *tmp = tmpfile();
	ssize_t n;
	int fd;

	if (!tmp)
		return -1;
	fd = dup(fileno(tmp));
	fclose(tmp);
	if (fd < 0)
		return -1;
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (write(fd, buf, (size_t)n) != n) {
			close(fd);
			return -1;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ------------------------------------------------------------------ */
/* Default output: damo report access --raw_form                        */
/* ------------------------------------------------------------------ */

/*
 * damo lists a record target by target ("records"), each with all its
 * snapshots.  A first pass finds the targets in the order they first
 * appear, and what damo needs that the snapshots alone do not say: the
 * first snapshot's start, inferred from the mean time between snapshots,
 * and the data_source that damo writes after the snapshots.  Then one
 * pass per target prints it.
 */
#define RAW_MAX_KEYS	4096
#define RAW_OUT_BUF	(4u << 20)

struct raw_key {
	unsigned int kd;
	uint64_t id;
	uint64_t n;
	int64_t first_end, last_end;
	int64_t first_start;		/* INT64_MIN: infer it */
	char source[64];
	/* while listing it */
	bool started;
	double base, prev_end;
};

struct raw_scan {
	struct raw_key *keys;
	size_t nr;
	bool age;
	struct damonrec_intervals iv;
};

static struct raw_key *raw_key_of(struct raw_scan *sc, unsigned int kd,
				  uint64_t id, size_t *hint)
{
	size_t i;

	if (*hint < sc->nr && sc->keys[*hint].kd == kd && sc->keys[*hint].id == id)
		return &sc->keys[*hint];
	for (i = 0; i < sc->nr; i++)
		if (sc->keys[i].kd == kd && sc->keys[i].id == id) {
			*hint = i;
			return &sc->keys[i];
		}
	return NULL;
}

static int raw_scan(const struct show_args *a, int fd, struct raw_scan *sc)
{
	const struct damonrec_snapshot *s;
	struct src src;
	size_t hint = 0, i, t;
	int code, ret;

	code = src_open(&src, a, fd);
	if (code)
		return code;
	while ((ret = src_next(&src, &s)) == 1) {
		unsigned int kd = damonrec_snapshot_get_kdamond(s);
		int64_t end = damonrec_snapshot_get_time(s);

		for (t = 0; t < damonrec_snapshot_get_nr_targets(s); t++) {
			uint64_t id = damonrec_target_get_id(damonrec_snapshot_get_target(s, t));
			struct raw_key *k = raw_key_of(sc, kd, id, &hint);

			if (!k) {
				if (sc->nr == RAW_MAX_KEYS) {
					src_close(&src);
					return err_msg(EXIT_ERR, "%s: more than %d targets to list; "
						       "pick one with --target", a->file,
						       RAW_MAX_KEYS);
				}
				k = &sc->keys[sc->nr++];
				memset(k, 0, sizeof(*k));
				k->kd = kd;
				k->id = id;
				k->first_end = end;
				k->first_start = damonrec_snapshot_get_start_time(s);
			}
			k->n++;
			k->last_end = end;
		}
	}
	/* A bad record is reported once, after its listing. */
	code = sc->nr ? EXIT_OK : src_result(&src);
	sc->age = damonrec_reader_has_age(src.r);
	damonrec_reader_get_intervals(src.r, &sc->iv);
	for (i = 0; i < sc->nr; i++) {
		const char *ds = damonrec_reader_get_data_source(src.r, sc->keys[i].kd,
								 sc->keys[i].id);

		snprintf(sc->keys[i].source, sizeof(sc->keys[i].source), "%s",
			 ds ? ds : "unknown");
	}
	src_close(&src);
	return code;
}

/* One snapshot of one target, as damo prints it. */
static void raw_block(struct obuf *ob, const struct damonrec_target *t,
		      double start, double end, double base, bool raw, bool age)
{
	const struct damonrec_region *r = damonrec_target_get_regions(t);
	size_t j, n = damonrec_target_get_nr_regions(t);
	char b[64];
	size_t l;

	l = damo_fmt_time(b, start - base, raw);
	ob_printf(ob, "monitoring_start:    %16.*s\n", (int)l, b);
	l = damo_fmt_time(b, end - base, raw);
	ob_printf(ob, "monitoring_end:      %16.*s\n", (int)l, b);
	l = damo_fmt_time(b, end - start, raw);
	ob_printf(ob, "monitoring_duration: %16.*s\n", (int)l, b);
	ob_printf(ob, "target_id: %" PRIu64 "\nnr_regions: %zu\n"
		  "# start_addr     end_addr        length  nr_accesses   age\n",
		  damonrec_target_get_id(t), n);
	for (j = 0; j < n; j++) {
		/* "%012x-%012x (%12s) %11d %5d\n", by hand */
		char *p = ob_room(ob, 128), *q;
		char sz[48];
		size_t szl, w;
		uint64_t v;
		int k;

		if (ob->err)
			return;
		q = p;
		for (k = 0; k < 2; k++) {
			uint64_t x = k ? r[j].end : r[j].start;
			int digits = 12;

			while (digits < 16 && (x >> (4 * digits)))
				digits++;
			for (w = (size_t)digits; w > 0; w--) {
				q[w - 1] = "0123456789abcdef"[x & 15];
				x >>= 4;
			}
			q += digits;
			*q++ = k ? ' ' : '-';
		}
		*q++ = '(';
		szl = damo_fmt_size(sz, r[j].end - r[j].start, raw);
		for (w = szl; w < 12; w++)
			*q++ = ' ';
		memcpy(q, sz, szl);
		q += szl;
		*q++ = ')';
		*q++ = ' ';
		v = r[j].nr_accesses;
		szl = damo_fmt_u64(sz, v);
		for (w = szl; w < 11; w++)
			*q++ = ' ';
		memcpy(q, sz, szl);
		q += szl;
		*q++ = ' ';
		if (age) {
			szl = damo_fmt_u64(sz, r[j].age);
			for (w = szl; w < 5; w++)
				*q++ = ' ';
			memcpy(q, sz, szl);
			q += szl;
		} else {
			memcpy(q, "   -1", 5);
			q += 5;
		}
		*q++ = '\n';
		ob->len += (size_t)(q - p);
	}
	ob_str(ob, "\n", 1);
}

/* Lines in what was written: damo's pager check. */
static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t c = 0;
	const char *e = p + n;

	while ((p = memchr(p, '\n', (size_t)(e - p)))) {
		c++;
		p++;
	}
	return c;
}

/*
 * damo prints through a pager when the text has more lines than the
 * terminal (50 when not on one), and otherwise with print(), which adds a
 * newline.  @skip: lines printed apart ("No record in FILE").
 */
static void raw_pager_newline(struct obuf *ob, uint64_t skip)
{
	unsigned int lim = 50;
	struct winsize ws;

	if (ob->err || ob->flushed)
		return;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		lim = ws.ws_row;
	if (count_lines(ob->buf, ob->len) - skip <= lim)
		ob_str(ob, "\n", 1);
}

/* One target's snapshot: its header first, then its block. */
static void raw_target(const struct show_args *a, const struct raw_scan *sc,
		       struct raw_key *k, const struct damonrec_snapshot *s,
		       const struct damonrec_target *tg, struct obuf *ob)
{
	double start, end = (double)damonrec_snapshot_get_time(s);
	int64_t st = damonrec_snapshot_get_start_time(s);

	if (st != INT64_MIN)
		start = (double)st;
	else if (k->started)
		start = k->prev_end;
	else
		start = (double)damonrec_first_start(k->first_end, k->last_end, k->n,
						     sc->iv.aggr_us);
	if (!k->started) {
		char b[64];
		size_t l = damo_fmt_time(b, start, a->raw_numbers);

		k->base = start;
		ob_printf(ob, "base_time_absolute: %.*s\ndata source: %s\n\n",
			  (int)l, b, k->source);
		k->started = true;
	}
	raw_block(ob, tg, start, end, k->base, a->raw_numbers, sc->age);
	k->prev_end = end;
}

/*
 * List target @k, or with @k NULL every target as its snapshots come (a
 * pipe, read once: a target's first snapshot then starts an aggregation
 * interval before its end, and the data source is not known yet).
 */
static int raw_list(const struct show_args *a, int fd, struct raw_scan *sc,
		    struct raw_key *k, struct obuf *ob, bool last)
{
	const struct damonrec_snapshot *s;
	size_t t, hint = 0;
	struct src src;
	int code, ret;

	if (fd >= 0)
		lseek(fd, 0, SEEK_SET);
	code = src_open(&src, a, fd);
	if (code)
		return code;
	if (!k)
		damonrec_reader_get_intervals(src.r, &sc->iv);
	while ((ret = src_next(&src, &s)) == 1 && !ob->err) {
		unsigned int kd = damonrec_snapshot_get_kdamond(s);

		if (k && kd != k->kd)
			continue;
		for (t = 0; t < damonrec_snapshot_get_nr_targets(s); t++) {
			const struct damonrec_target *tg = damonrec_snapshot_get_target(s, t);
			uint64_t id = damonrec_target_get_id(tg);
			struct raw_key *kk = k;

			if (k && id != k->id)
				continue;
			if (!k) {
				sc->age = damonrec_reader_has_age(src.r);
				kk = raw_key_of(sc, kd, id, &hint);
				if (!kk && sc->nr < RAW_MAX_KEYS) {
					kk = &sc->keys[sc->nr++];
					memset(kk, 0, sizeof(*kk));
					kk->kd = kd;
					kk->id = id;
					kk->n = 1;
					snprintf(kk->source, sizeof(kk->source), "unknown");
				}
				if (!kk)
					continue;
				kk->first_end = kk->last_end = damonrec_snapshot_get_time(s);
			}
			raw_target(a, sc, kk, s, tg, ob);
			if (k)
				break;
		}
	}
	code = EXIT_OK;
	if (last) {
		int e = errno;	/* of the reader, for src_result() */

		if (!sc->nr && src.ret == 0)
			ob_printf(ob, "No record in %s\n", a->file);
		raw_pager_newline(ob, sc->nr ? 0 : 1);
		ob_flush(ob);
		errno = e;
		code = src_result(&src);
	}
	src_close(&src);
	return code;
}

static int show_raw(const struct show_args *a)
{
	struct raw_scan sc = { 0 };
	struct stat st;
	struct obuf ob;
	int fd = -1, code;
	size_t i;

	/* Standard input: read it twice when it is a file, else once. */
	if (!strcmp(a->file, "-") && !fstat(STDIN_FILENO, &st) && S_ISREG(st.st_mode))
		fd = dup(STDIN_FILENO);
	sc.keys = calloc(RAW_MAX_KEYS, sizeof(*sc.keys));
	if (!sc.keys || ob_init(&ob, STDOUT_FILENO, RAW_OUT_BUF)) {
		free(sc.keys);
		if (fd >= 0)
			close(fd);
		return err_msg(EXIT_ERR, "out of memory");
	}
	fflush(stdout);
	g.stdout_used = true;
	if (!strcmp(a->file, "-") && fd < 0) {
		code = raw_list(a, -1, &sc, NULL, &ob, true);
	} else {
		code = raw_scan(a, fd, &sc);
		if (!sc.nr && code == EXIT_OK) {
			ob_printf(&ob, "No record in %s\n", a->file);
			raw_pager_newline(&ob, 1);
		}
		for (i = 0; i < sc.nr && !ob.err && code == EXIT_OK; i++)
			code = raw_list(a, fd, &sc, &sc.keys[i], &ob, i + 1 == sc.nr);
	}
	ob_flush(&ob);
	if (ob.err && code == EXIT_OK && ob.err != EPIPE)
		code = err_msg(EXIT_ERR, "writing standard output: %s", strerror(ob.err));
	ob_free(&ob);
	free(sc.keys);
	if (fd >= 0)
		close(fd);
	return code;
}

/* The layout of damo 2.x's "report raw" (--damo2). */
static const char *tfmt(char *b, size_t n, int64_t ns, bool raw)
{
	if (raw) {
		snprintf(b, n, "%" PRId64, ns);
		return b;
	}
	return fmt_time(b, n, ns);
}

static int show_raw_damo2(const struct show_args *a)
{
	const struct damonrec_snapshot *s;
	struct damonrec_intervals iv;
	struct src src;
	int64_t prev[64], base = 0;
	bool printed_base = false;
	int code, ret;
	size_t i;

	code = src_open(&src, a, -1);
	if (code)
		return code;
	damonrec_reader_get_intervals(src.r, &iv);
	for (i = 0; i < 64; i++)
		prev[i] = INT64_MIN;

	while ((ret = src_next(&src, &s)) == 1) {
		unsigned int k = damonrec_snapshot_get_kdamond(s) % 64;
		int64_t end = damonrec_snapshot_get_time(s), start;
		char b1[48], b2[48], b3[48];

		/* A snapshot covers the aggregation that ended at its time. */
		if (prev[k] != INT64_MIN && prev[k] < end)
			start = prev[k];
		else
			start = end - (int64_t)iv.aggr_us * 1000;
		prev[k] = end;
		if (!printed_base) {
			printf("base_time_absolute: %s\n\n", tfmt(b1, sizeof(b1), start,
								  a->raw_numbers));
			base = start;
			printed_base = true;
		}
		for (i = 0; i < damonrec_snapshot_get_nr_targets(s); i++) {
			const struct damonrec_target *t = damonrec_snapshot_get_target(s, i);
			const struct damonrec_region *r = damonrec_target_get_regions(t);
			size_t j, n = damonrec_target_get_nr_regions(t);

			printf("monitoring_start:    %16s\n", tfmt(b1, sizeof(b1), start - base, a->raw_numbers));
			printf("monitoring_end:      %16s\n", tfmt(b2, sizeof(b2), end - base, a->raw_numbers));
			printf("monitoring_duration: %16s\n", tfmt(b3, sizeof(b3), end - start, a->raw_numbers));
			printf("target_id: %" PRIu64 "\n", damonrec_target_get_id(t));
			printf("nr_regions: %zu\n", n);
			printf("# %10s %12s  %12s  %11s %5s\n", "start_addr", "end_addr",
			       "length", "nr_accesses", "age");
			for (j = 0; j < n; j++) {
				char sz[32];

				if (a->raw_numbers)
					snprintf(sz, sizeof(sz), "%" PRIu64, r[j].end - r[j].start);
				else
					fmt_size(sz, sizeof(sz), r[j].end - r[j].start);
				printf("%012" PRIx64 "-%012" PRIx64 " (%12s) %11u %5u\n",
				       r[j].start, r[j].end, sz, r[j].nr_accesses, r[j].age);
			}
			putchar('\n');
		}
	}
	code = src_result(&src);
	src_close(&src);
	return code;
}

/* --csv (and --json): through the library's writers. */
static int show_export(const struct show_args *a, enum damonrec_format fmt)
{
	struct damonrec_record_meta meta = { 0 };
	const struct damonrec_snapshot *s;
	struct damonrec_writer *w;
	struct src src;
	uint64_t lost_put = 0;
	int code, ret, fd = STDOUT_FILENO;

	code = src_open(&src, a, -1);
	if (code)
		return code;
	damonrec_reader_get_intervals(src.r, &meta.intervals);
	meta.start_ns = damonrec_reader_get_start_time(src.r);
	fflush(stdout);
	/* --pretty: the writer's JSON goes through a thread that indents it. */
	if (g.pretty && fmt == DAMONREC_FORMAT_JSON && (fd = pretty_begin()) < 0) {
		code = err_msg(EXIT_ERR, "cannot indent JSON: %s", strerror(errno));
		src_close(&src);
		return code;
	}
	w = damonrec_writer_open_fd(fd, fmt, &meta);
	if (!w) {
		if (fd != STDOUT_FILENO)
			pretty_end(fd);
		code = err_msg(EXIT_ERR, "cannot write %s: %s", damonrec_format_name(fmt),
			       strerror(errno));
		src_close(&src);
		return code;
	}
	g.stdout_used = true;
	while ((ret = src_next(&src, &s)) == 1) {
		/* The writer carries lost_before over itself. */
		lost_put += damonrec_snapshot_get_lost_before(s);
		if (damonrec_writer_write(w, s))
			break;
	}
	if (ret == 0 && damonrec_reader_get_lost(src.r) > lost_put)
		damonrec_writer_mark_lost(w, 0, damonrec_reader_get_lost(src.r) - lost_put);
	if (damonrec_writer_close(w) && ret >= 0) {
		code = errno == EPIPE ? EXIT_OK :
			err_msg(EXIT_ERR, "writing standard output: %s", strerror(errno));
		if (fd != STDOUT_FILENO)
			pretty_end(fd);
		src_close(&src);
		return code;
	}
	if (fd != STDOUT_FILENO)
		pretty_end(fd);
	code = src_result(&src);
	src_close(&src);
	return code;
}

/* ------------------------------------------------------------------ */
/* --summary                                                            */
/* ------------------------------------------------------------------ */

#define MAX_IDS 64

/* The intervals of each kdamond's last snapshot. */
struct iv_track {
	struct iv_kd {
		unsigned int kdamond;
		struct damonrec_intervals iv;
	} *kd;
	size_t n;
};

enum { IV_SAME, IV_FIRST, IV_CHANGED, IV_NOMEM };

/*
 * Whether @s is the first snapshot of its kdamond, or was taken with other
 * intervals than the previous one of its kdamond; *@iv gets them.
 */
static int iv_track(struct iv_track *t, const struct damonrec_snapshot *s,
		    struct damonrec_intervals *iv)
{
	unsigned int k = damonrec_snapshot_get_kdamond(s);
	struct iv_kd *p;
	size_t i;

	damonrec_snapshot_get_intervals(s, iv);
	for (i = 0; i < t->n; i++) {
		if (t->kd[i].kdamond != k)
			continue;
		if (!memcmp(&t->kd[i].iv, iv, sizeof(*iv)))
			return IV_SAME;
		t->kd[i].iv = *iv;
		return IV_CHANGED;
	}
	p = realloc(t->kd, (t->n + 1) * sizeof(*p));
	if (!p)
		return IV_NOMEM;
	t->kd = p;
	t->kd[t->n].kdamond = k;
	t->kd[t->n++].iv = *iv;
	return IV_FIRST;
}

static void add_id(uint64_t *ids, size_t *n, bool *more, uint64_t id)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	if (*n < MAX_IDS)
		ids[(*n)++] = id;
	else
		*more = true;
}

/*
 * The clock of a record's times: perf script prints perf's clock, which
 * counts from boot.  The recorders write CLOCK_REALTIME, but a record
 * converted from perf script keeps perf's times: a time before 2001 is no
 * wall-clock time.
 */
static const char *record_clock(enum damonrec_format f, int64_t first)
{
	if (f == DAMONREC_FORMAT_PERF_SCRIPT)
		return "perf";
	if (first >= 1000000000LL * 1000000000LL)
		return "realtime";
	return "unknown";
}

static int show_summary(const struct show_args *a)
{
	const struct damonrec_snapshot *s;
	struct damonrec_intervals iv;
	struct damonrec_wss *wss;
	uint64_t ids[MAX_IDS], kds[MAX_IDS];
	size_t nids = 0, nkds = 0;
	bool more_ids = false, more_kds = false;
	uint64_t count = 0, regions = 0, min_r = UINT64_MAX, max_r = 0;
	uint64_t lo = UINT64_MAX, hi = 0, total_lost;
	uint32_t max_acc = 0;
	int64_t first = 0, last = 0;
	struct iv_track ivt = { 0 };
	uint64_t iv_changes = 0;
	struct src src;
	int code, ret;
	size_t i, j;
	char b1[48], b2[48], b3[48];
	const char *clock;

	code = src_open(&src, a, -1);
	if (code)
		return code;
	wss = damonrec_wss_new(a->min_accesses ? (uint32_t)a->min_accesses : 1);
	if (!wss) {
		src_close(&src);
		return err_msg(EXIT_ERR, "out of memory");
	}
	damonrec_reader_get_intervals(src.r, &iv);
	while ((ret = src_next(&src, &s)) == 1) {
		size_t nr = damonrec_snapshot_get_nr_regions(s);
		int64_t t = damonrec_snapshot_get_time(s);

		if (!count)
			first = t;
		last = t;
		count++;
		regions += nr;
		if (nr < min_r)
			min_r = nr;
		if (nr > max_r)
			max_r = nr;
		add_id(kds, &nkds, &more_kds, damonrec_snapshot_get_kdamond(s));
		{
			struct damonrec_intervals siv;

			if (iv_track(&ivt, s, &siv) == IV_CHANGED)
				iv_changes++;
		}
		for (i = 0; i < damonrec_snapshot_get_nr_targets(s); i++) {
			const struct damonrec_target *t2 = damonrec_snapshot_get_target(s, i);
			const struct damonrec_region *r = damonrec_target_get_regions(t2);
			size_t n = damonrec_target_get_nr_regions(t2);

			add_id(ids, &nids, &more_ids, damonrec_target_get_id(t2));
			if (!n)
				continue;
			if (r[0].start < lo)
				lo = r[0].start;
			if (r[n - 1].end > hi)
				hi = r[n - 1].end;
			for (j = 0; j < n; j++)
				if (r[j].nr_accesses > max_acc)
					max_acc = r[j].nr_accesses;
		}
		damonrec_wss_add(wss, s);
	}
	total_lost = damonrec_reader_get_lost(src.r);
	free(ivt.kd);
	if (!count)
		min_r = 0;
	if (lo > hi)
		lo = hi = 0;

	clock = record_clock(damonrec_reader_get_format(src.r), first);
	if (damonrec_reader_get_format(src.r) == DAMONREC_FORMAT_AUTO) {
		/* Not a record at all: only the error line. */
	} else if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		json_str("file", a->file);
		json_str("format", damonrec_format_name(damonrec_reader_get_format(src.r)));
		json_bool("complete", src.ret == 0);
		json_bool("end_marker", damonrec_reader_has_end(src.r));
		json_u64("sample_us", iv.sample_us);
		json_u64("aggr_us", iv.aggr_us);
		json_u64("update_us", iv.update_us);
		json_u64("interval_changes", iv_changes);
		json_i64("start_ns", damonrec_reader_get_start_time(src.r));
		json_str("clock", clock);
		json_i64("first_ns", first);
		json_i64("last_ns", last);
		json_i64("duration_ns", last - first);
		json_u64("snapshots", count);
		json_u64("lost", total_lost);
		json_arr_open("kdamonds");
		for (i = 0; i < nkds; i++)
			json_u64(NULL, kds[i]);
		json_arr_close();
		json_arr_open("targets");
		for (i = 0; i < nids; i++)
			json_u64(NULL, ids[i]);
		json_arr_close();
		json_u64("regions", regions);
		json_u64("min_regions", min_r);
		json_u64("max_regions", max_r);
		json_u64("addr_start", lo);
		json_u64("addr_end", hi);
		json_u64("max_nr_accesses", max_acc);
		json_obj_open("wss");
		json_u64("min_accesses", a->min_accesses ? a->min_accesses : 1);
		json_u64("p50", count ? damonrec_wss_get_percentile(wss, 50) : 0);
		json_u64("p90", count ? damonrec_wss_get_percentile(wss, 90) : 0);
		json_u64("p99", count ? damonrec_wss_get_percentile(wss, 99) : 0);
		json_u64("max", count ? damonrec_wss_get_percentile(wss, 100) : 0);
		json_obj_close();
		json_obj_close();
		json_end();
	} else {
		enum damonrec_format f = damonrec_reader_get_format(src.r);

		printf("file:       %s\n", a->file);
		printf("format:     %s%s\n", damonrec_format_name(f) ? damonrec_format_name(f) : "?",
		       f == DAMONREC_FORMAT_V3 || f == DAMONREC_FORMAT_V4 ?
		       (damonrec_reader_has_end(src.r) ?
						  " (stopped cleanly)" : " (no end marker: cut short)") : "");
		if (iv.sample_us || iv.aggr_us || iv.update_us)
			printf("intervals:  sample %s, aggr %s, update %s\n",
			       fmt_time(b1, sizeof(b1), (int64_t)iv.sample_us * 1000),
			       fmt_time(b2, sizeof(b2), (int64_t)iv.aggr_us * 1000),
			       fmt_time(b3, sizeof(b3), (int64_t)iv.update_us * 1000));
		else if (f == DAMONREC_FORMAT_V3 || f == DAMONREC_FORMAT_V4)
			printf("intervals:  not in the header\n");
		else
			printf("intervals:  not recorded in this format\n");
		if (iv_changes)
			printf("            changed %" PRIu64 " times while recording "
			       "(--intervals lists them)\n", iv_changes);
		if (count && !strcmp(clock, "realtime"))
			printf("start:      %s (wall clock, local time)\n",
			       fmt_wallclock(b1, sizeof(b1), first));
		else if (count)
			printf("start:      %s after %s (%s clock, not a date)\n",
			       fmt_time(b1, sizeof(b1), first),
			       !strcmp(clock, "perf") ? "boot" : "the clock's zero",
			       !strcmp(clock, "perf") ? "perf's" : "an unknown");
		if (count) {
			printf("duration:   %s\n", fmt_time(b1, sizeof(b1), last - first));
		}
		printf("snapshots:  %" PRIu64 ", %" PRIu64 " lost\n", count, total_lost);
		printf("kdamonds:   %zu%s\n", nkds, more_kds ? "+" : "");
		printf("targets:    %zu%s (ids", nids, more_ids ? "+" : "");
		for (i = 0; i < nids && i < 8; i++)
			printf(" %" PRIu64, ids[i]);
		printf("%s)\n", nids > 8 ? " ..." : "");
		printf("regions:    %" PRIu64 " in all, %.1f per snapshot (%" PRIu64
		       " to %" PRIu64 ")\n", regions, count ? (double)regions / count : 0.0,
		       min_r, max_r);
		printf("addresses:  0x%" PRIx64 "-0x%" PRIx64 " (%s)\n", lo, hi,
		       fmt_size(b1, sizeof(b1), hi - lo));
		printf("accesses:   at most %u per aggregation\n", max_acc);
		if (count)
			printf("wss:        median %s, 90%% %s, max %s\n",
			       fmt_size(b1, sizeof(b1), damonrec_wss_get_percentile(wss, 50)),
			       fmt_size(b2, sizeof(b2), damonrec_wss_get_percentile(wss, 90)),
			       fmt_size(b3, sizeof(b3), damonrec_wss_get_percentile(wss, 100)));
	}
	damonrec_wss_free(wss);
	code = src_result(&src);
	src_close(&src);
	return code;
}

/* ------------------------------------------------------------------ */
/* --intervals                                                          */
/* ------------------------------------------------------------------ */

static const char *us_fmt(char *b, size_t n, uint64_t us, bool raw)
{
	if (raw || us > INT64_MAX / 1000) {
		snprintf(b, n, "%" PRIu64, us);
		return b;
	}
	return us ? fmt_time(b, n, (int64_t)us * 1000) : "unknown";
}

static int show_intervals(const struct show_args *a)
{
	const struct damonrec_snapshot *s;
	struct damonrec_intervals iv;
	struct iv_track ivt = { 0 };
	char b0[48], b1[48], b2[48], b3[48];
	struct src src;
	int code, ret;

	code = src_open(&src, a, -1);
	if (code)
		return code;
	if (g.json) {
		json_begin(stdout);
		json_arr_open(NULL);
	} else if (a->csv) {
		printf("time_ns,kdamond,sample_us,aggr_us,update_us\n");
	} else {
		printf("# %14s %7s %10s %10s %10s\n", a->raw_numbers ? "time_ns" : "time",
		       "kdamond", a->raw_numbers ? "sample_us" : "sample",
		       a->raw_numbers ? "aggr_us" : "aggr",
		       a->raw_numbers ? "update_us" : "update");
	}
	while ((ret = src_next(&src, &s)) == 1) {
		int64_t t = damonrec_snapshot_get_time(s);
		unsigned int k = damonrec_snapshot_get_kdamond(s);

		ret = iv_track(&ivt, s, &iv);
		if (ret == IV_NOMEM) {
			free(ivt.kd);
			src_close(&src);
			return err_msg(EXIT_ERR, "out of memory");
		}
		if (ret == IV_SAME)
			continue;
		if (g.json) {
			json_obj_open(NULL);
			json_i64("time_ns", t);
			json_u64("kdamond", k);
			json_u64("sample_us", iv.sample_us);
			json_u64("aggr_us", iv.aggr_us);
			json_u64("update_us", iv.update_us);
			json_obj_close();
		} else if (a->csv) {
			printf("%" PRId64 ",%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", t, k,
			       iv.sample_us, iv.aggr_us, iv.update_us);
		} else {
			printf("  %14s %7u %10s %10s %10s\n",
			       tfmt(b0, sizeof(b0), t - src.base, a->raw_numbers), k,
			       us_fmt(b1, sizeof(b1), iv.sample_us, a->raw_numbers),
			       us_fmt(b2, sizeof(b2), iv.aggr_us, a->raw_numbers),
			       us_fmt(b3, sizeof(b3), iv.update_us, a->raw_numbers));
		}
	}
	free(ivt.kd);
	if (g.json) {
		json_arr_close();
		json_end();
	}
	code = src_result(&src);
	src_close(&src);
	return code;
}

/* ------------------------------------------------------------------ */
/* --wss                                                                */
/* ------------------------------------------------------------------ */

#define WSS_MAX_KEYS	256

/* damo's format_sz() of a mean, a float there. */
static void damo_fmt_size_d(char *b, size_t n, double v, bool raw)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	int i;

	if (raw) {
		snprintf(b, n, "%lld", (long long)v);
		return;
	}
	for (i = 5; i >= 0; i--)
		if (v > ldexp(1, 10 * (i + 1))) {
			snprintf(b, n, "%.3f %s", v / ldexp(1, 10 * (i + 1)), units[i]);
			return;
		}
	snprintf(b, n, "%lld B", (long long)v);
}

struct wss_key {
	unsigned int kd;
	uint64_t id;
	uint64_t seen;
	struct damonrec_wss *w;
};

/* Sizes of a target's distribution at damo's index for percentile @p. */
static uint64_t key_pct(struct wss_key *k, int p)
{
	uint64_t len = damonrec_wss_get_count(k->w);
	uint64_t i = (uint64_t)(p / 100.0 * (double)len);

	return damonrec_wss_get_nth(k->w, i >= len ? len - 1 : i);
}

/* damo's "report nr_regions": target by target, not collapsed. */
static void show_nr_regions(const struct show_args *a, struct wss_key *keys, size_t nk,
			    int lo, int hi, int step)
{
	size_t i;
	int p;

	if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		json_arr_open("targets");
	} else if (a->csv) {
		printf("kdamond,target,percentile,regions\n");
	} else {
		printf("# <percentile> <# regions>\n");
	}
	for (i = 0; i < nk; i++) {
		struct wss_key *k = &keys[i];
		uint64_t n = damonrec_wss_get_count(k->w), sum = 0, j;

		for (j = 0; j < n; j++)
			sum += damonrec_wss_get_nth(k->w, j);
		if (g.json) {
			json_obj_open(NULL);
			json_u64("kdamond", k->kd);
			json_u64("target", k->id);
			json_u64("snapshots", n);
			json_u64("average", n ? sum / n : 0);
			json_arr_open("percentiles");
			for (p = lo; n && p < hi; p += step) {
				json_obj_open(NULL);
				json_u64("percentile", (uint64_t)p);
				json_u64("regions", key_pct(k, p));
				json_obj_close();
			}
			json_arr_close();
			json_obj_close();
			continue;
		}
		if (a->csv) {
			for (p = lo; n && p < hi; p += step)
				printf("%u,%" PRIu64 ",%d,%" PRIu64 "\n", k->kd, k->id, p,
				       key_pct(k, p));
			continue;
		}
		printf("# target_id\t%" PRIu64 "\n", k->id);
		if (!n) {
			printf("# no snapshot\n");
			continue;
		}
		/* '%d' of a float mean: truncated */
		printf("# avr:\t%" PRIu64 "\n", (uint64_t)((double)sum / (double)n));
		for (p = lo; p < hi; p += step)
			printf("%d\t%" PRIu64 "\n", p, key_pct(k, p));
	}
	if (g.json) {
		json_arr_close();
		json_obj_close();
		json_end();
	}
}

/*
 * damo's "report wss": per target, the first --exclude-samples snapshots
 * left out, the working-set size of each other one; each target's sizes
 * sorted, then the targets summed index by index (damo collapses them);
 * percentiles at index int(p / 100 * count).
 */
static int show_wss(const struct show_args *a, bool nr_regions)
{
	uint32_t min_acc = a->min_accesses ? (uint32_t)a->min_accesses : 1;
	uint64_t exclude = a->exclude < 0 ? 20 : (uint64_t)a->exclude;
	int lo = a->range_set ? a->range[0] : 0, hi = a->range_set ? a->range[1] : 101,
	    step = a->range_set ? a->range[2] : 25;
	const struct damonrec_snapshot *s;
	struct wss_key keys[WSS_MAX_KEYS];
	size_t nk = 0, hint = 0, i, j, t;
	uint64_t len = 0, count = 0, max_val = 0;
	long double sum = 0;
	double per_col;
	struct src src;
	int code, ret, p;
	char b[64];

	code = src_open(&src, a, -1);
	if (code)
		return code;
	while ((ret = src_next(&src, &s)) == 1) {
		unsigned int kd = damonrec_snapshot_get_kdamond(s);

		for (t = 0; t < damonrec_snapshot_get_nr_targets(s); t++) {
			const struct damonrec_target *tg = damonrec_snapshot_get_target(s, t);
			const struct damonrec_region *r = damonrec_target_get_regions(tg);
			size_t n = damonrec_target_get_nr_regions(tg);
			uint64_t id = damonrec_target_get_id(tg), ws = 0;
			struct wss_key *k = NULL;

			if (hint < nk && keys[hint].kd == kd && keys[hint].id == id)
				k = &keys[hint];
			for (i = 0; !k && i < nk; i++)
				if (keys[i].kd == kd && keys[i].id == id) {
					k = &keys[i];
					hint = i;
				}
			if (!k) {
				if (nk == WSS_MAX_KEYS) {
					src_close(&src);
					code = err_msg(EXIT_ERR, "%s: more than %d targets; pick one "
						       "with --target", a->file, WSS_MAX_KEYS);
					goto out;
				}
				k = &keys[nk];
				k->kd = kd;
				k->id = id;
				k->seen = 0;
				k->w = damonrec_wss_new(min_acc);
				if (!k->w) {
					src_close(&src);
					code = err_msg(EXIT_ERR, "out of memory");
					goto out;
				}
				hint = nk++;
			}
			if (k->seen++ < exclude)
				continue;
			for (j = 0; j < n && !nr_regions; j++)
				if (r[j].nr_accesses >= min_acc && r[j].end > r[j].start)
					ws += r[j].end - r[j].start;
			if (nr_regions)
				ws = n;
			if (damonrec_wss_add_size(k->w, ws)) {
				src_close(&src);
				code = err_msg(EXIT_ERR, "out of memory");
				goto out;
			}
			sum += ws;
			count++;
		}
	}
	for (i = 0; i < nk; i++)
		if (damonrec_wss_get_count(keys[i].w) > len)
			len = damonrec_wss_get_count(keys[i].w);

	/* The collapsed, sorted sizes: value at index @idx. */
#define COLLAPSED(idx) ({						\
		uint64_t v_ = 0;					\
		for (j = 0; j < nk; j++)				\
			if ((idx) < damonrec_wss_get_count(keys[j].w))	\
				v_ += damonrec_wss_get_nth(keys[j].w, (idx)); \
		v_; })
#define PCT_IDX(p) ({ uint64_t i_ = (uint64_t)((p) / 100.0 * (double)len);	\
		i_ >= len ? len - 1 : i_; })

	if (damonrec_reader_get_format(src.r) == DAMONREC_FORMAT_AUTO) {
		/* Not a record at all: only the error line. */
	} else if (nr_regions) {
		show_nr_regions(a, keys, nk, lo, hi, step);
	} else if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		json_u64("min_accesses", min_acc);
		json_u64("excluded", exclude);
		json_u64("snapshots", len);
		json_u64("average", len ? (uint64_t)(sum / len) : 0);
		json_arr_open("percentiles");
		for (p = lo; len && p < hi; p += step) {
			json_obj_open(NULL);
			json_double("percentile", p);
			json_u64("bytes", COLLAPSED(PCT_IDX(p)));
			json_obj_close();
		}
		json_arr_close();
		json_obj_close();
		json_end();
	} else if (a->csv) {
		printf("percentile,bytes\n");
		for (p = lo; len && p < hi; p += step)
			printf("%d,%" PRIu64 "\n", p, COLLAPSED(PCT_IDX(p)));
	} else {
		/* damo's text, bars of 59 columns included */
		printf("# target_id\t0\n# <percentile> <wss>\n");
		if (!len) {
			printf("# no snapshot\n");
		} else {
			damo_fmt_size_d(b, sizeof(b), (double)(sum / len), a->raw_numbers);
			printf("# avr:\t%s\n", b);
			for (p = lo; p < hi; p += step) {
				uint64_t v = COLLAPSED(PCT_IDX(p));

				if (v >= max_val)
					max_val = v;
			}
			per_col = max_val > 0 ? (double)max_val / 59 : 1;
			for (p = lo; p < hi; p += step) {
				uint64_t v = COLLAPSED(PCT_IDX(p));
				int cols = (int)((double)v / per_col), c;
				char sz[48];

				sz[damo_fmt_size(sz, v, a->raw_numbers)] = '\0';
				printf("%3d %15s |", p, sz);
				for (c = 0; c < 59; c++)
					putchar(c < cols ? '*' : ' ');
				printf("|\n");
			}
		}
	}
#undef COLLAPSED
#undef PCT_IDX
	(void)count;
	code = src_result(&src);
	src_close(&src);
out:
	for (i = 0; i < nk; i++)
		damonrec_wss_free(keys[i].w);
	return code;
}

/* ------------------------------------------------------------------ */
/* --heatmap                                                            */
/* ------------------------------------------------------------------ */

static unsigned int term_columns(void)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col)
		return ws.ws_col;
	if (c && atoi(c) > 0)
		return (unsigned int)atoi(c);
	return 100;
}

static int show_heatmap(const struct show_args *a)
{
	struct heatmap_view v = { .source = a->file };
	const struct damonrec_snapshot *s;
	struct damonrec_heatmap *h = NULL;
	unsigned int rows, cols;
	uint64_t count = 0;
	int fd = -1, code, ret;
	char tgt[32];
	struct src src;

	if (!strcmp(a->file, "-")) {
		fd = spool_stdin();
		if (fd < 0)
			return err_msg(EXIT_ERR, "cannot buffer standard input: %s",
				       strerror(errno));
	}
	/*
	 * Pass 1: how many snapshots.  A bad spot is reported after the map
	 * of the snapshots before it; with none, at once.
	 */
	code = src_open(&src, a, fd);
	if (code)
		goto out;
	while ((ret = src_next(&src, &s)) == 1)
		count++;
	if (!src.seen) {
		code = src_result(&src);
		src_close(&src);
		if (code)
			goto out;
	} else {
		src_close(&src);
	}
	if (!src.matched) {
		code = src.seen ? nothing_matched(&src) :
			err_msg(EXIT_ERR, "%s: no snapshots to plot", a->file);
		goto out;
	}
	if (a->rows) {
		rows = a->rows;
		cols = a->cols;
	} else if (a->svg) {
		rows = count < 200 ? (unsigned int)count : 200;
		cols = 100;
	} else {
		unsigned int w = term_columns();

		rows = count < 40 ? (unsigned int)count : 40;
		cols = w > 96 ? 80 : (w > 30 ? w - 16 : 16);
	}
	if (rows > count)	/* never more time rows than snapshots */
		rows = (unsigned int)count;
	h = damonrec_heatmap_new(rows, cols);
	if (!h) {
		code = err_msg(EXIT_ERR, "cannot make a %ux%u heatmap: %s", rows, cols,
			       strerror(errno));
		goto out;
	}
	if (fd >= 0)
		lseek(fd, 0, SEEK_SET);
	code = src_open(&src, a, fd);
	if (code)
		goto out;
	while ((ret = src_next(&src, &s)) == 1)
		damonrec_heatmap_scan(h, s);
	src_close(&src);
	if (a->addr_filter)
		damonrec_heatmap_set_addr_range(h, a->a_lo, a->a_hi == UINT64_MAX ?
						a->a_hi : a->a_hi);

	/* Pass 2: accumulate. */
	if (fd >= 0)
		lseek(fd, 0, SEEK_SET);
	code = src_open(&src, a, fd);
	if (code)
		goto out;
	while ((ret = src_next(&src, &s)) == 1)
		damonrec_heatmap_add(h, s);
	v.base_ns = src.base;

	v.h = h;
	if (a->target_filter)
		snprintf(tgt, sizeof(tgt), "%" PRIu64, a->target);
	else
		snprintf(tgt, sizeof(tgt), "all");
	v.target = tgt;
	if (a->svg) {
		if (heatmap_write_svg(a->svg, &v)) {
			code = err_msg(EXIT_ERR, "cannot write %s: %s", a->svg, strerror(errno));
			src_close(&src);
			goto out;
		}
		if (!g.json)
			printf("wrote %s (%u x %u cells)\n", a->svg, rows, cols);
		else {
			json_begin(stdout);
			json_obj_open(NULL);
			json_str("svg", a->svg);
			json_u64("time_bins", rows);
			json_u64("addr_bins", cols);
			json_obj_close();
			json_end();
		}
	} else if (g.json) {
		uint64_t a0, a1;
		int64_t t0, t1;
		unsigned int t, c;

		damonrec_heatmap_get_addr_range(h, &a0, &a1);
		damonrec_heatmap_get_time_range(h, &t0, &t1);
		json_begin(stdout);
		json_obj_open(NULL);
		json_u64("addr_start", a0);
		json_u64("addr_end", a1);
		json_i64("time_start_ns", t0);
		json_i64("time_end_ns", t1);
		json_arr_open("rows");
		for (t = 0; t < rows; t++) {
			json_arr_open(NULL);
			for (c = 0; c < cols; c++)
				json_double(NULL, damonrec_heatmap_get_value(h, t, c));
			json_arr_close();
		}
		json_arr_close();
		json_obj_close();
		json_end();
	} else {
		v.color = heatmap_color_mode(stdout, a->color);
		heatmap_print_term(stdout, &v);
	}
	/* After the map: the bad spot of the record, if any. */
	code = src_result(&src);
	src_close(&src);
out:
	damonrec_heatmap_free(h);
	if (fd >= 0)
		close(fd);
	return code;
}

int cmd_show(int argc, char **argv)
{
	static char obuf[1 << 20];
	struct show_args a = { .min_accesses = 0, .exclude = -1 };

	if (parse_args(&show_argp, argc, argv, &a, NULL))
		return EXIT_OK;
	if (!a.file)
		a.file = "damon.data";
	if (a.csv && g.json)
		die_usage("--csv and --json exclude each other");
	if (a.csv && (a.mode == MODE_SUMMARY || a.mode == MODE_HEATMAP))
		die_usage("--csv goes with the region listing, --wss, --nr-regions or --intervals");
	if ((a.rows || a.color) && a.mode != MODE_HEATMAP)
		die_usage("--resolution and --color go with --heatmap");
	if (a.damo2 && (a.mode != MODE_RAW || a.csv || g.json))
		die_usage("--damo2 goes with the region listing alone");
	if ((a.range_set || a.exclude >= 0) && a.mode != MODE_WSS && a.mode != MODE_NR_REGIONS)
		die_usage("--range and --exclude-samples go with --wss or --nr-regions");
	if (a.min_accesses && a.mode != MODE_WSS && a.mode != MODE_SUMMARY)
		die_usage("--min-accesses goes with --wss or --summary");
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));

	switch (a.mode) {
	case MODE_SUMMARY:
		return show_summary(&a);
	case MODE_WSS:
		return show_wss(&a, false);
	case MODE_NR_REGIONS:
		return show_wss(&a, true);
	case MODE_INTERVALS:
		return show_intervals(&a);
	case MODE_HEATMAP:
		return show_heatmap(&a);
	case MODE_RAW:
	default:
		if (g.json)
			return show_export(&a, DAMONREC_FORMAT_JSON);
		if (a.csv)
			return show_export(&a, DAMONREC_FORMAT_CSV);
		if (a.damo2)
			return show_raw_damo2(&a);
		return show_raw(&a);
	}
}
