// SPDX-License-Identifier: GPL-2.0
/*
 * Version, format names, the snapshot object, format detection, and the
 * errors of opening readers and writers.
 */
#include <fcntl.h>

#include "util.h"

static void test_names(void)
{
	static const struct {
		const char *name;
		enum damonrec_format fmt;
	} names[] = {
		{ "v0", DAMONREC_FORMAT_V0 }, { "v1", DAMONREC_FORMAT_V1 },
		{ "v2", DAMONREC_FORMAT_V2 }, { "v3", DAMONREC_FORMAT_V3 },
		{ "json", DAMONREC_FORMAT_JSON }, { "csv", DAMONREC_FORMAT_CSV },
		{ "perf-script", DAMONREC_FORMAT_PERF_SCRIPT },
	};
	enum damonrec_format f;
	size_t i;

	is_str(damonrec_version_string(), DAMONREC_VERSION, "version string");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		is_str(damonrec_format_name(names[i].fmt), names[i].name,
		       "format name %s", names[i].name);
		ok(!damonrec_format_parse(names[i].name, &f) && f == names[i].fmt,
		   "format parse %s", names[i].name);
	}
	ok(!damonrec_format_name(DAMONREC_FORMAT_AUTO) &&
	   !damonrec_format_name((enum damonrec_format)5),
	   "format name: NULL for unknown");
	ok(damonrec_format_parse("V2", &f) == -1 && errno == EINVAL &&
	   damonrec_format_parse("", &f) == -1 && damonrec_format_parse(NULL, &f) == -1,
	   "format parse: EINVAL for unknown names");
}

static void test_snapshot(void)
{
	struct damonrec_region r[4] = {
		{ 1, 2, 3, 4 }, { 5, 6, 7, 8 }, { 9, 10, 11, 12 }, { 13, 14, 15, 16 },
	};
	struct damonrec_snapshot *s = damonrec_snapshot_new();
	const struct damonrec_target *t;
	int i;

	ok(s && damonrec_snapshot_get_nr_targets(s) == 0 &&
	   damonrec_snapshot_get_nr_regions(s) == 0 &&
	   damonrec_snapshot_get_time(s) == 0, "snapshot: new is empty");
	is_int(damonrec_snapshot_add_target(s, 10), 0, "snapshot: first target is 0");
	is_int(damonrec_snapshot_add_target(s, 20), 1, "snapshot: second target is 1");
	ok(!damonrec_snapshot_add_region(s, 1, &r[2]) &&
	   !damonrec_snapshot_add_region(s, 0, &r[0]) &&
	   !damonrec_snapshot_add_region(s, 1, &r[3]) &&
	   !damonrec_snapshot_add_region(s, 0, &r[1]),
	   "snapshot: regions added to either target in any order");
	t = damonrec_snapshot_get_target(s, 0);
	ok(damonrec_target_get_id(t) == 10 && damonrec_target_get_nr_regions(t) == 2 &&
	   !memcmp(damonrec_target_get_regions(t), r, 2 * sizeof(r[0])),
	   "snapshot: target 0 holds its regions in order");
	t = damonrec_snapshot_get_target(s, 1);
	ok(damonrec_target_get_id(t) == 20 && damonrec_target_get_nr_regions(t) == 2 &&
	   !memcmp(damonrec_target_get_region(t, 0), &r[2], sizeof(r[0])) &&
	   !memcmp(damonrec_target_get_region(t, 1), &r[3], sizeof(r[0])),
	   "snapshot: target 1 too");
	ok(!damonrec_target_get_region(t, 2) && errno == EINVAL &&
	   !damonrec_snapshot_get_target(s, 2) && errno == EINVAL &&
	   damonrec_snapshot_add_region(s, 5, &r[0]) == -1 && errno == EINVAL,
	   "snapshot: out of range is NULL or -1 with EINVAL");
	is_int(damonrec_snapshot_get_nr_regions(s), 4, "snapshot: 4 regions in all");

	damonrec_snapshot_set_time(s, -7);
	damonrec_snapshot_set_kdamond(s, 3);
	damonrec_snapshot_set_lost_before(s, 9);
	ok(damonrec_snapshot_get_time(s) == -7 && damonrec_snapshot_get_kdamond(s) == 3 &&
	   damonrec_snapshot_get_lost_before(s) == 9, "snapshot: setters and getters");
	damonrec_snapshot_clear(s);
	ok(damonrec_snapshot_get_nr_targets(s) == 0 &&
	   damonrec_snapshot_get_nr_regions(s) == 0 &&
	   damonrec_snapshot_get_time(s) == 0 &&
	   damonrec_snapshot_get_lost_before(s) == 0, "snapshot: clear empties it");
	/* Reuse, growing well past the first allocation. */
	for (i = 0; i < 100; i++)
		damonrec_snapshot_add_target(s, (uint64_t)i);
	for (i = 0; i < 100000; i++) {
		struct damonrec_region x = { (uint64_t)i, (uint64_t)i + 1, 0, 0 };

		damonrec_snapshot_add_region(s, 99, &x);
	}
	damonrec_snapshot_add_region(s, 0, &r[0]);
	t = damonrec_snapshot_get_target(s, 99);
	ok(damonrec_snapshot_get_nr_regions(s) == 100001 &&
	   damonrec_target_get_nr_regions(t) == 100000 &&
	   damonrec_target_get_region(t, 99999)->start == 99999 &&
	   damonrec_target_get_region(damonrec_snapshot_get_target(s, 0), 0)->end == 2,
	   "snapshot: reused and grown, a region added to an earlier target");
	damonrec_snapshot_free(s);
	damonrec_snapshot_free(NULL);
}

