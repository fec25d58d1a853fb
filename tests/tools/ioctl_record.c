// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_record - record DAMON snapshots with the bare /dev/damon_rec ioctls
 *
 * A test program for the test VM (it writes DAMON's sysfs files): it sets
 * DAMON up through /sys/kernel/mm/damon/admin, drives the device with
 * nothing but the ioctls of <linux/damon_rec.h>, and tears DAMON down.
 *
 *   ioctl_record [OPTION...]
 *
 *   -f, --format 2|3|4     record format (default 3)
 *   -b, --buf BYTES        buffer size (default: the driver's)
 *   -o, --out PATH         output path (SET_PATH; relative to the cwd)
 *   -F, --fd PATH          open PATH here and pass it with SET_OUTPUT_FD
 *   -s, --stream PATH      no output set: read() the stream into PATH
 *   -p, --poll             with --stream: O_NONBLOCK reads driven by poll()
 *   -O, --ops vaddr|paddr  DAMON operations (default vaddr)
 *   -t, --pid PID          a vaddr target (repeat for more targets)
 *   -k, --kdamonds N       N kdamonds, each monitoring every target
 *   -S, --sample-us US     sampling interval (default 5000)
 *   -A, --aggr-us US       aggregation interval (default 100000)
 *   -U, --update-us US     operations update interval (default 1000000)
 *   -m, --min-regions N    (default 10)
 *   -M, --max-regions N    (default 1000)
 *   -d, --duration SEC     record for SEC seconds (default 3)
 *   -w, --wait-pid PID     stop when PID has exited (before --duration)
 *   -n, --no-damon         leave DAMON alone: record whatever runs
 *   -q, --status FILE      write the final status to FILE (key=value lines)
 *   -B, --status-before FILE  write the status just before STOP to FILE
 *   -a, --stop-alarm SEC   SIGALRM (a handler without SA_RESTART) SEC
 *                          seconds into STOP, which may then fail with EINTR
 *   -Q, --query FILE       only write the device's status to FILE and exit
 *                          (no recording, no DAMON; no output option)
 *   -C, --clear-output     only clear the output path and descriptor (the
 *                          driver drops its reference to the file) and exit
 *   -P, --pipe-size BYTES  the output (--out or --fd) is a FIFO: set its
 *                          capacity (F_SETPIPE_SZ) before starting
 *   -X, --stop-only        only STOP the current recording (with --stop-alarm
 *                          and --status; no DAMON; no output option)
 *   -r, --read-after       with --stream: read nothing until the recording
 *                          has stopped, then drain the stream
 *   -D, --detach           start, then exit leaving the recording and DAMON
 *                          running (to unload the module under a recording)
 *   -c, --cycles N         with DAMON running, START and STOP N times, each
 *                          recording 0 to 30 ms (draining a stream to EOF)
 *
 * Exit status 0 when everything worked, 3 when STOP failed (the status is
 * still reported), 1 on any other error; the last line on stdout is a
 * summary of the status.
 */
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "drec_test.h"

#define MAX_TARGETS 8

static struct {
	unsigned int format;
	unsigned int buf;
	const char *out;
	const char *fd_path;
	const char *stream;
	int poll;
	const char *ops;
	int pids[MAX_TARGETS];
	int nr_pids;
	int kdamonds;
	unsigned long sample_us, aggr_us, update_us;
	unsigned long min_regions, max_regions;
	double duration;
	int wait_pid;
	int no_damon;
	const char *status_file;
	const char *before_file;
	unsigned long stop_alarm;
	const char *query;
	int stop_only;
	unsigned long pipe_size;
	int clear_only;
	int read_after;
	int detach;
	unsigned long cycles;
} opt = {
	.format = 3,
	.ops = "vaddr",
	.kdamonds = 1,
	.sample_us = 5000,
	.aggr_us = 100000,
	.update_us = 1000000,
	.min_regions = 10,
	.max_regions = 1000,
	.duration = 3,
};

static int dev;

static void damon_setup(void)
{
	unsigned long long rs = 0, re = 0;
	char val[64];
	int k, t;

	if (!strcmp(opt.ops, "paddr") && biggest_system_ram(&rs, &re))
		die("no System RAM range in /proc/iomem");
	snprintf(val, sizeof(val), "%d", opt.kdamonds);
	damon_writef(val, "kdamonds/nr_kdamonds");
	for (k = 0; k < opt.kdamonds; k++) {
		const char *c = "kdamonds/%d/contexts/0/%s";

		damon_writef("1", "kdamonds/%d/contexts/nr_contexts", k);
		damon_writef(opt.ops, c, k, "operations");
		snprintf(val, sizeof(val), "%lu", opt.sample_us);
		damon_writef(val, c, k, "monitoring_attrs/intervals/sample_us");
		snprintf(val, sizeof(val), "%lu", opt.aggr_us);
		damon_writef(val, c, k, "monitoring_attrs/intervals/aggr_us");
		snprintf(val, sizeof(val), "%lu", opt.update_us);
		damon_writef(val, c, k, "monitoring_attrs/intervals/update_us");
		snprintf(val, sizeof(val), "%lu", opt.max_regions);
		damon_writef(val, c, k, "monitoring_attrs/nr_regions/max");
		snprintf(val, sizeof(val), "%lu", opt.min_regions);
		damon_writef(val, c, k, "monitoring_attrs/nr_regions/min");
		if (!strcmp(opt.ops, "paddr")) {
			damon_writef("1", c, k, "targets/nr_targets");
			damon_writef("1", c, k, "targets/0/regions/nr_regions");
			snprintf(val, sizeof(val), "%llu", rs);
			damon_writef(val, c, k, "targets/0/regions/0/start");
			snprintf(val, sizeof(val), "%llu", re);
			damon_writef(val, c, k, "targets/0/regions/0/end");
			continue;
		}
		snprintf(val, sizeof(val), "%d", opt.nr_pids);
		damon_writef(val, c, k, "targets/nr_targets");
		for (t = 0; t < opt.nr_pids; t++) {
			char rel[64];

			snprintf(rel, sizeof(rel), "targets/%d/pid_target", t);
			snprintf(val, sizeof(val), "%d", opt.pids[t]);
			damon_writef(val, c, k, rel);
		}
	}
}

static void damon_state(const char *state)
{
	int k;

	for (k = 0; k < opt.kdamonds; k++)
		damon_writef(state, "kdamonds/%d/state", k);
}

/* Turn the kdamonds off; those whose targets all exited are off already. */
static void damon_teardown(void)
{
	char rel[64], state[32];
	int k;

	for (k = 0; k < opt.kdamonds; k++) {
		snprintf(rel, sizeof(rel), "kdamonds/%d/state", k);
		if (damon_read(rel, state, sizeof(state)))
			die("reading %s/%s: %s", DAMON_ADMIN, rel,
			    strerror(errno));
		if (!strcmp(state, "on"))
			damon_writef("off", "%s", rel);
	}
	damon_writef("0", "kdamonds/nr_kdamonds");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep until the duration is over or the awaited process has gone. */
static void wait_recording(void)
{
	double end = now_s() + opt.duration;

	while (now_s() < end) {
		if (opt.wait_pid && kill(opt.wait_pid, 0) && errno == ESRCH)
			return;
		usleep(20000);
	}
}

static void *stopper(void *arg)
{
	(void)arg;
	wait_recording();
	if (ioctl(dev, DAMON_REC_IOC_STOP))
		die("DAMON_REC_IOC_STOP: %s", strerror(errno));
	return NULL;
}

/* Drain the stream into @path until end of file; returns bytes. */
static unsigned long long read_stream(const char *path, unsigned long *eagain,
				      unsigned long *polls)
{
	unsigned long long total = 0;
	static char buf[65536];
	int out;

	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		die("%s: %s", path, strerror(errno));
	if (opt.poll && fcntl(dev, F_SETFL, O_NONBLOCK))
		die("F_SETFL: %s", strerror(errno));
	for (;;) {
		ssize_t n;

		if (opt.poll) {
			struct pollfd p = { .fd = dev, .events = POLLIN };

			if (poll(&p, 1, -1) < 0) {
				if (errno == EINTR)
					continue;
				die("poll: %s", strerror(errno));
			}
			if (!(p.revents & POLLIN))
				die("poll returned 0x%x without POLLIN",
				    p.revents);
			(*polls)++;
		}
		n = read(dev, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN) {
			if (!opt.poll)
				die("read: EAGAIN on a blocking descriptor");
			(*eagain)++;
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read: %s", strerror(errno));
		}
		if (n == 0)
			break;
		if (write(out, buf, n) != n)
			die("%s: short write", path);
		total += n;
	}
	close(out);
	return total;
}

static const char *state_name(unsigned int s)
{
	switch (s) {
	case DAMON_REC_STATE_IDLE: return "idle";
	case DAMON_REC_STATE_RECORDING: return "recording";
	case DAMON_REC_STATE_FAILED: return "failed";
	}
	return "?";
}

static void report_to(const struct damon_rec_status *st, const char *file)
{
	char line[1024];
	FILE *f;

	snprintf(line, sizeof(line),
		 "state=%s\nformat=%u\noutput=%u\nbuf_len=%u\nsnapshots=%llu\n"
		 "regions=%llu\nbytes_written=%llu\nbytes_buffered=%llu\n"
		 "lost_full=%llu\nlost_nomem=%llu\nlost_error=%llu\n"
		 "last_error=%d\nnr_kdamonds=%u\nduration_ns=%llu\n",
		 state_name(st->state), st->format, st->output, st->buf_len,
		 (unsigned long long)st->snapshots,
		 (unsigned long long)st->regions,
		 (unsigned long long)st->bytes_written,
		 (unsigned long long)st->bytes_buffered,
		 (unsigned long long)st->lost_full,
		 (unsigned long long)st->lost_nomem,
		 (unsigned long long)st->lost_error, st->last_error,
		 st->nr_kdamonds, (unsigned long long)st->duration_ns);
	if (file) {
		f = fopen(file, "w");
		if (!f || fputs(line, f) == EOF || fclose(f))
			die("%s: cannot write the status", file);
	}
	if (file != opt.status_file)
		return;
	printf("ioctl_record: state=%s snapshots=%llu regions=%llu bytes=%llu lost_full=%llu lost_nomem=%llu lost_error=%llu last_error=%d kdamonds=%u\n",
	       state_name(st->state), (unsigned long long)st->snapshots,
	       (unsigned long long)st->regions,
	       (unsigned long long)st->bytes_written,
	       (unsigned long long)st->lost_full,
	       (unsigned long long)st->lost_nomem,
	       (unsigned long long)st->lost_error, st->last_error,
	       st->nr_kdamonds);
}

static void report(const struct damon_rec_status *st)
{
	report_to(st, opt.status_file);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * Just before STOP: the status, and the alarm that interrupts STOP, when
 * asked for.
 */
static void before_stop(void)
{
	struct damon_rec_status st;
	struct sigaction sa = { .sa_handler = on_alarm };

	if (opt.before_file) {
		if (ioctl(dev, DAMON_REC_IOC_GET_STATUS, &st))
			die("GET_STATUS: %s", strerror(errno));
		report_to(&st, opt.before_file);
	}
	if (opt.stop_alarm) {
		/* No SA_RESTART: the interrupted ioctl fails with EINTR. */
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGALRM, &sa, NULL))
			die("sigaction: %s", strerror(errno));
		alarm(opt.stop_alarm);
	}
}

static unsigned long num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end)
		die("ioctl_record: bad %s '%s': give a number", what, s);
	return v;
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", 1, NULL, 'f' }, { "buf", 1, NULL, 'b' },
		{ "out", 1, NULL, 'o' }, { "fd", 1, NULL, 'F' },
		{ "stream", 1, NULL, 's' }, { "poll", 0, NULL, 'p' },
		{ "ops", 1, NULL, 'O' }, { "pid", 1, NULL, 't' },
		{ "kdamonds", 1, NULL, 'k' }, { "sample-us", 1, NULL, 'S' },
		{ "aggr-us", 1, NULL, 'A' }, { "update-us", 1, NULL, 'U' },
		{ "min-regions", 1, NULL, 'm' },
		{ "max-regions", 1, NULL, 'M' },
		{ "duration", 1, NULL, 'd' }, { "wait-pid", 1, NULL, 'w' },
		{ "no-damon", 0, NULL, 'n' }, { "status", 1, NULL, 'q' },
		{ "status-before", 1, NULL, 'B' },
		{ "stop-alarm", 1, NULL, 'a' }, { "query", 1, NULL, 'Q' },
		{ "stop-only", 0, NULL, 'X' }, { "pipe-size", 1, NULL, 'P' },
		{ "clear-output", 0, NULL, 'C' },
		{ "read-after", 0, NULL, 'r' }, { "detach", 0, NULL, 'D' },
		{ "cycles", 1, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "f:b:o:F:s:pO:t:k:S:A:U:m:M:d:w:nq:B:a:Q:XP:CrDc:",
				lo, NULL)) != -1) {
		switch (c) {
		case 'f': opt.format = num(optarg, "format"); break;
		case 'b': opt.buf = num(optarg, "buffer size"); break;
		case 'o': opt.out = optarg; break;
		case 'F': opt.fd_path = optarg; break;
		case 's': opt.stream = optarg; break;
		case 'p': opt.poll = 1; break;
		case 'O': opt.ops = optarg; break;
		case 't':
			if (opt.nr_pids == MAX_TARGETS)
				die("ioctl_record: at most %d targets",
				    MAX_TARGETS);
			opt.pids[opt.nr_pids++] = num(optarg, "pid");
			break;
		case 'k': opt.kdamonds = num(optarg, "kdamond count"); break;
		case 'S': opt.sample_us = num(optarg, "interval"); break;
		case 'A': opt.aggr_us = num(optarg, "interval"); break;
		case 'U': opt.update_us = num(optarg, "interval"); break;
		case 'm': opt.min_regions = num(optarg, "region count"); break;
		case 'M': opt.max_regions = num(optarg, "region count"); break;
		case 'd': opt.duration = atof(optarg); break;
		case 'w': opt.wait_pid = num(optarg, "pid"); break;
		case 'n': opt.no_damon = 1; break;
		case 'q': opt.status_file = optarg; break;
		case 'B': opt.before_file = optarg; break;
		case 'a': opt.stop_alarm = num(optarg, "alarm delay"); break;
		case 'Q': opt.query = optarg; break;
		case 'X': opt.stop_only = 1; break;
		case 'C': opt.clear_only = 1; break;
		case 'P': opt.pipe_size = num(optarg, "pipe size"); break;
		case 'r': opt.read_after = 1; break;
		case 'D': opt.detach = 1; break;
		case 'c': opt.cycles = num(optarg, "cycle count"); break;
		default:
			die("ioctl_record: unknown option: see the comment at the top of ioctl_record.c");
		}
	}
	if (optind != argc)
		die("ioctl_record: unexpected argument '%s'", argv[optind]);
	if (opt.query || opt.stop_only || opt.clear_only)
		return;
	if (!!opt.out + !!opt.fd_path + !!opt.stream != 1)
		die("ioctl_record: give exactly one of --out, --fd and --stream");
	if (!opt.no_damon && strcmp(opt.ops, "paddr") && !opt.nr_pids)
		die("ioctl_record: vaddr monitoring needs --pid");
}

