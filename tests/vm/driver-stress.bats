#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Guest tests of damon_rec.ko under stress: a full file system, unloading
# during a recording, a hundred start/stop cycles, and a stream nobody
# reads, a FIFO nobody reads.  Records are checked with
# tests/tools/reccheck.c.

load /opt/damonrec/tests/lib/guest

ADMIN=/sys/kernel/mm/damon/admin

setup() {
	dmesg_mark
	load_damon_rec
	WORK=$(mktemp -d)
	ZZ_PIDS=()
}

teardown() {
	local p
	for p in "${ZZ_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	exec 7>&- 8<&-
	damon_off
	umount "$WORK/small" 2>/dev/null || true
	unload_damon_rec
	rm -rf "$WORK"
}

# Turn off and remove the kdamonds ioctl_record --detach left running.
damon_off() {
	local s
	for s in "$ADMIN"/kdamonds/[0-9]*/state; do
		[ -e "$s" ] || continue
		[ "$(cat "$s")" = on ] && damon_write "$s" off
	done
	echo 0 >"$ADMIN/kdamonds/nr_kdamonds"
}

# zigzag_bg [ARGS...]: the workload in the background (see
# driver-record.bats), walking its buffer 20 times by default.
zigzag_bg() {
	zigzag -s 32 -n 8 -t 300 -r 20 -p 5000 "$@" >/dev/null 2>&1 &
	ZZ_PID=$!
	ZZ_PIDS+=("$ZZ_PID")
}

status_of() {
	awk -F= -v k="$2" '$1 == k { print $2 }' "$1"
}

# wait_idle: wait (10 s at most) until the device's state is idle, and
# leave its status in $WORK/st2.txt.
wait_idle() {
	local i
	for i in $(seq 50); do
		ioctl_record -Q "$WORK/st2.txt"
		[ "$(status_of "$WORK/st2.txt" state)" = idle ] && return 0
		sleep 0.2
	done
	cat "$WORK/st2.txt"
	return 1
}

# mem_kb: unreclaimable slab plus vmalloc, in kB.
mem_kb() {
	awk '$1 == "SUnreclaim:" || $1 == "VmallocUsed:" { s += $2 }
	     END { print s }' /proc/meminfo
}

@test "stress: ENOSPC fails the recording, the v2 file ends on a whole snapshot" {
	mkdir "$WORK/small"
	mount -t tmpfs -o size=16k tmpfs "$WORK/small"
	zigzag_bg
	run ioctl_record -f 2 -b 1024 -m 100 -o "$WORK/small/out.data" \
		-t "$ZZ_PID" -d 10 -q "$WORK/st.txt"
	echo "$output"
	# STOP finds the recording already stopped by the error.
	assert_failure 3
	assert_output --partial 'STOP: Operation already in progress'
	[ "$(status_of "$WORK/st.txt" state)" = failed ]
	[ "$(status_of "$WORK/st.txt" last_error)" = -28 ]
	[ "$(status_of "$WORK/st.txt" lost_error)" -gt 0 ]
	[ "$(stat -c %s "$WORK/small/out.data")" = \
	  "$(status_of "$WORK/st.txt" bytes_written)" ]
	run reccheck --format 2 --targets 1 --min-snapshots 1 \
		"$WORK/small/out.data"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$(status_of "$WORK/st.txt" snapshots) "
	# One line in the kernel log, no warning.
	run sh -c "dmesg | tail -n +$((_DMESG_MARK + 1)) | grep -c 'writing the record failed with error -28'"
	assert_output 1
	check_dmesg_clean
	# The next recording works.
	run ioctl_record -f 2 -o "$WORK/after.data" -t "$ZZ_PID" -d 1
	assert_success
	run reccheck --format 2 "$WORK/after.data"
	assert_success
}

@test "stress: ENOSPC with v3: whole frames only, no END frame" {
	mkdir "$WORK/small"
	mount -t tmpfs -o size=4k tmpfs "$WORK/small"
	# A window moving every 100 ms: v3 codes unchanged regions in no time.
	zigzag_bg -s 64 -n 64 -t 100
	run ioctl_record -f 3 -b 1024 -m 100 -o "$WORK/small/out.data" \
		-t "$ZZ_PID" -d 20 -q "$WORK/st.txt"
	echo "$output"
	assert_failure 3
	[ "$(status_of "$WORK/st.txt" last_error)" = -28 ]
	run reccheck --format 3 --no-end --min-snapshots 1 --gap 0.9,1000 \
		"$WORK/small/out.data"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$(status_of "$WORK/st.txt" snapshots) "
	check_dmesg_clean
}

