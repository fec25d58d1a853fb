/* SPDX-License-Identifier: GPL-2.0 */
/* damo's number formatting and a big-block output buffer. */
#ifndef DAMONCTL_DAMOFMT_H
#define DAMONCTL_DAMOFMT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * damo's format_time_ns() of @t ns ("23 h 20.852 s", "104.599 ms"), or
 * with @raw its "%d"; at most 64 bytes, not NUL-terminated.
 */
size_t damo_fmt_time(char *p, double t, bool raw);
/* damo's format_sz() ("3.949 MiB", "512 B"), or with @raw the bytes. */
size_t damo_fmt_size(char *p, uint64_t sz, bool raw);
size_t damo_fmt_u64(char *p, uint64_t v);

struct obuf {
	char *buf;
	size_t len, cap;
	int fd;
	int err;		/* errno of the first failed write */
	bool flushed;		/* something was written out */
};

int ob_init(struct obuf *ob, int fd, size_t cap);
/* Write out what is buffered; -1 once a write failed (ob->err). */
int ob_flush(struct obuf *ob);
void ob_free(struct obuf *ob);
void ob_str(struct obuf *ob, const char *s, size_t n);
void ob_printf(struct obuf *ob, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Room for @n bytes at ob->buf + ob->len (flushing first if needed). */
static inline char *ob_room(struct obuf *ob, size_t n)
{
	if (ob->cap - ob->len < n)
		ob_flush(ob);
	return ob->buf + ob->len;
}

#endif /* DAMONCTL_DAMOFMT_H */
