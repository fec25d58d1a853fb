// SPDX-License-Identifier: GPL-2.0
/*
 * stress_ioctl - random ioctl sequences against /dev/damon_rec
 *
 * A fuzzer-like driver of the device for the test VM, run as root.  With a
 * fixed seed it issues OPS random operations on a few descriptors of the
 * device: every ioctl of <linux/damon_rec.h> with good and bad arguments
 * (NULL, kernel and unmapped addresses, structures that run into an
 * unmapped page, read-only pages for what the driver writes, bad sizes,
 * flags and padding, paths too long, unterminated, relative, dangling,
 * symlinks, directories and devices, descriptors of every kind), random ioctl
 * numbers, non-blocking read() and poll() of the stream, closing and
 * reopening the device, and short pauses while a recording runs.
 *
 * A model of the device's settings and state checks each answer: the
 * return value and errno must be what the uAPI promises for those
 * arguments in that state (unknown numbers ENOTTY, bad pointers EFAULT,
 * settings EBUSY while recording, STOP EALREADY when idle...), and what
 * GET_BUF, GET_FORMAT, GET_PATH and GET_STATUS report must match the
 * model.  The first mismatch ends the run with its seed and operation
 * number, so that it replays with -s SEED.
 *
 *   stress_ioctl [-s SEED] [-n OPS] [-d DIR] [-l LIST] [-v]
 *
 *   -s SEED  random seed (default: from the clock; always printed)
 *   -n OPS   operations (default 10000)
 *   -d DIR   directory for output files (default: a new one under /tmp)
 *   -l LIST  append "FORMAT PATH" for every record file written by a
 *            recording that was stopped, for the caller to decode
 *   -v       print every operation
 *
 * Run it while a kdamond is on, so that recordings hold snapshots.  Exit
 * status 0 when every answer matched, 1 on a mismatch or error.
 */
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "drec_test.h"

#define NR_DEVFDS 3

static uint64_t seed, rng_state;
static unsigned long op_no;
static int verbose;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int chance(unsigned int percent)
{
	return below(100) < percent;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "stress_ioctl: FAIL at operation %lu (seed %" PRIu64
		", replay with -s %" PRIu64 "): ", op_no, seed, seed);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---------------------------------------------------------------------- */
/* Memory with holes                                                      */
/* ---------------------------------------------------------------------- */

static long page;
static uint8_t *rw;		/* two read-write pages */
static uint8_t *guard;		/* an unmapped page right after rw */
static uint8_t *ro;		/* a read-only page */

static void mem_setup(void)
{
	uint8_t *m;

	page = sysconf(_SC_PAGESIZE);
	m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	rw = m;
	guard = m + 2 * page;
	ro = m + 3 * page;
	if (munmap(guard, page) || mprotect(ro, page, PROT_READ))
		die("munmap/mprotect: %s", strerror(errno));
}

/* Kinds of pointer an argument gets. */
enum ptr_kind { P_GOOD, P_NULL, P_KERNEL, P_UNMAPPED, P_STRADDLE, P_RO,
		P_LOW, NR_PTR_KINDS };

static const char *const ptr_names[] = {
	"good", "NULL", "kernel", "unmapped", "straddling", "read-only", "low",
};

/*
 * A pointer for an argument of @size bytes: a good one (@good), or a bad
 * one.  P_RO is readable: only bad where the driver writes.
 */
static void *ptr_of(enum ptr_kind k, void *good, size_t size)
{
	switch (k) {
	case P_GOOD: return good;
	case P_NULL: return NULL;
	case P_KERNEL: return (void *)0xffff888000000000ULL;
	case P_UNMAPPED: return guard + below(page);
	case P_STRADDLE: return guard - 1 - below(size > 1 ? size - 1 : 1);
	case P_RO: return ro;
	case P_LOW: return (void *)(uintptr_t)(1 + below(page));
	default: return good;
	}
}

static enum ptr_kind pick_ptr(void)
{
	return chance(70) ? P_GOOD : (enum ptr_kind)(1 + below(NR_PTR_KINDS - 1));
}

/* ---------------------------------------------------------------------- */
/* The model                                                              */
/* ---------------------------------------------------------------------- */

enum out_kind { OUT_STREAM, OUT_PATH, OUT_FD };

