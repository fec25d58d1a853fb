// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Writer of damo's record formats: a JSON array with one record per
 * kdamond and target, each holding all of that target's snapshots, as
 * plain text ("json") or compressed into one zlib stream as Python's
 * zlib.compress() makes it ("json_compressed").
 *
 * Snapshots arrive in time order, targets interleaved, so each target's
 * snapshots are kept as text in a temporary file until the end; the first
 * snapshot's start_time is written last, once the mean time between
 * snapshots is known (damonrec_first_start()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

#define DW_MAX_KEYS	256
#define DW_CHUNK	(256u << 10)

struct dw_key {
	unsigned int kd;
	uint64_t id;
	FILE *tmp;
	uint64_t n;
	int64_t first_end, last_end, prev_end;
	int64_t first_start;		/* INT64_MIN: to infer */
	char source[64];
};

struct damo_writer {
	bool z;
	struct damonrec_record_meta meta;
	struct dw_key keys[DW_MAX_KEYS];
	size_t nr;
	size_t hint;
	char *line;			/* a region's text */

	/* output */
	int fd;
	uint64_t *bytes;
	z_stream zs;
	bool z_init;
	unsigned char *zout;
	int err;
};

struct damo_writer *dr_damo_writer_new(bool compress,
				       const struct damonrec_record_meta *meta)
{
	struct damo_writer *dw = calloc(1, sizeof(*dw));

	if (!dw)
		return NULL;
	dw->z = compress;
	if (meta)
		dw->meta = *meta;
	dw->line = malloc(DW_CHUNK);
	if (!dw->line) {
		free(dw);
		return NULL;
	}
	return dw;
}

void dr_damo_writer_free(struct damo_writer *dw)
{
	size_t i;

	if (!dw)
		return;
	for (i = 0; i < dw->nr; i++)
		if (dw->keys[i].tmp)
			fclose(dw->keys[i].tmp);
	if (dw->z_init)
		deflateEnd(&dw->zs);
	free(dw->zout);
	free(dw->line);
	free(dw);
}

static struct dw_key *dw_key(struct damo_writer *dw, unsigned int kd,
			     uint64_t id)
{
	struct dw_key *k;
	size_t i;

	if (dw->hint < dw->nr && dw->keys[dw->hint].kd == kd &&
	    dw->keys[dw->hint].id == id)
		return &dw->keys[dw->hint];
	for (i = 0; i < dw->nr; i++)
		if (dw->keys[i].kd == kd && dw->keys[i].id == id) {
			dw->hint = i;
			return &dw->keys[i];
		}
	if (dw->nr == DW_MAX_KEYS) {
		errno = E2BIG;
		return NULL;
	}
	k = &dw->keys[dw->nr];
	k->tmp = tmpfile();
	if (!k->tmp)
		return NULL;
	k->kd = kd;
	k->id = id;
	k->n = 0;
	dw->hint = dw->nr++;
	return k;
}

#define PUTS(c, x) (memcpy((c), (x), sizeof(x) - 1), (c) += sizeof(x) - 1)

int dr_damo_writer_add(struct damo_writer *dw, const struct damonrec_snapshot *s)
{
	size_t t, j;

	for (t = 0; t < s->nr_targets; t++) {
		const struct damonrec_target *tg = &s->targets[t];
		struct dw_key *k = dw_key(dw, s->kdamond, tg->id);
		char *c = dw->line;
		int64_t start;

		if (!k)
			return -1;
		if (!k->n) {
			/* Its start_time is written at the end. */
			k->first_end = s->time;
			k->first_start = s->start;
		} else {
			start = s->start != INT64_MIN ? s->start : k->prev_end;
			PUTS(c, ",\n        {\"start_time\": ");
			c += dr_fmt_i64(c, start);
			PUTS(c, ", ");
		}
		PUTS(c, "\"end_time\": ");
		c += dr_fmt_i64(c, s->time);
		PUTS(c, ",\n         \"regions\": [");
		for (j = 0; j < tg->nr; j++) {
			const struct damonrec_region *r = &tg->regions[j];

			if ((size_t)(c - dw->line) > DW_CHUNK - 256) {
				if (fwrite(dw->line, 1, (size_t)(c - dw->line), k->tmp) !=
				    (size_t)(c - dw->line))
					return -1;
				c = dw->line;
			}
			if (j)
				*c++ = ',';
			PUTS(c, "\n            {\"start\": ");
			c += dr_fmt_u64(c, r->start);
			PUTS(c, ", \"end\": ");
			c += dr_fmt_u64(c, r->end);
			PUTS(c, ", \"nr_accesses\": {\"samples\": ");
			c += dr_fmt_u64(c, r->nr_accesses);
			PUTS(c, ", \"percent\": null}, \"age\": {\"usec\": null, \"aggr_intervals\": ");
			/*
			 * Always a number: damo's filters, which every report
			 * applies to a record with intervals, fail on a null age.
			 */
			c += dr_fmt_u64(c, r->age);
			PUTS(c, "}}");
		}
		PUTS(c, "]}");
		if (fwrite(dw->line, 1, (size_t)(c - dw->line), k->tmp) !=
		    (size_t)(c - dw->line))
			return -1;
		k->n++;
		k->last_end = s->time;
		k->prev_end = s->time;
	}
	return 0;
}

int dr_damo_writer_source(struct damo_writer *dw, unsigned int kd, uint64_t id,
			  const char *src)
{
	size_t i;

	for (i = 0; i < dw->nr; i++)
		if (dw->keys[i].kd == kd && dw->keys[i].id == id)
			snprintf(dw->keys[i].source, sizeof(dw->keys[i].source), "%s",
				 src ? src : "");
	return 0;
}

static int fd_write(struct damo_writer *dw, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n) {
		ssize_t k = write(dw->fd, b, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			dw->err = errno;
			return -1;
		}
		b += k;
		n -= (size_t)k;
		*dw->bytes += (uint64_t)k;
	}
	return 0;
}

