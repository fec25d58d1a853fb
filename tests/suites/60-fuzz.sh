#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzzing, short pass: build every libFuzzer target (fuzz/fuzz.mk), replay
# every regression case in fuzz/regress/<target>/, then fuzz each target
# for FUZZ_SHORT_SECONDS (default 3) from its seed corpus.  "make fuzz"
# runs the long version.

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
for t in $targets; do
	bin=$BUILD/fuzz/$t
	cases=()
	if [ -d "fuzz/regress/$t" ]; then
		for f in fuzz/regress/"$t"/*; do
			[ -f "$f" ] && cases+=("$f")
		done
	fi
	if [ ${#cases[@]} -gt 0 ]; then
		"$bin" -timeout=10 "${cases[@]}" >"$tmp/log" 2>&1
		rc=$?
		tap $rc "$t: ${#cases[@]} regression cases replay cleanly"
		[ $rc = 0 ] || show_log "$tmp/log"
	fi
	mkdir -p "$tmp/work/$t" "$tmp/crash/$t"
	corpus=
	[ -d "fuzz/corpus/$t" ] && corpus=fuzz/corpus/$t
	"$bin" -max_total_time="$secs" -timeout=10 \
		-artifact_prefix="$tmp/crash/$t/" "$tmp/work/$t" $corpus \
		>"$tmp/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log")
	[ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$tmp/log" | tail -n 1 | tr -d '#')
	tap $rc "$t: fuzzed for ${secs}s (${runs:-?} runs)"
	if [ $rc != 0 ]; then
		show_log "$tmp/log"
		for a in "$tmp/crash/$t"/*; do
			[ -f "$a" ] || continue
			mkdir -p "$BUILD/fuzz/findings/$t"
			cp "$a" "$BUILD/fuzz/findings/$t/"
			echo "# finding kept as $BUILD/fuzz/findings/$t/${a##*/}:" \
				"fix it, then add it to fuzz/regress/$t/"
		done
	fi
done
