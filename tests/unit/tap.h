/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny TAP producer for the unit tests: every check prints one
 * "ok N - what" or "not ok N - what" line; tap_done() prints the plan and
 * gives the exit status.
 */
#ifndef DAMONREC_TAP_H
#define DAMONREC_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failures;

static void __attribute__((format(printf, 4, 5), unused))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", pass ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failures++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)						\
	do {								\
		long long g_ = (long long)(got), w_ = (long long)(want); \
		tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__);	\
		if (g_ != w_)						\
			printf("#   got %lld, want %lld\n", g_, w_);	\
	} while (0)

#define is_u64(got, want, ...)						\
	do {								\
		uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);	\
		tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__);	\
		if (g_ != w_)						\
			printf("#   got %" PRIu64 " (0x%" PRIx64 "), want %" PRIu64 " (0x%" PRIx64 ")\n", \
			       g_, g_, w_, w_);				\
	} while (0)

#define is_str(got, want, ...)						\
	do {								\
		const char *g_ = (got), *w_ = (want);			\
		int e_ = g_ && w_ && !strcmp(g_, w_);			\
		tap_ok(e_, __FILE__, __LINE__, __VA_ARGS__);		\
		if (!e_)						\
			printf("#   got \"%s\", want \"%s\"\n",		\
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

/* Substring check, for error messages. */
#define has_str(got, want, ...)						\
	do {								\
		const char *g_ = (got), *w_ = (want);			\
		int e_ = g_ && w_ && strstr(g_, w_);			\
		tap_ok(e_, __FILE__, __LINE__, __VA_ARGS__);		\
		if (!e_)						\
			printf("#   \"%s\" does not contain \"%s\"\n",	\
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

static int __attribute__((unused)) tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

#endif /* DAMONREC_TAP_H */