# enospc_check FORMAT FILE [at-stop]: after a recording that a full file
# system stopped, the file holds whole snapshots only, exactly those the
# status counts.  With at-stop (the error came at the flush of STOP),
# every snapshot committed before STOP is either kept or counted lost to
# the error.
enospc_check() {
	local fmt=$1 file=$2 at_stop=${3:-} snaps lost before after end=--no-end
	[ "$(status_of "$WORK/st.txt" state)" = failed ]
	[ "$(status_of "$WORK/st.txt" last_error)" = -28 ]
	snaps=$(status_of "$WORK/st.txt" snapshots)
	lost=$(status_of "$WORK/st.txt" lost_error)
	echo "kept $snaps, lost to the error $lost"
	# The file system had room for several: they are kept.
	[ "$snaps" -ge 2 ]
	[ "$lost" -gt 0 ]
	[ "$(stat -c %s "$file")" = "$(status_of "$WORK/st.txt" bytes_written)" ]
	[ "$(status_of "$WORK/st.txt" bytes_buffered)" = 0 ]
	if [ -n "$at_stop" ]; then
		# Kept plus lost is every snapshot committed: those counted
		# just before STOP, and at most the one STOP completed and
		# one that came in between.
		before=$(status_of "$WORK/before.txt" snapshots)
		after=$((snaps + lost))
		echo "committed before STOP $before, kept + lost $after"
		[ "$(status_of "$WORK/before.txt" lost_error)" = 0 ]
		[ "$after" -ge "$before" ]
		[ "$after" -le $((before + 2)) ]
	fi
	[ "$fmt" = 2 ] && end=
	run reccheck --format "$fmt" $end --targets 1 --min-snapshots 2 \
		--gap 0.9,1000 "$file"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$snaps "
	run damonctl show --summary "$file"
	echo "$output"
	# A v3 record the error stopped has no END frame: cut short.
	if [ "$fmt" = 3 ]; then
		assert_failure 3
		assert_output --partial 'no END frame'
	else
		assert_success
	fi
	assert_line --regexp "^snapshots: +$snaps, "
	check_dmesg_clean
}

@test "stress: ENOSPC at the first flush of a 1 MiB v2 buffer keeps whole snapshots" {
	mkdir "$WORK/small"
	mount -t tmpfs -o size=32k tmpfs "$WORK/small"
	zigzag_bg
	# 4 KiB or more a snapshot: STOP flushes more than 32 KiB at once.
	run ioctl_record -f 2 -m 200 -o "$WORK/small/out.data" \
		-t "$ZZ_PID" -d 10 -q "$WORK/st.txt" -B "$WORK/before.txt"
	echo "$output"
	assert_failure 3
	assert_output --partial 'STOP: No space left on device'
	[ "$(status_of "$WORK/st.txt" buf_len)" = 1048576 ]
	enospc_check 2 "$WORK/small/out.data" at-stop
}

@test "stress: ENOSPC inside a 3000-byte v2 buffer keeps whole snapshots" {
	mkdir "$WORK/small"
	mount -t tmpfs -o size=32k tmpfs "$WORK/small"
	zigzag_bg
	# Buffers that do not end where the file system does: one is
	# written in part.
	run ioctl_record -f 2 -b 3000 -m 200 -o "$WORK/small/out.data" \
		-t "$ZZ_PID" -d 10 -q "$WORK/st.txt" -B "$WORK/before.txt"
	echo "$output"
	assert_failure 3
	enospc_check 2 "$WORK/small/out.data"
}

@test "stress: ENOSPC at the first flush of a 1 MiB v3 buffer keeps whole frames" {
	mkdir "$WORK/small"
	mount -t tmpfs -o size=4k tmpfs "$WORK/small"
	zigzag_bg -s 64 -n 64 -t 100
	# v3 is compact (some 200 bytes a snapshot here): 30 s fill 4 KiB.
	run ioctl_record -f 3 -m 300 -M 600 -o "$WORK/small/out.data" \
		-t "$ZZ_PID" -d 30 -q "$WORK/st.txt" -B "$WORK/before.txt"
	echo "$output"
	assert_failure 3
	assert_output --partial 'STOP: No space left on device'
	enospc_check 3 "$WORK/small/out.data" at-stop
	assert_output --partial "cut short"
}

