// SPDX-License-Identifier: GPL-2.0
/*
 * gen_corpus DIR: write the seed corpora of the record reader fuzz targets
 * into DIR/<target>/, small records of every format made with libdamonrec's
 * writers or by hand.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "damonrec.h"

static const char *outdir;

static void put(const char *target, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void put_both(const char *target, const char *name, const void *p,
		     size_t n)
{
	char an[128];

	put(target, name, p, n);
	if (!strcmp(target, "v3"))
		put("v3-nocrc", name, p, n);
	if (!strcmp(target, "v4"))
		put("v4-nocrc", name, p, n);
	snprintf(an, sizeof(an), "%s-%s", target, name);
	put("auto", an, p, n);
}

/* A little series: steady regions, a split, a merge, a new target. */
static struct damonrec_snapshot *snaps[6];

static void make_series(void)
{
	unsigned int i, k;

	for (i = 0; i < 6; i++) {
		struct damonrec_snapshot *s = damonrec_snapshot_new();

		damonrec_snapshot_set_time(s, 1700000000000000000ll +
					   (int64_t)i * 100000000);
		damonrec_snapshot_set_kdamond(s, i == 4);
		damonrec_snapshot_set_lost_before(s, i == 3 ? 2 : 0);
		damonrec_snapshot_add_target(s, 0);
		for (k = 0; k < 5; k++) {
			struct damonrec_region r = {
				0x7f0000000000ull + k * 0x200000,
				0x7f0000200000ull + k * 0x200000,
				k == i ? 9 : k, i && k != i ? i : 0,
			};

			if (k == 2 && i >= 2) {
				/* split in two, the second unaligned */
				struct damonrec_region a = r;

				a.end = r.start + 0x100000;
				damonrec_snapshot_add_region(s, 0, &a);
				r.start = a.end;
				r.end -= 0x123;
			}
			if (k == 4)
				r.start += 0x10000;	/* a gap */
			damonrec_snapshot_add_region(s, 0, &r);
		}
		if (i >= 3) {
			struct damonrec_region r = { 0x1000, 0x5000, 1, 0 };

			damonrec_snapshot_add_target(s, 1);
			damonrec_snapshot_add_region(s, 1, &r);
		}
		snaps[i] = s;
	}
}

/*
 * Three address areas, as DAMON shows a process: regions that stay, split,
 * merge (more than 14 at once too) and shrink, so that v3 codes them with
 * NEXT runs over the holes and reference-bound CONT and GAP regions.
 */
static struct damonrec_snapshot *areas[4];

static void add(struct damonrec_snapshot *s, uint64_t start, uint64_t end,
		uint32_t nr, uint32_t age)
{
	struct damonrec_region r = { start, end, nr, age };

	damonrec_snapshot_add_region(s, 0, &r);
}

static void make_areas(void)
{
	const uint64_t heap = 0x400000, mm = 0x7f0000000000ull,
		       stack = 0x7ffc00000000ull;
	unsigned int i, k;

	for (i = 0; i < 4; i++) {
		struct damonrec_snapshot *s = damonrec_snapshot_new();

		damonrec_snapshot_set_time(s, 1700000000000000000ll +
					   (int64_t)i * 100000007);
		damonrec_snapshot_add_target(s, 0);
		k = 0;
		if (i >= 2) {
			/* 17 heap regions merged */
			add(s, heap, heap + 17 * 0x100000, 0, i - 2);
			k = 17;
		}
		for (; k < 20; k++) {
			uint64_t a = heap + k * 0x100000;

			if (k == 3 && i >= 1) {
				/* split, the second half hotter */
				add(s, a, a + 0x80000, k % 3, i);
				add(s, a + 0x80000, a + 0x100000, 7, i - 1);
				continue;
			}
			add(s, a, a + 0x100000, k % 3, i);
		}
		for (k = 0; k < 4; k++) {
			uint64_t a = mm + k * 0x200000;

			if (k == 1 && i >= 1) {
				/* two merged */
				add(s, a, a + 0x400000, 1, 4 + i);
				k++;
				continue;
			}
			add(s, a, a + 0x200000, 1, i);
		}
		/* the stack shrinks */
		add(s, stack, stack + (i >= 2 ? 0x10000 : 0x21000), 2, i);
		areas[i] = s;
	}
}

