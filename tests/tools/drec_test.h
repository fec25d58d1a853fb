/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drec_test.h - helpers shared by the driver's guest test programs
 * (ioctl_record, ioctl_errno): the device, and DAMON set up through its
 * sysfs interface.  These programs run only inside the test VM.
 */
#ifndef DREC_TEST_H
#define DREC_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/damon_rec.h>

#define DREC_DEV "/dev/damon_rec"
#define DAMON_ADMIN "/sys/kernel/mm/damon/admin"

static inline void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static inline void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Write @val to the sysfs file DAMON_ADMIN/@rel; 0 or -errno. */
static inline int damon_write(const char *rel, const char *val)
{
	char path[512];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", DAMON_ADMIN, rel);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Read the first line of DAMON_ADMIN/@rel into @buf; 0 or -errno. */
static inline int damon_read(const char *rel, char *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", DAMON_ADMIN, rel);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static inline void damon_writef(const char *val, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* damon_write() of a formatted path; dies on failure. */
static inline void damon_writef(const char *val, const char *fmt, ...)
{
	char rel[400];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	err = damon_write(rel, val);
	if (err)
		die("writing '%s' to %s/%s: %s", val, DAMON_ADMIN, rel,
		    strerror(-err));
}

/* The biggest "System RAM" range of /proc/iomem, for paddr monitoring. */
static inline int biggest_system_ram(unsigned long long *start,
				     unsigned long long *end)
{
	FILE *f = fopen("/proc/iomem", "r");
	unsigned long long s, e, best = 0;
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == ' ' || !strstr(line, "System RAM"))
			continue;
		if (sscanf(line, "%llx-%llx", &s, &e) != 2)
			continue;
		if (e + 1 - s > best) {
			best = e + 1 - s;
			*start = s;
			*end = e + 1;
		}
	}
	fclose(f);
	return best ? 0 : -1;
}

#endif /* DREC_TEST_H */
