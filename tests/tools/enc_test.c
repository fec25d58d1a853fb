// SPDX-License-Identifier: GPL-2.0
/*
 * enc_test - the driver's record encoders, run on the host
 *
 * Builds driver/damon_rec_enc.c in user space (with the stand-in kernel
 * headers of tests/tools/kshim) and drives it as damon_rec_snap.c does:
 *
 *   enc_test --example
 *       prints, in hex, the SNAPSHOT frames of lib/RECORD-FORMAT.md's
 *       two examples, encoded by the driver's code
 *
 *   enc_test --frames FILE
 *       prints the SNAPSHOT frames of the format 3 record FILE, one a line,
 *       in hex (to compare the driver's frames with libdamonrec's)
 *
 *   enc_test --seed N --out PREFIX [--snapshots N]
 *       makes up a recording - kdamonds, targets, regions that stay, move,
 *       split and merge, aligned or not, runs of unchanged regions longer
 *       than a tag holds, large counts and ages that wrap, snapshots
 *       dropped - and writes it as the driver would in format 3
 *       (PREFIX.v3) and format 2 (PREFIX.v2), plus what a decoder must
 *       find in them, in the layout of "reccheck --dump" (PREFIX.v3.txt,
 *       PREFIX.v2.txt: format 2 has no kdamond and no age)
 *
 * The checks are made by the caller (tests/suites/16-driver-encoder.sh),
 * which decodes the files with reccheck and with libdamonrec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../driver/damon_rec_enc.c"

#define MAX_REGIONS	300
#define MAX_TARGETS	3
#define MAX_KDAMONDS	3

static unsigned long long rng_state;

static unsigned long long rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned long long below(unsigned long long n)
{
	return n ? rnd() % n : 0;
}

static int chance(int percent)
{
	return (int)below(100) < percent;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* One kdamond's state: its last written snapshot is the reference. */
struct kd {
	struct drec_snap last;
	int has_last;
	int idx;		/* index in the file, -1 before its first frame */
	unsigned long long lost;
	int idx4;		/* the same in format 4 */
	unsigned long long lost4;
	struct drec_rc_model model;	/* format 4 */
	struct drec_intervals iv;	/* the kdamond's intervals now */
	struct drec_intervals file_iv;	/* those in force in the file */
	struct drec_intervals file_iv4;	/* the same in format 4 */
};

static struct drec_region regions_buf[MAX_KDAMONDS][2][MAX_TARGETS * MAX_REGIONS];
static struct drec_target targets_buf[MAX_KDAMONDS][2][MAX_TARGETS];

/* A fresh list of regions for one target, sorted, non-empty, no overlap. */
static unsigned int fresh_regions(struct drec_region *r)
{
	unsigned int n = 1 + below(chance(20) ? MAX_REGIONS : 40), i;
	unsigned long long a;

	/* Low, middle, or near the top of the 64-bit space. */
	switch (below(3)) {
	case 0: a = below(1ULL << 32); break;
	case 1: a = 0x7f0000000000ULL + below(1ULL << 40); break;
	default: a = ~0ULL - (1ULL << 40) + below(1ULL << 20); break;
	}
	if (chance(80))
		a &= ~4095ULL;
	for (i = 0; i < n; i++) {
		unsigned long long size = (1 + below(64)) << 12;

		if (chance(5))
			size += 1 + below(4095);	/* unaligned */
		if (chance(15))
			a += (1 + below(1000)) << 12;	/* a gap */
		if (a + size < a || ~0ULL - (a + size) < (1ULL << 30))
			break;
		r[i].start = a;
		r[i].end = a + size;
		r[i].nr_accesses = chance(5) ? (unsigned int)rnd() :
				   (unsigned int)below(21);
		r[i].age = chance(3) ? 0xffffffffU - (unsigned int)below(2) :
			   (unsigned int)below(50);
		a += size;
	}
	return i ? i : 1;
}

/*
 * The next snapshot of a target from its last one: most regions stay (age
 * plus one, same count), some change counts, split, merge (with the next
 * one or, rarely, with many, over holes too) or vanish, leaving a hole.
 */
