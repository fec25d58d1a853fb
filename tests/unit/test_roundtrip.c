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
	ok(!convert(&v2, DAMONREC_FORMAT_V4, &mid) &&
	   !convert(&mid, DAMONREC_FORMAT_V2, &back) && same(&v2, &back),
	   "v2 -> v4 (%zu bytes) -> v2 is byte-identical", mid.len);
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

/*
 * A v3 record of 300 snapshots with ages, several kdamonds (numbered in
 * order of appearance) and lost snapshots; 0 when written.
 */
static int write_v3_series(struct series *ser, struct buf *out)
{
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 },
					     1700000000000000000ll };
	struct damonrec_writer *w;
	int fd, rc;
	size_t i;

	series_gen(ser, 300, 2, 3, true, true);
	fd = memfd_create("v3", 0);
	w = damonrec_writer_open_fd(fd, DAMONREC_FORMAT_V3, &meta);
	for (i = 0; i < ser->n; i++) {
		damonrec_snapshot_set_kdamond(ser->s[i], i < 3 ? (unsigned int)i :
					      damonrec_snapshot_get_kdamond(ser->s[i]));
		if (i % 50 == 7)
			damonrec_snapshot_set_lost_before(ser->s[i], i);
		damonrec_writer_write(w, ser->s[i]);
	}
	rc = damonrec_writer_close(w);
	fd_slurp(fd, out);
	close(fd);
	return rc;
}

static void test_v3(void)
{
	struct buf v3 = { 0 }, mid = { 0 }, back = { 0 };
	struct series ser;

	ok(!write_v3_series(&ser, &v3), "v3: %zu bytes written", v3.len);

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

/* Where each v4 frame starts, and how many SNAPSHOT frames come before. */
static size_t v4_frames(const struct buf *b, size_t *at, unsigned int *type,
			size_t max)
{
	size_t off = 64, n = 0;

	while (off < b->len && n < max) {
		uint64_t len = 0;
		size_t q = off + 1;
		int sh = 0;

		do {
			len |= (uint64_t)(b->p[q] & 0x7f) << sh;
			sh += 7;
		} while (b->p[q++] & 0x80);
		at[n] = off;
		type[n++] = b->p[off];
		off = q + (size_t)len;
	}
	return n;
}

/*
 * The SNAPSHOT frames of the groups whose CHECK frame ends at or before
 * @end, of the frames at @at of types @type; *@group_at: where the next
 * group starts.
 */
static size_t whole_groups(const size_t *at, const unsigned int *type,
			   size_t nf, size_t end, size_t *group_at)
{
	size_t want = 0, j, m;

	*group_at = 64;
	for (j = 0; j < nf && at[j] + 6 <= end; j++) {
		if (type[j] != 0x06)
			continue;
		for (m = 0; m < j; m++)
			if (type[m] == 0x01 && at[m] >= *group_at)
				want++;
		*group_at = at[j] + 6;
	}
	return want;
}

/*
 * Version 4: the same snapshots as v3, fewer bytes; cut anywhere, a record
 * gives every snapshot of its whole groups and the offset of the torn one;
 * a changed byte is caught by its group's CRC.
 */
static void test_v4(void)
{
	struct buf v3 = { 0 }, v4 = { 0 }, back = { 0 }, cut = { 0 };
	static size_t at[4096];
	static unsigned int type[4096];
	struct series ser;
	size_t i, nf, k, good_cut = 0, bad_cut = 0, good_flip = 0, bad_flip = 0;
	unsigned int checks = 0, max_group = 0, group = 0;

	ok(!write_v3_series(&ser, &v3), "v3 for v4: written");

	k = (size_t)convert(&v3, DAMONREC_FORMAT_V4, &v4);
	ok(!k && v4.len < v3.len, "v3 (%zu bytes) -> v4 (%zu bytes) is smaller",
	   v3.len, v4.len);
	ok(v4.len >= 20 && v4.p[16] == 4 && !v4.p[17] && !v4.p[18] && !v4.p[19],
	   "v4: the header's version is 4");
	ok(!convert(&v4, DAMONREC_FORMAT_V3, &back) && same(&v3, &back),
	   "v3 -> v4 -> v3 is byte-identical (ages, kdamonds, lost counts)");
	ok(!convert(&v4, DAMONREC_FORMAT_V4, &back) && same(&v4, &back),
	   "v4 -> v4 is byte-identical");

	nf = v4_frames(&v4, at, type, 4096);
	for (k = 0; k < nf; k++) {
		if (type[k] == 0x01)
			group++;
		if (type[k] == 0x06) {
			checks++;
			if (group > max_group)
				max_group = group;
			group = 0;
		}
	}
	ok(checks >= ser.n / 16 && max_group == 16 && type[nf - 1] == 0x06 &&
	   type[nf - 2] == 0x04,
	   "v4: %u CHECK frames, at most 16 snapshots a group, one after END",
	   checks);

	/*
	 * Cut at every frame start and inside every frame: what is delivered
	 * is the snapshots of the whole groups before, the error is at the
	 * torn group's start.
	 */
	for (k = 0; k < nf; k++) {
		size_t ends[2] = { at[k], at[k] + 1 }, e;

		for (e = 0; e < 2; e++) {
			size_t group_at, want;
			struct rd x;
			int rc;

			want = whole_groups(at, type, nf, ends[e], &group_at);
			cut.len = 0;
			buf_put(&cut, v4.p, ends[e]);
			rd_open(&x, cut.p, cut.len, DAMONREC_FORMAT_AUTO);
			if (rd_count(x.r, &rc) == want &&
			    (ends[e] == group_at ? rc == 0 :
			     rc < 0 && errno == ENODATA &&
			     damonrec_reader_get_error_offset(x.r) == group_at))
				good_cut++;
			else
				bad_cut++;
			rd_close(&x);
		}
	}
	ok(good_cut && !bad_cut,
	   "v4 cut at %zu places: the snapshots of the whole groups, then the torn group's offset (%zu wrong)",
	   good_cut, bad_cut);

	/* Change one bit of every 7th byte: the group's CRC catches it. */
	for (i = 64; i < v4.len; i += 7) {
		size_t group_at, want = whole_groups(at, type, nf, i, &group_at);
		const struct damonrec_snapshot *s;
		struct rd x;
		int rc;

		cut.len = 0;
		buf_put(&cut, v4.p, v4.len);
		cut.p[i] ^= 0x10;
		rd_open(&x, cut.p, cut.len, DAMONREC_FORMAT_AUTO);
		k = 0;
		while ((rc = damonrec_reader_next(x.r, &s)) == 1)
			k++;
		if (k == want && rc < 0 &&
		    damonrec_reader_get_error_offset(x.r) >= group_at - (group_at > 64 ? 6 : 0))
			good_flip++;
		else {
			bad_flip++;
			printf("# flip at %zu: %zu snapshots (want %zu), rc %d, offset %llu (group %zu): %s\n",
			     i, k, want, rc,
			     (unsigned long long)damonrec_reader_get_error_offset(x.r),
			     group_at, damonrec_reader_get_error_message(x.r));
		}
		rd_close(&x);
	}
	ok(good_flip && !bad_flip,
	   "v4: %zu changed bytes caught before any snapshot of their group (%zu missed)",
	   good_flip, bad_flip);

	series_free(&ser);
	buf_free(&v3);
	buf_free(&v4);
	buf_free(&back);
	buf_free(&cut);
}

int main(void)
{
	test_v2();
	test_v3();
	test_v4();
	return tap_done();
}
