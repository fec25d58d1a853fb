/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon_rec.h - internals of the /dev/damon_rec recorder
 *
 * The recorder has four parts:
 *
 *  - damon_rec_snap.c: the damon_aggregated probe.  It runs in each kdamond
 *    thread, rebuilds whole snapshots from the per-region events, encodes
 *    their targets and regions into a per-kdamond scratch area and hands
 *    them to the buffer pool.
 *  - damon_rec_buf.c: the buffer pool, records committed whole ("units"),
 *    the flush worker that writes full buffers to the output file, and the
 *    stream that read() drains.
 *  - damon_rec_enc.c: the v2 and v3 encoders (lib/RECORD-FORMAT.md), with
 *    their own header, damon_rec_enc.h, so that they build on the host too.
 *  - damon_rec_main.c: the misc device, its ioctls, start and stop.
 *
 * Locking:
 *  - drec.ctl_lock (mutex) serializes settings, start and stop.
 *  - drec.lock (raw spinlock) protects the pool, the counters and the v3
 *    file state (kdamond indexes, pending LOST counts, previous snapshot
 *    time).
 *  - The probe runs with preemption disabled (6.12's tracepoints), so every
 *    lock it takes is a raw_spinlock_t: on PREEMPT_RT a spinlock_t sleeps.
 *    What they cover is bounded: list and counter updates, the copy of one
 *    snapshot into the pool, and the encoding of one snapshot under its
 *    kdamond's lock.  Nothing under them allocates on PREEMPT_RT (see
 *    DREC_PROBE_MAY_ALLOC), frees, or wakes a wait queue: the probe's
 *    wakeups of stream readers go through a work item there.
 *  - drec.read_lock (mutex) serializes readers of the stream.
 *  - A kdamond's assembly state is only touched by its own thread, under
 *    its drec_kdamond.lock; by the thread that reclaims its slot once it
 *    exited, under the same lock; and by the stopper once the probe is
 *    unregistered and synchronized.  Order: drec.kd_lock, then
 *    drec_kdamond.lock, then drec.lock.
 */
#ifndef _DAMON_REC_INTERNAL_H
#define _DAMON_REC_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/kallsyms.h>
#include <linux/damon_rec.h>

#include "compat.h"
#include "damon_rec_enc.h"
#include "ddz.h"

/*
 * Debug prints of the recorder.  Every one goes through this macro: they are
 * callsites of the damon_dyndbg store (ddz.h), controlled through
 * /dev/damon_dyndbg ("damonctl debug").
 */
#define drec_dbg(fmt, ...)	ddz_pr_debug(fmt, ##__VA_ARGS__)

/*
 * Buffers preallocated at start.  The pool grows, with atomic allocations,
 * only for a snapshot that would not fit even with the writer caught up.
 */
#define DREC_MIN_BUFS		4
/* The pool never grows past this many bytes. */
#define DREC_MAX_POOL		(64 * 1024 * 1024)

/*
 * kdamond threads followed at once; the slot of a thread that exited is
 * reclaimed when another one needs it.
 */
#define DREC_MAX_KDAMONDS	64
/* kdamonds whose assembly state is preallocated at start. */
#define DREC_PREALLOC_KDAMONDS	2
/* Regions and targets preallocated per kdamond. */
#define DREC_PREALLOC_REGIONS	1024
#define DREC_PREALLOC_TARGETS	8

/*
 * Whether the probe may allocate memory (GFP_NOWAIT).  Not on PREEMPT_RT,
 * where the allocators take sleeping locks and the probe runs with
 * preemption disabled or under raw spinlocks.  There, the pool starts with
 * room for two snapshots of a preallocated slot (drec_snap_room()), a
 * snapshot that needs more room than its slot or the pool has is counted
 * lost_nomem, as when an allocation fails, and drec.slot_work then grows
 * the slot for the next ones; a kdamond that finds no slot ready has its
 * events counted lost while drec.slot_work creates one.
 */
#define DREC_PROBE_MAY_ALLOC	(!IS_ENABLED(CONFIG_PREEMPT_RT))

