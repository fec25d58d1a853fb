#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-bench.sh - the guest half of 'make bench' (run by the test VM's init in
# its demo mode; bench/bench.sh is the host half).
#
# Measures, on real DAMON, with the zigzag workload:
#   size      the same kdamond recorded by damon_rec (v4, v3, then v2) while
#             'perf record -e damon:damon_aggregated' records it too;
#             sizes and snapshot counts of the three files
#   overhead  the kdamond's CPU time (/proc/PID/stat utime+stime, and the
#             nanoseconds of /proc/PID/schedstat) over windows with the
#             recording off and on, alternated, same kdamond throughout,
#             with the default attributes at --buf 4096 (snapshots lost
#             there too), and its work in those windows: the regions it
#             aggregated, counted by a DAMOS "stat" scheme
#   probe     the time per damon_aggregated event of whatever is attached
#             (nothing, damon_rec v4, v3 and v2, the tracer, perf), from
#             synthetic snapshots fired by damon_rec_bench.ko
#
# Results go to $VM_OUT/bench/results.txt as KEY=VALUE lines, the
# environment to $VM_OUT/bench/vm.txt.  Knobs, set in
# /opt/damonrec/bench.conf (which the host writes) or the environment:
# BENCH_ROUNDS (overhead windows of each kind, default 5), BENCH_WINDOW
# (seconds per overhead window, default 4), BENCH_SIZE_SECS (seconds per
# size recording, default 8).

set -u
. /opt/damonrec/tests/lib/guest.bash
[ ! -r /opt/damonrec/bench.conf ] || . /opt/damonrec/bench.conf

ROUNDS=${BENCH_ROUNDS:-5}
WINDOW=${BENCH_WINDOW:-4}
SIZE_SECS=${BENCH_SIZE_SECS:-8}
ADMIN=/sys/kernel/mm/damon/admin
PERF=/opt/damonrec/perf/perf
OUT=$VM_OUT/bench
W=/tmp/bench
mkdir -p "$OUT" "$W"
RES=$OUT/results.txt
: >"$RES"

say() {
	echo "vm-bench: $*"
}

fail() {
	say "FAIL: $*"
	cp "$W"/*.log "$W"/*.json "$OUT/" 2>/dev/null
	exit 1
}

put() {
	echo "$1=$2" >>"$RES"
}

# Microseconds since the epoch (bash's clock, busybox date has no %N).
now_us() {
	local t=$EPOCHREALTIME
	echo "${t/./}"
}

# cpu_ticks PID: utime + stime of /proc/PID/stat (clock ticks).
cpu_ticks() {
	local stat rest
	read -r stat <"/proc/$1/stat" || return 1
	rest=${stat##*) }		# fields from 3 (state) on
	set -- $rest
	echo $(( ${12} + ${13} ))	# fields 14 and 15
}

# cpu_ns PID: time on CPU in nanoseconds (/proc/PID/schedstat, field 1).
cpu_ns() {
	local a b c
	read -r a b c <"/proc/$1/schedstat" || return 1
	echo "$a"
}

# json_num KEY FILE: the first "KEY":NUMBER of a JSON file.
json_num() {
	grep -o "\"$1\":[0-9]*" "$2" | head -n 1 | cut -d: -f2
}

damon_off() {
	local s
	for s in "$ADMIN"/kdamonds/[0-9]*/state; do
		[ -e "$s" ] || continue
		[ "$(cat "$s")" = on ] && damon_write "$s" off
	done
	echo 0 >"$ADMIN/kdamonds/nr_kdamonds"
}

# --- the machine --------------------------------------------------------
{
	echo "kernel=$(uname -r)"
	echo "vcpus=$(nproc)"
	echo "mem_kb=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "user_hz=100"
	echo "perf=$($PERF --version 2>/dev/null)"
} >"$OUT/vm.txt"
cat "$OUT/vm.txt"

load_damon_rec || fail "cannot load damon_rec"
dmesg_mark

# The workload: a 64 MiB buffer, 8 windows of 500 ms, walked again and
# again, pausing 2 ms per round over a window so that the kdamond is not
# starved of CPU under TCG.
zigzag -s 64 -n 8 -t 500 -r 1000 -p 2000 >"$W/zz.info" 2>&1 &
ZZ=$!
sleep 1
kill -0 $ZZ || fail "the workload did not start"
trap 'kill $ZZ 2>/dev/null; damonctl stop >/dev/null 2>&1; damon_off 2>/dev/null' EXIT

