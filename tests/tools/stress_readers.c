// SPDX-License-Identifier: GPL-2.0
/*
 * stress_readers - concurrent opens, readers, starts and stops of
 * /dev/damon_rec
 *
 * A test program for the test VM, run as root while a kdamond is on.  It
 * clears the device's output (so that the record streams), then:
 *
 *   - START from RACERS threads at once (with kdamond 0's intervals, when
 *     there is one): exactly one must succeed, the others get EBUSY;
 *   - READERS threads read the stream until its end, each on its own
 *     descriptor, half of them blocking, half with O_NONBLOCK and poll();
 *     with -m locked they hold a common lock around each read() and append
 *     what they get to OUT, which is then the whole stream in order; with
 *     -m free they only count bytes (the driver alone serializes them);
 *   - OPENERS threads open and close the device over and over, asking
 *     GET_INFO and GET_STATUS (the counters must never go backwards) and
 *     trying START and the settings (EBUSY while recording);
 *   - after SECONDS, or as soon as SNAPS snapshots were recorded or lost
 *     (-n: the run follows the kdamond's progress, however slow the
 *     machine), STOP from RACERS threads at once: exactly one gets 0,
 *     the others EALREADY; every reader must then reach the end of the
 *     stream (an alarm fails a hang).
 *
 * At the end the bytes read by all readers must equal the status'
 * bytes_written exactly.  The final status goes to -q FILE as KEY=VALUE
 * lines (as ioctl_record writes it).
 *
 *   stress_readers [-m locked|free] [-r READERS] [-o OPENERS] [-R RACERS]
 *                  [-d SECONDS] [-n SNAPS] [-f 2|3] [-b BUF] [-s SLOW_US]
 *                  [-P PAUSE] [-L] [-x PID] [-w OUT] [-p PATH] [-k]
 *                  [-q STATUS]
 *
 * With -n, SECONDS (default 300) only bounds a run that makes no progress.
 * -s SLOW_US makes every reader sleep that long after each read (and read
 * at most 100 bytes), -P PAUSE makes them wait PAUSE seconds before their
 * first read, -L makes them wait until the status counts a snapshot lost
 * to a full pool (and the run last until then, and until SNAPS), so that
 * snapshots are lost (whole, and counted) on a fast machine as on a slow one.
 * -x PID makes the run last until process PID has exited (a zombie counts),
 * and half a second more, so that a target exits mid-recording for sure.
 * -p PATH records to PATH instead of the stream (no readers then); a write
 * error that fails the recording ends it early and is reported, not a
 * failure (STOP then answers EALREADY everywhere).
 * -k turns DAMON's kdamond 0 on right after the START and off right before
 * the STOP, so that the recording sees every snapshot the kdamond makes
 * (a tracer counting them can then check the counters exactly); a kdamond
 * that stopped by itself (its target exited) is fine.
 * Exit status 0 when every check passed, 1 otherwise.
 */
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "drec_test.h"

static struct {
	int locked;
	int readers, openers, racers;
	double seconds;
	uint32_t format, buf;
	unsigned long slow_us;
	double pause;
	unsigned long snaps;
	long exit_pid;
	int wait_lost;
	const char *out, *status, *path;
	int kdamond;
} opt = {
	.locked = 1, .readers = 4, .openers = 3, .racers = 4, .seconds = 4,
	.format = 3, .buf = 4096,
};

static atomic_bool stopping, stopped, lost_seen;
static atomic_ullong total_read;
static atomic_ulong nr_reads, nr_eagain, nr_opens, nr_busy;
static pthread_mutex_t read_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static pthread_barrier_t race;
static atomic_int race_ok, race_busy, race_already;
static int failed_already;

#define fail(...) die("stress_readers: FAIL: " __VA_ARGS__)

static int dev_open(int flags)
{
	int fd = open(DREC_DEV, flags);

	if (fd < 0)
		fail("open %s: %s", DREC_DEV, strerror(errno));
	return fd;
}

