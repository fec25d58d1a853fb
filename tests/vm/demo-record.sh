#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of 'make demo': records the zigzag workload with
# damonctl and sends the record back to the host (under $VM_OUT/demo),
# where tests/vm/demo-host.sh shows it.

set -e
. /opt/damonrec/tests/lib/guest.bash

step() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo "damonrec demo on kernel $(uname -r)"
load_damon_rec
mkdir -p "$VM_OUT/demo"
cd "$VM_OUT/demo"
step damonctl status
# A 64 MiB buffer, its hot window walking across in 8 steps of 1 s, after
# 1.5 s for DAMON to find the buffer.
step damonctl record --buf 4096 -o damon.data -- \
	/opt/damonrec/bin/zigzag -s 64 -n 8 -t 1000 -d 1500 -i zigzag.txt
step damonctl status
unload_damon_rec