# --- record size -------------------------------------------------------
# size_round FMT: perf records system-wide while damonctl sets up its own
# kdamond on the workload, records it for SIZE_SECS and removes it; perf
# starts before and ends after, so it sees every snapshot of that kdamond.
size_round() {
	local fmt=$1 ppid i rc
	rm -f "$W/perf.$fmt.data" "$W/rec.$fmt"
	"$PERF" record -q -a -e damon:damon_aggregated -o "$W/perf.$fmt.data" \
		>"$W/perf.$fmt.log" 2>&1 &
	ppid=$!
	# perf is ready once its output file has its header.
	for i in $(seq 100); do
		[ -s "$W/perf.$fmt.data" ] && break
		sleep 0.1
	done
	sleep 1
	kill -0 $ppid || { cat "$W/perf.$fmt.log"; fail "perf record died"; }
	damonctl --json record -q --format "$fmt" -p $ZZ \
		--duration "$SIZE_SECS" -o "$W/rec.$fmt" >"$W/rec.$fmt.json" ||
		fail "damonctl record --format $fmt failed"
	sleep 1
	kill -INT $ppid
	wait $ppid
	rc=$?
	# perf record exits 0, or with SIGINT's status, when interrupted.
	[ $rc = 0 ] || [ $rc = 130 ] ||
		{ cat "$W/perf.$fmt.log"; fail "perf record failed ($rc)"; }
	damonctl show --summary --json "$W/rec.$fmt" >"$W/rec.$fmt.sum" ||
		fail "the $fmt record does not decode"
	# What perf saw, through the perf-script importer.
	"$PERF" script -i "$W/perf.$fmt.data" 2>/dev/null >"$W/perf.$fmt.txt" ||
		fail "perf script failed"
	damonctl convert "$W/perf.$fmt.txt" --format v3 -o "$W/perf.$fmt.v3" ||
		fail "damonctl convert of perf script output failed"
	damonctl show --summary --json "$W/perf.$fmt.v3" >"$W/perf.$fmt.sum" ||
		fail "the converted perf record does not decode"
	# The same snapshots as damon_rec's, in the other format.
	put "size_${fmt}_bytes" "$(stat -c %s "$W/rec.$fmt")"
	put "size_${fmt}_snapshots" "$(json_num snapshots "$W/rec.$fmt.sum")"
	put "size_${fmt}_regions" "$(json_num regions "$W/rec.$fmt.sum")"
	put "size_${fmt}_lost" "$(json_num lost "$W/rec.$fmt.sum")"
	put "size_perf_${fmt}_bytes" "$(stat -c %s "$W/perf.$fmt.data")"
	put "size_perf_${fmt}_snapshots" "$(json_num snapshots "$W/perf.$fmt.sum")"
	put "size_perf_${fmt}_events" "$(grep -c 'damon_aggregated' "$W/perf.$fmt.txt")"
	put "size_perf_${fmt}_script_bytes" "$(stat -c %s "$W/perf.$fmt.txt")"
	put "size_perf_${fmt}_as_v3_bytes" "$(stat -c %s "$W/perf.$fmt.v3")"
	say "size: $fmt $(stat -c %s "$W/rec.$fmt") bytes," \
		"$(json_num snapshots "$W/rec.$fmt.sum") snapshots;" \
		"perf.data $(stat -c %s "$W/perf.$fmt.data") bytes," \
		"$(json_num snapshots "$W/perf.$fmt.sum") snapshots"
	rm -f "$W/perf.$fmt.txt"
}

size_round v4
size_round v3
size_round v2
# The v3 record converted to v2: the same snapshots, byte for byte the
# v2 encoding of what v3 holds.
damonctl convert "$W/rec.v3" --format v2 -o "$W/rec.v3.as-v2" ||
	fail "convert v3 -> v2 failed"
put size_v3_as_v2_bytes "$(stat -c %s "$W/rec.v3.as-v2")"
cp "$W/rec.v4" "$W/rec.v3" "$W/rec.v2" "$OUT/"

