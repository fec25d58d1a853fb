// SPDX-License-Identifier: GPL-2.0
/*
 * Record format v3: the example of RECORD-FORMAT.md, the header, the
 * reference rules, frames, corruption and truncation.
 */
#include "util.h"

static void le32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
			       v >> 24 };

	buf_put(b, x, 4);
}

static void le64(struct buf *b, uint64_t v)
{
	le32(b, (uint32_t)v);
	le32(b, (uint32_t)(v >> 32));
}

/* A v3 header built by hand, as the spec lays it out. */
static void header(struct buf *b, int64_t start_ns, unsigned int shift,
		   unsigned int hsize)
{
	size_t at = b->len;
	unsigned int i;

	buf_put(b, "damon_recfmt_ver", 16);
	le32(b, 3);
	buf_u8(b, hsize & 0xff);
	buf_u8(b, hsize >> 8);
	buf_u8(b, 1);		/* byte order */
	buf_u8(b, 64);		/* addr_bits */
	buf_u8(b, shift);
	buf_u8(b, 0);		/* clock */
	buf_u8(b, 1);		/* flags: age */
	buf_u8(b, 0);
	le32(b, 5000);
	le32(b, 100000);
	le32(b, 1000000);
	le64(b, (uint64_t)start_ns);
	le32(b, 1);		/* producer: the driver */
	le64(b, 0);
	le32(b, ref_crc32(b->p + at, 60));
	for (i = 64; i < hsize; i++)
		buf_u8(b, 0xee);
}

static void frame(struct buf *b, unsigned int type, const struct buf *pay)
{
	size_t at = b->len;

	buf_u8(b, type);
	buf_varint(b, pay->len);
	buf_put(b, pay->p, pay->len);
	le32(b, ref_crc32(b->p + at, b->len - at));
}

/* Frame of varints given as a list ending with ~0ull. */
static void vframe(struct buf *b, unsigned int type, ...)
{
	struct buf pay = { 0 };
	va_list ap;
	uint64_t v;

	va_start(ap, type);
	while ((v = va_arg(ap, uint64_t)) != ~0ull)
		buf_varint(&pay, v);
	va_end(ap);
	frame(b, type, &pay);
	buf_free(&pay);
}

#define END ~0ull
#define SNAP(b, ...) vframe(b, 0x01, __VA_ARGS__, END)
#define KDAMOND(b, k, pid) vframe(b, 0x03, (uint64_t)(k), (uint64_t)(pid), END)
#define LOST(b, k, n, why) vframe(b, 0x02, (uint64_t)(k), (uint64_t)(n), (uint64_t)(why), END)

static uint64_t zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* Tags */
#define SAME(rep) ((uint64_t)(rep) << 4)
#define CONT 1
#define GAP 2
#define RAW 3
#define NR 4
#define AGE 8

static const struct damonrec_region *reg(const struct damonrec_snapshot *s,
					 size_t t, size_t i)
{
	return damonrec_target_get_region(damonrec_snapshot_get_target(s, t), i);
}

static bool reg_is(const struct damonrec_region *r, uint64_t start,
		   uint64_t end, uint32_t nr, uint32_t age)
{
	if (!r)
		return false;
	if (r->start == start && r->end == end && r->nr_accesses == nr &&
	    r->age == age)
		return true;
	printf("#   region %" PRIx64 "-%" PRIx64 " %u %u, want %" PRIx64 "-%" PRIx64 " %u %u\n",
	       r->start, r->end, r->nr_accesses, r->age, start, end, nr, age);
	return false;
}