@test "stress: rmmod during a recording stops it and flushes the file" {
	zigzag_bg
	run ioctl_record -D -f 3 -o "$WORK/rm.data" -t "$ZZ_PID"
	assert_success
	sleep 3
	run rmmod damon_rec
	assert_success
	damon_off
	run reccheck --format 3 --end --targets 1 --min-snapshots 3 \
		"$WORK/rm.data"
	echo "$output"
	assert_success
	dmesg | tail -n +$((_DMESG_MARK + 1)) |
		grep -q 'unloading during a recording'
	check_dmesg_clean
}

@test "stress: rmmod during a streamed recording nobody reads" {
	zigzag_bg
	run ioctl_record -D -f 2 -b 1024 -s /dev/null -t "$ZZ_PID"
	assert_success
	sleep 2
	run rmmod damon_rec
	assert_success
	check_dmesg_clean
}

@test "stress: STOP on a FIFO nobody reads is interrupted, the stop ends once it is read" {
	mkfifo "$WORK/fifo"
	zigzag_bg
	# Open for reading and writing: a reader that reads nothing (after
	# the workload started, which must not hold the FIFO open).
	exec 7<>"$WORK/fifo"
	# About 2 KiB a snapshot for 5 s: more than the FIFO (cut to 4 KiB)
	# and the buffers hold.  SIGALRM 2 s into STOP.
	run timeout 60 ioctl_record -f 2 -b 4096 -m 100 -o "$WORK/fifo" \
		-P 4096 -t "$ZZ_PID" -d 5 -a 2 -q "$WORK/st.txt"
	echo "$output"
	assert_failure 3
	assert_output --partial 'STOP: Interrupted system call'
	# Still stopping, the rest in the buffers.
	[ "$(status_of "$WORK/st.txt" state)" = recording ]
	[ "$(status_of "$WORK/st.txt" bytes_buffered)" -gt 0 ]
	# A later STOP waits again, and is interrupted again.
	run timeout 60 ioctl_record -X -a 1
	echo "$output"
	assert_failure 3
	assert_output --partial 'STOP: Interrupted system call'
	# Read it all: the stop ends by itself and closes the FIFO.
	exec 8<"$WORK/fifo"
	exec 7>&-
	timeout 60 cat <&8 >"$WORK/out.data"
	exec 8<&-
	wait_idle
	cat "$WORK/st2.txt"
	[ "$(status_of "$WORK/st2.txt" bytes_buffered)" = 0 ]
	[ "$(status_of "$WORK/st2.txt" lost_error)" = 0 ]
	[ "$(status_of "$WORK/st2.txt" last_error)" = 0 ]
	[ "$(stat -c %s "$WORK/out.data")" = \
	  "$(status_of "$WORK/st2.txt" bytes_written)" ]
	# Every snapshot committed is there, whole.
	run reccheck --format 2 --targets 1 --min-snapshots 3 "$WORK/out.data"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$(status_of "$WORK/st2.txt" snapshots) "
	check_dmesg_clean
}

@test "stress: STOP on a v3 FIFO given by descriptor: a later STOP ends it once read" {
	mkfifo "$WORK/fifo"
	zigzag_bg -s 64 -n 64 -t 100
	exec 7<>"$WORK/fifo"
	# v3 is too compact to fill a FIFO soon: it is full (64 KiB) from
	# the start.
	head -c 65536 /dev/zero >&7
	run timeout 60 ioctl_record -f 3 -b 1024 -m 100 -F "$WORK/fifo" \
		-t "$ZZ_PID" -d 4 -a 1 -q "$WORK/st.txt"
	echo "$output"
	assert_failure 3
	assert_output --partial 'STOP: Interrupted system call'
	[ "$(status_of "$WORK/st.txt" state)" = recording ]
	# Read in the background, then STOP again: it returns once all is
	# written.
	exec 8<"$WORK/fifo"
	exec 7>&-
	# The zeros first (one read), then the record.
	(sleep 1; dd bs=65536 count=1 of=/dev/null 2>/dev/null
	 exec cat >"$WORK/out.data") <&8 &
	ZZ_PIDS+=("$!")
	exec 8<&-
	run timeout 60 ioctl_record -X
	echo "$output"
	# This STOP ended the stop, or the worker did first.
	[ "$status" = 0 ] ||
		assert_output --partial 'STOP: Operation already in progress'
	wait_idle
	# The descriptor stays a setting: drop it, and the reader sees EOF.
	ioctl_record -C
	for i in $(seq 100); do
		kill -0 "${ZZ_PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "${ZZ_PIDS[-1]}" 2>/dev/null
	[ "$(status_of "$WORK/st2.txt" lost_error)" = 0 ]
	run reccheck --format 3 --end --targets 1 --min-snapshots 3 \
		--gap 0.9,1000 "$WORK/out.data"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$(status_of "$WORK/st2.txt" snapshots) "
	check_dmesg_clean
}

