#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Guest tests of damon_rec.ko recording real DAMON: the zigzag workload
# monitored through vaddr (formats v2, v3 and v4, to a path, a descriptor or
# the read() stream), paddr, two targets and two kdamonds, every record
# verified by the independent checker (tests/tools/reccheck.c).  DAMON is
# set up through sysfs by tests/tools/ioctl_record.c: no damonctl here.
# Records are kept under $VM_OUT/driver-record/.

load /opt/damonrec/tests/lib/guest

AGGR=100000
SAMPLE=5000

setup() {
	dmesg_mark
	load_damon_rec
	WORK=$(mktemp -d)
	OUT=$VM_OUT/driver-record
	mkdir -p "$OUT"
	ZZ_PIDS=()
}

teardown() {
	local p
	for p in "${ZZ_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	unload_damon_rec
	rm -rf "$WORK"
}

# zigzag NAME [ARGS...]: start the workload in the background: 64 MiB,
# 8 windows of 600 ms after 500 ms of rest, pausing 5 ms after each round
# over the window (the VM is slow: leave the kdamond some CPU); sets ZZ_PID
# and ZZ_RANGE.
zigzag_bg() {
	local name=$1 start end
	shift
	zigzag -s 64 -n 8 -t 600 -d 500 -p 5000 -i "$WORK/$name.info" "$@" \
		>/dev/null 2>&1 &
	ZZ_PID=$!
	ZZ_PIDS+=("$ZZ_PID")
	for _ in $(seq 100); do
		[ -s "$WORK/$name.info" ] && break
		sleep 0.05
	done
	read -r start end _ <"$WORK/$name.info"
	ZZ_RANGE=$start-$end
}

# The recording's duration in seconds, from the status ioctl_record wrote.
duration_of() {
	awk -F= '$1 == "duration_ns" { printf "%.3f", $2 / 1e9 }' "$1"
}

status_of() {
	awk -F= -v k="$2" '$1 == k { print $2 }' "$1"
}

@test "record: vaddr of the zigzag workload, v3 to a path" {
	zigzag_bg z
	cd "$WORK"
	# A relative path, resolved against this directory at SET_PATH.
	run ioctl_record -f 3 -o v3.data -t "$ZZ_PID" -w "$ZZ_PID" -d 30 \
		-q st.txt
	echo "$output"
	assert_success
	cp v3.data "$OUT/vaddr-v3.data"
	[ "$(stat -c %s v3.data)" = "$(status_of st.txt bytes_written)" ]
	[ "$(status_of st.txt lost_full)" = 0 ]
	run reccheck --format 3 --producer 1 --end --no-lost --targets 1 \
		--kdamonds 1 --duration "$(duration_of st.txt)" \
		--hot "$ZZ_RANGE" v3.data
	echo "$output"
	assert_success
	# Every snapshot recorded is in the file, with all its regions.
	assert_output --partial "snapshots=$(status_of st.txt snapshots) "
	assert_output --partial "regions=$(status_of st.txt regions) "
	check_dmesg_clean
}

