#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host bats tests of damonctl and of libdamonrec's sysfs code
# (tests/bats/*.bats).  They run the ASan/UBSan build of damonctl, on
# records the tests generate and on an emulated DAMON sysfs tree.

set -u
cd "$(dirname "$0")/../.." || exit 1

if ! ${MAKE:-make} --no-print-directory -s cli-test-tools >/dev/null; then
	echo "not ok - build damonctl and the test tools (make cli-test-tools)"
	exit 1
fi
exec bats --tap tests/bats
