// SPDX-License-Identifier: GPL-2.0
/*
 * gen_record: write a synthetic record for the tests.
 *
 *   gen_record [-f v0|v1|v2|v3|json|csv] [-n SNAPSHOTS] [-r REGIONS]
 *              [-t TARGETS] [-l SNAPSHOT] [-g] [-i SNAPSHOT] OUT
 *
 * Every target spans REGIONS regions of 2 MiB from 0x7f0000000000 (target
 * N is offset by N GiB).  A hot region walks up one region per snapshot and
 * back down (a zigzag): it has 20 accesses, its neighbours 1 or 0.  Ages
 * count the snapshots a region's count has not changed.  Snapshots are
 * 100 ms apart from 2023-11-14 22:13:20 UTC.  -l N marks 3 snapshots lost
 * before snapshot N.  -g leaves a 1 GiB gap in the middle of each target.
 * The intervals are 5 ms sampling, 100 ms aggregation and 1 s updates;
 * -i N tunes them to 2.5 ms and 50 ms from snapshot N on, as DAMON's
 * intervals_goal would (an INTERVALS frame in v3).
 * v0 and v1 are written by hand; the others through libdamonrec.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "damonrec.h"

#define BASE 0x7f0000000000ULL
#define RSZ (2ULL << 20)
#define T0 1700000000000000000LL
#define STEP 100000000LL

static unsigned int hot_of(unsigned int i, unsigned int nr)
{
	unsigned int period = nr > 1 ? 2 * (nr - 1) : 1, p = i % period;

	return p < nr ? p : period - p;
}

static void put(FILE *f, const void *p, size_t n)
{
	if (fwrite(p, 1, n, f) != n) {
		perror("write");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *fmtname = "v3";
	unsigned int n = 20, nr = 10, nt = 1, lost_at = ~0u, tuned_at = ~0u;
	bool gap = false;
	enum damonrec_format fmt;
	int opt;

	while ((opt = getopt(argc, argv, "f:n:r:t:l:gi:")) != -1) {
		switch (opt) {
		case 'f': fmtname = optarg; break;
		case 'n': n = (unsigned int)atoi(optarg); break;
		case 'r': nr = (unsigned int)atoi(optarg); break;
		case 't': nt = (unsigned int)atoi(optarg); break;
		case 'l': lost_at = (unsigned int)atoi(optarg); break;
		case 'g': gap = true; break;
		case 'i': tuned_at = (unsigned int)atoi(optarg); break;
		default: return 2;
		}
	}
	if (optind != argc - 1 || !nr || !nt || damonrec_format_parse(fmtname, &fmt)) {
		fprintf(stderr, "usage: gen_record [-f FMT] [-n N] [-r R] [-t T] [-l N] [-g] [-i N] OUT\n");
		return 2;
	}

	uint32_t *ages = calloc((size_t)nr * nt, sizeof(*ages));
	uint32_t *prev = calloc((size_t)nr * nt, sizeof(*prev));
	struct damonrec_snapshot *s = damonrec_snapshot_new();
	struct damonrec_record_meta meta = {
		.intervals = { 5000, 100000, 1000000 }, .start_ns = T0 - STEP,
	};
	struct damonrec_writer *w = NULL;
	FILE *raw = NULL;

	if (fmt == DAMONREC_FORMAT_V0 || fmt == DAMONREC_FORMAT_V1) {
		raw = fopen(argv[optind], "w");
		if (!raw) {
			perror(argv[optind]);
			return 1;
		}
		if (fmt == DAMONREC_FORMAT_V1) {
			int32_t v = 1;

			put(raw, "damon_recfmt_ver", 16);
			put(raw, &v, 4);
		}
	} else {
		w = damonrec_writer_open(argv[optind], fmt, &meta);
		if (!w) {
			perror(argv[optind]);
			return 1;
		}
	}

	for (unsigned int i = 0; i < n; i++) {
		unsigned int hot = hot_of(i, nr);
		int64_t t = T0 + (int64_t)i * STEP;

		damonrec_snapshot_clear(s);
		damonrec_snapshot_set_time(s, t);
		damonrec_snapshot_set_lost_before(s, i == lost_at ? 3 : 0);
		if (i >= tuned_at) {
			static const struct damonrec_intervals tuned = {
				2500, 50000, 1000000,
			};

			damonrec_snapshot_set_intervals(s, &tuned);
		}
		if (raw) {
			int64_t sec = t / 1000000000LL, nsec = t % 1000000000LL;
			uint32_t nt32 = nt;

			put(raw, &sec, 8);
			put(raw, &nsec, 8);
			put(raw, &nt32, 4);
		}
		for (unsigned int k = 0; k < nt; k++) {
			int ti = damonrec_snapshot_add_target(s, k);
			uint64_t base = BASE + ((uint64_t)k << 30) * 4;

			if (raw) {
				uint32_t nr32 = nr;

				if (fmt == DAMONREC_FORMAT_V1) {
					int32_t id = (int32_t)k;

					put(raw, &id, 4);
				} else {
					uint64_t id = k;

					put(raw, &id, 8);
				}
				put(raw, &nr32, 4);
			}
			for (unsigned int j = 0; j < nr; j++) {
				struct damonrec_region r;
				uint32_t acc = j == hot ? 20 : (j + 1 == hot || j == hot + 1) ? 1 : 0;
				size_t x = (size_t)k * nr + j;
				uint64_t off = gap && j >= nr / 2 ? 1ULL << 30 : 0;

				ages[x] = i && prev[x] == acc ? ages[x] + 1 : 0;
				prev[x] = acc;
				r.start = base + off + j * RSZ;
				r.end = r.start + RSZ;
				r.nr_accesses = acc;
				r.age = raw || fmt == DAMONREC_FORMAT_V2 ? 0 : ages[x];
				if (raw) {
					put(raw, &r.start, 8);
					put(raw, &r.end, 8);
					put(raw, &r.nr_accesses, 4);
				} else if (damonrec_snapshot_add_region(s, (size_t)ti, &r)) {
					perror("add_region");
					return 1;
				}
			}
		}
		if (w && damonrec_writer_write(w, s)) {
			perror("write");
			return 1;
		}
	}
	if (w && damonrec_writer_close(w)) {
		perror("close");
		return 1;
	}
	if (raw && fclose(raw)) {
		perror("close");
		return 1;
	}
	damonrec_snapshot_free(s);
	free(ages);
	free(prev);
	return 0;
}