@test "record: vaddr of the zigzag workload, v4 to a path" {
	zigzag_bg z
	run ioctl_record -f 4 -o "$WORK/v4.data" -t "$ZZ_PID" -w "$ZZ_PID" \
		-d 30 -q "$WORK/st.txt"
	echo "$output"
	assert_success
	cp "$WORK/v4.data" "$OUT/vaddr-v4.data"
	[ "$(stat -c %s "$WORK/v4.data")" = "$(status_of "$WORK/st.txt" bytes_written)" ]
	[ "$(status_of "$WORK/st.txt" lost_full)" = 0 ]
	run reccheck --format 4 --producer 1 --end --no-lost --targets 1 \
		--kdamonds 1 --duration "$(duration_of "$WORK/st.txt")" \
		--hot "$ZZ_RANGE" "$WORK/v4.data"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$(status_of "$WORK/st.txt" snapshots) "
	assert_output --partial "regions=$(status_of "$WORK/st.txt" regions) "
	run damonctl show --summary "$WORK/v4.data"
	echo "$output"
	assert_success
	assert_output --partial 'format:     v4 (stopped cleanly)'
	assert_output --partial "snapshots:  $(status_of "$WORK/st.txt" snapshots), 0 lost"
	# The same snapshots, through libdamonrec's v4 decoder, checked by
	# the independent checker in format 2 (no kdamonds, no ages there)
	# and in format 3.
	run damonctl convert --format v2 "$WORK/v4.data" -o "$WORK/v4.v2"
	assert_success
	run reccheck --format 2 --aggr-us $AGGR --sample-us $SAMPLE \
		--targets 1 --duration "$(duration_of "$WORK/st.txt")" \
		--hot "$ZZ_RANGE" "$WORK/v4.v2"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$(status_of "$WORK/st.txt" snapshots) "
	assert_output --partial "regions=$(status_of "$WORK/st.txt" regions) "
	run damonctl convert --format v3 "$WORK/v4.data" -o "$WORK/v4.v3"
	assert_success
	run reccheck --format 3 --producer 2 --end --no-lost --targets 1 \
		--kdamonds 1 --hot "$ZZ_RANGE" "$WORK/v4.v3"
	echo "$output"
	assert_success
	# Smaller than the same snapshots in v3.
	[ "$(stat -c %s "$WORK/v4.data")" -lt "$(stat -c %s "$WORK/v4.v3")" ]
	check_dmesg_clean
}

@test "record: vaddr of the zigzag workload, v2 to a path" {
	zigzag_bg z
	run ioctl_record -f 2 -o "$WORK/v2.data" -t "$ZZ_PID" -w "$ZZ_PID" \
		-d 30 -q "$WORK/st.txt"
	echo "$output"
	assert_success
	cp "$WORK/v2.data" "$OUT/vaddr-v2.data"
	run reccheck --format 2 --aggr-us $AGGR --sample-us $SAMPLE \
		--targets 1 --duration "$(duration_of "$WORK/st.txt")" \
		--hot "$ZZ_RANGE" "$WORK/v2.data"
	echo "$output"
	assert_success
	assert_output --partial "snapshots=$(status_of "$WORK/st.txt" snapshots) "
	check_dmesg_clean
}

@test "record: paddr, v3" {
	run ioctl_record -f 3 -O paddr -o "$WORK/paddr.data" -d 3 \
		-q "$WORK/st.txt"
	echo "$output"
	assert_success
	cp "$WORK/paddr.data" "$OUT/paddr-v3.data"
	run reccheck --format 3 --end --no-lost --targets 1 \
		--duration "$(duration_of "$WORK/st.txt")" "$WORK/paddr.data"
	echo "$output"
	assert_success
	check_dmesg_clean
}

@test "record: two targets in one context, v3" {
	zigzag_bg a
	local pa=$ZZ_PID range_a=$ZZ_RANGE
	zigzag_bg b
	run ioctl_record -f 3 -o "$WORK/two.data" -t "$pa" -t "$ZZ_PID" \
		-w "$pa" -d 30 -q "$WORK/st.txt"
	echo "$output"
	assert_success
	cp "$WORK/two.data" "$OUT/two-targets-v3.data"
	run reccheck --format 3 --end --targets 2 --kdamonds 1 \
		--duration "$(duration_of "$WORK/st.txt")" \
		--hot "$range_a" --hot-target 0 "$WORK/two.data"
	echo "$output"
	assert_success
	check_dmesg_clean
}

@test "record: two kdamonds, v3 keeps them apart" {
	zigzag_bg z
	run ioctl_record -f 3 -k 2 -o "$WORK/kd2.data" -t "$ZZ_PID" -d 3 \
		-q "$WORK/st.txt"
	echo "$output"
	assert_success
	[ "$(status_of "$WORK/st.txt" nr_kdamonds)" = 2 ]
	cp "$WORK/kd2.data" "$OUT/two-kdamonds-v3.data"
	run reccheck --format 3 --end --kdamonds 2 --targets 1 \
		--duration "$(duration_of "$WORK/st.txt")" "$WORK/kd2.data"
	echo "$output"
	assert_success
	check_dmesg_clean
}

