#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# damonctl record on real DAMON, in the test VM.

load /opt/damonrec/tests/lib/guest

ZIGZAG=/opt/damonrec/bin/zigzag
ADMIN=/sys/kernel/mm/damon/admin

setup() {
	load_damon_rec
	dmesg_mark
	cd "$BATS_TEST_TMPDIR"
	OUT=$VM_OUT/cli-record
	mkdir -p "$OUT"
}

teardown() {
	damonctl stop >/dev/null 2>&1 || true
	# Workloads a failed test left behind (only ours run in the VM).
	for c in /proc/[0-9]*/comm; do
		[ "$(cat "$c" 2>/dev/null)" = zigzag ] || continue
		p=${c#/proc/}
		kill -9 "${p%/comm}" 2>/dev/null || true
	done
	if [ "$(cat $ADMIN/kdamonds/nr_kdamonds)" != 0 ]; then
		damon_write $ADMIN/kdamonds/0/state off 2>/dev/null || true
		echo 0 > $ADMIN/kdamonds/nr_kdamonds || true
	fi
	unload_damon_rec
}

# No kdamond, no recording, no workload left behind.
assert_all_clean() {
	assert_equal "$(cat $ADMIN/kdamonds/nr_kdamonds)" 0
	run damonctl status
	assert_line 'state: idle'
	local c
	for c in /proc/[0-9]*/comm; do
		[ "$(cat "$c" 2>/dev/null)" != zigzag ] ||
			fail "a workload still runs: ${c%/comm}"
	done
}

# hot_windows CSV START END STEPS: per snapshot, the window (0..STEPS-1)
# of the buffer holding the region with the most accesses ("-" if none).
# Regions wider than two windows do not locate anything: until DAMON has
# split the buffer finely enough, a region spanning all of it is "hot" and
# its middle says nothing about where the window is.
hot_windows() {
	awk -F, -v s=$((16#${2#0x})) -v e=$((16#${3#0x})) -v n="$4" '
		NR == 1 { next }
		$1 != t { if (t != "") print w; t = $1; best = 0; w = "-" }
		{
			lo = $4 < s ? s : $4; hi = $5 > e ? e : $5
			if (hi > lo && hi - lo <= 2 * (e - s) / n && $6 > best) {
				best = $6
				w = int(((lo + hi) / 2 - s) / ((e - s) / n))
			}
		}
		END { if (t != "") print w }' "$1"
}

# assert_walks FILE INFO: the hot window starts low, ends high, and
# rarely steps back.
assert_walks() {
	local start end steps step_ms first last prev back=0 total=0 w
	read -r start end steps step_ms < "$2"
	damonctl convert "$1" -o walk.csv
	hot_windows walk.csv "$start" "$end" "$steps" > windows.txt
	cp windows.txt "$OUT/$(basename "$1").windows"
	first= prev=
	while read -r w; do
		[ "$w" = - ] && continue
		[ -z "$first" ] && first=$w
		[ -n "$prev" ] && [ "$w" -lt "$prev" ] && back=$((back + 1))
		prev=$w
		total=$((total + 1))
	done < windows.txt
	last=$prev
	echo "hot windows: first $first last $last, $back steps back in $total" >&3
	[ "$total" -ge 10 ] || fail "only $total snapshots saw the hot window"
	[ "$first" -le 2 ] || fail "the hot window starts at $first, not low"
	[ "$last" -ge $((steps - 3)) ] || fail "the hot window ends at $last, not high"
	[ $((back * 5)) -le "$total" ] || fail "the hot window stepped back $back times in $total"
}

@test "record -- zigzag, then show: the hot region moves" {
	run damonctl record --buf 4096 -o damon.data -- \
		"$ZIGZAG" -s 64 -n 8 -t 1000 -d 1500 -i info.txt
	assert_success
	assert_output --regexp 'damonctl record: [0-9]+ snapshots, .* written to damon.data \(v3\), 0 lost, .*workload exited with status 0'
	cp damon.data info.txt "$OUT/"
	run damonctl show damon.data
	assert_success
	assert_line --index 0 --regexp '^base_time_absolute: '
	assert_line --regexp '^target_id: [0-9]+$'
	run damonctl show --summary damon.data
	assert_success
	assert_line 'format:     v3 (stopped cleanly)'
	assert_walks damon.data info.txt
	assert_all_clean
	check_dmesg_clean
}

@test "record --format v2 decodes and walks too" {
	run damonctl record --format v2 -o v2.data -- "$ZIGZAG" -s 32 -n 6 -t 800 -d 1500 -i info.txt
	assert_success
	run damonctl show --summary v2.data
	assert_success
	assert_line --regexp '^format: +v2$'
	assert_walks v2.data info.txt
	assert_all_clean
}

@test "record --format damo writes damo's json_compressed, which decodes and walks" {
	run damonctl record --format damo -o damo.data -- "$ZIGZAG" -s 32 -n 6 -t 800 -d 1500 -i info.txt
	assert_success
	assert_output --regexp 'written to damo.data \(damo\)'
	run damonctl show --summary damo.data
	assert_success
	assert_line --regexp '^format: +damo$'
	assert_walks damo.data info.txt
	run damonctl show damo.data
	assert_success
	assert_line --index 1 'data source: unknown'
	assert_all_clean
}

@test "SIGINT in the middle of a record: clean stop, the file decodes" {
	damonctl record -o int.data -- "$ZIGZAG" -s 32 -n 8 -t 1000 -r 100 3>&- &
	pid=$!
	sleep 4
	kill -INT $pid
	rc=0
	wait $pid || rc=$?
	assert_equal "$rc" 0
	assert_all_clean
	run damonctl show --summary int.data
	assert_success
	assert_line 'format:     v3 (stopped cleanly)'
	assert_line --regexp '^snapshots: +[1-9][0-9]*, 0 lost$'
	check_dmesg_clean
}

@test "SIGTERM in the middle of a record of running processes" {
	"$ZIGZAG" -s 16 -n 4 -t 500 -r 100 >/dev/null 3>&- &
	zz=$!
	damonctl record -p $zz -o term.data 3>&- &
	pid=$!
	sleep 3
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	assert_equal "$rc" 0
	# -p targets are not ours: the process keeps running.
	kill -0 $zz
	kill $zz
	wait $zz || true
	assert_all_clean
	run damonctl show --summary term.data
	assert_success
	assert_line --regexp '^snapshots: +[1-9]'
}

@test "record -p ends when the processes exit" {
	"$ZIGZAG" -s 16 -n 3 -t 700 -d 500 >/dev/null 3>&- &
	zz=$!
	run damonctl record -p $zz -o p.data
	assert_success
	assert_output --partial 'the monitored processes exited'
	assert_all_clean
}

@test "record --duration, --paddr" {
	run damonctl record --paddr --duration 3s --aggr 200ms -o paddr.data
	assert_success
	assert_output --partial 'duration reached'
	run damonctl show --summary --json paddr.data
	assert_success
	assert_output --regexp '"snapshots":[1-9]'
	assert_all_clean
}

@test "record -o - streams to a pipe" {
	run bash -c "damonctl record -q -o - -- '$ZIGZAG' -s 16 -n 4 -t 500 > stream.data"
	assert_success
	run damonctl show --summary stream.data
	assert_success
	assert_line 'format:     v3 (stopped cleanly)'
	run bash -c "damonctl record -q -o - --duration 2 --paddr | damonctl show --summary -"
	assert_success
	assert_line --regexp '^snapshots: +[1-9]'
	assert_all_clean
}

@test "record --split rotates into parts that decode alone" {
	run damonctl record --split 1s -o split.data -- "$ZIGZAG" -s 16 -n 4 -t 1000
	assert_success
	assert_output --regexp 'in [3-9] parts'
	for f in split.data.*; do
		run damonctl show --summary "$f"
		assert_success
		assert_line 'format:     v3 (stopped cleanly)'
	done
	assert_all_clean
}

@test "record --split that ends before its first snapshot leaves one empty part" {
	# An aggregation far longer than the workload: no snapshot at all.
	run damonctl record --sample 100ms --aggr 10s --update 10s --split 1s \
		-o early.data -- true
	assert_success
	assert_output --regexp 'record: 0 snapshots in 1 part early\.data\.0\.\.0 '
	[ -s early.data.0 ] || fail "no early.data.0"
	[ ! -e early.data.1 ] || fail "a second part for no snapshot"
	run damonctl show --summary early.data.0
	assert_success
	assert_line 'format:     v3 (stopped cleanly)'
	assert_line --regexp '^snapshots: +0, 0 lost$'
	assert_all_clean
}

@test "record refuses, touching nothing, when DAMON runs a kdamond it did not make" {
	"$ZIGZAG" -s 16 -n 4 -t 500 -r 100 >/dev/null 3>&- &
	zz=$!
	echo 1 > $ADMIN/kdamonds/nr_kdamonds
	echo 1 > $ADMIN/kdamonds/0/contexts/nr_contexts
	echo vaddr > $ADMIN/kdamonds/0/contexts/0/operations
	echo 1 > $ADMIN/kdamonds/0/contexts/0/targets/nr_targets
	echo $zz > $ADMIN/kdamonds/0/contexts/0/targets/0/pid_target
	damon_write $ADMIN/kdamonds/0/state on
	run damonctl record -o refused.data -- true
	assert_failure 4
	assert_output --partial 'record it with --attach'
	assert_equal "$(cat $ADMIN/kdamonds/0/state)" on

	# --attach records it without touching it.
	run damonctl record --attach --duration 2 -o attach.data
	assert_success
	assert_equal "$(cat $ADMIN/kdamonds/0/state)" on
	run damonctl show --summary attach.data
	assert_success
	assert_line --regexp '^snapshots: +[1-9]'

	damon_write $ADMIN/kdamonds/0/state off
	echo 0 > $ADMIN/kdamonds/nr_kdamonds
	kill $zz
	wait $zz || true
	assert_all_clean
}

@test "device: the seed's buffer-and-path workflow" {
	run damonctl device --buf 4096 --path /tmp/seed.data
	assert_success
	assert_line --index 0 '4096 /tmp/seed.data'
	run damonctl device
	assert_line --index 0 '4096 /tmp/seed.data'
	run damonctl device --buf 100
	assert_failure 2
	assert_output --partial 'out of range'
	run damonctl device --no-path
	assert_success
	assert_line --index 0 '4096 '
}

@test "status shows the recording while it runs, stop ends it" {
	damonctl record -q -o st.data -- "$ZIGZAG" -s 16 -n 4 -t 1000 -r 100 3>&- &
	pid=$!
	for i in $(seq 50); do
		damonctl status | grep -q 'state: recording' && break
		sleep 0.2
	done
	run damonctl status
	assert_line 'state: recording'
	assert_line --regexp '^  kdamond 0: on, pid [0-9]+, vaddr, 1 target'
	sleep 1
	run damonctl stop
	assert_success
	assert_output --regexp '^stopped: [0-9]+ snapshots'
	rc=0
	wait $pid || rc=$?
	assert_equal "$rc" 0
	assert_all_clean
	run damonctl stop
	assert_failure 1
	assert_output --partial 'no recording is running'
}
