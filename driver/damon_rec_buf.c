// SPDX-License-Identifier: GPL-2.0
/*
 * damon_rec_buf.c - buffer pool, flush worker and stream of the recorder
 *
 * The record is a sequence of units: the header, then one unit per
 * snapshot (v3: with the KDAMOND and LOST frames that precede it), then the
 * END frame.  A unit is committed whole into the pool or not at all; it may
 * span buffers.  Full buffers go to the ready list, which the flush worker
 * writes to the output file or read() drains.
 *
 * Every buffer remembers up to DREC_BUF_MARKS unit ends ("marks"), with the
 * snapshots and regions of the buffer up to each: the last unit end in
 * each granule of 2^mark_shift bytes.  The granule starts at one byte (every
 * unit end is kept) and doubles whenever the table is full, so that the
 * marks stay spread over what the buffer holds (O(1) amortized per unit,
 * no allocation).
 * As bytes reach the output, the marks they pass count their snapshots as
 * written; after a write error the output is cut back to the last mark
 * written whole, even inside a buffer written in part: the file never ends
 * inside a snapshot, and it keeps exactly the snapshots counted written.
 *
 * Pipes, FIFOs and sockets are written without blocking: a kworker cannot
 * be interrupted, and one asleep in pipe_write() for a reader that never
 * comes would hang STOP and module unload.  When such an output is full,
 * the worker returns and an entry of ours on the output's wait queue
 * (hooked with vfs_poll()) queues it again once there is room.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "damon_rec.h"

static void drec_buf_reset(struct drec_buf *b)
{
	b->len = 0;
	b->off = 0;
	b->last_end = 0;
	b->nr_snaps = 0;
	b->nr_regions = 0;
	b->done_mark = 0;
	b->done_snaps = 0;
	b->done_regions = 0;
	b->nr_marks = 0;
	b->mark_shift = 0;
}

static struct drec_buf *drec_buf_new(struct drec *d, gfp_t gfp)
{
	struct drec_buf *b;

	b = kvmalloc(struct_size(b, data, d->rec_buf_len), gfp);
	if (!b)
		return NULL;
	drec_buf_reset(b);
	return b;
}

static void drec_free_list(struct list_head *head)
{
	struct drec_buf *b, *next;

	list_for_each_entry_safe(b, next, head, list) {
		list_del(&b->list);
		kvfree(b);
	}
}

/* Bytes that can be committed without waiting for the writer or reader. */
static size_t drec_space_locked(struct drec *d)
{
	size_t space = (size_t)d->nr_free * d->rec_buf_len;

	if (d->cur)
		space += d->rec_buf_len - d->cur->len;
	return space;
}

/**
 * drec_pool_alloc() - allocate the buffers of a new recording
 * @d: the recorder; rec_buf_len is set and the pool is empty.
 * @gfp: allocation flags.
 *
 * Return: 0, or -ENOMEM.
 */
int drec_pool_alloc(struct drec *d, gfp_t gfp)
{
	unsigned int n = DREC_MIN_BUFS;
	LIST_HEAD(bufs);
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct drec_buf *b = drec_buf_new(d, gfp);

		if (!b) {
			drec_free_list(&bufs);
			return -ENOMEM;
		}
		list_add_tail(&b->list, &bufs);
	}
	raw_spin_lock(&d->lock);
	list_splice_tail(&bufs, &d->free);
	d->nr_free += n;
	d->nr_bufs += n;
	raw_spin_unlock(&d->lock);
	return 0;
}

/**
 * drec_pool_reserve() - make sure @size bytes can be committed now
 * @d: the recorder.
 * @size: bytes.
 * @gfp: allocation flags for new buffers (the stop path may sleep).
 *
 * Only the committer adds bytes to the pool, so the space stays available
 * until it commits.
 *
 * Return: 0, or -ENOMEM.
 */
int drec_pool_reserve(struct drec *d, size_t size, gfp_t gfp)
{
	for (;;) {
		struct drec_buf *b;
		size_t space;

		raw_spin_lock(&d->lock);
		space = drec_space_locked(d);
		raw_spin_unlock(&d->lock);
		if (space >= size)
			return 0;
		b = drec_buf_new(d, gfp);
		if (!b)
			return -ENOMEM;
		raw_spin_lock(&d->lock);
		list_add_tail(&b->list, &d->free);
		d->nr_free++;
		d->nr_bufs++;
		raw_spin_unlock(&d->lock);
	}
}

/**
 * drec_pool_free() - free every buffer
 * @d: the recorder; nobody else uses the pool any more.
 */
