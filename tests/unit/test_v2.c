// SPDX-License-Identifier: GPL-2.0
/*
 * The original binary formats: v2 (both byte orders), v1 and v0; the v2
 * writer's exact bytes; truncation, corruption, huge counts, pipes.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "util.h"

/* One snapshot in the seed's layout (host order, or swapped). */
static void bin_snap(struct buf *b, bool swap, unsigned int idsz, int64_t sec,
		     int64_t nsec, uint32_t nr_targets, const uint64_t *ids,
		     const uint32_t *nr, const uint64_t (*regs)[3])
{
	uint32_t t, i, k = 0;

#define U64(v) buf_u64(b, swap ? __builtin_bswap64((uint64_t)(v)) : (uint64_t)(v))
#define U32(v) buf_u32(b, swap ? __builtin_bswap32((uint32_t)(v)) : (uint32_t)(v))
	U64(sec);
	U64(nsec);
	U32(nr_targets);
	for (t = 0; t < nr_targets; t++) {
		if (idsz == 4)
			U32(ids[t]);
		else
			U64(ids[t]);
		U32(nr[t]);
		for (i = 0; i < nr[t]; i++, k++) {
			U64(regs[k][0]);
			U64(regs[k][1]);
			U32(regs[k][2]);
		}
	}
#undef U64
#undef U32
}

static void bin_header(struct buf *b, uint32_t version, bool swap)
{
	buf_put(b, "damon_recfmt_ver", 16);
	buf_u32(b, swap ? __builtin_bswap32(version) : version);
}

static const uint64_t ids2[] = { 42, 0xffff888012345678ull };
static const uint32_t nr2[] = { 2, 1 };
static const uint64_t regs3[][3] = {
	{ 0x7f0000000000ull, 0x7f0000200000ull, 5 },
	{ 0x7f0000200000ull, 0x7f0000201234ull, 0 },
	{ 0x1000, 0x2000, 0xffffffffu },
};

static bool check_two_targets(const struct damonrec_snapshot *s,
			      int64_t time, uint64_t id0, uint64_t id1)
{
	const struct damonrec_target *t0 = damonrec_snapshot_get_target(s, 0);
	const struct damonrec_target *t1 = damonrec_snapshot_get_target(s, 1);
	const struct damonrec_region *r;

	if (damonrec_snapshot_get_time(s) != time ||
	    damonrec_snapshot_get_nr_targets(s) != 2 || !t0 || !t1 ||
	    damonrec_target_get_id(t0) != id0 ||
	    damonrec_target_get_id(t1) != id1 ||
	    damonrec_target_get_nr_regions(t0) != 2 ||
	    damonrec_target_get_nr_regions(t1) != 1)
		return false;
	r = damonrec_target_get_regions(t0);
	if (r[0].start != regs3[0][0] || r[0].end != regs3[0][1] ||
	    r[0].nr_accesses != 5 || r[0].age != 0 ||
	    r[1].end != regs3[1][1] || r[1].nr_accesses != 0)
		return false;
	r = damonrec_target_get_region(t1, 0);
	return r->start == 0x1000 && r->end == 0x2000 &&
	       r->nr_accesses == 0xffffffffu;
}

