/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon_rec_enc.h - the record encoders of the recorder (formats 2 and 3)
 *
 * What damon_rec_enc.c needs and provides, and nothing else, so that the
 * encoders also build in user space for the host tests
 * (tests/tools/enc_test.c).
 */
#ifndef _DAMON_REC_ENC_H
#define _DAMON_REC_ENC_H

#include <linux/time64.h>
#include <linux/types.h>
#include <linux/damon_rec.h>

/* v3 constants (lib/RECORD-FORMAT.md). */
#define DREC_V3_HDR_LEN		64
#define DREC_V3_ADDR_SHIFT	12
#define DREC_V3_FRAME_SNAPSHOT	0x01
#define DREC_V3_FRAME_LOST	0x02
#define DREC_V3_FRAME_KDAMOND	0x03
#define DREC_V3_FRAME_END	0x04
#define DREC_V3_FRAME_INTERVALS	0x05
#define DREC_V4_FRAME_CHECK	0x06
#define DREC_V4_VERSION		4
#define DREC_V4_GROUP_SNAPSHOTS	16
#define DREC_V4_GROUP_BYTES	(64 * 1024)
#define DREC_V4_CHECK_LEN	6
#define DREC_V3_FRAME_MAX	(64 * 1024 * 1024)
/* v3 header flags. */
#define DREC_V3_FLAG_AGE	0x0001
#define DREC_V2_HDR_LEN		20
#define DREC_V2_SNAP_HDR_LEN	20

/* Reasons of a v3 LOST frame. */
enum drec_lost_reason {
	DREC_LOST_FULL = 1,
	DREC_LOST_NOMEM = 2,
	DREC_LOST_ERROR = 3,
};

/* Longest varint. */
#define DREC_VARINT_MAX		10

/**
 * struct drec_region - one region of a snapshot
 * @start: start address.
 * @end: end address (exclusive).
 * @nr_accesses: DAMON's nr_accesses.
 * @age: DAMON's age, 0 where the kernel has none.
 */
struct drec_region {
	u64 start;
	u64 end;
	u32 nr_accesses;
	u32 age;
};

/**
 * struct drec_target - one target of a snapshot
 * @id: index of the target in its DAMON context.
 * @nr_regions: regions announced by the events (their nr_regions).
 * @first: index of its first region in &drec_snap.regions.
 */
struct drec_target {
	u32 id;
	u32 nr_regions;
	u32 first;
};

/**
 * struct drec_intervals - DAMON intervals in microseconds, 0 when unknown
 * @sample_us: sampling interval.
 * @aggr_us: aggregation interval.
 * @update_us: operations update interval.
 */
struct drec_intervals {
	u64 sample_us;
	u64 aggr_us;
	u64 update_us;
};

/* Bytes of an INTERVALS payload at most, and of the whole v3 frame. */
#define DREC_INTERVALS_PAYLOAD_MAX	(4 * DREC_VARINT_MAX)
#define DREC_V3_INTERVALS_MAX	(1 + 1 + DREC_INTERVALS_PAYLOAD_MAX + 4)

/**
 * struct drec_snap - a snapshot, as assembled or as last committed
 * @regions: regions of every target, target after target.
 * @targets: the targets.
 * @regions_cap: capacity of @regions.
 * @targets_cap: capacity of @targets.
 * @nr_regions: regions stored.
 * @nr_targets: targets stored.
 * @ts: CLOCK_REALTIME when the snapshot's first event arrived.
 * @iv: the kdamond's intervals when it was taken (zeros: unknown).
 */
struct drec_snap {
	struct drec_region *regions;
	struct drec_target *targets;
	u32 regions_cap;
	u32 targets_cap;
	u32 nr_regions;
	u32 nr_targets;
	struct timespec64 ts;
	struct drec_intervals iv;
};

/* Little-endian stores, byte by byte: no alignment needed. */
static inline void drec_put_le16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void drec_put_le32(u8 *p, u32 v)
{
	drec_put_le16(p, v);
	drec_put_le16(p + 2, v >> 16);
}

static inline void drec_put_le64(u8 *p, u64 v)
{
	drec_put_le32(p, v);
	drec_put_le32(p + 4, v >> 32);
}

u8 *drec_put_varint(u8 *p, u64 v);
unsigned int drec_varint_len(u64 v);
u8 *drec_put_svarint(u8 *p, s64 v);
u32 drec_crc32(u32 crc, const void *p, size_t len);
void drec_v2_header(u8 *hdr);
void drec_v3_header(u8 *hdr, const struct damon_rec_start *st, u64 start_ns,
		    u16 flags, u32 version);
size_t drec_enc_bound(u32 format, const struct drec_snap *s);
size_t drec_v2_encode_targets(u8 *p, const struct drec_snap *s);
size_t drec_v3_encode_targets(u8 *p, const struct drec_snap *s,
			      const struct drec_snap *ref);
size_t drec_v3_frame(u8 *out, u8 type, const u8 *payload, size_t len);
bool drec_intervals_known(const struct drec_intervals *iv);
size_t drec_intervals_payload(u8 *out, u32 idx,
			      const struct drec_intervals *iv);

struct drec_rc_model;
void drec_v4_model_init(struct drec_rc_model *m);
size_t drec_v4_model_size(void);
bool drec_v4_encode_targets(u8 *p, size_t room, const struct drec_snap *s,
			    const struct drec_snap *ref,
			    struct drec_rc_model *m, size_t *len);

/**
 * struct drec_v4_group - the group of frames being written (version 4)
 * @crc: running (uncomplemented) CRC-32 of its bytes.
 * @bytes: its bytes so far.
 * @snaps: its SNAPSHOT frames so far.
 */
struct drec_v4_group {
	u32 crc;
	u32 bytes;
	u32 snaps;
};

void drec_v4_group_init(struct drec_v4_group *g);
size_t drec_v4_frame(u8 *out, struct drec_v4_group *g, u8 type,
		     const u8 *payload, size_t len);
size_t drec_v4_account(u8 *check, struct drec_v4_group *g, u8 type,
		       const u8 *p, size_t len);

#endif /* _DAMON_REC_ENC_H */
