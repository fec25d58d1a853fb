#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# record, status, stop and device on a host without /dev/damon_rec: their
# argument checks and error paths (the VM tests cover the device itself).

load helpers

@test "record: no target is a usage error" {
	run damonctl record --device /nonexistent
	assert_failure 2
	assert_one_line
	assert_output --partial 'nothing to monitor'
}

@test "record: two kinds of target are a usage error" {
	run damonctl record --paddr -p 1
	assert_failure 2
	assert_one_line
	assert_output --partial 'cannot be combined'
	run damonctl record --attach -- true
	assert_failure 2
	assert_one_line
}

@test "record: bad values are one line each, exit 2" {
	for args in "--buf=abc" "--buf=0" "--sample=5parsecs" "--aggr=0" \
		    "--update=-1" "--min-regions=2" "--max-regions=x" \
		    "--duration=soon" "--split=1" "--split=0s" "--format=v5" \
		    "-p 0" "-p abc" "--output="; do
		run damonctl record $args --paddr
		assert_failure 2
		assert_one_line
	done
}

@test "record: inconsistent attributes are refused before anything is touched" {
	run damonctl record --sample 10ms --aggr 5ms --paddr
	assert_failure 2
	assert_output --partial 'must not exceed --aggr'
	run damonctl record --min-regions 100 --max-regions 10 --paddr
	assert_failure 2
	assert_output --partial '--min-regions must not exceed'
	run damonctl record --attach --aggr 100ms
	assert_failure 2
	assert_output --partial '--attach records DAMON as it runs'
	run damonctl record --split 1M -o - --paddr
	assert_failure 2
	assert_output --partial '--split writes numbered files'
}

@test "record: a process that does not exist" {
	run damonctl record -p 2147483646
	assert_failure 2
	assert_output --partial '-p 2147483646: no such process'
}

@test "record: without the device, exit 4 and how to load it" {
	run damonctl record --device "$BATS_TEST_TMPDIR/none" -- true
	assert_failure 4
	assert_one_line
	assert_output --partial "cannot open $BATS_TEST_TMPDIR/none: No such file or directory; load the driver"
}

@test "record: a device that is not damon_rec, exit 4" {
	run damonctl record --device /dev/null --paddr
	assert_failure 4
	assert_one_line
	assert_output --partial 'is not a damon_rec device'
}

@test "record: missing CAP_SYS_ADMIN is explained, exit 5, nothing touched" {
	command -v capsh || skip "capsh missing"
	run capsh --drop=cap_sys_admin -- -c "'$DAMONCTL' record --device /dev/null -- true"
	assert_failure 5
	assert_one_line
	assert_output --partial 'needs CAP_SYS_ADMIN'
	assert_output --partial 'run it as root'
}

@test "record: without root, CAP_DAC_OVERRIDE is missing too" {
	command -v setpriv || skip "setpriv missing"
	[ "$(id -u)" = 0 ] || skip "needs root to drop to another user"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$DAMONCTL" record --paddr
	assert_failure 5
	assert_output --partial 'CAP_SYS_ADMIN'
	assert_output --partial 'CAP_DAC_OVERRIDE'
}

@test "status: without the device it still shows DAMON, exit 4" {
	mkdir -p fake/kdamonds
	echo 0 > fake/kdamonds/nr_kdamonds
	run damonctl status --device "$BATS_TEST_TMPDIR/none" --sysfs fake
	assert_failure 4
	assert_line "device $BATS_TEST_TMPDIR/none: unavailable"
	assert_line 'DAMON (fake): 0 kdamonds'
	assert_line --partial 'load the driver'
}

@test "status --json without the device" {
	mkdir -p fake/kdamonds
	echo 0 > fake/kdamonds/nr_kdamonds
	run damonctl status --json --device "$BATS_TEST_TMPDIR/none" --sysfs fake
	assert_failure 4
	echo "$output" | jq -e '.device.available == false and .damon.available and (.damon.kdamonds | length) == 0'
}

@test "status: no DAMON sysfs at all" {
	run damonctl status --device "$BATS_TEST_TMPDIR/none" --sysfs "$BATS_TEST_TMPDIR/nowhere"
	assert_failure 4
	assert_line --partial 'unavailable (No such file or directory)'
}

@test "stop and device: without the device, exit 4" {
	run damonctl stop --device "$BATS_TEST_TMPDIR/none"
	assert_failure 4
	assert_one_line
	run damonctl device --device "$BATS_TEST_TMPDIR/none"
	assert_failure 4
	assert_one_line
	run damonctl --json device --device /dev/null
	assert_failure 4
	echo "$output" | jq -e '.error | test("not a damon_rec device")'
}

@test "device and stop: argument errors" {
	run damonctl device --buf lots
	assert_failure 2
	assert_one_line
	run damonctl device --format json
	assert_failure 2
	assert_output --partial 'the device records v2, v3 or v4'
	run damonctl device extra
	assert_failure 2
	assert_one_line
	run damonctl stop now
	assert_failure 2
	assert_one_line
	run damonctl status please
	assert_failure 2
	assert_one_line
}
