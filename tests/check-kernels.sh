#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-kernels.sh [NAME...] - 'make check-kernels': for each kernel of the
# matrix (scripts/kernels.sh; default all of them), the modules' W=1 and
# sparse build in the kernel's own toolchain (make KERNEL=NAME
# modules-check) and the whole VM suite on it (tests/vm/check-kernel.sh),
# one kernel after the other.  The test lines pass through; the last lines
# are one per kernel:
#   kernel NAME RELEASE: PASS|FAIL: ...
# Exit status 0 when every kernel passed.

set -u
cd "$(dirname "$0")/.." || exit 1
. scripts/kernels.sh

MAKE=${MAKE:-make}
summary=()
rc=0
[ $# -gt 0 ] || set -- $KERNELS ${KERNELS_EXTRA:-}
for k in "$@"; do
	kernel_check "$k" || exit 2
	echo "==== $k ===="
	t0=$SECONDS
	if ! out=$($MAKE -s KERNEL="$k" modules-check 2>&1); then
		printf '%s\n' "$out" | tail -n 30
		summary+=("kernel $k: FAIL: the W=1 and sparse build reports something")
		rc=1
		continue
	fi
	line=$(tests/vm/check-kernel.sh "$k" | tee /dev/stderr | tail -n 1)
	case $line in
	"kernel $k "*": PASS"*) ;;
	*) rc=1 ;;
	esac
	summary+=("$line; W=1 and sparse clean; $((SECONDS - t0)) s")
done
echo
printf '%s\n' "${summary[@]}"
exit $rc
