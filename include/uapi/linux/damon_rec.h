/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * damon_rec: record DAMON aggregated access snapshots through /dev/damon_rec
 *
 * Every structure here has fixed-width fields, natural alignment and
 * explicit padding.  Padding and reserved fields must be zero on input;
 * the driver fails the ioctl with EINVAL otherwise, so that they can be
 * given a meaning later.  Start with DAMON_REC_IOC_GET_INFO to learn the
 * API version, the formats and the features the running driver supports.
 */
#ifndef _UAPI_LINUX_DAMON_REC_H
#define _UAPI_LINUX_DAMON_REC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DAMON_REC_API_VERSION	1

/* Buffer size bounds, in bytes (those of the original debugfs record file). */
#define DAMON_REC_MIN_BUF_LEN	1024
#define DAMON_REC_MAX_BUF_LEN	(4 * 1024 * 1024)
#define DAMON_REC_DEF_BUF_LEN	(1024 * 1024)

/* Record formats (values of DAMON_REC_IOC_SET_FORMAT). */
#define DAMON_REC_FMT_V2	2	/* seed-compatible, host byte order */
#define DAMON_REC_FMT_V3	3	/* self-describing, compact, checksummed */
#define DAMON_REC_FMT_V4	4	/* v3, range-coded, a CRC per group */

/* Feature bits of struct damon_rec_info.features. */
#define DAMON_REC_FEAT_DAMON	(1ULL << 0)	/* damon_aggregated found */
#define DAMON_REC_FEAT_STREAM	(1ULL << 1)	/* read() streams a record */
#define DAMON_REC_FEAT_OUT_FD	(1ULL << 2)	/* SET_OUTPUT_FD works */
#define DAMON_REC_FEAT_AGE	(1ULL << 3)	/* regions carry their age */
#define DAMON_REC_FEAT_POLL	(1ULL << 4)	/* poll() on a stream */

/**
 * struct damon_rec_info - what the driver supports (DAMON_REC_IOC_GET_INFO)
 * @api_version: in: 0 or the DAMON_REC_API_VERSION the caller was built
 *	against (EINVAL if the driver does not speak it); out: the driver's.
 * @flags: in: must be 0.
 * @features: out: DAMON_REC_FEAT_* bits.
 * @formats: out: bit N set when DAMON_REC_FMT value N is supported.
 * @min_buf_len: out: DAMON_REC_MIN_BUF_LEN.
 * @max_buf_len: out: DAMON_REC_MAX_BUF_LEN.
 * @max_path_len: out: longest output path accepted, NUL included.
 * @tp_proto: out: damon_aggregated signature the driver was built for:
 *	1 for 5.15, 2 for 5.17 to 6.6, 3 for 6.7 and later, 0 without DAMON.
 * @pad: must be 0.
 * @reserved: must be 0.
 */
struct damon_rec_info {
	__u32 api_version;
	__u32 flags;
	__u64 features;
	__u32 formats;
	__u32 min_buf_len;
	__u32 max_buf_len;
	__u32 max_path_len;
	__u32 tp_proto;
	__u32 pad;
	__u64 reserved[4];
};

/**
 * struct damon_rec_path - an output path (DAMON_REC_IOC_SET/GET_PATH)
 * @path: pointer to the path bytes.  SET: a NUL-terminated path, absolute
 *	or relative to the caller's working directory; an empty string clears
 *	the path.  GET: a buffer of @len bytes that receives the absolute path.
 * @len: SET: size of the buffer at @path (at most max_path_len); GET: in,
 *	the buffer size, out: the path's length with its NUL (ERANGE if the
 *	buffer is too small, with @len set to the size needed).
 * @flags: must be 0.
 */
struct damon_rec_path {
	__u64 path;
	__u32 len;
	__u32 flags;
};

/**
 * struct damon_rec_start - start a recording (DAMON_REC_IOC_START)
 * @flags: must be 0.
 * @pad: must be 0.
 * @sample_us: DAMON sampling interval, written to the v3 header (0: unknown).
 * @aggr_us: DAMON aggregation interval (0: unknown).
 * @update_us: DAMON operations update interval (0: unknown).
 * @reserved: must be 0.
 *
 * The output is, in order of preference: the file set with
 * DAMON_REC_IOC_SET_OUTPUT_FD, the path set with DAMON_REC_IOC_SET_PATH
 * (opened now, with the caller's credentials, O_NOFOLLOW, created 0600 and
 * truncated), or else the stream that read() returns.
 */
