#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Guest tests of damon_dyndbg's store: its own callsites and prints, the
# API (ddz_selftest.ko), the section-bounds check (ddz_badorder.ko), table
# load/unload cycles, concurrent queries and listings, the cache under
# memory pressure, ioctl errors and privileges, and a clean unload.

load /opt/damonrec/tests/lib/guest

KCTL=/proc/dynamic_debug/control
DDZ=/dev/damon_dyndbg

setup() {
	dmesg_mark
	load_dyndbg
	WORK=$(mktemp -d)
	cat "$KCTL" >"$WORK/kernel.txt"
}

teardown() {
	rmmod ddz_selftest 2>/dev/null || true
	chmod 0600 "$DDZ" 2>/dev/null || true
	unload_dyndbg
	rm -rf "$WORK"
}

# dstat NAME: one figure of "damonctl --json debug stats".
dstat() {
	damonctl --json debug stats | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"
}

@test "dyndbg store: the module lists its own callsites, all disabled" {
	run head -n 1 "$DDZ"
	assert_output '# filename:lineno [module]function flags format'
	run grep -c ' \[damon_dyndbg\]' "$DDZ"
	[ "$output" -ge 5 ]
	run grep -c '^driver/ddz_[a-z]*\.c:[0-9]* \[damon_dyndbg\]ddz_[a-z_]* =_ "damon_dyndbg: ' "$DDZ"
	[ "$output" -ge 5 ]
	assert_equal "$(dstat tables)" 1
	run stat -c '%F %a %U %G' "$DDZ"
	assert_output 'character special file 600 root root'
	check_dmesg_clean
}

@test "dyndbg store: its own prints carry the kernel's prefix for pmflt" {
	damonctl debug set 'module damon_dyndbg func ddz_ctl_write +pmflt'
	damonctl debug set 'func nosuch_function +p'
	run dmesg
	assert_line --regexp '\] \[[0-9]+\] damon_dyndbg:ddz_ctl_write:[0-9]+: damon_dyndbg: applied [0-9]+ bytes of queries: 0 callsites matched$'
	damonctl debug set 'module damon_dyndbg func ddz_ctl_write =pfs'
	damonctl debug set 'func nosuch_function -p'
	run dmesg
	assert_line --regexp '\] ddz_ctl_write:driver/ddz_ctl.c: damon_dyndbg: applied [0-9]+ bytes'
	damonctl debug set 'module damon_dyndbg =_'
	check_dmesg_clean
}

@test "dyndbg store: the API checks of ddz_selftest.ko pass" {
	insmod "$DAMONREC_MODULES/ddz_selftest.ko"
	run dmesg
	assert_line --partial 'ddz_selftest: selftest passed: 10 checks, 0 failed'
	refute_line --partial 'ddz_selftest: not ok'
	run grep -c ' \[ddz_selftest\]' "$DDZ"
	assert_output 4
	rmmod ddz_selftest
	run grep -c ' \[ddz_selftest\]' "$DDZ"
	assert_output 0
	check_dmesg_clean
}

@test "dyndbg store: prints from process, soft and hard interrupt context" {
	insmod "$DAMONREC_MODULES/ddz_selftest.ko"
	P=/sys/module/ddz_selftest/parameters
	damonctl debug set 'module ddz_selftest =pmfl'
	echo 3 >"$P/fire"
	echo 2 >"$P/fire_irq"
	run dmesg
	assert_line --regexp '\] ddz_selftest:ddz_selftest_hot:[0-9]+: ddz_selftest: hot print 2$'
	assert_line --regexp '\] ddz_selftest:ddz_st_hard:[0-9]+: ddz_selftest: from hard interrupt 1$'
	assert_line --regexp '\] ddz_selftest:ddz_st_soft:[0-9]+: ddz_selftest: from soft interrupt 1$'
	assert_equal "$(dstat degraded_prints)" 0

	# with the cache dropped, process context reads the pool (a miss) ...
	misses=$(dstat cache_misses)
	damonctl debug drop-cache
	echo 1 >"$P/fire"
	[ "$(dstat cache_misses)" -gt "$misses" ]
	run dmesg
	assert_line --regexp '\] ddz_selftest:ddz_selftest_hot:[0-9]+: ddz_selftest: hot print 0$'
	# ... and interrupt context may not: module name only, counted
	sleep 1
	damonctl debug drop-cache
	echo 1 >"$P/fire_irq"
	[ "$(dstat degraded_prints)" -ge 1 ]
	run dmesg
	assert_line --regexp '\] ddz_selftest: ddz_selftest: from (hard|soft) interrupt 0$'
	# the cache is refilled for the enabled callsites
	sleep 1
	assert_equal "$(dstat cache_entries)" 4
	echo 1 >"$P/fire_irq"
	run dmesg
	assert_line --regexp '\] ddz_selftest:ddz_st_hard:[0-9]+: ddz_selftest: from hard interrupt 0$'
	rmmod ddz_selftest
	check_dmesg_clean
}

