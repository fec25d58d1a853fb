// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_errno - every bad argument of every /dev/damon_rec ioctl, with the
 * errno damon_rec(4) documents for it
 *
 *   ioctl_errno            as root (CAP_SYS_ADMIN), damon_rec.ko loaded,
 *                          no recording running; run in a scratch
 *                          directory it may write to
 *   ioctl_errno --unpriv   as an unprivileged user who can open the device
 *                          (the test makes it world-readable first):
 *                          queries work, every control ioctl is EPERM
 *   ioctl_errno --nodamon  as root on a kernel without DAMON: the device
 *                          works, START is EOPNOTSUPP
 *
 * Prints one "PASS: ..." or "FAIL: ..." line per check and exits 1 if any
 * check failed.  A test program for the test VM only.
 */
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>

#include "drec_test.h"

static int failures, checks;

static void result(int ok, const char *what, int ret, int err,
		   const char *expect)
{
	checks++;
	if (ok) {
		printf("PASS: %s\n", what);
		return;
	}
	failures++;
	printf("FAIL: %s: returned %d, errno %d (%s); expected %s\n", what,
	       ret, err, ret < 0 ? strerror(err) : "-", expect);
}

/* The ioctl must fail with errno @err. */
#define EXPECT_ERR(fd, cmd, arg, err, what) do {			\
	int _r;								\
	errno = 0;							\
	_r = ioctl(fd, cmd, arg);					\
	result(_r == -1 && errno == (err), what, _r, errno, #err);	\
} while (0)

/* The ioctl must succeed. */
#define EXPECT_OK(fd, cmd, arg, what) do {				\
	int _r;								\
	errno = 0;							\
	_r = ioctl(fd, cmd, arg);					\
	result(_r == 0, what, _r, errno, "success");			\
} while (0)

#define CHECK(cond, what) result(!!(cond), what, 0, 0, #cond)

static struct damon_rec_status status(int dev)
{
	struct damon_rec_status st;

	memset(&st, 0xff, sizeof(st));
	if (ioctl(dev, DAMON_REC_IOC_GET_STATUS, &st))
		die("GET_STATUS: %s", strerror(errno));
	return st;
}

static void set_path(int dev, const char *p)
{
	struct damon_rec_path rp = { .path = (uintptr_t)p,
				     .len = strlen(p) + 1 };

	if (ioctl(dev, DAMON_REC_IOC_SET_PATH, &rp))
		die("SET_PATH %s: %s", p, strerror(errno));
}

static const char *get_path(int dev)
{
	static char buf[PATH_MAX];
	struct damon_rec_path rp = { .path = (uintptr_t)buf,
				     .len = sizeof(buf) };

	if (ioctl(dev, DAMON_REC_IOC_GET_PATH, &rp))
		die("GET_PATH: %s", strerror(errno));
	return buf;
}

static void test_unknown(int dev)
{
	__u64 big = 0;

	EXPECT_ERR(dev, _IO(DAMON_REC_IOC_MAGIC, 0x7f), 0, ENOTTY,
		   "unknown ioctl number");
	EXPECT_ERR(dev, _IOW(DAMON_REC_IOC_MAGIC, 0x10, __u64), &big, ENOTTY,
		   "SET_BUF with the wrong argument size");
	EXPECT_ERR(dev, _IOR('x', 0x00, struct damon_rec_info), &big, ENOTTY,
		   "ioctl of another type");
}

static void test_info(int dev)
{
	struct damon_rec_info in;

	memset(&in, 0, sizeof(in));
	in.api_version = 99;
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_INFO, &in, EINVAL,
		   "GET_INFO api_version 99");
	memset(&in, 0, sizeof(in));
	in.flags = 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_INFO, &in, EINVAL,
		   "GET_INFO flags != 0");
	memset(&in, 0, sizeof(in));
	in.pad = 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_INFO, &in, EINVAL,
		   "GET_INFO pad != 0");
	memset(&in, 0, sizeof(in));
	in.reserved[3] = 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_INFO, &in, EINVAL,
		   "GET_INFO reserved != 0");
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_INFO, NULL, EFAULT,
		   "GET_INFO NULL");

	memset(&in, 0, sizeof(in));
	EXPECT_OK(dev, DAMON_REC_IOC_GET_INFO, &in, "GET_INFO api_version 0");
	in.api_version = DAMON_REC_API_VERSION;
	EXPECT_OK(dev, DAMON_REC_IOC_GET_INFO, &in, "GET_INFO api_version 1");
	CHECK(in.api_version == DAMON_REC_API_VERSION, "info: api_version 1");
	CHECK(in.formats == (1u << 2 | 1u << 3 | 1u << 4),
	      "info: formats v2, v3 and v4");
	CHECK(in.min_buf_len == 1024 && in.max_buf_len == 4 << 20,
	      "info: buffer limits 1 KiB..4 MiB");
	CHECK(in.max_path_len == PATH_MAX, "info: max_path_len PATH_MAX");
	CHECK(in.features & DAMON_REC_FEAT_DAMON, "info: DAMON available");
	CHECK((in.features & (DAMON_REC_FEAT_STREAM | DAMON_REC_FEAT_OUT_FD |
			      DAMON_REC_FEAT_POLL | DAMON_REC_FEAT_AGE)) ==
	      (DAMON_REC_FEAT_STREAM | DAMON_REC_FEAT_OUT_FD |
	       DAMON_REC_FEAT_POLL | DAMON_REC_FEAT_AGE),
	      "info: stream, fd, poll and age features");
	CHECK(in.tp_proto == 3, "info: 6.7+ tracepoint prototype");
}

