// SPDX-License-Identifier: GPL-2.0
/*
 * dyndbg_time - time control-file operations for the dyndbg benchmark
 *
 *   dyndbg_time write FILE TEXT N   write TEXT to FILE (one open, N writes)
 *   dyndbg_time read FILE N         read all of FILE, N times
 *
 * Prints "median_ns=M min_ns=M runs=N bytes=B": the median and the minimum
 * of the N timings, and (write) what one write returned or (read) the
 * bytes read.  Fails when a write does not return the length of TEXT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void report(long long *t, int n, long long bytes)
{
	qsort(t, n, sizeof(*t), cmp_ll);
	printf("median_ns=%lld min_ns=%lld runs=%d bytes=%lld\n", t[n / 2],
	       t[0], n, bytes);
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	long long *t, bytes = 0;
	int i, n, fd;

	if (argc == 5 && !strcmp(argv[1], "write")) {
		size_t len = strlen(argv[3]);

		n = atoi(argv[4]);
		t = calloc(n > 0 ? n : 1, sizeof(*t));
		fd = open(argv[2], O_WRONLY);
		if (fd < 0 || !t || n < 1) {
			perror(argv[2]);
			return 1;
		}
		for (i = 0; i < n; i++) {
			long long t0 = now_ns();
			ssize_t r = write(fd, argv[3], len);

			t[i] = now_ns() - t0;
			if (r != (ssize_t)len) {
				fprintf(stderr, "write returned %zd: %s\n", r,
					r < 0 ? strerror(errno) : "short");
				return 1;
			}
			bytes = r;
		}
		close(fd);
		report(t, n, bytes);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "read")) {
		n = atoi(argv[3]);
		t = calloc(n > 0 ? n : 1, sizeof(*t));
		if (!t || n < 1)
			return 1;
		for (i = 0; i < n; i++) {
			long long t0 = now_ns();
			ssize_t r;

			fd = open(argv[2], O_RDONLY);
			if (fd < 0) {
				perror(argv[2]);
				return 1;
			}
			bytes = 0;
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				bytes += r;
			close(fd);
			t[i] = now_ns() - t0;
			if (r < 0) {
				perror(argv[2]);
				return 1;
			}
		}
		report(t, n, bytes);
		return 0;
	}
	fprintf(stderr, "usage: dyndbg_time write FILE TEXT N | read FILE N\n");
	return 2;
}
