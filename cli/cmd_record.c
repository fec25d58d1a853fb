// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl record: set DAMON up for a workload, a set of processes or the
 * physical address space (or attach to what DAMON already runs), record
 * its snapshots through /dev/damon_rec, and tear everything down again on
 * every way out: the end of the workload, --duration, SIGINT, SIGTERM,
 * SIGHUP, a stop from elsewhere, or an error.
 *
 * Signals are blocked in every thread and collected with sigtimedwait() by
 * the control loop, so no cleanup ever runs in a signal handler.  When the
 * record streams through read() (-o - or --split), the main thread reads
 * the stream and a second thread runs the control loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "devutil.h"

#define MAX_PIDS 64
#define TICK_NS (200 * 1000000LL)

enum target_mode { TGT_NONE, TGT_PIDS, TGT_CMD, TGT_PADDR, TGT_ATTACH };

static bool is_damo(enum damonrec_format f)
{
	return f == DAMONREC_FORMAT_DAMO || f == DAMONREC_FORMAT_DAMO_JSON;
}

struct record_args {
	uint64_t buf;			/* 0: keep the device's */
	const char *output;
	enum damonrec_format format;	/* the driver's */
	enum damonrec_format out_format;	/* the file's: format, or damo's */
	enum target_mode mode;
	pid_t pids[MAX_PIDS];
	size_t nr_pids;
	char **cmd;
	struct damonrec_intervals iv;	/* us; 0: DAMON's default */
	uint64_t min_regions, max_regions;
	uint64_t duration_ns;
	uint64_t split_bytes, split_ns;
	bool quiet;
};

struct record {
	struct record_args *a;
	struct damonrec_device *dev;
	struct damonrec_damon *damon;
	struct damonrec_device_info info;
	struct damonrec_intervals iv;	/* what goes into the header */
	bool damon_setup, dev_started, stopped;
	bool streaming, progress;
	pid_t child;
	int go_fd;
	bool child_done;
	int child_status;
	sigset_t sigs, oldmask;
	int64_t t0;
	const char *end_reason;
	char reason_buf[96];
	atomic_bool abort_stream;	/* stream side failed: stop */
	int stream_err;			/* errno of a stream-side failure */
	char stream_errmsg[512];
	int stream_code;
	/* --split */
	unsigned int part;
	uint64_t parts_bytes;
	uint64_t split_snapshots;
};

enum {
	OPT_PADDR = 0x100, OPT_ATTACH, OPT_SAMPLE, OPT_AGGR, OPT_UPDATE,
	OPT_MINR, OPT_MAXR, OPT_SPLIT, OPT_FORMAT,
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Output:", 1 },
	{ "output", 'o', "FILE", 0,
	  "Write the record to FILE (default damon.data); '-' streams it to "
	  "standard output", 1 },
	{ "format", OPT_FORMAT, "FMT", 0,
	  "Record format: v2, v3 (default), v4, or damo's json_compressed (damo) "
	  "or json (damo-json), re-encoded from v3 and written when the recording "
	  "ends", 1 },
	{ "buf", 'b', "BYTES", 0,
	  "Device buffer size, 1K to 4M (default: the device's setting)", 1 },
	{ "split", OPT_SPLIT, "SIZE|TIME", 0,
	  "Rotate the output into FILE.0, FILE.1, ... every SIZE bytes (4M, "
	  "1G) or every TIME (10s, 1h); each part decodes on its own", 1 },
	{ NULL, 0, NULL, 0, "Targets (exactly one kind):", 2 },
	{ "pid", 'p', "PID[,PID...]", 0,
	  "Monitor running processes (repeatable)", 2 },
	{ "paddr", OPT_PADDR, NULL, 0,
	  "Monitor the physical address space (the largest System RAM range)", 2 },
	{ "attach", OPT_ATTACH, NULL, 0,
	  "Record the kdamonds DAMON already runs, without touching them", 2 },
	{ "-- CMD [ARGS...]", 0, NULL, OPTION_DOC | OPTION_NO_USAGE,
	  "Run CMD and monitor it", 2 },
	{ NULL, 0, NULL, 0, "DAMON attributes (defaults as damo's):", 3 },
	{ "sample", OPT_SAMPLE, "TIME", 0,
	  "Sampling interval (5ms; a bare number is microseconds)", 3 },
	{ "aggr", OPT_AGGR, "TIME", 0, "Aggregation interval (100ms)", 3 },
	{ "update", OPT_UPDATE, "TIME", 0, "Operations update interval (1s)", 3 },
	{ "min-regions", OPT_MINR, "N", 0, "Minimum number of regions (10)", 3 },
	{ "max-regions", OPT_MAXR, "N", 0, "Maximum number of regions (1000)", 3 },
	{ NULL, 0, NULL, 0, "Other:", 4 },
	{ "duration", 'd', "TIME", 0,
	  "Stop after TIME (a bare number is seconds)", 4 },
	{ "quiet", 'q', NULL, 0, "No progress line and no summary", 4 },
	{ 0 }
};