static void test_queries(int dev)
{
	struct damon_rec_status st;
	__u32 v = 0;

	EXPECT_ERR(dev, DAMON_REC_IOC_GET_STATUS, NULL, EFAULT,
		   "GET_STATUS NULL");
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_BUF, NULL, EFAULT, "GET_BUF NULL");
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_FORMAT, NULL, EFAULT,
		   "GET_FORMAT NULL");
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_PATH, NULL, EFAULT, "GET_PATH NULL");
	EXPECT_OK(dev, DAMON_REC_IOC_GET_BUF, &v, "GET_BUF");
	CHECK(v >= 1024 && v <= 4 << 20, "GET_BUF within limits");
	EXPECT_OK(dev, DAMON_REC_IOC_GET_FORMAT, &v, "GET_FORMAT");
	CHECK(v == 2 || v == 3 || v == 4, "GET_FORMAT is 2, 3 or 4");
	st = status(dev);
	CHECK(st.state == DAMON_REC_STATE_IDLE, "status: idle");
	CHECK(!st.reserved[0] && !st.reserved[3], "status: reserved zero");
}

static void test_buf_format(int dev)
{
	__u32 v;

	v = 1023;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_BUF, &v, EINVAL, "SET_BUF 1023");
	v = 0;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_BUF, &v, EINVAL, "SET_BUF 0");
	v = (4 << 20) + 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_BUF, &v, EINVAL, "SET_BUF 4 MiB + 1");
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_BUF, NULL, EFAULT, "SET_BUF NULL");
	v = 1024;
	EXPECT_OK(dev, DAMON_REC_IOC_SET_BUF, &v, "SET_BUF 1024");
	v = 0;
	ioctl(dev, DAMON_REC_IOC_GET_BUF, &v);
	CHECK(v == 1024, "GET_BUF returns 1024");
	v = 4 << 20;
	EXPECT_OK(dev, DAMON_REC_IOC_SET_BUF, &v, "SET_BUF 4 MiB");
	v = 65536;
	EXPECT_OK(dev, DAMON_REC_IOC_SET_BUF, &v, "SET_BUF 64 KiB");

	v = 0;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_FORMAT, &v, EINVAL, "SET_FORMAT 0");
	v = 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_FORMAT, &v, EINVAL, "SET_FORMAT 1");
	v = 5;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_FORMAT, &v, EINVAL, "SET_FORMAT 5");
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_FORMAT, NULL, EFAULT,
		   "SET_FORMAT NULL");
	v = 2;
	EXPECT_OK(dev, DAMON_REC_IOC_SET_FORMAT, &v, "SET_FORMAT 2");
	v = 0;
	ioctl(dev, DAMON_REC_IOC_GET_FORMAT, &v);
	CHECK(v == 2, "GET_FORMAT returns 2");
	v = 4;
	EXPECT_OK(dev, DAMON_REC_IOC_SET_FORMAT, &v, "SET_FORMAT 4");
	v = 0;
	ioctl(dev, DAMON_REC_IOC_GET_FORMAT, &v);
	CHECK(v == 4, "GET_FORMAT returns 4");
	v = 3;
	EXPECT_OK(dev, DAMON_REC_IOC_SET_FORMAT, &v, "SET_FORMAT 3");
}

