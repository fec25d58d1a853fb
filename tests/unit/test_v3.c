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

/* The payload of the last SNAPSHOT frame of a v3 record, or NULL. */
static const unsigned char *last_snap(const struct buf *b, size_t *len)
{
	const unsigned char *found = NULL;
	size_t off = 64;

	while (off < b->len) {
		uint64_t n = 0;
		size_t p = off + 1;
		int sh = 0;

		do {
			n |= (uint64_t)(b->p[p] & 0x7f) << sh;
			sh += 7;
		} while (b->p[p++] & 0x80);
		if (b->p[off] == 0x01) {
			found = b->p + p;
			*len = (size_t)n;
		}
		off = p + (size_t)n + 4;
	}
	return found;
}

static void add_regions(struct damonrec_snapshot *s,
			const struct damonrec_region *r, size_t n)
{
	int t = damonrec_snapshot_add_target(s, 0);
	size_t i;

	for (i = 0; i < n; i++)
		damonrec_snapshot_add_region(s, (size_t)t, &r[i]);
}

/* RECORD-FORMAT.md's second example: regions coded against a reference. */
static void test_doc_example_ref(void)
{
	static const unsigned char want[] = {
		0x01, 0x13, 0x00, 0x80, 0x84, 0xaf, 0x5f, 0x01, 0x00, 0x06,
		0x23,
		0xf1, 0x80, 0x02,
		0x1d, 0x03, 0x00,
		0x2a, 0x05,
		0xf2, 0x10,
		0xdf, 0xa0, 0x31, 0x2d,		/* crc32 0x2d31a0df */
	};
	static const struct damonrec_region ref[] = {
		{ 0x400000, 0x600000, 0, 4 },
		{ 0x600000, 0x800000, 0, 4 },
		{ 0x800000, 0xa00000, 2, 1 },
		{ 0x7f0000000000ull, 0x7f0000200000ull, 0, 7 },
		{ 0x7f0000200000ull, 0x7f0000400000ull, 0, 3 },
		{ 0x7ffc00000000ull, 0x7ffc00021000ull, 1, 2 },
	};
	static const struct damonrec_region now[] = {
		{ 0x400000, 0x600000, 0, 5 },
		{ 0x600000, 0x800000, 0, 5 },
		{ 0x800000, 0x900000, 2, 2 },
		{ 0x900000, 0xa00000, 3, 0 },
		{ 0x7f0000000000ull, 0x7f0000400000ull, 0, 5 },
		{ 0x7ffc00000000ull, 0x7ffc00010000ull, 1, 3 },
	};
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 },
					     1700000000000000000ll };
	struct damonrec_snapshot *arr[2] = { damonrec_snapshot_new(),
					     damonrec_snapshot_new() };
	struct series ser = { arr, 2 };
	struct buf out = { 0 };
	const unsigned char *pay;
	char why[256] = "";
	size_t len = 0, got, i;
	bool same;
	int rc;

	damonrec_snapshot_set_time(arr[0], meta.start_ns + 10000000);
	add_regions(arr[0], ref, 6);
	damonrec_snapshot_set_time(arr[1], meta.start_ns + 110000000);
	add_regions(arr[1], now, 6);
	ok(!write_series(&ser, DAMONREC_FORMAT_V3, &meta, &out),
	   "doc example 2: written");
	pay = last_snap(&out, &len);
	same = pay && len == sizeof(want) - 6 &&
	       !memcmp(pay - 2, want, sizeof(want));
	ok(same, "doc example 2: SNAPSHOT frame bytes are those of RECORD-FORMAT.md");
	if (!same && pay && len + 6 <= 64) {
		printf("#   got:");
		for (i = 0; i < len + 6; i++)
			printf(" %02x", pay[i - 2]);
		printf("\n");
	}
	is_u64(ref_crc32(want, sizeof(want) - 4), 0x2d31a0df,
	       "doc example 2: crc32 of the frame is 0x2d31a0df");
	got = check_series(out.p, out.len, DAMONREC_FORMAT_V3, &ser, true,
			   &rc, why, sizeof(why));
	ok(got == 2 && rc == 0, "doc example 2: decodes back (%s)", why);
	buf_free(&out);
	damonrec_snapshot_free(arr[0]);
	damonrec_snapshot_free(arr[1]);
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

