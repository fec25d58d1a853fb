#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# damonctl's command table, global options, help and errors.

load helpers

@test "--version prints the version" {
	run damonctl --version
	assert_success
	assert_output --regexp '^damonctl [0-9]+\.[0-9]+\.[0-9]+ \(libdamonrec [0-9.]+\)$'
}

@test "--json --version is JSON" {
	run damonctl --json --version
	assert_success
	echo "$output" | jq -e '.version and .library'
}

@test "--help lists every command and the exit codes" {
	run damonctl --help
	assert_success
	for c in record show status stop convert device help; do
		assert_output --partial "  $c "
	done
	assert_output --partial "Exit status"
}

@test "help COMMAND prints that command's help" {
	run damonctl help show
	assert_success
	assert_output --partial "Usage: damonctl show"
	assert_output --partial "--heatmap"
}

@test "COMMAND --help and --usage" {
	for c in record show status stop convert device; do
		run damonctl "$c" --help
		assert_success
		assert_output --partial "Usage: damonctl $c"
		run damonctl "$c" --usage
		assert_success
		assert_output --partial "Usage: damonctl $c"
	done
}

@test "a unique prefix selects a command" {
	run damonctl conv --help
	assert_success
	assert_output --partial "Usage: damonctl convert"
}

@test "an ambiguous prefix is one usage error naming the candidates" {
	run damonctl st
	assert_failure 2
	assert_one_line
	assert_output --partial "ambiguous"
	assert_output --partial "status"
	assert_output --partial "stop"
}

@test "an unknown command is one line, exit 2" {
	run damonctl frobnicate
	assert_failure 2
	assert_one_line
	assert_output "damonctl: unknown command 'frobnicate' (see 'damonctl --help')"
}

@test "no command is a usage error" {
	run damonctl
	assert_failure 2
	assert_one_line
	assert_output --partial "no command given"
}

@test "an unknown global option is one line, exit 2" {
	run damonctl --bogus show
	assert_failure 2
	assert_one_line
	assert_output "damonctl: unrecognized option '--bogus' (see 'damonctl --help')"
}

@test "an unknown command option is one line naming the command" {
	run damonctl show --bogus
	assert_failure 2
	assert_one_line
	assert_output "damonctl show: unrecognized option '--bogus' (see 'damonctl show --help')"
}

@test "status and stop take no argument: one line naming the command" {
	local cmd
	for cmd in status stop; do
		run damonctl "$cmd" extra
		assert_failure 2
		assert_one_line
		assert_output "damonctl $cmd: unexpected argument 'extra': $cmd takes none (see 'damonctl $cmd --help')"
	done
}

@test "a missing option argument is one line" {
	run damonctl record --buf
	assert_failure 2
	assert_one_line
	assert_output --partial "requires an argument"
}

@test "errors stay JSON in JSON mode" {
	run damonctl --json frobnicate
	assert_failure 2
	echo "$output" | jq -e '.error | test("unknown command")'
	run damonctl show --json missing.data
	assert_failure 1
	echo "$output" | jq -e '.error | test("missing.data")'
}

@test "global options are accepted after the command too" {
	gen -f v2 -n 3 -r 4 r.data
	run damonctl show --summary r.data --json
	assert_success
	echo "$output" | jq -e '.snapshots == 3'
	run damonctl --pretty show --summary r.data
	assert_success
	assert_line --regexp '^    "snapshots": 3,$'
}

@test "--device and --sysfs need a value" {
	run damonctl --device= status
	assert_failure 2
	assert_one_line
	run damonctl --sysfs= status
	assert_failure 2
	assert_one_line
}
