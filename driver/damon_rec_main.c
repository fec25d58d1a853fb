// SPDX-License-Identifier: GPL-2.0
/*
 * damon_rec_main.c - /dev/damon_rec: record DAMON's aggregated snapshots
 *
 * A misc device controlled with the ioctls of <linux/damon_rec.h>.  START
 * attaches a probe to the damon_aggregated tracepoint; the probe rebuilds
 * whole snapshots and commits them to a pool of buffers, which a worker
 * writes to the output file (opened at START, in the caller's context, with
 * the caller's credentials) or which read() streams.  STOP detaches the
 * probe and returns once every byte is in the file; a signal interrupts
 * the wait, and the stop then ends by itself once the output has taken
 * the rest.  See damon_rec(4).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/ktime.h>
#include <linux/limits.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "damon_rec.h"

static struct drec drec_dev;
static const struct file_operations drec_fops;

/* ---------------------------------------------------------------------- */
/* Stop                                                                   */
/* ---------------------------------------------------------------------- */

/*
 * First half of a stop: detach the probe, commit what it was assembling and
 * the end of the record, and hand everything to the writer.  Nothing is
 * committed after this.
 */
static void drec_stop_begin(struct drec *d)
{
	bool failed;

	lockdep_assert_held(&d->ctl_lock);

	if (d->stopping)
		return;
	if (d->probing) {
		drec_probe_unregister(d);
		d->probing = false;
	}

	raw_spin_lock(&d->lock);
	failed = d->failed;
	raw_spin_unlock(&d->lock);
	if (!failed) {
		drec_kds_finish(d);
		if (d->rec_format != DAMON_REC_FMT_V2) {
			if (drec_pool_reserve(d, drec_tail_bound(d), GFP_KERNEL) ||
			    drec_commit_tail(d))
				pr_warn_ratelimited("no memory for the end of the record\n");
		}
	}

	raw_spin_lock(&d->lock);
	drec_promote_cur_locked(d);
	d->stopping = true;
	raw_spin_unlock(&d->lock);
	if (d->out)
		queue_work(d->wq, &d->flush_work);
}

/*
 * Second half of a stop: everything is written, or dropped after an error
 * or at unload.  Close the output and free the recording.
 * Return: 0, or the output error that failed the recording.
 */
static int drec_stop_finish(struct drec *d)
{
	LIST_HEAD(spare);
	bool failed;
	int err;

	lockdep_assert_held(&d->ctl_lock);

	if (d->out) {
		/*
		 * Off the output's wait queues once the worker is idle (it
		 * hooks them), then nothing queues it any more.
		 */
		flush_work(&d->flush_work);
		drec_out_unhook(d);
		flush_work(&d->flush_work);

		raw_spin_lock(&d->lock);
		failed = d->failed;
		err = failed ? d->last_error : 0;
		raw_spin_unlock(&d->lock);

		/* A descriptor's offset ends after the record, as write(2)'s. */
		if (d->output == DAMON_REC_OUT_FD &&
		    S_ISREG(file_inode(d->out)->i_mode) &&
		    !(d->out->f_flags & O_APPEND))
			vfs_llseek(d->out, d->pos, SEEK_SET);
		if (d->output == DAMON_REC_OUT_PATH)
			filp_close(d->out, NULL);
		else
			fput(d->out);
		d->out = NULL;

		raw_spin_lock(&d->lock);
		d->running = false;
		d->stopping = false;
		d->stop_ns = ktime_get_real_ns();
		raw_spin_unlock(&d->lock);
		drec_pool_free(d);
	} else {
		err = 0;
		raw_spin_lock(&d->lock);
		d->running = false;
		d->stopping = false;
		d->stream_eof = true;
		d->stop_ns = ktime_get_real_ns();
		/* Readers free the rest as they drain it. */
		list_splice_init(&d->free, &spare);
		d->nr_bufs -= d->nr_free;
		d->nr_free = 0;
		raw_spin_unlock(&d->lock);
		while (!list_empty(&spare)) {
			struct drec_buf *b = list_first_entry(&spare,
							      struct drec_buf,
							      list);

			list_del(&b->list);
			kvfree(b);
		}
		wake_up_interruptible(&d->readq);
	}

	drec_kds_free(d);
	put_cred(d->cred);
	d->cred = NULL;
	drec_dbg("recording stopped\n");
	return err;
}