static struct {
	uint32_t buf;
	uint32_t format;
	int has_path;
	char path[PATH_MAX];
	int start_err;		/* errno START gets with this path */
	int has_fd;
	int fd_is_file;		/* a regular file of ours */
	char fd_file[PATH_MAX];
	int recording;
	enum out_kind out;
	uint32_t rec_format;
	char rec_file[PATH_MAX];
} m;

static int devfd[NR_DEVFDS];
static char dir[256];		/* short: names built on it fit PATH_MAX */
static FILE *list;
static unsigned long files_seq;
static unsigned long stats_ops[32], stats_ok, stats_recordings, stats_bytes;

static int pick_dev(void)
{
	int i = (int)below(NR_DEVFDS);

	if (devfd[i] < 0) {
		devfd[i] = open(DREC_DEV, chance(50) ? O_RDWR : O_RDONLY |
				(chance(80) ? O_NONBLOCK : 0));
		if (devfd[i] < 0)
			fail("open %s: %s", DREC_DEV, strerror(errno));
	}
	return devfd[i];
}

static const char *err_name(int e)
{
	static char b[32];

	switch (e) {
	case 0: return "success";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case ENOTTY: return "ENOTTY";
	case EBADF: return "EBADF";
	case ERANGE: return "ERANGE";
	case EALREADY: return "EALREADY";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOENT: return "ENOENT";
	case ELOOP: return "ELOOP";
	case EISDIR: return "EISDIR";
	case EAGAIN: return "EAGAIN";
	case EPERM: return "EPERM";
	}
	snprintf(b, sizeof(b), "errno %d", e);
	return b;
}

/* ioctl() as 0 or the errno; anything but 0 and -1 is a failure. */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int r = ioctl(fd, cmd, arg);

	if (r == 0) {
		stats_ok++;
		return 0;
	}
	if (r != -1)
		fail("ioctl %#lx returned %d", cmd, r);
	return errno;
}

static void expect(const char *what, int got, int want)
{
	if (verbose)
		printf("%lu: %s -> %s\n", op_no, what, err_name(got));
	if (got != want)
		fail("%s: got %s, expected %s", what, err_name(got),
		     err_name(want));
}

/* ---------------------------------------------------------------------- */
/* Operations                                                             */
/* ---------------------------------------------------------------------- */

static const unsigned long known_cmds[] = {
	DAMON_REC_IOC_GET_INFO, DAMON_REC_IOC_GET_STATUS, DAMON_REC_IOC_GET_BUF,
	DAMON_REC_IOC_GET_PATH, DAMON_REC_IOC_GET_FORMAT, DAMON_REC_IOC_SET_BUF,
	DAMON_REC_IOC_SET_PATH, DAMON_REC_IOC_SET_OUTPUT_FD,
	DAMON_REC_IOC_SET_FORMAT, DAMON_REC_IOC_START, DAMON_REC_IOC_STOP,
};
#define NR_KNOWN (sizeof(known_cmds) / sizeof(known_cmds[0]))

/* Ours, and those the VFS answers itself for any file. */
static const unsigned long vfs_cmds[] = {
	FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, FIOQSIZE, FIFREEZE, FITHAW,
	FIGETBSZ, FICLONE, FICLONERANGE, FIDEDUPERANGE, FS_IOC_FIEMAP,
	FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR,
	FIONREAD,
};

static int is_known(unsigned long cmd)
{
	size_t i;

	for (i = 0; i < NR_KNOWN; i++)
		if (known_cmds[i] == cmd)
			return 1;
	for (i = 0; i < sizeof(vfs_cmds) / sizeof(vfs_cmds[0]); i++)
		if (vfs_cmds[i] == cmd)
			return 1;
	return 0;
}

/* An ioctl number the driver does not know: ENOTTY whatever the argument. */
static void op_random_cmd(void)
{
	unsigned long cmd;
	char what[64];

	do {
		switch (below(4)) {
		case 0:		/* anything */
			cmd = (uint32_t)rnd();
			break;
		case 1:		/* a known one with another size or direction */
			cmd = known_cmds[below(NR_KNOWN)];
			cmd ^= (unsigned long)(1 + below(0x3fff)) << _IOC_SIZESHIFT;
			break;
		case 2:		/* our magic, another number */
			cmd = _IOC(below(4), DAMON_REC_IOC_MAGIC, below(256),
				   below(512));
			break;
		default:	/* a known one, another magic */
			cmd = known_cmds[below(NR_KNOWN)] ^
			      ((1 + below(255)) << _IOC_TYPESHIFT);
			break;
		}
	} while (is_known(cmd));
	snprintf(what, sizeof(what), "ioctl %#lx (unknown)", cmd);
	expect(what, xioctl(pick_dev(), cmd, ptr_of(pick_ptr(), rw, 64)),
	       ENOTTY);
}