void drec_pool_free(struct drec *d)
{
	LIST_HEAD(bufs);

	raw_spin_lock(&d->lock);
	list_splice_init(&d->free, &bufs);
	list_splice_init(&d->ready, &bufs);
	if (d->cur)
		list_add_tail(&d->cur->list, &bufs);
	d->cur = NULL;
	d->nr_free = 0;
	d->nr_bufs = 0;
	d->bytes_buffered = 0;
	raw_spin_unlock(&d->lock);
	drec_free_list(&bufs);
}

/**
 * drec_reserve_locked() - make room for a unit, from the probe
 * @d: the recorder, d->lock held.
 * @size: the unit's size.
 *
 * A unit that would not fit even if the writer had caught up grows the pool
 * with an atomic allocation; otherwise a full pool means that the writer or
 * the reader is behind.
 *
 * Return: 0; -ENOSPC when the buffers are full; -ENOMEM when the pool could
 * not grow.
 */
int drec_reserve_locked(struct drec *d, size_t size)
{
	size_t space = drec_space_locked(d);
	size_t idle;

	if (space >= size)
		return 0;
	idle = (size_t)(d->nr_bufs ? d->nr_bufs - 1 : 0) * d->rec_buf_len;
	if (size <= idle)
		return -ENOSPC;
	/* Nothing is allocated under a raw spinlock on PREEMPT_RT. */
	if (!DREC_PROBE_MAY_ALLOC)
		return -ENOMEM;
	while (space < size) {
		struct drec_buf *b;

		if ((size_t)(d->nr_bufs + 1) * d->rec_buf_len > DREC_MAX_POOL)
			return -ENOMEM;
		b = drec_buf_new(d, GFP_NOWAIT | __GFP_NOWARN);
		if (!b)
			return -ENOMEM;
		list_add_tail(&b->list, &d->free);
		d->nr_free++;
		d->nr_bufs++;
		space += d->rec_buf_len;
	}
	return 0;
}

/**
 * drec_put_locked() - append bytes of a unit to the pool
 * @d: the recorder, d->lock held, room reserved.
 * @p: bytes.
 * @len: their number.
 */
void drec_put_locked(struct drec *d, const void *p, size_t len)
{
	const u8 *src = p;

	while (len) {
		struct drec_buf *b = d->cur;
		size_t n;

		if (!b) {
			if (WARN_ON_ONCE(list_empty(&d->free)))
				return;
			b = list_first_entry(&d->free, struct drec_buf, list);
			list_del(&b->list);
			d->nr_free--;
			d->cur = b;
		}
		n = min_t(size_t, len, d->rec_buf_len - b->len);
		memcpy(b->data + b->len, src, n);
		b->len += n;
		src += n;
		len -= n;
		d->bytes_buffered += n;
		d->last_filled = b;
		if (b->len == d->rec_buf_len) {
			list_add_tail(&b->list, &d->ready);
			d->cur = NULL;
			d->need_flush = true;
		}
	}
}

/* Granule of a unit that ends at @end (exclusive). */
static inline u32 drec_granule(const struct drec_buf *b, u32 end)
{
	return (end - 1) >> b->mark_shift;
}

/*
 * The mark for a unit that ends at @end: the last mark if it is in the same
 * granule (the later end replaces it), else a new one, after doubling the
 * granule (merging the marks that then share one) while the table is full.
 */
static struct drec_mark *drec_mark_slot(struct drec_buf *b, u32 end)
{
	unsigned int i, n;

	for (;;) {
		if (b->nr_marks &&
		    drec_granule(b, b->marks[b->nr_marks - 1].end) ==
		    drec_granule(b, end))
			return &b->marks[b->nr_marks - 1];
		if (b->nr_marks < DREC_BUF_MARKS)
			return &b->marks[b->nr_marks++];
		b->mark_shift++;
		for (i = 0, n = 0; i < b->nr_marks; i++) {
			if (n && drec_granule(b, b->marks[n - 1].end) ==
				 drec_granule(b, b->marks[i].end))
				b->marks[n - 1] = b->marks[i];
			else
				b->marks[n++] = b->marks[i];
		}
		b->nr_marks = n;
	}
}

/**
 * drec_unit_end_locked() - a unit is complete
 * @d: the recorder, d->lock held.
 * @nr_regions: regions of the snapshot that ends here.
 * @snapshot: the unit holds a snapshot.
 */
