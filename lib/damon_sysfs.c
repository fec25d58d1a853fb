// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdamonrec: DAMON sysfs setup and teardown.
 *
 * The layout is that of mm/damon/sysfs.c (Linux 6.1 and later):
 *
 *   <root>/kdamonds/nr_kdamonds
 *   <root>/kdamonds/N/{state,pid}
 *   <root>/kdamonds/N/contexts/nr_contexts
 *   <root>/kdamonds/N/contexts/0/operations
 *   <root>/kdamonds/N/contexts/0/monitoring_attrs/intervals/{sample,aggr,update}_us
 *   <root>/kdamonds/N/contexts/0/monitoring_attrs/nr_regions/{min,max}
 *   <root>/kdamonds/N/contexts/0/targets/nr_targets
 *   <root>/kdamonds/N/contexts/0/targets/N/pid_target
 *   <root>/kdamonds/N/contexts/0/targets/N/regions/{nr_regions,N/{start,end}}
 *
 * Writing an nr_* file makes the kernel create (or remove) the numbered
 * directories beside it.  Writing nr_kdamonds recreates every kdamond
 * directory and fails while any kdamond runs, so setup only ever proceeds
 * when there is no kdamond at all, and teardown only removes the one that
 * setup created.  Files are opened without O_CREAT: a file that the kernel
 * has not created is an error, never silently made up.
 *
 * The kernel guards these files with damon_sysfs_lock, taken with
 * mutex_trylock(): a read of state or pid, or a write of state or an nr_*
 * file, fails with EBUSY whenever somebody else holds the lock, and every
 * running kdamond takes it for a moment each aggregation interval.  Such
 * an EBUSY is transient, so each read and write is retried with a growing
 * pause for up to BUSY_RETRY_MS; an EBUSY that lasts longer is returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "damonrec.h"

#define IOMEM_PATH "/proc/iomem"
#define CTX "contexts/0/"
#define BUSY_RETRY_MS 2000

/*
 * busy_again: after an EBUSY, whether to try again, having slept; *waited
 * (start at 0) counts the milliseconds slept so far.
 */
static bool busy_again(unsigned int *waited)
{
	unsigned int ms;

	if (errno != EBUSY || *waited >= BUSY_RETRY_MS)
		return false;
	ms = *waited < 8 ? 1 : *waited / 8;
	if (ms > 50)
		ms = 50;
	nanosleep(&(struct timespec){ .tv_nsec = ms * 1000000L }, NULL);
	*waited += ms;
	errno = EBUSY;
	return true;
}

struct damonrec_damon {
	char *root;
	bool created;		/* kdamond @index is ours */
	unsigned int index;
};

struct damonrec_damon *damonrec_damon_new(const char *root)
{
	struct damonrec_damon *d;