static void test_path(int dev)
{
	static char big[PATH_MAX + 2];
	struct damon_rec_path rp;
	char small[4], cwd[PATH_MAX], want[PATH_MAX + 16];

	memset(&rp, 0, sizeof(rp));
	rp.path = (uintptr_t)"x";
	rp.len = 2;
	rp.flags = 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_PATH, &rp, EINVAL,
		   "SET_PATH flags != 0");
	rp.flags = 0;
	rp.len = 0;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_PATH, &rp, EINVAL, "SET_PATH len 0");
	memset(big, 'a', sizeof(big));
	rp.path = (uintptr_t)big;
	rp.len = PATH_MAX + 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_PATH, &rp, ENAMETOOLONG,
		   "SET_PATH len PATH_MAX + 1");
	rp.len = 16;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_PATH, &rp, EINVAL,
		   "SET_PATH without a NUL within len");
	rp.path = 8;
	rp.len = 16;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_PATH, &rp, EFAULT,
		   "SET_PATH bad path pointer");
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_PATH, NULL, EFAULT, "SET_PATH NULL");
	/* A relative path whose absolute form exceeds PATH_MAX. */
	big[PATH_MAX - 4] = '\0';
	rp.path = (uintptr_t)big;
	rp.len = PATH_MAX;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_PATH, &rp, ENAMETOOLONG,
		   "SET_PATH relative, too long once made absolute");

	if (!getcwd(cwd, sizeof(cwd)))
		die("getcwd: %s", strerror(errno));
	set_path(dev, "rel.data");
	snprintf(want, sizeof(want), "%s/rel.data",
		 strcmp(cwd, "/") ? cwd : "");
	CHECK(!strcmp(get_path(dev), want),
	      "relative path resolved against the cwd at set time");
	set_path(dev, "/tmp/abs.data");
	CHECK(!strcmp(get_path(dev), "/tmp/abs.data"), "absolute path kept");

	memset(&rp, 0, sizeof(rp));
	rp.path = (uintptr_t)small;
	rp.len = sizeof(small);
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_PATH, &rp, ERANGE,
		   "GET_PATH buffer too small");
	CHECK(rp.len == strlen("/tmp/abs.data") + 1,
	      "GET_PATH ERANGE sets len to the size needed");
	rp.flags = 1;
	rp.len = 100;
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_PATH, &rp, EINVAL,
		   "GET_PATH flags != 0");
	rp.flags = 0;
	rp.path = 8;
	EXPECT_ERR(dev, DAMON_REC_IOC_GET_PATH, &rp, EFAULT,
		   "GET_PATH bad path pointer");

	set_path(dev, "");
	CHECK(!strcmp(get_path(dev), ""), "empty path clears it");
}

static void test_fd(int dev)
{
	__s32 fd;
	int ro, wr;

	fd = -2;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &fd, EBADF,
		   "SET_OUTPUT_FD -2");
	fd = 1000;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &fd, EBADF,
		   "SET_OUTPUT_FD not open");
	ro = open("fd-ro.data", O_RDONLY | O_CREAT, 0600);
	if (ro < 0)
		die("fd-ro.data: %s", strerror(errno));
	fd = ro;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &fd, EBADF,
		   "SET_OUTPUT_FD read-only descriptor");
	close(ro);
	fd = dev;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &fd, EINVAL,
		   "SET_OUTPUT_FD of the device itself");
	/* kernel_write() cannot write a file with ->write: /dev/null. */
	wr = open("/dev/null", O_WRONLY);
	if (wr < 0)
		die("/dev/null: %s", strerror(errno));
	fd = wr;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &fd, EINVAL,
		   "SET_OUTPUT_FD of a file the kernel cannot write (/dev/null)");
	close(wr);
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_OUTPUT_FD, NULL, EFAULT,
		   "SET_OUTPUT_FD NULL");

	/* A descriptor clears the path, and a path clears the descriptor. */
	set_path(dev, "/tmp/p.data");
	wr = open("fd.data", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (wr < 0)
		die("fd.data: %s", strerror(errno));
	fd = wr;
	EXPECT_OK(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &fd, "SET_OUTPUT_FD");
	CHECK(!strcmp(get_path(dev), ""), "SET_OUTPUT_FD clears the path");
	close(wr);
	fd = -1;
	EXPECT_OK(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &fd, "SET_OUTPUT_FD -1");
}

static void start_stop(int dev, __u32 want_output, const char *what)
{
	struct damon_rec_start s = { .sample_us = 5000, .aggr_us = 100000 };
	struct damon_rec_status st;

	EXPECT_OK(dev, DAMON_REC_IOC_START, &s, what);
	st = status(dev);
	CHECK(st.state == DAMON_REC_STATE_RECORDING && st.output == want_output,
	      "status: recording, to the expected output");
	EXPECT_OK(dev, DAMON_REC_IOC_STOP, 0, "STOP");
}