/* The errno for a bad pointer to an argument of @cmd, or 0 if good. */
static int ptr_err(enum ptr_kind k, int driver_writes)
{
	if (k == P_GOOD)
		return 0;
	if (k == P_RO)
		return driver_writes ? EFAULT : 0;
	return EFAULT;
}

static void op_get_info(void)
{
	struct damon_rec_info *in = (void *)(rw + page - sizeof(*in));
	enum ptr_kind k = pick_ptr();
	int want = 0, got;

	memset(in, 0, sizeof(*in));
	switch (below(8)) {
	case 0: in->api_version = DAMON_REC_API_VERSION; break;
	case 1: in->api_version = 2 + (uint32_t)below(100); want = EINVAL; break;
	case 2: in->flags = 1u << below(32); want = EINVAL; break;
	case 3: in->pad = 1 + (uint32_t)below(1000); want = EINVAL; break;
	case 4: in->reserved[below(4)] = rnd() | 1; want = EINVAL; break;
	default: break;
	}
	if (k == P_RO)	/* a zeroed read-only page: readable, not writable */
		want = EFAULT;
	else if (k != P_GOOD)
		want = EFAULT;
	got = xioctl(pick_dev(), DAMON_REC_IOC_GET_INFO, ptr_of(k, in, sizeof(*in)));
	expect("GET_INFO", got, want);
	if (!got && (in->api_version != DAMON_REC_API_VERSION ||
		     in->min_buf_len != DAMON_REC_MIN_BUF_LEN ||
		     in->max_buf_len != DAMON_REC_MAX_BUF_LEN ||
		     !(in->formats & (1u << DAMON_REC_FMT_V2)) ||
		     !(in->formats & (1u << DAMON_REC_FMT_V3)) ||
		     !(in->formats & (1u << DAMON_REC_FMT_V4)) ||
		     !(in->features & DAMON_REC_FEAT_DAMON)))
		fail("GET_INFO: wrong answer (api %u, buf %u..%u, formats %#x, features %#llx)",
		     in->api_version, in->min_buf_len, in->max_buf_len,
		     in->formats, (unsigned long long)in->features);
}

static void op_get_status(void)
{
	struct damon_rec_status *st = (void *)(rw + page - sizeof(*st));
	enum ptr_kind k = pick_ptr();
	int got;

	got = xioctl(pick_dev(), DAMON_REC_IOC_GET_STATUS,
		     ptr_of(k, st, sizeof(*st)));
	expect("GET_STATUS", got, ptr_err(k, 1));
	if (got)
		return;
	if (m.recording && st->state != DAMON_REC_STATE_RECORDING)
		fail("GET_STATUS: state %u while recording", st->state);
	if (!m.recording && st->state != DAMON_REC_STATE_IDLE)
		fail("GET_STATUS: state %u while idle", st->state);
	if (st->state == DAMON_REC_STATE_RECORDING &&
	    (st->format != m.rec_format ||
	     st->output != (m.out == OUT_STREAM ? DAMON_REC_OUT_STREAM :
			    m.out == OUT_PATH ? DAMON_REC_OUT_PATH :
			    DAMON_REC_OUT_FD)))
		fail("GET_STATUS: format %u output %u, expected %u and kind %d",
		     st->format, st->output, m.rec_format, m.out);
	if (st->reserved[0] || st->reserved[1] || st->reserved[2] ||
	    st->reserved[3])
		fail("GET_STATUS: reserved fields not zero");
}

static void op_get_u32(int format)
{
	uint32_t *v = (void *)(rw + 2 * page - 4);
	enum ptr_kind k = pick_ptr();
	int got;

	got = xioctl(pick_dev(), format ? DAMON_REC_IOC_GET_FORMAT :
		     DAMON_REC_IOC_GET_BUF, ptr_of(k, v, 4));
	expect(format ? "GET_FORMAT" : "GET_BUF", got, ptr_err(k, 1));
	if (!got && *v != (format ? m.format : m.buf))
		fail("%s: %u, expected %u", format ? "GET_FORMAT" : "GET_BUF",
		     *v, format ? m.format : m.buf);
}

