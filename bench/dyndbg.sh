#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dyndbg.sh - the dyndbg benchmark: damon_dyndbg's store against the
# kernel's own dynamic debug, on the running kernel's callsites, in the
# test VM ('make bench-dyndbg', part of 'make bench').
#
# Boots the VM with bench/dyndbg-guest.sh (which says what it measures),
# then prints the figures, each next to the kernel's, measured in the same
# run.  The results stay in <VM_OUT>/dyndbg/results.{txt,json}.
# DDZ_BENCH_ROUNDS sets the rounds of each timing (default 5).

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "dyndbg benchmark: booting the test VM (qemu TCG)..."
VM_DEMO=$top/bench/dyndbg-guest.sh "$top/tests/vm/run.sh" --mode demo \
	>"$log" 2>&1
rc=$?
out=$(sed -n 's/^VM_OUT=//p' "$log" | tail -n 1)
res=$out/dyndbg/results.txt
if [ $rc != 0 ] || [ ! -r "$res" ]; then
	echo "dyndbg benchmark: the VM run failed:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi

declare -A v
while IFS='=' read -r key val; do
	v[$key]=$val
done <"$res"

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'
}
per() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'
}
us() {
	awk -v a="$1" 'BEGIN { printf "%.1f", a / 1000 }'
}

n=${v[kernel_sites]}
store=${v[store_bytes]}
kernel=${v[kernel_bytes]}

echo
echo "machine: $(uname -r) host, $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "VM:      ${v[vm_kernel]}, qemu TCG, ${v[vm_cpus]} CPUs (${v[vm_cpu]}), $((${v[vm_mem_kb]} / 1024)) MiB"
echo "corpus:  the VM kernel's $n callsites; timings are medians of ${v[rounds]} rounds"
echo
printf '%-38s %14s %14s %8s\n' "figure" "store" "kernel" "ratio"
printf '%-38s %14s %14s %8s\n' "bytes per callsite" \
	"$(per "$store" "$n")" "$(per "$kernel" "$n")" "$(ratio "$store" "$kernel")"
printf '%-38s %14s %14s\n' "  total bytes" "$store" "$kernel"
printf '%-38s %14s %14s\n' "  pool pages / struct _ddebug" \
	"${v[store_pool_bytes]}" "${v[kernel_desc_bytes]}"
printf '%-38s %14s %14s\n' "  resident / formats + names" \
	"${v[store_resident_bytes]}" \
	"$((${v[kernel_format_bytes]} + ${v[kernel_name_bytes]}))"
printf '%-38s %14s\n' "    of which string models" "${v[store_model_bytes]}"
printf '%-38s %14s\n' "    of which interned names" "${v[store_interned_bytes]}"
printf '%-38s %14s\n' "  pool objects (blocks)" "${v[store_pool_objects]}"
printf '%-38s %14s\n' "  load time (ms)" "${v[load_ms]}"
for q in func format all; do
	case $q in
	func) what="query 'func nosuch_function' (us)" ;;
	format) what="query 'format nosuch-text' (us)" ;;
	all) what="query 'line 1- +_' (us)" ;;
	esac
	printf '%-38s %14s %14s %8s\n' "$what" \
		"$(us "${v[query_${q}_store_ns]}")" \
		"$(us "${v[query_${q}_kernel_ns]}")" \
		"$(ratio "${v[query_${q}_store_ns]}" "${v[query_${q}_kernel_ns]}")"
done
printf '%-38s %14s %14s %8s\n' "read the whole listing (us)" \
	"$(us "${v[list_store_ns]}")" "$(us "${v[list_kernel_ns]}")" \
	"$(ratio "${v[list_store_ns]}" "${v[list_kernel_ns]}")"
printf '%-38s %14s %14s %8s\n' "disabled print (ns)" \
	"${v[print_disabled_store_ns]}" "${v[print_disabled_kernel_ns]}" \
	"$(ratio "${v[print_disabled_store_total_ns]}" "${v[print_disabled_kernel_total_ns]}")"