static void test_start_stop(int dev)
{
	struct damon_rec_start s;
	struct damon_rec_status st;
	struct damon_rec_path rp;
	struct stat sb;
	__u32 v;
	__s32 fd;
	int wr;

	memset(&s, 0, sizeof(s));
	s.flags = 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, EINVAL, "START flags != 0");
	memset(&s, 0, sizeof(s));
	s.pad = 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, EINVAL, "START pad != 0");
	memset(&s, 0, sizeof(s));
	s.reserved[1] = 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, EINVAL,
		   "START reserved != 0");
	memset(&s, 0, sizeof(s));
	s.aggr_us = 1ULL << 32;
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, EINVAL,
		   "START aggr_us >= 2^32");
	EXPECT_ERR(dev, DAMON_REC_IOC_START, NULL, EFAULT, "START NULL");
	EXPECT_ERR(dev, DAMON_REC_IOC_STOP, 0, EALREADY, "STOP when idle");

	/* Output errors come from opening the path at START. */
	set_path(dev, "/nonexistent-dir/x.data");
	memset(&s, 0, sizeof(s));
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, ENOENT,
		   "START into a missing directory");
	if (symlink("target.data", "link.data") && errno != EEXIST)
		die("symlink: %s", strerror(errno));
	set_path(dev, "link.data");
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, ELOOP,
		   "START on a symbolic link (O_NOFOLLOW)");
	CHECK(lstat("target.data", &sb) && errno == ENOENT,
	      "the link's target was not created");
	mkdir("dir.data", 0700);
	set_path(dev, "dir.data");
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, EISDIR,
		   "START on a directory");
	set_path(dev, "/dev/null");
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, EINVAL,
		   "START on a file the kernel cannot write (/dev/null)");

	/* Path output: created 0600 (whatever the umask allows). */
	umask(0);
	set_path(dev, "out.data");
	start_stop(dev, DAMON_REC_OUT_PATH, "START to a path");
	CHECK(stat("out.data", &sb) == 0 && (sb.st_mode & 0777) == 0600,
	      "output file created with mode 0600");
	CHECK(sb.st_size == 64 + 8,
	      "a v3 record without snapshots: the header and the END frame");

	/* While recording: EBUSY for every setting and a second START. */
	set_path(dev, "");
	memset(&s, 0, sizeof(s));
	EXPECT_OK(dev, DAMON_REC_IOC_START, &s, "START to the stream");
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, EBUSY, "second START");
	v = 4096;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_BUF, &v, EBUSY,
		   "SET_BUF while recording");
	v = 2;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_FORMAT, &v, EBUSY,
		   "SET_FORMAT while recording");
	memset(&rp, 0, sizeof(rp));
	rp.path = (uintptr_t)"/tmp/x";
	rp.len = 7;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_PATH, &rp, EBUSY,
		   "SET_PATH while recording");
	fd = -1;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &fd, EBUSY,
		   "SET_OUTPUT_FD while recording");
	/* Bad arguments are still EINVAL while recording. */
	v = 5;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_FORMAT, &v, EINVAL,
		   "SET_FORMAT 5 while recording");
	st = status(dev);
	CHECK(st.state == DAMON_REC_STATE_RECORDING &&
	      st.output == DAMON_REC_OUT_STREAM, "status: recording to the stream");
	EXPECT_OK(dev, DAMON_REC_IOC_STOP, 0, "STOP the stream");
	EXPECT_ERR(dev, DAMON_REC_IOC_STOP, 0, EALREADY, "second STOP");
	st = status(dev);
	CHECK(st.state == DAMON_REC_STATE_IDLE && st.duration_ns > 0,
	      "status: idle after STOP, with a duration");

	/* Descriptor output, then a path set after it wins. */
	wr = open("fd-out.data", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fd = wr;
	if (wr < 0 || ioctl(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &fd))
		die("SET_OUTPUT_FD: %s", strerror(errno));
	start_stop(dev, DAMON_REC_OUT_FD, "START to a descriptor");
	CHECK(lseek(wr, 0, SEEK_CUR) > 0,
	      "the descriptor's offset moved past the record");
	close(wr);
	set_path(dev, "path-out.data");
	start_stop(dev, DAMON_REC_OUT_PATH,
		   "START after SET_PATH replaced the descriptor");
	set_path(dev, "");
}

static void test_stream_idle(int dev)
{
	struct pollfd p = { .fd = dev, .events = POLLIN };
	char buf[16];

	CHECK(read(dev, buf, sizeof(buf)) == 0, "read with no stream: EOF");
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN),
	      "poll with no stream: readable (EOF)");
}