/* Unit ends remembered per buffer (see damon_rec_buf.c). */
#define DREC_BUF_MARKS		64

/**
 * struct drec_mark - a unit end in a buffer
 * @end: offset just past that unit.
 * @nr_snaps: snapshots that end in the buffer up to @end.
 * @nr_regions: regions of those snapshots.
 */
struct drec_mark {
	u32 end;
	u32 nr_snaps;
	u32 nr_regions;
};

/**
 * struct drec_buf - one buffer of the pool
 * @list: on drec.free or drec.ready.
 * @len: bytes filled.
 * @off: bytes already written to the output or read.
 * @last_end: offset just past the last unit that ends in this buffer, or 0.
 * @nr_snaps: snapshots that end in this buffer.
 * @nr_regions: regions of those snapshots.
 * @done_mark: first mark not yet counted as written.
 * @done_snaps: snapshots of this buffer counted as written.
 * @done_regions: regions of those snapshots.
 * @nr_marks: marks in use.
 * @mark_shift: a mark is the last unit end in its granule of this many
 *	bytes, log2.
 * @marks: unit ends, in increasing order.
 * @data: @drec.buf_len bytes.
 */
struct drec_buf {
	struct list_head list;
	size_t len;
	size_t off;
	size_t last_end;
	u32 nr_snaps;
	u32 nr_regions;
	u32 done_mark;
	u32 done_snaps;
	u32 done_regions;
	u32 nr_marks;
	u32 mark_shift;
	struct drec_mark marks[DREC_BUF_MARKS];
	u8 data[];
};

/**
 * struct drec_out_wait - a wait queue of the output that the recorder is on
 * @head: the output's wait queue head, or NULL.
 * @entry: the recorder's entry on it.
 */
struct drec_out_wait {
	wait_queue_head_t *head;
	wait_queue_entry_t entry;
};

/**
 * struct drec_kdamond - what the recorder knows about one kdamond thread
 * @lock: taken by the thread around each event, and by whoever reclaims the
 *	slot once the thread has exited.
 * @task: the thread, referenced while it holds the slot (or NULL).
 * @pid: its pid.
 * @ctx: its struct damon_ctx when that could be verified, else NULL.
 * @by_ctx: the snapshot being assembled is completed through @ctx.
 * @first_ok: the snapshot being assembled began with its first event.
 * @file_idx: v3 kdamond index in the file, -1 before its first frame
 *	(drec.lock).
 * @pending_lost: v3 snapshots lost and not yet reported in a LOST frame, by
 *	reason - 1 (drec.lock).
 * @file_iv: v3 intervals in force for this kdamond in the file: the
 *	header's until an INTERVALS frame (drec.lock).
 * @snap: the snapshot being assembled and the reference (the last committed).
 * @cur: index in @snap of the one being assembled.
 * @has_ref: @snap[!cur] holds a committed snapshot.
 * @assembling: a snapshot is being assembled.
 * @torn: the snapshot being assembled misses events.
 * @nomem: storing the snapshot being assembled needed memory it did not get.
 * @seen: snapshots completed by this kdamond in this recording.
 * @cur_tid: target of the last event.
 * @cur_expected: nr_regions of that target.
 * @cur_received: events received for that target.
 * @cur_last_end: end address of the last event.
 * @first_tid: target of the snapshot's first event.
 * @ref_last_tid: last target of the reference snapshot.
 * @tp_first: first target address of the snapshot (5.15 only).
 * @tp_last: target address of the last event (5.15 only).
 * @scratch: encoded targets of the snapshot being committed.
 * @scratch_cap: capacity of @scratch.
 * @model: version 4: the adaptive models of its file index.
 * @want_regions: regions a snapshot needed room for, beyond @snap's
 *	(PREEMPT_RT: drec.slot_work grows the arrays; 0 when none).
 * @want_targets: likewise, targets.
 */