/*
 * End the recording: detach the probe, commit what it was assembling and the
 * end of the record, write everything out and close the output.
 *
 * With @wait (STOP), wait until the output has taken every byte, however
 * long that takes, but interruptibly: on a signal the recording is left
 * stopping, and the flush worker ends the stop once all is written (or a
 * later STOP waits again).  Without (unload, after an error), what the
 * output cannot take without blocking is dropped and counted lost.
 *
 * Return: 0, -ERESTARTSYS, or the output error that failed the recording.
 */
static int drec_teardown(struct drec *d, bool wait)
{
	lockdep_assert_held(&d->ctl_lock);

	drec_stop_begin(d);
	if (d->out) {
		if (wait) {
			if (wait_event_interruptible(d->drainq,
						     drec_out_drained(d)))
				return -ERESTARTSYS;
		} else {
			raw_spin_lock(&d->lock);
			d->give_up = true;
			raw_spin_unlock(&d->lock);
			queue_work(d->wq, &d->flush_work);
		}
		flush_work(&d->flush_work);
	}
	return drec_stop_finish(d);
}

static void drec_fail_work_fn(struct work_struct *work)
{
	struct drec *d = container_of(work, struct drec, fail_work);
	bool failed;

	mutex_lock(&d->ctl_lock);
	raw_spin_lock(&d->lock);
	failed = d->failed;
	raw_spin_unlock(&d->lock);
	if (d->running && failed)
		drec_teardown(d, false);
	mutex_unlock(&d->ctl_lock);
}

/* A STOP was interrupted, and the output has now taken everything. */
static void drec_done_work_fn(struct work_struct *work)
{
	struct drec *d = container_of(work, struct drec, done_work);

	mutex_lock(&d->ctl_lock);
	if (d->running && d->stopping && d->out && drec_out_drained(d))
		drec_stop_finish(d);
	mutex_unlock(&d->ctl_lock);
}

/* ---------------------------------------------------------------------- */
/* Start                                                                  */
/* ---------------------------------------------------------------------- */

/*
 * A pipe, FIFO or socket is written without blocking (damon_rec_buf.c):
 * the flush worker must never sleep for a reader that may never come.
 */
static bool drec_out_pollable(struct file *file)
{
	return !S_ISREG(file_inode(file)->i_mode) && file_can_poll(file);
}

/*
 * The output file for a descriptor's file.  A FIFO or pipe is opened anew,
 * O_NONBLOCK, on the same inode, so that the caller's file keeps its own
 * flags; a FIFO that nobody has open for reading fails with EPIPE.  Other
 * files are written through the caller's file itself.
 */
static struct file *drec_fd_output(struct file *file, bool *nonblock)
{
	struct file *out;

	*nonblock = false;
	if (!drec_out_pollable(file))
		return get_file(file);
	if (file->f_flags & O_NONBLOCK) {
		*nonblock = true;
		return get_file(file);
	}
	if (!S_ISFIFO(file_inode(file)->i_mode))
		return get_file(file);
	out = dentry_open(&file->f_path, O_WRONLY | O_NONBLOCK | O_LARGEFILE,
			  current_cred());
	if (IS_ERR(out))
		return PTR_ERR(out) == -ENXIO ? ERR_PTR(-EPIPE) : out;
	*nonblock = true;
	return out;
}

/*
 * kernel_write() writes only through ->write_iter, and refuses a file that
 * also has ->write (as /dev/null has): such an output would fail the
 * recording at its first flush.
 */
static bool drec_kernel_writable(const struct file *file)
{
	return (file->f_mode & FMODE_CAN_WRITE) && file->f_op->write_iter &&
	       !file->f_op->write;
}

