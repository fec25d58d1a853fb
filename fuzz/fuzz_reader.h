/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The body of every record decoder fuzz target (fuzz_<format>.c defines
 * FUZZ_FORMAT and includes this).  Beyond not crashing, it checks that:
 * - a failure is EBADMSG, ENODATA, E2BIG (a snapshot past the limits) or
 *   EMEDIUMTYPE (perf.data), with a message and an offset inside
 *   the input;
 * - every snapshot is consistent (region counts, start <= end);
 * - when the whole input decodes, writing its snapshots as JSON and as v3
 *   (when v3 can hold them) and reading those back gives the same snapshots.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "damonrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static int fd_in = -1, fd_json = -1, fd_v3 = -1;

static int memfd(void)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	CHECK(fd >= 0);
	return fd;
}

static void load(int fd, const uint8_t *data, size_t size)
{
	CHECK(!ftruncate(fd, 0));
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
}

static void rewind_fd(int fd)
{
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
}

static void check_snapshot(const struct damonrec_snapshot *s)
{
	size_t t, i, total = 0;

	for (t = 0; t < damonrec_snapshot_get_nr_targets(s); t++) {
		const struct damonrec_target *tg = damonrec_snapshot_get_target(s, t);
		const struct damonrec_region *r = damonrec_target_get_regions(tg);
		size_t n = damonrec_target_get_nr_regions(tg);

		CHECK(tg);
		for (i = 0; i < n; i++) {
			CHECK(r[i].start <= r[i].end);
			CHECK(damonrec_target_get_region(tg, i) == &r[i]);
		}
		total += n;
	}
	CHECK(total == damonrec_snapshot_get_nr_regions(s));
}

static bool same(const struct damonrec_snapshot *a,
		 const struct damonrec_snapshot *b, bool kdamond)
{
	size_t t;

	if (damonrec_snapshot_get_time(a) != damonrec_snapshot_get_time(b) ||
	    damonrec_snapshot_get_lost_before(a) !=
	    damonrec_snapshot_get_lost_before(b) ||
	    (kdamond && damonrec_snapshot_get_kdamond(a) !=
			damonrec_snapshot_get_kdamond(b)) ||
	    damonrec_snapshot_get_nr_targets(a) !=
	    damonrec_snapshot_get_nr_targets(b))
		return false;
	for (t = 0; t < damonrec_snapshot_get_nr_targets(a); t++) {
		const struct damonrec_target *x = damonrec_snapshot_get_target(a, t);
		const struct damonrec_target *y = damonrec_snapshot_get_target(b, t);
		size_t n = damonrec_target_get_nr_regions(x);

		if (damonrec_target_get_id(x) != damonrec_target_get_id(y) ||
		    n != damonrec_target_get_nr_regions(y) ||
		    (n && memcmp(damonrec_target_get_regions(x),
				 damonrec_target_get_regions(y),
				 n * sizeof(struct damonrec_region))))
			return false;
	}
	return true;
}

/* Read the input again beside its re-encoding in @fmt: same snapshots. */
static void compare(int fd, enum damonrec_format fmt, bool kdamond)
{
	struct damonrec_reader *a, *b;
	const struct damonrec_snapshot *sa, *sb;
	int ra, rb;

	rewind_fd(fd_in);
	rewind_fd(fd);
	a = damonrec_reader_open_fd(fd_in, FUZZ_FORMAT);
	b = damonrec_reader_open_fd(fd, fmt);
	CHECK(a && b);
	for (;;) {
		ra = damonrec_reader_next(a, &sa);
		rb = damonrec_reader_next(b, &sb);
		if (rb < 0)
			fprintf(stderr, "re-encoded %s: %s\n",
				damonrec_format_name(fmt),
				damonrec_reader_get_error_message(b));
		CHECK(ra == rb);
		if (ra != 1)
			break;
		CHECK(same(sa, sb, kdamond));
	}
	CHECK(ra == 0);
	if (fmt == DAMONREC_FORMAT_V3)
		CHECK(damonrec_reader_has_end(b));
	damonrec_reader_close(a);
	damonrec_reader_close(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct damonrec_writer *wj, *w3;
	struct damonrec_reader *r;
	const struct damonrec_snapshot *s;
	struct damonrec_record_meta meta;
	bool v3_ok = true;
	int rc;

	if (fd_in < 0) {
#ifdef FUZZ_SETUP
		FUZZ_SETUP();
#endif
		fd_in = memfd();
		fd_json = memfd();
		fd_v3 = memfd();
	}
	load(fd_in, data, size);
	CHECK(!ftruncate(fd_json, 0) && !ftruncate(fd_v3, 0));
	rewind_fd(fd_json);
	rewind_fd(fd_v3);

	r = damonrec_reader_open_fd(fd_in, FUZZ_FORMAT);
	CHECK(r);
	damonrec_reader_get_intervals(r, &meta.intervals);
	meta.start_ns = damonrec_reader_get_start_time(r);
	if (meta.intervals.sample_us > UINT32_MAX ||
	    meta.intervals.aggr_us > UINT32_MAX ||
	    meta.intervals.update_us > UINT32_MAX)
		meta.intervals = (struct damonrec_intervals){ 0, 0, 0 };
	wj = damonrec_writer_open_fd(fd_json, DAMONREC_FORMAT_JSON, &meta);
	w3 = damonrec_writer_open_fd(fd_v3, DAMONREC_FORMAT_V3, &meta);
	CHECK(wj && w3);
	while ((rc = damonrec_reader_next(r, &s)) == 1) {
		check_snapshot(s);
		CHECK(!damonrec_writer_write(wj, s));
		if (v3_ok && damonrec_writer_write(w3, s)) {
			CHECK(errno == EINVAL);	/* regions v3 cannot code */
			v3_ok = false;
		}
	}
	if (rc < 0) {
		CHECK(errno == EBADMSG || errno == ENODATA || errno == E2BIG ||
		      errno == EMEDIUMTYPE);
		CHECK(damonrec_reader_get_error_message(r)[0]);
		CHECK(damonrec_reader_get_error_offset(r) <= size);
		CHECK(damonrec_reader_next(r, &s) == -1);
	}
	CHECK(damonrec_reader_get_offset(r) <= size);
	damonrec_reader_close(r);
	CHECK(!damonrec_writer_close(wj));
	CHECK(!damonrec_writer_close(w3));
	if (rc == 0) {
		compare(fd_json, DAMONREC_FORMAT_JSON, true);
		if (v3_ok)
			compare(fd_v3, DAMONREC_FORMAT_V3, false);
	}
	return 0;
}