struct drec_kdamond {
	raw_spinlock_t lock;
	struct task_struct *task;
	pid_t pid;
	struct damon_ctx *ctx;
	bool by_ctx;
	bool first_ok;
	int file_idx;
	u64 pending_lost[2];
	struct drec_intervals file_iv;
	struct drec_snap snap[2];
	unsigned int cur;
	bool has_ref;
	bool assembling;
	bool torn;
	bool nomem;
	u64 seen;
	u32 cur_tid;
	u32 cur_expected;
	u32 cur_received;
	u64 cur_last_end;
	u32 first_tid;
	u32 ref_last_tid;
	unsigned long tp_first;
	unsigned long tp_last;
	u8 *scratch;
	size_t scratch_cap;
	struct drec_rc_model *model;
	u32 want_regions;
	u32 want_targets;
};

/**
 * struct drec - the recorder (there is one: one recording at a time)
 * @ctl_lock: serializes settings, start and stop.
 * @buf_len: setting: buffer size.
 * @format: setting: DAMON_REC_FMT_*.
 * @path: setting: absolute output path, or NULL.
 * @out_fd_file: setting: output file given by descriptor, or NULL.
 * @tp: the damon_aggregated tracepoint, or NULL without DAMON.
 * @running: a recording's resources are live (written under ctl_lock
 *	and lock).
 * @probing: the probe is registered (ctl_lock).
 * @wq: the flush worker's workqueue.
 * @flush_work: writes ready buffers to @out.
 * @wake_work: wakes the stream's readers for the probe (PREEMPT_RT).
 * @slot_work: creates the next kdamond slot for the probe, and grows the
 *	slots that needed more room (PREEMPT_RT).
 * @fail_work: stops a recording after a write error.
 * @done_work: ends a stop that was interrupted, once all is written.
 * @out: output file of the recording, or NULL for the stream.
 * @out_nonblock: @out is written without blocking (a pipe, FIFO or socket);
 *	the flush worker waits on @out_wait for room.
 * @out_pt: poll table that hooks @out_wait onto the output.
 * @out_wait: the output's wait queues the recorder is on.
 * @stopping: STOP has detached the probe; the rest is being written
 *	(written under ctl_lock and lock).
 * @drainq: STOP waits here until everything is written or failed.
 * @output: DAMON_REC_OUT_* of the current or last recording.
 * @rec_format: format of the current or last recording.
 * @rec_buf_len: buffer size of the current or last recording.
 * @cred: credentials of the process that started the recording.
 * @pos: output file position of the next write (flush worker).
 * @committed_pos: file position just past the last whole unit written.
 * @base_pos: file position of the record's first byte.
 * @lock: protects everything below, up to @read_lock.
 * @failed: an output error happened.
 * @give_up: unload: what the output cannot take now is dropped.
 * @stream_eof: the stream has ended; readers get EOF once it is drained.
 * @free: empty buffers.
 * @ready: buffers to write or read, oldest first.
 * @cur: buffer being filled, or NULL.
 * @last_filled: buffer that took the last byte committed.
 * @nr_bufs: buffers allocated.
 * @nr_free: buffers on @free.
 * @need_flush: a buffer went to @ready since the last drec_kick().
 * @stream: the pool holds a stream for read().
 * @snapshots: status counters, see struct damon_rec_status.
 * @regions: see struct damon_rec_status.
 * @bytes_written: see struct damon_rec_status.
 * @bytes_buffered: see struct damon_rec_status.
 * @lost_full: see struct damon_rec_status.
 * @lost_nomem: see struct damon_rec_status.
 * @lost_error: see struct damon_rec_status.
 * @last_error: see struct damon_rec_status.
 * @snaps_written: snapshots whose last byte reached the output.
 * @regions_written: regions of those snapshots.
 * @start_ns: CLOCK_REALTIME at start.
 * @stop_ns: CLOCK_REALTIME at stop, 0 while recording.
 * @v3_prev_ns: time of the previous snapshot committed (or start_ns); the
 *	next one is given a later time.
 * @v3_next_idx: next v3 kdamond index.
 * @v4_group: version 4: the group of frames being written.
 * @v4_prev_delta: version 4: the time delta of the previous snapshot.
 * @v3_iv: the intervals of the v3 header.
 * @read_lock: serializes readers.
 * @readq: readers and pollers wait here.
 * @kd_lock: serializes claiming and reclaiming kdamond slots, and @sym.
 * @sym: room for the name of a kernel thread's function (under @kd_lock).
 * @nr_kds: kdamond threads followed in this recording (status).
 * @nr_slots: kdamond slots in use (published with release semantics).
 * @kds: kdamond slots.
 * @noslot: v3 file state for snapshots of kdamonds that got no slot
 *	(drec.lock).
 */
