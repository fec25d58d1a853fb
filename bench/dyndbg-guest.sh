#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dyndbg-guest.sh - the guest half of the dyndbg benchmark (bench/dyndbg.sh
# is the host half; the test VM's init runs this in its demo mode).
#
# On the running kernel's own callsites (/proc/dynamic_debug/control),
# loaded into damon_dyndbg's store, it measures:
#   size     bytes per callsite in the store (pool pages, resident flags,
#            block handles, models, interned names: the change in the
#            store's statistics when the table is loaded) against the
#            kernel's representation of the same callsites, computed here
#            from the same text: a 56-byte struct _ddebug each, its format,
#            and each distinct module, file and function name once
#   queries  the time of one query over all callsites, written to the
#            kernel's control file and to the store's, alternately
#   listing  the time to read the whole listing, kernel and store
#   prints   the time of a disabled and of an enabled print with a prefix
#            (ddz_selftest.ko: ddz_pr_debug() against the kernel's
#            pr_debug())
#   cache    the decoded-callsite cache's hit rate over rounds of prints
#            with the shrinker run in between (drop_caches)
#
# Results: $VM_OUT/dyndbg/results.txt (KEY=VALUE) and results.json.
# DDZ_BENCH_ROUNDS (default 5) sets the rounds of each timing; every
# figure is the median of its rounds.

set -u
. /opt/damonrec/tests/lib/guest.bash

ROUNDS=${DDZ_BENCH_ROUNDS:-5}
KCTL=/proc/dynamic_debug/control
DDZ=/dev/damon_dyndbg
OUT=$VM_OUT/dyndbg
W=/tmp/dyndbg-bench
RES=$OUT/results.txt
mkdir -p "$OUT" "$W"
: >"$RES"

say() {
	echo "dyndbg-bench: $*"
}

fail() {
	say "FAIL: $*"
	exit 1
}

put() {
	echo "$1=$2" >>"$RES"
}

# stat NAME: one figure of the store's statistics.
dstat() {
	damonctl --json debug stats | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"
}

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# timed KIND ARGS...: dyndbg_time's median_ns
timed() {
	dyndbg_time "$@" | sed -n 's/^median_ns=\([0-9]*\).*/\1/p'
}

put vm_kernel "$(uname -r)"
put vm_cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
put vm_cpus "$(grep -c ^processor /proc/cpuinfo)"
put vm_mem_kb "$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
put rounds "$ROUNDS"

load_dyndbg || fail "cannot load damon_dyndbg.ko"
cat "$KCTL" >"$W/kernel.txt"

# ---- size ------------------------------------------------------------------
# The kernel's bytes for these callsites, from the text itself.
awk 'NR > 1 {
	n++
	f = $0; sub(/^[^"]*"/, "", f); sub(/"( class:.*)?$/, "", f)
	gsub(/\\[tnr]/, "x", f)
	fmt += length(f) + 1
	split($1, a, ":"); file = substr($1, 1, length($1) - length(a[length(a)]) - 1)
	mod = $2; sub(/^\[/, "", mod); sub(/\].*/, "", mod)
	fn = $2; sub(/^\[[^]]*\]/, "", fn)
	if (!(mod in m)) { m[mod] = 1; names += length(mod) + 1 }
	if (!(file in fi)) { fi[file] = 1; names += length(file) + 1 }
	if (!(fn in fu)) { fu[fn] = 1; names += length(fn) + 1 }
} END {
	printf "kernel_sites=%d\nkernel_desc_bytes=%d\nkernel_format_bytes=%d\nkernel_name_bytes=%d\nkernel_bytes=%d\n",
		n, 56 * n, fmt, names, 56 * n + fmt + names
}' "$W/kernel.txt" >>"$RES"
eval "$(grep '^kernel_' "$RES")"

for k in pool_bytes resident_bytes model_bytes interned_bytes raw_bytes \
	 sites pool_objects; do
	eval "before_$k=\$(dstat $k)"
done
t0=${EPOCHREALTIME/./}
damonctl debug load --name kernel "$W/kernel.txt" >/dev/null ||
	fail "cannot load the kernel's callsites"
t1=${EPOCHREALTIME/./}
for k in pool_bytes resident_bytes model_bytes interned_bytes raw_bytes \
	 sites pool_objects; do
	eval "d_$k=\$((\$(dstat $k) - before_$k))"
