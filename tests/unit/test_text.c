// SPDX-License-Identifier: GPL-2.0
/*
 * Text formats: CSV (written, and read back) and perf-script import.
 */
#include "util.h"

static size_t count_text(const char *text, int *rc, struct rd *x)
{
	rd_open(x, text, strlen(text), DAMONREC_FORMAT_AUTO);
	return rd_count(x->r, rc);
}

static const struct damonrec_region *reg(const struct damonrec_snapshot *s,
					 size_t t, size_t i)
{
	return damonrec_target_get_region(damonrec_snapshot_get_target(s, t), i);
}

static void test_csv(void)
{
	static const char want[] =
		"time_ns,kdamond,target,start,end,nr_accesses,age\n"
		"-3,1,0,4096,8192,5,2\n"
		"-3,1,0,8192,16384,0,0\n"
		"-3,1,18446744073709551615,0,18446744073709551615,4294967295,4294967295\n"
		"10,0,4,1,2,3,4\n";
	struct damonrec_region r[4] = {
		{ 4096, 8192, 5, 2 }, { 8192, 16384, 0, 0 },
		{ 0, UINT64_MAX, UINT32_MAX, UINT32_MAX }, { 1, 2, 3, 4 },
	};
	struct damonrec_snapshot *a = damonrec_snapshot_new();
	struct damonrec_snapshot *b = damonrec_snapshot_new();
	struct damonrec_snapshot *arr[2] = { a, b };
	struct series ser = { arr, 2 };
	const struct damonrec_snapshot *s;
	struct buf out = { 0 };
	char why[200];
	struct rd x;
	int rc;

	damonrec_snapshot_set_time(a, -3);
	damonrec_snapshot_set_kdamond(a, 1);
	damonrec_snapshot_add_target(a, 0);
	damonrec_snapshot_add_region(a, 0, &r[0]);
	damonrec_snapshot_add_region(a, 0, &r[1]);
	damonrec_snapshot_add_target(a, UINT64_MAX);
	damonrec_snapshot_add_region(a, 1, &r[2]);
	damonrec_snapshot_set_time(b, 10);
	damonrec_snapshot_add_target(b, 4);
	damonrec_snapshot_add_region(b, 0, &r[3]);
	ok(!write_series(&ser, DAMONREC_FORMAT_CSV, NULL, &out), "csv: written");
	buf_put(&out, "", 1);
	is_str((char *)out.p, want, "csv: header and one line per region");

	ok(rd_open(&x, out.p, out.len - 1, DAMONREC_FORMAT_AUTO) &&
	   damonrec_reader_get_format(x.r) == DAMONREC_FORMAT_CSV &&
	   damonrec_reader_get_start_time(x.r) == -3,
	   "csv: detected, start time known at open");
	ok(damonrec_reader_next(x.r, &s) == 1 && snap_equal(s, a, true, why, sizeof(why)),
	   "csv: first snapshot back, two targets (%s)", why);
	ok(damonrec_reader_next(x.r, &s) == 1 && snap_equal(s, b, true, why, sizeof(why)),
	   "csv: second snapshot back (%s)", why);
	is_int(damonrec_reader_next(x.r, &s), 0, "csv: clean end");
	rd_close(&x);

	ok(count_text("time_ns,kdamond,target,start,end,nr_accesses,age\r\n1,0,0,1,2,3,4\r\n\r\n2,0,0,1,2,3,4",
		      &rc, &x) == 2 && rc == 0,
	   "csv: CRLF, blank lines and a last line without newline");
	rd_close(&x);
	ok(count_text("time_ns,kdamond,target,start,end,nr_accesses\n", &rc, &x) == 0 &&
	   rc == -1 && errno == EBADMSG, "csv: a wrong header is corrupt");
	rd_close(&x);
	ok(count_text("time_ns,kdamond,target,start,end,nr_accesses,age\n1,0,0,1,2,3,4\n2,0,0,1,x,3,4\n",
		      &rc, &x) == 1 && rc == -1 && errno == EBADMSG,
	   "csv: a bad field after a good snapshot");
	has_str(damonrec_reader_get_error_message(x.r), "csv snapshot at offset 63: line 3 (offset 63): bad end",
		"csv: message names line and field");
	is_u64(damonrec_reader_get_error_offset(x.r), 63, "csv: offset of the bad snapshot");
	rd_close(&x);
	ok(count_text("time_ns,kdamond,target,start,end,nr_accesses,age\n1,0,0,1,2,3,4\n2,0,0,1,2,3",
		      &rc, &x) == 1 && rc == -1 && errno == ENODATA,
	   "csv: a cut last line is a truncation");
	rd_close(&x);
	ok(count_text("time_ns,kdamond,target,start,end,nr_accesses,age\n1,0,0,1,2,3,4,5\n",
		      &rc, &x) == 0 && rc == -1 && errno == EBADMSG,
	   "csv: extra fields are corrupt");
	rd_close(&x);

	buf_free(&out);
	damonrec_snapshot_free(a);
	damonrec_snapshot_free(b);
}