@test "stress: rmmod with a FIFO nobody reads ends, dropping what the FIFO cannot take" {
	mkfifo "$WORK/fifo"
	zigzag_bg
	exec 7<>"$WORK/fifo"
	run ioctl_record -D -f 2 -b 1024 -m 100 -o "$WORK/fifo" -P 32768 \
		-t "$ZZ_PID"
	assert_success
	# 2 KiB or more a snapshot, 3 to 10 a second (a slow VM): the FIFO
	# (cut to 32 KiB) fills, then the buffers.
	sleep 8
	run timeout 30 rmmod damon_rec
	assert_success
	damon_off
	line=$(dmesg | tail -n +$((_DMESG_MARK + 1)) |
		grep 'recording stopped: ')
	echo "$line"
	dmesg | tail -n +$((_DMESG_MARK + 1)) |
		grep -q 'the output takes no more data'
	written=$(echo "$line" | sed -n 's/.*stopped: \([0-9]*\) snapshots written.*/\1/p')
	lost=$(echo "$line" | sed -n 's/.* written, \([0-9]*\) lost .*/\1/p')
	full=$(echo "$line" | sed -n 's/.*(\([0-9]*\) to full.*/\1/p')
	nomem=$(echo "$line" | sed -n 's/.*, \([0-9]*\) to memory.*/\1/p')
	error=$(echo "$line" | sed -n 's/.*, \([0-9]*\) to the output.*/\1/p')
	[ "$lost" = $((full + nomem + error)) ]
	[ "$error" -gt 0 ]
	[ "$written" -ge 5 ]
	# What the FIFO took: exactly the snapshots counted written, whole,
	# then at most part of one.
	exec 8<"$WORK/fifo"
	exec 7>&-
	timeout 10 cat <&8 >"$WORK/out.data"
	exec 8<&-
	run reccheck --format 2 --targets 1 --truncated-ok "$WORK/out.data"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$written "
	check_dmesg_clean
}

@test "stress: 100 start/stop cycles, to a file and to the stream" {
	zigzag_bg
	before=$(mem_kb)
	run ioctl_record -c 50 -f 3 -o "$WORK/c.data" -t "$ZZ_PID" \
		-q "$WORK/st.txt"
	echo "$output"
	assert_success
	run reccheck --format 3 --end --min-snapshots 0 "$WORK/c.data"
	assert_success
	run ioctl_record -c 50 -f 2 -b 4096 -s "$WORK/c.stream" -t "$ZZ_PID"
	echo "$output"
	assert_success
	run reccheck --format 2 --min-snapshots 0 "$WORK/c.stream"
	assert_success
	unload_damon_rec
	after=$(mem_kb)
	echo "slab+vmalloc: $before kB before, $after kB after"
	# Each recording allocates at least 64 KiB of buffers and about
	# 100 KiB per kdamond: a leak in 100 cycles would be megabytes.
	[ "$after" -lt $((before + 4096)) ]
	check_dmesg_clean
}

@test "stress: a stream nobody reads loses whole snapshots, v3 says so" {
	# A window moving every 100 ms, so that snapshots differ.
	zigzag_bg -s 64 -n 64 -t 100
	run ioctl_record -f 3 -b 1024 -m 1000 -M 2000 -r -s "$WORK/lost.data" \
		-t "$ZZ_PID" -d 10 -q "$WORK/st.txt"
	echo "$output"
	assert_success
	[ "$(status_of "$WORK/st.txt" lost_full)" -gt 0 ]
	# Dropped snapshots widen the gaps: no upper bound.
	run reccheck --format 3 --end --lost --targets 1 --gap 0.9,1000 \
		"$WORK/lost.data"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$(status_of "$WORK/st.txt" snapshots) "
	assert_output --partial "lost=$(status_of "$WORK/st.txt" lost_full) "
	check_dmesg_clean
}