static void test_readers(void)
{
	const struct damonrec_snapshot *s;
	struct buf b = { 0 };
	struct rd x;
	int rc;

	/* v2, host order, two snapshots. */
	bin_header(&b, 2, false);
	bin_snap(&b, false, 8, 1700000000, 123456789, 2, ids2, nr2, regs3);
	bin_snap(&b, false, 8, 1700000001, 0, 2, ids2, nr2, regs3);
	ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO), "v2: opens");
	is_int(damonrec_reader_get_format(x.r), DAMONREC_FORMAT_V2, "v2: detected");
	is_int(damonrec_reader_get_start_time(x.r), 1700000000123456789ll,
	       "v2: start time is the first snapshot's, known at open");
	ok(damonrec_reader_next(x.r, &s) == 1 &&
	   check_two_targets(s, 1700000000123456789ll, 42, ids2[1]),
	   "v2: first snapshot decodes field by field");
	ok(damonrec_reader_next(x.r, &s) == 1 &&
	   check_two_targets(s, 1700000001000000000ll, 42, ids2[1]),
	   "v2: second snapshot");
	is_int(damonrec_reader_next(x.r, &s), 0, "v2: clean end");
	is_u64(damonrec_reader_get_offset(x.r), b.len, "v2: all bytes consumed");
	rd_close(&x);

	/* v2 from a host of the other byte order. */
	b.len = 0;
	bin_header(&b, 2, true);
	bin_snap(&b, true, 8, 1700000000, 123456789, 2, ids2, nr2, regs3);
	ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
	   damonrec_reader_get_format(x.r) == DAMONREC_FORMAT_V2 &&
	   damonrec_reader_next(x.r, &s) == 1 &&
	   check_two_targets(s, 1700000000123456789ll, 42, ids2[1]) &&
	   damonrec_reader_next(x.r, &s) == 0,
	   "v2: the other byte order is read too");
	rd_close(&x);

	/* v1: 4-byte signed target ids. */
	{
		static const uint64_t ids1[] = { 1234, (uint32_t)-5 };

		b.len = 0;
		bin_header(&b, 1, false);
		bin_snap(&b, false, 4, 5, 6, 2, ids1, nr2, regs3);
		ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
		   damonrec_reader_get_format(x.r) == DAMONREC_FORMAT_V1 &&
		   damonrec_reader_next(x.r, &s) == 1 &&
		   check_two_targets(s, 5000000006ll, 1234, (uint64_t)-5) &&
		   damonrec_reader_next(x.r, &s) == 0,
		   "v1: 4-byte ids, sign-extended");
		rd_close(&x);
		b.len = 0;
		bin_header(&b, 1, true);
		bin_snap(&b, true, 4, 5, 6, 2, ids1, nr2, regs3);
		ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
		   damonrec_reader_get_format(x.r) == DAMONREC_FORMAT_V1 &&
		   damonrec_reader_next(x.r, &s) == 1 &&
		   check_two_targets(s, 5000000006ll, 1234, (uint64_t)-5),
		   "v1: the other byte order too");
		rd_close(&x);
	}

	/* v0: no magic. */
	b.len = 0;
	bin_snap(&b, false, 8, 1700000000, 999999999, 2, ids2, nr2, regs3);
	bin_snap(&b, false, 8, 1700000001, 0, 2, ids2, nr2, regs3);
	ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
	   damonrec_reader_get_format(x.r) == DAMONREC_FORMAT_V0 &&
	   damonrec_reader_next(x.r, &s) == 1 &&
	   check_two_targets(s, 1700000000999999999ll, 42, ids2[1]) &&
	   rd_count(x.r, &rc) == 1 && rc == 0, "v0: no magic, 8-byte ids");
	rd_close(&x);
	ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_V0) &&
	   rd_count(x.r, &rc) == 2 && rc == 0, "v0: asked for explicitly");
	rd_close(&x);
	ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_V2) &&
	   rd_count(x.r, &rc) == 0 && rc == -1 && errno == EBADMSG,
	   "v2 asked for, v0 given: wrong magic");
	has_str(damonrec_reader_get_error_message(x.r), "wrong magic",
		"v2 asked for: message says wrong magic");
	rd_close(&x);

	/* A big snapshot: many buffer refills inside one target. */
	{
		const uint32_t n = 300000;
		uint64_t id = 7;
		uint64_t (*regs)[3] = calloc(n, sizeof(*regs));
		size_t i, bad = 0;

		for (i = 0; i < n; i++) {
			regs[i][0] = i * 4096;
			regs[i][1] = i * 4096 + 4096;
			regs[i][2] = (uint64_t)(i % 97);
		}
		b.len = 0;
		bin_header(&b, 2, false);
		bin_snap(&b, false, 8, 1, 2, 1, &id, &n, (const uint64_t (*)[3])regs);
		ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
		   damonrec_reader_next(x.r, &s) == 1 &&
		   damonrec_snapshot_get_nr_regions(s) == n,
		   "v2: a %u-region snapshot (%zu bytes) decodes", n, b.len);
		for (i = 0; i < n; i++) {
			const struct damonrec_region *r =
				damonrec_target_get_region(damonrec_snapshot_get_target(s, 0), i);

			bad += !r || r->start != regs[i][0] ||
			       r->end != regs[i][1] || r->nr_accesses != regs[i][2];
		}
		is_int(bad, 0, "v2: every region of it is right");
		rd_close(&x);
		free(regs);
	}
	buf_free(&b);
}

