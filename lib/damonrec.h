/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdamonrec - control /dev/damon_rec, set up DAMON, read and write records
 *
 * Conventions (as in libgpiod): objects are opaque and named
 * damonrec_<object>_<verb>; functions returning a pointer return NULL on
 * failure, functions returning int return -1 on failure, and both set errno.
 * No function prints or exits.  Objects are not thread-safe: use one from
 * one thread at a time.
 */
#ifndef DAMONREC_H
#define DAMONREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; what is declared here is its API. */
#if defined(DAMONREC_BUILD) && defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/** Library version string, e.g. "0.1.0". */
const char *damonrec_version_string(void);

/* ------------------------------------------------------------------ */
/* Device control: /dev/damon_rec                                       */
/* ------------------------------------------------------------------ */

#define DAMONREC_DEVICE_PATH "/dev/damon_rec"

/** Record formats. Values 0-3 are the binary versions. */
enum damonrec_format {
	DAMONREC_FORMAT_V0 = 0,
	DAMONREC_FORMAT_V1 = 1,
	DAMONREC_FORMAT_V2 = 2,
	DAMONREC_FORMAT_V3 = 3,
	DAMONREC_FORMAT_V4 = 4,		/* v3 with coded bodies (no driver) */
	DAMONREC_FORMAT_JSON = 16,
	DAMONREC_FORMAT_CSV = 17,
	DAMONREC_FORMAT_PERF_SCRIPT = 18,
	DAMONREC_FORMAT_DAMO = 19,	/* damo's json_compressed (zlib) */
	DAMONREC_FORMAT_DAMO_JSON = 20,	/* damo's plain json */
	DAMONREC_FORMAT_AUTO = -1,	/* readers: detect */
};

/**
 * Name of a format ("v2", "v3", "json", "csv", "perf-script", "damo",
 * "damo-json"); NULL if unknown.
 */
const char *damonrec_format_name(enum damonrec_format fmt);
/** Parse a format name as accepted by --format; -1 with EINVAL if unknown. */
int damonrec_format_parse(const char *name, enum damonrec_format *fmt);

/** What the driver supports (mirrors struct damon_rec_info). */
struct damonrec_device_info {
	uint32_t api_version;
	bool damon_available;		/* the damon_aggregated tracepoint exists */
	bool stream;
	bool output_fd;
	bool age;
	uint32_t formats;		/* bit N: DAMONREC_FORMAT_ value N */
	uint32_t min_buf_len;
	uint32_t max_buf_len;
	uint32_t max_path_len;
	uint32_t tp_proto;
};

enum damonrec_state {
	DAMONREC_STATE_IDLE = 0,
	DAMONREC_STATE_RECORDING = 1,
	DAMONREC_STATE_FAILED = 2,
};

enum damonrec_output {
	DAMONREC_OUTPUT_NONE = 0,
	DAMONREC_OUTPUT_PATH = 1,
	DAMONREC_OUTPUT_FD = 2,
	DAMONREC_OUTPUT_STREAM = 3,
};

/** Counters of the current or last recording (mirrors struct damon_rec_status). */
struct damonrec_device_status {
	enum damonrec_state state;
	enum damonrec_format format;
	enum damonrec_output output;
	uint32_t buf_len;
	uint64_t snapshots;
	uint64_t regions;
	uint64_t bytes_written;
	uint64_t bytes_buffered;
	uint64_t lost_full;
	uint64_t lost_nomem;
	uint64_t lost_error;
	int last_error;			/* positive errno, 0 if none */
	uint32_t nr_kdamonds;
	uint64_t start_ns;
	uint64_t duration_ns;
};

/** DAMON intervals in microseconds; 0 means unknown. */
struct damonrec_intervals {
	uint64_t sample_us;
	uint64_t aggr_us;
	uint64_t update_us;
};

struct damonrec_device;

/** Open the device; @path NULL means DAMONREC_DEVICE_PATH. */
struct damonrec_device *damonrec_device_open(const char *path);
/** Open with extra open(2) flags (O_NONBLOCK for streaming). */
struct damonrec_device *damonrec_device_open_flags(const char *path, int flags);
void damonrec_device_close(struct damonrec_device *dev);
/** The file descriptor, for poll(2). */
int damonrec_device_get_fd(struct damonrec_device *dev);
int damonrec_device_get_info(struct damonrec_device *dev,
			     struct damonrec_device_info *info);
int damonrec_device_get_status(struct damonrec_device *dev,
			       struct damonrec_device_status *st);