@test "stress: a v2 stream nobody reads loses whole snapshots only" {
	zigzag_bg
	run ioctl_record -f 2 -b 1024 -m 100 -r -s "$WORK/lost2.data" \
		-t "$ZZ_PID" -d 6 -q "$WORK/st.txt"
	echo "$output"
	assert_success
	[ "$(status_of "$WORK/st.txt" lost_full)" -gt 0 ]
	run reccheck --format 2 --targets 1 "$WORK/lost2.data"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$(status_of "$WORK/st.txt" snapshots) "
	check_dmesg_clean
}

# ----------------------------------------------------------------------
# The probe against kdamonds that come and go.  The kernel's tracer counts
# the damon_aggregated events alongside the recording, so that the
# snapshots recorded can be compared with those DAMON produced: the
# kdamonds are turned on only after the recording started, and off before
# it stops.

TR=/sys/kernel/tracing

probe_trace_on() {
	echo 0 >"$TR/tracing_on"
	echo 8192 >"$TR/buffer_size_kb"
	echo 0 >"$TR/options/record-cmd"
	: >"$TR/trace"
	echo 1 >"$TR/events/damon/damon_aggregated/enable"
	echo 1 >"$TR/tracing_on"
}

probe_trace_off() {
	echo 0 >"$TR/tracing_on"
	echo 0 >"$TR/events/damon/damon_aggregated/enable"
}

# probe_traced [per-pid]: the snapshots the tracer saw, in all or (sorted)
# per kdamond thread; fails if the tracer lost events.  A snapshot is
# nr_regions events of one thread (one target per kdamond).
probe_traced() {
	local over
	over=$(cat "$TR"/per_cpu/cpu*/stats |
		awk '$1 == "overrun:" || $1 == "dropped" { s += $NF } END { print s + 0 }')
	[ "$over" = 0 ] || { echo "the tracer lost $over events" >&2; return 1; }
	awk -v per="${1:-}" '/damon_aggregated:/ {
		if (!match($0, /nr_regions=[0-9]+/)) next
		n = substr($0, RSTART + 11, RLENGTH - 11) + 0
		if (left[$1] + 0 == 0) { snaps++; per_thread[$1]++; left[$1] = n }
		left[$1]--
	} END {
		if (per == "") { print snaps + 0; exit }
		for (t in per_thread) print per_thread[t]
	}' "$TR/trace" | sort -n
}

# probe_status FILE: the device status as KEY=VALUE lines.
probe_status() {
	local k
	damonctl status --json >"$WORK/status.json"
	for k in snapshots lost_full lost_nomem lost_error nr_kdamonds; do
		echo "$k=$(grep -o "\"$k\":[0-9]*" "$WORK/status.json" |
			head -n 1 | cut -d: -f2)"
	done >"$1"
}

# probe_kdamonds PID...: one kdamond per PID (vaddr, 5 ms samples, 20 ms
# aggregations, 10 to 100 regions), not on.
probe_kdamonds() {
	local i=0 c pid
	damon_off
	echo $# >"$ADMIN/kdamonds/nr_kdamonds"
	for pid in "$@"; do
		c=$ADMIN/kdamonds/$i/contexts/0
		echo 1 >"$ADMIN/kdamonds/$i/contexts/nr_contexts"
		echo vaddr >"$c/operations"
		echo 5000 >"$c/monitoring_attrs/intervals/sample_us"
		echo 20000 >"$c/monitoring_attrs/intervals/aggr_us"
		echo 1000000 >"$c/monitoring_attrs/intervals/update_us"
		echo 100 >"$c/monitoring_attrs/nr_regions/max"
		echo 10 >"$c/monitoring_attrs/nr_regions/min"
		echo 1 >"$c/targets/nr_targets"
		echo "$pid" >"$c/targets/0/pid_target"
		i=$((i + 1))
	done
}

# probe_times_ok FILE: snapshot times increase from one snapshot to the
# next in FILE, whichever kdamond they come from.
probe_times_ok() {
	reccheck --dump --min-snapshots 0 --gap 0,1000 "$1" |
		awk '$1 == "snapshot" {
			dot = index($6, ".")
			s = substr($6, 1, dot - 1) + 0
			# 9 digits: no leading 0, that some awks read as octal
			ns = ("1" substr($6, dot + 1)) + 0
			if (n++ && (s < sec || (s == sec && ns <= nsec))) {
				print "snapshot " $2 " at " $6 " after one at " prev
				bad = 1
			}
			sec = s
			nsec = ns
			prev = $6
		} END { if (!n) print "no snapshot"; exit bad || !n }'
}

