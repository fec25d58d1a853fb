#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# libdamonrec's DAMON sysfs setup against an emulated tree: the
# fake_damon_sysfs tool creates and removes directories as the kernel does
# when nr_* files are written, and logs every write in order.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
	ROOT=$BATS_TEST_TMPDIR/admin
	LOG=$BATS_TEST_TMPDIR/writes.log
	: > "$LOG"
	coproc FAKE { exec "$TOOLS/fake_damon_sysfs" "$ROOT" "$LOG"; }
	FAKE_PID=$FAKE_PID
	read -r -t 5 ready <&"${FAKE[0]}"
	[ "$ready" = ready ]
}

teardown() {
	kill "$FAKE_PID" 2>/dev/null || true
	wait "$FAKE_PID" 2>/dev/null || true
}

drv() { "$TOOLS/sysfs_driver" "$ROOT" "$@"; }

@test "sysfs: setup creates one kdamond, context and targets, in order" {
	run drv count setup:vaddr:pids=123,456 info:0
	assert_success
	assert_line 'count: 0'
	assert_line 'setup:vaddr:pids=123,456: ok'
	assert_line 'info:0: off pid 0 contexts 1 ops vaddr targets 2 sample 5000 aggr 100000 update 1000000'
	run cat "$LOG"
	assert_line --index 0 'kdamonds/nr_kdamonds=1'
	assert_line --index 1 'kdamonds/0/contexts/nr_contexts=1'
	assert_line --index 2 'kdamonds/0/contexts/0/operations=vaddr'
	assert_line --index 3 'kdamonds/0/contexts/0/targets/nr_targets=2'
	assert_line --index 4 'kdamonds/0/contexts/0/targets/0/pid_target=123'
	assert_line --index 5 'kdamonds/0/contexts/0/targets/1/pid_target=456'
	# Freeing the handle tore it down.
	assert_line --index 6 'kdamonds/nr_kdamonds=0'
	[ ! -e "$ROOT/kdamonds/0" ]
}

@test "sysfs: intervals and region bounds, min above the old max" {
	run drv setup:vaddr:pids=7:sample=1000:aggr=20000:update=200000:min=2000:max=3000 info:0
	assert_success
	assert_line 'info:0: off pid 0 contexts 1 ops vaddr targets 1 sample 1000 aggr 20000 update 200000'
	run cat "$LOG"
	assert_line 'kdamonds/0/contexts/0/monitoring_attrs/intervals/sample_us=1000'
	assert_line 'kdamonds/0/contexts/0/monitoring_attrs/intervals/aggr_us=20000'
	assert_line 'kdamonds/0/contexts/0/monitoring_attrs/intervals/update_us=200000'
	# max first: min 2000 above the default max 1000 would be invalid.
	max=$(grep -n 'nr_regions/max=3000' "$LOG" | cut -d: -f1)
	min=$(grep -n 'nr_regions/min=2000' "$LOG" | cut -d: -f1)
	[ "$max" -lt "$min" ]
}

@test "sysfs: start, running, pid, stop, teardown" {
	run drv setup:vaddr:pids=99 start is-running running sleep:300 pid stop is-running teardown count
	assert_success
	assert_line 'start: ok'
	assert_line 'is-running: 1'
	assert_line 'running: 1'
	assert_line 'pid: 4242'
	assert_line 'stop: ok'
	assert_line 'is-running: 0'
	assert_line 'teardown: ok'
	assert_line 'count: 0'
	run grep state "$LOG"
	assert_output $'kdamonds/0/state=on\nkdamonds/0/state=off'
}

@test "sysfs: stopping a kdamond that stopped by itself is not an error" {
	# The "kernel" turns it off 0.5 s after the start, as when the
	# monitored processes exit.
	( sleep 0.5; echo off > "$ROOT/kdamonds/0/state" ) &
	run drv setup:vaddr:pids=99 start sleep:1500 is-running stop teardown count
	assert_success
	assert_line 'is-running: 0'
	assert_line 'stop: ok'
	assert_line 'teardown: ok'
	assert_line 'count: 0'
	# The only "off" is the kernel's own.
	run grep -c 'state=off' "$LOG"
	assert_output 1
}

@test "sysfs: a transient EBUSY from the kernel's trylock is retried" {
	# mm/damon/sysfs.c takes damon_sysfs_lock with mutex_trylock(): a
	# kdamond holding it for its aggregation callback makes a write of
	# state or nr_kdamonds, or a read of pid, fail with EBUSY for a moment.
	EBUSY_FILES=state:4,pid:3,nr_kdamonds:2 EBUSY_LOG=$BATS_TEST_TMPDIR/busy \
		LD_PRELOAD=$TOOLS/ebusy_preload.so \
		run drv setup:vaddr:pids=99 start sleep:300 pid stop teardown count
	assert_success
	assert_line 'setup:vaddr:pids=99: ok'
	assert_line 'start: ok'
	assert_line 'pid: 4242'
	assert_line 'stop: ok'
	assert_line 'teardown: ok'
	assert_line 'count: 0'
	run sort "$BATS_TEST_TMPDIR/busy"
	assert_output $'nr_kdamonds\nnr_kdamonds\npid\npid\npid\nstate\nstate\nstate\nstate'
	run grep -E 'state=(on|off)$' "$LOG"
	assert_output $'kdamonds/0/state=on\nkdamonds/0/state=off'
}