int main(int argc, char **argv)
{
	struct damon_rec_start start = { 0 };
	struct damon_rec_status st;
	struct damon_rec_info info = { .api_version = DAMON_REC_API_VERSION };
	struct damon_rec_path rp = { 0 };
	unsigned long eagain = 0, polls = 0;
	unsigned long long streamed = 0;
	pthread_t thr;
	int ofd = -1;
	__u32 v;

	parse(argc, argv);
	dev = open(DREC_DEV, O_RDWR);
	if (dev < 0)
		die("%s: %s", DREC_DEV, strerror(errno));
	if (ioctl(dev, DAMON_REC_IOC_GET_INFO, &info))
		die("GET_INFO: %s", strerror(errno));
	if (opt.query) {
		if (ioctl(dev, DAMON_REC_IOC_GET_STATUS, &st))
			die("GET_STATUS: %s", strerror(errno));
		report_to(&st, opt.query);
		return 0;
	}
	if (opt.stop_only) {
		int e = 0;

		before_stop();
		if (ioctl(dev, DAMON_REC_IOC_STOP))
			e = errno;
		if (ioctl(dev, DAMON_REC_IOC_GET_STATUS, &st))
			die("GET_STATUS: %s", strerror(errno));
		report(&st);
		if (e) {
			printf("ioctl_record: STOP: %s\n", strerror(e));
			return 3;
		}
		return 0;
	}
	if (!(info.features & DAMON_REC_FEAT_DAMON))
		die("the driver reports no DAMON");

	/* Start from a clean state: no output fd, no path. */
	v = opt.format;
	if (ioctl(dev, DAMON_REC_IOC_SET_FORMAT, &v))
		die("SET_FORMAT %u: %s", v, strerror(errno));
	if (opt.buf) {
		v = opt.buf;
		if (ioctl(dev, DAMON_REC_IOC_SET_BUF, &v))
			die("SET_BUF %u: %s", v, strerror(errno));
	}
	rp.path = (uintptr_t)"";
	rp.len = 1;
	if (ioctl(dev, DAMON_REC_IOC_SET_PATH, &rp))
		die("SET_PATH '': %s", strerror(errno));
	ofd = -1;
	if (ioctl(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &ofd))
		die("SET_OUTPUT_FD -1: %s", strerror(errno));
	if (opt.clear_only)
		return 0;
	if (opt.out) {
		rp.path = (uintptr_t)opt.out;
		rp.len = strlen(opt.out) + 1;
		if (ioctl(dev, DAMON_REC_IOC_SET_PATH, &rp))
			die("SET_PATH %s: %s", opt.out, strerror(errno));
	} else if (opt.fd_path) {
		ofd = open(opt.fd_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (ofd < 0)
			die("%s: %s", opt.fd_path, strerror(errno));
		if (ioctl(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &ofd))
			die("SET_OUTPUT_FD: %s", strerror(errno));
		/* The driver holds its own reference. */
		close(ofd);
	}

	if (opt.pipe_size) {
		/* A FIFO with a reader: this open does not block. */
		const char *fifo = opt.out ? opt.out : opt.fd_path;
		int p = open(fifo, O_WRONLY | O_NONBLOCK);

		if (p < 0)
			die("%s: %s", fifo, strerror(errno));
		if (fcntl(p, F_SETPIPE_SZ, (int)opt.pipe_size) < 0)
			die("F_SETPIPE_SZ %lu: %s", opt.pipe_size,
			    strerror(errno));
		close(p);
	}
	if (!opt.no_damon)
		damon_setup();
	start.sample_us = opt.sample_us;
	start.aggr_us = opt.aggr_us;
	start.update_us = opt.update_us;

	if (opt.cycles) {
		unsigned long i;

		if (!opt.no_damon)
			damon_state("on");
		for (i = 0; i < opt.cycles; i++) {
			if (ioctl(dev, DAMON_REC_IOC_START, &start))
				die("cycle %lu: START: %s", i, strerror(errno));
			usleep(rand() % 30000);
			if (ioctl(dev, DAMON_REC_IOC_STOP))
				die("cycle %lu: STOP: %s", i, strerror(errno));
			if (opt.stream)
				streamed = read_stream(opt.stream, &eagain,
						       &polls);
		}
	} else {
		/* Recording first, so that the first snapshot is whole. */
		if (ioctl(dev, DAMON_REC_IOC_START, &start))
			die("START: %s", strerror(errno));
		if (!opt.no_damon)
			damon_state("on");
		if (opt.detach) {
			printf("ioctl_record: detached, recording\n");
			return 0;
		}
		if (opt.stream && !opt.read_after) {
			if (pthread_create(&thr, NULL, stopper, NULL))
				die("pthread_create failed");
			streamed = read_stream(opt.stream, &eagain, &polls);
			pthread_join(thr, NULL);
		} else {
			wait_recording();
			before_stop();
			if (ioctl(dev, DAMON_REC_IOC_STOP)) {
				int e = errno;

				if (!ioctl(dev, DAMON_REC_IOC_GET_STATUS, &st))
					report(&st);
				if (!opt.no_damon)
					damon_teardown();
				printf("ioctl_record: STOP: %s\n", strerror(e));
				return 3;
			}
			if (opt.stream)
				streamed = read_stream(opt.stream, &eagain,
						       &polls);
		}
	}
	if (!opt.no_damon)
		damon_teardown();

	if (ioctl(dev, DAMON_REC_IOC_GET_STATUS, &st))
		die("GET_STATUS: %s", strerror(errno));
	if (opt.stream) {
		printf("ioctl_record: streamed %llu bytes, %lu polls, %lu EAGAIN\n",
		       streamed, polls, eagain);
		if (streamed != st.bytes_written)
			die("streamed %llu bytes but the status says %llu",
			    streamed, (unsigned long long)st.bytes_written);
	}
	report(&st);
	close(dev);
	return st.state == DAMON_REC_STATE_IDLE ? 0 : 1;
}
