#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# damonctl record under SIGINT and SIGTERM sent at random moments, in the
# test VM: 50 trials over the ways of recording (a command in v3 and v2,
# running processes, physical memory, a stream to a pipe, --split).  Every
# trial must leave no kdamond (nr_kdamonds 0), no recording (the device
# idle), no workload of its own, and a record that decodes.
#
# A signal that lands before damonctl has blocked signals (it sets up only
# the device's settings by then) kills it before it created anything: that
# trial must then have left no file either, and is counted apart.
#
# The moments are drawn from a window measured first: one and a half
# times the time a damonctl record takes, on this VM and now, from its
# start to a recording device, so that about two thirds of the signals
# land while it sets up and one third while it records, however slow the
# machine.
#
# Environment (make vm-stress sets DAMONREC_STRESS=long):
#   DAMONREC_STRESS=long          200 trials instead of 50
#   DAMONREC_SIGNALS_SEED=N       replaces the fixed seed of the moments

load /opt/damonrec/tests/lib/guest

ADMIN=/sys/kernel/mm/damon/admin
SEED=${DAMONREC_SIGNALS_SEED:-4242}
TRIALS=50
[ "${DAMONREC_STRESS:-}" != long ] || TRIALS=200

setup() {
	dmesg_mark
	load_damon_rec
	W=$(mktemp -d)
	cd "$W"
	ZZ=
}

teardown() {
	[ -z "$ZZ" ] || { kill "$ZZ" 2>/dev/null; wait "$ZZ" 2>/dev/null; }
	damonctl stop >/dev/null 2>&1 || true
	if [ "$(cat "$ADMIN/kdamonds/nr_kdamonds")" != 0 ]; then
		damon_write "$ADMIN/kdamonds/0/state" off 2>/dev/null || true
		echo 0 >"$ADMIN/kdamonds/nr_kdamonds" || true
	fi
	unload_damon_rec
	cd /
	rm -rf "$W"
}

# STRAY: the zigzag processes other than the long-running -p target.
# pidof, not a loop over /proc: the VM's bash takes a second over /proc,
# where an exec takes some 20 ms.
find_stray() {
	local p
	STRAY=
	for p in $(pidof zigzag); do
		[ "$p" = "$ZZ" ] || STRAY+=" $p"
	done
}

# device_state: the device's state (idle, recording, failed), from
# ioctl_record -Q.
device_state() {
	local k v
	ioctl_record -Q "$W/q" >/dev/null || return 1
	while IFS== read -r k v; do
		[ "$k" = state ] && echo "$v" && return 0
	done <"$W/q"
	return 1
}

# watchdog PID SECONDS: in the background (its pid in dog), SIGKILL PID
# after SECONDS, leaving in $W/hung where its threads were.
watchdog() {
	rm -f "$W/hung"
	(
		trap 'kill $s 2>/dev/null; exit 0' TERM
		sleep "$2" &
		s=$!
		wait $s
		kill -0 "$1" 2>/dev/null || exit 0
		{
			ps -o pid,stat,args
			for t in /proc/"$1"/task/*; do
				echo "${t##*/}: $(cat "$t/wchan" 2>/dev/null)"
				sed 's/^/  /' "$t/stack" 2>/dev/null
			done
		} >"$W/hung.tmp" 2>&1
		mv "$W/hung.tmp" "$W/hung"
		kill -9 "$1"
	) 3>&- &
	dog=$!
}

# decode_bg WHAT FILE...: in the background, decode each FILE of a trial
# with damonctl show --summary, append "OK SNAPSHOTS" (for the trial) or
# the failure to $W/decoded, and remove the files.
decode_bg() {
	(
		what=$1 n=0
		shift
		for f in "$@"; do
			if ! out=$(damonctl show --summary "$f" 2>&1); then
				echo "$what: $f does not decode: $out"
				exit 1
			fi
			if ! [[ $out =~ $'\n''snapshots: '\ *([0-9]+) ]]; then
				echo "$what: no snapshot count in: $out"
				exit 1
			fi
			n=$((n + BASH_REMATCH[1]))
		done
		echo "OK $n"
		rm -f "$@"
	) >>"$W/decoded" 3>&- &
}

# start_ms: milliseconds from starting a damonctl record of a command to
# the device recording (the record is then interrupted and removed).
start_ms() {
	local t0 t1 pid i
	t0=${EPOCHREALTIME/./}
	damonctl record "${common[@]}" -o "$W/cal.data" -- \
		zigzag -s 8 -n 4 -t 300 -r 100 >/dev/null 2>&1 3>&- &
	pid=$!
	for i in $(seq 1200); do
		[ "$(device_state)" = recording ] && break
		sleep 0.05
	done
	t1=${EPOCHREALTIME/./}
	kill -INT "$pid" || true
	wait "$pid" || true
	rm -f "$W/cal.data"
	echo $(((t1 - t0) / 1000))
}

