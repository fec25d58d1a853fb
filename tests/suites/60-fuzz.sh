#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzzing, short pass: build every libFuzzer target (fuzz/fuzz.mk), replay
# every regression case in fuzz/regress/<target>/, then fuzz each target
# for FUZZ_SHORT_SECONDS (default 3) from its seed corpus, one target per
# core at a time.  "make fuzz" runs the long version.

set -u
cd "$(dirname "$0")/../.." || exit 1

MAKE=${MAKE:-make}
BUILD=${BUILD:-build}
secs=${FUZZ_SHORT_SECONDS:-3}
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}

# The end of a libFuzzer log, as TAP comments.
show_log() {
	grep -E 'ERROR|SUMMARY|check failed|Test unit written|^    #[0-9]' "$1" |
		head -n 30 | sed 's/^/# /'
}

if ! $MAKE --no-print-directory -s BUILD="$BUILD" fuzz-build \
		>"$tmp/build.log" 2>&1; then
	tap 1 "build the fuzz targets (make fuzz-build)"
	sed 's/^/# /' "$tmp/build.log" | tail -n 40
	exit 1
fi
tap 0 "build the fuzz targets (make fuzz-build)"

targets=$($MAKE --no-print-directory -s BUILD="$BUILD" fuzz-list)

# fuzz_one TARGET: replay its regression cases, then fuzz it; each result
# is a line "STATUS|WHAT|LOG" in $tmp/res/TARGET, printed in order below.
fuzz_one() {
	local t=$1 bin=$BUILD/fuzz/$1 res=$tmp/res/$1 cases=() f rc runs

	if [ -d "fuzz/regress/$t" ]; then
		for f in fuzz/regress/"$t"/*; do
			[ -f "$f" ] && cases+=("$f")
		done
	fi
	if [ ${#cases[@]} -gt 0 ]; then
		"$bin" -timeout=10 "${cases[@]}" >"$res.replay" 2>&1
		rc=$?
		echo "$rc|$t: ${#cases[@]} regression cases replay cleanly|$res.replay" >>"$res"
	fi
	mkdir -p "$tmp/work/$t" "$tmp/crash/$t"
	corpus=
	[ -d "fuzz/corpus/$t" ] && corpus=fuzz/corpus/$t
	"$bin" -max_total_time="$secs" -timeout=10 \
		-artifact_prefix="$tmp/crash/$t/" "$tmp/work/$t" $corpus \
		>"$res.fuzz" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$res.fuzz")
	[ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$res.fuzz" | tail -n 1 | tr -d '#')
	echo "$rc|$t: fuzzed for ${secs}s (${runs:-?} runs)|$res.fuzz" >>"$res"
}

# One target per core at a time: the pass takes the time of the slowest
# core's share, not the sum.
mkdir -p "$tmp/res"
par=$(nproc)
for t in $targets; do
	fuzz_one "$t" &
	while [ "$(jobs -rp | wc -l)" -ge "$par" ]; do
		wait -n
	done
done
wait

for t in $targets; do
	while IFS='|' read -r rc what log; do
		tap "$rc" "$what"
		[ "$rc" = 0 ] || show_log "$log"
	done <"$tmp/res/$t"
	for a in "$tmp/crash/$t"/*; do
		[ -f "$a" ] || continue
		mkdir -p "$BUILD/fuzz/findings/$t"
		cp "$a" "$BUILD/fuzz/findings/$t/"
		echo "# finding kept as $BUILD/fuzz/findings/$t/${a##*/}:" \
			"fix it, then add it to fuzz/regress/$t/"
	done
done