/* Text out, through zlib or not. */
static int out(struct damo_writer *dw, const void *p, size_t n, bool last)
{
	if (dw->err)
		return -1;
	if (!dw->z)
		return fd_write(dw, p, n);
	dw->zs.next_in = (unsigned char *)(uintptr_t)p;
	dw->zs.avail_in = (uInt)n;
	do {
		int zr;

		dw->zs.next_out = dw->zout;
		dw->zs.avail_out = DW_CHUNK;
		zr = deflate(&dw->zs, last ? Z_FINISH : Z_NO_FLUSH);
		if (zr == Z_STREAM_ERROR) {
			dw->err = EIO;
			return -1;
		}
		if (fd_write(dw, dw->zout, DW_CHUNK - dw->zs.avail_out))
			return -1;
	} while (dw->zs.avail_out == 0 || (last && dw->zs.avail_in));
	return 0;
}

static int out_str(struct damo_writer *dw, const char *s)
{
	return out(dw, s, strlen(s), false);
}

/* The intervals damo would infer for a record that has none. */
static void key_intervals(const struct damo_writer *dw, const struct dw_key *k,
			  struct damonrec_intervals *iv)
{
	*iv = dw->meta.intervals;
	if (!iv->sample_us)
		iv->sample_us = 5000;
	if (!iv->aggr_us) {
		if (k->n >= 2)
			iv->aggr_us = (uint64_t)(((double)(k->last_end - k->first_end) /
						  (double)(k->n - 1)) / 1000.0 + 0.5);
		if (!iv->aggr_us)
			iv->aggr_us = 100000;
	}
	if (!iv->update_us)
		iv->update_us = 1000000;
}

static int json_str_out(struct damo_writer *dw, const char *s)
{
	char b[2 * 64 + 4], *c = b;

	*c++ = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			*c++ = '\\';
		*c++ = ch < 0x20 ? '?' : (char)ch;
	}
	*c++ = '"';
	*c = '\0';
	return out_str(dw, b);
}

int dr_damo_writer_finish(struct damo_writer *dw, int fd, uint64_t *bytes)
{
	char *c;
	size_t i, n;

	dw->fd = fd;
	dw->bytes = bytes;
	if (dw->z) {
		dw->zout = malloc(DW_CHUNK);
		if (!dw->zout || deflateInit(&dw->zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
			errno = ENOMEM;
			return -1;
		}
		dw->z_init = true;
	}
	out_str(dw, "[");
	for (i = 0; i < dw->nr && !dw->err; i++) {
		struct dw_key *k = &dw->keys[i];
		struct damonrec_intervals iv;
		int64_t first;

		key_intervals(dw, k, &iv);
		first = k->first_start != INT64_MIN ? k->first_start :
			damonrec_first_start(k->first_end, k->last_end, k->n,
					     dw->meta.intervals.aggr_us);
		c = dw->line;
		if (i)
			*c++ = ',';
		PUTS(c, "\n    {\n");
		PUTS(c, "        \"kdamond_idx\": ");
		c += dr_fmt_u64(c, k->kd);
		PUTS(c, ",\n        \"context_idx\": 0,\n        \"intervals\": {\"sample_us\": ");
		c += dr_fmt_u64(c, iv.sample_us);
		PUTS(c, ", \"aggr_us\": ");
		c += dr_fmt_u64(c, iv.aggr_us);
		PUTS(c, ", \"ops_update_us\": ");
		c += dr_fmt_u64(c, iv.update_us);
		PUTS(c, "},\n        \"scheme_idx\": null,\n        \"target_id\": ");
		c += dr_fmt_u64(c, k->id);
		PUTS(c, ",\n        \"scheme_filters\": [],\n        \"snapshots\": [\n        {\"start_time\": ");
		c += dr_fmt_i64(c, first);
		PUTS(c, ", ");
		if (out(dw, dw->line, (size_t)(c - dw->line), false))
			break;
		if (fflush(k->tmp) || fseek(k->tmp, 0, SEEK_SET)) {
			dw->err = errno;
			break;
		}
		while ((n = fread(dw->line, 1, DW_CHUNK, k->tmp)) > 0)
			if (out(dw, dw->line, n, false))
				break;
		if (ferror(k->tmp) && !dw->err)
			dw->err = EIO;
		out_str(dw, "\n        ],\n        \"data_source\": ");
		json_str_out(dw, k->source[0] ? k->source : "unknown");
		out_str(dw, "\n    }");
	}
	out(dw, "\n]\n", 3, true);
	if (dw->err) {
		errno = dw->err;
		return -1;
	}
	return 0;
}