static void op_get_path(void)
{
	struct damon_rec_path *rp = (void *)(rw + page - sizeof(*rp));
	char *buf = (char *)rw + page;
	size_t need = m.has_path ? strlen(m.path) + 1 : 1;
	enum ptr_kind k = pick_ptr(), kb = chance(85) ? P_GOOD : pick_ptr();
	int want, got;

	memset(rp, 0, sizeof(*rp));
	rp->len = chance(80) ? page : (uint32_t)below(need + 2);
	if (chance(5))
		rp->flags = 1;
	/* Bad path buffers must be bad within the @need bytes written. */
	if (kb == P_STRADDLE && need < 2)
		kb = P_NULL;
	rp->path = (uintptr_t)ptr_of(kb, buf, need);
	if (k != P_GOOD)
		want = EFAULT;	/* read-only: zeroes, ERANGE written back */
	else if (rp->flags)
		want = EINVAL;
	else if (rp->len < need)
		want = ERANGE;
	else if (kb != P_GOOD)
		want = EFAULT;
	else
		want = 0;
	got = xioctl(pick_dev(), DAMON_REC_IOC_GET_PATH, ptr_of(k, rp, sizeof(*rp)));
	expect("GET_PATH", got, want);
	if (got == ERANGE && rp->len != need)
		fail("GET_PATH: ERANGE with len %u, expected %zu", rp->len, need);
	if (!got && (rp->len != need ||
		     strcmp(buf, m.has_path ? m.path : "")))
		fail("GET_PATH: '%.*s' (len %u), expected '%s'", (int)rp->len,
		     buf, rp->len, m.has_path ? m.path : "");
}

static void op_set_buf(void)
{
	uint32_t *v = (void *)(rw + 2 * page - 4);
	enum ptr_kind k = pick_ptr();
	uint32_t len;
	int want, got;

	switch (below(4)) {
	case 0: len = (uint32_t)rnd(); break;
	case 1: len = DAMON_REC_MIN_BUF_LEN - 1 + (uint32_t)below(3); break;
	case 2: len = DAMON_REC_MAX_BUF_LEN - 1 + (uint32_t)below(3); break;
	default: len = DAMON_REC_MIN_BUF_LEN + (uint32_t)below(64 * 1024); break;
	}
	*v = len;
	if (k != P_GOOD && k != P_RO)
		want = EFAULT;
	else if (len < DAMON_REC_MIN_BUF_LEN || len > DAMON_REC_MAX_BUF_LEN)
		want = EINVAL;
	else
		want = m.recording ? EBUSY : 0;
	if (k == P_RO) {
		/* Only zeroes there: an invalid size. */
		want = EINVAL;
		len = 0;
	}
	got = xioctl(pick_dev(), DAMON_REC_IOC_SET_BUF, ptr_of(k, v, 4));
	expect("SET_BUF", got, want);
	if (!got)
		m.buf = len;
}

static void op_set_format(void)
{
	uint32_t *v = (void *)(rw + 2 * page - 4);
	enum ptr_kind k = pick_ptr();
	uint32_t f = chance(70) ? 2 + (uint32_t)below(2) : (uint32_t)below(8);
	int want, got;

	if (chance(5))
		f = (uint32_t)rnd();
	*v = f;
	if (k == P_RO)
		f = 0;
	if (k != P_GOOD && k != P_RO)
		want = EFAULT;
	else if (f != DAMON_REC_FMT_V2 && f != DAMON_REC_FMT_V3 &&
		 f != DAMON_REC_FMT_V4)
		want = EINVAL;
	else
		want = m.recording ? EBUSY : 0;
	got = xioctl(pick_dev(), DAMON_REC_IOC_SET_FORMAT, ptr_of(k, v, 4));
	expect("SET_FORMAT", got, want);
	if (!got)
		m.format = f;
}

/* A fresh file name in dir. */
static void new_name(char *out, size_t len, const char *tag)
{
	snprintf(out, len, "%s/%s%lu", dir, tag, files_seq++);
}

