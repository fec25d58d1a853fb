// SPDX-License-Identifier: GPL-2.0
/*
 * Conversions as "damonctl convert" does them: v2 -> v3 -> v2 and
 * v2 -> JSON -> v2 are byte-identical, and so are v3 -> JSON -> v3 and
 * v2 -> CSV -> v2 for records that CSV can hold.
 */
#include "util.h"

/* Read @in (any format) and write it in @fmt; 0 on success. */
static int convert(const struct buf *in, enum damonrec_format fmt,
		   struct buf *out)
{
	const struct damonrec_snapshot *s;
	struct damonrec_record_meta meta;
	struct damonrec_writer *w;
	struct rd x;
	int fd, rc, ret = 0;

	if (!rd_open(&x, in->p, in->len, DAMONREC_FORMAT_AUTO))
		return -1;
	damonrec_reader_get_intervals(x.r, &meta.intervals);
	meta.start_ns = damonrec_reader_get_start_time(x.r);
	fd = memfd_create("conv", 0);
	w = damonrec_writer_open_fd(fd, fmt, &meta);
	if (!w)
		ret = -1;
	while (w && (rc = damonrec_reader_next(x.r, &s)) == 1)
		if (damonrec_writer_write(w, s))
			ret = -1;
	if (w && rc)
		ret = -1;
	if (damonrec_writer_close(w))
		ret = -1;
	rd_close(&x);
	fd_slurp(fd, out);
	close(fd);
	return ret;
}

static bool same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && !memcmp(a->p, b->p, a->len);
}

static void test_v2(void)
{
	struct series ser;
	struct buf v2 = { 0 }, mid = { 0 }, back = { 0 };

	/* v2 has no age and no kdamond: generate without them. */
	series_gen(&ser, 300, 3, 1, false, true);
	ok(!write_series(&ser, DAMONREC_FORMAT_V2, NULL, &v2), "v2: %zu bytes written", v2.len);

	ok(!convert(&v2, DAMONREC_FORMAT_V3, &mid) &&
	   !convert(&mid, DAMONREC_FORMAT_V2, &back) && same(&v2, &back),
	   "v2 -> v3 (%zu bytes) -> v2 is byte-identical", mid.len);
	ok(!convert(&v2, DAMONREC_FORMAT_JSON, &mid) &&
	   !convert(&mid, DAMONREC_FORMAT_V2, &back) && same(&v2, &back),
	   "v2 -> JSON (%zu bytes) -> v2 is byte-identical", mid.len);
	ok(!convert(&v2, DAMONREC_FORMAT_CSV, &mid) &&
	   !convert(&mid, DAMONREC_FORMAT_V2, &back) && same(&v2, &back),
	   "v2 -> CSV (%zu bytes) -> v2 is byte-identical", mid.len);
	ok(!convert(&v2, DAMONREC_FORMAT_V2, &back) && same(&v2, &back),
	   "v2 -> v2 is byte-identical");
	series_free(&ser);

	/* Extreme values: negative and huge times, unaligned everything. */
	{
		struct damonrec_snapshot *arr[3];
		struct series ext = { arr, 3 };
		struct damonrec_region r[] = {
			{ 0, 1, 0, 0 }, { 1, 0x1001, UINT32_MAX, 0 },
			{ 0xfffffffffffff000ull, UINT64_MAX, 7, 0 },
		};
		int64_t times[] = { INT64_MIN + 1000000000, -1, INT64_MAX - 1000000000 };
		int i, k;

		for (i = 0; i < 3; i++) {
			arr[i] = damonrec_snapshot_new();
			damonrec_snapshot_set_time(arr[i], times[i]);
			damonrec_snapshot_add_target(arr[i], UINT64_MAX - (uint64_t)i);
			for (k = 0; k < 3; k++)
				damonrec_snapshot_add_region(arr[i], 0, &r[k]);
		}
		write_series(&ext, DAMONREC_FORMAT_V2, NULL, &v2);
		ok(!convert(&v2, DAMONREC_FORMAT_V3, &mid) &&
		   !convert(&mid, DAMONREC_FORMAT_V2, &back) && same(&v2, &back),
		   "v2 -> v3 -> v2 with extreme times and addresses");
		ok(!convert(&v2, DAMONREC_FORMAT_JSON, &mid) &&
		   !convert(&mid, DAMONREC_FORMAT_V2, &back) && same(&v2, &back),
		   "v2 -> JSON -> v2 with extreme times and addresses");
		for (i = 0; i < 3; i++)
			damonrec_snapshot_free(arr[i]);
	}
	buf_free(&v2);
	buf_free(&mid);
	buf_free(&back);
}

static void test_v3(void)
{
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 },
					     1700000000000000000ll };
	struct buf v3 = { 0 }, mid = { 0 }, back = { 0 };
	struct series ser;
	struct damonrec_writer *w;
	size_t i;
	int fd;

	/* Ages, several kdamonds (numbered in order of appearance), lost. */
	series_gen(&ser, 300, 2, 3, true, true);
	fd = memfd_create("v3", 0);
	w = damonrec_writer_open_fd(fd, DAMONREC_FORMAT_V3, &meta);
	for (i = 0; i < ser.n; i++) {
		damonrec_snapshot_set_kdamond(ser.s[i], i < 3 ? (unsigned int)i :
					      damonrec_snapshot_get_kdamond(ser.s[i]));
		if (i % 50 == 7)
			damonrec_snapshot_set_lost_before(ser.s[i], i);
		damonrec_writer_write(w, ser.s[i]);
	}
	ok(!damonrec_writer_close(w), "v3: %zu bytes written", (size_t)lseek(fd, 0, SEEK_END));
	fd_slurp(fd, &v3);
	close(fd);

	ok(!convert(&v3, DAMONREC_FORMAT_JSON, &mid) &&
	   !convert(&mid, DAMONREC_FORMAT_V3, &back) && same(&v3, &back),
	   "v3 -> JSON -> v3 is byte-identical (ages, kdamonds, lost counts)");
	ok(!convert(&v3, DAMONREC_FORMAT_V3, &back) && same(&v3, &back),
	   "v3 -> v3 is byte-identical");
	ok(!convert(&mid, DAMONREC_FORMAT_JSON, &back) && same(&mid, &back),
	   "JSON -> JSON is byte-identical");
	series_free(&ser);
	buf_free(&v3);
	buf_free(&mid);
	buf_free(&back);
}

int main(void)
{
	test_v2();
	test_v3();
	return tap_done();
}