static void test_doc_example(void)
{
	static const unsigned char want[] = {
		0x01, 0x16, 0x00, 0x80, 0xda, 0xc4, 0x09, 0x01, 0x00, 0x02,
		0x0e, 0x80, 0x80, 0x80, 0x80, 0x7f, 0x80, 0x04, 0x05, 0x03,
		0x05, 0x80, 0x04, 0x00,
		0xe7, 0x3d, 0x31, 0x4b,		/* crc32 0x4b313de7 */
	};
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 },
					     1700000000000000000ll };
	struct damonrec_region r1 = { 0x7f0000000000ull, 0x7f0000200000ull, 5, 3 };
	struct damonrec_region r2 = { 0x7f0000200000ull, 0x7f0000400000ull, 0, 0 };
	struct damonrec_snapshot *s = damonrec_snapshot_new();
	const struct damonrec_snapshot *got;
	struct series ser = { &s, 1 };
	struct buf out = { 0 };
	struct rd x;
	int t;

	damonrec_snapshot_set_time(s, meta.start_ns + 10000000);
	t = damonrec_snapshot_add_target(s, 0);
	damonrec_snapshot_add_region(s, (size_t)t, &r1);
	damonrec_snapshot_add_region(s, (size_t)t, &r2);
	ok(!write_series(&ser, DAMONREC_FORMAT_V3, &meta, &out),
	   "doc example: written");
	/* header 64, KDAMOND frame 8 (03 02 00 00 crc), then the SNAPSHOT */
	ok(out.len >= 72 + sizeof(want) && out.p[64] == 0x03 &&
	   !memcmp(out.p + 72, want, sizeof(want)),
	   "doc example: SNAPSHOT frame bytes are those of RECORD-FORMAT.md");
	is_u64(ref_crc32(want, sizeof(want) - 4), 0x4b313de7,
	       "doc example: crc32 of the frame is 0x4b313de7");
	is_int(want[1], sizeof(want) - 6, "doc example: payload length 22");

	ok(rd_open(&x, out.p, out.len, DAMONREC_FORMAT_AUTO),
	   "doc example: reader opens");
	is_int(damonrec_reader_next(x.r, &got), 1, "doc example: decodes");
	ok(reg_is(reg(got, 0, 0), r1.start, r1.end, 5, 3) &&
	   reg_is(reg(got, 0, 1), r2.start, r2.end, 0, 0),
	   "doc example: regions come back");
	is_int(damonrec_reader_next(x.r, &got), 0, "doc example: clean end");
	ok(damonrec_reader_has_end(x.r), "doc example: END frame seen");
	rd_close(&x);
	buf_free(&out);
	damonrec_snapshot_free(s);
}

static void test_header(void)
{
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 }, -42 };
	struct series ser = { NULL, 0 };
	struct damonrec_intervals iv;
	struct buf out = { 0 }, hand = { 0 };
	struct rd x;
	int rc;

	ok(!write_series(&ser, DAMONREC_FORMAT_V3, &meta, &out),
	   "header: empty record written");
	header(&hand, -42, 12, 64);
	hand.p[48] = 2;		/* producer: libdamonrec */
	memcpy(hand.p + 60, (uint32_t[]){ 0 }, 4);
	{
		uint32_t c = ref_crc32(hand.p, 60);

		hand.p[60] = c & 0xff;
		hand.p[61] = (c >> 8) & 0xff;
		hand.p[62] = (c >> 16) & 0xff;
		hand.p[63] = c >> 24;
	}
	ok(out.len >= 64 && !memcmp(out.p, hand.p, 64),
	   "header: every byte as the spec lays it out");
	/* END frame: 04 02 00 00 crc */
	ok(out.len == 64 + 8 && out.p[64] == 0x04 && out.p[65] == 2 &&
	   out.p[66] == 0 && out.p[67] == 0, "header: END frame with 0, 0");

	ok(rd_open(&x, out.p, out.len, DAMONREC_FORMAT_AUTO), "header: opens");
	is_int(damonrec_reader_get_format(x.r), DAMONREC_FORMAT_V3,
	       "header: detected as v3");
	damonrec_reader_get_intervals(x.r, &iv);
	ok(iv.sample_us == 5000 && iv.aggr_us == 100000 &&
	   iv.update_us == 1000000, "header: intervals read");
	is_int(damonrec_reader_get_start_time(x.r), -42, "header: start_ns read");
	is_int(rd_count(x.r, &rc), 0, "header: no snapshots");
	is_int(rc, 0, "header: clean end");
	rd_close(&x);

	/* A longer header: the extra bytes are skipped. */
	hand.len = 0;
	header(&hand, 0, 12, 80);
	KDAMOND(&hand, 0, 99);
	SNAP(&hand, 0, zz(5), 1, 7, 1, GAP, 1, 1);
	ok(rd_open(&x, hand.p, hand.len, DAMONREC_FORMAT_AUTO) &&
	   rd_count(x.r, &rc) == 1 && rc == 0,
	   "header: header_size 80 is skipped over");
	rd_close(&x);

	/* Corrupt headers. */
	hand.len = 0;
	header(&hand, 0, 12, 64);
	hand.p[30] ^= 1;
	ok(rd_open(&x, hand.p, hand.len, DAMONREC_FORMAT_AUTO) &&
	   rd_count(x.r, &rc) == 0 && rc == -1 && errno == EBADMSG,
	   "header: crc mismatch is EBADMSG");
	has_str(damonrec_reader_get_error_message(x.r), "crc mismatch",
		"header: message says crc mismatch");
	is_u64(damonrec_reader_get_error_offset(x.r), 0, "header: at offset 0");
	rd_close(&x);

	hand.len = 0;
	header(&hand, 0, 12, 63);
	ok(rd_open(&x, hand.p, hand.len, DAMONREC_FORMAT_AUTO) &&
	   rd_count(x.r, &rc) == 0 && rc == -1 && errno == EBADMSG,
	   "header: header_size below 64 is corrupt");
	has_str(damonrec_reader_get_error_message(x.r), "header_size 63",
		"header: message names header_size");
	rd_close(&x);

	hand.len = 0;
	header(&hand, 0, 64, 64);
	ok(rd_open(&x, hand.p, hand.len, DAMONREC_FORMAT_AUTO) &&
	   rd_count(x.r, &rc) == 0 && rc == -1 && errno == EBADMSG,
	   "header: addr_shift 64 is corrupt");
	rd_close(&x);

	buf_free(&out);
	buf_free(&hand);
}

