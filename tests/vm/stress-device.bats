#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Stress of /dev/damon_rec in the test VM: random ioctl sequences, racing
# starts and stops, concurrent readers and openers, start/stop cycles while
# the kdamond comes and goes, a target exiting mid-recording, ENOSPC and
# rmmod mid-recording.  Across all of it: no Oops or WARNING, every file
# decodes, and the lost counters are exact.
#
# "Exact" is checked against an independent count: the kernel's own tracer
# records every damon_aggregated event too, and the snapshots it saw
# (counted from the events' nr_regions) must equal the snapshots in the
# file plus those the status counts as lost; the v3 LOST frames must add up
# to the status' lost_full + lost_nomem.  For that the kdamond is turned on
# only after the recording started and off before it stops
# (stress_readers -k), so that both see the same snapshots.
#
# Nothing waits a fixed time for the machine to get somewhere: the runs
# last until the kdamond made enough snapshots, the readers lost some, the
# target exited or the disk filled, however slow the VM is; fixed numbers
# are only bounds on runs that make no progress.
#
# Environment (make vm-stress sets DAMONREC_STRESS=long):
#   DAMONREC_STRESS=long       ten thousand fuzzed operations instead of
#                              three thousand, and longer runs throughout
#   DAMONREC_STRESS_SEED=N     replaces the ioctl fuzzer's fixed seed

load /opt/damonrec/tests/lib/guest

ADMIN=/sys/kernel/mm/damon/admin
TR=/sys/kernel/tracing
SEED=${DAMONREC_STRESS_SEED:-20261122}

# scale QUICK LONG: the number for make check, or for make vm-stress.
scale() {
	if [ "${DAMONREC_STRESS:-}" = long ]; then
		echo "$2"
	else
		echo "$1"
	fi
}

setup() {
	dmesg_mark
	load_damon_rec
	W=$(mktemp -d)
	OUT=$VM_OUT/stress
	mkdir -p "$OUT"
	BG=()
}

teardown() {
	local p
	for p in "${BG[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	trace_off
	damonctl stop >/dev/null 2>&1 || true
	damon_off
	! grep -q " $W/small " /proc/mounts || umount "$W/small"
	if module_loaded damon_rec; then
		unload_damon_rec
	else
		unload_dyndbg
	fi
	rm -rf "$W"
}

# The workload, in the background: 32 MiB, walked 1000 times.
zigzag_bg() {
	zigzag -s 32 -n 8 -t 300 -r 1000 -p 5000 "$@" >/dev/null 2>&1 3>&- &
	ZZ=$!
	BG+=("$ZZ")
}

# kdamond_setup PID... [-- SAMPLE_US AGGR_US MIN MAX]: kdamond 0 on the
# PIDs, not yet on.  Defaults: 5 ms, 20 ms, 10..200 regions.
kdamond_setup() {
	local pids=() attrs=(5000 20000 10 200) c=$ADMIN/kdamonds/0/contexts/0 i
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		pids+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift && attrs=("$@")
	damon_off
	echo 1 >"$ADMIN/kdamonds/nr_kdamonds"
	echo 1 >"$ADMIN/kdamonds/0/contexts/nr_contexts"
	echo vaddr >"$c/operations"
	echo "${attrs[0]}" >"$c/monitoring_attrs/intervals/sample_us"
	echo "${attrs[1]}" >"$c/monitoring_attrs/intervals/aggr_us"
	echo 1000000 >"$c/monitoring_attrs/intervals/update_us"
	echo "${attrs[3]}" >"$c/monitoring_attrs/nr_regions/max"
	echo "${attrs[2]}" >"$c/monitoring_attrs/nr_regions/min"
	echo "${#pids[@]}" >"$c/targets/nr_targets"
	for i in "${!pids[@]}"; do
		echo "${pids[$i]}" >"$c/targets/$i/pid_target"
	done
}

kdamond_state() {
	damon_write "$ADMIN/kdamonds/0/state" "$1"
}

damon_off() {
	local s
	for s in "$ADMIN"/kdamonds/[0-9]*/state; do
		[ -e "$s" ] || continue
		[ "$(cat "$s")" = on ] && damon_write "$s" off
	done
	echo 0 >"$ADMIN/kdamonds/nr_kdamonds"
}

