// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Record reader: buffered input, format detection, error bookkeeping and
 * dispatch to the format back ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* The input buffer starts small and grows while a big input streams in. */
#define DR_READ_BUF	(64u << 10)
#define DR_READ_BUF_MAX	(1u << 20)
#define DR_DETECT_LEN	64

ssize_t dr_fill(struct damonrec_reader *r, size_t n)
{
	size_t avail = r->len - r->pos;

	if (avail >= n || r->eof)
		return (ssize_t)avail;
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, avail);
		r->base += r->pos;
		r->len = avail;
		r->pos = 0;
	}
	if (n > r->cap || (r->cap < DR_READ_BUF_MAX && r->base)) {
		size_t cap = r->cap * 2 > n ? r->cap * 2 : n;
		unsigned char *b = realloc(r->buf, cap);

		if (!b) {
			dr_fail(r, ENOMEM, dr_off(r),
				"out of memory for a %zu-byte input buffer",
				cap);
			return -1;
		}
		r->buf = b;
		r->cap = cap;
	}
	while (r->len < n) {
		ssize_t k = read(r->fd, r->buf + r->len, r->cap - r->len);

		if (k < 0) {
			struct pollfd pfd = { r->fd, POLLIN, 0 };

			if (errno == EINTR)
				continue;
			/* A non-blocking fd (a streaming device): wait. */
			if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
			    (poll(&pfd, 1, -1) >= 0 || errno == EINTR))
				continue;
			dr_fail_io(r);
			return -1;
		}
		if (k == 0) {
			r->eof = true;
			break;
		}
		r->len += (size_t)k;
	}
	return (ssize_t)(r->len - r->pos);
}

int dr_getc_slow(struct damonrec_reader *r)
{
	ssize_t n = dr_fill(r, 1);

	if (n < 0)
		return -2;
	if (n == 0)
		return -1;
	return r->buf[r->pos++];
}

int dr_fail(struct damonrec_reader *r, int err, uint64_t off,
	    const char *fmt, ...)
{
	va_list ap;

	if (r->failed)		/* keep the first, most precise, reason */
		return -1;
	r->failed = true;
	r->err = err;
	r->err_off = off;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

int dr_snap_fail(struct damonrec_reader *r, uint64_t off)
{
	if (errno == E2BIG)
		return dr_fail(r, E2BIG, off,
			       "snapshot at offset %llu: more than %u regions or %u targets, which no recorder writes",
			       (unsigned long long)off, DR_MAX_REGIONS,
			       DR_MAX_TARGETS);
	return dr_fail(r, ENOMEM, off, "snapshot at offset %llu: out of memory",
		       (unsigned long long)off);
}

int dr_fail_io(struct damonrec_reader *r)
{
	int err = errno;

	return dr_fail(r, err, r->base + r->len, "read error at offset %llu: %s",
		       (unsigned long long)(r->base + r->len), strerror(err));
}

static bool is_text(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\n' &&
		    p[i] != '\r' && p[i] != '\t')
			return false;
	return true;
}