int damonrec_device_get_buffer_size(struct damonrec_device *dev, uint32_t *len);
int damonrec_device_set_buffer_size(struct damonrec_device *dev, uint32_t len);
/** Absolute output path into @buf; "" when none.  ERANGE if @size is too small. */
int damonrec_device_get_output_path(struct damonrec_device *dev, char *buf,
				    size_t size);
/** Set the output path; NULL or "" clears it (the recording then streams). */
int damonrec_device_set_output_path(struct damonrec_device *dev,
				    const char *path);
/** Write the record to an open file; -1 clears. */
int damonrec_device_set_output_fd(struct damonrec_device *dev, int fd);
int damonrec_device_get_format(struct damonrec_device *dev,
			       enum damonrec_format *fmt);
int damonrec_device_set_format(struct damonrec_device *dev,
			       enum damonrec_format fmt);
/** Start recording; @iv (may be NULL) goes into the v3 header. */
int damonrec_device_start(struct damonrec_device *dev,
			  const struct damonrec_intervals *iv);
/** Stop; returns when every recorded byte is written. */
int damonrec_device_stop(struct damonrec_device *dev);
/** read(2) from a streaming recording; 0 at end of stream. */
ssize_t damonrec_device_read(struct damonrec_device *dev, void *buf,
			     size_t len);

/* ------------------------------------------------------------------ */
/* DAMON sysfs setup                                                    */
/* ------------------------------------------------------------------ */

#define DAMONREC_SYSFS_ROOT "/sys/kernel/mm/damon/admin"

enum damonrec_ops {
	DAMONREC_OPS_VADDR = 0,
	DAMONREC_OPS_FVADDR = 1,
	DAMONREC_OPS_PADDR = 2,
};

/** What damonrec_damon_setup() creates. */
struct damonrec_damon_attrs {
	enum damonrec_ops ops;
	struct damonrec_intervals intervals;	/* 0: DAMON's defaults */
	uint64_t min_nr_regions;		/* 0: DAMON's default */
	uint64_t max_nr_regions;		/* 0: DAMON's default */
	const pid_t *pids;			/* vaddr/fvaddr targets */
	size_t nr_pids;
};

/** One kdamond as found in sysfs. */
struct damonrec_kdamond_info {
	unsigned int index;
	bool running;
	pid_t pid;			/* 0 when not running */
	unsigned int nr_contexts;
	char operations[16];		/* of context 0, "" if none */
	struct damonrec_intervals intervals;	/* of context 0 */
	unsigned int nr_targets;	/* of context 0 */
};

struct damonrec_damon;

/*
 * The damonrec_damon_*() calls retry, for up to two seconds, a sysfs read
 * or write that fails with EBUSY: the kernel takes its DAMON sysfs lock
 * with mutex_trylock(), and each running kdamond holds that lock for a
 * moment every aggregation interval.  A lasting EBUSY is returned.
 */

/** A handle on DAMON's sysfs interface at @root (NULL: DAMONREC_SYSFS_ROOT). */
struct damonrec_damon *damonrec_damon_new(const char *root);
/** Tears down what this handle created, then frees it. */
void damonrec_damon_free(struct damonrec_damon *d);
/** Number of kdamonds in sysfs; -1 (ENOENT if DAMON sysfs is missing). */
int damonrec_damon_count_kdamonds(struct damonrec_damon *d);
/** Fill @info for kdamond @index. */
int damonrec_damon_get_kdamond(struct damonrec_damon *d, unsigned int index,
			       struct damonrec_kdamond_info *info);
/**
 * Create one kdamond with one context as @attrs says.  Fails with EBUSY,
 * touching nothing, when any kdamond already exists: writing nr_kdamonds
 * would destroy it.  Use attach mode to record those.
 */
int damonrec_damon_setup(struct damonrec_damon *d,
			 const struct damonrec_damon_attrs *attrs);
/** Turn the kdamond created by setup on. */
int damonrec_damon_start(struct damonrec_damon *d);
/** Turn it off (no error if it already stopped, e.g. its target exited). */
int damonrec_damon_stop(struct damonrec_damon *d);
/** Stop and remove what setup created; no-op if nothing was created. */
int damonrec_damon_teardown(struct damonrec_damon *d);
/** Whether the kdamond created by setup is still running. */
int damonrec_damon_is_running(struct damonrec_damon *d);
/** pid of that kdamond's thread, or -1. */
pid_t damonrec_damon_get_kdamond_pid(struct damonrec_damon *d);
/** Number of kdamonds currently running (for attach mode). */
int damonrec_damon_count_running(struct damonrec_damon *d);