static void test_detect(void)
{
	static const enum damonrec_format fmts[] = {
		DAMONREC_FORMAT_V2, DAMONREC_FORMAT_V3, DAMONREC_FORMAT_JSON,
		DAMONREC_FORMAT_CSV,
	};
	struct series ser;
	struct buf out = { 0 };
	char why[200];
	size_t i;
	int rc;

	series_gen(&ser, 5, 1, 1, false, false);
	for (i = 0; i < 4; i++) {
		struct rd x;

		write_series(&ser, fmts[i], NULL, &out);
		rd_open(&x, out.p, out.len, DAMONREC_FORMAT_AUTO);
		is_int(damonrec_reader_get_format(x.r), fmts[i],
		       "detect: %s", damonrec_format_name(fmts[i]));
		rd_close(&x);
		ok(check_series(out.p, out.len, DAMONREC_FORMAT_AUTO, &ser,
				true, &rc, why, sizeof(why)) == 5 && rc == 0,
		   "detect: %s decodes (%s)", damonrec_format_name(fmts[i]), why);
	}
	/* JSON after leading whitespace. */
	{
		struct rd x;

		rd_open(&x, "\n\n  {}", 6, DAMONREC_FORMAT_AUTO);
		is_int(damonrec_reader_get_format(x.r), DAMONREC_FORMAT_JSON,
		       "detect: JSON after whitespace");
		rd_close(&x);
		rd_open(&x, "[{\"kdamond_idx\":0}]", 19, DAMONREC_FORMAT_AUTO);
		ok(damonrec_reader_get_format(x.r) == DAMONREC_FORMAT_DAMO_JSON &&
		   damonrec_reader_next(x.r, NULL) == 0,
		   "detect: a JSON array is damo's json (here a record without snapshots)");
		rd_close(&x);
		rd_open(&x, " [7]", 4, DAMONREC_FORMAT_AUTO);
		ok(damonrec_reader_get_format(x.r) == DAMONREC_FORMAT_DAMO_JSON &&
		   damonrec_reader_next(x.r, NULL) == -1 && errno == EBADMSG,
		   "detect: damo's json that is not an array of records is refused");
		has_str(damonrec_reader_get_error_message(x.r), "damo record 1: expected '{', found '7'",
			"detect: the message says what a damo record starts with");
		rd_close(&x);
		rd_open(&x, "\x78\x9c\x8b\x8e\x05\x00\x01\x15\x00\xb9", 10, DAMONREC_FORMAT_AUTO);
		ok(damonrec_reader_get_format(x.r) == DAMONREC_FORMAT_DAMO &&
		   damonrec_reader_next(x.r, NULL) == 0,
		   "detect: a zlib stream is damo's json_compressed (here \"[]\")");
		rd_close(&x);
		rd_open(&x, "", 0, DAMONREC_FORMAT_AUTO);
		is_int(damonrec_reader_get_format(x.r), DAMONREC_FORMAT_AUTO,
		       "detect: empty input has no format");
		rd_close(&x);
		ok(!damonrec_reader_open_fd(0, (enum damonrec_format)42) && errno == EINVAL,
		   "open_fd: unknown format is EINVAL");
	}
	series_free(&ser);
	buf_free(&out);
}

static void test_open_errors(void)
{
	struct damonrec_writer *w;
	struct damonrec_snapshot *s = damonrec_snapshot_new();
	struct damonrec_region r = { 0, 4096, 1, 0 };
	int i, fd;

	errno = 0;
	ok(!damonrec_reader_open("/nonexistent/damon.data") && errno == ENOENT,
	   "reader: a missing file is ENOENT");
	ok(!damonrec_reader_open("/") && errno == EISDIR,
	   "reader: a directory is EISDIR");
	ok(!damonrec_writer_open("/nonexistent/out", DAMONREC_FORMAT_V2, NULL) &&
	   errno == ENOENT, "writer: a missing directory is ENOENT");
	ok(!damonrec_writer_open("/tmp/x", DAMONREC_FORMAT_V1, NULL) &&
	   errno == EINVAL && !damonrec_writer_open("/tmp/x", DAMONREC_FORMAT_PERF_SCRIPT, NULL),
	   "writer: formats it cannot write are EINVAL");

	/* /dev/full: the error comes out, at write or at close. */
	fd = open("/dev/full", O_WRONLY);
	if (fd < 0) {
		ok(1, "writer: # SKIP no /dev/full");
	} else {
		int failed = 0;

		w = damonrec_writer_open_fd(fd, DAMONREC_FORMAT_V2, NULL);
		damonrec_snapshot_add_target(s, 0);
		damonrec_snapshot_add_region(s, 0, &r);
		for (i = 0; i < 100000 && !failed; i++)
			failed = damonrec_writer_write(w, s) != 0;
		ok(failed && errno == ENOSPC, "writer: ENOSPC from a write");
		ok(damonrec_writer_close(w) == -1 && errno == ENOSPC,
		   "writer: close reports it too");
		w = damonrec_writer_open_fd(fd, DAMONREC_FORMAT_V3, NULL);
		ok(w && !damonrec_writer_write(w, s) &&
		   damonrec_writer_close(w) == -1 && errno == ENOSPC,
		   "writer: a small record fails at close");
		close(fd);
	}
	damonrec_snapshot_free(s);
}

int main(void)
{
	test_names();
	test_snapshot();
	test_detect();
	test_open_errors();
	return tap_done();
}
