#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-kernel.sh NAME [FILE.bats...] - the VM tests on kernel NAME of the
# matrix, as TAP-style lines for make check and make check-kernels.
#
# Runs "make vm-test KERNEL=NAME" (every tests/vm/*.bats unless FILEs are
# given).  Each guest test's ok / not ok line passes through, with
# "[NAME]" before its description unless NAME is the default kernel; then
# one line for the verdict of all the VMs (end marker, job status, every
# planned test reported, console and dmesg clean, no timeout, in each
# shard) and one for the way back of $VM_OUT files (testbed.bats writes
# the guest's kernel release there), when testbed.bats ran.  The last line,
# not TAP, sums it up:
#   kernel NAME RELEASE: PASS|FAIL: VERDICT
# Exit status 0 when everything passed.

set -u
cd "$(dirname "$0")/../.." || exit 1

[ $# -ge 1 ] || { echo "usage: check-kernel.sh NAME [FILE.bats...]" >&2; exit 2; }
name=$1
shift
. scripts/kernels.sh
kernel_check "$name" || exit 2
tag=
[ "$name" = "$KERNEL_DEFAULT" ] || tag="[$name] "

log=$(mktemp)
trap 'rm -f "$log"' EXIT

targs=()
[ $# = 0 ] || targs=(T="$*")
${MAKE:-make} --no-print-directory KERNEL="$name" vm-test "${targs[@]}" 2>&1 |
	tee "$log" | grep -v -e '^1\.\.[0-9]*$' -e '^vm: PASS' -e '^vm: FAIL' |
	sed -E "s/^(ok|not ok) ([0-9]+) /\\1 \\2 $tag/"
rc=${PIPESTATUS[0]}

verdict=$(grep -E '^vm: (PASS|FAIL)' "$log" | tail -n 1)
case $verdict in
"vm: PASS"*) echo "ok - ${tag}vm verdict: ${verdict#vm: PASS: }" ;;
"vm: FAIL"*) echo "not ok - ${tag}vm verdict: ${verdict#vm: FAIL: }" ;;
*) echo "not ok - ${tag}vm verdict: make vm-test ended (status $rc) before the VM gave one" ;;
esac

want=$(scripts/kver.sh "$name" 2>/dev/null)
if [ $# = 0 ] || [[ " $* " == *"testbed.bats "* ]]; then
	vm_out=$(sed -n 's/^VM_OUT=//p' "$log" | tail -n 1)
	got=$(cat "$vm_out/testbed/uname.txt" 2>/dev/null)
	if [ -n "$vm_out" ] && [ -n "$got" ] && [ "$got" = "$want" ]; then
		echo "ok - ${tag}a file the guest wrote under \$VM_OUT came back to $vm_out"
	else
		echo "not ok - ${tag}\$VM_OUT/testbed/uname.txt did not come back as" \
			"'$want' (got '${got}', VM_OUT=${vm_out:-none})"
		rc=1
	fi
fi

if [ "$rc" = 0 ] && [[ $verdict == "vm: PASS"* ]]; then
	echo "kernel $name $want: PASS: ${verdict#vm: PASS: }"
	exit 0
fi
echo "kernel $name $want: FAIL: ${verdict:-no verdict}"
exit 1