/* ------------------------------------------------------------------ */
/* Snapshots                                                            */
/* ------------------------------------------------------------------ */

struct damonrec_region {
	uint64_t start;
	uint64_t end;			/* exclusive */
	uint32_t nr_accesses;
	uint32_t age;			/* 0 in formats without age */
};

struct damonrec_snapshot;
struct damonrec_target;

struct damonrec_snapshot *damonrec_snapshot_new(void);
void damonrec_snapshot_free(struct damonrec_snapshot *s);
/** Empty it for reuse, keeping its memory. */
void damonrec_snapshot_clear(struct damonrec_snapshot *s);
/** Snapshot time (the end of its aggregation) in ns of the record's clock. */
int64_t damonrec_snapshot_get_time(const struct damonrec_snapshot *s);
void damonrec_snapshot_set_time(struct damonrec_snapshot *s, int64_t ns);
/**
 * Start of the snapshot's aggregation, when the record says it (damo's
 * formats); INT64_MIN when it does not.  Cleared by clear().
 */
int64_t damonrec_snapshot_get_start_time(const struct damonrec_snapshot *s);
void damonrec_snapshot_set_start_time(struct damonrec_snapshot *s, int64_t ns);
/** Index of the kdamond that produced it. */
unsigned int damonrec_snapshot_get_kdamond(const struct damonrec_snapshot *s);
void damonrec_snapshot_set_kdamond(struct damonrec_snapshot *s, unsigned int k);
/** Snapshots lost between the previous one and this one. */
uint64_t damonrec_snapshot_get_lost_before(const struct damonrec_snapshot *s);
void damonrec_snapshot_set_lost_before(struct damonrec_snapshot *s, uint64_t n);
/**
 * The DAMON intervals the snapshot was taken with: in v3, the record's
 * header intervals until an INTERVALS frame of its kdamond changes them;
 * in other formats, the header's.  Zeros when unknown.
 */
void damonrec_snapshot_get_intervals(const struct damonrec_snapshot *s,
				     struct damonrec_intervals *iv);
/** Writers of v3 put an INTERVALS frame where they change (zeros: unknown). */
void damonrec_snapshot_set_intervals(struct damonrec_snapshot *s,
				     const struct damonrec_intervals *iv);
size_t damonrec_snapshot_get_nr_targets(const struct damonrec_snapshot *s);
const struct damonrec_target *
damonrec_snapshot_get_target(const struct damonrec_snapshot *s, size_t i);
/** Append a target; returns its index or -1. */
int damonrec_snapshot_add_target(struct damonrec_snapshot *s, uint64_t id);
/** Append a region to target @t (an index from add_target). */
int damonrec_snapshot_add_region(struct damonrec_snapshot *s, size_t t,
				 const struct damonrec_region *r);
/** Total regions over all targets. */
size_t damonrec_snapshot_get_nr_regions(const struct damonrec_snapshot *s);

uint64_t damonrec_target_get_id(const struct damonrec_target *t);
size_t damonrec_target_get_nr_regions(const struct damonrec_target *t);
const struct damonrec_region *
damonrec_target_get_region(const struct damonrec_target *t, size_t i);
/** All regions as an array of get_nr_regions() entries. */
const struct damonrec_region *
damonrec_target_get_regions(const struct damonrec_target *t);

/* ------------------------------------------------------------------ */
/* Reading records                                                      */
/* ------------------------------------------------------------------ */

struct damonrec_reader;

/** Open a record; "-" reads stdin.  The format is detected. */
struct damonrec_reader *damonrec_reader_open(const char *path);
/** Read from @fd (not closed by the reader) in format @fmt (or AUTO). */
struct damonrec_reader *damonrec_reader_open_fd(int fd,
						enum damonrec_format fmt);
void damonrec_reader_close(struct damonrec_reader *r);
enum damonrec_format damonrec_reader_get_format(const struct damonrec_reader *r);
/** Intervals from the header (v3, JSON); zeros when the format lacks them. */
void damonrec_reader_get_intervals(const struct damonrec_reader *r,
				   struct damonrec_intervals *iv);
