// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl status: the device's info, state and counters, and the DAMON
 * kdamonds found in sysfs.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "devutil.h"

static const struct argp status_argp = {
	NULL, parse_no_args, NULL,
	"Show the recording device (driver info, state, counters of the current "
	"or last recording) and the DAMON kdamonds.\v"
	"Exits with 4 when the device cannot be opened; the DAMON part is "
	"printed all the same.",
	global_children, NULL, NULL
};

static void print_kdamonds_text(struct damonrec_damon *d, const char *root)
{
	struct damonrec_kdamond_info ki;
	char a[32], b[32], c[32];
	int n, i;

	n = damonrec_damon_count_kdamonds(d);
	if (n < 0) {
		printf("DAMON (%s): unavailable (%s)\n", root, strerror(errno));
		return;
	}
	printf("DAMON (%s): %d kdamond%s\n", root, n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		if (damonrec_damon_get_kdamond(d, (unsigned int)i, &ki)) {
			printf("  kdamond %d: unreadable (%s)\n", i, strerror(errno));
			continue;
		}
		printf("  kdamond %u: %s", ki.index, ki.running ? "on" : "off");
		if (ki.running)
			printf(", pid %d", (int)ki.pid);
		if (ki.nr_contexts) {
			printf(", %s, %u target%s, sample %s, aggr %s, update %s",
			       ki.operations[0] ? ki.operations : "?",
			       ki.nr_targets, ki.nr_targets == 1 ? "" : "s",
			       fmt_time(a, sizeof(a), (int64_t)ki.intervals.sample_us * 1000),
			       fmt_time(b, sizeof(b), (int64_t)ki.intervals.aggr_us * 1000),
			       fmt_time(c, sizeof(c), (int64_t)ki.intervals.update_us * 1000));
			if (ki.nr_contexts > 1)
				printf(" (%u contexts)", ki.nr_contexts);
		} else {
			printf(", no context");
		}
		putchar('\n');
	}
}

static void print_kdamonds_json(struct damonrec_damon *d, const char *root)
{
	struct damonrec_kdamond_info ki;
	int n, i;

	json_obj_open("damon");
	json_str("sysfs", root);
	n = damonrec_damon_count_kdamonds(d);
	json_bool("available", n >= 0);
	if (n < 0) {
		json_str("error", strerror(errno));
		json_obj_close();
		return;
	}
	json_arr_open("kdamonds");
	for (i = 0; i < n; i++) {
		if (damonrec_damon_get_kdamond(d, (unsigned int)i, &ki))
			continue;
		json_obj_open(NULL);
		json_u64("index", ki.index);
		json_str("state", ki.running ? "on" : "off");
		json_i64("pid", ki.running ? ki.pid : -1);
		json_u64("nr_contexts", ki.nr_contexts);
		json_str("operations", ki.operations);
		json_u64("nr_targets", ki.nr_targets);
		json_u64("sample_us", ki.intervals.sample_us);
		json_u64("aggr_us", ki.intervals.aggr_us);
		json_u64("update_us", ki.intervals.update_us);
		json_obj_close();
	}
	json_arr_close();
	json_obj_close();
}

static void print_device_text(const struct damonrec_device_info *in,
			      const struct damonrec_device_status *st,
			      const char *path)
{
	char a[64], b[64], c[128];
	uint64_t lost = st->lost_full + st->lost_nomem + st->lost_error;

	printf("device %s: API %u, %s, formats %s, features %s\n",
	       device_path(), in->api_version,
	       in->damon_available ? "DAMON available" :
				     "DAMON unavailable (no damon_aggregated tracepoint)",
	       formats_str(a, sizeof(a), in->formats),
	       features_str(c, sizeof(c), in));
	printf("state: %s\n", state_name(st->state));
	printf("  format %s, output %s%s%s, buffer %s\n",
	       damonrec_format_name(st->format) ? damonrec_format_name(st->format) : "?",
	       output_name(st->output), path[0] ? " " : "", path,
	       fmt_size(b, sizeof(b), st->buf_len));
	if (st->start_ns)
		printf("  started %s, %s %s\n",
		       fmt_wallclock(a, sizeof(a), (int64_t)st->start_ns),
		       st->state == DAMONREC_STATE_RECORDING ? "running for" : "lasted",
		       fmt_time(b, sizeof(b), (int64_t)st->duration_ns));
	printf("  snapshots %" PRIu64 ", regions %" PRIu64 ", kdamonds seen %u\n",
	       st->snapshots, st->regions, st->nr_kdamonds);
	printf("  written %s, buffered %s\n",
	       fmt_size(a, sizeof(a), st->bytes_written),
	       fmt_size(b, sizeof(b), st->bytes_buffered));
	printf("  lost %" PRIu64 " (buffers full %" PRIu64 ", no memory %" PRIu64
	       ", output error %" PRIu64 ")\n",
	       lost, st->lost_full, st->lost_nomem, st->lost_error);
	printf("  last error: %s\n", st->last_error ? strerror(st->last_error) : "none");
}