/*
 * Tags of 0x80 and more are single bytes, not varints: TAG() marks a value
 * that tframe() and tpay() write as one byte.
 */
#define TAG_BIT (1ull << 62)
#define TAG(t) (TAG_BIT | (uint64_t)(t))
#define NEXT(n) TAG(RAW | (uint64_t)(n) << 4)
#define XEND(k) ((uint64_t)(k) << 4)
#define XSIZE (15ull << 4)

static void tpay(struct buf *pay, uint64_t v)
{
	if (v & TAG_BIT)
		buf_u8(pay, (unsigned int)(v & 0xff));
	else
		buf_varint(pay, v);
}

static void tframe(struct buf *b, unsigned int type, ...)
{
	struct buf pay = { 0 };
	va_list ap;
	uint64_t v;

	va_start(ap, type);
	while ((v = va_arg(ap, uint64_t)) != ~0ull)
		tpay(&pay, v);
	va_end(ap);
	frame(b, type, &pay);
	buf_free(&pay);
}

#define TSNAP(b, ...) tframe(b, 0x01, __VA_ARGS__, END)

/* The reference-bound forms: CONT and GAP with bits 4-7, and NEXT runs. */
static void test_ref_forms(void)
{
	const uint64_t P = 4096;
	const struct damonrec_snapshot *s;
	struct buf b = { 0 };
	struct rd x;
	int rc;

	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	/* #1, the reference: [16P,18P) 1, [18P,20P) 2, [20P,24P) 3,
	 * [30P,32P) 4, [40P,48P) 5, all age 0. */
	SNAP(&b, 0, zz(10), 1, 0, 5, GAP | NR, 16, 2, 1, CONT | NR, 2, 2,
	     CONT | NR, 4, 3, GAP | NR, 6, 2, 4, GAP | NR, 8, 8, 5);
	/*
	 * #2: NEXT 2 from cursor 0; CONT to a size (base [20P,24P)); CONT to
	 * the second reference end from its base, with nr; GAP to the first
	 * reference end, with age.
	 */
	TSNAP(&b, 0, zz(10), 1, 0, 5, NEXT(2), TAG(CONT | XSIZE), 1,
	      TAG(CONT | XEND(2) | NR), 7, TAG(GAP | XEND(1) | AGE), 9);
	/*
	 * #3 against #2: GAP to a size from cursor 0; NEXT from inside a
	 * reference region; SAME; CONT to the first end; GAP to a size with
	 * nr, over a hole of the reference.
	 */
	TSNAP(&b, 0, zz(10), 1, 0, 5, TAG(GAP | XSIZE), 1, NEXT(1), SAME(0),
	      TAG(CONT | XEND(1)), TAG(GAP | XSIZE | NR), 2, 0);
	ok(dec(&x, &b), "ref forms: opens");
	is_int(damonrec_reader_next(x.r, &s), 1, "ref forms: reference");
	is_int(damonrec_reader_next(x.r, &s), 1, "ref forms: second snapshot");
	is_int(damonrec_target_get_nr_regions(damonrec_snapshot_get_target(s, 0)), 5,
	       "ref forms: NEXT 2 counts two regions");
	ok(reg_is(reg(s, 0, 0), 16 * P, 18 * P, 1, 1) &&
	   reg_is(reg(s, 0, 1), 18 * P, 20 * P, 2, 1),
	   "ref forms: NEXT skips to the reference region after the cursor, nr kept, age + 1");
	ok(reg_is(reg(s, 0, 2), 20 * P, 21 * P, 3, 1),
	   "ref forms: CONT with a size predicts its base's nr and age + 1");
	ok(reg_is(reg(s, 0, 3), 21 * P, 32 * P, 7, 1),
	   "ref forms: CONT to the second end counts from the base, over a hole");
	ok(reg_is(reg(s, 0, 4), 40 * P, 48 * P, 5, 9),
	   "ref forms: GAP starts at the next reference start, ends at its end");
	is_int(damonrec_reader_next(x.r, &s), 1, "ref forms: third snapshot");
	ok(reg_is(reg(s, 0, 0), 16 * P, 17 * P, 1, 2) &&
	   reg_is(reg(s, 0, 1), 18 * P, 20 * P, 2, 2) &&
	   reg_is(reg(s, 0, 2), 20 * P, 21 * P, 3, 2) &&
	   reg_is(reg(s, 0, 3), 21 * P, 32 * P, 7, 2) &&
	   reg_is(reg(s, 0, 4), 40 * P, 42 * P, 0, 10),
	   "ref forms: GAP with a size, NEXT from inside a region, SAME, CONT");
	is_int(damonrec_reader_next(x.r, &s), 0, "ref forms: clean end");
	rd_close(&x);

	/* Without a reference, every reference-bound form is corrupt. */
	{
		static const struct {
			const char *what;
			uint64_t tag;
		} none[] = {
			{ "NEXT", NEXT(1) },
			{ "CONT to a reference end", CONT | XEND(1) },
			{ "CONT to a size", CONT | XSIZE },
			{ "GAP to a reference end", GAP | XEND(1) },
			{ "GAP to a size", GAP | XSIZE },
		};
		size_t i;

		for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
			b.len = 0;
			header(&b, 0, 12, 64);
			KDAMOND(&b, 0, 1);
			TSNAP(&b, 0, 0, 1, 0, 1, TAG(none[i].tag), 1);
			ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
			   errno == EBADMSG &&
			   damonrec_reader_get_error_offset(x.r) == 72,
			   "ref forms: %s without a reference is corrupt at its frame",
			   none[i].what);
			has_str(damonrec_reader_get_error_message(x.r),
				"has no reference", "ref forms: %s: message",
				none[i].what);
			rd_close(&x);
		}
	}

	/* Corrupt fields, against the reference #1 above. */
	{
		static const struct {
			const char *what, *msg;
			uint64_t v[10];
			int n;
		} bad[] = {
			{ "NEXT with explicit nr", "explicit values",
			  { 1, NEXT(1) | NR, 3 }, 3 },
			{ "NEXT with explicit age", "explicit values",
			  { 1, NEXT(1) | AGE, 3 }, 3 },
			{ "NEXT past nr_regions", "NEXT run runs past",
			  { 1, NEXT(2) }, 2 },
			{ "NEXT past the reference", "no region at or after 0x30000",
			  { 6, NEXT(5), NEXT(1) }, 3 },
			{ "GAP after the reference", "no region starting after 0x30000",
			  { 6, NEXT(5), TAG(GAP | XEND(1)) }, 3 },
			{ "GAP with a size after the reference",
			  "no region starting after 0x30000",
			  { 6, NEXT(5), TAG(GAP | XSIZE), 1 }, 4 },
			{ "CONT after the reference", "no region ending after 0x30000",
			  { 6, NEXT(5), TAG(CONT | XEND(1)) }, 3 },
			{ "CONT with a size after the reference",
			  "no region ending after 0x30000",
			  { 6, NEXT(5), TAG(CONT | XSIZE), 1 }, 4 },
			{ "CONT to an end past the reference",
			  "fewer than 6 regions from 0x10000",
			  { 1, TAG(CONT | XEND(6)) }, 2 },
			{ "GAP to an end past the reference",
			  "fewer than 2 regions from 0x28000",
			  { 5, NEXT(4), TAG(GAP | XEND(2)) }, 3 },
			{ "reference-bound size 0", "size 0",
			  { 1, TAG(GAP | XSIZE), 0 }, 3 },
			{ "reference-bound size past 2^64", "size runs past 2^64",
			  { 1, TAG(CONT | XSIZE), 0x10000000000000ull }, 3 },
			{ "reference-bound end past 2^64", "ends past 2^64",
			  { 1, TAG(GAP | XSIZE), 0xfffffffffffffull }, 3 },
			{ "payload ends inside a reference-bound size",
			  "payload ends inside a size", { 1, TAG(CONT | XSIZE) }, 2 },
			{ "reference-bound nr over 32 bits", "over 32 bits",
			  { 1, TAG(GAP | XEND(1) | NR), 0x100000000ull }, 3 },
			{ "reference-bound age over 32 bits", "over 32 bits",
			  { 1, TAG(CONT | XSIZE | AGE), 1, 0x100000000ull }, 4 },
			{ "payload ends inside a reference-bound age",
			  "payload ends inside age",
			  { 1, TAG(CONT | XEND(1) | AGE) }, 2 },
		};
		size_t i, at;
		int j;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct buf pay = { 0 };

			b.len = 0;
			header(&b, 0, 12, 64);
			KDAMOND(&b, 0, 1);
			SNAP(&b, 0, zz(10), 1, 0, 5, GAP | NR, 16, 2, 1,
			     CONT | NR, 2, 2, CONT | NR, 4, 3, GAP | NR, 6, 2,
			     4, GAP | NR, 8, 8, 5);
			at = b.len;
			buf_varint(&pay, 0);
			buf_varint(&pay, 0);
			buf_varint(&pay, 1);
			buf_varint(&pay, 0);
			for (j = 0; j < bad[i].n; j++)
				tpay(&pay, bad[i].v[j]);
			frame(&b, 1, &pay);
			buf_free(&pay);
			ok(dec(&x, &b) && rd_count(x.r, &rc) == 1 && rc == -1 &&
			   errno == EBADMSG &&
			   damonrec_reader_get_error_offset(x.r) == at,
			   "ref forms: %s is corrupt at the frame's offset",
			   bad[i].what);
			has_str(damonrec_reader_get_error_message(x.r), bad[i].msg,
				"ref forms: %s: message", bad[i].what);
			rd_close(&x);
		}
	}
	buf_free(&b);
}