# The kernel's tracer records damon_aggregated alongside the recording.
trace_on() {
	echo 0 >"$TR/tracing_on"
	echo 8192 >"$TR/buffer_size_kb"
	# No comm recording: it would hook (and patch) the scheduler's
	# sched_switch and sched_wakeup sites each time.
	echo 0 >"$TR/options/record-cmd"
	: >"$TR/trace"
	echo 1 >"$TR/events/damon/damon_aggregated/enable"
	echo 1 >"$TR/tracing_on"
}

trace_off() {
	[ -e "$TR/events/damon/damon_aggregated/enable" ] || return 0
	echo 0 >"$TR/tracing_on"
	echo 0 >"$TR/events/damon/damon_aggregated/enable"
}

# trace_snapshots: the snapshots the tracer saw (one target per kdamond:
# a snapshot is nr_regions events of one kdamond thread).  Fails if the
# tracer lost events.
trace_snapshots() {
	local over
	over=$(cat "$TR"/per_cpu/cpu*/stats |
		awk '$1 == "overrun:" || $1 == "dropped" { s += $NF } END { print s + 0 }')
	[ "$over" = 0 ] || { echo "the tracer lost $over events" >&2; return 1; }
	awk '/damon_aggregated:/ {
		if (!match($0, /nr_regions=[0-9]+/)) next
		n = substr($0, RSTART + 11, RLENGTH - 11) + 0
		if (left[$1] + 0 == 0) { snaps++; left[$1] = n }
		left[$1]--
	} END { print snaps + 0 }' "$TR/trace"
}

st() {
	awk -F= -v k="$2" '$1 == k { print $2 }' "$1"
}

