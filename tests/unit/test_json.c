// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON record: the writer's exact text, the streaming reader's edge
 * cases (whitespace, member order, unknown members, exact 64-bit numbers),
 * corruption and truncation.
 */
#include "util.h"

static size_t count_json(const char *text, int *rc, struct rd *x)
{
	rd_open(x, text, strlen(text), DAMONREC_FORMAT_AUTO);
	return rd_count(x->r, rc);
}

static void test_writer(void)
{
	static const char want[] =
		"{\"format\":\"damonrec\",\"version\":1,\n"
		" \"intervals\":{\"sample_us\":5000,\"aggr_us\":100000,\"update_us\":1000000},\n"
		" \"start_ns\":-5,\n"
		" \"snapshots\":[\n"
		"{\"time_ns\":1700000000100000000,\"kdamond\":0,\"lost_before\":0,\"targets\":[{\"id\":0,\"regions\":[[140737488355328,140737490452480,5,3]]}]},\n"
		"{\"time_ns\":-9223372036854775808,\"kdamond\":2,\"lost_before\":7,\"targets\":[{\"id\":18446744073709551615,\"regions\":[]},{\"id\":1,\"regions\":[[0,18446744073709551615,4294967295,4294967295],[1,2,0,0]]}]}\n"
		"]}\n";
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 }, -5 };
	struct damonrec_region r0 = { 140737488355328ull, 140737490452480ull, 5, 3 };
	struct damonrec_region r1 = { 0, UINT64_MAX, UINT32_MAX, UINT32_MAX };
	struct damonrec_region r2 = { 1, 2, 0, 0 };
	struct damonrec_snapshot *a = damonrec_snapshot_new();
	struct damonrec_snapshot *b = damonrec_snapshot_new();
	struct damonrec_writer *w;
	struct buf out = { 0 };
	int fd = memfd_create("j", 0);

	damonrec_snapshot_set_time(a, 1700000000100000000ll);
	damonrec_snapshot_add_region(a, (size_t)damonrec_snapshot_add_target(a, 0), &r0);
	damonrec_snapshot_set_time(b, INT64_MIN);
	damonrec_snapshot_set_kdamond(b, 2);
	damonrec_snapshot_set_lost_before(b, 3);
	damonrec_snapshot_add_target(b, UINT64_MAX);
	damonrec_snapshot_add_target(b, 1);
	damonrec_snapshot_add_region(b, 1, &r1);
	damonrec_snapshot_add_region(b, 1, &r2);
	w = damonrec_writer_open_fd(fd, DAMONREC_FORMAT_JSON, &meta);
	ok(w && !damonrec_writer_write(w, a) &&
	   !damonrec_writer_mark_lost(w, 2, 4) && !damonrec_writer_write(w, b) &&
	   !damonrec_writer_close(w), "writer: two snapshots");
	fd_slurp(fd, &out);
	buf_put(&out, "", 1);
	is_str((char *)out.p, want, "writer: text as documented, extremes exact, lost marks folded into lost_before");
	close(fd);

	/* And back. */
	{
		const struct damonrec_snapshot *s;
		struct damonrec_intervals iv;
		char why[200];
		struct rd x;

		rd_open(&x, out.p, out.len - 1, DAMONREC_FORMAT_AUTO);
		damonrec_reader_get_intervals(x.r, &iv);
		ok(damonrec_reader_get_format(x.r) == DAMONREC_FORMAT_JSON &&
		   iv.sample_us == 5000 && iv.aggr_us == 100000 &&
		   iv.update_us == 1000000 &&
		   damonrec_reader_get_start_time(x.r) == -5,
		   "reader: header members known at open");
		ok(damonrec_reader_next(x.r, &s) == 1 &&
		   snap_equal(s, a, true, why, sizeof(why)),
		   "reader: first snapshot back");
		ok(damonrec_reader_next(x.r, &s) == 1 &&
		   snap_equal(s, b, true, why, sizeof(why)) &&
		   damonrec_snapshot_get_lost_before(s) == 7,
		   "reader: second snapshot back, extremes exact");
		is_int(damonrec_reader_next(x.r, &s), 0, "reader: clean end");
		rd_close(&x);
	}
	buf_free(&out);
	damonrec_snapshot_free(a);
	damonrec_snapshot_free(b);
}