@test "dyndbg store: callsites outside the section bounds fail the load" {
	run insmod "$DAMONREC_MODULES/ddz_badorder.ko"
	assert_failure
	assert_output --partial 'Invalid argument'
	! module_loaded ddz_badorder
	run dmesg
	assert_line --partial 'damon_dyndbg: ddz_badorder: 0 callsite descriptors and 0 sites between the section bounds, but 1 at build time'
	check_dmesg_clean
}

@test "dyndbg store: load and unload cycles leave nothing behind" {
	base_pool=$(dstat pool_bytes)
	base_res=$(dstat resident_bytes)
	for i in $(seq 8); do
		run damonctl debug load --name "k$i" "$WORK/kernel.txt"
		assert_success
		assert_output --regexp "^loaded table [0-9]+: [0-9]+ callsites$"
		[ "$(dstat tables)" = 2 ]
		[ "$(grep -vc ' \[damon_dyndbg\]' "$DDZ")" = "$(wc -l <"$WORK/kernel.txt")" ]
		run damonctl debug unload
		assert_output 'unloaded 1 table'
	done
	assert_equal "$(dstat pool_bytes)" "$base_pool"
	assert_equal "$(dstat resident_bytes)" "$base_res"
	assert_equal "$(dstat tables)" 1
	# two tables at once, unloaded by id
	id1=$(damonctl --json debug load "$WORK/kernel.txt" | sed 's/.*"id":\([0-9]*\).*/\1/')
	id2=$(damonctl --json debug load "$WORK/kernel.txt" | sed 's/.*"id":\([0-9]*\).*/\1/')
	assert_equal "$(dstat tables)" 3
	run damonctl debug unload "$id1"
	assert_output 'unloaded 1 table'
	run damonctl debug unload "$id1"
	assert_failure
	assert_output "damonctl debug: no loaded table has id $id1"
	run damonctl debug unload "$id2"
	assert_success
	check_dmesg_clean
}

@test "dyndbg store: concurrent queries, listings and loads" {
	damonctl debug load --name base "$WORK/kernel.txt"
	lines=$(wc -l <"$DDZ")
	(
		for i in $(seq 40); do
			damonctl debug set 'module main +p' || exit 1
			damonctl debug set 'module main -p' || exit 1
		done
	) &
	w1=$!
	(
		for i in $(seq 40); do
			damonctl debug set 'format failed +m; format failed -m' ||
				exit 1
		done
	) &
	w2=$!
	(
		# Every listing holds whole lines; as with the kernel's control
		# file, tables that come or go between two read()s may show in
		# part.
		extra=$(($(wc -l <"$WORK/kernel.txt") - 1))
		for i in $(seq 25); do
			cat "$DDZ" >"$WORK/list$i.txt"
			n=$(wc -l <"$WORK/list$i.txt")
			[ "$n" -ge "$lines" ] && [ "$n" -le $((lines + extra)) ] ||
				{ echo "listing had $n lines"; exit 1; }
			bad=$(tail -n +2 "$WORK/list$i.txt" |
			      grep -cv '^[^ ]*:[0-9]* \[[^]]*\][^ ]* =[pmfslt_]* ".*"$' ||
			      true)
			[ "$bad" = 0 ] || { echo "$bad torn lines"; exit 1; }
		done
	) &
	r1=$!
	(
		for i in $(seq 6); do
			out=$(damonctl --json debug load --name extra \
				"$WORK/kernel.txt")
			id=$(echo "$out" | sed -n 's/^{"id":\([0-9]*\),.*/\1/p')
			[ -n "$id" ] || { echo "load: $out"; exit 1; }
			out=$(damonctl --json debug unload "$id") ||
				{ echo "unload $id: $out"; exit 1; }
		done
	) &
	l1=$!
	rc=0
	for job in $w1 $w2 $r1 $l1; do
		wait $job || rc=1
	done
	[ $rc = 0 ]
	# the loaded table ends as the kernel's, but for module main's
	# callsites, which the last query cleared
	sed -E 's/^([^ ]+ \[main\][^ ]+) =p /\1 =_ /' "$WORK/kernel.txt" \
		>"$WORK/want.txt"
	grep -v ' \[damon_dyndbg\]' "$DDZ" >"$WORK/store.txt"
	run diff "$WORK/want.txt" "$WORK/store.txt"
	assert_success
	check_dmesg_clean
}