# --- recording overhead -------------------------------------------------
# A kdamond of our own on the workload; damonctl record --attach records it
# without touching it.  Windows with the recording off and on alternate,
# and which comes first alternates too, against drift.
#
# The workload now pauses 20 ms per round, so that it leaves the one vCPU
# mostly idle: its pace, and so the access checks the kdamond does, must
# not depend on the CPU time that the recording's own tasks (damonctl, the
# flush worker) take from it.
kill $ZZ
wait $ZZ 2>/dev/null
zigzag -s 64 -n 8 -t 500 -r 1000 -p 20000 >"$W/zz.info" 2>&1 &
ZZ=$!
sleep 1
kill -0 $ZZ || fail "the workload did not start"
put ovh_workload "zigzag 64 MiB, 8 windows of 500 ms, 20 ms pause per round"

# kdamond_on SAMPLE_US AGGR_US UPDATE_US MIN MAX: our kdamond, on.
kdamond_on() {
	local c=$ADMIN/kdamonds/0/contexts/0
	damon_off
	echo 1 >"$ADMIN/kdamonds/nr_kdamonds"
	echo 1 >"$ADMIN/kdamonds/0/contexts/nr_contexts"
	echo vaddr >"$c/operations"
	echo "$1" >"$c/monitoring_attrs/intervals/sample_us"
	echo "$2" >"$c/monitoring_attrs/intervals/aggr_us"
	echo "$3" >"$c/monitoring_attrs/intervals/update_us"
	echo "$5" >"$c/monitoring_attrs/nr_regions/max"
	echo "$4" >"$c/monitoring_attrs/nr_regions/min"
	echo 1 >"$c/targets/nr_targets"
	echo $ZZ >"$c/targets/0/pid_target"
	# A DAMOS "stat" scheme on every region counts, in nr_tried, the
	# regions of every aggregation, recording or not: the kdamond's work.
	local p=$c/schemes/0/access_pattern
	echo 1 >"$c/schemes/nr_schemes"
	echo stat >"$c/schemes/0/action"
	echo 0 >"$p/sz/min"; echo 18446744073709551615 >"$p/sz/max"
	echo 0 >"$p/nr_accesses/min"; echo 4294967295 >"$p/nr_accesses/max"
	echo 0 >"$p/age/min"; echo 4294967295 >"$p/age/max"
	damon_write "$ADMIN/kdamonds/0/state" on
	KPID=$(damon_read "$ADMIN/kdamonds/0/pid")
	[ "$KPID" -gt 0 ] 2>/dev/null || fail "no kdamond pid"
	sleep 2		# let the regions settle
}

# tried: the stat scheme's nr_tried, freshly updated.
tried() {
	damon_write "$ADMIN/kdamonds/0/state" update_schemes_stats
	cat "$ADMIN/kdamonds/0/contexts/0/schemes/0/stats/nr_tried"
}

# window SET off|on N [RECORD OPTION...]: one measurement window.
window() {
	local set=$1 kind=$2 n=$3 t0 t1 c0 c1 n0 n1 r0 r1 k=${1}_${2}_${3}
	shift 3
	r0=$(tried)
	t0=$(now_us); c0=$(cpu_ticks $KPID); n0=$(cpu_ns $KPID)
	if [ "$kind" = off ]; then
		sleep "$WINDOW"
	else
		damonctl record -q --format v4 --attach --duration "$WINDOW" \
			-o "$W/on.data" "$@" || fail "damonctl record --attach failed"
	fi
	t1=$(now_us); c1=$(cpu_ticks $KPID); n1=$(cpu_ns $KPID)
	r1=$(tried)
	[ "$(damon_read "$ADMIN/kdamonds/0/pid")" = "$KPID" ] ||
		fail "the kdamond changed during a window"
	put "${k}_tried" $((r1 - r0))
	put "${k}_wall_us" $((t1 - t0))
	put "${k}_ticks" $((c1 - c0))
	put "${k}_ns" $((n1 - n0))
	if [ "$kind" = on ]; then
		damonctl status --json >"$W/st.json"
		put "${k}_snapshots" "$(json_num snapshots "$W/st.json")"
		put "${k}_regions" "$(json_num regions "$W/st.json")"
		put "${k}_lost" $(( $(json_num lost_full "$W/st.json") + \
			$(json_num lost_nomem "$W/st.json") + \
			$(json_num lost_error "$W/st.json") ))
		put "${k}_buf" "$(json_num buf_len "$W/st.json")"
		damonctl show --summary "$W/on.data" >/dev/null ||
			fail "the --attach record does not decode"
	fi
	say "overhead $set: $kind $n: $((c1 - c0)) ticks, $(((n1 - n0) / 1000))" \
		"us on CPU in $(((t1 - t0) / 1000)) ms, $((r1 - r0)) regions aggregated"
}