void drec_unit_end_locked(struct drec *d, u32 nr_regions, bool snapshot)
{
	struct drec_buf *b = d->last_filled;
	struct drec_mark *m;

	if (WARN_ON_ONCE(!b || !b->len))
		return;
	b->last_end = b->len;
	if (snapshot) {
		b->nr_snaps++;
		b->nr_regions += nr_regions;
		d->snapshots++;
		d->regions += nr_regions;
	}
	m = drec_mark_slot(b, b->len);
	m->end = b->len;
	m->nr_snaps = b->nr_snaps;
	m->nr_regions = b->nr_regions;
}

/**
 * drec_promote_cur_locked() - hand the partly filled buffer over
 * @d: the recorder, d->lock held.
 *
 * Used by readers, which take what there is, and at stop.
 */
void drec_promote_cur_locked(struct drec *d)
{
	if (d->cur && d->cur->len > d->cur->off) {
		list_add_tail(&d->cur->list, &d->ready);
		d->cur = NULL;
		d->need_flush = true;
	}
}

/**
 * drec_kick() - let the writer or the readers know about new data
 * @d: the recorder, d->lock not held.
 *
 * Safe in the probe: neither queue_work() nor wake_up() sleeps.  On
 * PREEMPT_RT a wait queue's lock sleeps, and the probe may hold a raw
 * spinlock: the readers are woken from drec.wake_work there.
 */
void drec_kick(struct drec *d)
{
	bool flush;

	raw_spin_lock(&d->lock);
	flush = d->need_flush;
	d->need_flush = false;
	raw_spin_unlock(&d->lock);

	if (d->stream) {
		if (IS_ENABLED(CONFIG_PREEMPT_RT))
			queue_work(d->wq, &d->wake_work);
		else
			wake_up_interruptible(&d->readq);
		return;
	}
	if (flush)
		queue_work(d->wq, &d->flush_work);
}

/**
 * drec_wake_work_fn() - wake the stream's readers for the probe
 * @work: drec.wake_work.
 */
void drec_wake_work_fn(struct work_struct *work)
{
	struct drec *d = container_of(work, struct drec, wake_work);

	wake_up_interruptible(&d->readq);
}

/* Back to the free list while recording, else freed (returned). */
static struct drec_buf *drec_recycle_locked(struct drec *d, struct drec_buf *b)
{
	if (!d->running) {
		d->nr_bufs--;
		return b;
	}
	drec_buf_reset(b);
	list_add_tail(&b->list, &d->free);
	d->nr_free++;
	return NULL;
}

/*
 * Count as written the units of @b whose last byte has reached the output:
 * every mark at or below b->off (marks only change while the buffer is
 * filled, before the writer sees it).  @at is the file position of the
 * buffer's first byte.
 */
static void drec_count_written_locked(struct drec *d, struct drec_buf *b,
				      loff_t at)
{
	while (b->done_mark < b->nr_marks) {
		const struct drec_mark *m = &b->marks[b->done_mark];

		if (m->end > b->off)
			break;
		d->committed_pos = at + m->end;
		d->snaps_written += m->nr_snaps - b->done_snaps;
		d->regions_written += m->nr_regions - b->done_regions;
		b->done_snaps = m->nr_snaps;
		b->done_regions = m->nr_regions;
		b->done_mark++;
	}
}

/*
 * Drop everything not yet written: the snapshots that did not reach the
 * output whole are lost to an output error.
 * Return: the snapshots dropped.
 */
static u64 drec_drop_unwritten_locked(struct drec *d)
{
	u64 dropped = d->snapshots - d->snaps_written;
	struct drec_buf *b, *next;

	d->lost_error += dropped;
	d->snapshots = d->snaps_written;
	d->regions = d->regions_written;
	list_for_each_entry_safe(b, next, &d->ready, list) {
		list_del(&b->list);
		drec_buf_reset(b);
		list_add_tail(&b->list, &d->free);
		d->nr_free++;
	}
	if (d->cur) {
		drec_buf_reset(d->cur);
		list_add_tail(&d->cur->list, &d->free);
		d->nr_free++;
		d->cur = NULL;
	}
	d->bytes_buffered = 0;
	return dropped;
}

/*
 * An output error: stop taking snapshots, drop what is buffered, and cut
 * the file back to the last whole unit.
 */