/* Expect the last SNAPSHOT payload of @out to be @n regions coded @want. */
static bool payload_is(const struct buf *out, uint64_t nr_regions,
		       const unsigned char *want, size_t n)
{
	struct buf exp = { 0 };
	const unsigned char *pay;
	size_t len = 0, i;
	bool same;

	buf_varint(&exp, 0);
	buf_varint(&exp, zz(100000000));
	buf_varint(&exp, 1);
	buf_varint(&exp, 0);
	buf_varint(&exp, nr_regions);
	buf_put(&exp, want, n);
	pay = last_snap(out, &len);
	same = pay && len == exp.len && !memcmp(pay, exp.p, len);
	if (!same && pay) {
		printf("#   got:");
		for (i = 0; i < len && i < 48; i++)
			printf(" %02x", pay[i]);
		printf("\n#  want:");
		for (i = 0; i < exp.len && i < 48; i++)
			printf(" %02x", exp.p[i]);
		printf("\n");
	}
	buf_free(&exp);
	return same;
}

/* The writer's choice of forms: runs, their limits, reference ends. */
static void test_writer_forms(void)
{
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 }, 0 };
	struct damonrec_region ref[40], now[40];
	struct damonrec_snapshot *arr[2];
	struct series ser = { arr, 2 };
	struct buf out = { 0 };
	char why[256] = "";
	size_t i, got;
	int rc;

	/* Pages 1-20 and 100-119, one page a region, nr 1, age 3. */
	for (i = 0; i < 40; i++) {
		uint64_t pg = i < 20 ? 1 + i : 80 + i;

		ref[i] = (struct damonrec_region){ pg << 12, (pg + 1) << 12, 1, 3 };
		now[i] = ref[i];
		now[i].age = 4;
	}

	/*
	 * All 40 unchanged: NEXT 15 (from cursor 0), then a SAME run of 5
	 * that meets the hole and becomes NEXT, up to 15; then SAME 10.
	 */
	arr[0] = damonrec_snapshot_new();
	arr[1] = damonrec_snapshot_new();
	damonrec_snapshot_set_time(arr[0], 0);
	damonrec_snapshot_set_time(arr[1], 100000000);
	add_regions(arr[0], ref, 40);
	add_regions(arr[1], now, 40);
	write_series(&ser, DAMONREC_FORMAT_V3, &meta, &out);
	{
		static const unsigned char want[] = { 0xf3, 0xf3, 0x90 };

		ok(payload_is(&out, 40, want, sizeof(want)),
		   "writer forms: 40 unchanged regions over two holes take 3 tags");
	}
	got = check_series(out.p, out.len, DAMONREC_FORMAT_V3, &ser, true,
			   &rc, why, sizeof(why));
	ok(got == 2 && rc == 0, "writer forms: runs decode back (%s)", why);
	damonrec_snapshot_free(arr[1]);

	/*
	 * Merges: 14 regions (the most a tag names), 15 over the hole (a
	 * size), 9 (to the 9th end), then the last region split in two.
	 */
	{
		static const unsigned char want[] = {
			0xe2,			/* GAP to the 14th end */
			0xf1, 0x5f,		/* CONT, 95 pages */
			0x91,			/* CONT to the 9th end */
			0xf6, 0x01, 0x00,	/* GAP, 1 page, nr 0 */
			0x11,			/* CONT to the 1st end */
		};
		struct damonrec_region m[] = {
			{ 1 << 12, 15 << 12, 1, 4 },
			{ 15 << 12, 110 << 12, 1, 4 },
			{ 110 << 12, 119 << 12, 1, 4 },
			{ 150 << 12, 151 << 12, 0, 4 },
			{ 151 << 12, 152 << 12, 1, 4 },
		};

		/* The last two split a reference region of two pages. */
		ref[39].start = 150 << 12;
		ref[39].end = 152 << 12;
		damonrec_snapshot_free(arr[0]);
		arr[0] = damonrec_snapshot_new();
		damonrec_snapshot_set_time(arr[0], 0);
		add_regions(arr[0], ref, 40);
		arr[1] = damonrec_snapshot_new();
		damonrec_snapshot_set_time(arr[1], 100000000);
		add_regions(arr[1], m, 5);
		write_series(&ser, DAMONREC_FORMAT_V3, &meta, &out);
		ok(payload_is(&out, 5, want, sizeof(want)),
		   "writer forms: merges name reference ends up to the 14th, else a size");
		got = check_series(out.p, out.len, DAMONREC_FORMAT_V3, &ser,
				   true, &rc, why, sizeof(why));
		ok(got == 2 && rc == 0, "writer forms: merges decode back (%s)",
		   why);
	}
	damonrec_snapshot_free(arr[0]);
	damonrec_snapshot_free(arr[1]);
	buf_free(&out);
}

