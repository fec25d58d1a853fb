// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Version, format names, CRC-32 and number formatting.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "internal.h"

#ifndef DAMONREC_VERSION
#error "DAMONREC_VERSION must be defined by the build"
#endif

const char *damonrec_version_string(void)
{
	return DAMONREC_VERSION;
}

static const struct {
	enum damonrec_format fmt;
	const char *name;
} format_names[] = {
	{ DAMONREC_FORMAT_V0, "v0" },
	{ DAMONREC_FORMAT_V1, "v1" },
	{ DAMONREC_FORMAT_V2, "v2" },
	{ DAMONREC_FORMAT_V3, "v3" },
	{ DAMONREC_FORMAT_V4, "v4" },
	{ DAMONREC_FORMAT_JSON, "json" },
	{ DAMONREC_FORMAT_CSV, "csv" },
	{ DAMONREC_FORMAT_PERF_SCRIPT, "perf-script" },
	{ DAMONREC_FORMAT_DAMO, "damo" },
	{ DAMONREC_FORMAT_DAMO_JSON, "damo-json" },
};

const char *damonrec_format_name(enum damonrec_format fmt)
{
	size_t i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (format_names[i].fmt == fmt)
			return format_names[i].name;
	return NULL;
}

int damonrec_format_parse(const char *name, enum damonrec_format *fmt)
{
	size_t i;

	if (name && fmt)
		for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]);
		     i++)
			if (!strcmp(format_names[i].name, name)) {
				*fmt = format_names[i].fmt;
				return 0;
			}
	errno = EINVAL;
	return -1;
}

/* Slicing-by-8 CRC-32 (reflected polynomial 0xEDB88320). */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			crc_table[j][i] = (crc_table[j - 1][i] >> 8) ^
				crc_table[0][crc_table[j - 1][i] & 0xff];
}

uint32_t dr_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (len >= 8) {
		uint32_t a = dr_le32(p) ^ crc, b = dr_le32(p + 4);

		crc = crc_table[7][a & 0xff] ^ crc_table[6][(a >> 8) & 0xff] ^
		      crc_table[5][(a >> 16) & 0xff] ^ crc_table[4][a >> 24] ^
		      crc_table[3][b & 0xff] ^ crc_table[2][(b >> 8) & 0xff] ^
		      crc_table[1][(b >> 16) & 0xff] ^ crc_table[0][b >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

size_t dr_fmt_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

size_t dr_fmt_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p = '-';
		return 1 + dr_fmt_u64(p + 1, 0 - (uint64_t)v);
	}
	return dr_fmt_u64(p, (uint64_t)v);
}

int64_t damonrec_first_start(int64_t first_end, int64_t last_end, uint64_t n,
			     uint64_t aggr_us)
{
	double mean;

	if (n < 2)
		return first_end - (int64_t)(aggr_us ? aggr_us : 100000) * 1000;
	/* As damo computes it: in floating point, then truncated. */
	mean = (double)(last_end - first_end) / (double)(n - 1);
	return (int64_t)((double)first_end - mean);
}
