#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# damon_rec's debug prints go through damon_dyndbg: its callsites are in
# the store, not in the kernel's dynamic debug, and a recording prints
# through them once they are enabled.

load /opt/damonrec/tests/lib/guest

setup() {
	dmesg_mark
	load_damon_rec
	WORK=$(mktemp -d)
	cd "$WORK"
}

teardown() {
	cd /
	unload_damon_rec
	rm -rf "$WORK"
}

@test "dyndbg rec: damon_rec's callsites are in the store, not the kernel's" {
	module_loaded damon_dyndbg
	run grep -c ' \[damon_rec\]' /proc/dynamic_debug/control
	assert_output 0
	run damonctl debug list 'module damon_rec'
	assert_success
	[ "${#lines[@]}" -ge 5 ]
	assert_line --regexp '^driver/damon_rec_main\.c:[0-9]+ \[damon_rec\][a-z_]+ =_ "damon_rec: recording started: format %u, buffer %u, output %u\\n"$'
	refute_line --regexp ' =[pmfslt]+ '
	run damonctl --json debug list 'module damon_rec func drec_*'
	assert_success
	assert_output --partial '"module":"damon_rec"'
	check_dmesg_clean
}

@test "dyndbg rec: a recording prints through the store once enabled" {
	damonctl debug set 'module damon_rec +pfl'
	run damonctl debug list 'module damon_rec'
	refute_line --regexp ' =_ '
	run damonctl record --buf 4096 -o damon.data -- \
		/opt/damonrec/bin/zigzag -s 16 -n 2 -t 300 -d 300
	assert_success
	run dmesg
	assert_line --regexp '\] [a-z_]+:[0-9]+: damon_rec: recording started: format 3, buffer 4096, output [0-9]+$'
	assert_line --regexp '\] [a-z_]+:[0-9]+: damon_rec: recording stopped$'
	assert_line --regexp '\] [a-z_]+:[0-9]+: damon_rec: following kdamond [0-9]+$'
	damonctl debug set 'module damon_rec =_'
	check_dmesg_clean
}

@test "dyndbg rec: damon_rec needs damon_dyndbg, and both unload cleanly" {
	run rmmod damon_dyndbg
	assert_failure
	module_loaded damon_dyndbg
	unload_damon_rec
	! module_loaded damon_rec
	! module_loaded damon_dyndbg
	run insmod "$DAMONREC_MODULES/damon_rec.ko"
	assert_failure
	load_damon_rec
	run dmesg
	refute_line --partial 'damon_dyndbg: leak'
	check_dmesg_clean
}
