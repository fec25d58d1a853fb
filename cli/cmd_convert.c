// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl convert: decode a record in any format the library reads (v0 to
 * v3, v4, JSON, CSV, perf script text of damon:damon_aggregated events,
 * damo's json and json_compressed) and write it as v2, v3, v4, JSON, CSV or
 * damo's formats, one snapshot at a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "damonrec.h"

struct convert_args {
	const char *in, *out;
	enum damonrec_format fmt, in_fmt;
	bool fmt_set;
};

enum { OPT_FORMAT = 0x100, OPT_IN_FORMAT };

static const struct argp_option options[] = {
	{ "output", 'o', "OUT", 0, "Output file ('-': standard output)", 0 },
	{ "format", OPT_FORMAT, "FMT", 0,
	  "Output format: v2, v3, v4, json, csv, damo (damo's json_compressed) or "
	  "damo-json (default: from the extension of OUT, .json or .csv, else v3)", 0 },
	{ "input-format", OPT_IN_FORMAT, "FMT", 0,
	  "Input format when detection is not wanted: v0, v1, v2, v3, v4, json, "
	  "csv, perf-script, damo or damo-json", 0 },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct convert_args *a = state->input;

	switch (key) {
	case 'o':
		if (!*arg)
			die_usage("-o needs a file name, or '-' for standard output");
		a->out = arg;
		return 0;
	case OPT_FORMAT:
		if (damonrec_format_parse(arg, &a->fmt) ||
		    a->fmt == DAMONREC_FORMAT_V0 || a->fmt == DAMONREC_FORMAT_V1 ||
		    a->fmt == DAMONREC_FORMAT_PERF_SCRIPT)
			die_usage("--format '%s': convert writes v2, v3, v4, json, csv, damo or "
				  "damo-json", arg);
		a->fmt_set = true;
		return 0;
	case OPT_IN_FORMAT:
		if (damonrec_format_parse(arg, &a->in_fmt) || a->in_fmt == DAMONREC_FORMAT_AUTO)
			die_usage("--input-format '%s': give v0, v1, v2, v3, v4, json, csv, "
				  "perf-script, damo or damo-json", arg);
		return 0;
	case ARGP_KEY_ARG:
		if (a->in) {
			argp_error(state, "extra argument '%s': give one input, and the "
				   "output with -o", arg);
			return EINVAL;
		}
		a->in = arg;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = {
	{ &global_argp, 0, NULL, 1 },
	{ &help_argp, 0, NULL, 2 },
	{ 0 }
};

static const struct argp convert_argp = {
	options, parse, "IN -o OUT",
	"Convert the record IN ('-': standard input) into OUT.\v"
	"Examples:\n"
	"  damonctl convert damon.data -o damon.v2 --format v2\n"
	"  damonctl convert damon.data -o damon.json\n"
	"  perf script | damonctl convert - -o perf.data.v3\n\n"
	"v2 -> v3 -> v2 and v2 -> json -> v2 give back the same bytes.  A "
	"record that is cut short or corrupt is converted up to its last good "
	"snapshot, and OUT is marked cut short too (v3, v4: no END frame, JSON: no "
	"closing brackets); then one error line gives the byte offset and the "
	"exit status is 3.  When no snapshot could be read, OUT is not written.",
	children, NULL, NULL
};

static struct damonrec_writer *open_output(const struct convert_args *a,
					   const struct damonrec_record_meta *meta,
					   const struct damonrec_reader *r)
{
	struct damonrec_writer *w = damonrec_writer_open(a->out, a->fmt, meta);

	if (!w)
		err_msg(EXIT_ERR, "cannot create %s: %s", a->out, strerror(errno));
	else if (!strcmp(a->out, "-"))
		g.stdout_used = true;
	/* Whether the regions carry ages is known once a snapshot is read. */
	if (w)
		damonrec_writer_set_age(w, damonrec_reader_has_age(r));
	return w;
}

#define MAX_KEYS 256

struct conv_key {
	unsigned int kd;
	uint64_t id;
};

static void add_key(struct conv_key *k, size_t *n, unsigned int kd, uint64_t id)
{
	size_t i;

	for (i = *n; i > 0; i--)
		if (k[i - 1].kd == kd && k[i - 1].id == id)
			return;
	k[*n].kd = kd;
	k[(*n)++].id = id;
}

/* One line for the damo fields a conversion cannot carry. */
static void warn_dropped(unsigned int mask, enum damonrec_format out)
{
	static const char *const names[] = {
		"scheme_filters", "damos_stats", "probe_hits", "sz_filter_passed",
		"intervals_goal",
	};
	char list[160] = "";
	size_t i;

	if (!mask)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (mask & (1u << i))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] ? ", " : "", names[i]);
	fprintf(stderr, "damonctl convert: warning: %s: dropped damo's %s, which "
		"damonctl does not carry\n", damonrec_format_name(out), list);
}

/* damo writes data_source after the snapshots: known only at the end. */
static void copy_sources(struct damonrec_writer *w, const struct damonrec_reader *r,
			 const struct conv_key *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *ds = damonrec_reader_get_data_source(r, keys[i].kd, keys[i].id);

		if (ds)
			damonrec_writer_set_data_source(w, keys[i].kd, keys[i].id, ds);
	}
}

static enum damonrec_format format_from_name(const char *out)
{
	size_t n = strlen(out);

	if (n > 5 && !strcmp(out + n - 5, ".json"))
		return DAMONREC_FORMAT_JSON;
	if (n > 4 && !strcmp(out + n - 4, ".csv"))
		return DAMONREC_FORMAT_CSV;
	return DAMONREC_FORMAT_V3;
}