done
put load_ms $(((t1 - t0) / 1000))
put store_sites "$d_sites"
put store_pool_bytes "$d_pool_bytes"
put store_pool_objects "$d_pool_objects"
put store_resident_bytes "$d_resident_bytes"
put store_model_bytes "$d_model_bytes"
put store_interned_bytes "$d_interned_bytes"
put store_raw_bytes "$d_raw_bytes"
put store_bytes $((d_pool_bytes + d_resident_bytes))
[ "$d_sites" = "$kernel_sites" ] ||
	fail "loaded $d_sites callsites, the kernel has $kernel_sites"
say "size measured: $((d_pool_bytes + d_resident_bytes)) bytes for $d_sites callsites"

# ---- queries and listing --------------------------------------------------
query() {
	local name=$1 q=$2 r k o
	: >"$W/k" ; : >"$W/o"
	for r in $(seq "$ROUNDS"); do
		timed write "$KCTL" "$q" 20 >>"$W/k"
		timed write "$DDZ" "$q" 20 >>"$W/o"
	done
	k=$(median <"$W/k")
	o=$(median <"$W/o")
	[ -n "$k" ] && [ -n "$o" ] || fail "query '$q' failed"
	put "query_${name}_kernel_ns" "$k"
	put "query_${name}_store_ns" "$o"
}
query func 'func nosuch_function +p'
query format 'format nosuch-text +p'
query all 'line 1- +_'
: >"$W/k" ; : >"$W/o"
for r in $(seq "$ROUNDS"); do
	timed read "$KCTL" 3 >>"$W/k"
	timed read "$DDZ" 3 >>"$W/o"
done
put list_kernel_ns "$(median <"$W/k")"
put list_store_ns "$(median <"$W/o")"
say "queries and listing timed"

# ---- prints ----------------------------------------------------------------
insmod "$DAMONREC_MODULES/ddz_selftest.ko" || fail "cannot load ddz_selftest.ko"
P=/sys/module/ddz_selftest/parameters
echo 'module ddz_selftest =_' >"$KCTL"
damonctl debug set 'module ddz_selftest =_'
print_cost() {
	local name=$1 n=$2 r
	: >"$W/k" ; : >"$W/o"
	for r in $(seq "$ROUNDS"); do
		timed write "$P/fire_kernel" "$n" 1 >>"$W/k"
		timed write "$P/fire" "$n" 1 >>"$W/o"
	done
	put "print_${name}_kernel_ns" $(($(median <"$W/k") / n))
	put "print_${name}_store_ns" $(($(median <"$W/o") / n))
	put "print_${name}_kernel_total_ns" "$(median <"$W/k")"
	put "print_${name}_store_total_ns" "$(median <"$W/o")"
}
print_cost disabled 1000000
echo 'module ddz_selftest func ddz_selftest_kernel_hot =pmfl' >"$KCTL"
damonctl debug set 'module ddz_selftest func ddz_selftest_hot =pmfl'
print_cost enabled 2000
say "prints timed"

# ---- cache -------------------------------------------------------------------
damonctl debug set 'module ddz_selftest =pmfl'
h0=$(dstat cache_hits)
m0=$(dstat cache_misses)
e0=$(dstat cache_evictions)
s0=$(dstat shrinker_scans)
for r in $(seq "$ROUNDS"); do
	echo 1000 >"$P/fire"
	echo 2 >/proc/sys/vm/drop_caches
done
echo 1000 >"$P/fire"
put cache_prints $((1000 * (ROUNDS + 1)))
put cache_hits $(($(dstat cache_hits) - h0))
put cache_misses $(($(dstat cache_misses) - m0))
put cache_evictions $(($(dstat cache_evictions) - e0))
put cache_shrinker_scans $(($(dstat shrinker_scans) - s0))
put cache_degraded "$(dstat degraded_prints)"
rmmod ddz_selftest
damonctl debug unload all >/dev/null
unload_dyndbg || fail "cannot unload damon_dyndbg.ko"
dmesg | grep -q 'damon_dyndbg: leak' && fail "the store reported a leak"

# ---- JSON --------------------------------------------------------------------
awk -F= 'BEGIN { printf "{" }
	{ printf "%s\"%s\":", NR > 1 ? "," : "", $1
	  if ($2 ~ /^[0-9.]+$/) printf "%s", $2
	  else { v = $2; gsub(/\\/, "\\\\", v); gsub(/"/, "\\\"", v); printf "\"%s\"", v } }
	END { print "}" }' "$RES" >"$OUT/results.json"
say "done"
