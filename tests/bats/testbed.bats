#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The test infrastructure on the host: tests/check.sh's counting,
# tests/vm/run.sh's argument checks, scripts/deps.sh and scripts/kver.sh.
# (Nothing here boots the VM or installs anything.)

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# suite NAME BODY: an executable suite script in the test's directory.
suite() {
	printf '#!/bin/bash\n%s\n' "$2" >"$BATS_TEST_TMPDIR/$1"
	chmod +x "$BATS_TEST_TMPDIR/$1"
}

@test "check.sh sums the suites and ends with 'N passed, N failed'" {
	suite 10-a.sh 'echo "ok 1 - one"; echo "some other line"; echo "ok 2 - two"'
	suite 20-b.sh 'echo "1..1"; echo "ok 1 three"'
	run "$TOP/tests/check.sh" "$PWD/10-a.sh" "$PWD/20-b.sh"
	assert_success
	assert_line 'some other line'
	assert_line --index 0 '==== 10-a.sh ===='
	assert_line --regexp '^# 10-a\.sh: [0-9]+ s$'
	assert_line --regexp '^# 20-b\.sh: [0-9]+ s$'
	assert_line --regexp '^# all: [0-9]+ s$'
	assert_equal "${lines[-1]}" '3 passed, 0 failed'
}

@test "check.sh counts not ok lines and fails" {
	suite 10-a.sh 'echo "ok 1 - one"; echo "not ok 2 - two"; echo "not ok 3 - three"; exit 1'
	suite 20-b.sh 'echo "ok 1 - four"'
	run "$TOP/tests/check.sh" "$PWD/10-a.sh" "$PWD/20-b.sh"
	assert_failure
	assert_equal "${lines[-1]}" '2 passed, 2 failed'
}

@test "check.sh counts a suite that fails without a not ok line once" {
	suite 10-a.sh 'echo "ok 1 - one"; exit 3'
	run "$TOP/tests/check.sh" "$PWD/10-a.sh"
	assert_failure
	assert_line 'not ok - 10-a.sh exited with status 3'
	assert_equal "${lines[-1]}" '1 passed, 1 failed'
}

@test "check.sh fails a suite that reports no test" {
	suite 10-a.sh 'echo "nothing to do"'
	run "$TOP/tests/check.sh" "$PWD/10-a.sh"
	assert_failure
	assert_line 'not ok - 10-a.sh reported no test'
	assert_equal "${lines[-1]}" '0 passed, 1 failed'
}

@test "check.sh does not count skipped tests as passed" {
	suite 10-a.sh 'echo "ok 1 - one"; echo "ok 2 - two # skip no device"'
	run "$TOP/tests/check.sh" "$PWD/10-a.sh"
	assert_success
	assert_line '1 skipped (not counted as passed)'
	assert_equal "${lines[-1]}" '1 passed, 0 failed'
}

@test "check.sh gives suites no standard input" {
	suite 10-a.sh 'if read -r x; then echo "not ok 1 - read \"$x\""; else echo "ok 1 - no stdin"; fi'
	run "$TOP/tests/check.sh" "$PWD/10-a.sh" <<<"typed"
	assert_success
	assert_equal "${lines[-1]}" '1 passed, 0 failed'
}

@test "check.sh fails a named suite that does not exist" {
	run "$TOP/tests/check.sh" "$PWD/99-none.sh"
	assert_failure
	assert_equal "${lines[-1]}" '0 passed, 1 failed'
}

@test "run.sh refuses a missing test file, a bad mode, and a shell without a terminal" {
	run "$TOP/tests/vm/run.sh" "$PWD/none.bats"
	assert_failure 2
	assert_output "run.sh: no such test file: $PWD/none.bats"
	run "$TOP/tests/vm/run.sh" --mode bogus
	assert_failure 2
	assert_output --partial "unknown mode 'bogus'"
	run "$TOP/tests/vm/run.sh" --mode shell </dev/null
	assert_failure 2
	assert_output --partial 'needs a terminal'
}

@test "kver.sh names a bookworm-backports cloud kernel, or obeys VM_KREL" {
	run "$TOP/scripts/kver.sh"
	assert_success
	assert_output --regexp '^6\.[0-9]+\.[0-9]+.*-cloud-amd64$'
	VM_KREL=1.2.3-test run "$TOP/scripts/kver.sh"
	assert_output '1.2.3-test'
}

@test "kver.sh, kernel.sh and chroot.sh refuse a kernel not in the matrix" {
	for cmd in scripts/kver.sh tests/vm/kernel.sh; do
		run "$TOP/$cmd" no-such-kernel
		assert_failure
		assert_output --partial "unknown kernel 'no-such-kernel'"
		assert_output --partial 'bookworm-backports trixie trixie-rt sid'
	done
	KERNEL=no-such-kernel run "$TOP/scripts/kver.sh"
	assert_failure
	run "$TOP/scripts/chroot.sh" no-such-kernel --path
	assert_failure 2
	# The default kernel builds on this machine.
	run "$TOP/scripts/chroot.sh" bookworm-backports --path
	assert_failure 2
	assert_output --partial 'not in a chroot'
}

@test "deps.sh --check finds everything installed, and names what is not" {
	run "$TOP/scripts/deps.sh" --check
	assert_success
	assert_output ''
	run "$TOP/scripts/deps.sh" --check no-such-package-damonrec
	assert_failure 1
	assert_output 'deps: missing: no-such-package-damonrec'
	run "$TOP/scripts/deps.sh" --check foo/sid
	assert_failure 2
	assert_output --partial "unknown release in 'foo/sid'"
}