/* A copy of @s through the public API. */
static struct damonrec_snapshot *snap_copy(const struct damonrec_snapshot *s)
{
	struct damonrec_snapshot *c = damonrec_snapshot_new();
	size_t t, i;

	damonrec_snapshot_set_time(c, damonrec_snapshot_get_time(s));
	damonrec_snapshot_set_kdamond(c, damonrec_snapshot_get_kdamond(s));
	damonrec_snapshot_set_lost_before(c, damonrec_snapshot_get_lost_before(s));
	for (t = 0; t < damonrec_snapshot_get_nr_targets(s); t++) {
		const struct damonrec_target *tg = damonrec_snapshot_get_target(s, t);
		int ct = damonrec_snapshot_add_target(c, damonrec_target_get_id(tg));

		for (i = 0; i < damonrec_target_get_nr_regions(tg); i++)
			damonrec_snapshot_add_region(c, (size_t)ct,
				damonrec_target_get_region(tg, i));
	}
	return c;
}

/*
 * A record of the zigzag workload made by the driver in the test VM before
 * the reference-bound forms existed: it still decodes, and written again
 * it is at least 10 times smaller than the same snapshots in v2.
 */
static void test_legacy_record(void)
{
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 }, 0 };
	struct damonrec_snapshot *arr[200];
	struct series ser = { arr, 0 };
	const struct damonrec_snapshot *s;
	struct buf in = { 0 }, out = { 0 }, v2 = { 0 };
	char why[256] = "", chunk[4096];
	size_t n, got;
	struct rd x;
	FILE *f;
	int rc;

	f = fopen("tests/unit/data/zigzag-vm-legacy.v3", "rb");
	ok(f != NULL, "legacy record: tests/unit/data/zigzag-vm-legacy.v3 opens");
	if (!f)
		return;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&in, chunk, n);
	fclose(f);
	ok(rd_open(&x, in.p, in.len, DAMONREC_FORMAT_V3), "legacy record: reader opens");
	while (ser.n < 200 && (rc = damonrec_reader_next(x.r, &s)) == 1)
		arr[ser.n++] = snap_copy(s);
	is_int(rc, 0, "legacy record: decodes to its end");
	ok(damonrec_reader_has_end(x.r), "legacy record: END frame checked");
	is_int(ser.n, 125, "legacy record: 125 snapshots");
	meta.start_ns = damonrec_reader_get_start_time(x.r);
	rd_close(&x);

	write_series(&ser, DAMONREC_FORMAT_V3, &meta, &out);
	write_series(&ser, DAMONREC_FORMAT_V2, &meta, &v2);
	got = check_series(out.p, out.len, DAMONREC_FORMAT_V3, &ser, true,
			   &rc, why, sizeof(why));
	ok(got == 125 && rc == 0, "legacy record: written again, decodes the same (%s)",
	   why);
	ok(out.len < in.len * 3 / 5,
	   "legacy record: written again in %zu bytes, was %zu", out.len, in.len);
	ok(out.len * 10 <= v2.len,
	   "legacy record: v3 %zu bytes, at least 10 times smaller than v2's %zu",
	   out.len, v2.len);
	for (n = 0; n < ser.n; n++)
		damonrec_snapshot_free(arr[n]);
	buf_free(&in);
	buf_free(&out);
	buf_free(&v2);
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