static void drec_fail(struct drec *d, int err)
{
	const struct cred *old;
	struct inode *inode;
	bool first = false;
	loff_t cut = 0;

	raw_spin_lock(&d->lock);
	if (!d->failed) {
		first = true;
		d->failed = true;
		d->last_error = err;
		drec_drop_unwritten_locked(d);
		cut = d->committed_pos;
	}
	raw_spin_unlock(&d->lock);
	if (!first)
		return;

	pr_err_ratelimited("writing the record failed with error %d: recording stopped, file kept up to its last whole snapshot\n",
			   err);

	inode = file_inode(d->out);
	if (S_ISREG(inode->i_mode) && d->pos > cut) {
		int ret;

		old = override_creds(d->cred);
		ret = vfs_truncate(&d->out->f_path, cut);
		revert_creds(old);
		if (ret) {
			drec_dbg("cannot cut the record back to %lld: %d\n",
				 (long long)cut, ret);
		} else {
			d->pos = cut;
			/* What stays in the file. */
			raw_spin_lock(&d->lock);
			d->bytes_written = cut - d->base_pos;
			raw_spin_unlock(&d->lock);
		}
	}
	wake_up(&d->drainq);
	schedule_work(&d->fail_work);
}

/* The output has room, or its reader went away: write again. */
static int drec_out_wake(wait_queue_entry_t *entry, unsigned int mode,
			 int sync, void *key)
{
	struct drec *d = entry->private;
	__poll_t mask = key_to_poll(key);

	if (mask && !(mask & (EPOLLOUT | EPOLLWRNORM | EPOLLERR | EPOLLHUP)))
		return 0;
	queue_work(d->wq, &d->flush_work);
	return 0;
}

static void drec_out_queue_proc(struct file *file, wait_queue_head_t *head,
				poll_table *pt)
{
	struct drec *d = container_of(pt, struct drec, out_pt);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->out_wait); i++) {
		struct drec_out_wait *w = &d->out_wait[i];

		if (w->head)
			continue;
		init_waitqueue_func_entry(&w->entry, drec_out_wake);
		w->entry.private = d;
		w->head = head;
		add_wait_queue(head, &w->entry);
		return;
	}
}

/*
 * The output would block: make sure that the worker runs again when it
 * has room.  The first time, hook our entries onto the output's wait
 * queues; they stay there until the output is closed, and from then on
 * every wakeup of the output requeues the worker, so none can be missed.
 * Return: true if the output has room already (write again now).
 */
static bool drec_out_hook(struct drec *d)
{
	__poll_t mask;

	if (d->out_wait[0].head)
		return false;
	init_poll_funcptr(&d->out_pt, drec_out_queue_proc);
	mask = vfs_poll(d->out, &d->out_pt);
	if (!d->out_wait[0].head) {
		/*
		 * No wait queue to be on: an output that cannot say when it
		 * has room.  Try again a little later.
		 */
		msleep(20);
		return true;
	}
	return mask & (EPOLLOUT | EPOLLWRNORM | EPOLLERR | EPOLLHUP);
}

/**
 * drec_out_unhook() - take the recorder's entries off the output's queues
 * @d: the recorder; the output is still open.
 *
 * After this, only the recorder queues the flush worker.
 */
void drec_out_unhook(struct drec *d)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->out_wait); i++) {
		struct drec_out_wait *w = &d->out_wait[i];

		if (!w->head)
			continue;
		remove_wait_queue(w->head, &w->entry);
		w->head = NULL;
	}
}

/**
 * drec_out_drained() - has everything committed reached the output
 * @d: the recorder, stopping: nothing is committed any more.
 *
 * Return: true when no buffer is left to write, or the recording failed.
 */
bool drec_out_drained(struct drec *d)
{
	bool ret;

	raw_spin_lock(&d->lock);
	ret = d->failed || list_empty(&d->ready);
	raw_spin_unlock(&d->lock);
	return ret;
}

/*
 * Unload, and the output cannot take more without blocking: give up on
 * what is left, counting its snapshots lost to an output error.
 */
static void drec_give_up(struct drec *d)
{
	u64 dropped, written;

	raw_spin_lock(&d->lock);
	dropped = drec_drop_unwritten_locked(d);
	d->last_error = -EAGAIN;
	written = d->snaps_written;
	raw_spin_unlock(&d->lock);
	pr_info("unloading: the output takes no more data: %llu snapshots written, %llu dropped\n",
		written, dropped);
}

/**
 * drec_flush_work_fn() - the flush worker: write ready buffers to the file
 * @work: drec.flush_work.
 *
 * Runs in process context with the kernel's credentials; the file was
 * opened by the process that started the recording, with its own.
 */