static int drec_start(struct drec *d, const struct damon_rec_start *st)
{
	u8 hdr[DREC_V3_HDR_LEN];
	struct file *out = NULL;
	bool nonblock = false;
	size_t hlen;
	u32 output;
	u64 now;
	int err;

	lockdep_assert_held(&d->ctl_lock);

	if (!d->tp) {
		pr_notice_ratelimited("cannot record: the damon_aggregated tracepoint does not exist, this kernel was built without CONFIG_DAMON\n");
		return -EOPNOTSUPP;
	}

	/* What is left of the previous recording's stream goes. */
	mutex_lock(&d->read_lock);
	raw_spin_lock(&d->lock);
	d->stream = false;
	d->stream_eof = false;
	raw_spin_unlock(&d->lock);
	drec_pool_free(d);
	mutex_unlock(&d->read_lock);
	wake_up_interruptible(&d->readq);

	if (d->out_fd_file) {
		out = drec_fd_output(d->out_fd_file, &nonblock);
		if (IS_ERR(out))
			return PTR_ERR(out);
		output = DAMON_REC_OUT_FD;
	} else if (d->path) {
		out = filp_open(d->path, O_WRONLY | O_CREAT | O_TRUNC |
				O_NOFOLLOW | O_LARGEFILE, 0600);
		if (IS_ERR(out))
			return PTR_ERR(out);
		if (!drec_kernel_writable(out)) {
			filp_close(out, NULL);
			return -EINVAL;
		}
		/* Our own file: it may be made non-blocking. */
		if (drec_out_pollable(out)) {
			spin_lock(&out->f_lock);
			out->f_flags |= O_NONBLOCK;
			spin_unlock(&out->f_lock);
			nonblock = true;
		}
		output = DAMON_REC_OUT_PATH;
	} else {
		output = DAMON_REC_OUT_STREAM;
	}

	now = ktime_get_real_ns();
	d->out = out;
	d->out_nonblock = nonblock;
	if (!out)
		d->pos = 0;
	else if (out->f_flags & O_APPEND)
		d->pos = i_size_read(file_inode(out));
	else
		d->pos = out->f_pos;
	d->committed_pos = d->pos;
	d->base_pos = d->pos;

	raw_spin_lock(&d->lock);
	d->rec_format = d->format;
	d->rec_buf_len = d->buf_len;
	d->output = output;
	d->failed = false;
	d->give_up = false;
	d->stopping = false;
	d->stream = output == DAMON_REC_OUT_STREAM;
	d->stream_eof = false;
	d->need_flush = false;
	d->last_filled = NULL;
	d->snapshots = 0;
	d->regions = 0;
	d->bytes_written = 0;
	d->bytes_buffered = 0;
	d->lost_full = 0;
	d->lost_nomem = 0;
	d->lost_error = 0;
	d->last_error = 0;
	d->snaps_written = 0;
	d->regions_written = 0;
	d->start_ns = now;
	d->stop_ns = 0;
	d->v3_prev_ns = now;
	d->v3_next_idx = 0;
	drec_v4_group_init(&d->v4_group);
	d->v4_prev_delta = 0;
	d->v3_iv = (struct drec_intervals){
		.sample_us = st->sample_us,
		.aggr_us = st->aggr_us,
		.update_us = st->update_us,
	};
	raw_spin_unlock(&d->lock);

	err = drec_pool_alloc(d, GFP_KERNEL);
	if (err)
		goto fail;
	/* Where the probe cannot grow the pool, room for two snapshots. */
	if (!DREC_PROBE_MAY_ALLOC) {
		err = drec_pool_reserve(d, 2 * drec_snap_room(d), GFP_KERNEL);
		if (err)
			goto fail;
	}
	err = drec_kds_alloc(d);
	if (err)
		goto fail;
	d->cred = get_current_cred();

	if (d->rec_format == DAMON_REC_FMT_V2) {
		drec_v2_header(hdr);
		hlen = DREC_V2_HDR_LEN;
	} else {
		drec_v3_header(hdr, st, now,
			       DREC_HAS_AGE ? DREC_V3_FLAG_AGE : 0,
			       d->rec_format == DAMON_REC_FMT_V4 ?
			       DREC_V4_VERSION : 3);
		hlen = DREC_V3_HDR_LEN;
	}
	raw_spin_lock(&d->lock);
	err = drec_reserve_locked(d, hlen);
	if (!err) {
		drec_put_locked(d, hdr, hlen);
		drec_unit_end_locked(d, 0, false);
		d->running = true;
	}
	raw_spin_unlock(&d->lock);
	if (err)
		goto fail;

	err = drec_probe_register(d);
	if (err) {
		raw_spin_lock(&d->lock);
		d->running = false;
		raw_spin_unlock(&d->lock);
		goto fail;
	}
	d->probing = true;
	drec_kick(d);
	drec_dbg("recording started: format %u, buffer %u, output %u\n",
		 d->rec_format, d->rec_buf_len, output);
	return 0;

fail:
	drec_kds_free(d);
	if (d->cred) {
		put_cred(d->cred);
		d->cred = NULL;
	}
	drec_pool_free(d);
	raw_spin_lock(&d->lock);
	d->stream = false;
	d->output = DAMON_REC_OUT_NONE;
	raw_spin_unlock(&d->lock);
	if (out) {
		if (output == DAMON_REC_OUT_PATH)
			filp_close(out, NULL);
		else
			fput(out);
	}
	d->out = NULL;
	return err;
}