int cmd_convert(int argc, char **argv)
{
	struct conv_key keys[MAX_KEYS];
	size_t nkeys = 0, t;
	struct convert_args a = { .in_fmt = DAMONREC_FORMAT_AUTO };
	struct damonrec_record_meta meta = { 0 };
	const struct damonrec_snapshot *s;
	struct damonrec_reader *r;
	struct damonrec_writer *w = NULL;
	struct stat si, so;
	uint64_t count = 0, lost_put = 0;
	int ret, code = EXIT_OK, e;
	bool cut;

	if (parse_args(&convert_argp, argc, argv, &a, NULL))
		return EXIT_OK;
	if (!a.in)
		die_usage("no input: give IN -o OUT");
	if (!a.out)
		die_usage("no output: give -o OUT ('-' for standard output)");
	if (!a.fmt_set)
		a.fmt = format_from_name(a.out);
	if (strcmp(a.in, "-") && strcmp(a.out, "-") && stat(a.in, &si) == 0 &&
	    stat(a.out, &so) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
		die_usage("-o %s is the input itself; write to another file", a.out);
	if (!strcmp(a.out, "-") && isatty(STDOUT_FILENO) &&
	    (a.fmt == DAMONREC_FORMAT_V2 || a.fmt == DAMONREC_FORMAT_V3 ||
	     a.fmt == DAMONREC_FORMAT_V4 || a.fmt == DAMONREC_FORMAT_DAMO))
		die_usage("-o -: refusing to write a binary record to a terminal; redirect it");
	if (strcmp(a.in, "-") && stat(a.in, &si) == 0 && S_ISREG(si.st_mode) && !si.st_size)
		return err_msg(EXIT_CORRUPT, "%s: empty file, no record in it", a.in);

	if (a.in_fmt != DAMONREC_FORMAT_AUTO || !strcmp(a.in, "-")) {
		int fd = STDIN_FILENO;

		if (strcmp(a.in, "-")) {
			FILE *f = fopen(a.in, "re");

			if (!f)
				return err_msg(EXIT_ERR, "cannot open %s: %s", a.in, strerror(errno));
			fd = dup(fileno(f));
			fclose(f);
		}
		r = damonrec_reader_open_fd(fd, a.in_fmt);
	} else {
		r = damonrec_reader_open(a.in);
	}
	if (!r) {
		e = errno;
		if (e == EBADMSG || e == ENODATA || e == EPROTO || e == EILSEQ)
			return err_msg(EXIT_CORRUPT, "%s: not a record damonctl can read (%s)",
				       a.in, strerror(e));
		return err_msg(EXIT_ERR, "cannot open %s: %s", a.in, strerror(e));
	}
	damonrec_reader_get_intervals(r, &meta.intervals);
	meta.start_ns = damonrec_reader_get_start_time(r);
	/* OUT is made with the first snapshot: a bad input leaves none. */
	while ((ret = damonrec_reader_next(r, &s)) == 1) {
		if (!w && !(w = open_output(&a, &meta, r))) {
			code = EXIT_ERR;
			break;
		}
		/* The writer carries lost_before over itself. */
		lost_put += damonrec_snapshot_get_lost_before(s);
		if (damonrec_writer_write(w, s)) {
			if (errno == E2BIG)
				code = err_msg(EXIT_ERR, "writing %s: damo's formats take at most "
					       "256 targets; convert fewer with show --target",
					       a.out);
			else
				code = err_msg(EXIT_ERR, "writing %s: %s", a.out, strerror(errno));
			break;
		}
		for (t = 0; t < damonrec_snapshot_get_nr_targets(s) && nkeys < MAX_KEYS; t++)
			add_key(keys, &nkeys, damonrec_snapshot_get_kdamond(s),
				damonrec_target_get_id(damonrec_snapshot_get_target(s, t)));
		count++;
	}
	e = errno;
	if (code) {
		damonrec_writer_close(w);
		damonrec_reader_close(r);
		return code;
	}
	cut = ret < 0 || (!damonrec_reader_has_end(r) &&
			  (damonrec_reader_get_format(r) == DAMONREC_FORMAT_V3 ||
			   damonrec_reader_get_format(r) == DAMONREC_FORMAT_V4));
	if (cut && !count) {
		char note[512];

		snprintf(note, sizeof(note), " (nothing converted, %s not written)",
			 strcmp(a.out, "-") ? a.out : "no output");
		code = record_result(a.in, r, ret, e, count, note);
		damonrec_reader_close(r);
		return code;
	}
	if (!w && !(w = open_output(&a, &meta, r))) {
		damonrec_reader_close(r);
		return EXIT_ERR;
	}
	copy_sources(w, r, keys, nkeys);
	warn_dropped(damonrec_reader_get_dropped(r), a.fmt);
	if (ret == 0 && damonrec_reader_get_lost(r) > lost_put)
		damonrec_writer_mark_lost(w, 0, damonrec_reader_get_lost(r) - lost_put);
	if ((cut ? damonrec_writer_close_cut_short(w) : damonrec_writer_close(w))) {
		code = err_msg(EXIT_ERR, "writing %s: %s", a.out, strerror(errno));
		damonrec_reader_close(r);
		return code;
	}
	if (cut) {
		char note[512];

		snprintf(note, sizeof(note), " (all %" PRIu64 " in %s%s)", count,
			 strcmp(a.out, "-") ? a.out : "the output",
			 a.fmt == DAMONREC_FORMAT_V3 || a.fmt == DAMONREC_FORMAT_V4 ||
			 a.fmt == DAMONREC_FORMAT_JSON ?
			 ", which is cut short too" : "");
		code = record_result(a.in, r, ret, e, count, note);
	}
	damonrec_reader_close(r);
	return code;
}
