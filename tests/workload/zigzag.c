// SPDX-License-Identifier: GPL-2.0
/*
 * zigzag - a workload with a known, moving access pattern
 *
 * Maps a buffer, touches all of it once, then walks a hot window across it:
 * the buffer is cut into STEPS windows, and for STEP_MS milliseconds at a
 * time one window is written over and over (one byte per page, round after
 * round) while the rest stays idle, first window to last.  With --repeat the
 * walk starts again from the first window.  DAMON should see one hot region
 * moving from the buffer's low end to its high end, like masim's "zigzag".
 *
 *   zigzag [-s SIZE_MIB] [-n STEPS] [-t STEP_MS] [-r REPEATS]
 *          [-d DELAY_MS] [-p PAUSE_US] [-i INFO_FILE]
 *
 *   -s  buffer size in MiB (default 64)
 *   -n  number of windows (default 8)
 *   -t  time spent on each window, ms (default 1000)
 *   -r  number of walks (default 1)
 *   -d  idle time before the first walk, ms (default 0), so that monitoring
 *       can be set up first
 *   -p  sleep PAUSE_US microseconds after each round over the window
 *       (default 0: busy), to leave CPU time to the monitor on slow machines
 *   -i  write "start end steps step_ms" (addresses in hex) to INFO_FILE once
 *       the buffer is mapped
 *
 * It prints the same line as the info file on stdout, and exits 0 after the
 * last walk.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static unsigned long arg(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || !v) {
		fprintf(stderr, "zigzag: bad %s '%s': give a positive number\n",
			what, s);
		exit(2);
	}
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long size_mib = 64, steps = 8, step_ms = 1000, repeats = 1;
	unsigned long delay_ms = 0, pause_us = 0, win, i, r, off;
	const char *info = NULL;
	volatile unsigned char *buf;
	char line[128];
	int c;

	while ((c = getopt(argc, argv, "s:n:t:r:d:p:i:")) != -1) {
		switch (c) {
		case 's': size_mib = arg(optarg, "size"); break;
		case 'n': steps = arg(optarg, "step count"); break;
		case 't': step_ms = arg(optarg, "step time"); break;
		case 'r': repeats = arg(optarg, "repeat count"); break;
		case 'd':
			delay_ms = strcmp(optarg, "0") ? arg(optarg, "delay") : 0;
			break;
		case 'p':
			pause_us = strcmp(optarg, "0") ? arg(optarg, "pause") : 0;
			break;
		case 'i': info = optarg; break;
		default:
			fprintf(stderr, "usage: zigzag [-s SIZE_MIB] [-n STEPS] [-t STEP_MS] [-r REPEATS] [-d DELAY_MS] [-p PAUSE_US] [-i INFO_FILE]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "zigzag: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}

	win = size_mib * 1024 * 1024 / steps / PAGE * PAGE;
	if (!win) {
		fprintf(stderr, "zigzag: %lu windows do not fit in %lu MiB: use fewer steps\n",
			steps, size_mib);
		return 2;
	}
	buf = mmap(NULL, win * steps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("zigzag: mmap");
		return 1;
	}
	/* Keep pages small, so that DAMON sees page-granular accesses. */
	madvise((void *)buf, win * steps, MADV_NOHUGEPAGE);
	memset((void *)buf, 1, win * steps);

	snprintf(line, sizeof(line), "0x%lx 0x%lx %lu %lu\n",
		 (unsigned long)buf, (unsigned long)buf + win * steps, steps,
		 step_ms);
	fputs(line, stdout);
	fflush(stdout);
	if (info) {
		FILE *f = fopen(info, "w");

		if (!f || fputs(line, f) == EOF || fclose(f)) {
			fprintf(stderr, "zigzag: cannot write %s\n", info);
			return 1;
		}
	}
	if (delay_ms)
		usleep(delay_ms * 1000);

	for (r = 0; r < repeats; r++) {
		for (i = 0; i < steps; i++) {
			volatile unsigned char *w = buf + i * win;
			uint64_t end = now_ns() + step_ms * 1000000ULL;

			while (now_ns() < end) {
				for (off = 0; off < win; off += PAGE)
					w[off]++;
				if (pause_us)
					usleep(pause_us);
			}
		}
	}
	return 0;
}