static void test_perf(void)
{
	/* 6.12: with age; two kdamonds interleaved; two targets; noise. */
	static const char t612[] =
		"# ========\n"
		"# captured on    : Thu Jan  1 00:00:00 2025\n"
		"# ========\n"
		"#\n"
		"       kdamond.0   412 [001]   100.000001: damon:damon_aggregated: target_id=0 nr_regions=2 4096-8192: 3 1\n"
		"       kdamond.0   412 [001]   100.000002: damon:damon_aggregated: target_id=0 nr_regions=2 8192-16384: 0 7\n"
		"       kdamond.1   500 [000]   100.000003: damon:damon_aggregated: target_id=0 nr_regions=1 4096-8192: 9 0\n"
		"       kdamond.0   412 [000]   100.000004: damon:damon_aggregated: target_id=1 nr_regions=1 65536-131072: 20 2\n"
		"            bash  1000 [000]   100.000005: sched:sched_switch: prev_comm=bash prev_pid=1000\n"
		"       kdamond.0   412 [001]   100.100001: damon:damon_aggregated: target_id=0 nr_regions=1 4096-16384: 2 0\n"
		"       kdamond.1   500 [000]   100.100002: damon:damon_aggregated: target_id=0 nr_regions=1 4096-8192: 9 1\n"
		"       kdamond.0   412 [001]   100.100003: damon:damon_aggregated: target_id=1 nr_regions=1 65536-131072: 20 3\n";
	/* Before 5.16: no age. */
	static const char old[] =
		"kdamond.0 4452 [000] 82877.315633: damon:damon_aggregated: target_id=18446623435582458880 nr_regions=2 140731667070976-140731668037632: 0\n"
		"kdamond.0 4452 [000] 82877.315634: damon:damon_aggregated: target_id=18446623435582458880 nr_regions=2 140731668037632-140731669037632: 5\n"
		"kdamond.0 4452 [000] 82877.415633: damon:damon_aggregated: target_id=18446623435582458880 nr_regions=1 140731667070976-140731669037632: 1\n";
	const struct damonrec_snapshot *s;
	struct rd x;
	int rc;

	ok(rd_open(&x, t612, sizeof(t612) - 1, DAMONREC_FORMAT_AUTO) &&
	   damonrec_reader_get_format(x.r) == DAMONREC_FORMAT_PERF_SCRIPT &&
	   damonrec_reader_get_start_time(x.r) == 100000001000ll,
	   "perf: detected; start time is the first event's, known at open");
	ok(damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_kdamond(s) == 0 &&
	   damonrec_snapshot_get_time(s) == 100000001000ll &&
	   damonrec_snapshot_get_nr_targets(s) == 2 &&
	   damonrec_target_get_nr_regions(damonrec_snapshot_get_target(s, 0)) == 2 &&
	   reg(s, 0, 0)->start == 4096 && reg(s, 0, 0)->end == 8192 &&
	   reg(s, 0, 0)->nr_accesses == 3 && reg(s, 0, 0)->age == 1 &&
	   reg(s, 0, 1)->age == 7 &&
	   damonrec_target_get_id(damonrec_snapshot_get_target(s, 1)) == 1 &&
	   reg(s, 1, 0)->start == 65536 && reg(s, 1, 0)->nr_accesses == 20,
	   "perf: kdamond.0's first snapshot: two targets, the cpu change ignored");
	ok(damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_kdamond(s) == 1 &&
	   damonrec_snapshot_get_time(s) == 100000003000ll &&
	   reg(s, 0, 0)->nr_accesses == 9,
	   "perf: kdamond.1's first snapshot ends when its target comes round again");
	ok(damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_kdamond(s) == 0 &&
	   damonrec_snapshot_get_time(s) == 100100001000ll &&
	   damonrec_snapshot_get_nr_targets(s) == 2 &&
	   reg(s, 0, 0)->end == 16384 && reg(s, 1, 0)->age == 3,
	   "perf: at the end, kdamond.0's second snapshot first (older)");
	ok(damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_kdamond(s) == 1 && reg(s, 0, 0)->age == 1,
	   "perf: then kdamond.1's");
	is_int(damonrec_reader_next(x.r, &s), 0, "perf: clean end");
	rd_close(&x);

	ok(rd_open(&x, old, sizeof(old) - 1, DAMONREC_FORMAT_AUTO) &&
	   damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_time(s) == 82877315633000ll &&
	   damonrec_target_get_id(damonrec_snapshot_get_target(s, 0)) == 18446623435582458880ull &&
	   damonrec_snapshot_get_nr_regions(s) == 2 &&
	   reg(s, 0, 1)->nr_accesses == 5 && reg(s, 0, 1)->age == 0 &&
	   damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_nr_regions(s) == 1 &&
	   damonrec_reader_next(x.r, &s) == 0,
	   "perf: the format without age (before 5.16)");
	rd_close(&x);

	ok(count_text("kdamond.0 1 [0] 1.5: damon:damon_aggregated: target_id=0 nr_regions=1 1-2: 3 4\n"
		      "kdamond.0 1 [0] 1.500000001: damon:damon_aggregated: target_id=0 nr_regions=1 1-2: 3 4\n"
		      "kdamond.0 1 [0] 2: damon:damon_aggregated: target_id=0 nr_regions=1 1-2: 3 4\n",
		      &rc, &x) == 3 && rc == 0,
	   "perf: timestamps with 1, 9 and no decimals");
	rd_close(&x);

	ok(count_text("kdamond.0 1 [0] 1.5: damon:damon_aggregated: target_id=0 nr_regions=1 1-2: 3 4\n"
		      "kdamond.0 1 [0] 1.6: damon:damon_aggregated: target_id=0 nr_regions=1 2-1: 3 4\n",
		      &rc, &x) == 0 && rc == -1 && errno == EBADMSG,
	   "perf: a reversed region is corrupt");
	has_str(damonrec_reader_get_error_message(x.r),
		"perf-script line 2 at offset 79: region ends before it starts",
		"perf: message names the line");
	rd_close(&x);

	ok(count_text("kdamond.0 1 [0] 1.5: damon:damon_aggregated: target_id=0 nr_regions=1 1-2: 3 4\n"
		      "kdamond.0 1 [0] 1.6: damon:damon_aggregated: target_id=0 nr_re",
		      &rc, &x) == 0 && rc == -1 && errno == ENODATA,
	   "perf: a cut last line is a truncation");
	rd_close(&x);

	ok(count_text("just some text\nwithout events\n", &rc, &x) == 0 &&
	   rc == -1 && errno == EBADMSG, "perf: text without events is refused");
	has_str(damonrec_reader_get_error_message(x.r), "no damon:damon_aggregated",
		"perf: message says no events");
	rd_close(&x);
}

int main(void)
{
	test_csv();
	test_perf();
	return tap_done();
}