printf '%-38s %14s %14s %8s\n' "enabled print, pmfl prefix (ns)" \
	"${v[print_enabled_store_ns]}" "${v[print_enabled_kernel_ns]}" \
	"$(ratio "${v[print_enabled_store_total_ns]}" "${v[print_enabled_kernel_total_ns]}")"
printf '%-38s %14s\n' "cache hit rate (prints)" \
	"$(ratio "${v[cache_hits]}" "$((${v[cache_hits]} + ${v[cache_misses]}))")"
printf '%-38s %14s\n' "  prints / hits / misses" \
	"${v[cache_prints]} / ${v[cache_hits]} / ${v[cache_misses]}"
printf '%-38s %14s\n' "  shrinker scans / evictions" \
	"${v[cache_shrinker_scans]} / ${v[cache_evictions]}"
echo
echo "goal: a third or less of the kernel's bytes per callsite:" \
	"$(awk -v a="$store" -v b="$kernel" 'BEGIN { print (3 * a <= b) ? "met" : "NOT met" }')"
echo "results: $res (and results.json)"

# Rows for bench/bench.sh's table and results.json, when it runs us.
[ -n "${BENCH_DIR:-}" ] && command -v jq >/dev/null || exit 0
row() {	# id figure value unit baseline baseline_value goal met note
	local r t
	r=$(awk -v a="$3" -v b="$6" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "null" }')
	t=$(awk -v a="$3" -v b="$6" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "" }')
	jq -n --arg id "$1" --arg figure "$2" --argjson value "$3" \
		--arg unit "$4" --arg baseline "$5" --argjson bv "$6" \
		--argjson ratio "$r" --arg rt "$t" --arg goal "$7" \
		--argjson met "$8" --arg note "$9" --argjson runs "${v[rounds]}" \
		'{id: $id, figure: $figure, value: $value, unit: $unit,
		  baseline: $baseline, baseline_value: $bv, ratio: $ratio,
		  ratio_text: $rt, goal: $goal, met: $met, note: $note,
		  runs: $runs}'
}
num() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'
}
hits=${v[cache_hits]}
looks=$((hits + ${v[cache_misses]}))
{
	row dyndbg_bytes_per_site "dyndbg: bytes per callsite (VM kernel's $n)" \
		"$(num "$store" "$n")" B "kernel: struct _ddebug and strings" \
		"$(num "$kernel" "$n")" "<= 1/3 of the kernel's" \
		"$(awk -v a="$store" -v b="$kernel" 'BEGIN { print (3 * a <= b) ? "true" : "false" }')" \
		"pool ${v[store_pool_bytes]} B, resident ${v[store_resident_bytes]} B"
	for q in func format all; do
		row "dyndbg_query_$q" "dyndbg: query over all callsites ($q)" \
			"$(num "${v[query_${q}_store_ns]}" 1000)" us \
			"kernel's control file" \
			"$(num "${v[query_${q}_kernel_ns]}" 1000)" "" null ""
	done
	row dyndbg_listing "dyndbg: read the whole listing" \
		"$(num "${v[list_store_ns]}" 1000)" us "kernel's control file" \
		"$(num "${v[list_kernel_ns]}" 1000)" "" null ""
	row dyndbg_print_disabled "dyndbg: disabled print" \
		"$(num "${v[print_disabled_store_total_ns]}" 1000000)" ns \
		"kernel pr_debug (static key)" \
		"$(num "${v[print_disabled_kernel_total_ns]}" 1000000)" "" null ""
	row dyndbg_print_enabled "dyndbg: enabled print, pmfl prefix" \
		"$(num "${v[print_enabled_store_total_ns]}" 2000)" ns \
		"kernel pr_debug" \
		"$(num "${v[print_enabled_kernel_total_ns]}" 2000)" "" null ""
	row dyndbg_cache_hit_rate "dyndbg: decoded-callsite cache hit rate" \
		"$(num "$hits" "$looks")" "" "" null "" null \
		"${v[cache_prints]} prints, $hits hits, ${v[cache_misses]} misses, shrinker run ${v[rounds]} times"
} | jq -s . >"$BENCH_DIR/dyndbg-rows.json"