/** Recording start time from the header, or the first snapshot's time. */
int64_t damonrec_reader_get_start_time(const struct damonrec_reader *r);
/**
 * Decode the next snapshot.  Returns 1 and sets *@snap (owned by the reader,
 * valid until the next call), 0 at a clean end, -1 on error with errno:
 * EBADMSG for corrupt data, ENODATA for a file cut short, EIO and friends
 * for read errors.  After -1, get_error_offset() and get_error_message()
 * say where and what.  Every snapshot before the error was returned.
 */
int damonrec_reader_next(struct damonrec_reader *r,
			 const struct damonrec_snapshot **snap);
/** Byte offset of the first byte that could not be decoded. */
uint64_t damonrec_reader_get_error_offset(const struct damonrec_reader *r);
/** Human-readable reason for the last error (never NULL). */
const char *damonrec_reader_get_error_message(const struct damonrec_reader *r);
/** Bytes consumed so far. */
uint64_t damonrec_reader_get_offset(const struct damonrec_reader *r);
/** Snapshots the record marks as lost so far. */
uint64_t damonrec_reader_get_lost(const struct damonrec_reader *r);
/** Whether a v3 END frame was seen (a clean stop). */
bool damonrec_reader_has_end(const struct damonrec_reader *r);
/**
 * Whether the record's regions carry ages.  False for v0 to v2, a v3
 * header without its age flag, a perf script without the age field, and
 * damo records whose ages are null; their ages read as 0.
 */
bool damonrec_reader_has_age(const struct damonrec_reader *r);
/**
 * damo's data_source of the record of kdamond @kdamond and target @id, as
 * read so far (damo writes it after the snapshots); NULL when the format
 * has none or it was not read yet.
 */
const char *damonrec_reader_get_data_source(const struct damonrec_reader *r,
					    unsigned int kdamond, uint64_t id);
/**
 * damo-only fields with other than their empty values that the reader
 * skipped so far (scheme_filters, damos_stats, probe_hits,
 * sz_filter_passed, intervals_goal): a mask of DAMONREC_DAMO_* bits.
 */
#define DAMONREC_DAMO_SCHEME_FILTERS	0x01
#define DAMONREC_DAMO_DAMOS_STATS	0x02
#define DAMONREC_DAMO_PROBE_HITS	0x04
#define DAMONREC_DAMO_SZ_FILTER_PASSED	0x08
#define DAMONREC_DAMO_INTERVALS_GOAL	0x10
unsigned int damonrec_reader_get_dropped(const struct damonrec_reader *r);

/**
 * The start time damo gives the first snapshot of a record that stores
 * only end times: the first end minus the mean time between the ends of
 * @n snapshots from @first_end to @last_end (truncated to a whole ns as
 * damo writes it); with fewer than two snapshots, @first_end minus the
 * aggregation interval @aggr_us (0: damo's default, 100 ms).
 */
int64_t damonrec_first_start(int64_t first_end, int64_t last_end, uint64_t n,
			     uint64_t aggr_us);

/* ------------------------------------------------------------------ */
/* Writing records                                                      */
/* ------------------------------------------------------------------ */

struct damonrec_writer;

/** Metadata for a new record; any field may be 0. */
struct damonrec_record_meta {
	struct damonrec_intervals intervals;
	int64_t start_ns;
};

/**
 * Create (truncate) @path, "-" for stdout, in @fmt: V2, V3, JSON, CSV,
 * DAMO or DAMO_JSON.  damo's formats hold each target's snapshots
 * together: the writer keeps them in temporary files until close(), which
 * writes the whole record (get_bytes() stays 0 until then).  Snapshots
 * without a start time start at the previous one's end of that kdamond and
 * target, the first at damonrec_first_start(); when @meta has no
 * intervals, the record gets those damo infers (sample 5 ms, the mean
 * aggregation, update 1 s).  Ages are always numbers there (0 when the
 * source has none): damo cannot read a null age next to intervals.
 */
struct damonrec_writer *damonrec_writer_open(const char *path,
					     enum damonrec_format fmt,
					     const struct damonrec_record_meta *meta);
/** Write to @fd (not closed by the writer). */
struct damonrec_writer *damonrec_writer_open_fd(int fd,
						enum damonrec_format fmt,
						const struct damonrec_record_meta *meta);
int damonrec_writer_write(struct damonrec_writer *w,
			  const struct damonrec_snapshot *s);
/** Mark @count snapshots of kdamond @k as lost (v3 LOST frame; JSON lost_before). */
int damonrec_writer_mark_lost(struct damonrec_writer *w, unsigned int k,
			      uint64_t count);