@test "sysfs: an EBUSY that lasts is returned, after retries" {
	EBUSY_FILES=state:-1 EBUSY_LOG=$BATS_TEST_TMPDIR/busy \
		LD_PRELOAD=$TOOLS/ebusy_preload.so \
		run drv setup:vaddr:pids=99 start
	assert_success
	assert_line 'setup:vaddr:pids=99: ok'
	assert_line 'start: error EBUSY (Device or resource busy)'
	# Retried with growing pauses: more than a handful of tries, but
	# not a busy loop.
	n=$(wc -l < "$BATS_TEST_TMPDIR/busy")
	[ "$n" -gt 10 ] && [ "$n" -lt 200 ] || fail "$n tries"
}

@test "sysfs: setup refuses with EBUSY, touching nothing, when a kdamond exists" {
	echo 1 > "$ROOT/kdamonds/nr_kdamonds"
	for i in $(seq 50); do [ -d "$ROOT/kdamonds/0" ] && break; sleep 0.1; done
	echo on > "$ROOT/kdamonds/0/state"
	sleep 0.2
	: > "$LOG"
	run drv count running setup:vaddr:pids=1 setup:paddr teardown count
	assert_success
	assert_line 'count: 1'
	assert_line 'running: 1'
	assert_line 'setup:vaddr:pids=1: error EBUSY (Device or resource busy)'
	assert_line 'setup:paddr: error EBUSY (Device or resource busy)'
	assert_line 'teardown: ok'
	sleep 0.2
	run cat "$LOG"
	assert_output ''
	assert_equal "$(cat "$ROOT/kdamonds/0/state")" on
}

@test "sysfs: attach mode only reads (status shows the kdamonds)" {
	echo 1 > "$ROOT/kdamonds/nr_kdamonds"
	for i in $(seq 50); do [ -d "$ROOT/kdamonds/0" ] && break; sleep 0.1; done
	echo 1 > "$ROOT/kdamonds/0/contexts/nr_contexts"
	for i in $(seq 50); do [ -d "$ROOT/kdamonds/0/contexts/0" ] && break; sleep 0.1; done
	echo paddr > "$ROOT/kdamonds/0/contexts/0/operations"
	echo on > "$ROOT/kdamonds/0/state"
	sleep 0.2
	: > "$LOG"
	run damonctl status --device "$BATS_TEST_TMPDIR/none" --sysfs "$ROOT"
	assert_failure 4
	assert_line "DAMON ($ROOT): 1 kdamond"
	assert_line '  kdamond 0: on, pid 4242, paddr, 0 targets, sample 5.000 ms, aggr 100.000 ms, update 1.000 s'
	run damonctl status --json --device "$BATS_TEST_TMPDIR/none" --sysfs "$ROOT"
	echo "$output" | jq -e '.damon.kdamonds[0] | .state == "on" and .pid == 4242 and .operations == "paddr"'
	sleep 0.2
	run cat "$LOG"
	assert_output ''
}

@test "sysfs: paddr monitors the largest System RAM range" {
	grep -q 'System RAM' /proc/iomem || skip "no /proc/iomem"
	[ "$(awk '/System RAM/ { print $1; exit }' /proc/iomem)" != 00000000-00000000 ] ||
		skip "/proc/iomem hides addresses from this user"
	run drv setup:paddr
	assert_success
	run cat "$LOG"
	assert_line 'kdamonds/0/contexts/0/operations=paddr'
	assert_line 'kdamonds/0/contexts/0/targets/nr_targets=1'
	assert_line 'kdamonds/0/contexts/0/targets/0/regions/nr_regions=1'
	start=$(sed -n 's|.*regions/0/start=||p' "$LOG")
	end=$(sed -n 's|.*regions/0/end=||p' "$LOG")
	[ "$end" -gt "$start" ]
}

@test "sysfs: bad attributes are refused before any write" {
	run drv setup:vaddr setup:paddr:pids=1 setup:fvaddr:pids=1 setup:vaddr:pids=1:min=50:max=20 setup:bogus
	assert_success
	assert_line 'setup:vaddr: error EINVAL (Invalid argument)'
	assert_line 'setup:paddr:pids=1: error EINVAL (Invalid argument)'
	assert_line 'setup:fvaddr:pids=1: error EOPNOTSUPP (Operation not supported)'
	assert_line 'setup:vaddr:pids=1:min=50:max=20: error EINVAL (Invalid argument)'
	assert_line 'setup:bogus: error EINVAL (Invalid argument)'
	run cat "$LOG"
	assert_output ''
}

@test "sysfs: a missing tree is ENOENT" {
	run "$TOOLS/sysfs_driver" "$BATS_TEST_TMPDIR/nowhere" count setup:vaddr:pids=1
	assert_success
	assert_line 'count: error ENOENT (No such file or directory)'
	assert_line 'setup:vaddr:pids=1: error ENOENT (No such file or directory)'
}