@test "dyndbg store: the shrinker drops cached callsites under memory pressure" {
	damonctl debug load "$WORK/kernel.txt"
	damonctl debug set 'line 1-600 +p'
	before=$(dstat cache_entries)
	[ "$before" -ge 100 ]
	scans=$(dstat shrinker_scans)
	echo 2 >/proc/sys/vm/drop_caches
	after=$(dstat cache_entries)
	echo "# cache entries: $before before drop_caches, $after after" >&3
	[ "$after" -lt "$before" ]
	[ "$(dstat shrinker_scans)" -gt "$scans" ]
	[ "$(dstat cache_evictions)" -ge $((before - after)) ]
	# listing the enabled callsites now misses, then refills the cache
	misses=$(dstat cache_misses)
	cat "$DDZ" >/dev/null
	[ "$(dstat cache_misses)" -gt "$misses" ]
	sleep 1
	[ "$(dstat cache_entries)" -ge "$before" ]
	hits=$(dstat cache_hits)
	cat "$DDZ" >/dev/null
	[ "$(dstat cache_hits)" -ge $((hits + before)) ]
	check_dmesg_clean
}

@test "dyndbg store: bad tables, bad ids and privileges" {
	printf '# header\nnot a callsite line\n' >"$WORK/bad.txt"
	run damonctl debug load "$WORK/bad.txt"
	assert_failure
	assert_output "damonctl debug: $WORK/bad.txt: line 2 is not a callsite line"
	printf '# only a header\n' >"$WORK/empty.txt"
	run damonctl debug load "$WORK/empty.txt"
	assert_failure
	run damonctl debug unload 1
	assert_failure
	assert_output 'damonctl debug: table 1 belongs to a module: unload the module instead'
	run damonctl debug unload 0x
	assert_failure 2
	chmod 0755 "$WORK"
	chmod 0644 "$WORK/kernel.txt"
	chmod 0666 "$DDZ"
	run run_unprivileged damonctl debug load "$WORK/kernel.txt"
	assert_failure 5
	assert_output --partial 'needs CAP_SYS_ADMIN'
	run run_unprivileged damonctl debug drop-cache
	assert_failure 5
	run run_unprivileged damonctl debug stats
	assert_success
	chmod 0600 "$DDZ"
	run run_unprivileged damonctl debug list
	assert_failure 5
	check_dmesg_clean
}

@test "dyndbg store: unloading frees everything, also with tables loaded" {
	for i in 1 2 3; do
		damonctl debug load "$WORK/kernel.txt" >/dev/null
		damonctl debug set 'module main +p'
		insmod "$DAMONREC_MODULES/ddz_selftest.ko"
		rmmod ddz_selftest
		unload_dyndbg
		load_dyndbg
	done
	unload_dyndbg
	run dmesg
	refute_line --partial 'damon_dyndbg: leak'
	check_dmesg_clean
}