static unsigned int evolve(const struct drec_region *old, unsigned int n,
			   struct drec_region *r)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && k < MAX_REGIONS - 2; i++) {
		struct drec_region x = old[i];

		x.age++;
		if (chance(10)) {
			x.nr_accesses = (unsigned int)below(21);
			x.age = chance(50) ? 0 : (unsigned int)below(9);
		}
		if (chance(3) && i + 1 < n) {
			/* Gone: the next region starts after a hole. */
			continue;
		} else if (chance(8) && x.end - x.start >= 2 * 4096) {
			/* Split, at a page boundary or not. */
			unsigned long long mid = x.start + 4096 *
				(1 + below((x.end - x.start) / 4096 - 1));

			if (chance(10))
				mid -= 1 + below(100);
			r[k] = x;
			r[k].end = mid;
			r[k].age = 0;
			k++;
			x.start = mid;
			x.age = 0;
			x.nr_accesses = (unsigned int)below(21);
		} else if (chance(2) && i + 2 < n) {
			/* Merge with up to 20 next ones, holes or not. */
			i += 1 + below(n - i - 1 < 20 ? n - i - 1 : 20);
			x.end = old[i].end;
			x.age = (unsigned int)below(5);
		} else if (chance(8) && i + 1 < n && old[i + 1].start == x.end) {
			/* Merge with the next one. */
			x.end = old[++i].end;
			x.age = (unsigned int)below(5);
		} else if (chance(3) && x.end - x.start >= 2 * 4096) {
			/* Starts later: a hole opens before it. */
			x.start += 4096 * (1 + below((x.end - x.start) / 4096 - 1));
		}
		r[k++] = x;
	}
	return k ? k : fresh_regions(r);
}

static void put(FILE *f, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, f) != n)
		die("write");
}

static void dump(FILE *f, const struct drec_snap *s, unsigned int kd,
		 unsigned long long idx, long long t_ns, int v2)
{
	unsigned int t, i;

	fprintf(f, "snapshot %llu kdamond %u time %lld.%09lld targets %u\n",
		idx, v2 ? 0 : kd, t_ns / 1000000000, t_ns % 1000000000,
		s->nr_targets);
	for (t = 0; t < s->nr_targets; t++) {
		const struct drec_target *tg = &s->targets[t];

		fprintf(f, "  target %u regions %u\n", tg->id, tg->nr_regions);
		for (i = 0; i < tg->nr_regions; i++) {
			const struct drec_region *r = &s->regions[tg->first + i];

			fprintf(f, "    %#llx-%#llx %u %u\n",
				(unsigned long long)r->start,
				(unsigned long long)r->end, r->nr_accesses,
				v2 ? 0 : r->age);
		}
	}
}

/*
 * The frames that precede a kdamond's frame, as damon_rec_snap.c has them;
 * @s: the snapshot that follows, NULL at the end of the record.
 */
static void pre_frames(FILE *f, struct kd *k, int *next_idx, int pid,
		       const struct drec_snap *s)
{
	u8 payload[3 * DREC_VARINT_MAX], frame[64], *p;

	if (k->idx < 0) {
		k->idx = (*next_idx)++;
		p = drec_put_varint(payload, k->idx);
		p = drec_put_varint(p, pid);
		put(f, frame, drec_v3_frame(frame, DREC_V3_FRAME_KDAMOND,
					    payload, p - payload));
	}
	if (k->lost) {
		p = drec_put_varint(payload, k->idx);
		p = drec_put_varint(p, k->lost);
		p = drec_put_varint(p, 1);
		put(f, frame, drec_v3_frame(frame, DREC_V3_FRAME_LOST,
					    payload, p - payload));
		k->lost = 0;
	}
	if (s && drec_intervals_known(&s->iv) &&
	    memcmp(&s->iv, &k->file_iv, sizeof(s->iv))) {
		u8 ivp[DREC_INTERVALS_PAYLOAD_MAX];

		put(f, frame, drec_v3_frame(frame, DREC_V3_FRAME_INTERVALS, ivp,
					    drec_intervals_payload(ivp, k->idx,
								   &s->iv)));
		k->file_iv = s->iv;
	}
}