	if (!root)
		root = DAMONREC_SYSFS_ROOT;
	if (!*root || strlen(root) > PATH_MAX / 2) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->root = strdup(root);
	if (!d->root) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

void damonrec_damon_free(struct damonrec_damon *d)
{
	int saved = errno;

	if (!d)
		return;
	damonrec_damon_teardown(d);
	free(d->root);
	free(d);
	errno = saved;
}

/* <root>/kdamonds/<index>/<rel>, or <root>/kdamonds/<rel> for index < 0. */
static int kd_path(const struct damonrec_damon *d, char *buf, int index,
		   const char *rel)
{
	int n;

	if (index < 0)
		n = snprintf(buf, PATH_MAX, "%s/kdamonds/%s", d->root, rel);
	else
		n = snprintf(buf, PATH_MAX, "%s/kdamonds/%d/%s", d->root,
			     index, rel);
	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int read_once(const char *path, char *buf, size_t size)
{
	ssize_t n;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do {
		n = read(fd, buf, size - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	len = strlen(buf);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return 0;
}

static int read_file(const char *path, char *buf, size_t size)
{
	unsigned int waited = 0;
	int ret;

	do {
		ret = read_once(path, buf, size);
	} while (ret && busy_again(&waited));
	return ret;
}

static int write_once(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return -1;
	do {
		n = write(fd, val, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != len) {
		int saved = n < 0 ? errno : EIO;

		close(fd);
		errno = saved;
		return -1;
	}
	if (close(fd))
		return -1;
	return 0;
}

static int write_file(const char *path, const char *val)
{
	unsigned int waited = 0;
	int ret;

	do {
		ret = write_once(path, val);
	} while (ret && busy_again(&waited));
	return ret;
}

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	unsigned long long x;

	if (read_file(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	x = strtoull(buf, &end, 0);
	if (errno || end == buf || *end) {
		errno = EPROTO;
		return -1;
	}
	*v = x;
	return 0;
}

static int read_s64(const char *path, int64_t *v)
{
	char buf[64], *end;
	long long x;

	if (read_file(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	x = strtoll(buf, &end, 0);
	if (errno || end == buf || *end) {
		errno = EPROTO;
		return -1;
	}
	*v = x;
	return 0;
}

static int kd_read(const struct damonrec_damon *d, int index, const char *rel,
		   char *buf, size_t size)
{
	char path[PATH_MAX];

	if (kd_path(d, path, index, rel))
		return -1;
	return read_file(path, buf, size);
}

static int kd_read_u64(const struct damonrec_damon *d, int index,
		       const char *rel, uint64_t *v)
{
	char path[PATH_MAX];

	if (kd_path(d, path, index, rel))
		return -1;
	return read_u64(path, v);
}

static int kd_write(const struct damonrec_damon *d, int index, const char *rel,
		    const char *val)
{
	char path[PATH_MAX];

	if (kd_path(d, path, index, rel))
		return -1;
	return write_file(path, val);
}

static int kd_write_u64(const struct damonrec_damon *d, int index,
			const char *rel, uint64_t v)
{
	char val[32];

	snprintf(val, sizeof(val), "%" PRIu64, v);
	return kd_write(d, index, rel, val);
}

/*
 * Write @n into the nr_* file @rel/nr_<what> and wait for the directories
 * it makes the kernel create or remove.  Real sysfs does that before write()
 * returns, so the check passes at once there; an emulated tree (as the
 * host tests use) gets a short grace period to catch up.
 */
static int kd_write_nr(const struct damonrec_damon *d, int index,
		       const char *dir, const char *file, uint64_t n)
{
	char rel[PATH_MAX], path[PATH_MAX];
	struct stat st;
	int i;

	snprintf(rel, sizeof(rel), "%s%s", dir, file);
	if (kd_write_u64(d, index, rel, n))
		return -1;
	snprintf(rel, sizeof(rel), "%s%" PRIu64, dir, n ? n - 1 : 0);
	if (kd_path(d, path, index, rel))
		return -1;
	for (i = 0; i < 2000; i++) {
		bool exists = stat(path, &st) == 0 && S_ISDIR(st.st_mode);

		if (exists == (n != 0))
			return 0;
		if (i == 0 && !n && index >= 0)
			break;	/* removing a level below: the caller checks */
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	if (!n)
		return 0;
	errno = ENOENT;
	return -1;
}

int damonrec_damon_count_kdamonds(struct damonrec_damon *d)
{
	uint64_t n;

	if (!d) {
		errno = EINVAL;
		return -1;
	}
	if (kd_read_u64(d, -1, "nr_kdamonds", &n))
		return -1;
	if (n > INT_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	return (int)n;
}

static int kd_running(const struct damonrec_damon *d, unsigned int index)
{
	char state[32];

	if (kd_read(d, (int)index, "state", state, sizeof(state)))
		return -1;
	return strcmp(state, "on") == 0;
}

int damonrec_damon_get_kdamond(struct damonrec_damon *d, unsigned int index,
			       struct damonrec_kdamond_info *info)
{
	int64_t pid = 0;
	uint64_t v;
	int running, n;

	if (!d || !info || index > INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	n = damonrec_damon_count_kdamonds(d);
	if (n < 0)
		return -1;
	if (index >= (unsigned int)n) {
		errno = ENOENT;
		return -1;
	}
	memset(info, 0, sizeof(*info));
	info->index = index;
	running = kd_running(d, index);
	if (running < 0)
		return -1;
	info->running = running;
	if (running) {
		char path[PATH_MAX];

		if (kd_path(d, path, (int)index, "pid") == 0 &&
		    read_s64(path, &pid) == 0 && pid > 0)
			info->pid = (pid_t)pid;
	}
	if (kd_read_u64(d, (int)index, "contexts/nr_contexts", &v))
		return -1;
	info->nr_contexts = (unsigned int)v;
	if (!info->nr_contexts)
		return 0;
	/* Context 0 details are best effort: older kernels lack some files. */
	kd_read(d, (int)index, CTX "operations", info->operations,
		sizeof(info->operations));
	kd_read_u64(d, (int)index, CTX "monitoring_attrs/intervals/sample_us",
		    &info->intervals.sample_us);
	kd_read_u64(d, (int)index, CTX "monitoring_attrs/intervals/aggr_us",
		    &info->intervals.aggr_us);
	kd_read_u64(d, (int)index, CTX "monitoring_attrs/intervals/update_us",
		    &info->intervals.update_us);
	if (kd_read_u64(d, (int)index, CTX "targets/nr_targets", &v) == 0)
		info->nr_targets = (unsigned int)v;
	return 0;
}

static const char *ops_name(enum damonrec_ops ops)
{
	switch (ops) {
	case DAMONREC_OPS_VADDR:
		return "vaddr";
	case DAMONREC_OPS_FVADDR:
		return "fvaddr";
	case DAMONREC_OPS_PADDR:
		return "paddr";
	}
	return NULL;
}

/* The largest top-level "System RAM" range of /proc/iomem, end exclusive. */
static int biggest_system_ram(uint64_t *start, uint64_t *end)
{
	unsigned long long lo, hi;
	uint64_t best_lo = 0, best_hi = 0;
	char line[256];
	FILE *f;
	int n;

	f = fopen(IOMEM_PATH, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == ' ')
			continue;	/* nested resource */
		if (!strstr(line, ": System RAM"))
			continue;
		if (sscanf(line, "%llx-%llx%n", &lo, &hi, &n) != 2 || hi < lo)
			continue;
		if (hi - lo + 1 > best_hi - best_lo) {
			best_lo = lo;
			best_hi = hi + 1;
		}
	}
	fclose(f);
	if (best_hi <= best_lo) {
		/* Unprivileged readers see every address as 0. */
		errno = EACCES;
		return -1;
	}
	*start = best_lo;
	*end = best_hi;
	return 0;
}

static int setup_nr_regions(struct damonrec_damon *d, int k,
			    const struct damonrec_damon_attrs *a)
{
	const char *min_f = CTX "monitoring_attrs/nr_regions/min";
	const char *max_f = CTX "monitoring_attrs/nr_regions/max";
	uint64_t cur_max = 0;

	if (a->min_nr_regions && a->max_nr_regions &&
	    a->min_nr_regions > a->max_nr_regions) {
		errno = EINVAL;
		return -1;
	}
	/* Keep min <= max at every step, whatever the current values. */
	if (a->min_nr_regions && kd_read_u64(d, k, max_f, &cur_max) == 0 &&
	    a->min_nr_regions > cur_max && a->max_nr_regions) {
		if (kd_write_u64(d, k, max_f, a->max_nr_regions) ||
		    kd_write_u64(d, k, min_f, a->min_nr_regions))
			return -1;
		return 0;
	}
	if (a->min_nr_regions && kd_write_u64(d, k, min_f, a->min_nr_regions))
		return -1;
	if (a->max_nr_regions && kd_write_u64(d, k, max_f, a->max_nr_regions))
		return -1;
	return 0;
}

static int setup_targets(struct damonrec_damon *d, int k,
			 const struct damonrec_damon_attrs *a)
{
	char rel[PATH_MAX];
	size_t i;

	if (a->ops == DAMONREC_OPS_PADDR) {
		uint64_t start, end;

		if (biggest_system_ram(&start, &end))
			return -1;
		if (kd_write_nr(d, k, CTX "targets/", "nr_targets", 1) ||
		    kd_write_nr(d, k, CTX "targets/0/regions/", "nr_regions", 1) ||
		    kd_write_u64(d, k, CTX "targets/0/regions/0/start", start) ||
		    kd_write_u64(d, k, CTX "targets/0/regions/0/end", end))
			return -1;
		return 0;
	}
	if (kd_write_nr(d, k, CTX "targets/", "nr_targets", a->nr_pids))
		return -1;
	for (i = 0; i < a->nr_pids; i++) {
		snprintf(rel, sizeof(rel), CTX "targets/%zu/pid_target", i);
		if (kd_write_u64(d, k, rel, (uint64_t)a->pids[i]))
			return -1;
	}
	return 0;
}

int damonrec_damon_setup(struct damonrec_damon *d,
			 const struct damonrec_damon_attrs *a)
{
	const struct damonrec_intervals *iv;
	char avail[256];
	const char *ops;
	int n, saved;
	size_t i;

	if (!d || !a) {
		errno = EINVAL;
		return -1;
	}
	ops = ops_name(a->ops);
	if (!ops) {
		errno = EINVAL;
		return -1;
	}
	if (a->ops == DAMONREC_OPS_FVADDR) {
		/* fvaddr monitors only given regions, which attrs cannot say. */
		errno = EOPNOTSUPP;
		return -1;
	}
	if (a->ops == DAMONREC_OPS_VADDR && (!a->nr_pids || !a->pids)) {
		errno = EINVAL;
		return -1;
	}
	if (a->ops == DAMONREC_OPS_PADDR && a->nr_pids) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < a->nr_pids; i++) {
		if (a->pids[i] <= 0) {
			errno = EINVAL;
			return -1;
		}
	}
	if (a->min_nr_regions && a->max_nr_regions &&
	    a->min_nr_regions > a->max_nr_regions) {
		errno = EINVAL;
		return -1;
	}
	if (d->created) {
		errno = EALREADY;
		return -1;
	}
	n = damonrec_damon_count_kdamonds(d);
	if (n < 0)
		return -1;
	if (n) {
		errno = EBUSY;
		return -1;
	}

	if (kd_write_nr(d, -1, "", "nr_kdamonds", 1))
		return -1;
	d->created = true;
	d->index = 0;

	if (kd_write_nr(d, 0, "contexts/", "nr_contexts", 1))
		goto fail;
	if (kd_read(d, 0, CTX "avail_operations", avail, sizeof(avail)) == 0) {
		char *tok, *save = NULL;
		bool found = false;

		for (tok = strtok_r(avail, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save))
			found |= strcmp(tok, ops) == 0;
		if (!found) {
			errno = EOPNOTSUPP;
			goto fail;
		}
	}
	if (kd_write(d, 0, CTX "operations", ops))
		goto fail;
	iv = &a->intervals;
	if (iv->sample_us && kd_write_u64(d, 0, CTX
			"monitoring_attrs/intervals/sample_us", iv->sample_us))
		goto fail;
	if (iv->aggr_us && kd_write_u64(d, 0, CTX
			"monitoring_attrs/intervals/aggr_us", iv->aggr_us))
		goto fail;
	if (iv->update_us && kd_write_u64(d, 0, CTX
			"monitoring_attrs/intervals/update_us", iv->update_us))
		goto fail;
	if (setup_nr_regions(d, 0, a))
		goto fail;
	if (setup_targets(d, 0, a))
		goto fail;
	return 0;

fail:
	saved = errno;
	damonrec_damon_teardown(d);
	errno = saved;
	return -1;
}

int damonrec_damon_start(struct damonrec_damon *d)
{
	if (!d) {
		errno = EINVAL;
		return -1;
	}
	if (!d->created) {
		errno = ENOENT;
		return -1;
	}
	return kd_write(d, (int)d->index, "state", "on");
}

int damonrec_damon_stop(struct damonrec_damon *d)
{
	int running;

	if (!d) {
		errno = EINVAL;
		return -1;
	}
	if (!d->created) {
		errno = ENOENT;
		return -1;
	}
	running = kd_running(d, d->index);
	if (running < 0)
		return -1;
	if (!running)
		return 0;
	if (kd_write(d, (int)d->index, "state", "off")) {
		int saved = errno;

		/* It may have stopped on its own meanwhile (target exit). */
		if (kd_running(d, d->index) == 0)
			return 0;
		errno = saved;
		return -1;
	}
	return 0;
}

int damonrec_damon_teardown(struct damonrec_damon *d)
{
	int n, ret = 0, saved = 0;

	if (!d) {
		errno = EINVAL;
		return -1;
	}
	if (!d->created)
		return 0;
	if (damonrec_damon_stop(d)) {
		saved = errno;
		ret = -1;
	}
	n = damonrec_damon_count_kdamonds(d);
	if (n < 0) {
		saved = errno;
		ret = -1;
	} else if (n == (int)d->index + 1 && d->index == 0) {
		if (kd_write_nr(d, -1, "", "nr_kdamonds", 0)) {
			saved = errno;
			ret = -1;
		} else {
			d->created = false;
		}
	} else {
		/* Someone changed the kdamond set: leave it to them. */
		saved = EBUSY;
		ret = -1;
		d->created = false;
	}
	if (ret)
		errno = saved;
	return ret;
}

int damonrec_damon_is_running(struct damonrec_damon *d)
{
	if (!d) {
		errno = EINVAL;
		return -1;
	}
	if (!d->created)
		return 0;
	return kd_running(d, d->index);
}

pid_t damonrec_damon_get_kdamond_pid(struct damonrec_damon *d)
{
	char path[PATH_MAX];
	int64_t pid;

	if (!d) {
		errno = EINVAL;
		return -1;
	}
	if (!d->created) {
		errno = ENOENT;
		return -1;
	}
	if (kd_path(d, path, (int)d->index, "pid") || read_s64(path, &pid))
		return -1;
	if (pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	return (pid_t)pid;
}

int damonrec_damon_count_running(struct damonrec_damon *d)
{
	int n, i, running = 0;

	n = damonrec_damon_count_kdamonds(d);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		int r = kd_running(d, (unsigned int)i);

		if (r < 0)
			return -1;
		running += r;
	}
	return running;
}