/* ---------------------------------------------------------------------- */
/* ioctls                                                                 */
/* ---------------------------------------------------------------------- */

static int drec_ioc_get_info(struct drec *d, void __user *uarg)
{
	struct damon_rec_info info;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if ((info.api_version && info.api_version != DAMON_REC_API_VERSION) ||
	    info.flags || info.pad ||
	    memchr_inv(info.reserved, 0, sizeof(info.reserved)))
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.api_version = DAMON_REC_API_VERSION;
	info.features = DAMON_REC_FEAT_STREAM | DAMON_REC_FEAT_OUT_FD |
			DAMON_REC_FEAT_POLL;
	if (d->tp) {
		info.features |= DAMON_REC_FEAT_DAMON;
		if (DREC_HAS_AGE)
			info.features |= DAMON_REC_FEAT_AGE;
		info.tp_proto = DREC_TP_PROTO;
	}
	info.formats = BIT(DAMON_REC_FMT_V2) | BIT(DAMON_REC_FMT_V3) |
		       BIT(DAMON_REC_FMT_V4);
	info.min_buf_len = DAMON_REC_MIN_BUF_LEN;
	info.max_buf_len = DAMON_REC_MAX_BUF_LEN;
	info.max_path_len = PATH_MAX;

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static int drec_ioc_get_status(struct drec *d, void __user *uarg)
{
	struct damon_rec_status st;
	u64 now = ktime_get_real_ns();

	memset(&st, 0, sizeof(st));
	raw_spin_lock(&d->lock);
	if (d->failed)
		st.state = DAMON_REC_STATE_FAILED;
	else if (d->running)
		st.state = DAMON_REC_STATE_RECORDING;
	else
		st.state = DAMON_REC_STATE_IDLE;
	st.output = d->output;
	if (d->output != DAMON_REC_OUT_NONE) {
		st.format = d->rec_format;
		st.buf_len = d->rec_buf_len;
	} else {
		st.format = d->format;
		st.buf_len = d->buf_len;
	}
	st.snapshots = d->snapshots;
	st.regions = d->regions;
	st.bytes_written = d->bytes_written;
	st.bytes_buffered = d->bytes_buffered;
	st.lost_full = d->lost_full;
	st.lost_nomem = d->lost_nomem;
	st.lost_error = d->lost_error;
	st.last_error = d->last_error;
	st.nr_kdamonds = READ_ONCE(d->nr_kds);
	st.start_ns = d->start_ns;
	if (d->running)
		st.duration_ns = now - d->start_ns;
	else if (d->stop_ns)
		st.duration_ns = d->stop_ns - d->start_ns;
	raw_spin_unlock(&d->lock);

	if (copy_to_user(uarg, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

static int drec_ioc_get_path(struct drec *d, void __user *uarg)
{
	struct damon_rec_path rp;
	char *copy = NULL;
	u32 need;
	int err = 0;

	if (copy_from_user(&rp, uarg, sizeof(rp)))
		return -EFAULT;
	if (rp.flags)
		return -EINVAL;

	if (mutex_lock_interruptible(&d->ctl_lock))
		return -ERESTARTSYS;
	need = d->path ? strlen(d->path) + 1 : 1;
	if (rp.len >= need) {
		copy = d->path ? kstrdup(d->path, GFP_KERNEL) :
				 kzalloc(1, GFP_KERNEL);
		if (!copy)
			err = -ENOMEM;
	}
	mutex_unlock(&d->ctl_lock);
	if (err)
		return err;

	if (rp.len < need) {
		rp.len = need;
		if (copy_to_user(uarg, &rp, sizeof(rp)))
			return -EFAULT;
		return -ERANGE;
	}
	if (copy_to_user(u64_to_user_ptr(rp.path), copy, need))
		err = -EFAULT;
	kfree(copy);
	if (err)
		return err;
	rp.len = need;
	if (copy_to_user(uarg, &rp, sizeof(rp)))
		return -EFAULT;
	return 0;
}

static int drec_ioc_set_buf(struct drec *d, u32 __user *uarg)
{
	u32 len;
	int err = 0;

	if (get_user(len, uarg))
		return -EFAULT;
	if (len < DAMON_REC_MIN_BUF_LEN || len > DAMON_REC_MAX_BUF_LEN)
		return -EINVAL;
	if (mutex_lock_interruptible(&d->ctl_lock))
		return -ERESTARTSYS;
	if (d->running)
		err = -EBUSY;
	else
		d->buf_len = len;
	mutex_unlock(&d->ctl_lock);
	return err;
}

static int drec_ioc_set_format(struct drec *d, u32 __user *uarg)
{
	u32 fmt;
	int err = 0;

	if (get_user(fmt, uarg))
		return -EFAULT;
	if (fmt != DAMON_REC_FMT_V2 && fmt != DAMON_REC_FMT_V3 &&
	    fmt != DAMON_REC_FMT_V4)
		return -EINVAL;
	if (mutex_lock_interruptible(&d->ctl_lock))
		return -ERESTARTSYS;
	if (d->running)
		err = -EBUSY;
	else
		d->format = fmt;
	mutex_unlock(&d->ctl_lock);
	return err;
}

/* @rel made absolute against the caller's working directory. */
static char *drec_abs_path(const char *rel)
{
	struct path pwd;
	size_t dlen, rlen = strlen(rel);
	char *buf, *dir, *res;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	get_fs_pwd(current->fs, &pwd);
	if (d_unlinked(pwd.dentry)) {
		path_put(&pwd);
		kfree(buf);
		return ERR_PTR(-ENOENT);
	}
	dir = d_path(&pwd, buf, PATH_MAX);
	path_put(&pwd);
	if (IS_ERR(dir)) {
		kfree(buf);
		return dir;
	}
	dlen = strlen(dir);
	if (dlen + 1 + rlen + 1 > PATH_MAX)
		res = ERR_PTR(-ENAMETOOLONG);
	else if (dlen == 1)	/* "/" */
		res = kasprintf(GFP_KERNEL, "/%s", rel);
	else
		res = kasprintf(GFP_KERNEL, "%s/%s", dir, rel);
	kfree(buf);
	return res ? res : ERR_PTR(-ENOMEM);
}

static int drec_ioc_set_path(struct drec *d, void __user *uarg)
{
	struct damon_rec_path rp;
	struct file *drop = NULL;
	char *kpath, *path = NULL;
	int err = 0;

	if (copy_from_user(&rp, uarg, sizeof(rp)))
		return -EFAULT;
	if (rp.flags)
		return -EINVAL;
	if (rp.len > PATH_MAX)
		return -ENAMETOOLONG;
	if (!rp.len)
		return -EINVAL;
	kpath = memdup_user(u64_to_user_ptr(rp.path), rp.len);
	if (IS_ERR(kpath))
		return PTR_ERR(kpath);
	if (!memchr(kpath, '\0', rp.len)) {
		kfree(kpath);
		return -EINVAL;
	}
	if (kpath[0] == '/') {
		path = kstrdup(kpath, GFP_KERNEL);
		if (!path)
			path = ERR_PTR(-ENOMEM);
	} else if (kpath[0]) {
		path = drec_abs_path(kpath);
	}
	kfree(kpath);
	if (IS_ERR(path))
		return PTR_ERR(path);

	if (mutex_lock_interruptible(&d->ctl_lock)) {
		kfree(path);
		return -ERESTARTSYS;
	}
	if (d->running) {
		err = -EBUSY;
		drop = NULL;
	} else {
		swap(d->path, path);
		if (d->path) {
			drop = d->out_fd_file;
			d->out_fd_file = NULL;
		}
	}
	mutex_unlock(&d->ctl_lock);
	kfree(path);
	if (drop)
		fput(drop);
	return err;
}

static int drec_ioc_set_output_fd(struct drec *d, s32 __user *uarg)
{
	struct file *file = NULL, *drop = NULL;
	char *path = NULL;
	s32 fd;
	int err = 0;

	if (get_user(fd, uarg))
		return -EFAULT;
	if (fd < -1)
		return -EBADF;
	if (fd >= 0) {
		file = fget(fd);
		if (!file)
			return -EBADF;
		if (!(file->f_mode & FMODE_WRITE)) {
			fput(file);
			return -EBADF;
		}
		/* Not this device, not O_DIRECT, something that writes. */
		if (file->f_op == &drec_fops || (file->f_flags & O_DIRECT) ||
		    !drec_kernel_writable(file)) {
			fput(file);
			return -EINVAL;
		}
	}

	if (mutex_lock_interruptible(&d->ctl_lock)) {
		if (file)
			fput(file);
		return -ERESTARTSYS;
	}
	if (d->running) {
		err = -EBUSY;
		drop = file;
	} else {
		drop = d->out_fd_file;
		d->out_fd_file = file;
		if (file) {
			path = d->path;
			d->path = NULL;
		}
	}
	mutex_unlock(&d->ctl_lock);
	if (drop)
		fput(drop);
	kfree(path);
	return err;
}

static int drec_ioc_start(struct drec *d, void __user *uarg)
{
	struct damon_rec_start st;
	int err;

	if (copy_from_user(&st, uarg, sizeof(st)))
		return -EFAULT;
	if (st.flags || st.pad ||
	    memchr_inv(st.reserved, 0, sizeof(st.reserved)) ||
	    st.sample_us > U32_MAX || st.aggr_us > U32_MAX ||
	    st.update_us > U32_MAX)
		return -EINVAL;

	if (mutex_lock_interruptible(&d->ctl_lock))
		return -ERESTARTSYS;
	if (d->running) {
		bool failed;

		raw_spin_lock(&d->lock);
		failed = d->failed;
		raw_spin_unlock(&d->lock);
		if (!failed) {
			err = -EBUSY;
			goto out;
		}
		/* Stopped by a write error: finish that first. */
		drec_teardown(d, false);
	}
	err = drec_start(d, &st);
out:
	mutex_unlock(&d->ctl_lock);
	return err;
}

static int drec_ioc_stop(struct drec *d)
{
	bool failed;
	int err;

	/* A STOP waiting for its output holds ctl_lock. */
	if (mutex_lock_interruptible(&d->ctl_lock))
		return -ERESTARTSYS;
	if (!d->running) {
		err = -EALREADY;
		goto out;
	}
	raw_spin_lock(&d->lock);
	failed = d->failed;
	raw_spin_unlock(&d->lock);
	err = drec_teardown(d, true);
	/* Already stopped by a write error: the status tells which. */
	if (failed)
		err = -EALREADY;
out:
	mutex_unlock(&d->ctl_lock);
	return err;
}

static long drec_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct drec *d = &drec_dev;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DAMON_REC_IOC_GET_INFO:
		return drec_ioc_get_info(d, uarg);
	case DAMON_REC_IOC_GET_STATUS:
		return drec_ioc_get_status(d, uarg);
	case DAMON_REC_IOC_GET_BUF:
		return put_user(READ_ONCE(d->buf_len), (u32 __user *)uarg);
	case DAMON_REC_IOC_GET_PATH:
		return drec_ioc_get_path(d, uarg);
	case DAMON_REC_IOC_GET_FORMAT:
		return put_user(READ_ONCE(d->format), (u32 __user *)uarg);
	case DAMON_REC_IOC_SET_BUF:
	case DAMON_REC_IOC_SET_PATH:
	case DAMON_REC_IOC_SET_OUTPUT_FD:
	case DAMON_REC_IOC_SET_FORMAT:
	case DAMON_REC_IOC_START:
	case DAMON_REC_IOC_STOP:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		break;
	default:
		return -ENOTTY;
	}

	switch (cmd) {
	case DAMON_REC_IOC_SET_BUF:
		return drec_ioc_set_buf(d, uarg);
	case DAMON_REC_IOC_SET_PATH:
		return drec_ioc_set_path(d, uarg);
	case DAMON_REC_IOC_SET_OUTPUT_FD:
		return drec_ioc_set_output_fd(d, uarg);
	case DAMON_REC_IOC_SET_FORMAT:
		return drec_ioc_set_format(d, uarg);
	case DAMON_REC_IOC_START:
		return drec_ioc_start(d, uarg);
	default:
		return drec_ioc_stop(d);
	}
}

/* ---------------------------------------------------------------------- */
/* File operations                                                        */
/* ---------------------------------------------------------------------- */

static int drec_open(struct inode *inode, struct file *file)
{
	return stream_open(inode, file);
}

static ssize_t drec_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	return drec_stream_read(&drec_dev, ubuf, count,
				file->f_flags & O_NONBLOCK);
}

static __poll_t drec_poll(struct file *file, poll_table *wait)
{
	struct drec *d = &drec_dev;

	poll_wait(file, &d->readq, wait);
	return drec_stream_readable(d) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations drec_fops = {
	.owner		= THIS_MODULE,
	.open		= drec_open,
	.read		= drec_read,
	.poll		= drec_poll,
	.unlocked_ioctl	= drec_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice drec_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "damon_rec",
	.fops	= &drec_fops,
	.mode	= 0600,
};

static int __init drec_init(void)
{
	struct drec *d = &drec_dev;
	int err;

	mutex_init(&d->ctl_lock);
	mutex_init(&d->read_lock);
	raw_spin_lock_init(&d->lock);
	raw_spin_lock_init(&d->kd_lock);
	INIT_LIST_HEAD(&d->free);
	INIT_LIST_HEAD(&d->ready);
	init_waitqueue_head(&d->readq);
	INIT_WORK(&d->flush_work, drec_flush_work_fn);
	INIT_WORK(&d->wake_work, drec_wake_work_fn);
	INIT_WORK(&d->slot_work, drec_slot_work_fn);
	INIT_WORK(&d->fail_work, drec_fail_work_fn);
	INIT_WORK(&d->done_work, drec_done_work_fn);
	init_waitqueue_head(&d->drainq);
	d->buf_len = DAMON_REC_DEF_BUF_LEN;
	d->format = DAMON_REC_FMT_V3;
	d->output = DAMON_REC_OUT_NONE;

	d->tp = drec_find_tracepoint();

	/* the debug prints' callsites, to damon_dyndbg before any print */
	err = DDZ_MODULE_REGISTER();
	if (err)
		return err;
	d->wq = alloc_workqueue("damon_rec", WQ_UNBOUND, 1);
	if (!d->wq) {
		DDZ_MODULE_UNREGISTER();
		return -ENOMEM;
	}
	err = misc_register(&drec_misc);
	if (err) {
		destroy_workqueue(d->wq);
		DDZ_MODULE_UNREGISTER();
		return err;
	}
	return 0;
}

static void __exit drec_exit(void)
{
	struct drec *d = &drec_dev;

	misc_deregister(&drec_misc);

	mutex_lock(&d->ctl_lock);
	if (d->running) {
		pr_info("unloading during a recording: stopping it\n");
		drec_teardown(d, false);
		pr_info("recording stopped: %llu snapshots written, %llu lost (%llu to full buffers, %llu to memory, %llu to the output)\n",
			d->snapshots,
			d->lost_full + d->lost_nomem + d->lost_error,
			d->lost_full, d->lost_nomem, d->lost_error);
	}
	mutex_unlock(&d->ctl_lock);
	cancel_work_sync(&d->fail_work);
	cancel_work_sync(&d->done_work);
	cancel_work_sync(&d->wake_work);
	cancel_work_sync(&d->slot_work);
	destroy_workqueue(d->wq);

	drec_pool_free(d);
	kfree(d->path);
	if (d->out_fd_file)
		fput(d->out_fd_file);
	DDZ_MODULE_UNREGISTER();
}

module_init(drec_init);
module_exit(drec_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Record DAMON aggregated access snapshots through /dev/damon_rec");
MODULE_AUTHOR("damonrec developers");
MODULE_VERSION("0.1.0");