@test "damonctl record: SIGINT and SIGTERM at random moments, $TRIALS trials" {
	local i t mode sig delay pid rc file files kd early=0 decoded=0 snaps=0
	local window hang dog dec=
	local common=(--sample 5ms --aggr 20ms --update 200ms -q)
	zigzag -s 16 -n 4 -t 300 -r 10000 -p 5000 >/dev/null 2>&1 3>&- &
	ZZ=$!
	RANDOM=$SEED
	# The window of the moments (ms): a third of the signals land
	# while the device records.  A stop that takes longer than 20
	# times the start (30 s at least) counts as hung.  The start is
	# the quickest of three: the first ones may be cold.
	window=
	for i in 1 2 3; do
		t=$(start_ms)
		[ -n "$window" ] && [ "$window" -le "$t" ] || window=$t
	done
	window=$((3 * window / 2))
	[ "$window" -ge 200 ] || window=200
	hang=$((window / 75))
	[ "$hang" -ge 30 ] || hang=30
	echo "# seed $SEED, signals within $window ms of the start" >&3
	for i in $(seq $TRIALS); do
		mode=$((RANDOM % 6))
		# SIGINT and SIGTERM in turn, at a random moment of the window.
		sig=INT
		[ $((i % 2)) = 0 ] || sig=TERM
		delay=$(((RANDOM * 32768 + RANDOM) % window))
		printf -v pause '%d.%03d' $((delay / 1000)) $((delay % 1000))
		file=$W/t$i.data
		case $mode in
		0) damonctl record "${common[@]}" -o "$file" -- \
			zigzag -s 8 -n 4 -t 300 -r 100 3>&- & ;;
		1) damonctl record "${common[@]}" --format v2 -o "$file" -- \
			zigzag -s 8 -n 4 -t 300 -r 100 3>&- & ;;
		2) damonctl record "${common[@]}" -p "$ZZ" -o "$file" 3>&- & ;;
		3) damonctl record "${common[@]}" --paddr --min-regions 10 \
			--max-regions 50 -o "$file" 3>&- & ;;
		4) damonctl record "${common[@]}" -o - -p "$ZZ" >"$file" 3>&- & ;;
		5) damonctl record "${common[@]}" --split 300ms -o "$file" -- \
			zigzag -s 8 -n 4 -t 300 -r 100 3>&- & ;;
		esac
		pid=$!
		sleep "$pause"
		kill -"$sig" "$pid"
		t1=${EPOCHREALTIME/./}
		what="trial $i (mode $mode, SIG$sig after $delay ms)"
		# A stop that hangs fails the trial, showing where it hangs.
		watchdog "$pid" "$hang"
		rc=0
		wait "$pid" || rc=$?
		t2=${EPOCHREALTIME/./}
		kill "$dog" 2>/dev/null || true
		wait "$dog" 2>/dev/null || true
		if [ -e "$W/hung" ]; then
			sed 's/^/# /' "$W/hung" >&3
			fail "$what: damonctl did not stop within $hang s"
		fi

		# Nothing left behind, whatever happened.
		read -r kd <"$ADMIN/kdamonds/nr_kdamonds"
		[ "$kd" = 0 ] || fail "$what: $kd kdamonds left"
		out=$(device_state) || fail "$what: no device status"
		[ "$out" = idle ] || fail "$what: the device is $out, not idle"
		find_stray
		[ -z "$STRAY" ] || fail "$what: workloads left:$STRAY"
		ts=${EPOCHREALTIME/./}

		if [ $mode = 5 ]; then
			files=("$file".*)
			[ -e "${files[0]}" ] || files=()
		else
			files=()
			[ -e "$file" ] && files=("$file")
		fi
		if { [ $sig = INT ] && [ $rc = 130 ]; } ||
		   { [ $sig = TERM ] && [ $rc = 143 ]; }; then
			# Killed before it blocked the signal: it made nothing.
			[ ${#files[@]} = 0 ] || [ ! -s "${files[0]}" ] ||
				fail "$what: killed early, yet ${files[*]} exists"
			early=$((early + 1))
			echo "# $what: killed before it began (exit $rc)" >&3
			continue
		fi
		[ $rc = 0 ] || fail "$what: damonctl exited $rc"
		[ ${#files[@]} -gt 0 ] || fail "$what: no record file"
		# Decoded while the next trial runs, one trial at a time.
		[ -z "$dec" ] || wait "$dec" || true
		decode_bg "$what" "${files[@]}"
		dec=$!
		echo "# $what: exit $rc; stopped in $(((t2 - t1) / 1000)) ms," \
			"checked in $(((ts - t2) / 1000)) ms" >&3
	done
	[ -z "$dec" ] || wait "$dec" || true
	touch "$W/decoded"
	while read -r what_ok n; do
		case $what_ok in
		OK) decoded=$((decoded + 1)) snaps=$((snaps + n)) ;;
		esac
	done <"$W/decoded"
	if grep -v '^OK ' "$W/decoded" >&2; then
		fail "some records do not decode"
	fi
	echo "# $decoded trials stopped cleanly ($snaps snapshots decoded)," \
		"$early killed before they began" >&3
	[ "$decoded" -ge $((TRIALS * 3 / 4)) ] ||
		fail "only $decoded of $TRIALS trials got going"
	check_dmesg_clean
}
