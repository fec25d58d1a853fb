# SPDX-License-Identifier: GPL-2.0
# Shared setup of the host bats tests of damonctl.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
# The sanitizer build when it exists: every test then runs under ASan/UBSan.
if [ -z "${DAMONCTL:-}" ]; then
	if [ -x "$BUILD/san/damonctl" ]; then
		DAMONCTL=$BUILD/san/damonctl
	else
		DAMONCTL=$BUILD/damonctl
	fi
fi
TOOLS=$BUILD/tests/tools
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

damonctl() { "$DAMONCTL" "$@"; }
gen() { "$TOOLS/gen_record" "$@"; }

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# The one stderr line of a failing command (bats 1.8 mixes the streams).
assert_one_line() {
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 1
}
