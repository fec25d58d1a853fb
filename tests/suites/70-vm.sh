#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VM tests: every tests/vm/*.bats in the test VM (make vm-test; the files
# are split over $VM_SHARDS VMs running at once, default 3).  Each guest
# test's ok / not ok line passes through, numbered across the shards; then
# one line for the verdict of all the VMs (end marker, job status, every
# planned test reported, console and dmesg clean, no timeout, in each
# shard) and one for the way back of $VM_OUT files.

set -u
cd "$(dirname "$0")/../.." || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT

${MAKE:-make} --no-print-directory vm-test 2>&1 | tee "$log" |
	grep -v -e '^1\.\.[0-9]*$' -e '^vm: PASS' -e '^vm: FAIL'
rc=${PIPESTATUS[0]}

verdict=$(grep -E '^vm: (PASS|FAIL)' "$log" | tail -n 1)
case $verdict in
"vm: PASS"*) echo "ok - vm verdict: ${verdict#vm: PASS: }" ;;
"vm: FAIL"*) echo "not ok - vm verdict: ${verdict#vm: FAIL: }" ;;
*) echo "not ok - vm verdict: make vm-test ended (status $rc) before the VM gave one" ;;
esac

# testbed.bats writes the guest's kernel release under $VM_OUT.
vm_out=$(sed -n 's/^VM_OUT=//p' "$log" | tail -n 1)
got=$(cat "$vm_out/testbed/uname.txt" 2>/dev/null)
want=$(scripts/kver.sh 2>/dev/null)
if [ -n "$vm_out" ] && [ -n "$got" ] && [ "$got" = "$want" ]; then
	echo "ok - a file the guest wrote under \$VM_OUT came back to $vm_out"
else
	echo "not ok - \$VM_OUT/testbed/uname.txt did not come back as '$want'" \
		"(got '${got}', VM_OUT=${vm_out:-none})"
fi

[ "$rc" = 0 ]
