#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Intervals that change while a recording runs: the v3 record carries the
# intervals of each snapshot (INTERVALS frames), as the kdamond had them.

load /opt/damonrec/tests/lib/guest

ZIGZAG=/opt/damonrec/bin/zigzag
ADMIN=/sys/kernel/mm/damon/admin
KD=$ADMIN/kdamonds/0
IV=$KD/contexts/0/monitoring_attrs/intervals

setup() {
	load_damon_rec
	dmesg_mark
	cd "$BATS_TEST_TMPDIR"
	OUT=$VM_OUT/intervals-record
	mkdir -p "$OUT"
}

teardown() {
	[ -z "${rec:-}" ] || kill -INT "$rec" 2>/dev/null || true
	[ -z "${rec:-}" ] || wait "$rec" 2>/dev/null || true
	damonctl stop >/dev/null 2>&1 || true
	if [ "$(cat $ADMIN/kdamonds/nr_kdamonds)" != 0 ]; then
		damon_write $KD/state off 2>/dev/null || true
		echo 0 > $ADMIN/kdamonds/nr_kdamonds || true
	fi
	[ -z "${zz:-}" ] || kill -9 "$zz" 2>/dev/null || true
	unload_damon_rec
}

# A kdamond of our own (not damonctl's) on a workload, at 5 ms / 100 ms.
start_kdamond() {
	"$ZIGZAG" -s 16 -n 4 -t 600 -r 100 >/dev/null 3>&- &
	zz=$!
	echo 1 > $ADMIN/kdamonds/nr_kdamonds
	echo 1 > $KD/contexts/nr_contexts
	echo vaddr > $KD/contexts/0/operations
	echo 1 > $KD/contexts/0/targets/nr_targets
	echo $zz > $KD/contexts/0/targets/0/pid_target
	echo 5000 > $IV/sample_us
	echo 100000 > $IV/aggr_us
	echo 1000000 > $IV/update_us
	damon_write $KD/state on
}

# snapshots: how many the recording has taken so far.
snapshots() {
	damonctl --json status | sed -n 's/.*"snapshots":\([0-9]*\).*/\1/p'
}

# wait_snapshots N: until the recording has N snapshots (60 s at most).
wait_snapshots() {
	local i
	for i in $(seq 600); do
		[ "$(snapshots)" -ge "$1" ] 2>/dev/null && return 0
		sleep 0.1
	done
	fail "the recording has $(snapshots) snapshots, not $1"
}

# stop_and_list FILE N: after N more snapshots, stop the recording into FILE
# and run "show --intervals --csv --raw-numbers" on it.
stop_and_list() {
	local n
	n=$(snapshots)
	wait_snapshots $((n + $2))
	kill -INT $rec
	wait $rec
	rec=
	cp "$1" "$OUT/"
	run damonctl show --intervals --csv --raw-numbers "$1"
	assert_success
	echo "$output" > "$OUT/$1.csv"
}

@test "intervals committed while recording: the record follows them" {
	start_kdamond
	damonctl record --attach -q -o iv.data 3>&- &
	rec=$!
	wait_snapshots 3
	echo 2000 > $IV/sample_us
	echo 40000 > $IV/aggr_us
	damon_write $KD/state commit
	# The new intervals apply from the next aggregation on.
	stop_and_list iv.data 5
	assert_equal "${#lines[@]}" 3
	assert_line --index 1 --regexp '^[0-9]+,0,5000,100000,1000000$'
	assert_line --index 2 --regexp '^[0-9]+,0,2000,40000,1000000$'
	run damonctl show --summary iv.data
	assert_line 'intervals:  sample 5.000 ms, aggr 100.000 ms, update 1.000 s'
	assert_line '            changed 1 times while recording (--intervals lists them)'
	# A reader that does not know INTERVALS frames skips them (the
	# shorter aggregation interval bounds every gap; both allow 20
	# samples an aggregation).
	run reccheck --format 3 --end --aggr-us 40000 --sample-us 2000 iv.data
	assert_line --regexp '^reccheck: OK '
	check_dmesg_clean
}

# intervals_goal (6.15 and later): DAMON tunes the intervals itself.  An
# access goal no workload reaches makes it grow them, twice at most per
# tuning, up to max_sample_us, where they stay.
@test "intervals tuned by DAMON: the record ends with the effective intervals" {
	[ -d $IV/intervals_goal ] ||
		skip "this kernel has no intervals_goal (Linux 6.15 and later)"
	start_kdamond
	damonctl record --attach -q -o tuned.data 3>&- &
	rec=$!
	wait_snapshots 2
	echo 10000 > $IV/intervals_goal/access_bp
	echo 2 > $IV/intervals_goal/aggrs
	echo 1000 > $IV/intervals_goal/min_sample_us
	echo 40000 > $IV/intervals_goal/max_sample_us
	damon_write $KD/state commit
	# Until DAMON has reached max_sample_us (the files show the tuned
	# intervals after update_tuned_intervals).
	for i in $(seq 600); do
		damon_write $KD/state update_tuned_intervals
		[ "$(damon_read $IV/sample_us)" = 40000 ] && break
		sleep 0.1
	done
	sample=$(damon_read $IV/sample_us)
	aggr=$(damon_read $IV/aggr_us)
	update=$(damon_read $IV/update_us)
	assert_equal "$sample" 40000
	stop_and_list tuned.data 2
	[ "${#lines[@]}" -ge 3 ] || fail "no change of the intervals recorded"
	assert_line --index 1 --regexp '^[0-9]+,0,5000,100000,1000000$'
	assert_equal "${lines[-1]}" "${lines[-1]%%,*},0,$sample,$aggr,$update"
	check_dmesg_clean
}