static void sleep_us(unsigned long us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* exited() - whether process @pid is gone or a zombie. */
static bool exited(long pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "PID (COMM) STATE ...": COMM may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

static void *reader(void *arg)
{
	static char bufs[64][1 << 16];
	long id = (long)arg;
	int nonblock = id & 1;
	int fd = dev_open(O_RDONLY | (nonblock ? O_NONBLOCK : 0));

	if (opt.pause)
		sleep_us((unsigned long)(opt.pause * 1e6));
	while (opt.wait_lost && !atomic_load(&lost_seen) && !atomic_load(&stopping))
		sleep_us(10000);
	char *buf = bufs[id % 64];
	size_t sizes[] = { 1, 100, 4096, 1 << 16 };

	/* Slow readers take little at a time. */
	if (opt.slow_us) {
		sizes[2] = 50;
		sizes[3] = 100;
	}

	for (unsigned long i = 0;; i++) {
		size_t n = sizes[(i + (unsigned long)id) % 4];
		ssize_t r;

		if (opt.locked)
			pthread_mutex_lock(&read_lock);
		r = read(fd, buf, n);
		if (r > 0 && opt.locked && fwrite(buf, 1, (size_t)r, out) != (size_t)r)
			fail("writing %s: %s", opt.out, strerror(errno));
		if (opt.locked)
			pthread_mutex_unlock(&read_lock);
		if (r == 0) {
			/* The end, once stopped; idle before the start. */
			if (atomic_load(&stopped))
				break;
			sleep_us(1000);
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN || !nonblock)
				fail("reader %ld: read: %s", id, strerror(errno));
			atomic_fetch_add(&nr_eagain, 1);
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (poll(&p, 1, 100) < 0)
				fail("reader %ld: poll: %s", id, strerror(errno));
			continue;
		}
		if ((size_t)r > n)
			fail("reader %ld: %zd bytes for %zu", id, r, n);
		atomic_fetch_add(&total_read, (unsigned long long)r);
		atomic_fetch_add(&nr_reads, 1);
		if (opt.slow_us)
			sleep_us(opt.slow_us);
	}
	close(fd);
	return NULL;
}

static void *opener(void *arg)
{
	uint64_t last_snaps = 0, last_bytes = 0;
	unsigned long i = 0;

	(void)arg;
	while (!atomic_load(&stopping)) {
		int fd = dev_open((i & 1) ? O_RDWR : O_RDONLY | O_NONBLOCK);
		struct damon_rec_info in = { 0 };
		struct damon_rec_status st;
		struct damon_rec_start s = { 0 };
		uint32_t v = 4096;

		if (ioctl(fd, DAMON_REC_IOC_GET_INFO, &in))
			fail("GET_INFO: %s", strerror(errno));
		if (ioctl(fd, DAMON_REC_IOC_GET_STATUS, &st))
			fail("GET_STATUS: %s", strerror(errno));
		if (st.state == DAMON_REC_STATE_RECORDING && !atomic_load(&stopping)) {
			if (st.snapshots < last_snaps ||
			    st.bytes_written < last_bytes)
				fail("the counters went back: snapshots %" PRIu64
				     " after %" PRIu64 ", bytes %" PRIu64 " after %" PRIu64,
				     (uint64_t)st.snapshots, last_snaps,
				     (uint64_t)st.bytes_written, last_bytes);
			last_snaps = st.snapshots;
			last_bytes = st.bytes_written;
			/*
			 * Settings and a second start: EBUSY.  (A START after
			 * a write error would begin a new recording: not with
			 * a file.)
			 */
			if (!opt.path && !ioctl(fd, DAMON_REC_IOC_START, &s))
				fail("a second START succeeded");
			if (!opt.path && errno != EBUSY && !atomic_load(&stopping))
				fail("a second START: %s, expected EBUSY",
				     strerror(errno));
			/* (A write error may have ended it meanwhile.) */
			if (!ioctl(fd, DAMON_REC_IOC_SET_BUF, &v) &&
			    (ioctl(fd, DAMON_REC_IOC_GET_STATUS, &st) ||
			     st.state == DAMON_REC_STATE_RECORDING))
				fail("SET_BUF succeeded while recording");
			if (errno == EBUSY)
				atomic_fetch_add(&nr_busy, 1);
		}
		close(fd);
		atomic_fetch_add(&nr_opens, 1);
		i++;
	}
	return NULL;
}

/* The intervals the record header gets: kdamond 0's, else damo's. */
static struct damon_rec_start start_args = {
	.sample_us = 5000, .aggr_us = 100000, .update_us = 1000000,
};

static void read_intervals(void)
{
	static const char *const names[] = { "sample_us", "aggr_us", "update_us" };
	__u64 *v[] = { &start_args.sample_us, &start_args.aggr_us,
		       &start_args.update_us };
	char rel[128], val[32];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(rel, sizeof(rel),
			 "kdamonds/0/contexts/0/monitoring_attrs/intervals/%s",
			 names[i]);
		if (!damon_read(rel, val, sizeof(val)) && val[0])
			*v[i] = strtoull(val, NULL, 10);
	}
}

