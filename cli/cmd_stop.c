// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl stop: end a recording started elsewhere (another damonctl
 * record, or a program using the library).  The ioctl returns once every
 * recorded byte is in the output.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "devutil.h"

static const struct argp stop_argp = {
	NULL, parse_no_args, NULL,
	"Stop the recording that is running on the device and wait until "
	"everything recorded is written.\v"
	"A damonctl record that is waiting on that recording then tears down "
	"the DAMON setup it made and exits.  Exits with 1 when no recording is "
	"running.",
	global_children, NULL, NULL
};

int cmd_stop(int argc, char **argv)
{
	struct damonrec_device_status st;
	struct damonrec_device *dev;
	int code;

	if (parse_args(&stop_argp, argc, argv, NULL, NULL))
		return EXIT_OK;
	dev = device_open_or_explain(0, &code);
	if (!dev)
		return code;
	if (damonrec_device_get_status(dev, &st)) {
		code = device_error("cannot read the device status", errno);
		goto out;
	}
	if (st.state != DAMONREC_STATE_RECORDING) {
		code = err_msg(EXIT_ERR, "no recording is running (state %s); nothing to stop",
			       state_name(st.state));
		goto out;
	}
	if (damonrec_device_stop(dev)) {
		code = device_error("cannot stop the recording", errno);
		goto out;
	}
	damonrec_device_get_status(dev, &st);
	if (g.json) {
		json_begin(stdout);
		json_obj_open(NULL);
		json_str("state", state_name(st.state));
		json_u64("snapshots", st.snapshots);
		json_u64("bytes_written", st.bytes_written);
		json_u64("lost", st.lost_full + st.lost_nomem + st.lost_error);
		json_obj_close();
		json_end();
	} else {
		char b[32];

		printf("stopped: %" PRIu64 " snapshots, %s written, %" PRIu64 " lost\n",
		       st.snapshots, fmt_size(b, sizeof(b), st.bytes_written),
		       st.lost_full + st.lost_nomem + st.lost_error);
	}
	code = EXIT_OK;
out:
	damonrec_device_close(dev);
	return code;
}
