#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Guest tests of /dev/damon_rec's ioctls: every bad argument with its errno
# (tests/tools/ioctl_errno.c), privileges, and what the driver reports.

load /opt/damonrec/tests/lib/guest

setup() {
	dmesg_mark
	load_damon_rec
	WORK=$(mktemp -d)
}

teardown() {
	chmod 0600 /dev/damon_rec 2>/dev/null || true
	unload_damon_rec
	rm -rf "$WORK"
}

@test "driver: every bad ioctl argument fails with its documented errno" {
	cd "$WORK"
	run ioctl_errno
	echo "$output" | tee "$VM_OUT/driver-ioctl-errno.txt" >/dev/null
	assert_success
	refute_line --partial FAIL
	assert_line --regexp '^[0-9]+ checks, 0 failed$'
	check_dmesg_clean
}

@test "driver: an unprivileged user cannot open the device" {
	run run_unprivileged ioctl_errno --unpriv
	assert_failure
	assert_output --partial 'Permission denied'
}

@test "driver: an unprivileged user may query but gets EPERM for control" {
	chmod 0644 /dev/damon_rec
	run run_unprivileged ioctl_errno --unpriv
	assert_success
	refute_line --partial FAIL
	assert_line 'PASS: unprivileged START'
	assert_line 'PASS: unprivileged STOP'
}

@test "driver: the module loads, reports the 6.12 tracepoint and unloads, twice" {
	for i in 1 2; do
		unload_damon_rec
		load_damon_rec
		[ -c /dev/damon_rec ]
	done
	unload_damon_rec
	[ ! -e /dev/damon_rec ]
	check_dmesg_clean
}