static void write_fmt(enum damonrec_format fmt, const char *target,
		      const char *name, unsigned int n)
{
	struct damonrec_record_meta meta = {
		.intervals = { 5000, 100000, 1000000 },
		.start_ns = 1700000000000000000ll - 1000,
	};
	int fd = memfd_create("c", 0);
	struct damonrec_writer *w = damonrec_writer_open_fd(fd, fmt, &meta);
	static char buf[1 << 16];
	unsigned int i;
	ssize_t len;

	for (i = 0; i < n; i++)
		if (damonrec_writer_write(w, strcmp(name, "areas") ?
					  snaps[i] : areas[i]))
			exit(1);
	if ((fmt == DAMONREC_FORMAT_V3 || fmt == DAMONREC_FORMAT_V4) && n > 1)
		damonrec_writer_mark_lost(w, 0, 1);
	if (damonrec_writer_close(w))
		exit(1);
	len = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	put_both(target, name, buf, (size_t)len);
	/* and a truncated copy */
	if (len > 40) {
		char tn[64];

		snprintf(tn, sizeof(tn), "%s-cut", name);
		put(target, tn, buf, (size_t)len * 2 / 3);
		if (fmt == DAMONREC_FORMAT_V3)
			put("v3-nocrc", tn, buf, (size_t)len * 2 / 3);
		if (fmt == DAMONREC_FORMAT_V4)
			put("v4-nocrc", tn, buf, (size_t)len * 2 / 3);
	}
}

/* v0 and v1 by hand (the library does not write them). */
static void write_old(void)
{
	unsigned char b[256];
	size_t n = 0;
	int64_t sec = 1700000000, nsec = 5;
	uint32_t nt = 1, nr = 2, id1 = 1234, acc = 3;
	uint64_t id = 42, a[4] = { 0x1000, 0x3000, 0x3000, 0x8000 };
	int i;

#define P(x) (memcpy(b + n, &(x), sizeof(x)), n += sizeof(x))
	P(sec); P(nsec); P(nt); P(id); P(nr);
	for (i = 0; i < 2; i++) {
		P(a[2 * i]);
		P(a[2 * i + 1]);
		P(acc);
	}
	put_both("v0", "two-regions", b, n);
	n = 0;
	memcpy(b, "damon_recfmt_ver", 16);
	n = 16;
	nt = 1;
	P(nt);
	nt = 1;
	P(sec); P(nsec); P(nt); P(id1); P(nr);
	for (i = 0; i < 2; i++) {
		P(a[2 * i]);
		P(a[2 * i + 1]);
		P(acc);
	}
	put_both("v1", "two-regions", b, n);
#undef P
}

static const char perf612[] =
	"# captured on: Thu Jan  1 00:00:00 2025\n"
	"       kdamond.0   412 [001]   100.000001: damon:damon_aggregated: target_id=0 nr_regions=2 4096-8192: 3 1\n"
	"       kdamond.0   412 [001]   100.000002: damon:damon_aggregated: target_id=0 nr_regions=2 8192-16384: 0 7\n"
	"       kdamond.1   500 [000]   100.000003: damon:damon_aggregated: target_id=0 nr_regions=1 4096-8192: 9 0\n"
	"       kdamond.0   412 [000]   100.000004: damon:damon_aggregated: target_id=1 nr_regions=1 65536-131072: 20 2\n"
	"            bash  1000 [000]   100.000005: sched:sched_switch: prev_comm=bash prev_pid=1000\n"
	"       kdamond.0   412 [001]   100.100001: damon:damon_aggregated: target_id=0 nr_regions=1 4096-16384: 2 0\n"
	"       kdamond.1   500 [000]   100.100002: damon:damon_aggregated: target_id=0 nr_regions=1 4096-8192: 9 1\n";
static const char perf_old[] =
	"kdamond.0 4452 [000] 82877.315633: damon:damon_aggregated: target_id=18446623435582458880 nr_regions=2 140731667070976-140731668037632: 0\n"
	"kdamond.0 4452 [000] 82877.315634: damon:damon_aggregated: target_id=18446623435582458880 nr_regions=2 140731668037632-140731669037632: 5\n"
	"kdamond.0 4452 [000] 82877.415633: damon:damon_aggregated: target_id=18446623435582458880 nr_regions=1 140731667070976-140731669037632: 1\n";