/* The same in format 4, counted into the group @g. */
static void pre_frames4(FILE *f, struct kd *k, int *next_idx,
			struct drec_v4_group *g, int pid,
			const struct drec_snap *s)
{
	u8 payload[3 * DREC_VARINT_MAX], frame[64], *p;

	if (k->idx4 < 0) {
		k->idx4 = (*next_idx)++;
		p = drec_put_varint(payload, k->idx4);
		p = drec_put_varint(p, pid);
		put(f, frame, drec_v4_frame(frame, g, DREC_V3_FRAME_KDAMOND,
					    payload, p - payload));
	}
	if (k->lost4) {
		p = drec_put_varint(payload, k->idx4);
		p = drec_put_varint(p, k->lost4);
		p = drec_put_varint(p, 1);
		put(f, frame, drec_v4_frame(frame, g, DREC_V3_FRAME_LOST,
					    payload, p - payload));
		k->lost4 = 0;
	}
	if (s && drec_intervals_known(&s->iv) &&
	    memcmp(&s->iv, &k->file_iv4, sizeof(s->iv))) {
		u8 ivp[DREC_INTERVALS_PAYLOAD_MAX];

		put(f, frame, drec_v4_frame(frame, g, DREC_V3_FRAME_INTERVALS,
					    ivp, drec_intervals_payload(ivp,
							k->idx4, &s->iv)));
		k->file_iv4 = s->iv;
	}
}

/* Print the SNAPSHOT frames of a format 3 or 4 record, one a line, in hex. */
static int frames(const char *path)
{
	static unsigned char buf[1 << 24];
	size_t n, off = DREC_V3_HDR_LEN;
	FILE *f = fopen(path, "rb");

	if (!f)
		die(path);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n < off || n == sizeof(buf)) {
		fprintf(stderr, "enc_test: %s: bad size\n", path);
		return 1;
	}
	while (off < n) {
		unsigned long long len = 0;
		size_t p = off + 1, i, end;
		int shift = 0;

		do {
			if (p >= n || shift > 28) {
				fprintf(stderr, "enc_test: %s: bad frame at %zu\n",
					path, off);
				return 1;
			}
			len |= (unsigned long long)(buf[p] & 0x7f) << shift;
			shift += 7;
		} while (buf[p++] & 0x80);
		end = p + len + (buf[16] == DREC_V4_VERSION ? 0 : 4);
		if (end > n) {
			fprintf(stderr, "enc_test: %s: frame at %zu cut short\n",
				path, off);
			return 1;
		}
		if (buf[off] == DREC_V3_FRAME_SNAPSHOT ||
		    buf[off] == DREC_V3_FRAME_INTERVALS) {
			for (i = off; i < end; i++)
				printf("%02x", buf[i]);
			putchar('\n');
		}
		off = end;
	}
	return 0;
}

/* Encode @s (against @ref) as a SNAPSHOT frame of kdamond 0 into @frame. */
static size_t example_frame(u8 *frame, const struct drec_snap *s,
			    const struct drec_snap *ref, s64 delta)
{
	u8 codes[256], payload[300], *p;
	size_t n;

	n = drec_v3_encode_targets(codes, s, ref);
	p = drec_put_varint(payload, 0);
	p = drec_put_svarint(p, delta);
	p = drec_put_varint(p, s->nr_targets);
	memcpy(p, codes, n);
	return drec_v3_frame(frame, DREC_V3_FRAME_SNAPSHOT, payload,
			     p + n - payload);
}

