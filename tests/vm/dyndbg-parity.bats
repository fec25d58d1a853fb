#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Parity of /dev/damon_dyndbg with the running kernel's own
# /proc/dynamic_debug/control: the kernel's callsites are loaded into the
# store, then every query below is written to both; each must give the same
# write result (return value or errno) and leave both listings the same.
# Match specifications are checked by clearing every flag, applying
# "SPEC =fl" and comparing which callsites got it.  Matching does not depend
# on the flags, and without "p" no callsite's static key flips: enabling
# thousands of prints ("func *") would patch kernel text thousands of times,
# which is slow under TCG and floods the log.  The kernel's flags are
# restored at the end.

load /opt/damonrec/tests/lib/guest

KCTL=/proc/dynamic_debug/control
DDZ=/dev/damon_dyndbg

setup_file() {
	load_dyndbg
	ORIG=$BATS_FILE_TMPDIR/kernel-orig.txt
	cat "$KCTL" >"$ORIG"
	damonctl debug load --name kernel "$ORIG" >"$BATS_FILE_TMPDIR/load.txt"
	export ORIG
}

# Write back the flags the kernel's callsites had, one query per line.
restore_kernel() {
	local q=$BATS_FILE_TMPDIR/restore.txt
	echo '=_' >"$KCTL"
	awk 'NR > 1 && $3 != "=_" {
		n = split($1, a, ":"); file = substr($1, 1, length($1) - length(a[n]) - 1)
		fn = $2; sub(/^\[[^]]*\]/, "", fn)
		print "file " file " line " a[n] " func " fn " " $3
	}' "$ORIG" >"$q"
	while read -r line; do
		echo "$line" >"$KCTL"
	done <"$q"
}

teardown_file() {
	restore_kernel
	cmp "$ORIG" "$KCTL" || echo "# the kernel's flags differ from before" >&3
	damonctl debug unload all >/dev/null
	unload_dyndbg
}

# The kernel's listing and the store's, without the store's own callsites.
same_listing() {
	cat "$KCTL" >"$BATS_TEST_TMPDIR/kernel.txt"
	grep -v ' \[damon_dyndbg\]' "$DDZ" >"$BATS_TEST_TMPDIR/store.txt"
	if ! cmp -s "$BATS_TEST_TMPDIR/kernel.txt" "$BATS_TEST_TMPDIR/store.txt"; then
		echo "listings differ after: $1"
		diff "$BATS_TEST_TMPDIR/kernel.txt" "$BATS_TEST_TMPDIR/store.txt" |
			head -n 20
		return 1
	fi
}

# Write $1 to both; same exit status and message (errno, or the count of
# bytes written with --json).  Sets $wrote to the exit status.
both_set() {
	local ks ko
	run damonctl --json debug --control "$KCTL" set "$1"
	ks=$status
	ko=$output
	run damonctl --json debug set "$1"
	if [ "$status" != "$ks" ] || [ "$output" != "$ko" ]; then
		echo "query: $(printf '%q' "$1")"
		echo "kernel: status $ks: $ko"
		echo "store:  status $status: $output"
		return 1
	fi
	wrote=$ks
}

# check WANT SPEC...: "=_" then "SPEC =fl" on both; WANT is ok or fail.
check_specs() {
	local want=$1 spec
	shift
	for spec in "$@"; do
		both_set '=_' || return 1
		both_set "$spec =fl" || return 1
		if [ "$want" = ok ] && [ "$wrote" != 0 ]; then
			echo "rejected, should be accepted: $spec"
			return 1
		fi
		if [ "$want" = fail ] && [ "$wrote" = 0 ]; then
			echo "accepted, should be rejected: $spec"
			return 1
		fi
		same_listing "$spec" || return 1
	done
}

# check_queries WANT QUERY...: as check_specs, but whole queries, applied
# on top of a state where some callsites are already set.
check_queries() {
	local want=$1 q
	shift
	both_set '=_' || return 1
	both_set 'module main =p' || return 1
	for q in "$@"; do
		both_set "$q" || return 1
		if [ "$want" = ok ] && [ "$wrote" != 0 ]; then
			echo "rejected, should be accepted: $(printf '%q' "$q")"
			return 1
		fi
		if [ "$want" = fail ] && [ "$wrote" = 0 ]; then
			echo "accepted, should be rejected: $(printf '%q' "$q")"
			return 1
		fi
		same_listing "$(printf '%q' "$q")" || return 1
	done
}

@test "dyndbg parity: the loaded table lists exactly as the kernel" {
	assert_regex "$(cat "$BATS_FILE_TMPDIR/load.txt")" \
		'^loaded table [0-9]+: [0-9]+ callsites$'
	n=$(($(wc -l <"$ORIG") - 1))
	assert_equal "$(cat "$BATS_FILE_TMPDIR/load.txt" | awk '{print $4}')" "$n"
	[ "$n" -gt 500 ]
	same_listing "load"
	assert_equal "$(head -n 1 "$DDZ")" \
		'# filename:lineno [module]function flags format'
}

@test "dyndbg parity: func, with wildcards" {
	check_specs ok 'func run_init_process' 'func run_init*' \
		'func *_msi_*' 'func ?un_init_process' 'func *' \
		'func nosuch_function' "func 'run_init_process'" \
		'func "run_init_process"'
}

@test "dyndbg parity: module, with wildcards" {
	check_specs ok 'module main' 'module irq*' 'module m?in' \
		'module *' 'module nosuch' 'module main func run_init*'
}

