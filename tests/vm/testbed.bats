#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Guest tests of the test bed itself: the kernel, the module's device node,
# damonctl's basic options, and the way back for files.

load /opt/damonrec/tests/lib/guest

teardown() {
	unload_damon_rec
}

@test "the VM runs the kernel it was asked for, with zsmalloc" {
	run uname -r
	assert_success
	assert_output "$VM_KREL"
	case $VM_KERNEL in
	trixie-rt) assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+.*-rt-amd64$'
		grep -q '^CONFIG_PREEMPT_RT=y' /opt/damonrec/kernel.config ;;
	debug) assert_output --regexp '^6\.12\.[0-9]+-damonrec-debug$'
		for c in PREEMPT_RT PROVE_LOCKING PROVE_RAW_LOCK_NESTING \
			DEBUG_ATOMIC_SLEEP KASAN DEBUG_KMEMLEAK DEBUG_OBJECTS; do
			grep -q "^CONFIG_$c=y" /opt/damonrec/kernel.config ||
				fail "the debug kernel lacks CONFIG_$c"
		done ;;
	*) assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+.*-cloud-amd64$' ;;
	esac
	# A module where the kernel has one, else built in.
	if [ -e /opt/damonrec/modules/zsmalloc.ko ]; then
		module_loaded zsmalloc
	else
		grep -q '^CONFIG_ZSMALLOC=y' /opt/damonrec/kernel.config
	fi
	[ -d /sys/kernel/mm/damon/admin ]
}

@test "files written under VM_OUT come back to the host" {
	mkdir -p "$VM_OUT/testbed"
	uname -r >"$VM_OUT/testbed/uname.txt"
	[ -s "$VM_OUT/testbed/uname.txt" ]
}

@test "damon_rec.ko loads and unloads cleanly, twice" {
	dmesg_mark
	for i in 1 2; do
		load_damon_rec
		module_loaded damon_rec
		[ -d /sys/module/damon_rec ]
		unload_damon_rec
		! module_loaded damon_rec
		! module_loaded damon_dyndbg
		[ ! -e /sys/module/damon_rec ]
	done
	check_dmesg_clean
}

@test "/dev/damon_rec is a misc device owned by root with mode 0600" {
	load_damon_rec
	[ -c /dev/damon_rec ]
	run stat -c '%a %u:%g %t' /dev/damon_rec
	assert_output '600 0:0 a'
	# The class device names the same misc (major 10) number.
	run cat /sys/class/misc/damon_rec/dev
	assert_output "10:$((16#$(stat -c '%T' /dev/damon_rec)))"
	unload_damon_rec
	[ ! -e /dev/damon_rec ]
}

@test "root can open /dev/damon_rec, an unprivileged user is refused" {
	load_damon_rec
	run sh -c 'exec 3</dev/damon_rec'
	assert_success
	run run_unprivileged sh -c 'id -u; exec 3</dev/damon_rec'
	assert_failure
	assert_line --index 0 1000
	assert_output --partial 'Permission denied'
}

@test "damonctl --version prints its name and version" {
	run damonctl --version
	assert_success
	assert_line --index 0 --regexp '^damonctl [0-9]+\.[0-9]+'
}

@test "damonctl --help prints the usage" {
	run damonctl --help
	assert_success
	assert_output --partial 'Usage: damonctl'
}

@test "damonctl with a wrong option prints one clear line and fails" {
	run damonctl --no-such-option
	assert_failure
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial -- '--no-such-option'
}