/* START or STOP from many threads at once. */
static void *racer(void *arg)
{
	long stop = (long)arg;
	int fd = dev_open(O_RDWR);
	struct damon_rec_start s = start_args;
	int r;

	pthread_barrier_wait(&race);
	r = stop ? ioctl(fd, DAMON_REC_IOC_STOP) :
		   ioctl(fd, DAMON_REC_IOC_START, &s);
	if (!r)
		atomic_fetch_add(&race_ok, 1);
	else if (errno == EBUSY && !stop)
		atomic_fetch_add(&race_busy, 1);
	else if (errno == EALREADY && stop)
		atomic_fetch_add(&race_already, 1);
	else
		fail("%s from %d threads: %s", stop ? "STOP" : "START",
		     opt.racers, strerror(errno));
	close(fd);
	return NULL;
}

static void race_run(int stop)
{
	pthread_t t[64];
	int i;

	atomic_store(&race_ok, 0);
	atomic_store(&race_busy, 0);
	atomic_store(&race_already, 0);
	pthread_barrier_init(&race, NULL, (unsigned int)opt.racers);
	for (i = 0; i < opt.racers; i++)
		if (pthread_create(&t[i], NULL, racer, (void *)(long)stop))
			fail("pthread_create");
	for (i = 0; i < opt.racers; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&race);
	/* A recording failed by a write error was stopped already. */
	if (stop && atomic_load(&race_ok) == 0 &&
	    atomic_load(&race_already) == opt.racers) {
		struct damon_rec_status st;
		int fd = dev_open(O_RDONLY);

		if (ioctl(fd, DAMON_REC_IOC_GET_STATUS, &st))
			fail("GET_STATUS: %s", strerror(errno));
		close(fd);
		if (st.state == DAMON_REC_STATE_FAILED) {
			failed_already = 1;
			return;
		}
	}
	if (atomic_load(&race_ok) != 1 ||
	    atomic_load(stop ? &race_already : &race_busy) != opt.racers - 1)
		fail("%s from %d threads at once: %d succeeded, %d %s",
		     stop ? "STOP" : "START", opt.racers, atomic_load(&race_ok),
		     atomic_load(stop ? &race_already : &race_busy),
		     stop ? "EALREADY" : "EBUSY");
}

/* Turn kdamond 0 on or off; off is fine if it stopped by itself. */
static void kdamond_state(const char *state)
{
	char cur[32];
	int err = damon_write("kdamonds/0/state", state);

	if (err && !strcmp(state, "off") &&
	    !damon_read("kdamonds/0/state", cur, sizeof(cur)) &&
	    !strcmp(cur, "off"))
		err = 0;
	if (err)
		fail("writing '%s' to kdamonds/0/state: %s", state,
		     strerror(-err));
}