@test "dyndbg parity: file by path, basename, wildcard, :func and :lines" {
	check_specs ok 'file init/main.c' 'file main.c' 'file module/main.c' \
		'file *module/main.c' 'file init/main.c:run_init*' \
		'file init/main.c:1395-1397' 'file main.c:1161' \
		'file main.c:' 'file init/main.c:*init*' \
		'file init/main.c:?un*' 'file main.c:-1200' \
		'file main.c:1395-' 'file *.c:run_init_process' \
		'file main.c func initcall_blacklist' \
		'file main.c line 1161 func initcall_blacklist'
	check_specs fail 'file x.c:_foo' 'file main.c:12x' \
		'file main.c:20-10' 'file a.c:foo func b' \
		'file main.c:1-5 line 7'
}

@test "dyndbg parity: line N, N-, -M, N-M and their errors" {
	check_specs ok 'line 1-200' 'line 300-' 'line -100' 'line 1395' \
		'line 0' 'line -' 'line 0-5' 'line +1395' \
		'line 4294967295' 'line 0 line 1395' 'line 1395-1395'
	check_specs fail 'line 5-3' 'line 0x10' 'line 4294967296' \
		'line 1 line 2' 'line abc' 'line 1-2-3' 'line --5' 'line 5-+'
}

@test "dyndbg parity: formats, quoted, escaped and anchored" {
	check_specs ok 'format "with environment"' "format 'with arguments'" \
		'format ^Moving' "format '^%s: fw'" \
		'format with\040environment' 'format \t%s' 'format ^\t0x' \
		"format 'key search: \"%s\"'" 'format failed' "format ''" \
		'func run_init_process format \040' 'format ^' \
		'format \101ppArmor' 'format \\' 'format \q' 'format %s\n' \
		'format "\n"' 'format \e' 'format \0' \
		'format nosuch-text-anywhere'
	check_specs fail 'format "abc' "format 'abc" 'format "a" "b"'
}

@test "dyndbg parity: repeated keywords, word counts, unknown keywords" {
	check_specs ok \
		'module main func run_init_process line 1395-1400 file init/main.c' \
		'class foo' 'class foo module main'
	check_specs fail 'func a func b' 'module a module b' \
		'format a format b' 'file a file b' 'class a class b' \
		'module' 'func' 'frob x' 'Func run_init_process' \
		'module main func a line 1 file b format c'
	check_queries fail \
		'module main func a line 1 file b format c class d +p' \
		'a b c d e f g h i j +p'
}

@test "dyndbg parity: flags, operators and unknown flags" {
	check_queries ok 'func run_init_process +pmfslt' \
		'func run_init_process -mf' 'func run_init_process =_p' \
		'func run_init_process =' 'func run_init_process +' \
		'func run_init_process -' 'func run_init_process =_' \
		'func run_init_process -p #c' 'module main -p' '=pt' '=_'
	check_queries fail 'func run_init_process +x' \
		'func run_init_process p' 'func run_init_process -p#c' \
		'func run_init_process *p' 'func run_init_process +P' \
		'func run_init_process ++p' 'func run_init_process'
}

@test "dyndbg parity: the stack flag 'd' is taken where the kernel takes it" {
	# 7.x knows 'd' (a stack dump after each print), 6.12 does not: the
	# store follows the kernel it runs on (compat.h).  run_init_process
	# prints only at boot, so no stack is dumped.
	if echo 'func run_init_process =d' >"$KCTL" 2>/dev/null; then
		check_queries ok 'func run_init_process =d' \
			'func run_init_process +mfsltd' 'func run_init_process -d' \
			'func run_init_process =_'
	else
		check_queries fail 'func run_init_process +d' \
			'func run_init_process =pd'
	fi
}

@test "dyndbg parity: multi-query writes, newlines, comments, blanks" {
	check_queries ok \
		'func run_init_process +p; func initcall_blacklist +f' \
		$'func run_init_process +m\nfunc initcall_blacklist +l\n' \
		'# a comment only' $' ; ; \n \t\n' \
		'func run_init_process +t # trailing comment' \
		$'#x\nfunc run_init_process -t;;' \
		$'func\xa0run_init_process +s' \
		$'func run_init_process\t-s'
	check_queries fail \
		'func run_init_process +p;func bad +x;func initcall_blacklist +l' \
		$'func a +p\nline 9-1 +p\nfunc initcall_blacklist -l' \
		'func "unclosed +p' "format 'unclosed +p; func run_init_process -p" \
		$'func run_init_process +\xa0p'
}

@test "dyndbg parity: query length limit (4095 bytes, then E2BIG)" {
	pad() { printf '%*s' "$1" ''; }
	base='func run_init_process'
	q4095="$base$(pad $((4095 - ${#base} - 3))) +p"
	q4096="$base$(pad $((4096 - ${#base} - 3))) -p"
	q5000="$base$(pad $((5000 - ${#base} - 3))) -p"
	[ ${#q4095} = 4095 ] && [ ${#q4096} = 4096 ]
	check_queries ok "$q4095"
	check_queries fail "$q4096" "$q5000"
	run damonctl debug set "$q4096"
	assert_failure
	assert_output --partial 'Argument list too long'
}

@test "dyndbg parity: the kernel's flags are restored" {
	restore_kernel
	run cmp "$ORIG" "$KCTL"
	assert_success
	check_dmesg_clean
}
