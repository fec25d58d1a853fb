#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VM tests on the other kernels of the matrix (scripts/kernels.sh): every
# tests/vm/*.bats, the stress and signal trials at their short settings
# (as on the default kernel, 70-vm.sh), on trixie-rt, sid and trixie, one
# kernel after the other.  Each test line carries its kernel, "[sid] ...";
# each kernel ends with its verdict lines and a line
# "kernel NAME RELEASE: PASS|FAIL: ..." (see tests/vm/check-kernel.sh).
#
# Environment: CHECK_VM_KERNELS, the kernels to run (default
# "trixie-rt sid trixie").

cd "$(dirname "$0")/../.." || exit 1

rc=0
for k in ${CHECK_VM_KERNELS-trixie-rt sid trixie}; do
	tests/vm/check-kernel.sh "$k" || rc=1
done
exit $rc