static void test_reader(void)
{
	const struct damonrec_snapshot *s;
	const struct damonrec_region *r;
	struct damonrec_intervals iv;
	struct rd x;
	int rc;

	/* Odd but valid: whitespace everywhere, any member order, unknown
	 * members of every kind, regions before id, 3-number regions. */
	static const char odd[] =
		" \r\n\t{ \"x\" : [1, -2.5e+3, {\"a\": [[], {}]}, \"s\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\", true, false, null] ,\n"
		"\"snapshots\" : [ { \"targets\" : [ { \"regions\" : [ [ 4096 , 8192 , 3 ] , [8192,12288,1,9] ] , \"id\" : 18446744073709551615 , \"more\" : {\"k\": \"v\"} } ] ,"
		" \"lost_before\" : 2 , \"time_ns\" : -1 , \"kdamond\" : 4294967295 , \"unknown\" : 1.5 } ,"
		"{\"time_ns\":9223372036854775807}"
		"] , \"start_ns\" : 77 , \"intervals\" : { \"aggr_us\" : 3 , \"zzz\" : [ ] } , \"version\" : 1 , \"format\" : \"damonrec\" }\n\n";

	ok(count_json(odd, &rc, &x) == 2 && rc == 0, "reader: odd but valid JSON reads");
	rd_close(&x);
	rd_open(&x, odd, sizeof(odd) - 1, DAMONREC_FORMAT_AUTO);
	ok(damonrec_reader_next(x.r, &s) == 1, "reader: first snapshot");
	r = damonrec_target_get_region(damonrec_snapshot_get_target(s, 0), 0);
	ok(damonrec_snapshot_get_time(s) == -1 &&
	   damonrec_snapshot_get_kdamond(s) == UINT32_MAX &&
	   damonrec_snapshot_get_lost_before(s) == 2 &&
	   damonrec_target_get_id(damonrec_snapshot_get_target(s, 0)) == UINT64_MAX &&
	   r->start == 4096 && r->end == 8192 && r->nr_accesses == 3 && r->age == 0,
	   "reader: members in any order, id after regions, 3-number region");
	ok(damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_time(s) == INT64_MAX &&
	   damonrec_snapshot_get_nr_targets(s) == 0,
	   "reader: INT64_MAX time, no targets");
	ok(damonrec_reader_next(x.r, &s) == 0, "reader: clean end");
	damonrec_reader_get_intervals(x.r, &iv);
	ok(iv.aggr_us == 3 && damonrec_reader_get_start_time(x.r) == 77,
	   "reader: header members after the snapshots are read at the end");
	rd_close(&x);

	ok(count_json("{}", &rc, &x) == 0 && rc == 0, "reader: {} is an empty record");
	rd_close(&x);
	ok(count_json("{\"snapshots\":[]}", &rc, &x) == 0 && rc == 0,
	   "reader: no snapshots");
	rd_close(&x);
}