/* Whether @s carries these intervals. */
static bool iv_is(const struct damonrec_snapshot *s, uint64_t sample,
		  uint64_t aggr, uint64_t update)
{
	struct damonrec_intervals iv;

	if (!s)
		return false;
	damonrec_snapshot_get_intervals(s, &iv);
	if (iv.sample_us == sample && iv.aggr_us == aggr &&
	    iv.update_us == update)
		return true;
	printf("#   intervals %" PRIu64 "/%" PRIu64 "/%" PRIu64
	       ", want %" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n", iv.sample_us,
	       iv.aggr_us, iv.update_us, sample, aggr, update);
	return false;
}

#define INTERVALS(b, k, s, a, u) vframe(b, 0x05, (uint64_t)(k), (uint64_t)(s), \
					(uint64_t)(a), (uint64_t)(u), END)

static void test_intervals(void)
{
	static const unsigned char doc[] = {
		0x05, 0x09, 0x00, 0xc4, 0x13, 0xd0, 0x86, 0x03, 0xc0, 0x84,
		0x3d, 0x17, 0x88, 0x1a, 0xe6,
	};
	struct damonrec_record_meta meta = { { 5000, 100000, 1000000 }, 0 };
	const struct damonrec_snapshot *s;
	struct buf b = { 0 }, out = { 0 };
	size_t at, i;
	struct rd x;
	int rc;

	/* Header intervals until a kdamond's INTERVALS frame; per kdamond. */
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	KDAMOND(&b, 1, 2);
	SNAP(&b, 0, 0, 0);
	INTERVALS(&b, 0, 2500, 50000, 1000000);
	SNAP(&b, 0, 0, 0);
	SNAP(&b, 1, 0, 0);
	KDAMOND(&b, 0, 3);
	SNAP(&b, 0, 0, 0);
	INTERVALS(&b, 1, 0, 0, 0);
	SNAP(&b, 1, 0, 0);
	vframe(&b, 0x04, (uint64_t)5, (uint64_t)0, END);
	ok(dec(&x, &b) && damonrec_reader_next(x.r, &s) == 1 &&
	   iv_is(s, 5000, 100000, 1000000),
	   "intervals: the header's before any INTERVALS frame");
	ok(damonrec_reader_next(x.r, &s) == 1 && iv_is(s, 2500, 50000, 1000000),
	   "intervals: an INTERVALS frame changes its kdamond's");
	ok(damonrec_reader_next(x.r, &s) == 1 && iv_is(s, 5000, 100000, 1000000),
	   "intervals: not another kdamond's");
	ok(damonrec_reader_next(x.r, &s) == 1 && iv_is(s, 2500, 50000, 1000000),
	   "intervals: they hold, also over a new pid");
	ok(damonrec_reader_next(x.r, &s) == 1 && iv_is(s, 0, 0, 0),
	   "intervals: zeros say unknown");
	is_int(damonrec_reader_next(x.r, &s), 0, "intervals: END agrees");
	rd_close(&x);

	/* A reader that does not know the frame skips it. */
	for (at = 64; at < b.len;) {
		const unsigned char *q = b.p + at + 1;
		uint64_t len = 0;
		unsigned int sh = 0;

		while (*q & 0x80)
			len |= (uint64_t)(*q++ & 0x7f) << (sh += 7, sh - 7);
		len |= (uint64_t)*q++ << sh;
		if (b.p[at] == 0x05) {
			size_t n = (size_t)(q - b.p) + len - at;
			uint32_t crc;

			b.p[at] = 0x7d;
			crc = ref_crc32(b.p + at, n);
			for (i = 0; i < 4; i++)
				b.p[at + n + i] = (unsigned char)(crc >> (8 * i));
		}
		at = (size_t)(q - b.p) + len + 4;
	}
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 5 && rc == 0,
	   "intervals: as an unknown frame type, skipped");
	rd_close(&x);

	/* Corrupt INTERVALS frames. */
	b.len = 0;
	header(&b, 0, 12, 64);
	INTERVALS(&b, 0, 1, 2, 3);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG &&
	   strstr(damonrec_reader_get_error_message(x.r), "INTERVALS"),
	   "intervals: before its KDAMOND is corrupt");
	rd_close(&x);
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	vframe(&b, 0x05, (uint64_t)0, (uint64_t)1, (uint64_t)2, (uint64_t)3,
	       (uint64_t)4, END);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "intervals: bytes after the fields are corrupt");
	rd_close(&x);
	b.len = 0;
	header(&b, 0, 12, 64);
	KDAMOND(&b, 0, 1);
	vframe(&b, 0x05, (uint64_t)0, (uint64_t)1, END);
	ok(dec(&x, &b) && rd_count(x.r, &rc) == 0 && rc == -1 &&
	   errno == EBADMSG, "intervals: a short payload is corrupt");
	rd_close(&x);

	/*
	 * The writer: a frame where a kdamond's known intervals change, the
	 * very bytes of RECORD-FORMAT.md's example; none for unchanged or
	 * unknown ones.
	 */
	{
		struct damonrec_intervals tuned = { 2500, 50000, 1000000 };
		struct damonrec_intervals none = { 0, 0, 0 };
		struct damonrec_snapshot *arr[5];
		struct series ser = { arr, 5 };
		size_t nframes = 0;

		for (i = 0; i < 5; i++) {
			arr[i] = damonrec_snapshot_new();
			damonrec_snapshot_set_time(arr[i], (int64_t)i * 1000);
		}
		damonrec_snapshot_set_intervals(arr[0], &meta.intervals);
		damonrec_snapshot_set_intervals(arr[1], &tuned);
		damonrec_snapshot_set_intervals(arr[2], &tuned);
		damonrec_snapshot_set_intervals(arr[3], &none);
		damonrec_snapshot_set_intervals(arr[4], &meta.intervals);
		ok(!write_series(&ser, DAMONREC_FORMAT_V3, &meta, &out),
		   "intervals: writer writes");
		for (at = 64; at + sizeof(doc) <= out.len; at++)
			if (!memcmp(out.p + at, doc, sizeof(doc)))
				nframes++;
		is_u64(nframes, 1, "intervals: the writer's frame is the document's example");
		ok(dec(&x, &out) && damonrec_reader_next(x.r, &s) == 1 &&
		   iv_is(s, 5000, 100000, 1000000) &&
		   damonrec_reader_next(x.r, &s) == 1 &&
		   iv_is(s, 2500, 50000, 1000000) &&
		   damonrec_reader_next(x.r, &s) == 1 &&
		   iv_is(s, 2500, 50000, 1000000) &&
		   damonrec_reader_next(x.r, &s) == 1 &&
		   iv_is(s, 2500, 50000, 1000000) &&
		   damonrec_reader_next(x.r, &s) == 1 &&
		   iv_is(s, 5000, 100000, 1000000) &&
		   damonrec_reader_next(x.r, &s) == 0,
		   "intervals: read back as written (unknown ones keep the last)");
		rd_close(&x);
		for (i = 0; i < 5; i++)
			damonrec_snapshot_free(arr[i]);
	}
	buf_free(&b);
	buf_free(&out);
}

int main(void)
{
	test_doc_example();
	test_doc_example_ref();
	test_header();
	test_reference_rules();
	test_ref_forms();
	test_writer_forms();
	test_legacy_record();
	test_frames();
	test_truncation();
	test_writer();
	test_intervals();
	return tap_done();
}