static void add_pids(struct record_args *a, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	uint64_t v;

	if (!copy)
		die(EXIT_ERR, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_u64(tok, &v) || v == 0 || v > INT32_MAX)
			die_usage("-p '%s': not a process id", tok);
		if (a->nr_pids == MAX_PIDS)
			die_usage("-p: at most %d processes", MAX_PIDS);
		a->pids[a->nr_pids++] = (pid_t)v;
	}
	free(copy);
}

static void set_mode(struct record_args *a, enum target_mode m, const char *what)
{
	if (a->mode != TGT_NONE && a->mode != m)
		die_usage("%s cannot be combined with another target; give one of "
			  "-p, --paddr, --attach or -- CMD", what);
	a->mode = m;
}

static uint64_t interval_us(const char *opt, const char *arg)
{
	uint64_t ns;

	if (parse_duration(arg, 1000, &ns) || ns < 1000)
		die_usage("%s '%s': not a time of 1us or more; give e.g. 5ms, 100ms or 1s",
			  opt, arg);
	return ns / 1000;
}

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct record_args *a = state->input;
	uint64_t v;

	switch (key) {
	case 'o':
		if (!*arg)
			die_usage("-o needs a file name, or '-' for standard output");
		a->output = arg;
		return 0;
	case OPT_FORMAT:
		if (damonrec_format_parse(arg, &a->out_format) ||
		    (a->out_format != DAMONREC_FORMAT_V2 && a->out_format != DAMONREC_FORMAT_V3 &&
		     a->out_format != DAMONREC_FORMAT_V4 &&
		     a->out_format != DAMONREC_FORMAT_DAMO &&
		     a->out_format != DAMONREC_FORMAT_DAMO_JSON))
			die_usage("--format '%s': record writes v2, v3, v4, damo or damo-json", arg);
		/* The driver records v3; damo's formats are made from it. */
		a->format = is_damo(a->out_format) ? DAMONREC_FORMAT_V3 : a->out_format;
		return 0;
	case 'b':
		a->buf = parse_buf_size(arg);
		return 0;
	case OPT_SPLIT:
		if (is_duration(arg)) {
			if (parse_duration(arg, 1, &a->split_ns) ||
			    a->split_ns < 1000000)
				die_usage("--split '%s': give a time of 1ms or more", arg);
		} else if (parse_size(arg, &a->split_bytes) || a->split_bytes < 1024) {
			die_usage("--split '%s': give a size (4M, 1G; at least 1K) or a time (10s, 1h)",
				  arg);
		}
		return 0;
	case 'p':
		set_mode(a, TGT_PIDS, "-p");
		add_pids(a, arg);
		return 0;
	case OPT_PADDR:
		set_mode(a, TGT_PADDR, "--paddr");
		return 0;
	case OPT_ATTACH:
		set_mode(a, TGT_ATTACH, "--attach");
		return 0;
	case OPT_SAMPLE:
		a->iv.sample_us = interval_us("--sample", arg);
		return 0;
	case OPT_AGGR:
		a->iv.aggr_us = interval_us("--aggr", arg);
		return 0;
	case OPT_UPDATE:
		a->iv.update_us = interval_us("--update", arg);
		return 0;
	case OPT_MINR:
	case OPT_MAXR:
		if (parse_u64(arg, &v) || v < 3 || v > UINT32_MAX)
			die_usage("%s '%s': give a number of regions of 3 or more",
				  key == OPT_MINR ? "--min-regions" : "--max-regions", arg);
		if (key == OPT_MINR)
			a->min_regions = v;
		else
			a->max_regions = v;
		return 0;
	case 'd':
		if (parse_duration(arg, 1000000000ULL, &a->duration_ns) ||
		    !a->duration_ns)
			die_usage("--duration '%s': not a time; give e.g. 10 (seconds), 500ms or 2m",
				  arg);
		return 0;
	case 'q':
		a->quiet = true;
		return 0;
	case ARGP_KEY_ARG:
		/* The workload: stop here, parse_args() reports where. */
		return ARGP_ERR_UNKNOWN;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = {
	{ &global_argp, 0, NULL, 5 },
	{ &help_argp, 0, NULL, 6 },
	{ 0 }
};

static const struct argp record_argp = {
	options, parse, "[-- CMD [ARGS...]]",
	"Record DAMON access snapshots through /dev/damon_rec.\v"
	"Examples:\n"
	"  damonctl record --buf 4096 -o damon.data -- ./workload\n"
	"  damonctl record -p 1234 --duration 10s\n"
	"  damonctl record --paddr --aggr 200ms --split 1G -o paddr.data\n"
	"  damonctl record --attach -o - | damonctl show -\n\n"
	"Needs CAP_SYS_ADMIN and access to the root-only device and DAMON "
	"sysfs files (run as root).  Refuses (exit status 4) when DAMON already "
	"runs kdamonds it did not create: record those with --attach.",
	children, NULL, NULL
};

/* ------------------------------------------------------------------ */

static int check_caps(const struct record_args *a)
{
	cap_flag_value_t admin = CAP_CLEAR, dac = CAP_CLEAR;
	char missing[128] = "";
	cap_t caps;

	caps = cap_get_proc();
	if (!caps)
		return err_msg(EXIT_ERR, "cannot read this process's capabilities: %s",
			       strerror(errno));
	cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &admin);
	cap_get_flag(caps, CAP_DAC_OVERRIDE, CAP_EFFECTIVE, &dac);
	cap_free(caps);

	if (admin != CAP_SET)
		strcat(missing, "CAP_SYS_ADMIN (to control the device and DAMON)");
	/* The device and DAMON's sysfs files are root's, mode 0600. */
	if (geteuid() != 0 && dac != CAP_SET)
		strcat(missing, missing[0] ? " and CAP_DAC_OVERRIDE (the device and "
			"DAMON sysfs are root-only)" : "CAP_DAC_OVERRIDE (the device "
			"and DAMON sysfs are root-only)");
	if (!missing[0])
		return 0;
	return err_msg(EXIT_PERM, "%s needs %s; run it as root (e.g. with sudo)",
		       a->mode == TGT_ATTACH ? "record --attach" : "record", missing);
}