@test "record: to a descriptor, with 1 KiB buffers that snapshots span" {
	zigzag_bg z
	# At least 400 regions: 8 KiB v2 snapshots, more than the 4 buffers
	# preallocated can hold, so the pool has to grow.  Sampling 400
	# regions takes some 50 ms in a busy TCG guest: intervals ten times
	# the usual keep an aggregation near its nominal length.
	run ioctl_record -f 2 -b 1024 -m 400 -F "$WORK/fd.data" \
		-S $((10 * SAMPLE)) -A $((10 * AGGR)) -U $((20 * AGGR)) \
		-t "$ZZ_PID" -d 10 -q "$WORK/st.txt"
	echo "$output"
	assert_success
	[ "$(status_of "$WORK/st.txt" output)" = 2 ]
	[ "$(stat -c %s "$WORK/fd.data")" = \
	  "$(status_of "$WORK/st.txt" bytes_written)" ]
	run reccheck --format 2 --aggr-us $((10 * AGGR)) \
		--sample-us $((10 * SAMPLE)) --targets 1 --min-snapshots 2 \
		"$WORK/fd.data"
	echo "$output"
	assert_success
	[ "$(status_of "$WORK/st.txt" regions)" -ge \
	  $((400 * $(status_of "$WORK/st.txt" snapshots))) ]
	[ "$(status_of "$WORK/st.txt" lost_nomem)" = 0 ]
	check_dmesg_clean
}

@test "record: the read() stream, blocking reads, v3" {
	zigzag_bg z
	run ioctl_record -f 3 -s "$WORK/stream.data" -t "$ZZ_PID" \
		-w "$ZZ_PID" -d 30 -q "$WORK/st.txt"
	echo "$output"
	assert_success
	[ "$(status_of "$WORK/st.txt" output)" = 3 ]
	cp "$WORK/stream.data" "$OUT/stream-v3.data"
	run reccheck --format 3 --end --no-lost --targets 1 \
		--hot "$ZZ_RANGE" "$WORK/stream.data"
	echo "$output"
	assert_success
	check_dmesg_clean
}

@test "record: the read() stream, O_NONBLOCK reads driven by poll(), v2" {
	zigzag_bg z
	run ioctl_record -f 2 -p -s "$WORK/poll.data" -t "$ZZ_PID" -d 3 \
		-q "$WORK/st.txt"
	echo "$output"
	assert_success
	assert_output --regexp 'streamed [1-9][0-9]* bytes, [1-9][0-9]* polls'
	run reccheck --format 2 --aggr-us $AGGR --sample-us $SAMPLE \
		--targets 1 --duration "$(duration_of "$WORK/st.txt")" \
		"$WORK/poll.data"
	echo "$output"
	assert_success
	check_dmesg_clean
}

@test "record: libdamonrec reads what the driver writes (damonctl convert)" {
	# Alive for both recordings, however slow the host (teardown ends it).
	zigzag_bg z -r 1000
	run ioctl_record -f 3 -o "$WORK/d.v3" -t "$ZZ_PID" -d 3
	assert_success
	run reccheck --format 3 --end "$WORK/d.v3"
	assert_success
	want=$(echo "$output" | grep -o 'snapshots=[0-9]* regions=[0-9]*')
	# The library's v3 decoder, through its v2 encoder, and back.
	run damonctl convert --format v2 "$WORK/d.v3" -o "$WORK/d.v2"
	assert_success
	run reccheck --format 2 "$WORK/d.v2"
	assert_success
	assert_output --partial "$want "
	run ioctl_record -f 2 -o "$WORK/e.v2" -t "$ZZ_PID" -d 2
	assert_success
	run reccheck --format 2 "$WORK/e.v2"
	assert_success
	want=$(echo "$output" | grep -o 'snapshots=[0-9]* regions=[0-9]*')
	run damonctl convert --format v3 "$WORK/e.v2" -o "$WORK/e.v3"
	assert_success
	run reccheck --format 3 --producer 2 --end "$WORK/e.v3"
	echo "$output"
	assert_success
	assert_output --partial "$want "
}