static void write_status(const struct damon_rec_status *st)
{
	FILE *f;

	if (!opt.status)
		return;
	f = fopen(opt.status, "w");
	if (!f)
		fail("%s: %s", opt.status, strerror(errno));
	fprintf(f, "state=%s\nsnapshots=%" PRIu64 "\nregions=%" PRIu64
		"\nbytes_written=%" PRIu64 "\nlost_full=%" PRIu64
		"\nlost_nomem=%" PRIu64 "\nlost_error=%" PRIu64
		"\nlast_error=%d\nnr_kdamonds=%u\nbytes_read=%llu\n",
		st->state == DAMON_REC_STATE_IDLE ? "idle" :
		st->state == DAMON_REC_STATE_RECORDING ? "recording" : "failed",
		(uint64_t)st->snapshots, (uint64_t)st->regions,
		(uint64_t)st->bytes_written, (uint64_t)st->lost_full,
		(uint64_t)st->lost_nomem, (uint64_t)st->lost_error,
		st->last_error, st->nr_kdamonds,
		(unsigned long long)atomic_load(&total_read));
	if (fclose(f))
		fail("%s: %s", opt.status, strerror(errno));
}

int main(int argc, char **argv)
{
	struct damon_rec_path rp = { .path = (uintptr_t)"", .len = 1 };
	struct damon_rec_status st;
	pthread_t rd[64], op[64];
	int32_t nofd = -1;
	int c, fd, i, seconds_given = 0;

	while ((c = getopt(argc, argv, "m:r:o:R:d:n:f:b:s:P:Lx:w:p:kq:")) != -1) {
		switch (c) {
		case 'm': opt.locked = !strcmp(optarg, "locked"); break;
		case 'r': opt.readers = atoi(optarg); break;
		case 'o': opt.openers = atoi(optarg); break;
		case 'R': opt.racers = atoi(optarg); break;
		case 'd': opt.seconds = atof(optarg); seconds_given = 1; break;
		case 'n': opt.snaps = strtoul(optarg, NULL, 0); break;
		case 'f': opt.format = (uint32_t)atoi(optarg); break;
		case 'b': opt.buf = (uint32_t)atoi(optarg); break;
		case 's': opt.slow_us = strtoul(optarg, NULL, 0); break;
		case 'P': opt.pause = atof(optarg); break;
		case 'L': opt.wait_lost = 1; break;
		case 'x': opt.exit_pid = atol(optarg); break;
		case 'w': opt.out = optarg; break;
		case 'p': opt.path = optarg; break;
		case 'k': opt.kdamond = 1; break;
		case 'q': opt.status = optarg; break;
		default:
			fprintf(stderr, "usage: stress_readers [-m locked|free] [-r N] [-o N] [-R N] [-d SEC] [-n SNAPS] [-f 2|3] [-b BUF] [-s US] [-P SEC] [-L] [-x PID] [-w OUT] [-p PATH] [-k] [-q STATUS]\n");
			return 2;
		}
	}
	if (opt.path)
		opt.readers = 0, opt.locked = 0;
	if ((!opt.path && opt.readers < 1) || opt.readers > 64 ||
	    opt.openers < 0 || opt.openers > 64 || opt.racers < 2 ||
	    opt.racers > 64 || (opt.locked && !opt.out))
		die("stress_readers: bad arguments (1-64 readers, 0-64 openers, 2-64 racers; -m locked needs -w OUT)");
	if (opt.out) {
		out = fopen(opt.out, "w");
		if (!out)
			fail("%s: %s", opt.out, strerror(errno));
	}
	read_intervals();
	/* With a goal in snapshots, SECONDS only bounds a run that stalls. */
	if ((opt.snaps || opt.wait_lost || opt.exit_pid) && !seconds_given)
		opt.seconds = 300;
	/* A reader or stop that hangs fails the test instead of the VM run. */
	alarm((unsigned int)opt.seconds + 120);

	fd = dev_open(O_RDWR);
	if (opt.path) {
		rp.path = (uintptr_t)opt.path;
		rp.len = (uint32_t)strlen(opt.path) + 1;
	}
	if (ioctl(fd, DAMON_REC_IOC_SET_OUTPUT_FD, &nofd) ||
	    ioctl(fd, DAMON_REC_IOC_SET_PATH, &rp) ||
	    ioctl(fd, DAMON_REC_IOC_SET_FORMAT, &opt.format) ||
	    ioctl(fd, DAMON_REC_IOC_SET_BUF, &opt.buf))
		fail("setting the device up: %s", strerror(errno));

	/* Readers first: they must cope with no stream yet. */
	for (i = 0; i < opt.readers; i++)
		if (pthread_create(&rd[i], NULL, reader, (void *)(long)i))
			fail("pthread_create");
	race_run(0);
	if (opt.kdamond)
		kdamond_state("on");
	for (i = 0; i < opt.openers; i++)
		if (pthread_create(&op[i], NULL, opener, NULL))
			fail("pthread_create");

	/*
	 * Until SECONDS, or the goals (-n, -L) are met; to a file, a write
	 * error ends the recording early.
	 */
	for (unsigned long us = 0, gone = 0; us < opt.seconds * 1e6; us += 100000) {
		struct damon_rec_status now;

		sleep_us(100000);
		if (ioctl(fd, DAMON_REC_IOC_GET_STATUS, &now))
			fail("GET_STATUS: %s", strerror(errno));
		if (opt.path && now.state == DAMON_REC_STATE_FAILED)
			break;
		if (now.lost_full)
			atomic_store(&lost_seen, true);
		if ((opt.snaps || opt.wait_lost) &&
		    now.snapshots + now.lost_full + now.lost_nomem +
		    now.lost_error >= opt.snaps &&
		    (!opt.wait_lost || now.lost_full))
			break;
		if (opt.exit_pid && (gone || exited(opt.exit_pid)) && ++gone > 5)
			break;
	}

	atomic_store(&stopping, true);
	for (i = 0; i < opt.openers; i++)
		pthread_join(op[i], NULL);
	if (opt.kdamond)
		kdamond_state("off");
	race_run(1);
	atomic_store(&stopped, true);
	for (i = 0; i < opt.readers; i++)
		pthread_join(rd[i], NULL);

	if (ioctl(fd, DAMON_REC_IOC_GET_STATUS, &st))
		fail("GET_STATUS: %s", strerror(errno));
	write_status(&st);
	if (out && fclose(out))
		fail("%s: %s", opt.out, strerror(errno));
	printf("stress_readers: %s%s, %d readers, %lu reads (%lu EAGAIN), %llu bytes read, "
	       "status: %" PRIu64 " bytes, %" PRIu64 " snapshots, %" PRIu64
	       " lost; %lu opens, %lu EBUSY settings\n",
	       opt.path ? "to " : "", opt.path ? opt.path : opt.locked ?
	       "locked" : "free", opt.readers,
	       atomic_load(&nr_reads), atomic_load(&nr_eagain),
	       (unsigned long long)atomic_load(&total_read),
	       (uint64_t)st.bytes_written, (uint64_t)st.snapshots,
	       (uint64_t)(st.lost_full + st.lost_nomem + st.lost_error),
	       atomic_load(&nr_opens), atomic_load(&nr_busy));
	if (opt.path) {
		if (st.state != DAMON_REC_STATE_IDLE && !(failed_already &&
		    st.state == DAMON_REC_STATE_FAILED))
			fail("state %u after STOP", st.state);
		close(fd);
		return 0;
	}
	if (st.state != DAMON_REC_STATE_IDLE)
		fail("state %u after STOP", st.state);
	if (st.bytes_written != atomic_load(&total_read))
		fail("the readers got %llu bytes, the status says %" PRIu64 " written",
		     (unsigned long long)atomic_load(&total_read),
		     (uint64_t)st.bytes_written);
	if (st.bytes_buffered)
		fail("%" PRIu64 " bytes still buffered after the end of the stream",
		     (uint64_t)st.bytes_buffered);
	close(fd);
	return 0;
}