static void op_set_path(void)
{
	struct damon_rec_path *rp = (void *)(rw + page - sizeof(*rp));
	char *buf = (char *)rw + page;	/* up to two pages, then the hole */
	char abs[PATH_MAX];
	enum ptr_kind k = pick_ptr(), kb = P_GOOD;
	int want = 0, start_err = 0, got, kind = (int)below(13);
	size_t plen;

	memset(rp, 0, sizeof(*rp));
	abs[0] = '\0';
	switch (kind) {
	case 0: case 1: case 2: case 3:	/* a new file */
		new_name(abs, sizeof(abs), "p");
		strcpy(buf, abs);
		break;
	case 4:				/* relative to the cwd (dir) */
		new_name(abs, sizeof(abs), "r");
		strcpy(buf, abs + strlen(dir) + 1);
		break;
	case 5:				/* clear */
		buf[0] = '\0';
		break;
	case 6:				/* a missing directory */
		snprintf(abs, sizeof(abs), "%s/missing/x", dir);
		strcpy(buf, abs);
		start_err = ENOENT;
		break;
	case 7:				/* a symlink */
		snprintf(abs, sizeof(abs), "%s/link", dir);
		strcpy(buf, abs);
		start_err = ELOOP;
		break;
	case 8:				/* a directory */
		snprintf(abs, sizeof(abs), "%s/subdir", dir);
		strcpy(buf, abs);
		start_err = EISDIR;
		break;
	case 9:				/* no NUL within len */
		memset(buf, 'a', 64);
		rp->len = 64;
		want = EINVAL;
		break;
	case 12:			/* a device kernel_write() refuses */
		strcpy(abs, "/dev/null");
		strcpy(buf, abs);
		start_err = EINVAL;
		break;
	case 10:			/* too long */
		rp->len = PATH_MAX + 1 + (uint32_t)below(100000);
		want = ENAMETOOLONG;
		break;
	default:			/* bad pointer to the bytes */
		strcpy(buf, "/tmp/x");
		kb = (enum ptr_kind)(1 + below(NR_PTR_KINDS - 1));
		if (kb == P_RO)
			kb = P_NULL;
		want = EFAULT;
		break;
	}
	if (!rp->len)
		rp->len = (uint32_t)strlen(buf) + 1;
	if (chance(3)) {
		rp->len = 0;
		want = EINVAL;
	}
	if (chance(3)) {
		rp->flags = 1u << below(32);
		want = EINVAL;
	}
	/* A path ending right before the unmapped page, length beyond it. */
	if (kind <= 3 && chance(5)) {
		plen = strlen(buf) + 1;
		memmove(guard - plen, buf, plen);
		rp->path = (uintptr_t)(guard - plen);
		rp->len = (uint32_t)plen + 1 + (uint32_t)below(64);
		want = rp->flags ? EINVAL : EFAULT;
	} else {
		rp->path = (uintptr_t)ptr_of(kb, buf, rp->len);
	}
	if (k != P_GOOD && k != P_RO)
		want = EFAULT;
	else if (k == P_RO)
		want = EINVAL;		/* a zeroed struct: len 0 */
	else if (!want && m.recording)
		want = EBUSY;
	got = xioctl(pick_dev(), DAMON_REC_IOC_SET_PATH, ptr_of(k, rp, sizeof(*rp)));
	expect("SET_PATH", got, want);
	if (got)
		return;
	if (buf[0]) {
		m.has_path = 1;
		snprintf(m.path, sizeof(m.path), "%s", abs);
		m.start_err = start_err;
		if (m.has_fd) {
			m.has_fd = 0;
		}
	} else {
		m.has_path = 0;
	}
}

static int fd_of_kind(int kind, int *want, int *is_file, char *file, size_t len)
{
	int fd = -1;

	*is_file = 0;
	switch (kind) {
	case 0: case 1: case 2:		/* a new regular file */
		new_name(file, len, "f");
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		*is_file = 1;
		*want = 0;
		break;
	case 3:				/* kernel_write() cannot write it */
		fd = open("/dev/null", O_WRONLY);
		*want = EINVAL;
		break;
	case 4:				/* read-only */
		fd = open("/dev/null", O_RDONLY);
		*want = EBADF;
		break;
	case 5:				/* the device itself */
		fd = open(DREC_DEV, O_RDWR);
		*want = EINVAL;
		break;
	case 6:				/* O_PATH */
		fd = open(dir, O_PATH);
		*want = EBADF;
		break;
	case 7:				/* O_DIRECT */
		new_name(file, len, "d");
		fd = open(file, O_WRONLY | O_CREAT | O_DIRECT, 0600);
		if (fd < 0)
			return -2;	/* not supported here: skip */
		*want = EINVAL;
		break;
	default:
		return -2;
	}
	if (fd < 0)
		fail("open for SET_OUTPUT_FD (kind %d): %s", kind, strerror(errno));
	return fd;
}

