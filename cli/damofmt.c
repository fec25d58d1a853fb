// SPDX-License-Identifier: GPL-2.0
/*
 * damo's number formatting, reproduced exactly, and a large output buffer
 * written in big blocks.  Times go through doubles as damo's
 * format_time_ns() does (the same IEEE arithmetic, the same truncations);
 * sizes are rounded by hand as printf("%.3f") rounds them.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "damofmt.h"

#define NS_US	1e3
#define NS_MS	1e6
#define NS_S	1e9
#define NS_M	6e10
#define NS_H	3.6e12

static size_t put_ll(char *p, long long v)
{
	return (size_t)sprintf(p, "%lld", v);
}

size_t damo_fmt_time(char *p, double t, bool raw)
{
	const char *unit;
	char *o = p;
	double u;

	if (raw)
		return put_ll(p, (long long)t);
	if (t < 0) {
		*p++ = '-';
		t = -t;
	}
	/* float(2**64 - 1) is 2**64 */
	if (t >= 18446744073709551616.0)
		return (size_t)(p - o) + (size_t)sprintf(p, "max");
	if (t >= NS_H) {
		uint64_t h = (uint64_t)(t / NS_H);
		double less = t - (double)(h * 3600000000000ULL);

		p += sprintf(p, "%" PRIu64 " h", h);
		if (less == 0)
			return (size_t)(p - o);
		*p++ = ' ';
		return (size_t)(p - o) + damo_fmt_time(p, less, false);
	}
	if (t >= NS_M) {
		double m = fmod(t, NS_M);

		if (m == 0)
			p += sprintf(p, "%lld m", (long long)(t / NS_M));
		else if (fmod(t, NS_S) == 0)
			p += sprintf(p, "%lld m %lld s", (long long)(t / NS_M),
				     (long long)(m / NS_S));
		else
			p += sprintf(p, "%lld m %.3f s", (long long)(t / NS_M),
				     m / NS_S);
		return (size_t)(p - o);
	}
	if (t >= NS_S) {
		u = NS_S;
		unit = "s";
	} else if (t >= NS_MS) {
		u = NS_MS;
		unit = "ms";
	} else if (t >= NS_US) {
		u = NS_US;
		unit = "us";
	} else {
		return (size_t)(p - o) + (size_t)sprintf(p, "%lld ns", (long long)t);
	}
	if (fmod(t, u) == 0)
		p += sprintf(p, "%lld %s", (long long)(t / u), unit);
	else
		p += sprintf(p, "%.3f %s", t / u, unit);
	return (size_t)(p - o);
}

static const char *const size_units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

size_t damo_fmt_size(char *p, uint64_t sz, bool raw)
{
	unsigned int k, i;
	unsigned __int128 num;
	uint64_t q, rem, half;
	char *o = p;

	if (raw || sz <= 1024) {
		p += damo_fmt_u64(p, sz);
		if (!raw) {
			memcpy(p, " B", 2);
			p += 2;
		}
		return (size_t)(p - o);
	}
	if (sz >= (1ULL << 53)) {
		/* Where a double no longer holds every byte count exactly. */
		double d = (double)sz;

		if (d == 18446744073709551616.0)
			return (size_t)sprintf(p, "max");
		for (i = 5; i > 0 && !(d > ldexp(1, (int)(10 * (i + 1)))); i--)
			;
		return (size_t)sprintf(p, "%.3f %s", d / ldexp(1, (int)(10 * (i + 1))),
				       size_units[i]);
	}
	/* The unit: the largest 2^(10 i) that sz is strictly above. */
	for (i = 5; i > 0 && sz <= (1ULL << (10 * (i + 1))); i--)
		;
	k = 10 * (i + 1);
	/* sz / 2^k to three decimals, rounded half to even as printf does. */
	num = (unsigned __int128)sz * 1000;
	q = (uint64_t)(num >> k);
	rem = (uint64_t)(num & ((1ULL << k) - 1));
	half = 1ULL << (k - 1);
	if (rem > half || (rem == half && (q & 1)))
		q++;
	p += damo_fmt_u64(p, q / 1000);
	*p++ = '.';
	*p++ = (char)('0' + q / 100 % 10);
	*p++ = (char)('0' + q / 10 % 10);
	*p++ = (char)('0' + q % 10);
	*p++ = ' ';
	memcpy(p, size_units[i], 3);
	p += 3;
	return (size_t)(p - o);
}

size_t damo_fmt_u64(char *p, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* ------------------------------------------------------------------ */
/* Output buffer                                                        */
/* ------------------------------------------------------------------ */

int ob_init(struct obuf *ob, int fd, size_t cap)
{
	memset(ob, 0, sizeof(*ob));
	ob->buf = malloc(cap);
	if (!ob->buf)
		return -1;
	ob->cap = cap;
	ob->fd = fd;
	return 0;
}

int ob_flush(struct obuf *ob)
{
	size_t off = 0;

	if (ob->len)
		ob->flushed = true;
	while (off < ob->len && !ob->err) {
		ssize_t n = write(ob->fd, ob->buf + off, ob->len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ob->err = errno;
			break;
		}
		off += (size_t)n;
	}
	ob->len = 0;
	return ob->err ? -1 : 0;
}

void ob_free(struct obuf *ob)
{
	free(ob->buf);
	ob->buf = NULL;
}

void ob_str(struct obuf *ob, const char *s, size_t n)
{
	while (n) {
		size_t k;

		if (ob->len == ob->cap && ob_flush(ob))
			return;
		k = ob->cap - ob->len < n ? ob->cap - ob->len : n;
		memcpy(ob->buf + ob->len, s, k);
		ob->len += k;
		s += k;
		n -= k;
	}
}

void ob_printf(struct obuf *ob, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		ob_str(ob, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}