static void test_unpriv(int dev)
{
	struct damon_rec_info in;
	struct damon_rec_start s;
	struct damon_rec_path rp;
	char buf[64];
	__u32 v = 4096;
	__s32 fd = -1;

	memset(&in, 0, sizeof(in));
	EXPECT_OK(dev, DAMON_REC_IOC_GET_INFO, &in, "unprivileged GET_INFO");
	status(dev);
	CHECK(1, "unprivileged GET_STATUS");
	EXPECT_OK(dev, DAMON_REC_IOC_GET_BUF, &v, "unprivileged GET_BUF");
	EXPECT_OK(dev, DAMON_REC_IOC_GET_FORMAT, &v, "unprivileged GET_FORMAT");
	memset(&rp, 0, sizeof(rp));
	rp.path = (uintptr_t)buf;
	rp.len = sizeof(buf);
	EXPECT_OK(dev, DAMON_REC_IOC_GET_PATH, &rp, "unprivileged GET_PATH");

	v = 4096;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_BUF, &v, EPERM,
		   "unprivileged SET_BUF");
	v = 2;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_FORMAT, &v, EPERM,
		   "unprivileged SET_FORMAT");
	rp.path = (uintptr_t)"/tmp/x";
	rp.len = 7;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_PATH, &rp, EPERM,
		   "unprivileged SET_PATH");
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_OUTPUT_FD, &fd, EPERM,
		   "unprivileged SET_OUTPUT_FD");
	memset(&s, 0, sizeof(s));
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, EPERM, "unprivileged START");
	EXPECT_ERR(dev, DAMON_REC_IOC_STOP, 0, EPERM, "unprivileged STOP");
	/* Even a bad argument is refused for the privilege first. */
	v = 1;
	EXPECT_ERR(dev, DAMON_REC_IOC_SET_BUF, &v, EPERM,
		   "unprivileged SET_BUF with a bad size");
}

static void test_nodamon(int dev)
{
	struct damon_rec_info in;
	struct damon_rec_start s;
	struct damon_rec_status st;
	__u32 v;

	memset(&in, 0, sizeof(in));
	EXPECT_OK(dev, DAMON_REC_IOC_GET_INFO, &in, "GET_INFO without DAMON");
	CHECK(!(in.features & (DAMON_REC_FEAT_DAMON | DAMON_REC_FEAT_AGE)),
	      "info: no DAMON, no age");
	CHECK((in.features & (DAMON_REC_FEAT_STREAM | DAMON_REC_FEAT_OUT_FD |
			      DAMON_REC_FEAT_POLL)) ==
	      (DAMON_REC_FEAT_STREAM | DAMON_REC_FEAT_OUT_FD |
	       DAMON_REC_FEAT_POLL), "info: stream, fd and poll features");
	CHECK(in.tp_proto == 0, "info: tp_proto 0");
	CHECK(in.formats == (1u << 2 | 1u << 3 | 1u << 4),
	      "info: formats v2, v3 and v4");
	v = 4096;
	EXPECT_OK(dev, DAMON_REC_IOC_SET_BUF, &v, "SET_BUF without DAMON");
	v = 2;
	EXPECT_OK(dev, DAMON_REC_IOC_SET_FORMAT, &v,
		  "SET_FORMAT without DAMON");
	memset(&s, 0, sizeof(s));
	EXPECT_ERR(dev, DAMON_REC_IOC_START, &s, EOPNOTSUPP,
		   "START without DAMON");
	EXPECT_ERR(dev, DAMON_REC_IOC_STOP, 0, EALREADY,
		   "STOP without DAMON");
	st = status(dev);
	CHECK(st.state == DAMON_REC_STATE_IDLE &&
	      st.output == DAMON_REC_OUT_NONE, "status: idle, never started");
	test_stream_idle(dev);
}

int main(int argc, char **argv)
{
	int unpriv = argc == 2 && !strcmp(argv[1], "--unpriv");
	int nodamon = argc == 2 && !strcmp(argv[1], "--nodamon");
	int dev;

	if (argc > 2 || (argc == 2 && !unpriv && !nodamon))
		die("usage: ioctl_errno [--unpriv | --nodamon]");
	dev = open(DREC_DEV, unpriv ? O_RDONLY : O_RDWR);
	if (dev < 0)
		die("%s: %s", DREC_DEV, strerror(errno));
	if (unpriv) {
		test_unpriv(dev);
	} else if (nodamon) {
		test_nodamon(dev);
	} else {
		test_unknown(dev);
		test_info(dev);
		test_queries(dev);
		test_buf_format(dev);
		test_path(dev);
		test_fd(dev);
		test_stream_idle(dev);
		test_start_stop(dev);
	}
	close(dev);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