/* Both examples of RECORD-FORMAT.md, their frames' bytes on one line. */
static void example(void)
{
	struct drec_region r[2] = {
		{ 0x7f0000000000ULL, 0x7f0000200000ULL, 5, 3 },
		{ 0x7f0000200000ULL, 0x7f0000400000ULL, 0, 0 },
	};
	struct drec_region ref_r[6] = {
		{ 0x400000, 0x600000, 0, 4 },
		{ 0x600000, 0x800000, 0, 4 },
		{ 0x800000, 0xa00000, 2, 1 },
		{ 0x7f0000000000ULL, 0x7f0000200000ULL, 0, 7 },
		{ 0x7f0000200000ULL, 0x7f0000400000ULL, 0, 3 },
		{ 0x7ffc00000000ULL, 0x7ffc00021000ULL, 1, 2 },
	};
	struct drec_region now_r[6] = {
		{ 0x400000, 0x600000, 0, 5 },
		{ 0x600000, 0x800000, 0, 5 },
		{ 0x800000, 0x900000, 2, 2 },
		{ 0x900000, 0xa00000, 3, 0 },
		{ 0x7f0000000000ULL, 0x7f0000400000ULL, 0, 5 },
		{ 0x7ffc00000000ULL, 0x7ffc00010000ULL, 1, 3 },
	};
	struct drec_target t = { 0, 2, 0 }, t6 = { 0, 6, 0 };
	struct drec_snap s = { r, &t, 2, 1, 2, 1, { 0, 0 }, { 0, 0, 0 } };
	struct drec_snap ref = { ref_r, &t6, 6, 1, 6, 1, { 0, 0 }, { 0, 0, 0 } };
	struct drec_snap now = { now_r, &t6, 6, 1, 6, 1, { 0, 0 }, { 0, 0, 0 } };
	/* Tuned to 2.5 ms sampling, 50 ms aggregation; updates each second. */
	struct drec_intervals iv = { 2500, 50000, 1000000 };
	u8 ivp[DREC_INTERVALS_PAYLOAD_MAX];
	u8 frame[400];
	size_t n, i;

	n = example_frame(frame, &s, NULL, 10000000);
	for (i = 0; i < n; i++)
		printf("%02x ", frame[i]);
	n = example_frame(frame, &now, &ref, 100000000);
	for (i = 0; i < n; i++)
		printf("%02x ", frame[i]);
	n = drec_v3_frame(frame, DREC_V3_FRAME_INTERVALS, ivp,
			  drec_intervals_payload(ivp, 0, &iv));
	for (i = 0; i < n; i++)
		printf("%02x%s", frame[i], i + 1 < n ? " " : "\n");
}

int main(int argc, char **argv)
{
	static u8 scratch[MAX_TARGETS * (10 + MAX_REGIONS * 31)];
	/* Unknown intervals: counts and times are made up. */
	struct damon_rec_start st = { 0 };
	unsigned long long nsnap = 200, written = 0, lost = 0, i;
	long long start_ns = 1700000000000000000LL, t_ns, prev_ns;
	struct kd kds[MAX_KDAMONDS] = { 0 };
	const char *out = NULL;
	unsigned int nkd, cur[MAX_KDAMONDS] = { 0 };
	int next_idx = 0, next_idx4 = 0;
	FILE *f3, *f4, *f2, *d3, *d2;
	struct drec_v4_group grp;
	u64 prev_delta = 0;
	char path[4096];
	u8 hdr[DREC_V3_HDR_LEN];
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--example")) {
			example();
			return 0;
		} else if (!strcmp(argv[a], "--frames") && a + 1 < argc) {
			return frames(argv[a + 1]);
		} else if (!strcmp(argv[a], "--seed") && a + 1 < argc) {
			rng_state = strtoull(argv[++a], NULL, 0) * 0x9e3779b9ULL + 1;
		} else if (!strcmp(argv[a], "--out") && a + 1 < argc) {
			out = argv[++a];
		} else if (!strcmp(argv[a], "--snapshots") && a + 1 < argc) {
			nsnap = strtoull(argv[++a], NULL, 0);
		} else {
			fprintf(stderr, "usage: enc_test --example | --frames FILE | --seed N --out PREFIX [--snapshots N]\n");
			return 2;
		}
	}
	if (!out || !rng_state) {
		fprintf(stderr, "enc_test: give --seed and --out\n");
		return 2;
	}

