// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdamonrec: /dev/damon_rec control, a thin layer over the ioctls of
 * include/uapi/linux/damon_rec.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/damon_rec.h>

#include "damonrec.h"

struct damonrec_device {
	int fd;
};

struct damonrec_device *damonrec_device_open_flags(const char *path, int flags)
{
	struct damonrec_device *dev;
	int fd;

	if (!path)
		path = DAMONREC_DEVICE_PATH;
	if (flags & ~(O_NONBLOCK | O_CLOEXEC)) {
		errno = EINVAL;
		return NULL;
	}
	/*
	 * Control ioctls check CAP_SYS_ADMIN, not the open mode; fall back to
	 * read-only so that status works where write access is not granted.
	 */
	fd = open(path, O_RDWR | O_CLOEXEC | flags);
	if (fd < 0 && (errno == EACCES || errno == EROFS))
		fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return NULL;

	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	dev->fd = fd;
	return dev;
}

struct damonrec_device *damonrec_device_open(const char *path)
{
	return damonrec_device_open_flags(path, 0);
}

void damonrec_device_close(struct damonrec_device *dev)
{
	int saved = errno;

	if (!dev)
		return;
	close(dev->fd);
	free(dev);
	errno = saved;
}

int damonrec_device_get_fd(struct damonrec_device *dev)
{
	if (!dev) {
		errno = EINVAL;
		return -1;
	}
	return dev->fd;
}

/* ioctl() restarted on EINTR; STOP may wait for a flush. */
static int dev_ioctl(struct damonrec_device *dev, unsigned long req, void *arg)
{
	int ret;

	if (!dev) {
		errno = EINVAL;
		return -1;
	}
	do {
		ret = ioctl(dev->fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -1 : 0;
}

int damonrec_device_get_info(struct damonrec_device *dev,
			     struct damonrec_device_info *info)
{
	struct damon_rec_info ki;

	if (!info) {
		errno = EINVAL;
		return -1;
	}
	memset(&ki, 0, sizeof(ki));
	ki.api_version = DAMON_REC_API_VERSION;
	if (dev_ioctl(dev, DAMON_REC_IOC_GET_INFO, &ki))
		return -1;

	memset(info, 0, sizeof(*info));
	info->api_version = ki.api_version;
	info->damon_available = ki.features & DAMON_REC_FEAT_DAMON;
	info->stream = ki.features & DAMON_REC_FEAT_STREAM;
	info->output_fd = ki.features & DAMON_REC_FEAT_OUT_FD;
	info->age = ki.features & DAMON_REC_FEAT_AGE;
	info->formats = ki.formats;
	info->min_buf_len = ki.min_buf_len;
	info->max_buf_len = ki.max_buf_len;
	info->max_path_len = ki.max_path_len;
	info->tp_proto = ki.tp_proto;
	return 0;
}

int damonrec_device_get_status(struct damonrec_device *dev,
			       struct damonrec_device_status *st)
{
	struct damon_rec_status ks;

	if (!st) {
		errno = EINVAL;
		return -1;
	}
	memset(&ks, 0, sizeof(ks));
	if (dev_ioctl(dev, DAMON_REC_IOC_GET_STATUS, &ks))
		return -1;

	memset(st, 0, sizeof(*st));
	st->state = (enum damonrec_state)ks.state;
	st->format = (enum damonrec_format)ks.format;
	st->output = (enum damonrec_output)ks.output;
	st->buf_len = ks.buf_len;
	st->snapshots = ks.snapshots;
	st->regions = ks.regions;
	st->bytes_written = ks.bytes_written;
	st->bytes_buffered = ks.bytes_buffered;
	st->lost_full = ks.lost_full;
	st->lost_nomem = ks.lost_nomem;
	st->lost_error = ks.lost_error;
	st->last_error = ks.last_error < 0 ? -ks.last_error : ks.last_error;
	st->nr_kdamonds = ks.nr_kdamonds;
	st->start_ns = ks.start_ns;
	st->duration_ns = ks.duration_ns;
	return 0;
}

int damonrec_device_get_buffer_size(struct damonrec_device *dev, uint32_t *len)
{
	__u32 v = 0;

	if (!len) {
		errno = EINVAL;
		return -1;
	}
	if (dev_ioctl(dev, DAMON_REC_IOC_GET_BUF, &v))
		return -1;
	*len = v;
	return 0;
}

int damonrec_device_set_buffer_size(struct damonrec_device *dev, uint32_t len)
{
	__u32 v = len;

	return dev_ioctl(dev, DAMON_REC_IOC_SET_BUF, &v);
}

int damonrec_device_get_output_path(struct damonrec_device *dev, char *buf,
				    size_t size)
{
	struct damon_rec_path p;

	if (!buf || !size || size > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.path = (__u64)(uintptr_t)buf;
	p.len = (__u32)size;
	buf[0] = '\0';
	if (dev_ioctl(dev, DAMON_REC_IOC_GET_PATH, &p))
		return -1;
	/* Terminate defensively: the driver reports the length with its NUL. */
	if (p.len == 0)
		buf[0] = '\0';
	else if (p.len <= size)
		buf[p.len - 1] = '\0';
	else
		buf[size - 1] = '\0';
	return 0;
}

int damonrec_device_set_output_path(struct damonrec_device *dev,
				    const char *path)
{
	struct damon_rec_path p;
	size_t len;

	if (!path)
		path = "";
	len = strlen(path) + 1;
	if (len > UINT32_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.path = (__u64)(uintptr_t)path;
	p.len = (__u32)len;
	return dev_ioctl(dev, DAMON_REC_IOC_SET_PATH, &p);
}

int damonrec_device_set_output_fd(struct damonrec_device *dev, int fd)
{
	__s32 v = fd;

	return dev_ioctl(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &v);
}

int damonrec_device_get_format(struct damonrec_device *dev,
			       enum damonrec_format *fmt)
{
	__u32 v = 0;

	if (!fmt) {
		errno = EINVAL;
		return -1;
	}
	if (dev_ioctl(dev, DAMON_REC_IOC_GET_FORMAT, &v))
		return -1;
	*fmt = (enum damonrec_format)v;
	return 0;
}

int damonrec_device_set_format(struct damonrec_device *dev,
			       enum damonrec_format fmt)
{
	__u32 v;

	if (fmt != DAMONREC_FORMAT_V2 && fmt != DAMONREC_FORMAT_V3 &&
	    fmt != DAMONREC_FORMAT_V4) {
		errno = EINVAL;
		return -1;
	}
	v = (__u32)fmt;
	return dev_ioctl(dev, DAMON_REC_IOC_SET_FORMAT, &v);
}

int damonrec_device_start(struct damonrec_device *dev,
			  const struct damonrec_intervals *iv)
{
	struct damon_rec_start s;

	memset(&s, 0, sizeof(s));
	if (iv) {
		s.sample_us = iv->sample_us;
		s.aggr_us = iv->aggr_us;
		s.update_us = iv->update_us;
	}
	return dev_ioctl(dev, DAMON_REC_IOC_START, &s);
}

int damonrec_device_stop(struct damonrec_device *dev)
{
	return dev_ioctl(dev, DAMON_REC_IOC_STOP, NULL);
}

ssize_t damonrec_device_read(struct damonrec_device *dev, void *buf, size_t len)
{
	ssize_t n;

	if (!dev || (!buf && len)) {
		errno = EINVAL;
		return -1;
	}
	n = read(dev->fd, buf, len);
	return n < 0 ? -1 : n;
}