struct drec {
	struct mutex ctl_lock;
	u32 buf_len;
	u32 format;
	char *path;
	struct file *out_fd_file;
	struct tracepoint *tp;
	bool running;
	bool probing;
	struct workqueue_struct *wq;
	struct work_struct flush_work;
	struct work_struct wake_work;
	struct work_struct slot_work;
	struct work_struct fail_work;
	struct work_struct done_work;
	struct file *out;
	bool out_nonblock;
	poll_table out_pt;
	struct drec_out_wait out_wait[2];
	bool stopping;
	wait_queue_head_t drainq;
	u32 output;
	u32 rec_format;
	u32 rec_buf_len;
	const struct cred *cred;
	loff_t pos;
	loff_t committed_pos;
	loff_t base_pos;

	raw_spinlock_t lock;
	bool failed;
	bool give_up;
	bool stream_eof;
	struct list_head free;
	struct list_head ready;
	struct drec_buf *cur;
	struct drec_buf *last_filled;
	unsigned int nr_bufs;
	unsigned int nr_free;
	bool need_flush;
	bool stream;
	u64 snapshots;
	u64 regions;
	u64 bytes_written;
	u64 bytes_buffered;
	u64 lost_full;
	u64 lost_nomem;
	u64 lost_error;
	s32 last_error;
	u64 snaps_written;
	u64 regions_written;
	u64 start_ns;
	u64 stop_ns;
	u64 v3_prev_ns;
	u32 v3_next_idx;
	struct drec_v4_group v4_group;
	u64 v4_prev_delta;
	struct drec_intervals v3_iv;

	struct mutex read_lock;
	wait_queue_head_t readq;

	raw_spinlock_t kd_lock;
	char sym[KSYM_SYMBOL_LEN];
	unsigned int nr_kds;
	unsigned int nr_slots;
	struct drec_kdamond *kds[DREC_MAX_KDAMONDS];
	struct drec_kdamond noslot;
};

/**
 * struct drec_piece - a piece of a unit being committed
 * @p: bytes.
 * @len: their number.
 */
struct drec_piece {
	const void *p;
	size_t len;
};

/* damon_rec_buf.c */
int drec_pool_alloc(struct drec *d, gfp_t gfp);
int drec_pool_reserve(struct drec *d, size_t size, gfp_t gfp);
void drec_pool_free(struct drec *d);
int drec_reserve_locked(struct drec *d, size_t size);
void drec_put_locked(struct drec *d, const void *p, size_t len);
void drec_unit_end_locked(struct drec *d, u32 nr_regions, bool snapshot);
void drec_kick(struct drec *d);
void drec_promote_cur_locked(struct drec *d);
void drec_flush_work_fn(struct work_struct *work);
void drec_wake_work_fn(struct work_struct *work);
void drec_slot_work_fn(struct work_struct *work);
bool drec_out_drained(struct drec *d);
void drec_out_unhook(struct drec *d);
ssize_t drec_stream_read(struct drec *d, char __user *ubuf, size_t count,
			 bool nonblock);
bool drec_stream_readable(struct drec *d);

/* damon_rec_snap.c */
int drec_kds_alloc(struct drec *d);
void drec_kds_free(struct drec *d);
void drec_kds_finish(struct drec *d);
size_t drec_snap_room(struct drec *d);
int drec_commit_tail(struct drec *d);
size_t drec_tail_bound(struct drec *d);
int drec_probe_register(struct drec *d);
void drec_probe_unregister(struct drec *d);
struct tracepoint *drec_find_tracepoint(void);

#endif /* _DAMON_REC_INTERNAL_H */