static const char json_odd[] =
	" {\"x\":[1,-2.5e+3,{\"a\":[[],{}]},\"s\\\"\\u00e9\",true,false,null],"
	"\"snapshots\":[{\"targets\":[{\"regions\":[[4096,8192,3],[8192,12288,1,9]],\"id\":7}],"
	"\"lost_before\":2,\"time_ns\":-1,\"kdamond\":1},{\"time_ns\":9223372036854775807}],"
	"\"start_ns\":77,\"intervals\":{\"aggr_us\":3},\"version\":1,\"format\":\"damonrec\"}\n";

/* As damo writes it: numbers as strings with separators, nulls, extras. */
static const char damo_odd[] =
	"[{\"kdamond_idx\": null, \"intervals\": {\"sample_us\": \"5 ms\", "
	"\"aggr_us\": \"100,000\", \"ops_update_us\": 1000000, \"intervals_goal\": "
	"{\"access_bp\": \"0 %\", \"aggrs\": 3}}, \"target_id\": 1.8446623438842319e+19, "
	"\"scheme_filters\": [{\"a\": [1, {}]}], \"snapshots\": [{\"start_time\": "
	"\"1 s 5 ns\", \"end_time\": \"1,100,000,005\", \"regions\": [{\"start\": "
	"\"94,827,419,009,024\", \"end\": 94827423150080, \"nr_accesses\": "
	"{\"samples\": null, \"percent\": 20}, \"age\": {\"usec\": \"1 s\", "
	"\"aggr_intervals\": null}, \"probe_hits\": [1, 2], \"sz_filter_passed\": "
	"\"4.000 KiB\"}], \"total_bytes\": \"3.949 MiB\", \"damos_stats\": null}], "
	"\"data_source\": \"damon_stat\"}, {}, {\"snapshots\": []}]\n";

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	make_series();
	make_areas();
	write_fmt(DAMONREC_FORMAT_V2, "v2", "series", 6);
	write_fmt(DAMONREC_FORMAT_V2, "v2", "one", 1);
	write_fmt(DAMONREC_FORMAT_V2, "v2", "empty", 0);
	write_fmt(DAMONREC_FORMAT_V3, "v3", "series", 6);
	write_fmt(DAMONREC_FORMAT_V3, "v3", "one", 1);
	write_fmt(DAMONREC_FORMAT_V3, "v3", "empty", 0);
	write_fmt(DAMONREC_FORMAT_V3, "v3", "areas", 4);
	write_fmt(DAMONREC_FORMAT_V4, "v4", "series", 6);
	write_fmt(DAMONREC_FORMAT_V4, "v4", "one", 1);
	write_fmt(DAMONREC_FORMAT_V4, "v4", "empty", 0);
	write_fmt(DAMONREC_FORMAT_V4, "v4", "areas", 4);
	write_fmt(DAMONREC_FORMAT_JSON, "json", "series", 6);
	write_fmt(DAMONREC_FORMAT_JSON, "json", "one", 1);
	write_fmt(DAMONREC_FORMAT_CSV, "csv", "series", 6);
	write_fmt(DAMONREC_FORMAT_DAMO, "damo", "series", 6);
	write_fmt(DAMONREC_FORMAT_DAMO, "damo", "one", 1);
	write_fmt(DAMONREC_FORMAT_DAMO_JSON, "damo-json", "series", 6);
	write_fmt(DAMONREC_FORMAT_DAMO_JSON, "damo-json", "one", 1);
	write_old();
	put_both("perf-script", "linux-6.12", perf612, sizeof(perf612) - 1);
	put_both("perf-script", "linux-5.15", perf_old, sizeof(perf_old) - 1);
	put_both("json", "odd", json_odd, sizeof(json_odd) - 1);
	put_both("damo-json", "odd", damo_odd, sizeof(damo_odd) - 1);
	{
		static unsigned char z[4096];
		uLongf zn = sizeof(z);

		if (compress(z, &zn, (const Bytef *)damo_odd, sizeof(damo_odd) - 1) != Z_OK)
			return 1;
		put_both("damo", "odd", z, zn);
	}
	return 0;
}