/* Decode @b expecting @n snapshots then @rc (and errno @err). */
static struct damonrec_reader *dec(struct rd *x, const struct buf *b)
{
	return rd_open(x, b->p, b->len, DAMONREC_FORMAT_V3);
}

static void test_reference_rules(void)
{
	const uint64_t base = 0x7f0000000000ull, P = 4096;
	const struct damonrec_snapshot *s;
	struct buf b = { 0 };
	struct rd x;
	int rc;

	header(&b, 1000, 12, 64);
	KDAMOND(&b, 0, 100);
	/*
	 * #1, no reference: CONT+NR+AGE [0, 2P) 5/3; CONT [2P, 3P) predicted
	 * 5/0; GAP+NR gap 1 page, [4P, 6P) 0/0.
	 */
	SNAP(&b, 0, zz(10), 1, 0, 3,
	     CONT | NR | AGE, 2, 5, 3,
	     CONT, 1,
	     GAP | NR, 1, 2, 0);
	/*
	 * #2: SAME repeat 1 (two regions): [0, 2P) 5/4 and [2P, 3P) 5/1;
	 * CONT+NR [3P, 4P) 9/0; SAME+NR [4P, 6P) 7/1.
	 */
	SNAP(&b, 0, zz(-3), 1, 0, 4,
	     SAME(1),
	     CONT | NR, 1, 9,
	     SAME(0) | NR, 7);
	ok(dec(&x, &b), "refs: opens");
	is_int(damonrec_reader_next(x.r, &s), 1, "refs: first snapshot");
	is_int(damonrec_snapshot_get_time(s), 1010, "refs: first time is start_ns + delta");
	ok(reg_is(reg(s, 0, 0), 0, 2 * P, 5, 3) &&
	   reg_is(reg(s, 0, 1), 2 * P, 3 * P, 5, 0) &&
	   reg_is(reg(s, 0, 2), 4 * P, 6 * P, 0, 0),
	   "refs: CONT, GAP with predicted nr (previous region's) and age 0");
	is_int(damonrec_reader_next(x.r, &s), 1, "refs: second snapshot");
	is_int(damonrec_snapshot_get_time(s), 1007, "refs: negative time delta");
	is_int(damonrec_target_get_nr_regions(damonrec_snapshot_get_target(s, 0)), 4,
	       "refs: SAME repeat counts two regions");
	ok(reg_is(reg(s, 0, 0), 0, 2 * P, 5, 4) &&
	   reg_is(reg(s, 0, 1), 2 * P, 3 * P, 5, 1),
	   "refs: SAME takes the reference's end and nr, age + 1");
	ok(reg_is(reg(s, 0, 2), 3 * P, 4 * P, 9, 0),
	   "refs: CONT after SAME predicts the previous nr, age 0");
	ok(reg_is(reg(s, 0, 3), 4 * P, 6 * P, 7, 1),
	   "refs: SAME with explicit nr keeps the predicted age");
	is_int(damonrec_reader_next(x.r, &s), 0, "refs: clean end without END");
	ok(!damonrec_reader_has_end(x.r), "refs: no END frame");
	rd_close(&x);

	/* The first region of a target starts at cursor 0: SAME fails there
	 * unless the reference starts at 0. */
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	SNAP(&b, 0, 0, 1, 0, 1, GAP, base / P, 2);
	SNAP(&b, 0, 0, 1, 0, 1, SAME(0));
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 1 && rc == -1 &&
	   errno == EBADMSG, "refs: SAME as the first region needs a reference region at 0");
	rd_close(&x);

	/* SAME where the reference has no region starting at the cursor. */
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	SNAP(&b, 0, 0, 1, 0, 1, GAP, base / P, 2);
	{
		size_t at = b.len;

		SNAP(&b, 0, 0, 1, 0, 2, CONT, 1, SAME(0));
		ok(dec(&x, &b) && rd_count(x.r, &rc) == 1 && rc == -1 &&
		   errno == EBADMSG, "refs: SAME with no reference region is corrupt");
		is_u64(damonrec_reader_get_error_offset(x.r), at,
		       "refs: error at the frame's offset");
		has_str(damonrec_reader_get_error_message(x.r),
			"no region starting at 0x1000", "refs: message says where");
		rd_close(&x);
	}

	/* SAME in the first snapshot: no reference at all. */
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	SNAP(&b, 0, 0, 1, 0, 1, SAME(0));
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "refs: SAME without a reference is corrupt");
	has_str(damonrec_reader_get_error_message(x.r), "has no reference",
		"refs: message says so");
	rd_close(&x);

	/* References are per kdamond and per target id. */
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	KDAMOND(&b, 1, 2);
	SNAP(&b, 0, 0, 2, 4, 1, GAP | NR, 16, 1, 3, 9, 2, GAP, 32, 8, CONT, 1);
	SNAP(&b, 1, 0, 1, 4, 1, GAP, 64, 1);
	/* kdamond 0 again: target 9 first, then 4; SAME in both. */
	SNAP(&b, 0, 0, 2, 9, 2, GAP, 32, 8, SAME(0), 4, 2, CONT, 16, SAME(0));
	ok(dec(&x, &b) && damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_kdamond(s) == 1 &&
	   damonrec_reader_next(x.r, &s) == 1,
	   "refs: three snapshots of two kdamonds");
	ok(damonrec_snapshot_get_kdamond(s) == 0 &&
	   damonrec_target_get_id(damonrec_snapshot_get_target(s, 0)) == 9 &&
	   reg_is(reg(s, 0, 0), 32 * P, 40 * P, 0, 0) &&
	   reg_is(reg(s, 0, 1), 40 * P, 41 * P, 0, 1) &&
	   reg_is(reg(s, 1, 0), 0, 16 * P, 0, 0) &&
	   reg_is(reg(s, 1, 1), 16 * P, 17 * P, 3, 1),
	   "refs: SAME uses the same kdamond's previous snapshot, by target id");
	is_int(damonrec_reader_next(x.r, &s), 0, "refs: clean end");
	rd_close(&x);

	/* RAW: unaligned, bytes; not before the cursor (but first is free). */
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	SNAP(&b, 0, 0, 1, 0, 3, RAW, 0x1001, 0x10, CONT, 1,
	     RAW | NR | AGE, 0x3000, 5, 2, 0);
	ok(dec(&x, &b) && damonrec_reader_next(x.r, &s) == 1 &&
	   reg_is(reg(s, 0, 0), 0x1001, 0x1011, 0, 0) &&
	   reg_is(reg(s, 0, 1), 0x1011, 0x2011, 0, 0) &&
	   reg_is(reg(s, 0, 2), 0x3000, 0x3005, 2, 0),
	   "refs: RAW regions in bytes, CONT after an unaligned end");
	rd_close(&x);

	/* Corrupt region codes. */
	{
		static const struct {
			const char *what, *msg;
			uint64_t v[8];
			int n;
		} bad[] = {
			{ "RAW before the cursor", "before the end",
			  { 2, CONT, 4, RAW, 0x1000, 1 }, 6 },
			{ "size 0", "size 0", { 1, CONT, 0 }, 3 },
			{ "end past 2^64", "past 2^64",
			  { 1, RAW, 0xfffffffffffff000ull, 0x1000 }, 4 },
			{ "gap past 2^64", "past 2^64",
			  { 1, GAP, 0x10000000000000ull, 1 }, 4 },
			{ "repeat with explicit nr", "repeat count",
			  { 1, SAME(1) | NR, 1 }, 3 },
			{ "repeat past nr_regions", "repeat runs past",
			  { 1, SAME(1) }, 2 },
			{ "nr_accesses over 32 bits", "over 32 bits",
			  { 1, CONT | NR, 1, 0x100000000ull }, 4 },
		};
		size_t i;
		int j;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct buf pay = { 0 };

			b.len = 0;
			header(&b, 0, 12, 64);
			KDAMOND(&b, 0, 1);
			buf_varint(&pay, 0);
			buf_varint(&pay, 0);
			buf_varint(&pay, 1);
			buf_varint(&pay, 0);
			for (j = 0; j < bad[i].n; j++)
				buf_varint(&pay, bad[i].v[j]);
			frame(&b, 1, &pay);
			buf_free(&pay);
			ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
			   errno == EBADMSG && damonrec_reader_get_error_offset(x.r) == 72,
			   "refs: %s is corrupt at the frame's offset", bad[i].what);
			has_str(damonrec_reader_get_error_message(x.r), bad[i].msg,
				"refs: %s: message", bad[i].what);
			rd_close(&x);
		}
	}
	buf_free(&b);
}

