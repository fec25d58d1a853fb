#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of 'make demo' (run.sh --mode demo): runs in the test VM,
# its output is shown on the host.  Loads the module and shows the device.

set -e
. /opt/damonrec/tests/lib/guest.bash

step() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo "damonrec demo on kernel $(uname -r)"
step load_damon_rec
if command -v damonctl >/dev/null; then
	step damonctl status
else
	step cat /sys/class/misc/damon_rec/dev
fi
step ls -l /dev/damon_rec
step unload_damon_rec