static int detect(struct damonrec_reader *r)
{
	const unsigned char *p;
	ssize_t n = dr_fill(r, DR_DETECT_LEN);
	size_t i;

	if (n < 0)
		return -1;
	p = r->buf + r->pos;
	if (n == 0) {
		dr_fail(r, ENODATA, 0, "empty input: no record in it");
		return 0;
	}
	if (n >= DR_MAGIC_LEN && !memcmp(p, DR_MAGIC, DR_MAGIC_LEN)) {
		uint32_t v, sv;

		if (n < DR_MAGIC_LEN + 4) {
			dr_fail(r, ENODATA, 0,
				"record header at offset 0: file ends inside it (needs %zu more bytes)",
				DR_MAGIC_LEN + 4 - (size_t)n);
			return 0;
		}
		v = dr_ld32(p + DR_MAGIC_LEN);
		sv = __builtin_bswap32(v);
		if (dr_le32(p + DR_MAGIC_LEN) == 3)
			r->fmt = DAMONREC_FORMAT_V3;
		else if (dr_le32(p + DR_MAGIC_LEN) == V4_VERSION)
			r->fmt = DAMONREC_FORMAT_V4;
		else if (v == 1 || v == 2 || sv == 1 || sv == 2)
			r->fmt = (v == 1 || sv == 1) ? DAMONREC_FORMAT_V1 :
						       DAMONREC_FORMAT_V2;
		else
			dr_fail(r, EBADMSG, DR_MAGIC_LEN,
				"record header at offset 0: unknown record version %u",
				DR_HOST_LE ? v : sv);
		return 0;
	}
	if ((size_t)n < DR_MAGIC_LEN && !memcmp(p, DR_MAGIC, (size_t)n)) {
		dr_fail(r, ENODATA, 0,
			"record header at offset 0: file ends inside it (needs %zu more bytes)",
			DR_MAGIC_LEN + 4 - (size_t)n);
		return 0;
	}
	if (n >= 8 && (!memcmp(p, "PERFILE2", 8) || !memcmp(p, "PERFFILE", 8))) {
		dr_fail(r, EMEDIUMTYPE, 0,
			"a binary perf.data file, not a record: decode it with 'perf script' first");
		return 0;
	}
	if (is_text(p, (size_t)n)) {
		for (i = 0; i < (size_t)n && strchr(" \t\r\n", p[i]); i++)
			;
		if (i < (size_t)n && p[i] == '[')
			r->fmt = DAMONREC_FORMAT_DAMO_JSON;
		else if (i < (size_t)n && p[i] == '{')
			r->fmt = DAMONREC_FORMAT_JSON;
		else if ((size_t)n >= 8 && !memcmp(p, "time_ns,", 8))
			r->fmt = DAMONREC_FORMAT_CSV;
		else
			r->fmt = DAMONREC_FORMAT_PERF_SCRIPT;
		return 0;
	}
	/* A zlib stream (RFC 1950 header): damo's json_compressed. */
	if (n >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 &&
	    ((p[0] << 8) | p[1]) % 31 == 0) {
		r->fmt = DAMONREC_FORMAT_DAMO;
		return 0;
	}
	/* v0 has no magic: a first snapshot with a valid time and targets. */
	if (n >= 20) {
		int64_t nsec = (int64_t)dr_ld64(p + 8);
		uint32_t nr_targets = dr_ld32(p + 16);

		if (nsec >= 0 && nsec < 1000000000 && nr_targets &&
		    nr_targets <= DR_MAX_TARGETS) {
			r->fmt = DAMONREC_FORMAT_V0;
			return 0;
		}
	}
	dr_fail(r, EBADMSG, 0,
		"unknown format at offset 0: no damonrec magic, and not a v0, JSON, CSV, perf-script or damo record");
	return 0;
}

static bool format_readable(enum damonrec_format fmt)
{
	switch (fmt) {
	case DAMONREC_FORMAT_V0:
	case DAMONREC_FORMAT_V1:
	case DAMONREC_FORMAT_V2:
	case DAMONREC_FORMAT_V3:
	case DAMONREC_FORMAT_V4:
	case DAMONREC_FORMAT_JSON:
	case DAMONREC_FORMAT_CSV:
	case DAMONREC_FORMAT_PERF_SCRIPT:
	case DAMONREC_FORMAT_DAMO:
	case DAMONREC_FORMAT_DAMO_JSON:
	case DAMONREC_FORMAT_AUTO:
		return true;
	}
	return false;
}

static struct damonrec_reader *reader_new(int fd, bool own,
					  enum damonrec_format fmt)
{
	struct damonrec_reader *r;
	int ret = 0, err;

	if (fd < 0 || !format_readable(fmt)) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->fd = fd;
	r->own_fd = own;
	r->fmt = fmt;
	r->cap = DR_READ_BUF;
	r->buf = malloc(r->cap);
	r->snap = dr_snap_new_limited();
	if (!r->buf || !r->snap)
		goto fail;

	if (fmt == DAMONREC_FORMAT_AUTO && detect(r) < 0)
		goto fail_io;
	if (r->failed)
		return r;	/* reported by the first next() */

	switch (r->fmt) {
	case DAMONREC_FORMAT_V0:
	case DAMONREC_FORMAT_V1:
	case DAMONREC_FORMAT_V2:
		ret = dr_bin_open(r);
		break;
	case DAMONREC_FORMAT_V3:
	case DAMONREC_FORMAT_V4:
		ret = dr_v3_open(r);
		break;
	case DAMONREC_FORMAT_JSON:
		ret = dr_json_open(r);
		break;
	case DAMONREC_FORMAT_CSV:
		ret = dr_csv_open(r);
		break;
	case DAMONREC_FORMAT_PERF_SCRIPT:
		ret = dr_perf_open(r);
		break;
	case DAMONREC_FORMAT_DAMO:
	case DAMONREC_FORMAT_DAMO_JSON:
		ret = dr_damo_open(r);
		break;
	default:
		break;
	}
	/* Formats whose regions always carry an age. */
	r->age = r->fmt == DAMONREC_FORMAT_JSON || r->fmt == DAMONREC_FORMAT_CSV ||
		 r->age;
	/* Content errors wait for next(); I/O and memory errors fail now. */
	if (ret < 0 && r->failed && r->err != EBADMSG && r->err != ENODATA)
		goto fail_io;
	return r;

fail_io:
	err = r->failed ? r->err : errno;
	r->own_fd = false;
	damonrec_reader_close(r);
	errno = err;
	return NULL;
fail:
	err = errno;
	r->own_fd = false;
	damonrec_reader_close(r);
	errno = err;
	return NULL;
}