static void test_frames(void)
{
	const struct damonrec_snapshot *s;
	struct buf b = { 0 }, pay = { 0 };
	struct rd x;
	size_t at;
	int rc;

	/* LOST frames become lost_before of that kdamond's next snapshot. */
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	KDAMOND(&b, 1, 2);
	LOST(&b, 0, 3, 1);
	LOST(&b, 1, 5, 2);
	LOST(&b, 0, 1, 3);
	SNAP(&b, 1, 0, 0);
	SNAP(&b, 0, 0, 0);
	SNAP(&b, 0, 0, 0);
	/* an unknown frame type is skipped */
	buf_varint(&pay, 12345);
	frame(&b, 0x7e, &pay);
	vframe(&b, 0x04, (uint64_t)3, (uint64_t)9, END);
	ok(dec(&x, &b) && damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_lost_before(s) == 5 &&
	   damonrec_reader_get_lost(x.r) == 9, "frames: lost_before of kdamond 1");
	ok(damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_lost_before(s) == 4,
	   "frames: lost_before of kdamond 0 sums its LOST frames");
	ok(damonrec_reader_next(x.r, &s) == 1 &&
	   damonrec_snapshot_get_lost_before(s) == 0, "frames: then 0");
	is_int(damonrec_reader_next(x.r, &s), 0, "frames: unknown frame skipped, END read");
	ok(damonrec_reader_has_end(x.r), "frames: has_end");
	rd_close(&x);

	/* END that disagrees with the file. */
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	SNAP(&b, 0, 0, 0);
	vframe(&b, 0x04, (uint64_t)2, (uint64_t)0, END);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 1 && rc == -1 &&
	   errno == EBADMSG, "frames: END with a wrong count is corrupt");
	has_str(damonrec_reader_get_error_message(x.r), "says 2 snapshots",
		"frames: message gives both counts");
	rd_close(&x);

	/* Unknown frame with a bad crc is still corrupt. */
	b.len = 0;
	header(&b, 0, 12, 64);
	at = b.len;
	frame(&b, 0x7e, &pay);
	b.p[b.len - 1] ^= 0x80;
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG && damonrec_reader_get_error_offset(x.r) == at,
	   "frames: unknown frame with a bad crc is corrupt");
	rd_close(&x);

	/* A snapshot of a kdamond no KDAMOND frame introduced. */
	b.len = 0;
	header(&b, 0, 12, 64);
	SNAP(&b, 0, 0, 0);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "frames: SNAPSHOT before its KDAMOND is corrupt");
	has_str(damonrec_reader_get_error_message(x.r), "not introduced",
		"frames: message says so");
	rd_close(&x);

	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 1, 5);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "frames: KDAMOND skipping an index is corrupt");
	rd_close(&x);

	/* Corrupt crc after two good snapshots. */
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	SNAP(&b, 0, 0, 0);
	SNAP(&b, 0, 0, 0);
	at = b.len;
	SNAP(&b, 0, 0, 0);
	b.p[at + 3] ^= 1;
	SNAP(&b, 0, 0, 0);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 2 && rc == -1 &&
	   errno == EBADMSG, "frames: two snapshots, then the bad crc");
	is_u64(damonrec_reader_get_error_offset(x.r), at,
	       "frames: error offset is the bad frame's");
	{
		char want[64];

		snprintf(want, sizeof(want), "v3 frame at offset %zu: crc mismatch", at);
		has_str(damonrec_reader_get_error_message(x.r), want,
			"frames: message says v3 frame at offset N: crc mismatch");
	}
	rd_close(&x);

	/* Payload left over, payload too long, malformed length. */
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	SNAP(&b, 0, 0, 0, 7);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "frames: bytes after the snapshot are corrupt");
	has_str(damonrec_reader_get_error_message(x.r), "1 bytes left",
		"frames: message counts them");
	rd_close(&x);

	b.len = 0;
	header(&b, 0, 12, 64);
	buf_u8(&b, 1);
	buf_varint(&b, (64u << 20) + 1);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "frames: payload over 64 MiB is corrupt");
	rd_close(&x);

	b.len = 0;
	header(&b, 0, 12, 64);
	buf_u8(&b, 1);
	buf_put(&b, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "frames: an 11-byte varint is corrupt");
	rd_close(&x);

	b.len = 0;
	header(&b, 0, 12, 64);
	buf_u8(&b, 1);
	buf_put(&b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "frames: a tenth varint byte over 1 is corrupt");
	rd_close(&x);

	/* Huge counts in a small frame: refused, nothing huge allocated. */
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	SNAP(&b, 0, 0, 1, 0, 0xffffffffull, CONT, 1);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "frames: nr_regions 2^32-1 in a tiny frame is corrupt");
	rd_close(&x);
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	SNAP(&b, 0, 0, 0xffffffffffffull, 0, 0);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "frames: nr_targets 2^48 in a tiny frame is corrupt");
	rd_close(&x);

	buf_free(&b);
	buf_free(&pay);
}

