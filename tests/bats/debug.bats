#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# damonctl debug on the host: list and set on copies of a control file
# (the callsites of a 6.12 kernel), and the argument checks; the VM tests
# (tests/vm/dyndbg-*.bats) cover /dev/damon_dyndbg itself.

load helpers

CORPUS=$TOP/tests/unit/data/ddz-control-6.12.txt

@test "debug list: without a spec, the whole file" {
	run damonctl debug --control "$CORPUS" list
	assert_success
	assert_equal "$output" "$(cat "$CORPUS")"
}

@test "debug list: a match spec selects as the query language does" {
	run damonctl debug -C "$CORPUS" list 'module main'
	assert_success
	assert_equal "${#lines[@]}" "$(grep -c ' \[main\]' "$CORPUS")"
	run damonctl debug -C "$CORPUS" list 'file init/main.c:1395-1396'
	assert_output 'init/main.c:1395 [main]run_init_process =p "  with arguments:\n"'
	run damonctl debug -C "$CORPUS" list 'format ^Moving'
	assert_equal "${#lines[@]}" 3
	run damonctl debug -C "$CORPUS" list 'func run_init_process; func initcall_blacklist'
	assert_equal "${#lines[@]}" 5
	run damonctl debug -C "$CORPUS" list func run_init_process line 1398
	assert_output 'init/main.c:1398 [main]run_init_process =p "  with environment:\n"'
}

@test "debug list: --json gives an array of callsites" {
	run damonctl --json debug -C "$CORPUS" list 'file init/main.c:1395'
	assert_success
	assert_output '[{"file":"init/main.c","line":1395,"module":"main","function":"run_init_process","flags":"p","format":"  with arguments:\n"}]'
}

@test "debug list: a bad match spec is one usage line" {
	run damonctl debug -C "$CORPUS" list 'line 5-3'
	assert_failure 2
	assert_one_line
	assert_output --partial "'line 5-3' is not a match specification"
}

@test "debug list: a file that is not a control file" {
	printf '# header\nnot a line\n' >bad.txt
	run damonctl debug -C bad.txt list
	assert_failure 1
	assert_one_line
	assert_output --partial 'bad.txt: not a control-file line: not a line'
}

@test "debug set: the words are written at once, joined with spaces" {
	: >ctl
	run damonctl debug -C ctl set func foo +p
	assert_success
	assert_output ''
	assert_equal "$(cat ctl)" 'func foo +p'
	: >ctl
	run damonctl --json debug -C ctl set $'func a +p\nfunc b -p'
	assert_output '{"written":19}'
}

@test "debug set: usage errors" {
	run damonctl debug set
	assert_failure 2
	assert_one_line
	assert_output --partial 'set needs a query'
	run damonctl debug frob
	assert_failure 2
	assert_output --partial "'frob' is not a debug subcommand"
	run damonctl debug
	assert_failure 2
	assert_output --partial 'debug needs a subcommand'
	run damonctl debug unload 0x
	assert_failure 2
	assert_output --partial "'0x' is not a table id"
	run damonctl debug load --name 0123456789012345678901234567890123 x
	assert_failure 2
	assert_output --partial 'is too long'
}

@test "debug stats, load, drop-cache: without the device" {
	run damonctl debug -C /nonexistent/damon_dyndbg stats
	assert_failure 4
	assert_one_line
	run damonctl debug -C "$CORPUS" stats
	assert_failure 4
	assert_output --partial 'not a damon_dyndbg device'
	run damonctl debug -C /nonexistent/x load "$CORPUS"
	assert_failure 4
}

@test "debug: --help lists the subcommands" {
	run damonctl debug --help
	assert_success
	assert_output --partial 'drop-cache'
	assert_output --partial 'damonctl-debug(8)'
}