struct damon_rec_start {
	__u32 flags;
	__u32 pad;
	__u64 sample_us;
	__u64 aggr_us;
	__u64 update_us;
	__u64 reserved[2];
};

/* States of struct damon_rec_status.state. */
#define DAMON_REC_STATE_IDLE		0	/* never started or stopped */
#define DAMON_REC_STATE_RECORDING	1
#define DAMON_REC_STATE_FAILED		2	/* stopped by a write error */

/* Where the current or last recording goes (damon_rec_status.output). */
#define DAMON_REC_OUT_NONE	0
#define DAMON_REC_OUT_PATH	1
#define DAMON_REC_OUT_FD	2
#define DAMON_REC_OUT_STREAM	3

/**
 * struct damon_rec_status - counters of the current or last recording
 * @state: DAMON_REC_STATE_*.
 * @format: DAMON_REC_FMT_* in use.
 * @output: DAMON_REC_OUT_*.
 * @buf_len: buffer size in bytes.
 * @snapshots: snapshots recorded (complete, in the output or buffered).
 * @regions: regions in those snapshots.
 * @bytes_written: bytes handed to the output file or to readers.
 * @bytes_buffered: bytes recorded but not yet written.
 * @lost_full: snapshots dropped whole because every buffer was full
 *	(the writer or the reader fell behind).
 * @lost_nomem: snapshots dropped whole because assembling them needed
 *	memory that an atomic allocation could not get.
 * @lost_error: snapshots dropped after an output error.
 * @last_error: the last output error as a negative errno, or 0.
 * @nr_kdamonds: kdamond threads seen in this recording.
 * @start_ns: CLOCK_REALTIME at start, in nanoseconds.
 * @duration_ns: time recording, in nanoseconds.
 * @reserved: zero.
 */
struct damon_rec_status {
	__u32 state;
	__u32 format;
	__u32 output;
	__u32 buf_len;
	__u64 snapshots;
	__u64 regions;
	__u64 bytes_written;
	__u64 bytes_buffered;
	__u64 lost_full;
	__u64 lost_nomem;
	__u64 lost_error;
	__s32 last_error;
	__u32 nr_kdamonds;
	__u64 start_ns;
	__u64 duration_ns;
	__u64 reserved[4];
};

#define DAMON_REC_IOC_MAGIC	0xDA

/* Anyone who can open the device. */
#define DAMON_REC_IOC_GET_INFO	_IOWR(DAMON_REC_IOC_MAGIC, 0x00, struct damon_rec_info)
#define DAMON_REC_IOC_GET_STATUS _IOR(DAMON_REC_IOC_MAGIC, 0x01, struct damon_rec_status)
#define DAMON_REC_IOC_GET_BUF	_IOR(DAMON_REC_IOC_MAGIC, 0x02, __u32)
#define DAMON_REC_IOC_GET_PATH	_IOWR(DAMON_REC_IOC_MAGIC, 0x03, struct damon_rec_path)
#define DAMON_REC_IOC_GET_FORMAT _IOR(DAMON_REC_IOC_MAGIC, 0x04, __u32)

/* CAP_SYS_ADMIN; EBUSY while recording, except STOP. */
#define DAMON_REC_IOC_SET_BUF	_IOW(DAMON_REC_IOC_MAGIC, 0x10, __u32)
#define DAMON_REC_IOC_SET_PATH	_IOW(DAMON_REC_IOC_MAGIC, 0x11, struct damon_rec_path)
#define DAMON_REC_IOC_SET_OUTPUT_FD _IOW(DAMON_REC_IOC_MAGIC, 0x12, __s32)
#define DAMON_REC_IOC_SET_FORMAT _IOW(DAMON_REC_IOC_MAGIC, 0x13, __u32)
#define DAMON_REC_IOC_START	_IOW(DAMON_REC_IOC_MAGIC, 0x14, struct damon_rec_start)
#define DAMON_REC_IOC_STOP	_IO(DAMON_REC_IOC_MAGIC, 0x15)

#endif /* _UAPI_LINUX_DAMON_REC_H */