/* Offsets where frames start in a v3 file (and its length at the end). */
static size_t frame_starts(const struct buf *b, size_t *at, size_t max,
			   bool *is_snap)
{
	size_t off = 64, n = 0;

	while (off < b->len && n < max) {
		uint64_t len = 0;
		unsigned int shift = 0;
		size_t p = off + 1;

		at[n] = off;
		is_snap[n] = b->p[off] == 1;
		n++;
		do {
			len |= (uint64_t)(b->p[p] & 0x7f) << shift;
			shift += 7;
		} while (b->p[p++] & 0x80);
		off = p + len + 4;
	}
	at[n] = off;
	return n;
}

static void test_truncation(void)
{
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 },
					     1700000000000000000ll };
	struct series ser;
	struct buf out = { 0 };
	size_t at[64], n, len, bad = 0, f;
	bool is_snap[64];
	char why[256];

	series_gen(&ser, 4, 2, 2, true, true);
	write_series(&ser, DAMONREC_FORMAT_V3, &meta, &out);
	n = frame_starts(&out, at, 63, is_snap);
	ok(n >= 7 && at[n] == out.len, "truncation: file of %zu frames, %zu bytes",
	   n, out.len);
	for (len = 0; len <= out.len; len++) {
		size_t want = 0, got, err_at = 0;
		int rc, want_rc = 0, want_err = 0;
		struct rd x;

		if (len < 64) {
			want_rc = -1;
			want_err = len ? ENODATA : ENODATA;
		} else {
			for (f = 0; f < n && at[f + 1] <= len; f++)
				want += is_snap[f];
			if (f < n && at[f] < len) {
				want_rc = -1;
				want_err = ENODATA;
				err_at = at[f];
			}
		}
		got = check_series(out.p, len, DAMONREC_FORMAT_V3, &ser, false,
				   &rc, why, sizeof(why));
		if (got != want || rc != want_rc) {
			printf("# prefix %zu: %zu snapshots, rc %d; want %zu, %d (%s)\n",
			       len, got, rc, want, want_rc, why);
			bad++;
			continue;
		}
		if (want_rc < 0) {
			rd_open(&x, out.p, len, DAMONREC_FORMAT_V3);
			rd_count(x.r, &rc);
			if (errno != want_err ||
			    damonrec_reader_get_error_offset(x.r) != err_at) {
				printf("# prefix %zu: errno %d at %" PRIu64 ", want %d at %zu: %s\n",
				       len, errno,
				       damonrec_reader_get_error_offset(x.r),
				       want_err, err_at,
				       damonrec_reader_get_error_message(x.r));
				bad++;
			}
			rd_close(&x);
		}
	}
	is_int(bad, 0, "truncation: every prefix of a v3 file decodes to its last complete frame, then ENODATA at that frame");

	/* A flipped bit anywhere after the header: never a crash, never a
	 * wrong snapshot, always the offset of a frame. */
	bad = 0;
	for (len = 64; len < out.len; len++) {
		size_t got, good = 0;
		int rc;

		out.p[len] ^= 0x10;
		got = check_series(out.p, out.len, DAMONREC_FORMAT_V3, &ser,
				   false, &rc, why, sizeof(why));
		for (f = 0; f < n && at[f + 1] <= len; f++)
			good += is_snap[f];
		if (rc != -1 || got != good) {
			printf("# flip at %zu: %zu snapshots, rc %d; want %zu then -1 (%s)\n",
			       len, got, rc, good, why);
			bad++;
		}
		out.p[len] ^= 0x10;
	}
	is_int(bad, 0, "corruption: a flipped bit in any frame is caught there");
	buf_free(&out);
	series_free(&ser);
}

