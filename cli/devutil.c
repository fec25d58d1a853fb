// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl: opening the device and describing its state.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "common.h"
#include "devutil.h"
#include "linux/damon_rec.h"

uint32_t parse_buf_size(const char *arg)
{
	uint64_t v;

	if (parse_size(arg, &v)) {
		if (errno != ERANGE)
			die_usage("--buf '%s': not a size; give 1K to 4M bytes, such as "
				  "4096, 64K or 1M", arg);
		v = UINT64_MAX;
	}
	if (v < DAMON_REC_MIN_BUF_LEN || v > DAMON_REC_MAX_BUF_LEN)
		die_usage("--buf '%s': out of range; give 1K to 4M bytes", arg);
	return (uint32_t)v;
}

const char *device_path(void)
{
	return g.device ? g.device : DAMONREC_DEVICE_PATH;
}

struct damonrec_device *device_open_or_explain(int flags, int *code)
{
	struct damonrec_device *dev;
	int err;

	dev = damonrec_device_open_flags(device_path(), flags);
	if (dev)
		return dev;
	err = errno;
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		*code = err_msg(EXIT_UNAVAIL,
				"cannot open %s: %s; load the driver with 'modprobe damon_rec' (or insmod damon_rec.ko)",
				device_path(), strerror(err));
		break;
	case EACCES:
	case EPERM:
		*code = err_msg(EXIT_PERM,
				"cannot open %s: %s; the device is root-only: run as root",
				device_path(), strerror(err));
		break;
	default:
		*code = err_msg(EXIT_ERR, "cannot open %s: %s", device_path(),
				strerror(err));
	}
	return NULL;
}

int device_error(const char *what, int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return err_msg(EXIT_PERM, "%s: %s; this needs CAP_SYS_ADMIN: run as root",
			       what, strerror(err));
	case EBUSY:
		return err_msg(EXIT_UNAVAIL,
			       "%s: a recording is running; stop it first with 'damonctl stop'",
			       what);
	case ENOTTY:
		return err_msg(EXIT_UNAVAIL,
			       "%s: %s is not a damon_rec device (or the driver is too old)",
			       what, device_path());
	case EOPNOTSUPP:
		return err_msg(EXIT_UNAVAIL,
			       "%s: not supported by this kernel or driver (see 'damonctl status')",
			       what);
	default:
		return err_msg(errno_exit_code(err), "%s: %s", what, strerror(err));
	}
}

const char *state_name(enum damonrec_state s)
{
	switch (s) {
	case DAMONREC_STATE_IDLE:
		return "idle";
	case DAMONREC_STATE_RECORDING:
		return "recording";
	case DAMONREC_STATE_FAILED:
		return "failed";
	}
	return "unknown";
}

const char *output_name(enum damonrec_output o)
{
	switch (o) {
	case DAMONREC_OUTPUT_NONE:
		return "none";
	case DAMONREC_OUTPUT_PATH:
		return "path";
	case DAMONREC_OUTPUT_FD:
		return "fd";
	case DAMONREC_OUTPUT_STREAM:
		return "stream";
	}
	return "unknown";
}

char *formats_str(char *buf, size_t len, uint32_t formats)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < 32; i++) {
		const char *name;

		if (!(formats & (1u << i)))
			continue;
		name = damonrec_format_name((enum damonrec_format)i);
		if (!name)
			continue;
		if (buf[0])
			strncat(buf, " ", len - strlen(buf) - 1);
		strncat(buf, name, len - strlen(buf) - 1);
	}
	return buf;
}

char *features_str(char *buf, size_t len, const struct damonrec_device_info *in)
{
	buf[0] = '\0';
	if (in->damon_available)
		strncat(buf, "damon ", len - strlen(buf) - 1);
	if (in->stream)
		strncat(buf, "stream ", len - strlen(buf) - 1);
	if (in->output_fd)
		strncat(buf, "output-fd ", len - strlen(buf) - 1);
	if (in->age)
		strncat(buf, "age ", len - strlen(buf) - 1);
	if (buf[0])
		buf[strlen(buf) - 1] = '\0';
	return buf;
}