#define OPEN(fp, ext) do {						\
	snprintf(path, sizeof(path), "%s%s", out, ext);			\
	fp = fopen(path, "w");						\
	if (!fp)							\
		die(path);						\
} while (0)
	OPEN(f3, ".v3");
	OPEN(f4, ".v4");
	OPEN(f2, ".v2");
	OPEN(d3, ".v3.txt");
	OPEN(d2, ".v2.txt");

	drec_v3_header(hdr, &st, start_ns, DREC_V3_FLAG_AGE, 3);
	put(f3, hdr, DREC_V3_HDR_LEN);
	drec_v3_header(hdr, &st, start_ns, DREC_V3_FLAG_AGE, DREC_V4_VERSION);
	put(f4, hdr, DREC_V3_HDR_LEN);
	drec_v4_group_init(&grp);
	drec_v2_header(hdr);
	put(f2, hdr, DREC_V2_HDR_LEN);

	nkd = 1 + below(MAX_KDAMONDS);
	for (a = 0; a < MAX_KDAMONDS; a++) {
		kds[a].idx = -1;
		kds[a].idx4 = -1;
		drec_v4_model_init(&kds[a].model);
		/* The header's (unknown), then known intervals, or not. */
		if (chance(80))
			kds[a].iv = (struct drec_intervals){
				1000 + below(10000), 100000, 1000000,
			};
	}
	t_ns = prev_ns = start_ns;
	for (i = 0; i < nsnap; i++) {
		unsigned int kd = below(nkd), nt = 1 + below(MAX_TARGETS);
		struct kd *k = &kds[kd];
		struct drec_snap *s;
		unsigned int t, id = 0;
		size_t len;

		/* Fill the kdamond's free snapshot slot. */
		s = &(struct drec_snap){ 0 };
		s->regions = regions_buf[kd][cur[kd]];
		s->targets = targets_buf[kd][cur[kd]];
		t_ns += 50000000 + below(100000000);
		s->ts.tv_sec = t_ns / 1000000000;
		s->ts.tv_nsec = t_ns % 1000000000;
		/* Tuned (sampling, and aggregation with it), or unknown. */
		if (chance(5)) {
			k->iv.sample_us = 100 + below(chance(5) ? 1ULL << 40 :
						      20000);
			k->iv.aggr_us = k->iv.sample_us * 20;
		}
		s->iv = chance(2) ? (struct drec_intervals){ 0, 0, 0 } : k->iv;
		for (t = 0; t < nt; t++) {
			const struct drec_target *old = NULL;
			unsigned int j, n;

			id += below(3);
			if (k->has_last)
				for (j = 0; j < k->last.nr_targets; j++)
					if (k->last.targets[j].id == id)
						old = &k->last.targets[j];
			if (old && chance(90))
				n = evolve(&k->last.regions[old->first],
					   old->nr_regions,
					   &s->regions[s->nr_regions]);
			else
				n = fresh_regions(&s->regions[s->nr_regions]);
			s->targets[t].id = id;
			s->targets[t].nr_regions = n;
			s->targets[t].first = s->nr_regions;
			s->nr_regions += n;
			s->nr_targets++;
			id++;
		}

		/*
		 * Dropped: neither written nor a reference.  In format 4, as
		 * when the buffer is full at commit, the models may have coded
		 * it already.
		 */
		if (chance(5)) {
			k->lost++;
			k->lost4++;
			lost++;
			if (chance(50) &&
			    !drec_v4_encode_targets(scratch, sizeof(scratch), s,
						    k->has_last ? &k->last : NULL,
						    &k->model, &len))
				abort();
			continue;
		}

		/* Format 4, framed as damon_rec_snap.c does. */
		{
			u8 head[1 + DREC_VARINT_MAX], pfx[3 * DREC_VARINT_MAX];
			u8 *p, tail[DREC_V4_CHECK_LEN];
			u64 delta;
			size_t hl, tl;

			if (k->lost4)
				drec_v4_model_init(&k->model);
			if (!drec_v4_encode_targets(scratch, sizeof(scratch), s,
						    k->has_last ? &k->last : NULL,
						    &k->model, &len))
				abort();
			pre_frames4(f4, k, &next_idx4, &grp, 100 + kd, s);
			delta = t_ns - prev_ns;
			p = drec_put_varint(pfx, k->idx4);
			p = drec_put_svarint(p, (s64)(delta - prev_delta));
			prev_delta = delta;
			head[0] = DREC_V3_FRAME_SNAPSHOT;
			hl = drec_put_varint(head + 1, (p - pfx) + len) - head;
			drec_v4_account(tail, &grp, 0, head, hl);
			drec_v4_account(tail, &grp, 0, pfx, p - pfx);
			tl = drec_v4_account(tail, &grp, DREC_V3_FRAME_SNAPSHOT,
					     scratch, len);
			put(f4, head, hl);
			put(f4, pfx, p - pfx);
			put(f4, scratch, len);
			put(f4, tail, tl);
		}

		/* Format 3, framed as damon_rec_snap.c does. */
		{
			u8 head[1 + DREC_VARINT_MAX], pfx[3 * DREC_VARINT_MAX];
			u8 *p, tail[4];
			size_t hl;
			u32 crc;

			if (drec_enc_bound(DAMON_REC_FMT_V3, s) > sizeof(scratch))
				abort();
			len = drec_v3_encode_targets(scratch, s,
						     k->has_last ? &k->last : NULL);
			pre_frames(f3, k, &next_idx, 100 + kd, s);
			p = drec_put_varint(pfx, k->idx);
			p = drec_put_svarint(p, t_ns - prev_ns);
			p = drec_put_varint(p, s->nr_targets);
			head[0] = DREC_V3_FRAME_SNAPSHOT;
			hl = drec_put_varint(head + 1, (p - pfx) + len) - head;

			crc = drec_crc32(~0U, head, hl);
			crc = drec_crc32(crc, pfx, p - pfx);
			crc = ~drec_crc32(crc, scratch, len);
			drec_put_le32(tail, crc);
			put(f3, head, hl);
			put(f3, pfx, p - pfx);
			put(f3, scratch, len);
			put(f3, tail, 4);
			prev_ns = t_ns;
		}
		/* Format 2. */
		{
			s64 sec = s->ts.tv_sec, nsec = s->ts.tv_nsec;

			put(f2, &sec, 8);
			put(f2, &nsec, 8);
			put(f2, &s->nr_targets, 4);
			len = drec_v2_encode_targets(scratch, s);
			put(f2, scratch, len);
		}
		dump(d3, s, k->idx, written, t_ns, 0);
		dump(d2, s, kd, written, t_ns, 1);
		written++;

		/* This snapshot is now the kdamond's reference. */
		k->last = *s;
		k->has_last = 1;
		cur[kd] = !cur[kd];
	}

	/* The end, as drec_commit_tail() writes it. */
	for (a = 0; a < (int)nkd; a++) {
		if (kds[a].lost4)
			pre_frames4(f4, &kds[a], &next_idx4, &grp, 100 + a,
				    NULL);
		if (kds[a].lost)
			pre_frames(f3, &kds[a], &next_idx, 100 + a, NULL);
	}
	{
		u8 payload[2 * DREC_VARINT_MAX], frame[64], *p;

		p = drec_put_varint(payload, written);
		p = drec_put_varint(p, lost);
		put(f3, frame, drec_v3_frame(frame, DREC_V3_FRAME_END, payload,
					     p - payload));
		put(f4, frame, drec_v4_frame(frame, &grp, DREC_V3_FRAME_END,
					     payload, p - payload));
	}
	if (fclose(f3) || fclose(f4) || fclose(f2) || fclose(d3) ||
	    fclose(d2))
		die("close");
	printf("enc_test: %llu snapshots written, %llu dropped, %u kdamonds\n",
	       written, lost, nkd);
	return 0;
}