struct damonrec_reader *damonrec_reader_open_fd(int fd,
						enum damonrec_format fmt)
{
	return reader_new(fd, false, fmt);
}

struct damonrec_reader *damonrec_reader_open(const char *path)
{
	struct damonrec_reader *r;
	int fd, err;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	if (!strcmp(path, "-"))
		return reader_new(STDIN_FILENO, false, DAMONREC_FORMAT_AUTO);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	r = reader_new(fd, true, DAMONREC_FORMAT_AUTO);
	if (!r) {
		err = errno;
		close(fd);
		errno = err;
	}
	return r;
}

void damonrec_reader_close(struct damonrec_reader *r)
{
	if (!r)
		return;
	dr_v3_free(r);
	dr_json_free(r);
	dr_text_free(r);
	dr_damo_free(r);
	damonrec_snapshot_free(r->snap);
	free(r->buf);
	if (r->own_fd)
		close(r->fd);
	free(r);
}

enum damonrec_format damonrec_reader_get_format(const struct damonrec_reader *r)
{
	return r->fmt;
}

void damonrec_reader_get_intervals(const struct damonrec_reader *r,
				   struct damonrec_intervals *iv)
{
	*iv = r->iv;
}

int64_t damonrec_reader_get_start_time(const struct damonrec_reader *r)
{
	return r->start_ns;
}

int damonrec_reader_next(struct damonrec_reader *r,
			 const struct damonrec_snapshot **snap)
{
	const struct damonrec_snapshot *s = r->snap;
	int ret;

	if (r->failed) {
		errno = r->err;
		return -1;
	}
	if (r->done)
		return 0;
	switch (r->fmt) {
	case DAMONREC_FORMAT_V0:
	case DAMONREC_FORMAT_V1:
	case DAMONREC_FORMAT_V2:
		ret = dr_bin_next(r);
		break;
	case DAMONREC_FORMAT_V3:
	case DAMONREC_FORMAT_V4:
		ret = dr_v3_next(r, &s);
		break;
	case DAMONREC_FORMAT_JSON:
		ret = dr_json_next(r);
		break;
	case DAMONREC_FORMAT_CSV:
		ret = dr_csv_next(r);
		break;
	case DAMONREC_FORMAT_PERF_SCRIPT:
		ret = dr_perf_next(r, &s);
		break;
	case DAMONREC_FORMAT_DAMO:
	case DAMONREC_FORMAT_DAMO_JSON:
		ret = dr_damo_next(r);
		break;
	default:
		ret = dr_fail(r, EINVAL, 0, "no format to read");
		break;
	}
	if (ret < 0) {
		if (!r->failed)
			dr_fail(r, errno ? errno : EIO, dr_off(r), "%s",
				strerror(errno ? errno : EIO));
		errno = r->err;
		return -1;
	}
	if (ret == 0) {
		r->done = true;
		return 0;
	}
	if (!r->start_known) {
		r->start_ns = s->time;
		r->start_known = true;
	}
	/* Formats without INTERVALS frames: the header's for every snapshot. */
	if (s == r->snap && !dr_iv_known(&r->snap->iv))
		r->snap->iv = r->iv;
	if (snap)
		*snap = s;
	return 1;
}

uint64_t damonrec_reader_get_error_offset(const struct damonrec_reader *r)
{
	return r->err_off;
}

const char *damonrec_reader_get_error_message(const struct damonrec_reader *r)
{
	return r->failed ? r->msg : "";
}

uint64_t damonrec_reader_get_offset(const struct damonrec_reader *r)
{
	return dr_off(r);
}

uint64_t damonrec_reader_get_lost(const struct damonrec_reader *r)
{
	return r->lost;
}

bool damonrec_reader_has_end(const struct damonrec_reader *r)
{
	return r->has_end;
}

bool damonrec_reader_has_age(const struct damonrec_reader *r)
{
	return r->age;
}

const char *damonrec_reader_get_data_source(const struct damonrec_reader *r,
					    unsigned int kdamond, uint64_t id)
{
	return dr_damo_source(r, kdamond, id);
}

unsigned int damonrec_reader_get_dropped(const struct damonrec_reader *r)
{
	return dr_damo_dropped(r);
}