static void op_set_output_fd(void)
{
	int32_t *v = (void *)(rw + 2 * page - 4);
	enum ptr_kind k = pick_ptr();
	char file[PATH_MAX] = "";
	int kind = (int)below(11), fd = -1, want = 0, is_file = 0, got;

	switch (kind) {
	case 8:			/* clear */
		fd = -1;
		break;
	case 9:			/* negative */
		fd = -2 - (int)below(INT32_MAX - 2);
		want = EBADF;
		break;
	case 10:		/* not open */
		fd = 900 + (int)below(100);
		want = EBADF;
		break;
	default:
		fd = fd_of_kind(kind, &want, &is_file, file, sizeof(file));
		if (fd == -2)
			return;
		break;
	}
	*v = fd;
	if (k == P_RO) {
		/* It would read 0, our standard input, whatever that is: skip. */
		if (kind < 8)
			close(fd);
		return;
	}
	if (k != P_GOOD)
		want = EFAULT;
	if (!want && m.recording)
		want = EBUSY;
	got = xioctl(pick_dev(), DAMON_REC_IOC_SET_OUTPUT_FD, ptr_of(k, v, 4));
	expect("SET_OUTPUT_FD", got, want);
	if (!got) {
		if (fd >= 0) {
			m.has_fd = 1;
			m.fd_is_file = is_file;
			snprintf(m.fd_file, sizeof(m.fd_file), "%s", file);
			m.has_path = 0;
		} else {
			m.has_fd = 0;
		}
	}
	/* The driver holds its own reference. */
	if (kind < 8 && *v >= 0)
		close(*v);
}

static void op_start(int good)
{
	struct damon_rec_start *st = (void *)(rw + page - sizeof(*st));
	enum ptr_kind k = good ? P_GOOD : pick_ptr();
	int want = 0, got;

	memset(st, 0, sizeof(*st));
	st->sample_us = 5000;
	st->aggr_us = 100000;
	st->update_us = 1000000;
	if (!good) {
		switch (below(8)) {
		case 0: st->flags = 1u << below(32); want = EINVAL; break;
		case 1: st->pad = 1 + (uint32_t)below(100); want = EINVAL; break;
		case 2: st->reserved[below(2)] = rnd() | 1; want = EINVAL; break;
		case 3: st->aggr_us = (uint64_t)UINT32_MAX + 1 + below(1000);
			want = EINVAL; break;
		case 4: st->sample_us = rnd() | (1ULL << 40); want = EINVAL; break;
		default: st->sample_us = below(100000); break;
		}
	}
	if (k != P_GOOD && k != P_RO)
		want = EFAULT;
	else if (k == P_RO)
		want = 0;	/* all zero: a good request */
	if (!want) {
		if (m.recording)
			want = EBUSY;
		else if (!m.has_fd && m.has_path)
			want = m.start_err;
	}
	got = xioctl(pick_dev(), DAMON_REC_IOC_START, ptr_of(k, st, sizeof(*st)));
	expect("START", got, want);
	if (got)
		return;
	m.recording = 1;
	m.rec_format = m.format;
	stats_recordings++;
	m.rec_file[0] = '\0';
	if (m.has_fd) {
		m.out = OUT_FD;
		if (m.fd_is_file)
			snprintf(m.rec_file, sizeof(m.rec_file), "%s", m.fd_file);
	} else if (m.has_path) {
		m.out = OUT_PATH;
		snprintf(m.rec_file, sizeof(m.rec_file), "%s", m.path);
	} else {
		m.out = OUT_STREAM;
	}
}

static void drain(void);