@test "stress: two kdamonds, one stopped mid-recording: times never go back, nothing waits for STOP (v3, v2)" {
	zigzag_bg -r 1000
	probe_kdamonds "$ZZ_PID" "$ZZ_PID"
	local fmt traced status kd
	for fmt in 3 2; do
		probe_trace_on
		run ioctl_record -D -n -S 5000 -A 20000 -f $fmt \
			-o "$WORK/two.v$fmt"
		assert_success
		damon_write "$ADMIN/kdamonds/0/state" on
		damon_write "$ADMIN/kdamonds/1/state" on
		sleep 1.5
		damon_write "$ADMIN/kdamonds/1/state" off
		sleep 1.5
		# "off" returns once the kdamond thread is gone: its last
		# snapshot is recorded, STOP need not complete it.
		damon_write "$ADMIN/kdamonds/0/state" off
		probe_status "$WORK/before.txt"
		traced=$(probe_traced)
		echo "v$fmt: traced $traced, recorded before STOP $(status_of "$WORK/before.txt" snapshots)"
		[ "$traced" -gt 20 ]
		[ "$(status_of "$WORK/before.txt" snapshots)" = "$traced" ]
		[ "$(status_of "$WORK/before.txt" nr_kdamonds)" = 2 ]
		run damonctl stop
		assert_success
		probe_trace_off
		probe_status "$WORK/st.txt"
		[ "$(status_of "$WORK/st.txt" snapshots)" = "$traced" ]
		[ "$(status_of "$WORK/st.txt" lost_full)" = 0 ]
		[ "$(status_of "$WORK/st.txt" lost_nomem)" = 0 ]
		run probe_times_ok "$WORK/two.v$fmt"
		echo "$output"
		assert_success
		if [ $fmt = 3 ]; then
			run reccheck --format 3 --end --no-lost --kdamonds 2 \
				--targets 1 --gap 0.5,100 "$WORK/two.v3"
			echo "$output"
			assert_success
			assert_output --partial "snapshots=$traced "
			# Each kdamond: as many snapshots as the tracer saw of
			# it, 1.5 s and 3 s worth.
			kd=$(reccheck --dump --min-snapshots 0 --gap 0,1000 \
				"$WORK/two.v3" |
				awk '$1 == "snapshot" { n[$4]++ }
				     END { for (k in n) print n[k] }' | sort -n)
			echo "per kdamond: file $(echo $kd), traced $(echo $(probe_traced per-pid))"
			[ "$kd" = "$(probe_traced per-pid)" ]
		else
			run reccheck --format 2 --targets 1 --gap 0,100 \
				"$WORK/two.v2"
			echo "$output"
			assert_success
			assert_output --partial "snapshots=$traced "
		fi
	done
	check_dmesg_clean
}

@test "stress: one recording across 70 kdamond threads: slots reclaimed, exact counters" {
	zigzag_bg -r 1000
	probe_kdamonds "$ZZ_PID"
	probe_trace_on
	run ioctl_record -D -n -S 5000 -A 20000 -f 3 -o "$WORK/many.v3"
	assert_success
	local i traced
	# Each "on" starts a new kdamond thread, each "off" ends it.
	for i in $(seq 70); do
		damon_write "$ADMIN/kdamonds/0/state" on
		sleep 0.1
		damon_write "$ADMIN/kdamonds/0/state" off
	done
	run damonctl stop
	assert_success
	probe_trace_off
	traced=$(probe_traced)
	probe_status "$WORK/st.txt"
	cat "$WORK/st.txt"
	[ "$(status_of "$WORK/st.txt" nr_kdamonds)" = 70 ]
	[ "$(status_of "$WORK/st.txt" snapshots)" -gt 70 ]
	[ $(( $(status_of "$WORK/st.txt" snapshots) + \
	      $(status_of "$WORK/st.txt" lost_full) + \
	      $(status_of "$WORK/st.txt" lost_nomem) + \
	      $(status_of "$WORK/st.txt" lost_error) )) = "$traced" ]
	run reccheck --format 3 --end --targets 1 --kdamonds 70 --gap 0.5,100 \
		"$WORK/many.v3"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$(status_of "$WORK/st.txt" snapshots) "
	assert_output --partial "lost=$(( $(status_of "$WORK/st.txt" lost_full) + \
		$(status_of "$WORK/st.txt" lost_nomem) )) "
	check_dmesg_clean
}
