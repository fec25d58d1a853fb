#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VM tests on the other kernels of the matrix (scripts/kernels.sh), one
# kernel after the other: on trixie-rt every tests/vm/*.bats but the three
# named below; on trixie, whose kernel is the default's 6.12 built
# by another compiler, the files that load, record and unload the modules
# built for it (see README, "Kernels": the whole suite on every kernel
# does not fit make check's time; make check-kernels runs it).  Each test
# line carries its kernel, "[sid] ..."; each kernel ends with its verdict
# lines and a line "kernel NAME RELEASE: PASS|FAIL: ..." (see
# tests/vm/check-kernel.sh).
#
# Environment: CHECK_VM_KERNELS, the kernels to run (default
# "trixie-rt trixie": sid is not in make check until its whole suite has
# passed here; make check-kernels and make vm-test KERNEL=sid run it).

cd "$(dirname "$0")/../.." || exit 1

# The files trixie runs.
trixie_files="testbed driver-ioctl driver-record dyndbg-rec dkms"
# trixie-rt runs all but three files, which fail there today: in
# driver-stress.bats a 10 s stream nobody reads does not fill the larger
# pool PREEMPT_RT starts with (no lost_full); stress-device.bats's
# counting of snapshots through the trace buffer loses trace events; and
# in signals-record.bats one trial in a few runs of 50 hangs: damonctl
# record -o - stays in read() of the stream while its signal thread waits
# in sigtimedwait, so STOP is never issued (an open bug, not yet found).
rt_skip="driver-stress stress-device signals-record"

rc=0
for k in ${CHECK_VM_KERNELS-trixie-rt trixie}; do
	files=()
	if [ "$k" = trixie ]; then
		for f in $trixie_files; do
			files+=("tests/vm/$f.bats")
		done
	elif [ "$k" = trixie-rt ]; then
		for f in tests/vm/*.bats; do
			[[ " $rt_skip " == *" $(basename "$f" .bats) "* ]] ||
				files+=("$f")
		done
	fi
	tests/vm/check-kernel.sh "$k" "${files[@]}" || rc=1
done
exit $rc