static void print_device_json(const struct damonrec_device_info *in,
			      const struct damonrec_device_status *st,
			      const char *path)
{
	int i;

	json_obj_open("device");
	json_str("path", device_path());
	json_bool("available", true);
	json_u64("api_version", in->api_version);
	json_bool("damon_available", in->damon_available);
	json_u64("tp_proto", in->tp_proto);
	json_arr_open("formats");
	for (i = 0; i < 32; i++)
		if ((in->formats & (1u << i)) &&
		    damonrec_format_name((enum damonrec_format)i))
			json_str(NULL, damonrec_format_name((enum damonrec_format)i));
	json_arr_close();
	json_obj_open("features");
	json_bool("stream", in->stream);
	json_bool("output_fd", in->output_fd);
	json_bool("age", in->age);
	json_obj_close();
	json_u64("min_buf_len", in->min_buf_len);
	json_u64("max_buf_len", in->max_buf_len);
	json_u64("max_path_len", in->max_path_len);
	json_obj_close();

	json_obj_open("recording");
	json_str("state", state_name(st->state));
	json_str("format", damonrec_format_name(st->format));
	json_str("output", output_name(st->output));
	json_str("path", path);
	json_u64("buf_len", st->buf_len);
	json_u64("snapshots", st->snapshots);
	json_u64("regions", st->regions);
	json_u64("bytes_written", st->bytes_written);
	json_u64("bytes_buffered", st->bytes_buffered);
	json_u64("lost_full", st->lost_full);
	json_u64("lost_nomem", st->lost_nomem);
	json_u64("lost_error", st->lost_error);
	json_str("last_error", st->last_error ? strerror(st->last_error) : NULL);
	json_u64("nr_kdamonds", st->nr_kdamonds);
	json_u64("start_ns", st->start_ns);
	json_u64("duration_ns", st->duration_ns);
	json_obj_close();
}

int cmd_status(int argc, char **argv)
{
	struct damonrec_device_status st;
	struct damonrec_device_info in;
	struct damonrec_device *dev;
	struct damonrec_damon *d;
	const char *root;
	char path[PATH_MAX] = "";
	char errline[512] = "";
	int code = EXIT_OK, err = 0;

	if (parse_args(&status_argp, argc, argv, NULL, NULL))
		return EXIT_OK;
	root = g.sysfs ? g.sysfs : DAMONREC_SYSFS_ROOT;

	dev = damonrec_device_open_flags(device_path(), 0);
	if (!dev) {
		err = errno;
		snprintf(errline, sizeof(errline), "cannot open %s: %s%s",
			 device_path(), strerror(err),
			 err == ENOENT ? "; load the driver with 'modprobe damon_rec'" :
			 (err == EACCES || err == EPERM) ? "; run as root" : "");
		code = errno_exit_code(err);
		if (code == EXIT_PERM || code == EXIT_ERR)
			code = err == EACCES || err == EPERM ? EXIT_PERM : EXIT_UNAVAIL;
	} else if (damonrec_device_get_info(dev, &in) ||
		   damonrec_device_get_status(dev, &st)) {
		err = errno;
		snprintf(errline, sizeof(errline), "%s: cannot read the device state: %s",
			 device_path(), strerror(err));
		code = EXIT_UNAVAIL;
	} else if (damonrec_device_get_output_path(dev, path, sizeof(path))) {
		path[0] = '\0';
	}
	d = damonrec_damon_new(root);

	if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		if (errline[0]) {
			json_obj_open("device");
			json_str("path", device_path());
			json_bool("available", false);
			json_str("error", errline);
			json_obj_close();
		} else {
			print_device_json(&in, &st, path);
		}
		if (d)
			print_kdamonds_json(d, root);
		json_obj_close();
		json_end();
	} else {
		if (errline[0])
			printf("device %s: unavailable\n", device_path());
		else
			print_device_text(&in, &st, path);
		if (d)
			print_kdamonds_text(d, root);
		fflush(stdout);
		if (errline[0])
			err_msg(code, "%s", errline);
	}
	damonrec_damon_free(d);
	damonrec_device_close(dev);
	return code;
}