static void test_errors(void)
{
	struct buf b = { 0 };
	struct rd x;
	int rc;

	/* Empty input. */
	ok(rd_open(&x, "", 0, DAMONREC_FORMAT_AUTO) && rd_count(x.r, &rc) == 0 &&
	   rc == -1 && errno == ENODATA, "empty: ENODATA");
	has_str(damonrec_reader_get_error_message(x.r), "empty",
		"empty: message says empty");
	is_u64(damonrec_reader_get_error_offset(x.r), 0, "empty: at offset 0");
	errno = 0;
	ok(damonrec_reader_next(x.r, NULL) == -1 && errno == ENODATA,
	   "empty: next() keeps failing the same way");
	rd_close(&x);

	/* Magic, unknown version. */
	bin_header(&b, 7, false);
	buf_u64(&b, 0);
	ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
	   rd_count(x.r, &rc) == 0 && rc == -1 && errno == EBADMSG,
	   "magic with version 7: EBADMSG");
	has_str(damonrec_reader_get_error_message(x.r), "unknown record version 7",
		"magic with version 7: message");
	rd_close(&x);

	/* Wrong magic (binary data that is no v0 either). */
	b.len = 0;
	buf_put(&b, "damon_recfmt_vXr", 16);
	buf_u32(&b, 2);
	buf_u64(&b, 0xffffffffffffffffull);
	buf_u64(&b, 0xffffffffffffffffull);
	ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
	   rd_count(x.r, &rc) == 0 && rc == -1 && errno == EBADMSG,
	   "wrong magic: EBADMSG");
	has_str(damonrec_reader_get_error_message(x.r), "unknown format",
		"wrong magic: message says unknown format");
	rd_close(&x);

	/* Header cut short. */
	ok(rd_open(&x, "damon_recfm", 11, DAMONREC_FORMAT_AUTO) &&
	   rd_count(x.r, &rc) == 0 && rc == -1 && errno == ENODATA,
	   "magic cut short: ENODATA");
	rd_close(&x);
	ok(rd_open(&x, "damon_recfmt_ver\2", 17, DAMONREC_FORMAT_AUTO) &&
	   rd_count(x.r, &rc) == 0 && rc == -1 && errno == ENODATA,
	   "version word cut short: ENODATA");
	has_str(damonrec_reader_get_error_message(x.r), "needs 3 more bytes",
		"version word cut short: says how many bytes are missing");
	rd_close(&x);

	/* tv_nsec out of range, in the second snapshot. */
	b.len = 0;
	bin_header(&b, 2, false);
	bin_snap(&b, false, 8, 1, 2, 2, ids2, nr2, regs3);
	{
		size_t at = b.len;

		bin_snap(&b, false, 8, 1, 1000000000, 2, ids2, nr2, regs3);
		ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
		   rd_count(x.r, &rc) == 1 && rc == -1 && errno == EBADMSG &&
		   damonrec_reader_get_error_offset(x.r) == at,
		   "v2: tv_nsec 1e9 is corrupt, at its snapshot's offset");
		has_str(damonrec_reader_get_error_message(x.r), "tv_nsec",
			"v2: message names tv_nsec");
		rd_close(&x);
	}

	/* Time overflowing 64-bit ns. */
	b.len = 0;
	bin_header(&b, 2, false);
	bin_snap(&b, false, 8, 0x7fffffffffffffffll, 0, 2, ids2, nr2, regs3);
	ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
	   rd_count(x.r, &rc) == 0 && rc == -1 && errno == EBADMSG,
	   "v2: a time past 64-bit ns is corrupt");
	rd_close(&x);

	/* A region ending before it starts. */
	{
		static const uint64_t rev[][3] = { { 0x2000, 0x1000, 1 } };
		static const uint32_t one[] = { 1 };

		b.len = 0;
		bin_header(&b, 2, false);
		bin_snap(&b, false, 8, 1, 2, 1, ids2, one, rev);
		ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
		   rd_count(x.r, &rc) == 0 && rc == -1 && errno == EBADMSG,
		   "v2: a reversed region is corrupt");
		has_str(damonrec_reader_get_error_message(x.r),
			"region 0 of target 0 ends before it starts",
			"v2: message names the region");
		rd_close(&x);
	}

	/* Huge counts in a short file: truncation, not a 2^32 allocation. */
	{
		b.len = 0;
		bin_header(&b, 2, false);
		buf_u64(&b, 1);
		buf_u64(&b, 2);
		buf_u32(&b, 1);
		buf_u64(&b, 42);
		buf_u32(&b, 0xffffffffu);
		buf_u64(&b, 0x1000);
		buf_u64(&b, 0x2000);
		buf_u32(&b, 1);
		buf_put(&b, "\0\0\0\0\0\0\0\0\0\0", 10);
		ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
		   rd_count(x.r, &rc) == 0 && rc == -1 && errno == ENODATA &&
		   damonrec_reader_get_error_offset(x.r) == 20,
		   "v2: nr_regions 2^32-1 in a short file is a truncation at the snapshot");
		has_str(damonrec_reader_get_error_message(x.r),
			"v2 snapshot at offset 20: file ends inside it (needs 85899345870 more bytes)",
			"v2: message says how many bytes the snapshot needs");
		rd_close(&x);

		b.len = 0;
		bin_header(&b, 2, false);
		buf_u64(&b, 1);
		buf_u64(&b, 2);
		buf_u32(&b, 0xffffffffu);
		for (rc = 0; rc < 1000; rc++) {
			buf_u64(&b, (uint64_t)rc);
			buf_u32(&b, 0);
		}
		ok(rd_open(&x, b.p, b.len, DAMONREC_FORMAT_AUTO) &&
		   rd_count(x.r, &rc) == 0 && rc == -1 && errno == ENODATA,
		   "v2: nr_targets 2^32-1 in a short file is a truncation");
		has_str(damonrec_reader_get_error_message(x.r), "needs at least",
			"v2: with targets to come, the need is a lower bound");
		rd_close(&x);
	}
	buf_free(&b);
}