static void test_errors(void)
{
	static const struct {
		const char *text, *what, *msg;
		int err;
		size_t good;
	} bad[] = {
		{ "{\"snapshots\":[{\"time_ns\":1.5}]}", "a fraction", "not an integer", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"time_ns\":1e3}]}", "an exponent", "not an integer", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"time_ns\":9223372036854775808}]}", "time_ns over INT64_MAX", "does not fit", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"time_ns\":-9223372036854775809}]}", "time_ns under INT64_MIN", "does not fit", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"targets\":[{\"id\":18446744073709551616}]}]}", "id over 2^64-1", "does not fit", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"targets\":[{\"id\":-1}]}]}", "a negative id", "must not be negative", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"time_ns\":01}]}", "a leading zero", "leading zero", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"kdamond\":4294967296}]}", "kdamond over 32 bits", "too large", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"targets\":[{\"regions\":[[1,2,4294967296]]}]}]}", "nr_accesses over 32 bits", "too large", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"targets\":[{\"regions\":[[2,1,0]]}]}]}", "a reversed region", "ends before it starts", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"targets\":[{\"regions\":[[1,2]]}]}]}", "a 2-number region", "needs 3 or 4", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"targets\":[{\"regions\":[[1,2,3,4,5]]}]}]}", "a 5-number region", "more than 4", EBADMSG, 0 },
		{ "{\"snapshots\":[{},{},]}", "a trailing comma", "expected '{'", EBADMSG, 2 },
		{ "{\"snapshots\":[{}]} x", "data after the record", "data after the end", EBADMSG, 1 },
		{ "{\"format\":\"damo\",\"snapshots\":[{}]}", "another format", "not a damonrec record", EBADMSG, 0 },
		{ "{\"version\":2,\"snapshots\":[{}]}", "version 2", "unsupported JSON record version 2", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"time_ns\":\"1\"}]}", "a string number", "is not an integer", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"x\":\"a\nb\"}]}", "a raw newline in a string", "control character", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"x\":\"\\q\"}]}", "a bad escape", "bad escape", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"x\":tru}]}", "a bad literal", "expected a value", EBADMSG, 0 },
		{ "{\"snapshots\":[{\"x\":[1}]}", "mismatched brackets", "expected ',' or ']'", EBADMSG, 0 },
		{ "{\"snapshots\":[{},{\"time_ns\":1", "a cut snapshot", "file ends inside it", ENODATA, 1 },
		{ "{\"snapshots\":[{},", "a cut array", "file ends inside it", ENODATA, 1 },
		{ "{\"snapshots\":[{}]", "a cut record", "file ends inside it", ENODATA, 1 },
	};
	size_t i;
	struct rd x;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t got = count_json(bad[i].text, &rc, &x);

		ok(got == bad[i].good && rc == -1 && errno == bad[i].err,
		   "errors: %s: %zu snapshots then %s", bad[i].what, bad[i].good,
		   bad[i].err == EBADMSG ? "EBADMSG" : "ENODATA");
		has_str(damonrec_reader_get_error_message(x.r), bad[i].msg,
			"errors: %s: message", bad[i].what);
		rd_close(&x);
	}

	/* The error offset is where the bad snapshot begins. */
	{
		static const char t[] = "{\"snapshots\":[\n{},\n{\"time_ns\":0.5}\n]}";

		count_json(t, &rc, &x);
		is_u64(damonrec_reader_get_error_offset(x.r), 19,
		       "errors: offset of the bad snapshot");
		has_str(damonrec_reader_get_error_message(x.r),
			"json snapshot at offset 19: time_ns is not an integer at offset 30",
			"errors: message gives the snapshot and the token");
		rd_close(&x);
	}

	/* Nesting limit in skipped members. */
	{
		struct buf b = { 0 };
		int k;

		buf_put(&b, "{\"x\":", 5);
		for (k = 0; k < 300; k++)
			buf_put(&b, "[", 1);
		for (k = 0; k < 300; k++)
			buf_put(&b, "]", 1);
		buf_put(&b, "}", 2);
		ok(count_json((char *)b.p, &rc, &x) == 0 && rc == -1 &&
		   errno == EBADMSG, "errors: nesting 300 deep is refused");
		has_str(damonrec_reader_get_error_message(x.r), "nesting deeper",
			"errors: message says nesting");
		rd_close(&x);
		b.len = 0;
		buf_put(&b, "{\"x\":", 5);
		for (k = 0; k < 200; k++)
			buf_put(&b, "[", 1);
		for (k = 0; k < 200; k++)
			buf_put(&b, "]", 1);
		buf_put(&b, "}", 2);
		ok(count_json((char *)b.p, &rc, &x) == 0 && rc == 0,
		   "errors: nesting 200 deep is fine");
		rd_close(&x);
		buf_free(&b);
	}
}

static void test_truncation(void)
{
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 }, 1 };
	struct series ser;
	struct buf out = { 0 };
	size_t len, bad = 0, i;
	char why[256];

	series_gen(&ser, 3, 2, 2, true, true);
	write_series(&ser, DAMONREC_FORMAT_JSON, &meta, &out);
	for (len = 0; len <= out.len; len++) {
		size_t want = 0, got;
		int rc, want_rc;

		/* A snapshot is complete with its closing brace. */
		for (i = 0; i < len; i++)
			if (out.p[i] == '}' && i + 1 < out.len &&
			    (out.p[i + 1] == ',' || out.p[i + 1] == '\n') &&
			    i > 1 && out.p[i - 1] == ']' && out.p[i - 2] == '}')
				want++;
		want_rc = len >= out.len - 1 ? 0 : -1;
		got = check_series(out.p, len, DAMONREC_FORMAT_JSON, &ser, true,
				   &rc, why, sizeof(why));
		if (got != want || rc != want_rc ||
		    (rc < 0 && len && errno != ENODATA)) {
			printf("# prefix %zu: %zu, rc %d, errno %d; want %zu, %d: %s\n",
			       len, got, rc, errno, want, want_rc, why);
			bad++;
		}
	}
	is_int(bad, 0, "truncation: every prefix of a JSON record gives its complete snapshots, then ENODATA");
	buf_free(&out);
	series_free(&ser);
}

int main(void)
{
	test_writer();
	test_reader();
	test_errors();
	test_truncation();
	return tap_done();
}
