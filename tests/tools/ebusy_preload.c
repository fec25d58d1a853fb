// SPDX-License-Identifier: GPL-2.0
/*
 * ebusy_preload.so: make read() and write() on chosen files fail with
 * EBUSY a given number of times, as the kernel's DAMON sysfs files do
 * while a kdamond holds damon_sysfs_lock.  For the host tests:
 *
 *   EBUSY_FILES=state:3,pid:1 LD_PRELOAD=.../ebusy_preload.so prog
 *
 * fails the first 3 reads or writes of any file named "state" and the
 * first read or write of any file named "pid"; a count of -1 fails them
 * all.  Each failure is counted in the file named by EBUSY_LOG, if set,
 * as a line "NAME".
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RULES 8

struct rule {
	char name[64];
	long left;		/* -1: forever */
};

static struct rule rules[MAX_RULES];
static int nr_rules = -1;

static void parse_rules(void)
{
	const char *env = getenv("EBUSY_FILES");
	char buf[512], *tok, *save = NULL;

	nr_rules = 0;
	if (!env)
		return;
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, ",", &save); tok && nr_rules < MAX_RULES;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(tok, ':');

		if (!colon)
			continue;
		*colon = '\0';
		snprintf(rules[nr_rules].name, sizeof(rules[0].name), "%s", tok);
		rules[nr_rules].left = strtol(colon + 1, NULL, 10);
		nr_rules++;
	}
}

/* busy: whether this call on @fd is one to fail. */
static int busy(int fd)
{
	char link[64], path[PATH_MAX];
	const char *base, *log;
	ssize_t n;
	int i, saved = errno;

	if (nr_rules < 0)
		parse_rules();
	if (!nr_rules)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	errno = saved;
	if (n <= 0)
		return 0;
	path[n] = '\0';
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (i = 0; i < nr_rules; i++) {
		if (strcmp(rules[i].name, base) || !rules[i].left)
			continue;
		if (rules[i].left > 0)
			rules[i].left--;
		log = getenv("EBUSY_LOG");
		if (log) {
			int lfd = open(log, O_WRONLY | O_APPEND | O_CREAT |
				       O_CLOEXEC, 0644);

			if (lfd >= 0) {
				dprintf(lfd, "%s\n", base);
				close(lfd);
			}
		}
		errno = EBUSY;
		return 1;
	}
	return 0;
}

ssize_t read(int fd, void *buf, size_t count)
{
	static ssize_t (*real)(int, void *, size_t);

	if (!real)
		real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	if (busy(fd))
		return -1;
	return real(fd, buf, count);
}

ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen);
ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	(void)buflen;
	return read(fd, buf, count);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))
			dlsym(RTLD_NEXT, "write");
	if (busy(fd))
		return -1;
	return real(fd, buf, count);
}