static void test_truncation(void)
{
	struct buf b = { 0 };
	size_t at[4], len, bad = 0;
	int i;

	bin_header(&b, 2, false);
	for (i = 0; i < 3; i++) {
		at[i] = b.len;
		bin_snap(&b, false, 8, 10 + i, 0, 2, ids2, nr2, regs3);
	}
	at[3] = b.len;
	for (len = 0; len <= b.len; len++) {
		size_t want = 0, got;
		int rc, want_rc = 0;
		uint64_t want_off = 0;
		struct rd x;

		if (len < 20) {
			want_rc = -1;
		} else {
			for (i = 0; i < 3 && at[i + 1] <= len; i++)
				want++;
			if (i < 3 && at[i] < len) {
				want_rc = -1;
				want_off = at[i];
			}
		}
		rd_open(&x, b.p, len, DAMONREC_FORMAT_AUTO);
		got = rd_count(x.r, &rc);
		if (got != want || rc != want_rc ||
		    (rc < 0 && (errno != ENODATA ||
				damonrec_reader_get_error_offset(x.r) != want_off))) {
			printf("# prefix %zu: %zu, rc %d, errno %d, off %" PRIu64 "; want %zu, %d, %" PRIu64 ": %s\n",
			       len, got, rc, errno,
			       damonrec_reader_get_error_offset(x.r), want,
			       want_rc, want_off,
			       damonrec_reader_get_error_message(x.r));
			bad++;
		}
		rd_close(&x);
	}
	is_int(bad, 0, "truncation: every prefix of a v2 file gives its complete snapshots, then ENODATA at the partial one");
	buf_free(&b);
}