static void op_stop(void)
{
	int got = xioctl(pick_dev(), DAMON_REC_IOC_STOP,
			 ptr_of(pick_ptr(), rw, 8));
	struct stat sb;

	expect("STOP", got, m.recording ? 0 : EALREADY);
	if (!m.recording)
		return;
	m.recording = 0;
	if (m.rec_file[0]) {
		if (stat(m.rec_file, &sb))
			fail("STOP: the record %s is missing: %s", m.rec_file,
			     strerror(errno));
		stats_bytes += (unsigned long)sb.st_size;
		if (list)
			fprintf(list, "v%u %s\n", m.rec_format, m.rec_file);
	}
	/* A descriptor would take the next record after this one: drop it. */
	if (m.out == OUT_FD) {
		int32_t *v = (void *)(rw + 2 * page - 4);

		*v = -1;
		expect("SET_OUTPUT_FD -1 after STOP",
		       xioctl(pick_dev(), DAMON_REC_IOC_SET_OUTPUT_FD, v), 0);
		m.has_fd = 0;
	}
	/* The next START truncates a path: this record is done with it. */
	if (m.out == OUT_PATH && m.has_path) {
		struct damon_rec_path *rp = (void *)(rw + page - sizeof(*rp));
		char *buf = (char *)rw + page;

		memset(rp, 0, sizeof(*rp));
		buf[0] = '\0';
		rp->path = (uintptr_t)buf;
		rp->len = 1;
		expect("SET_PATH \"\" after STOP",
		       xioctl(pick_dev(), DAMON_REC_IOC_SET_PATH, rp), 0);
		m.has_path = 0;
	}
	if (m.out == OUT_STREAM && chance(50))
		drain();
}

/* Read the stream without blocking: data, EOF, EAGAIN or EFAULT. */
static void op_read(void)
{
	static char buf[1 << 16];
	enum ptr_kind k = chance(90) ? P_GOOD : pick_ptr();
	size_t sizes[] = { 0, 1, 7, 4096, sizeof(buf) };
	size_t n = sizes[below(5)];
	int fd = open(DREC_DEV, O_RDONLY | O_NONBLOCK);
	ssize_t r;

	if (fd < 0)
		fail("open %s: %s", DREC_DEV, strerror(errno));
	if (k == P_RO || k == P_STRADDLE)
		n = n < 2 ? 2 : n;
	r = read(fd, ptr_of(k, buf, n), n);
	if (verbose)
		printf("%lu: read(%zu, %s) -> %zd (%s)\n", op_no, n,
		       ptr_names[k], r, r < 0 ? err_name(errno) : "");
	if (r < 0 && errno != EAGAIN && errno != EFAULT)
		fail("read: %s", strerror(errno));
	if (r < 0 && errno == EFAULT && k == P_GOOD)
		fail("read: EFAULT on a good buffer");
	if (r > (ssize_t)n)
		fail("read: %zd bytes for a buffer of %zu", r, n);
	close(fd);
}

static void op_poll(void)
{
	struct pollfd p = { .fd = pick_dev(), .events = POLLIN };
	int r = poll(&p, 1, 0);

	if (r < 0)
		fail("poll: %s", strerror(errno));
	/* Idle with no stream left: readable (read() says EOF). */
	if (!m.recording && r != 1)
		fail("poll: not readable while idle");
}

/* Read what a stopped stream holds, up to its end. */
static void drain(void)
{
	static char buf[1 << 16];
	int fd = open(DREC_DEV, O_RDONLY | O_NONBLOCK), i;
	ssize_t r;

	if (fd < 0)
		fail("open %s: %s", DREC_DEV, strerror(errno));
	for (i = 0; i < 100000; i++) {
		r = read(fd, buf, sizeof(buf));
		if (r == 0)
			break;
		if (r < 0)
			fail("draining the stopped stream: %s", strerror(errno));
	}
	if (i == 100000)
		fail("the stopped stream does not end");
	close(fd);
}

static void op_reopen(void)
{
	int i = (int)below(NR_DEVFDS);

	if (devfd[i] >= 0)
		close(devfd[i]);
	devfd[i] = -1;
}