# windows SET [RECORD OPTION...]: ROUNDS pairs of windows.
windows() {
	local set=$1 i
	shift
	for i in $(seq "$ROUNDS"); do
		if [ $((i % 2)) = 1 ]; then
			window "$set" off "$i"; window "$set" on "$i" "$@"
		else
			window "$set" on "$i" "$@"; window "$set" off "$i"
		fi
	done
}
put rounds "$ROUNDS"

# 1. DAMON's (and damo's) default attributes, the buffer at 4 KiB.
kdamond_on 5000 100000 1000000 10 1000
put dflt_attrs "sample 5ms, aggr 100ms, update 1s, regions 10..1000"
windows dflt --buf 4096

damon_off
# --- the probe's cost per event --------------------------------------------
# damon_rec_bench.ko fires damon_aggregated itself with synthetic snapshots
# (PROBE_SNAPS x 1000 regions) and times what is attached: nothing, a
# damon_rec recording (v4, v3, v2), the tracer's event, perf record.  Rounds
# interleave the kinds; the host takes medians.
BENCH_KO=/opt/damonrec/modules/damon_rec_bench.ko
PROBE_SNAPS=${BENCH_PROBE_SNAPS:-100}

# fire KIND ROUND [COMMAND PREFIX...]: load the module (through the prefix,
# e.g. perf record), note its time per event.
fire() {
	local kind=$1 round=$2 ns
	shift 2
	"$@" insmod "$BENCH_KO" nr_snapshots="$PROBE_SNAPS" nr_regions=1000 ||
		fail "damon_rec_bench.ko failed to load ($kind)"
	rmmod damon_rec_bench || fail "cannot unload damon_rec_bench"
	ns=$(dmesg | sed -n 's/.*damon_rec_bench: .* regions: \([0-9]*\) ns per event.*/\1/p' |
		tail -n 1)
	[ -n "$ns" ] || fail "no figure from damon_rec_bench ($kind)"
	put "probe_${kind}_${round}_ns" "$ns"
	say "probe: $kind $round: $ns ns per event"
}

# fire_rec FORMAT ROUND: the same during a damon_rec recording to a file.
fire_rec() {
	local fmt=$1 round=$2
	ioctl_record -D -n -f "$fmt" -b 4194304 -o "$W/pb.v$fmt" >/dev/null ||
		fail "cannot start a recording for the probe benchmark"
	fire "v$fmt" "$round"
	damonctl stop >/dev/null || fail "damonctl stop failed"
	damonctl status --json >"$W/pb.json"
	put "probe_v${fmt}_${round}_lost" $(( $(json_num lost_full "$W/pb.json") + \
		$(json_num lost_nomem "$W/pb.json") ))
	put "probe_v${fmt}_${round}_snapshots" "$(json_num snapshots "$W/pb.json")"
	damonctl show --summary "$W/pb.v$fmt" >/dev/null ||
		fail "the probe benchmark's v$fmt record does not decode"
	put "probe_v${fmt}_${round}_bytes" "$(stat -c %s "$W/pb.v$fmt")"
	[ "$round" != 1 ] || cp "$W/pb.v$fmt" "$OUT/"
}

put probe_snapshots "$PROBE_SNAPS"
put probe_regions 1000
for round in 1 2 3; do
	fire none "$round"
	fire_rec 4 "$round"
	fire_rec 3 "$round"
	fire_rec 2 "$round"
	echo 1 >/sys/kernel/tracing/events/damon/damon_aggregated/enable
	fire ftrace "$round"
	echo 0 >/sys/kernel/tracing/events/damon/damon_aggregated/enable
	: >/sys/kernel/tracing/trace
	fire perf "$round" "$PERF" record -q -a -m 4096 \
		-e damon:damon_aggregated -o "$W/pb.perf" --
	rm -f "$W/pb.perf"
done
put probe_rounds 3

kill $ZZ
wait $ZZ 2>/dev/null
trap - EXIT
unload_damon_rec || fail "cannot unload damon_rec"
check_dmesg_clean || fail "kernel log trouble"
put done 1
say "done"
