// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl device: show or set the device's settings - buffer size, output
 * path and format.  This is the old debugfs "record" file's workflow
 * ("echo '4096 /damon.data' > record; cat record") on the ioctl interface.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "devutil.h"

struct device_args {
	bool set_buf, set_path, set_format;
	uint64_t buf;
	const char *path;
	enum damonrec_format format;
};

enum { OPT_NO_PATH = 0x100, OPT_FORMAT };

static const struct argp_option options[] = {
	{ "buf", 'b', "BYTES", 0,
	  "Set the buffer size, 1K to 4M (units K, M accepted)", 0 },
	{ "path", 'o', "PATH", 0,
	  "Set the output file (relative paths are taken from the current "
	  "directory); an empty PATH clears it", 0 },
	{ "no-path", OPT_NO_PATH, NULL, 0,
	  "Clear the output path: recordings then stream through read()", 0 },
	{ "format", OPT_FORMAT, "v2|v3|v4", 0, "Set the record format", 0 },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct device_args *a = state->input;

	switch (key) {
	case 'b':
		a->buf = parse_buf_size(arg);
		a->set_buf = true;
		return 0;
	case 'o':
		a->path = arg;
		a->set_path = true;
		return 0;
	case OPT_NO_PATH:
		a->path = "";
		a->set_path = true;
		return 0;
	case OPT_FORMAT:
		if (damonrec_format_parse(arg, &a->format) ||
		    (a->format != DAMONREC_FORMAT_V2 && a->format != DAMONREC_FORMAT_V3 &&
		     a->format != DAMONREC_FORMAT_V4))
			die_usage("--format '%s': the device records v2, v3 or v4", arg);
		a->set_format = true;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s': use --buf and --path", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp device_argp = {
	options, parse, NULL,
	"Show the device's settings, or change them with the options.  Without "
	"options it prints \"BUFFER PATH\" on its first line, as the original "
	"debugfs record file did.\v"
	"Settings persist until changed or the driver is unloaded; they cannot "
	"change while a recording runs (exit status 4).",
	global_children, NULL, NULL
};

int cmd_device(int argc, char **argv)
{
	struct device_args a = { .format = DAMONREC_FORMAT_V3 };
	struct damonrec_device_status st;
	struct damonrec_device_info in;
	struct damonrec_device *dev;
	enum damonrec_format fmt;
	char path[PATH_MAX];
	uint32_t buf;
	int code;

	if (parse_args(&device_argp, argc, argv, &a, NULL))
		return EXIT_OK;
	dev = device_open_or_explain(0, &code);
	if (!dev)
		return code;
	if (damonrec_device_get_info(dev, &in)) {
		code = device_error("cannot query the device", errno);
		goto out;
	}
	if (a.set_buf && (a.buf < in.min_buf_len || a.buf > in.max_buf_len)) {
		char lo[32], hi[32];

		code = err_msg(EXIT_USAGE,
			       "--buf %" PRIu64 ": out of range; give %s to %s (see 'damonctl device --help')",
			       a.buf, fmt_size(lo, sizeof(lo), in.min_buf_len),
			       fmt_size(hi, sizeof(hi), in.max_buf_len));
		goto out;
	}
	if (a.set_path && in.max_path_len && strlen(a.path) + 1 > in.max_path_len) {
		code = err_msg(EXIT_USAGE, "--path: longer than the %u bytes the driver accepts",
			       in.max_path_len - 1);
		goto out;
	}
	if (a.set_buf && damonrec_device_set_buffer_size(dev, (uint32_t)a.buf)) {
		code = device_error("cannot set the buffer size", errno);
		goto out;
	}
	if (a.set_path) {
		/* A path replaces an output fd someone may have left. */
		if (a.path[0] && in.output_fd)
			damonrec_device_set_output_fd(dev, -1);
		if (damonrec_device_set_output_path(dev, a.path)) {
			code = device_error("cannot set the output path", errno);
			goto out;
		}
	}
	if (a.set_format && damonrec_device_set_format(dev, a.format)) {
		code = device_error("cannot set the format", errno);
		goto out;
	}

	if (damonrec_device_get_buffer_size(dev, &buf) ||
	    damonrec_device_get_output_path(dev, path, sizeof(path)) ||
	    damonrec_device_get_format(dev, &fmt) ||
	    damonrec_device_get_status(dev, &st)) {
		code = device_error("cannot read the settings", errno);
		goto out;
	}
	if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		json_str("device", device_path());
		json_u64("buf_len", buf);
		json_str("path", path);
		json_str("format", damonrec_format_name(fmt));
		json_str("state", state_name(st.state));
		json_u64("min_buf_len", in.min_buf_len);
		json_u64("max_buf_len", in.max_buf_len);
		json_obj_close();
		json_end();
	} else {
		char b[32];

		printf("%u %s\n", buf, path);
		printf("buffer: %s (%s to ", fmt_size(b, sizeof(b), buf),
		       fmt_size(b, sizeof(b), in.min_buf_len));
		printf("%s)\n", fmt_size(b, sizeof(b), in.max_buf_len));
		printf("path:   %s\n", path[0] ? path : "(none: read() streams the record)");
		printf("format: %s\n", damonrec_format_name(fmt) ? damonrec_format_name(fmt) : "?");
		printf("state:  %s\n", state_name(st.state));
	}
	code = EXIT_OK;
out:
	damonrec_device_close(dev);
	return code;
}