/* ------------------------------------------------------------------ */
/* The workload                                                         */
/* ------------------------------------------------------------------ */

static int spawn(struct record *r, char **cmd, bool stdout_is_record,
		 int *err_fd)
{
	int go[2], ep[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC))
		return -1;
	if (pipe2(ep, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(go[0]); close(go[1]); close(ep[0]); close(ep[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		char c;
		int e;

		close(go[1]);
		close(ep[0]);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
		/* With -o -, standard output carries the record: keep it clean. */
		if (stdout_is_record && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		/* Wait until DAMON watches this pid and the device records. */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(cmd[0], cmd);
		e = errno;
		if (write(ep[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ep[1]);
	r->child = pid;
	r->go_fd = go[1];
	*err_fd = ep[0];
	return 0;
}

static void reap_child(struct record *r, bool block)
{
	int st;
	pid_t p;

	if (r->child <= 0 || r->child_done)
		return;
	do {
		p = waitpid(r->child, &st, block ? 0 : WNOHANG);
	} while (p < 0 && errno == EINTR);
	if (p == r->child) {
		r->child_done = true;
		r->child_status = st;
	}
}

/* Terminate and reap the workload if it still runs. */
static void end_child(struct record *r)
{
	int i;

	if (r->child <= 0)
		return;
	if (r->go_fd >= 0) {
		close(r->go_fd);	/* never released: it exits at once */
		r->go_fd = -1;
	}
	reap_child(r, false);
	if (r->child_done)
		return;
	kill(r->child, SIGTERM);
	for (i = 0; i < 50 && !r->child_done; i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
		reap_child(r, false);
	}
	if (!r->child_done) {
		kill(r->child, SIGKILL);
		reap_child(r, true);
	}
}

/* ------------------------------------------------------------------ */
/* Control loop                                                         */
/* ------------------------------------------------------------------ */

static void progress_line(struct record *r, bool final)
{
	struct damonrec_device_status st;
	char t[32], b[32];

	if (!r->progress)
		return;
	if (damonrec_device_get_status(r->dev, &st))
		return;
	fprintf(stderr, "\r\033[Krecording: %s, %" PRIu64 " snapshots, %s, %" PRIu64
		" lost%s", fmt_time(t, sizeof(t), now_ns() - r->t0), st.snapshots,
		fmt_size(b, sizeof(b), st.bytes_written + st.bytes_buffered),
		st.lost_full + st.lost_nomem + st.lost_error,
		final ? "\n" : "");
	fflush(stderr);
}

static void set_reason(struct record *r, const char *fmt, const char *s, int n)
{
	snprintf(r->reason_buf, sizeof(r->reason_buf), fmt, s, n);
	r->end_reason = r->reason_buf;
}

/* Runs until something ends the recording, then stops DAMON and the device. */
static void control_loop(struct record *r)
{
	const struct record_args *a = r->a;
	int64_t deadline = a->duration_ns ? r->t0 + (int64_t)a->duration_ns : 0;
	struct damonrec_device_status st;
	int64_t last_progress = 0;

	for (;;) {
		int64_t wait = TICK_NS, now = now_ns();
		struct timespec ts;
		siginfo_t si;
		int sig;

		if (deadline) {
			if (now >= deadline) {
				r->end_reason = "duration reached";
				break;
			}
			if (deadline - now < wait)
				wait = deadline - now;
		}
		ts.tv_sec = wait / 1000000000LL;
		ts.tv_nsec = wait % 1000000000LL;
		sig = sigtimedwait(&r->sigs, &si, &ts);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			set_reason(r, "SIG%s received%.0d", sigabbrev_np(sig) ?
				   sigabbrev_np(sig) : "?", 0);
			break;
		}
		if (r->child > 0) {
			reap_child(r, false);
			if (r->child_done) {
				if (WIFEXITED(r->child_status))
					set_reason(r, "%sworkload exited with status %d", "",
						   WEXITSTATUS(r->child_status));
				else
					set_reason(r, "workload killed by SIG%s%.0d",
						   sigabbrev_np(WTERMSIG(r->child_status)) ?
						   sigabbrev_np(WTERMSIG(r->child_status)) : "?", 0);
				break;
			}
		}
		if (atomic_load(&r->abort_stream)) {
			r->end_reason = "output failed";
			break;
		}
		if (damonrec_device_get_status(r->dev, &st) == 0 &&
		    st.state != DAMONREC_STATE_RECORDING) {
			r->end_reason = st.state == DAMONREC_STATE_FAILED ?
				"the device stopped on an output error" :
				"stopped from elsewhere";
			break;
		}
		if (a->mode == TGT_ATTACH) {
			if (damonrec_damon_count_running(r->damon) == 0) {
				r->end_reason = "DAMON stopped";
				break;
			}
		} else if (damonrec_damon_is_running(r->damon) == 0) {
			r->end_reason = a->mode == TGT_PIDS ?
				"the monitored processes exited" : "the kdamond stopped";
			break;
		}
		now = now_ns();
		if (now - last_progress >= 250000000LL) {
			progress_line(r, false);
			last_progress = now;
		}
	}
	/* Stop DAMON first so that the record ends with a complete snapshot. */
	if (r->damon_setup)
		damonrec_damon_stop(r->damon);
	if (r->dev_started) {
		/* Not an error if it was stopped elsewhere meanwhile. */
		if (damonrec_device_stop(r->dev) &&
		    (damonrec_device_get_status(r->dev, &st) ||
		     st.state == DAMONREC_STATE_RECORDING))
			note("stopping the device failed: %s", strerror(errno));
		r->stopped = true;
	}
	progress_line(r, true);
}

static void *control_thread(void *arg)
{
	control_loop(arg);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Streaming                                                            */
/* ------------------------------------------------------------------ */

static void stream_fail(struct record *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void stream_fail(struct record *r, int code, const char *fmt, ...)
{
	va_list ap;

	if (r->stream_code)
		return;
	va_start(ap, fmt);
	vsnprintf(r->stream_errmsg, sizeof(r->stream_errmsg), fmt, ap);
	va_end(ap);
	r->stream_code = code;
	atomic_store(&r->abort_stream, true);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* -o -: copy the device stream to stdout until it ends. */
static void stream_copy(struct record *r)
{
	static char buf[1 << 16];
	bool out_ok = true;

	for (;;) {
		ssize_t n = damonrec_device_read(r->dev, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			stream_fail(r, EXIT_ERR, "reading the record stream: %s",
				    strerror(errno));
			break;
		}
		if (out_ok && write_all(STDOUT_FILENO, buf, (size_t)n)) {
			if (errno != EPIPE)
				stream_fail(r, EXIT_ERR, "writing to standard output: %s",
					    strerror(errno));
			else
				atomic_store(&r->abort_stream, true);
			out_ok = false;	/* keep draining until the stop */
		}
		if (out_ok)
			r->parts_bytes += (uint64_t)n;
	}
}

/* FILE.N with --split, else FILE ("-": standard output). */
static void part_name(const struct record *r, char *name, size_t n)
{
	if (r->a->split_bytes || r->a->split_ns)
		snprintf(name, n, "%s.%u", r->a->output, r->part);
	else
		snprintf(name, n, "%s", r->a->output);
}

static struct damonrec_writer *open_part(struct record *r,
					 const struct damonrec_record_meta *meta)
{
	struct damonrec_writer *w;
	char name[PATH_MAX];

	part_name(r, name, sizeof(name));
	w = damonrec_writer_open(name, r->a->out_format, meta);
	if (!w)
		stream_fail(r, EXIT_ERR, "cannot create %s: %s", name, strerror(errno));
	return w;
}

/*
 * A part whose writing failed (a full disk) before anything reached it is
 * removed: an empty file is no record.
 */
static void drop_empty_part(struct record *r)
{
	char name[PATH_MAX];
	struct stat st;

	part_name(r, name, sizeof(name));
	if (!stat(name, &st) && S_ISREG(st.st_mode) && !st.st_size)
		unlink(name);
}

static bool close_part(struct record *r, struct damonrec_writer *w)
{
	uint64_t bytes = damonrec_writer_get_bytes(w);
	char name[PATH_MAX];
	struct stat st;

	part_name(r, name, sizeof(name));
	if (damonrec_writer_close(w)) {
		stream_fail(r, EXIT_ERR, "writing %s: %s", name, strerror(errno));
		drop_empty_part(r);
		return false;
	}
	/* damo's formats are written whole at close. */
	if (is_damo(r->a->out_format) && strcmp(name, "-") && !stat(name, &st))
		bytes = (uint64_t)st.st_size;
	r->parts_bytes += bytes;
	r->part++;
	return true;
}

/* --split: decode the stream and re-encode it into numbered parts. */
static void stream_split(struct record *r)
{
	const struct record_args *a = r->a;
	struct damonrec_record_meta meta = { .intervals = r->iv };
	const struct damonrec_snapshot *s;
	struct damonrec_writer *w = NULL;
	struct damonrec_reader *rd;
	uint64_t lost_seen = 0;
	int64_t part_t0 = 0;
	bool writing = true;
	int ret;

	rd = damonrec_reader_open_fd(damonrec_device_get_fd(r->dev),
				     (enum damonrec_format)a->format);
	if (!rd) {
		stream_fail(r, EXIT_ERR, "cannot decode the record stream: %s",
			    strerror(errno));
		stream_copy(r);		/* drain it so that the stop completes */
		return;
	}
	meta.start_ns = damonrec_reader_get_start_time(rd);
	while ((ret = damonrec_reader_next(rd, &s)) == 1) {
		int64_t t = damonrec_snapshot_get_time(s);

		if (!writing)
			continue;
		if (w && ((a->split_bytes && damonrec_writer_get_bytes(w) >= a->split_bytes) ||
			  (a->split_ns && t - part_t0 >= (int64_t)a->split_ns))) {
			if (!close_part(r, w)) {
				w = NULL;
				writing = false;
				continue;
			}
			w = NULL;
		}
		if (!w) {
			if (r->part)
				meta.start_ns = t;
			w = open_part(r, &meta);
			if (!w) {
				writing = false;
				continue;
			}
			part_t0 = t;
		}
		/* The writer carries the snapshot's lost_before over itself. */
		lost_seen += damonrec_snapshot_get_lost_before(s);
		if (damonrec_writer_write(w, s)) {
			stream_fail(r, EXIT_ERR, "writing %s.%u: %s", a->output, r->part,
				    strerror(errno));
			damonrec_writer_close(w);
			w = NULL;
			drop_empty_part(r);
			writing = false;
			continue;
		}
		r->split_snapshots++;
	}
	if (ret < 0)
		stream_fail(r, EXIT_CORRUPT, "record stream undecodable at byte %" PRIu64 ": %s",
			    damonrec_reader_get_error_offset(rd),
			    damonrec_reader_get_error_message(rd));
	/*
	 * A recording that ends before its first snapshot still leaves
	 * FILE.0: an empty record that decodes, not no file at all.
	 */
	if (!w && !r->part && writing)
		w = open_part(r, &meta);
	if (w) {
		uint64_t lost = damonrec_reader_get_lost(rd);

		if (lost > lost_seen)
			damonrec_writer_mark_lost(w, 0, lost - lost_seen);
		close_part(r, w);
	}
	damonrec_reader_close(rd);
	if (ret < 0)
		stream_copy(r);
}

/* ------------------------------------------------------------------ */

static int setup_output(struct record *r)
{
	const struct record_args *a = r->a;

	if (r->streaming) {
		if (!r->info.stream)
			return err_msg(EXIT_UNAVAIL, "%s: this driver cannot stream a record; "
				       "record to a file with -o FILE (without --split)",
				       a->split_bytes || a->split_ns ? "--split" :
				       strcmp(a->output, "-") ? "--format damo" : "-o -");
		if (r->info.output_fd && damonrec_device_set_output_fd(r->dev, -1))
			return device_error("cannot clear the output fd", errno);
		if (damonrec_device_set_output_path(r->dev, NULL))
			return device_error("cannot clear the output path", errno);
	} else {
		if (r->info.output_fd && damonrec_device_set_output_fd(r->dev, -1))
			return device_error("cannot clear the output fd", errno);
		if (damonrec_device_set_output_path(r->dev, a->output)) {
			if (errno == ENAMETOOLONG || errno == EINVAL)
				return err_msg(EXIT_USAGE, "-o %s: the driver refuses this path "
					       "(%s); give a shorter one", a->output,
					       strerror(errno));
			return device_error("cannot set the output path", errno);
		}
	}
	if (a->buf) {
		if (a->buf < r->info.min_buf_len || a->buf > r->info.max_buf_len) {
			char lo[32], hi[32];

			return err_msg(EXIT_USAGE, "--buf %" PRIu64 ": out of range; give %s to %s",
				       a->buf, fmt_size(lo, sizeof(lo), r->info.min_buf_len),
				       fmt_size(hi, sizeof(hi), r->info.max_buf_len));
		}
		if (damonrec_device_set_buffer_size(r->dev, (uint32_t)a->buf))
			return device_error("cannot set the buffer size", errno);
	}
	if (!(r->info.formats & (1u << a->format)))
		return err_msg(EXIT_UNAVAIL, "--format %s: not supported by this driver",
			       damonrec_format_name(a->format));
	if (damonrec_device_set_format(r->dev, a->format))
		return device_error("cannot set the format", errno);
	return 0;
}

static int check_damon(struct record *r)
{
	const struct record_args *a = r->a;
	const char *root = g.sysfs ? g.sysfs : DAMONREC_SYSFS_ROOT;
	int n;

	r->damon = damonrec_damon_new(root);
	if (!r->damon)
		return err_msg(EXIT_ERR, "%s", strerror(errno));
	n = damonrec_damon_count_kdamonds(r->damon);
	if (n < 0) {
		if (errno == ENOENT)
			return err_msg(EXIT_UNAVAIL, "DAMON's sysfs interface is missing (%s): "
				       "use a kernel with CONFIG_DAMON_SYSFS", root);
		return err_msg(errno_exit_code(errno), "cannot read %s/kdamonds: %s",
			       root, strerror(errno));
	}
	if (a->mode == TGT_ATTACH) {
		struct damonrec_kdamond_info ki;
		int i;

		n = damonrec_damon_count_running(r->damon);
		if (n <= 0)
			return err_msg(EXIT_UNAVAIL, "--attach: no kdamond is running; start "
				       "DAMON first, or give a target (-p, --paddr, -- CMD)");
		for (i = 0; damonrec_damon_get_kdamond(r->damon, (unsigned int)i, &ki) == 0; i++) {
			if (ki.running) {
				r->iv = ki.intervals;
				break;
			}
		}
		return 0;
	}
	if (n > 0)
		return err_msg(EXIT_UNAVAIL, "DAMON already runs %d kdamond%s that damonctl "
			       "did not create; record %s with --attach, or remove %s first",
			       n, n == 1 ? "" : "s", n == 1 ? "it" : "them",
			       n == 1 ? "it" : "them");
	return 0;
}

static int setup_damon(struct record *r)
{
	const struct record_args *a = r->a;
	struct damonrec_damon_attrs at = {
		.ops = a->mode == TGT_PADDR ? DAMONREC_OPS_PADDR : DAMONREC_OPS_VADDR,
		.intervals = a->iv,
		.min_nr_regions = a->min_regions,
		.max_nr_regions = a->max_regions,
		.pids = a->mode == TGT_PADDR ? NULL : a->pids,
		.nr_pids = a->mode == TGT_PADDR ? 0 : a->nr_pids,
	};
	struct damonrec_kdamond_info ki;
	int e;

	/*
	 * damo's defaults.  DAMON's sysfs would update the regions only once
	 * a minute, too late for a workload that has just been exec()ed.
	 */
	if (!at.intervals.sample_us)
		at.intervals.sample_us = 5000;
	if (!at.intervals.aggr_us)
		at.intervals.aggr_us = at.intervals.sample_us > 100000 ?
				       at.intervals.sample_us : 100000;
	if (!at.intervals.update_us)
		at.intervals.update_us = at.intervals.aggr_us > 1000000 ?
					 at.intervals.aggr_us : 1000000;
	if (damonrec_damon_setup(r->damon, &at)) {
		e = errno;
		switch (e) {
		case EBUSY:
			return err_msg(EXIT_UNAVAIL, "DAMON got a kdamond meanwhile; record it "
				       "with --attach, or retry");
		case EACCES:
			if (a->mode == TGT_PADDR)
				return err_msg(EXIT_PERM, "--paddr: cannot read the System RAM "
					       "ranges of /proc/iomem; run as root");
			break;
		case EOPNOTSUPP:
			return err_msg(EXIT_UNAVAIL, "this kernel's DAMON lacks the %s "
				       "operations set", a->mode == TGT_PADDR ? "paddr" : "vaddr");
		case EINVAL:
			return err_msg(EXIT_USAGE, "DAMON refused the attributes (%s); check "
				       "--sample <= --aggr and --min-regions <= --max-regions",
				       strerror(e));
		}
		return err_msg(errno_exit_code(e), "cannot set DAMON up in %s: %s",
			       g.sysfs ? g.sysfs : DAMONREC_SYSFS_ROOT, strerror(e));
	}
	r->damon_setup = true;
	if (damonrec_damon_get_kdamond(r->damon, 0, &ki) == 0)
		r->iv = ki.intervals;
	return 0;
}

static void summary(struct record *r, int code)
{
	const struct record_args *a = r->a;
	struct damonrec_device_status st;
	char b[32], t[32];
	uint64_t lost, bytes;

	if (a->quiet || damonrec_device_get_status(r->dev, &st))
		return;
	lost = st.lost_full + st.lost_nomem + st.lost_error;
	bytes = r->streaming ? r->parts_bytes : st.bytes_written;
	if (g.json) {
		FILE *f = strcmp(a->output, "-") ? stdout : stderr;

		json_begin(f);
		json_obj_open(NULL);
		json_str("output", a->output);
		json_str("format", damonrec_format_name(a->out_format));
		if (a->split_bytes || a->split_ns)
			json_u64("parts", r->part);
		json_u64("snapshots", st.snapshots);
		json_u64("bytes", bytes);
		json_u64("lost", lost);
		json_u64("duration_ns", st.duration_ns);
		json_str("end", r->end_reason);
		json_i64("exit_status", code);
		json_obj_close();
		json_end();
		return;
	}
	if (a->split_bytes || a->split_ns)
		note("%" PRIu64 " snapshots in %u part%s %s.0..%u (%s, %s), %" PRIu64
		     " lost, %s; %s", st.snapshots, r->part, r->part == 1 ? "" : "s",
		     a->output, r->part ? r->part - 1 : 0,
		     damonrec_format_name(a->out_format), fmt_size(b, sizeof(b), bytes),
		     lost, fmt_time(t, sizeof(t), (int64_t)st.duration_ns),
		     r->end_reason ? r->end_reason : "stopped");
	else
		note("%" PRIu64 " snapshots, %s written to %s (%s), %" PRIu64
		     " lost, %s; %s", st.snapshots, fmt_size(b, sizeof(b), bytes),
		     strcmp(a->output, "-") ? a->output : "standard output",
		     damonrec_format_name(a->out_format), lost,
		     fmt_time(t, sizeof(t), (int64_t)st.duration_ns),
		     r->end_reason ? r->end_reason : "stopped");
}

int cmd_record(int argc, char **argv)
{
	struct record_args a = {
		.output = "damon.data",
		.format = DAMONREC_FORMAT_V3,
		.out_format = DAMONREC_FORMAT_V3,
	};
	struct record r = { .a = &a, .go_fd = -1 };
	struct damonrec_device_status st;
	pthread_t thread;
	int code = EXIT_OK, idx = argc, err_fd = -1;

	if (parse_args(&record_argp, argc, argv, &a, &idx))
		return EXIT_OK;
	if (idx < argc) {
		set_mode(&a, TGT_CMD, "-- CMD");
		a.cmd = argv + idx;
	}
	if (a.mode == TGT_NONE)
		die_usage("nothing to monitor; give -- CMD [ARGS], -p PID, --paddr or --attach");
	if (a.mode == TGT_ATTACH && (a.iv.sample_us || a.iv.aggr_us || a.iv.update_us ||
				     a.min_regions || a.max_regions))
		die_usage("--attach records DAMON as it runs: drop --sample, --aggr, "
			  "--update, --min-regions and --max-regions");
	if (a.iv.sample_us && a.iv.aggr_us && a.iv.sample_us > a.iv.aggr_us)
		die_usage("--sample must not exceed --aggr");
	if (a.iv.aggr_us && a.iv.update_us && a.iv.aggr_us > a.iv.update_us)
		die_usage("--aggr must not exceed --update");
	if (a.min_regions && a.max_regions && a.min_regions > a.max_regions)
		die_usage("--min-regions must not exceed --max-regions");
	if ((a.split_bytes || a.split_ns) && !strcmp(a.output, "-"))
		die_usage("--split writes numbered files: give -o FILE, not -o -");
	if (a.mode == TGT_PIDS) {
		size_t i;

		for (i = 0; i < a.nr_pids; i++)
			if (kill(a.pids[i], 0) && errno == ESRCH)
				die_usage("-p %d: no such process", (int)a.pids[i]);
	}
	r.streaming = !strcmp(a.output, "-") || a.split_bytes || a.split_ns ||
		      is_damo(a.out_format);
	r.progress = !a.quiet && !g.json && isatty(STDERR_FILENO);
	if (!strcmp(a.output, "-") && isatty(STDOUT_FILENO))
		die_usage("-o -: standard output is a terminal; pipe it into a program "
			  "(damonctl show -) or redirect it to a file");

	code = check_caps(&a);
	if (code)
		return code;

	r.dev = device_open_or_explain(0, &code);
	if (!r.dev)
		return code;
	if (damonrec_device_get_info(r.dev, &r.info)) {
		code = device_error("cannot query the device", errno);
		goto out_dev;
	}
	if (!r.info.damon_available) {
		code = err_msg(EXIT_UNAVAIL, "the driver found no DAMON in this kernel (no "
			       "damon_aggregated tracepoint); boot a kernel with CONFIG_DAMON");
		goto out_dev;
	}
	if (damonrec_device_get_status(r.dev, &st)) {
		code = device_error("cannot read the device status", errno);
		goto out_dev;
	}
	if (st.state == DAMONREC_STATE_RECORDING) {
		code = err_msg(EXIT_UNAVAIL, "another recording is running (see 'damonctl "
			       "status'); end it with 'damonctl stop'");
		goto out_dev;
	}
	code = check_damon(&r);
	if (code)
		goto out_damon;
	code = setup_output(&r);
	if (code)
		goto out_damon;

	/* From here on, signals are only taken by the control loop. */
	sigemptyset(&r.sigs);
	sigaddset(&r.sigs, SIGINT);
	sigaddset(&r.sigs, SIGTERM);
	sigaddset(&r.sigs, SIGHUP);
	sigaddset(&r.sigs, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &r.sigs, &r.oldmask);
	signal(SIGPIPE, SIG_IGN);

	if (a.mode == TGT_CMD) {
		if (spawn(&r, a.cmd, !strcmp(a.output, "-"), &err_fd)) {
			code = err_msg(EXIT_ERR, "cannot start '%s': %s", a.cmd[0],
				       strerror(errno));
			goto out_sig;
		}
		a.pids[0] = r.child;
		a.nr_pids = 1;
	}
	if (a.mode != TGT_ATTACH) {
		code = setup_damon(&r);
		if (code)
			goto out_child;
	}
	if (damonrec_device_start(r.dev, &r.iv)) {
		int e = errno;

		if (e == ENOENT || e == EACCES || e == EROFS || e == ENOSPC || e == ELOOP ||
		    e == EISDIR)
			code = err_msg(e == EACCES ? EXIT_PERM : EXIT_ERR,
				       "cannot record to %s: %s; check the path and its directory",
				       a.output, strerror(e));
		else
			code = device_error("cannot start recording", e);
		goto out_damon_setup;
	}
	r.dev_started = true;
	r.t0 = now_ns();
	if (a.mode != TGT_ATTACH && damonrec_damon_start(r.damon)) {
		int e = errno;

		code = err_msg(errno_exit_code(e) == EXIT_UNAVAIL ? EXIT_ERR : errno_exit_code(e),
			       "DAMON refused to start (%s)%s", strerror(e),
			       a.mode == TGT_PIDS ? "; check that the processes still run" :
			       "; check the attributes");
		damonrec_device_stop(r.dev);
		goto out_damon_setup;
	}
	if (r.child > 0) {
		char c = 1;
		int e = 0;
		ssize_t n;

		if (write(r.go_fd, &c, 1) != 1) {
			code = err_msg(EXIT_ERR, "cannot release the workload: %s",
				       strerror(errno));
			damonrec_damon_stop(r.damon);
			damonrec_device_stop(r.dev);
			goto out_damon_setup;
		}
		close(r.go_fd);
		r.go_fd = -1;
		do {
			n = read(err_fd, &e, sizeof(e));
		} while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof(e)) {
			code = err_msg(e == ENOENT || e == EACCES ? EXIT_USAGE : EXIT_ERR,
				       "cannot run '%s': %s", a.cmd[0], strerror(e));
			damonrec_damon_stop(r.damon);
			damonrec_device_stop(r.dev);
			goto out_damon_setup;
		}
	}

	if (r.streaming) {
		if (pthread_create(&thread, NULL, control_thread, &r)) {
			code = err_msg(EXIT_ERR, "cannot start a thread: %s", strerror(errno));
			damonrec_damon_stop(r.damon);
			damonrec_device_stop(r.dev);
			goto out_damon_setup;
		}
		if (a.split_bytes || a.split_ns || is_damo(a.out_format))
			stream_split(&r);
		else
			stream_copy(&r);
		/* The stream ended: the control loop stopped, or must now. */
		atomic_store(&r.abort_stream, true);
		pthread_join(thread, NULL);
		if (r.stream_code)
			code = err_msg(r.stream_code, "%s", r.stream_errmsg);
	} else {
		control_loop(&r);
	}
	if (!code && damonrec_device_get_status(r.dev, &st) == 0 &&
	    st.state == DAMONREC_STATE_FAILED)
		code = err_msg(EXIT_ERR, "the recording failed: %s; what was written before "
			       "stays decodable", st.last_error ? strerror(st.last_error) :
			       "output error");

out_damon_setup:
	if (r.damon_setup && damonrec_damon_teardown(r.damon)) {
		int e = errno;

		if (!code)
			code = err_msg(EXIT_ERR, "cannot remove the kdamond set up for the "
				       "recording: %s", strerror(e));
	}
	r.damon_setup = false;
out_child:
	end_child(&r);
	if (err_fd >= 0)
		close(err_fd);
out_sig:
	/* Signals stay blocked: a second Ctrl-C must not cut the summary. */
	if (r.dev_started)
		summary(&r, code);
out_damon:
	damonrec_damon_free(r.damon);
out_dev:
	damonrec_device_close(r.dev);
	return code;
}