static void test_writer(void)
{
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 },
					     1700000000000000000ll };
	struct series ser;
	struct buf out = { 0 }, v2 = { 0 };
	char why[256];
	size_t got;
	int rc, fd;

	series_gen(&ser, 200, 3, 3, true, true);
	ok(!write_series(&ser, DAMONREC_FORMAT_V3, &meta, &out),
	   "writer: 200 snapshots of 3 kdamonds written");
	got = check_series(out.p, out.len, DAMONREC_FORMAT_V3, &ser, false,
			   &rc, why, sizeof(why));
	ok(got == 200 && rc == 0, "writer: all 200 decode identically (%s)", why);
	series_free(&ser);

	/* Steady regions, a few counts change: v3 10 times smaller than v2. */
	{
		struct damonrec_snapshot *arr[200];
		struct series steady = { arr, 200 };
		size_t i, k;

		for (i = 0; i < 200; i++) {
			int t;

			arr[i] = damonrec_snapshot_new();
			damonrec_snapshot_set_time(arr[i], 1700000000000000000ll +
						   (int64_t)i * 100000000);
			t = damonrec_snapshot_add_target(arr[i], 0);
			for (k = 0; k < 50; k++) {
				struct damonrec_region r = {
					0x7f0000000000ull + k * 0x10000,
					0x7f0000010000ull + k * 0x10000,
					(uint32_t)((k * 7 + (k == i % 50 ? i : 0)) % 20),
					0
				};

				if (i) {
					const struct damonrec_region *p =
						reg(arr[i - 1], 0, k);

					r.age = p->nr_accesses == r.nr_accesses ?
						p->age + 1 : 0;
				}
				damonrec_snapshot_add_region(arr[i], (size_t)t, &r);
			}
		}
		write_series(&steady, DAMONREC_FORMAT_V3, &meta, &out);
		write_series(&steady, DAMONREC_FORMAT_V2, &meta, &v2);
		ok(out.len * 10 < v2.len,
		   "writer: steady regions: v3 is %zu bytes against %zu for v2",
		   out.len, v2.len);
		got = check_series(out.p, out.len, DAMONREC_FORMAT_V3, &steady,
				   true, &rc, why, sizeof(why));
		ok(got == 200 && rc == 0, "writer: steady series decodes (%s)", why);
		for (i = 0; i < 200; i++)
			damonrec_snapshot_free(arr[i]);
	}

	/* Kdamond numbers become indexes in order of first appearance. */
	{
		struct damonrec_snapshot *a = damonrec_snapshot_new();
		struct damonrec_snapshot *c = damonrec_snapshot_new();
		struct damonrec_snapshot *arr[2] = { a, c };
		struct series two = { arr, 2 };
		const struct damonrec_snapshot *s;
		struct rd x;

		damonrec_snapshot_set_kdamond(a, 7);
		damonrec_snapshot_set_kdamond(c, 3);
		damonrec_snapshot_set_lost_before(c, 11);
		write_series(&two, DAMONREC_FORMAT_V3, &meta, &out);
		ok(rd_open(&x, out.p, out.len, DAMONREC_FORMAT_V3) &&
		   damonrec_reader_next(x.r, &s) == 1 &&
		   damonrec_snapshot_get_kdamond(s) == 0 &&
		   damonrec_reader_next(x.r, &s) == 1 &&
		   damonrec_snapshot_get_kdamond(s) == 1 &&
		   damonrec_snapshot_get_lost_before(s) == 11 &&
		   damonrec_reader_next(x.r, &s) == 0 &&
		   damonrec_reader_get_lost(x.r) == 11,
		   "writer: kdamonds 7, 3 become 0, 1; lost_before becomes a LOST frame");
		rd_close(&x);
		damonrec_snapshot_free(a);
		damonrec_snapshot_free(c);
	}

	/* Bad snapshots are refused with EINVAL; the writer goes on. */
	{
		struct damonrec_region r1 = { 0x2000, 0x3000, 1, 0 };
		struct damonrec_region r0 = { 0x1000, 0x2000, 1, 0 };
		struct damonrec_region e = { 0x5000, 0x5000, 1, 0 };
		struct damonrec_snapshot *s = damonrec_snapshot_new();
		struct damonrec_writer *w;
		struct rd x;
		int t;

		fd = memfd_create("w", 0);
		w = damonrec_writer_open_fd(fd, DAMONREC_FORMAT_V3, &meta);
		t = damonrec_snapshot_add_target(s, 0);
		damonrec_snapshot_add_region(s, (size_t)t, &r1);
		damonrec_snapshot_add_region(s, (size_t)t, &r0);
		errno = 0;
		ok(damonrec_writer_write(w, s) == -1 && errno == EINVAL,
		   "writer: unsorted regions are EINVAL");
		damonrec_snapshot_clear(s);
		t = damonrec_snapshot_add_target(s, 0);
		damonrec_snapshot_add_region(s, (size_t)t, &e);
		ok(damonrec_writer_write(w, s) == -1 && errno == EINVAL,
		   "writer: an empty region is EINVAL");
		damonrec_snapshot_clear(s);
		t = damonrec_snapshot_add_target(s, 0);
		damonrec_snapshot_add_region(s, (size_t)t, &r0);
		ok(!damonrec_writer_write(w, s), "writer: a good one still goes");
		ok(!damonrec_writer_mark_lost(w, 4, 2), "writer: mark_lost of a new kdamond");
		ok(!damonrec_writer_close(w), "writer: closes");
		fd_slurp(fd, &out);
		close(fd);
		ok(rd_open(&x, out.p, out.len, DAMONREC_FORMAT_V3) &&
		   rd_count(x.r, &rc) == 1 && rc == 0 &&
		   damonrec_reader_has_end(x.r) &&
		   damonrec_reader_get_lost(x.r) == 2,
		   "writer: the file decodes with its END frame and LOST count");
		rd_close(&x);
		damonrec_snapshot_free(s);
	}
	buf_free(&out);
	buf_free(&v2);
}

int main(void)
{
	test_doc_example();
	test_header();
	test_reference_rules();
	test_frames();
	test_truncation();
	test_writer();
	return tap_done();
}