/** Bytes written so far (for --split). */
uint64_t damonrec_writer_get_bytes(const struct damonrec_writer *w);
/**
 * Whether the regions written carry ages (the default).  v3 and v4 say so
 * in their header, so call it before the first write; EBUSY after.  Other
 * formats take no notice.
 */
int damonrec_writer_set_age(struct damonrec_writer *w, bool age);
/** damo formats: the data_source of target @id of kdamond @kdamond ("unknown"). */
int damonrec_writer_set_data_source(struct damonrec_writer *w,
				    unsigned int kdamond, uint64_t id,
				    const char *source);
/** Flush, write the END frame (v3), close; -1 if anything failed. Frees @w. */
int damonrec_writer_close(struct damonrec_writer *w);
/**
 * As damonrec_writer_close(), for a record whose input was cut short: no v3
 * END frame, no closing brackets in JSON, so that readers of the output see
 * it cut short too.  v2 and CSV have no such mark.
 */
int damonrec_writer_close_cut_short(struct damonrec_writer *w);

/* ------------------------------------------------------------------ */
/* Analysis                                                             */
/* ------------------------------------------------------------------ */

struct damonrec_wss;

/** Working-set sizes: bytes of regions with nr_accesses >= @min_accesses. */
struct damonrec_wss *damonrec_wss_new(uint32_t min_accesses);
void damonrec_wss_free(struct damonrec_wss *w);
int damonrec_wss_add(struct damonrec_wss *w, const struct damonrec_snapshot *s);
/** Add one working-set size of @bytes (computed by the caller). */
int damonrec_wss_add_size(struct damonrec_wss *w, uint64_t bytes);
size_t damonrec_wss_get_count(const struct damonrec_wss *w);
/** The @idx-th smallest size added (0-based); ERANGE past the count. */
uint64_t damonrec_wss_get_nth(struct damonrec_wss *w, uint64_t idx);
/** Working-set size at percentile @pct (0 to 100) over the snapshots added. */
uint64_t damonrec_wss_get_percentile(struct damonrec_wss *w, double pct);

struct damonrec_heatmap;

/**
 * A time x address heatmap, weighted as damo's "report heats": each region
 * adds nr_accesses x (time overlap) x (address overlap) to every cell it
 * covers; cells are then divided by their area.
 * Use in two passes: scan_range() every snapshot, then add() every snapshot.
 */
struct damonrec_heatmap *damonrec_heatmap_new(unsigned int time_bins,
					      unsigned int addr_bins);
void damonrec_heatmap_free(struct damonrec_heatmap *h);
/** Pass 1: learn time span and the address range (largest area between
 *  gaps common to all snapshots, as damo chooses it). */
int damonrec_heatmap_scan(struct damonrec_heatmap *h,
			  const struct damonrec_snapshot *s);
/** Override the address range (after scanning). */
int damonrec_heatmap_set_addr_range(struct damonrec_heatmap *h,
				    uint64_t start, uint64_t end);
/** Override the time range, in ns of the record's clock. */
int damonrec_heatmap_set_time_range(struct damonrec_heatmap *h,
				    int64_t start, int64_t end);
/**
 * Show target @id of kdamond @kdamond (before the first add()).  By default
 * the map shows the target with the most address space between the gaps
 * common to all its snapshots, as damo does; without a scan and without
 * this call, every target counts.
 */
int damonrec_heatmap_set_target(struct damonrec_heatmap *h,
				unsigned int kdamond, uint64_t id);
/** The target shown (set or chosen by the scan); -1 with ENOENT if none. */
int damonrec_heatmap_get_target(const struct damonrec_heatmap *h,
				unsigned int *kdamond, uint64_t *id);
/** Pass 2: accumulate. */
int damonrec_heatmap_add(struct damonrec_heatmap *h,
			 const struct damonrec_snapshot *s);
void damonrec_heatmap_get_addr_range(const struct damonrec_heatmap *h,
				     uint64_t *start, uint64_t *end);
void damonrec_heatmap_get_time_range(const struct damonrec_heatmap *h,
				     int64_t *start, int64_t *end);
unsigned int damonrec_heatmap_get_time_bins(const struct damonrec_heatmap *h);
unsigned int damonrec_heatmap_get_addr_bins(const struct damonrec_heatmap *h);
/** Average access frequency of a cell (accesses per aggregation). */
double damonrec_heatmap_get_value(const struct damonrec_heatmap *h,
				  unsigned int time_bin, unsigned int addr_bin);

#if defined(DAMONREC_BUILD) && defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* DAMONREC_H */
