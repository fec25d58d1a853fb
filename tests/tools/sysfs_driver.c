// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs_driver ROOT STEP...: run libdamonrec's DAMON sysfs calls on ROOT,
 * one per STEP, printing "STEP: RESULT" lines, for the host tests.
 *
 * Steps: count, running, info:N, setup:OPS[:key=value...] (OPS vaddr,
 * fvaddr or paddr; keys pids=1,2 sample= aggr= update= min= max=),
 * start, stop, is-running, pid, teardown, free (teardown by freeing),
 * sleep:MS.
 * A failed step prints "STEP: error EXXX (text)" and the run goes on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "damonrec.h"

static void fail(const char *step)
{
	printf("%s: error %s (%s)\n", step, strerrorname_np(errno), strerror(errno));
}

static int setup(struct damonrec_damon *d, char *spec)
{
	struct damonrec_damon_attrs a = { 0 };
	pid_t pids[16];
	char *tok, *save = NULL;

	tok = strtok_r(spec, ":", &save);
	if (!strcmp(tok, "vaddr"))
		a.ops = DAMONREC_OPS_VADDR;
	else if (!strcmp(tok, "fvaddr"))
		a.ops = DAMONREC_OPS_FVADDR;
	else if (!strcmp(tok, "paddr"))
		a.ops = DAMONREC_OPS_PADDR;
	else
		a.ops = (enum damonrec_ops)99;
	while ((tok = strtok_r(NULL, ":", &save))) {
		char *v = strchr(tok, '=');

		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(tok, "pids")) {
			char *p, *s2 = NULL;

			for (p = strtok_r(v, ",", &s2); p && a.nr_pids < 16;
			     p = strtok_r(NULL, ",", &s2))
				pids[a.nr_pids++] = atoi(p);
			a.pids = pids;
		} else if (!strcmp(tok, "sample")) {
			a.intervals.sample_us = strtoull(v, NULL, 0);
		} else if (!strcmp(tok, "aggr")) {
			a.intervals.aggr_us = strtoull(v, NULL, 0);
		} else if (!strcmp(tok, "update")) {
			a.intervals.update_us = strtoull(v, NULL, 0);
		} else if (!strcmp(tok, "min")) {
			a.min_nr_regions = strtoull(v, NULL, 0);
		} else if (!strcmp(tok, "max")) {
			a.max_nr_regions = strtoull(v, NULL, 0);
		}
	}
	return damonrec_damon_setup(d, &a);
}

int main(int argc, char **argv)
{
	struct damonrec_damon *d;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: sysfs_driver ROOT STEP...\n");
		return 2;
	}
	d = damonrec_damon_new(argv[1]);
	if (!d) {
		fail("new");
		return 1;
	}
	for (i = 2; i < argc; i++) {
		char step[256];
		int r;

		snprintf(step, sizeof(step), "%s", argv[i]);
		if (!strcmp(step, "count")) {
			r = damonrec_damon_count_kdamonds(d);
			r < 0 ? fail(step) : (void)printf("count: %d\n", r);
		} else if (!strcmp(step, "running")) {
			r = damonrec_damon_count_running(d);
			r < 0 ? fail(step) : (void)printf("running: %d\n", r);
		} else if (!strncmp(step, "info:", 5)) {
			struct damonrec_kdamond_info ki;

			if (damonrec_damon_get_kdamond(d, (unsigned int)atoi(step + 5), &ki))
				fail(step);
			else
				printf("%s: %s pid %d contexts %u ops %s targets %u "
				       "sample %llu aggr %llu update %llu\n", step,
				       ki.running ? "on" : "off", (int)ki.pid, ki.nr_contexts,
				       ki.operations, ki.nr_targets,
				       (unsigned long long)ki.intervals.sample_us,
				       (unsigned long long)ki.intervals.aggr_us,
				       (unsigned long long)ki.intervals.update_us);
		} else if (!strncmp(step, "setup:", 6)) {
			char spec[256];

			snprintf(spec, sizeof(spec), "%s", step + 6);
			setup(d, spec) ? fail(step) : (void)printf("%s: ok\n", step);
		} else if (!strcmp(step, "start")) {
			damonrec_damon_start(d) ? fail(step) : (void)printf("start: ok\n");
		} else if (!strcmp(step, "stop")) {
			damonrec_damon_stop(d) ? fail(step) : (void)printf("stop: ok\n");
		} else if (!strcmp(step, "is-running")) {
			r = damonrec_damon_is_running(d);
			r < 0 ? fail(step) : (void)printf("is-running: %d\n", r);
		} else if (!strcmp(step, "pid")) {
			pid_t p = damonrec_damon_get_kdamond_pid(d);

			p < 0 ? fail(step) : (void)printf("pid: %d\n", (int)p);
		} else if (!strcmp(step, "teardown")) {
			damonrec_damon_teardown(d) ? fail(step) : (void)printf("teardown: ok\n");
		} else if (!strncmp(step, "sleep:", 6)) {
			usleep((useconds_t)atoi(step + 6) * 1000);
		} else if (!strcmp(step, "free")) {
			damonrec_damon_free(d);
			d = NULL;
			printf("free: ok\n");
			break;
		} else {
			fprintf(stderr, "unknown step %s\n", step);
			return 2;
		}
		fflush(stdout);
	}
	damonrec_damon_free(d);
	return 0;
}
