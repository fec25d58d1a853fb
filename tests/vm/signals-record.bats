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
# SIGNALS_SEED (environment) replaces the fixed seed of the random moments.

load /opt/damonrec/tests/lib/guest

ADMIN=/sys/kernel/mm/damon/admin
SEED=${SIGNALS_SEED:-4242}
TRIALS=50

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
		echo off >"$ADMIN/kdamonds/0/state" 2>/dev/null || true
		echo 0 >"$ADMIN/kdamonds/nr_kdamonds" || true
	fi
	unload_damon_rec
	cd /
	rm -rf "$W"
}

# STRAY: the zigzag processes other than the long-running -p target.
# Few forks, here and below: each is slow in the VM (and bash reads /proc
# files a byte per system call).
find_stray() {
	local p
	STRAY=
	for p in $(pidof zigzag); do
		[ "$p" = "$ZZ" ] || STRAY+=" $p"
	done
}

@test "damonctl record: SIGINT and SIGTERM at random moments, $TRIALS trials" {
	local i mode sig delay pid rc file files kd early=0 decoded=0 snaps=0
	local common=(--sample 5ms --aggr 20ms --update 200ms -q)
	zigzag -s 16 -n 4 -t 300 -r 10000 -p 5000 >/dev/null 2>&1 3>&- &
	ZZ=$!
	RANDOM=$SEED
	echo "# seed $SEED" >&3
	for i in $(seq $TRIALS); do
		mode=$((RANDOM % 6))
		# SIGINT and SIGTERM in turn, at a random moment in 0..1 s.
		sig=INT
		[ $((i % 2)) = 0 ] || sig=TERM
		delay=$((RANDOM % 1000))
		printf -v pause '0.%03d' "$delay"
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
		for t in $(seq 300); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			ps -o pid,stat,args >&3
			for t in /proc/"$pid"/task/*; do
				echo "# ${t##*/}: $(cat "$t/wchan" 2>/dev/null)" >&3
				sed 's/^/#   /' "$t/stack" >&3 2>/dev/null
			done
			kill -9 "$pid"
			fail "$what: damonctl did not stop within 30 s"
		fi
		rc=0
		wait "$pid" || rc=$?
		t2=${EPOCHREALTIME/./}

		# Nothing left behind, whatever happened.
		read -r kd <"$ADMIN/kdamonds/nr_kdamonds"
		[ "$kd" = 0 ] || fail "$what: $kd kdamonds left"
		out=$(damonctl status) || fail "$what: damonctl status failed"
		[[ $out == *$'\n''state: idle'$'\n'* ]] ||
			fail "$what: the device is not idle: $out"
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
		for f in "${files[@]}"; do
			out=$(damonctl show --summary "$f") ||
				fail "$what: $f does not decode: $out"
			[[ $out =~ $'\n''snapshots: '\ *([0-9]+) ]] ||
				fail "$what: no snapshot count in: $out"
			snaps=$((snaps + BASH_REMATCH[1]))
		done
		decoded=$((decoded + 1))
		rm -f "$file" "$file".*
		t3=${EPOCHREALTIME/./}
		echo "# $what: exit $rc; stopped in $(((t2 - t1) / 1000)) ms," \
			"checked in $(((t3 - t2) / 1000)) ms ($(((ts - t2) / 1000)) ms" \
			"for the device, DAMON and workloads)" >&3
	done
	echo "# $decoded trials stopped cleanly ($snaps snapshots decoded)," \
		"$early killed before they began" >&3
	[ "$decoded" -ge $((TRIALS * 3 / 4)) ] ||
		fail "only $decoded of $TRIALS trials got going"
	check_dmesg_clean
}