static void test_writer(void)
{
	struct damonrec_region r[3] = {
		{ 0x7f0000000000ull, 0x7f0000200000ull, 5, 3 },
		{ 0x7f0000200000ull, 0x7f0000201234ull, 0, 0 },
		{ 0x1000, 0x2000, 0xffffffffu, 9 },
	};
	struct damonrec_snapshot *s = damonrec_snapshot_new();
	struct series one = { &s, 1 };
	struct buf out = { 0 }, want = { 0 };
	int t;

	damonrec_snapshot_set_time(s, 1700000000123456789ll);
	t = damonrec_snapshot_add_target(s, 42);
	damonrec_snapshot_add_region(s, (size_t)t, &r[0]);
	damonrec_snapshot_add_region(s, (size_t)t, &r[1]);
	t = damonrec_snapshot_add_target(s, ids2[1]);
	damonrec_snapshot_add_region(s, (size_t)t, &r[2]);
	ok(!write_series(&one, DAMONREC_FORMAT_V2, NULL, &out), "v2 writer: writes");
	bin_header(&want, 2, false);
	bin_snap(&want, false, 8, 1700000000, 123456789, 2, ids2, nr2, regs3);
	ok(out.len == want.len && !memcmp(out.p, want.p, want.len),
	   "v2 writer: the seed's layout, byte for byte (%zu bytes)", out.len);
	ok(out.len == 20 + 20 + 12 + 40 + 12 + 20, "v2 writer: 16-byte timespec, u32 counts, no padding");

	/* Negative times: floor seconds, nanoseconds in [0, 1e9). */
	damonrec_snapshot_clear(s);
	damonrec_snapshot_set_time(s, -1);
	write_series(&one, DAMONREC_FORMAT_V2, NULL, &out);
	want.len = 0;
	bin_header(&want, 2, false);
	bin_snap(&want, false, 8, -1, 999999999, 0, NULL, NULL, NULL);
	ok(out.len == want.len && !memcmp(out.p, want.p, want.len),
	   "v2 writer: -1 ns is tv_sec -1, tv_nsec 999999999");
	buf_free(&out);
	buf_free(&want);
	damonrec_snapshot_free(s);
}

static void test_pipes(void)
{
	struct buf b = { 0 };
	const struct damonrec_snapshot *s;
	struct damonrec_reader *r;
	int p[2], i, rc, status;
	pid_t pid;

	bin_header(&b, 2, false);
	for (i = 0; i < 2000; i++)
		bin_snap(&b, false, 8, 10 + i, 0, 2, ids2, nr2, regs3);

	/* A non-blocking pipe, written slowly in small pieces by a child. */
	if (pipe2(p, O_NONBLOCK))
		abort();
	pid = fork();
	if (!pid) {
		size_t off = 0;

		close(p[0]);
		fcntl(p[1], F_SETFL, 0);
		while (off < b.len) {
			size_t n = b.len - off < 777 ? b.len - off : 777;

			if (write(p[1], b.p + off, n) != (ssize_t)n)
				_exit(1);
			off += n;
		}
		_exit(0);
	}
	close(p[1]);
	r = damonrec_reader_open_fd(p[0], DAMONREC_FORMAT_AUTO);
	ok(r && damonrec_reader_get_format(r) == DAMONREC_FORMAT_V2,
	   "pipe: format detected on a pipe");
	i = 0;
	while ((rc = damonrec_reader_next(r, &s)) == 1)
		i += damonrec_snapshot_get_time(s) == (int64_t)(10 + i) * 1000000000;
	ok(i == 2000 && rc == 0, "pipe: 2000 snapshots through a non-blocking pipe (%d)", i);
	damonrec_reader_close(r);
	close(p[0]);
	waitpid(pid, &status, 0);

	/* "-" is stdin. */
	{
		int saved = dup(0), fd = mem_fd(b.p, b.len);

		dup2(fd, 0);
		close(fd);
		r = damonrec_reader_open("-");
		ok(r && rd_count(r, &rc) == 2000 && rc == 0, "stdin: \"-\" reads stdin");
		damonrec_reader_close(r);
		dup2(saved, 0);
		close(saved);
	}
	buf_free(&b);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_readers();
	test_errors();
	test_truncation();
	test_writer();
	test_pipes();
	return tap_done();
}