void drec_flush_work_fn(struct work_struct *work)
{
	struct drec *d = container_of(work, struct drec, flush_work);
	bool done;

	for (;;) {
		bool blocked = false;
		struct drec_buf *b;
		int err = 0;
		loff_t at;

		raw_spin_lock(&d->lock);
		b = d->failed ? NULL :
			list_first_entry_or_null(&d->ready, struct drec_buf,
						 list);
		raw_spin_unlock(&d->lock);
		if (!b)
			break;

		while (b->off < b->len) {
			ssize_t n = kernel_write(d->out, b->data + b->off,
						 b->len - b->off, &d->pos);

			if (n == -EAGAIN && d->out_nonblock) {
				blocked = true;
				break;
			}
			if (n <= 0) {
				err = n ? (int)n : -EIO;
				break;
			}
			raw_spin_lock(&d->lock);
			b->off += n;
			d->bytes_written += n;
			d->bytes_buffered -= n;
			/* File position of the buffer's first byte. */
			at = d->pos - b->off;
			drec_count_written_locked(d, b, at);
			raw_spin_unlock(&d->lock);
		}

		if (blocked) {
			bool give_up;

			raw_spin_lock(&d->lock);
			give_up = d->give_up;
			raw_spin_unlock(&d->lock);
			if (give_up) {
				drec_give_up(d);
				break;
			}
			if (drec_out_hook(d))
				continue;
			return;
		}

		raw_spin_lock(&d->lock);
		if (!err) {
			list_del(&b->list);
			b = drec_recycle_locked(d, b);
		} else {
			b = NULL;
		}
		raw_spin_unlock(&d->lock);
		kvfree(b);

		if (err) {
			drec_fail(d, err);
			return;
		}
		cond_resched();
	}

	/* Nothing left to write (for now). */
	raw_spin_lock(&d->lock);
	done = d->stopping && !d->failed && list_empty(&d->ready);
	raw_spin_unlock(&d->lock);
	if (done) {
		wake_up(&d->drainq);
		/* An interrupted STOP left the end of the stop to us. */
		schedule_work(&d->done_work);
	}
}

/**
 * drec_stream_readable() - would read() return without blocking
 * @d: the recorder.
 *
 * Return: true when stream data is there, or the stream has ended (or
 * there is none): read() then returns data or end of file.
 */
bool drec_stream_readable(struct drec *d)
{
	bool ret;

	raw_spin_lock(&d->lock);
	ret = !d->stream || d->stream_eof || !list_empty(&d->ready) ||
	      (d->cur && d->cur->len > d->cur->off);
	raw_spin_unlock(&d->lock);
	return ret;
}

/**
 * drec_stream_read() - read() of the device
 * @d: the recorder.
 * @ubuf: user buffer.
 * @count: its size.
 * @nonblock: O_NONBLOCK.
 *
 * Return: bytes read; 0 at the end of the stream, or when no recording
 * streams; -EAGAIN, -EFAULT or -ERESTARTSYS.
 */
ssize_t drec_stream_read(struct drec *d, char __user *ubuf, size_t count,
			 bool nonblock)
{
	ssize_t ret = 0;
	size_t done = 0;

	if (mutex_lock_interruptible(&d->read_lock))
		return -ERESTARTSYS;
	while (done < count) {
		struct drec_buf *b, *gone = NULL;
		bool eof;
		size_t n;

		raw_spin_lock(&d->lock);
		b = NULL;
		eof = !d->stream || d->stream_eof;
		if (d->stream) {
			if (list_empty(&d->ready))
				drec_promote_cur_locked(d);
			b = list_first_entry_or_null(&d->ready,
						     struct drec_buf, list);
		}
		raw_spin_unlock(&d->lock);

		if (!b) {
			if (done || eof)
				break;
			if (nonblock) {
				ret = -EAGAIN;
				break;
			}
			mutex_unlock(&d->read_lock);
			ret = wait_event_interruptible(d->readq,
						       drec_stream_readable(d));
			if (ret)
				return ret;
			if (mutex_lock_interruptible(&d->read_lock))
				return -ERESTARTSYS;
			continue;
		}

		/* Only readers, serialized by read_lock, consume b. */
		n = min_t(size_t, count - done, b->len - b->off);
		if (copy_to_user(ubuf + done, b->data + b->off, n)) {
			ret = -EFAULT;
			break;
		}
		raw_spin_lock(&d->lock);
		b->off += n;
		d->bytes_written += n;
		d->bytes_buffered -= n;
		if (b->off == b->len) {
			list_del(&b->list);
			gone = drec_recycle_locked(d, b);
		}
		raw_spin_unlock(&d->lock);
		kvfree(gone);
		done += n;
	}
	mutex_unlock(&d->read_lock);
	return done ? (ssize_t)done : ret;
}