# recorded_now: the snapshots the current recording has made or lost.
recorded_now() {
	local j k n=0
	j=$(damonctl status --json) || return 1
	for k in snapshots lost_full lost_nomem lost_error; do
		[[ $j =~ \"$k\":([0-9]+) ]] || return 1
		n=$((n + BASH_REMATCH[1]))
	done
	echo "$n"
}

# wait_recorded N: until the current recording has made or lost N
# snapshots in all (five minutes at most: a stalled kdamond fails).
wait_recorded() {
	local i n
	for i in $(seq 3000); do
		n=$(recorded_now) || return 1
		[ "$n" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "the recording stalled at $n snapshots, short of $1" >&2
	return 1
}

# kdamond_on_awhile: kdamond 0 on until the recording has two snapshots
# more (one at least of this kdamond thread's, even if the last one of the
# previous thread was counted only now), then off.
kdamond_on_awhile() {
	local n
	n=$(recorded_now) || return 1
	kdamond_state on
	wait_recorded $((n + 2)) || return 1
	kdamond_state off
}

# end_target_after N PID: in the background, once a recording has begun
# and made or lost N snapshots, end process PID: a target that exits
# mid-recording, whatever the machine's speed.
end_target_after() {
	(
		wait_state recording && wait_recorded "$1"
		kill "$2"
	) >/dev/null 2>&1 3>&- &
	BG+=($!)
}

# wait_state STATE: until damonctl status says "state: STATE" (a minute
# at most).
wait_state() {
	local i
	for i in $(seq 600); do
		damonctl status 2>/dev/null | grep -qx "state: $1" && return 0
		sleep 0.1
	done
	echo "the device never reached state $1" >&2
	return 1
}

# status_to FILE: the device status as KEY=VALUE lines.
status_to() {
	local k
	damonctl status --json >"$W/status.json"
	for k in snapshots regions bytes_written lost_full lost_nomem lost_error; do
		echo "$k=$(grep -o "\"$k\":[0-9]*" "$W/status.json" | head -n 1 |
			cut -d: -f2)"
	done >"$1"
}

# check_exact STATUS FILE FORMAT TRACED [--upto] [RECCHECK OPTION...]: the
# file decodes (reccheck and damonctl), holds the status' snapshots, and
# file + lost = traced (with --upto: at most traced, for a recording that
# a write error ended before the kdamond stopped); v3 LOST frames =
# lost_full + lost_nomem.
check_exact() {
	local stf=$1 file=$2 fmt=$3 traced=$4 upto=0 snaps lost fsnaps flost
	shift 4
	if [ "${1:-}" = --upto ]; then
		upto=1
		shift
	fi
	run reccheck --format "$fmt" --gap 0.5,100 "$@" "$file"
	echo "$output"
	assert_success
	fsnaps=$(sed -n 's/^reccheck: OK .*snapshots=\([0-9]*\) .*/\1/p' <<<"$output")
	flost=$(sed -n 's/^reccheck: OK .*lost=\([0-9]*\) .*/\1/p' <<<"$output")
	snaps=$(st "$stf" snapshots)
	lost=$(( $(st "$stf" lost_full) + $(st "$stf" lost_nomem) + \
		$(st "$stf" lost_error) ))
	echo "traced $traced, file $fsnaps (+$flost LOST), status $snaps + $lost lost"
	[ "$fsnaps" = "$snaps" ] ||
		fail "the file holds $fsnaps snapshots, the status says $snaps"
	if [ $upto = 1 ]; then
		[ $((snaps + lost)) -le "$traced" ] ||
			fail "recorded $snaps + lost $lost > $traced snapshots traced"
	else
		[ $((snaps + lost)) = "$traced" ] ||
			fail "recorded $snaps + lost $lost != $traced snapshots traced"
	fi
	if [ "$fmt" = 3 ]; then
		[ "$flost" = $(( $(st "$stf" lost_full) + $(st "$stf" lost_nomem) )) ] ||
			fail "LOST frames say $flost, the status $(st "$stf" lost_full) + $(st "$stf" lost_nomem)"
	fi
	run damonctl show --summary "$file"
	[ "$status" = 0 ] || [ "$status" = 3 ] || fail "damonctl show --summary: exit $status: $output"
}

@test "stress: thousands of random ioctls, bad pointers and sizes, every number" {
	zigzag_bg
	kdamond_setup "$ZZ" -- 5000 100000 10 200
	kdamond_state on
	run stress_ioctl -s "$SEED" -n "$(scale 3000 10000)" -d "$W/fz" -l "$W/list"
	echo "$output"
	assert_success
	assert_output --partial "stress_ioctl: OK seed $SEED"
	echo "# ${lines[-1]}" >&3
	[ -s "$W/list" ] || fail "no recording wrote a file"
	local fmt f n=0
	while read -r fmt f; do
		run damonctl show --summary "$f"
		# A recording the random ioctls broke off has no END frame;
		# in v4 it may end in a group without its CHECK frame.
		[ "$status" = 0 ] || { [ "$status" = 3 ] &&
			grep -q 'no END frame\|before its CHECK frame' <<<"$output"; } ||
			fail "$f ($fmt) does not decode: $output"
		run reccheck --format "${fmt#v}" --min-snapshots 0 --aggr-us 100000 \
			--sample-us 5000 --gap 0.5,100 \
			$([ "$fmt" != v4 ] || echo --truncated-ok) "$f"
		[ "$status" = 0 ] || fail "reccheck $f: $output"
		n=$((n + 1))
	done <"$W/list"
	echo "# $n record files decoded" >&3
	check_dmesg_clean
}

@test "stress: racing starts and stops, four readers in turn: the stream is whole and exact" {
	zigzag_bg
	kdamond_setup "$ZZ"
	trace_on
	local want
	want=$(scale 30 150)
	run stress_readers -m locked -r 4 -o 3 -R 4 -n "$want" -f 3 -b 4096 -k \
		-w "$W/s.v3" -q "$W/st"
	echo "$output"
	assert_success
	trace_off
	traced=$(trace_snapshots)
	[ "$traced" -ge "$want" ] || fail "only $traced snapshots traced"
	check_exact "$W/st" "$W/s.v3" 3 "$traced" --end
	check_dmesg_clean
}

@test "stress: readers that fall behind lose whole snapshots, counted exactly (v3, v2)" {
	zigzag_bg
	local fmt
	for fmt in 3 2; do
		# Readers that wait until the pool is full and a snapshot
		# lost, then read a little at a time.
		kdamond_setup "$ZZ" -- 5000 20000 400 800
		trace_on
		run stress_readers -m locked -r 3 -o 2 -R 3 -n "$(scale 10 100)" \
			-L -f $fmt -b 1024 -s 20000 -k -w "$W/slow.v$fmt" \
			-q "$W/st$fmt"
		echo "$output"
		assert_success
		trace_off
		traced=$(trace_snapshots)
		[ "$(st "$W/st$fmt" lost_full)" -gt 0 ] ||
			fail "v$fmt: nothing lost: the readers were not slow enough"
		echo "# v$fmt: $(st "$W/st$fmt" lost_full) snapshots lost of $traced" >&3
		if [ $fmt = 3 ]; then
			check_exact "$W/st3" "$W/slow.v3" 3 "$traced" --end
		else
			check_exact "$W/st2" "$W/slow.v2" 2 "$traced"
		fi
	done
	check_dmesg_clean
}

@test "stress: six free readers and openers: every byte read once" {
	zigzag_bg
	kdamond_setup "$ZZ"
	run stress_readers -m free -r 6 -o 4 -R 6 -n "$(scale 15 100)" -f 2 \
		-b 2048 -k -q "$W/st"
	echo "$output"
	assert_success
	[ "$(st "$W/st" bytes_read)" = "$(st "$W/st" bytes_written)" ]
	check_dmesg_clean
}

@test "stress: start/stop cycles while the kdamond is turned on and off" {
	zigzag_bg
	kdamond_setup "$ZZ" -- 5000 20000 10 200
	# The kdamond comes and goes, a new thread each time.
	(
		while :; do
			damon_write "$ADMIN/kdamonds/0/state" on 2>/dev/null
			sleep 0.$((RANDOM % 3 + 1))
			damon_write "$ADMIN/kdamonds/0/state" off 2>/dev/null
			sleep 0.0$((RANDOM % 9 + 1))
		done
	) 3>&- &
	BG+=($!)
	# v3 only: v2 has no kdamond index, and the last snapshot of a
	# kdamond that stopped is committed only at the end of the recording,
	# after the next kdamond's.
	local i args n=0 cycles
	cycles=$(scale 6 32)
	for i in $(seq "$cycles"); do
		if [ $((i % 3)) = 0 ]; then
			args=(-s "$W/c$i")
		else
			args=(-o "$W/c$i")
		fi
		run ioctl_record -n -S 5000 -A 20000 -f 3 -b $((1024 << (i % 4))) \
			"${args[@]}" -d 0.$((RANDOM % 5 + 1))
		[ "$status" = 0 ] || fail "cycle $i: $output"
		run reccheck --format 3 --min-snapshots 0 --gap 0.5,100 --end "$W/c$i"
		[ "$status" = 0 ] || fail "cycle $i: reccheck: $output"
		n=$((n + $(sed -n 's/^reccheck: OK .*snapshots=\([0-9]*\) .*/\1/p' <<<"$output")))
		run damonctl show --summary "$W/c$i"
		[ "$status" = 0 ] || fail "cycle $i: damonctl show: $output"
	done
	echo "# $cycles recordings, $n snapshots" >&3
	kill "${BG[-1]}"
	wait "${BG[-1]}" 2>/dev/null || true
	check_dmesg_clean
}

@test "stress: one recording across many kdamond threads: exact counters" {
	local i nk
	# Under 64 kdamond threads a recording: past that, the driver keeps
	# no slot for a new one.
	nk=$(scale 6 40)
	zigzag_bg
	kdamond_setup "$ZZ" -- 5000 20000 10 100
	trace_on
	run ioctl_record -D -n -S 5000 -A 20000 -f 3 -o "$W/k.v3"
	assert_success
	# Each kdamond thread makes a snapshot before it is turned off.
	for i in $(seq "$nk"); do
		kdamond_on_awhile
	done
	run damonctl stop
	assert_success
	trace_off
	traced=$(trace_snapshots)
	status_to "$W/st"
	check_exact "$W/st" "$W/k.v3" 3 "$traced" --end --kdamonds "$nk"
	check_dmesg_clean
}

@test "stress: the target exits mid-recording (one of one, one of two)" {
	# The target ends once the recording has some snapshots; the
	# recordings last until it has exited (-x).
	zigzag -s 16 -n 8 -t 200 -r 1000000 >/dev/null 3>&- &
	short=$!
	BG+=("$short")
	kdamond_setup "$short"
	end_target_after 5 "$short"
	trace_on
	run stress_readers -p "$W/t1.v3" -o 2 -R 3 -x "$short" -f 3 -k -q "$W/st"
	echo "$output"
	assert_success
	trace_off
	check_exact "$W/st" "$W/t1.v3" 3 "$(trace_snapshots)" --end --targets 1

	zigzag_bg
	zigzag -s 16 -n 8 -t 200 -r 1000000 >/dev/null 3>&- &
	short=$!
	BG+=("$short")
	kdamond_setup "$ZZ" "$short" -- 5000 20000 10 200
	end_target_after 5 "$short"
	run stress_readers -p "$W/t2.v3" -o 2 -R 3 -x "$short" -f 3 -k -q "$W/st2"
	echo "$output"
	assert_success
	run reccheck --format 3 --end --gap 0.5,100 "$W/t2.v3"
	echo "$output"
	assert_success
	[ "$(cat "$ADMIN/kdamonds/0/state")" = off ]
	check_dmesg_clean
}

@test "stress: ENOSPC with openers around: whole snapshots, exact counters (v3, v2)" {
	zigzag_bg
	mkdir "$W/small"
	mount -t tmpfs -o size=4k tmpfs "$W/small"
	local fmt
	for fmt in 3 2; do
		rm -f "$W/small/"*
		# v3 snapshots take some 4 bytes a region, v2 ones 20.
		if [ $fmt = 3 ]; then
			kdamond_setup "$ZZ" -- 5000 20000 400 800
		else
			kdamond_setup "$ZZ" -- 5000 20000 10 30
		fi
		trace_on
		# Until the disk is full (five minutes at most).
		run stress_readers -p "$W/small/e.v$fmt" -o 3 -R 3 -d 300 -f $fmt \
			-b 1024 -k -q "$W/st$fmt"
		echo "$output"
		assert_success
		trace_off
		[ "$(st "$W/st$fmt" state)" = failed ]
		[ "$(st "$W/st$fmt" last_error)" = -28 ]
		[ "$(st "$W/st$fmt" lost_error)" -gt 0 ]
		if [ $fmt = 3 ]; then
			check_exact "$W/st3" "$W/small/e.v3" 3 "$(trace_snapshots)" \
				--upto --no-end --min-snapshots 0
		else
			check_exact "$W/st2" "$W/small/e.v2" 2 "$(trace_snapshots)" \
				--upto --min-snapshots 0
		fi
	done
	check_dmesg_clean
}

@test "stress: ENOSPC in v4: the file decodes to its last whole group, at most 16 snapshots short" {
	zigzag_bg
	mkdir "$W/small"
	mount -t tmpfs -o size=4k tmpfs "$W/small"
	kdamond_setup "$ZZ" -- 5000 20000 10 30
	run stress_readers -p "$W/small/e.v4" -o 3 -R 3 -d 300 -f 4 \
		-b 1024 -k -q "$W/st4"
	echo "$output"
	assert_success
	[ "$(st "$W/st4" state)" = failed ]
	[ "$(st "$W/st4" last_error)" = -28 ]
	# The snapshots of the groups whose CHECK frame made it, no more.
	run reccheck --format 4 --truncated-ok --no-end --min-snapshots 0 \
		--gap 0.5,100 "$W/small/e.v4"
	echo "$output"
	assert_success
	local fsnaps snaps
	fsnaps=$(sed -n 's/^reccheck: OK .*snapshots=\([0-9]*\) .*/\1/p' <<<"$output")
	snaps=$(st "$W/st4" snapshots)
	echo "file $fsnaps, status $snaps"
	[ "$fsnaps" -le "$snaps" ] && [ "$fsnaps" -ge $((snaps - 16)) ]
	run damonctl show --summary "$W/small/e.v4"
	echo "$output"
	[ "$status" = 3 ]
	assert_output --partial "after $fsnaps good snapshots"
	check_dmesg_clean
}

@test "stress: ENOSPC under damonctl record: one error, all torn down, files decode" {
	mkdir "$W/small"
	mount -t tmpfs -o size=8k tmpfs "$W/small"
	# A small buffer: the first flushes fit, a later one fills the disk.
	run damonctl record --buf 4096 --aggr 20ms --min-regions 100 \
		-o "$W/small/r.data" -- zigzag -s 32 -n 8 -t 300 -r 20 -p 5000
	echo "$output"
	assert_failure 1
	assert_output --partial 'No space left on device'
	[ "$(cat "$ADMIN/kdamonds/nr_kdamonds")" = 0 ]
	run damonctl status
	refute_line 'state: recording'
	# Every snapshot decodes; without its END frame the record is cut short.
	run damonctl show --summary "$W/small/r.data"
	echo "$output"
	assert_failure 3
	assert_output --partial 'no END frame'
	run reccheck --format 3 --no-end --gap 0.5,100 "$W/small/r.data"
	assert_success

	# --split: the parts are written by damonctl itself.
	rm -f "$W/small/"*
	run damonctl record --buf 4096 --aggr 20ms --min-regions 100 --split 4K \
		-o "$W/small/s.data" -- zigzag -s 32 -n 8 -t 300 -r 20 -p 5000
	echo "$output"
	assert_failure 1
	assert_output --partial 'No space left on device'
	[ "$(cat "$ADMIN/kdamonds/nr_kdamonds")" = 0 ]
	local f
	for f in "$W/small/s.data".*; do
		run damonctl show --summary "$f"
		echo "$f: $output"
		# Whole, or cut short where the disk filled (and said so).
		[ "$status" = 0 ] || { [ "$status" = 3 ] &&
			grep -q -i -e truncated -e 'cut short' <<<"$output"; } ||
			fail "$f: exit $status"
	done
	check_dmesg_clean
}

@test "stress: rmmod mid-recording" {
	zigzag_bg
	# While damonctl holds the device: refused, the recording goes on.
	damonctl record -q -p "$ZZ" --aggr 20ms --duration 4 -o "$W/r1.data" 3>&- &
	rec=$!
	wait_state recording
	run rmmod damon_rec
	assert_failure
	wait $rec || fail "damonctl record failed after the refused rmmod"
	run reccheck --format 3 --end --gap 0.5,100 "$W/r1.data"
	assert_success

	# A recording nobody holds open, while the kdamond comes and goes.
	kdamond_setup "$ZZ"
	run ioctl_record -D -n -S 5000 -A 20000 -f 3 -b 1024 -o "$W/r2.data"
	assert_success
	local i
	for i in $(seq 5); do
		kdamond_on_awhile
	done
	kdamond_state on
	wait_recorded $(($(recorded_now) + 2))
	run rmmod damon_rec
	assert_success
	run reccheck --format 3 --end --gap 0.5,100 "$W/r2.data"
	echo "$output"
	assert_success
	run damonctl show --summary "$W/r2.data"
	assert_success
	dmesg | tail -n +$((_DMESG_MARK + 1)) | grep -q 'unloading during a recording'
	check_dmesg_clean
}

@test "stress: kernel text patching of tracepoints while kdamonds run" {
	# Every START and STOP patches kernel text (the tracepoint's static
	# key and static call); so does each flip here, of the recorder's
	# tracepoint and of one the scheduler passes all the time.  Under
	# qemu's multi-threaded TCG this kills the guest with "Oops: int3"
	# within a few hundred flips (run.sh boots single-threaded TCG).
	local i n t0
	n=$(scale 60 2000)
	zigzag_bg
	kdamond_setup "$ZZ"
	kdamond_state on
	echo 0 >"$TR/options/record-cmd"
	run ioctl_record -D -n -S 5000 -A 20000 -f 3 -o "$W/p.v3"
	assert_success
	t0=$SECONDS
	for i in $(seq "$n"); do
		echo 1 >"$TR/events/damon/damon_aggregated/enable"
		echo 1 >"$TR/events/sched/sched_wakeup/enable"
		echo 0 >"$TR/events/damon/damon_aggregated/enable"
		echo 0 >"$TR/events/sched/sched_wakeup/enable"
		if [ $((i % 20)) = 0 ]; then
			run damonctl stop
			assert_success
			run ioctl_record -D -n -S 5000 -A 20000 -f 3 -o "$W/p$i.v3"
			assert_success
		fi
	done
	run damonctl stop
	assert_success
	echo "# $n flips of two trace events in $((SECONDS - t0)) s" >&3
	run reccheck --format 3 --min-snapshots 0 --gap 0.5,100 --end "$W/p.v3"
	assert_success
	check_dmesg_clean
}