static void op_pause(void)
{
	struct timespec ts = { 0, (long)below(40) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------------- */

static void setup_dir(void)
{
	char p[sizeof(dir) + 16];

	if (!dir[0]) {
		strcpy(dir, "/tmp/stress_ioctl.XXXXXX");
		if (!mkdtemp(dir))
			die("mkdtemp: %s", strerror(errno));
	} else if (mkdir(dir, 0700) && errno != EEXIST) {
		die("mkdir %s: %s", dir, strerror(errno));
	}
	snprintf(p, sizeof(p), "%s/subdir", dir);
	if (mkdir(p, 0700) && errno != EEXIST)
		die("mkdir %s: %s", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/link", dir);
	if (symlink("target", p) && errno != EEXIST)
		die("symlink %s: %s", p, strerror(errno));
	if (chdir(dir))
		die("chdir %s: %s", dir, strerror(errno));
}

/* Reset the device's settings to a known state: idle, no path, no fd. */
static void reset_device(void)
{
	struct damon_rec_path rp = { .path = (uintptr_t)"", .len = 1 };
	int32_t fd = -1;
	int fdd = pick_dev();

	if (ioctl(fdd, DAMON_REC_IOC_STOP) && errno != EALREADY)
		die("STOP: %s", strerror(errno));
	drain();
	if (ioctl(fdd, DAMON_REC_IOC_SET_OUTPUT_FD, &fd) ||
	    ioctl(fdd, DAMON_REC_IOC_SET_PATH, &rp) ||
	    ioctl(fdd, DAMON_REC_IOC_GET_BUF, &m.buf) ||
	    ioctl(fdd, DAMON_REC_IOC_GET_FORMAT, &m.format))
		die("resetting the device: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	unsigned long ops = 10000, i;
	const char *list_path = NULL;
	int c;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((c = getopt(argc, argv, "s:n:d:l:v")) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': ops = strtoul(optarg, NULL, 0); break;
		case 'd':
			if (strlen(optarg) >= sizeof(dir))
				die("-d %s: give a directory name shorter than %zu",
				    optarg, sizeof(dir));
			strcpy(dir, optarg);
			break;
		case 'l': list_path = optarg; break;
		case 'v': verbose = 1; break;
		default:
			fprintf(stderr, "usage: stress_ioctl [-s SEED] [-n OPS] [-d DIR] [-l LIST] [-v]\n");
			return 2;
		}
	}
	rng_state = seed ? seed : 1;
	printf("stress_ioctl: seed %" PRIu64 ", %lu operations\n", seed, ops);
	fflush(stdout);

	mem_setup();
	setup_dir();
	if (list_path) {
		list = fopen(list_path, "a");
		if (!list)
			die("%s: %s", list_path, strerror(errno));
	}
	for (c = 0; c < NR_DEVFDS; c++)
		devfd[c] = -1;
	reset_device();

	for (i = 0; i < ops; i++) {
		unsigned int w = (unsigned int)below(1000);

		op_no = i;
		/*
		 * Recordings start and stop often enough to matter, not so
		 * often that attaching to the tracepoint (which patches
		 * kernel text) takes all the time.
		 */
		if (!m.recording && w < 4) {
			stats_ops[0]++;
			op_start(1);
		} else if (m.recording && w < 15) {
			stats_ops[1]++;
			op_stop();
		} else if (m.recording && w < 60) {
			stats_ops[2]++;
			op_pause();
		} else {
			unsigned int k = (unsigned int)below(14);

			stats_ops[3 + k]++;
			switch (k) {
			case 0: op_random_cmd(); break;
			case 1: op_get_info(); break;
			case 2: op_get_status(); break;
			case 3: op_get_u32(0); break;
			case 4: op_get_u32(1); break;
			case 5: op_get_path(); break;
			case 6: op_set_buf(); break;
			case 7: op_set_format(); break;
			case 8: op_set_path(); break;
			case 9: op_set_output_fd(); break;
			case 10: op_start(0); break;
			case 11: op_stop(); break;
			case 12: chance(50) ? op_read() : op_poll(); break;
			default: op_reopen(); break;
			}
		}
	}
	op_no = ops;
	if (m.recording)
		op_stop();
	drain();
	if (list && fclose(list))
		die("%s: %s", list_path, strerror(errno));
	printf("stress_ioctl: OK seed %" PRIu64 ": %lu operations, %lu ioctls "
	       "succeeded, %lu recordings, %lu bytes of records; random numbers "
	       "%lu, START %lu, STOP %lu, SET_PATH %lu, SET_OUTPUT_FD %lu\n",
	       seed, ops, stats_ok, stats_recordings, stats_bytes, stats_ops[3],
	       stats_ops[0] + stats_ops[13], stats_ops[1] + stats_ops[14],
	       stats_ops[11], stats_ops[12]);
	return 0;
}
