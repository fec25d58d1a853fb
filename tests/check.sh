#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - damonrec's test runner ('make check').
#
# First installs missing dependencies (scripts/deps.sh) and builds
# everything (make -k all), each reported as one test line; then runs every
# executable tests/suites/NN-name.sh in name order.  Suites print TAP-style
# lines ("ok N - what", "not ok N - what"); other lines pass through.  A
# suite that exits non-zero without a "not ok" line counts one failure, and
# so does a suite that reports no test at all.
#
# Each step and suite ends with a "# NAME: N s" line giving its wall time,
# and the run with the total.  The last line is "N passed, N failed"; the
# exit status is 1 when anything failed.  Skipped tests ("ok ... # skip") are not counted as passed; their
# number is given on the line before.
#
#   check.sh [SUITE...]    run only these suites (names or paths)
#
# Environment: MAKE (default make), DEB_PACKAGES (extra packages for deps).

set -u
cd "$(dirname "$0")/.." || exit 1

MAKE=${MAKE:-make}
passed=0
failed=0
skipped=0

header() {
	printf '\n==== %s ====\n' "$1"
}

# count: pass stdin through, tallying TAP lines; sets nok/nnot/nskip.
count() {
	local line
	nok=0 nnot=0 nskip=0
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"not ok"|"not ok "*) nnot=$((nnot + 1)) ;;
		"ok "*"# skip"*|"ok "*"# SKIP"*) nskip=$((nskip + 1)) ;;
		"ok"|"ok "*) nok=$((nok + 1)) ;;
		esac
	done
}

# run_step NAME CMD...: run CMD, report it as one test.
run_step() {
	local name=$1 rc t0=$SECONDS
	shift
	header "$name"
	"$@"
	rc=$?
	echo "# $name: $((SECONDS - t0)) s"
	if [ $rc = 0 ]; then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name (exit status $rc)"
		failed=$((failed + 1))
	fi
	return $rc
}

if [ $# -gt 0 ]; then
	suites=()
	for s in "$@"; do
		[ -e "$s" ] || s=tests/suites/$s
		suites+=("$s")
	done
else
	run_step "dependencies (scripts/deps.sh)" \
		scripts/deps.sh ${DEB_PACKAGES:-}
	jobs=
	# Both cores, unless make was given -j already.
	[[ " ${MAKEFLAGS:-} " == *" -j"* ]] || jobs=-j$(nproc)
	run_step "build (make -k all)" \
		$MAKE --no-print-directory -k $jobs all
	suites=(tests/suites/[0-9][0-9]-*.sh)
fi

for suite in "${suites[@]}"; do
	if ! [ -f "$suite" ] || ! [ -x "$suite" ]; then
		# Only a suite named on the command line can be missing.
		echo "not ok - $suite is not an executable suite"
		failed=$((failed + 1))
		continue
	fi
	header "${suite##*/}"
	t0=$SECONDS
	status_file=$(mktemp)
	count < <("$suite" </dev/null; echo $? >"$status_file")
	rc=$(cat "$status_file")
	echo "# ${suite##*/}: $((SECONDS - t0)) s"
	rm -f "$status_file"
	passed=$((passed + nok))
	failed=$((failed + nnot))
	skipped=$((skipped + nskip))
	if [ "$rc" != 0 ] && [ $nnot = 0 ]; then
		echo "not ok - ${suite##*/} exited with status $rc"
		failed=$((failed + 1))
	elif [ $((nok + nnot + nskip)) = 0 ]; then
		echo "not ok - ${suite##*/} reported no test"
		failed=$((failed + 1))
	fi
done

echo
echo "# all: $SECONDS s"
[ $skipped = 0 ] || echo "$skipped skipped (not counted as passed)"
echo "$passed passed, $failed failed"
[ $failed = 0 ]
