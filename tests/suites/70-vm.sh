#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VM tests: every tests/vm/*.bats in the test VM of the default kernel
# (bookworm-backports; make vm-test; the files are split over $VM_SHARDS
# VMs running at once, default 3).  Each guest test's ok / not ok line
# passes through, numbered across the shards; then one line for the verdict
# of all the VMs (end marker, job status, every planned test reported,
# console and dmesg clean, no timeout, in each shard) and one for the way
# back of $VM_OUT files.  See tests/vm/check-kernel.sh; 72-vm-kernels.sh
# runs the other kernels of the matrix.

cd "$(dirname "$0")/../.." || exit 1
. scripts/kernels.sh
exec tests/vm/check-kernel.sh "$KERNEL_DEFAULT"
