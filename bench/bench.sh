#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - damonrec's benchmarks ('make bench' runs this; see bench/bench.mk)
#
# Prints ONE table in which every figure stands next to a baseline measured
# in the same run, and writes the same figures as JSON to
# $BENCH_DIR/results.json (the table to $BENCH_DIR/results.txt):
#
#   record size  the zigzag workload recorded in the test VM by damon_rec in
#                v4, v3 and v2 while 'perf record -e damon:damon_aggregated'
#                records the same kdamond (bench/vm-bench.sh); v4 against
#                xz -9e of the same snapshots in v2, with and without ages
#                and on the probe benchmark's 1000-region snapshots
#   overhead     the kdamond's CPU time with the recording off and on, the
#                probe's cost per region against perf's and the tracer's,
#                and the snapshots lost at --buf 4096 (bench/vm-bench.sh)
#   decoding     damonctl show, show --summary and convert on a generated v2
#                file of BENCH_DECODE_MB MB, against cat (raw read)
#   dyndbg       the figures of bench/dyndbg*.sh, when such a script exists
#
# The VM runs under qemu TCG with -icount and one vCPU: the guest's clock
# then counts emulated instructions (2^shift ns each), so the kdamond's CPU
# time is a count of its instructions that the host's load does not
# disturb.  The probe's cost per event comes from damon_rec_bench.ko
# (bench/kmod/), which fires damon_aggregated with synthetic snapshots.
#
# Environment (bench.mk sets it): BUILD, BENCH_DIR, DAMONCTL (host binary),
# GEN_RECORD, PERF_PAYLOAD (bench/perf-payload.sh's output directory),
# BENCH_KO (damon_rec_bench.ko for the VM kernel),
# VM_PAYLOAD, VM_RUNAS, VM_KREL, and the knobs BENCH_RUNS (host runs per
# figure, default 5), BENCH_ROUNDS, BENCH_WINDOW, BENCH_SIZE_SECS (see
# vm-bench.sh), BENCH_DECODE_MB (default 100), BENCH_ICOUNT_SHIFT
# (default 1), BENCH_VM=0 to skip the VM part.
#
# Exit status: 0 when every part ran (goals missed are reported, not
# failed), 1 when a part could not run.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

BUILD=${BUILD:-build}
BENCH_DIR=${BENCH_DIR:-$BUILD/bench}
DAMONCTL=${DAMONCTL:-$BUILD/damonctl}
GEN_RECORD=${GEN_RECORD:-$BUILD/tests/tools/gen_record}
RUNS=${BENCH_RUNS:-5}
DECODE_MB=${BENCH_DECODE_MB:-100}
SHIFT=${BENCH_ICOUNT_SHIFT:-1}
BENCH_VM=${BENCH_VM:-1}

mkdir -p "$BENCH_DIR" || exit 1
ROWS=$BENCH_DIR/rows.jsonl
: >"$ROWS"
status=0

say() {
	echo "bench: $*" >&2
}

# --- helpers -------------------------------------------------------------

# median N...: the median of the numbers (the mean of the middle two).
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) { print "null"; exit }
		      if (NR % 2) print v[(NR + 1) / 2]
		      else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# calc EXPR: awk arithmetic, %.6g.
calc() {
	awk "BEGIN { printf \"%.6g\n\", $1 }"
}

# row ID FIGURE VALUE UNIT BASELINE BASE_VALUE RATIO RATIO_TEXT GOAL MET
#     NOTE [RUNS_JSON]: one figure of the table.  Numbers may be "null".
row() {
	jq -nc --arg id "$1" --arg figure "$2" --argjson value "$3" \
		--arg unit "$4" --arg baseline "$5" --argjson baseline_value "$6" \
		--argjson ratio "$7" --arg ratio_text "$8" --arg goal "$9" \
		--arg met "${10}" --arg note "${11}" --argjson runs "${12:-null}" \
		'{id: $id, figure: $figure, value: $value, unit: $unit,
		  baseline: $baseline, baseline_value: $baseline_value,
		  ratio: $ratio, ratio_text: $ratio_text, goal: $goal,
		  met: (if $met == "" then null else ($met == "yes") end),
		  note: $note, runs: $runs}' >>"$ROWS"
}

# human BYTES: 1.23 MiB style.
human() {
	awk -v b="$1" 'BEGIN {
		split("B KiB MiB GiB", u, " "); i = 1
		while (b >= 1024 && i < 4) { b /= 1024; i++ }
		printf(i == 1 ? "%d %s" : "%.3g %s", b, u[i]) }'
}

# now_ns: the host's monotonic-enough clock.
now_ns() {
	date +%s%N
}

# --- the machine ---------------------------------------------------------
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
host_cores=$(nproc)
host_kernel=$(uname -r)
host_mem_mib=$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)
host_load=$(cut -d' ' -f1-3 /proc/loadavg)
qemu_version=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1 |
	sed 's/^QEMU emulator version //')
say "host: $host_cpu, $host_cores cores, Linux $host_kernel, load $host_load"

# --- the VM part -----------------------------------------------------------
vm_kernel=null vm_vcpus=null vm_mem_mib=null vm_perf=
declare -A R=()
if [ "$BENCH_VM" = 1 ]; then
	cat >"$BENCH_DIR/vm-bench.conf" <<-EOF
		BENCH_ROUNDS=${BENCH_ROUNDS:-7}
		BENCH_WINDOW=${BENCH_WINDOW:-4}
		BENCH_SIZE_SECS=${BENCH_SIZE_SECS:-15}
	EOF
	cat >"$BENCH_DIR/qemu-icount" <<-EOF
		#!/bin/sh
		exec ${QEMU:-qemu-system-x86_64} "\$@" -icount shift=$SHIFT,sleep=on
	EOF
	chmod 0755 "$BENCH_DIR/qemu-icount"
	say "the VM part: record sizes and recording overhead (a few minutes)"
	# A run directory of its own, which other VM runs do not prune.
	# One vCPU: with -icount, a task's CPU time is then its instructions
	# (with two, round-robin vCPUs charge each other's time).
	QEMU=$BENCH_DIR/qemu-icount VM_BUILD=$BENCH_DIR/vm VM_SMP=1 \
		VM_RUNAS=${VM_RUNAS:-$BUILD/vm/runas} \
		VM_PAYLOAD="${VM_PAYLOAD:-} $PERF_PAYLOAD:perf $BENCH_DIR/vm-bench.conf:bench.conf $BENCH_KO:modules/damon_rec_bench.ko" \
		VM_DEMO=bench/vm-bench.sh tests/vm/run.sh --mode demo \
		>"$BENCH_DIR/vm.log" 2>&1
	vmrc=$?
	sed -n 's/^vm-bench: /  /p; /^vm: /p' "$BENCH_DIR/vm.log" >&2
	out=$(sed -n 's/^VM_OUT=//p' "$BENCH_DIR/vm.log" | tail -n 1)
	if [ $vmrc != 0 ] || [ ! -s "$out/bench/results.txt" ] ||
	   ! grep -q '^done=1$' "$out/bench/results.txt"; then
		say "the VM part failed (see $BENCH_DIR/vm.log)"
		tail -n 20 "$BENCH_DIR/vm.log" >&2
		status=1
	fi
	if [ -n "$out" ] && [ -s "$out/bench/results.txt" ]; then
		while IFS='=' read -r k v; do
			R[$k]=$v
		done <"$out/bench/results.txt"
		cp "$out/bench/results.txt" "$BENCH_DIR/vm-results.txt"
	fi
	if [ -n "$out" ] && [ -s "$out/bench/vm.txt" ]; then
		vm_kernel=$(sed -n 's/^kernel=//p' "$out/bench/vm.txt")
		vm_vcpus=$(sed -n 's/^vcpus=//p' "$out/bench/vm.txt")
		vm_mem_mib=$(awk -F= '$1 == "mem_kb" { print int($2 / 1024) }' \
			"$out/bench/vm.txt")
		vm_perf=$(sed -n 's/^perf=//p' "$out/bench/vm.txt")
	fi
fi

# r KEY: a VM result, or null.
r() {
	echo "${R[$1]:-null}"
}

if [ -n "${R[done]:-}" ]; then
	secs=${BENCH_SIZE_SECS:-15}
	# Record size.  perf recorded the same kdamond over a slightly longer
	# time: compare bytes per snapshot (the counts are equal or close).
	for fmt in v4 v3 v2; do
		b=$(r size_${fmt}_bytes) n=$(r size_${fmt}_snapshots)
		pb=$(r size_perf_${fmt}_bytes) pn=$(r size_perf_${fmt}_snapshots)
		ratio=$(calc "($pb / $pn) / ($b / $n)")
		goal= met=
		if [ $fmt = v4 ]; then
			goal=">= 100x smaller"
			met=$(awk -v x="$ratio" 'BEGIN { print ((x >= 100) ? "yes" : "no") }')
		fi
		row "size_${fmt}_vs_perf" "record size, $fmt (${secs} s of zigzag)" \
			"$b" bytes "perf.data, same kdamond" "$pb" "$ratio" \
			"$(printf '%.1fx smaller' "$ratio")" "$goal" "$met" \
			"$(human "$b") for $n snapshots ($(r size_${fmt}_regions) regions) against $(human "$pb") for $pn snapshots ($(r size_perf_${fmt}_events) events); ratio per snapshot"
	done
	b=$(r size_v3_bytes) n=$(r size_v3_snapshots)
	b2=$(r size_v3_as_v2_bytes)
	ratio=$(calc "$b2 / $b")
	row size_v3_vs_v2 "record size, v3" "$b" bytes \
		"v2, the same snapshots" "$b2" "$ratio" \
		"$(printf '%.1fx smaller' "$ratio")" ">= 10x smaller" \
		"$(awk -v x="$ratio" 'BEGIN { print ((x >= 10) ? "yes" : "no") }')" \
		"the v3 record converted to v2 by damonctl convert: $(human "$b") against $(human "$b2"), $n snapshots; $(calc "$b / $(r size_v3_regions)") against $(calc "$b2 / $(r size_v3_regions)") bytes per region"
	b2=$(r size_v2_bytes) n2=$(r size_v2_snapshots)
	ratio=$(calc "($b2 / $n2) / ($b / $n)")
	row size_v3_vs_v2_rec "record size, v3 per snapshot" \
		"$(calc "$b / $n")" bytes "v2 recorded, per snapshot" \
		"$(calc "$b2 / $n2")" "$ratio" "$(printf '%.1fx smaller' "$ratio")" \
		"" "" "two recordings of the workload, $n and $n2 snapshots"

	# The probe's cost per event, from damon_rec_bench.ko: the time of each
	# kind of probe less the bare tracepoint's, median of the rounds.
	pr=$(r probe_rounds)
	declare -A P=()
	for kind in none v4 v3 v2 ftrace perf; do
		v=()
		for i in $(seq "$pr"); do
			v+=("$(r probe_${kind}_${i}_ns)")
		done
		P[$kind]=$(median "${v[@]}")
		P[${kind}_runs]=$(printf '%s\n' "${v[@]}" | jq -sc .)
	done
	plost=0
	for i in $(seq "$pr"); do
		plost=$((plost + $(r probe_v4_${i}_lost) + $(r probe_v3_${i}_lost) + $(r probe_v2_${i}_lost)))
	done
	pnote="damon_rec_bench.ko fires $(r probe_snapshots) synthetic snapshots of $(r probe_regions) regions, timed with preemption off as in the kdamond, less the bare tracepoint's $(calc "${P[none]}") ns; median of $pr rounds; guest ns under -icount (1 instruction = $((1 << SHIFT)) ns); $plost snapshots lost"
	c4=$(calc "${P[v4]} - ${P[none]}")
	c3=$(calc "${P[v3]} - ${P[none]}")
	row probe_v4_vs_v3 "probe cost per region, v4" "$c4" "ns (icount)" \
		"v3's probe, same run" "$c3" "$(calc "$c4 / $c3")" \
		"$(printf '%.2fx' "$(calc "$c4 / $c3")")" "<= v3's" \
		"$(awk -v a="$c4" -v b="$c3" 'BEGIN { print ((a <= b) ? "yes" : "no") }')" \
		"$pnote" "${P[v4_runs]}"
	for fmt in v4 v3 v2; do
		c=$(calc "${P[$fmt]} - ${P[none]}")
		pc=$(calc "${P[perf]} - ${P[none]}")
		row "probe_$fmt" "probe cost per region, $fmt" "$c" "ns (icount)" \
			"perf record's probe, per event" "$pc" "$(calc "$c / $pc")" \
			"$(printf '%.2fx' "$(calc "$c / $pc")")" "" "" "$pnote" \
			"${P[${fmt}_runs]}"
	done
	fc=$(calc "${P[ftrace]} - ${P[none]}")
	c=$(calc "${P[v3]} - ${P[none]}")
	row probe_ftrace "probe cost per region, v3" "$c" "ns (icount)" \
		"tracer (ftrace) event, per event" "$fc" "$(calc "$c / $fc")" \
		"$(printf '%.2fx' "$(calc "$c / $fc")")" "" "" "" "${P[ftrace_runs]}"
	# The same 1000-region snapshots, in both formats.
	b3=$(r probe_v3_1_bytes) b2=$(r probe_v2_1_bytes)
	row size_v3_vs_v2_1000 "record size, v3, 1000-region snapshots" "$b3" bytes \
		"v2, the same snapshots" "$b2" "$(calc "$b2 / $b3")" \
		"$(printf '%.1fx smaller' "$(calc "$b2 / $b3")")" ">= 10x smaller" \
		"$(awk -v x="$(calc "$b2 / $b3")" 'BEGIN { print ((x >= 10) ? "yes" : "no") }')" \
		"the probe benchmark's $(r probe_snapshots) synthetic snapshots (a tenth of the regions change each time): $(calc "$b3 / ($(r probe_snapshots) * 1000)") against $(calc "$b2 / ($(r probe_snapshots) * 1000)") bytes per region"

	# Overhead with the default attributes.  The kdamond's CPU time per
	# region it aggregated (counted by a DAMOS stat scheme): a kdamond that
	# other tasks delay takes fewer samples, so its CPU per second of wall
	# time would measure those delays, not the recording.
	rounds=$(r rounds)
	ratios=() on_per=() off_per=() pct_ratios=() tick_ratios=() deltas=()
	lost=0 snaps=0 regs=0 on_ns=0 tried_on=0
	for i in $(seq "$rounds"); do
		onp=$(calc "$(r dflt_on_${i}_ns) / $(r dflt_on_${i}_tried)")
		offp=$(calc "$(r dflt_off_${i}_ns) / $(r dflt_off_${i}_tried)")
		on_per+=("$onp") off_per+=("$offp")
		ratios+=("$(calc "$onp / $offp")")
		deltas+=("$(calc "$onp - $offp")")
		tick_ratios+=("$(calc "($(r dflt_on_${i}_ticks) / $(r dflt_on_${i}_tried)) / ($(r dflt_off_${i}_ticks) / $(r dflt_off_${i}_tried))")")
		pct_ratios+=("$(calc "($(r dflt_on_${i}_ns) / $(r dflt_on_${i}_wall_us)) / ($(r dflt_off_${i}_ns) / $(r dflt_off_${i}_wall_us))")")
		lost=$((lost + $(r dflt_on_${i}_lost)))
		snaps=$((snaps + $(r dflt_on_${i}_snapshots)))
		regs=$((regs + $(r dflt_on_${i}_regions)))
		tried_on=$((tried_on + $(r dflt_on_${i}_tried)))
		on_ns=$((on_ns + $(r dflt_on_${i}_ns)))
	done
	med=$(median "${ratios[@]}")
	lo=$(printf '%s\n' "${ratios[@]}" | sort -g | head -n 1)
	hi=$(printf '%s\n' "${ratios[@]}" | sort -g | tail -n 1)
	pct=$(calc "($med - 1) * 100")
	pctf() {
		printf '%+.1f%%' "$(calc "($1 - 1) * 100")"
	}
	# What the probe's measured cost adds to the kdamond's own work (the
	# recordings are in v4).
	c=$c4
	est=$(calc "$c * $regs / ($on_ns - $c * $regs) * 100")
	row overhead_cpu "kdamond CPU per region aggregated, recording on" \
		"$(median "${on_per[@]}")" "ns (icount)" \
		"recording off" "$(median "${off_per[@]}")" "$med" \
		"$(pctf "$med")" "<= +2%" \
		"$(awk -v x="$pct" 'BEGIN { print ((x <= 2) ? "yes" : "no") }')" \
		"default attributes (5 ms, 100 ms, 1 s, 10..1000 regions), v4, --buf 4096; kdamond CPU time (/proc/PID/schedstat) over the regions a DAMOS stat scheme saw aggregated; median of $rounds on/off pairs of ${BENCH_WINDOW:-4} s, pairs from $(pctf "$lo") to $(pctf "$hi"); with utime+stime ticks $(pctf "$(median "${tick_ratios[@]}")"); per second of wall time instead $(pctf "$(median "${pct_ratios[@]}")") (the recording's own tasks delay the kdamond's samples); CPU delta per region $(calc "$(median "${deltas[@]}")") ns; $tried_on regions aggregated, $regs recorded" \
		"$(printf '%s\n' "${ratios[@]}" | jq -sc .)"
	row overhead_est "kdamond CPU, recording on (from the probe cost)" \
		"$(printf '%.2f' "$est")" "% more" "recording off" 0 "$(calc "1 + $est / 100")" \
		"$(printf '%+.2f%%' "$est")" "<= +2%" \
		"$(awk -v x="$est" 'BEGIN { print ((x <= 2) ? "yes" : "no") }')" \
		"the v4 probe's cost per region times the $regs regions recorded, against the kdamond's $(calc "$on_ns / 1e6") ms of CPU in those windows"
	row lost_4096 "snapshots lost, --buf 4096" "$lost" snapshots \
		"snapshots recorded" "$snaps" "$(calc "$lost / $snaps")" \
		"$lost of $((lost + snaps))" "0 lost" \
		"$([ "$lost" = 0 ] && echo yes || echo no)" \
		"default attributes, $rounds recordings of ${BENCH_WINDOW:-4} s"
fi

# --- version 4 against xz -9e, on the host ---------------------------------
# v4_row ID WHAT V4: the v4 record V4 against xz -9e of the same snapshots
# in v2 (damonctl convert), and against v3.
v4_row() {
	local id=$1 what=$2 v4=$3 v2=$BENCH_DIR/$1.as-v2 v3=$BENCH_DIR/$1.as-v3
	local b x b2 b3 n ratio
	"$DAMONCTL" convert "$v4" --format v2 -o "$v2" 2>/dev/null &&
		"$DAMONCTL" convert "$v4" --format v3 -o "$v3" 2>/dev/null ||
		return 1
	b=$(stat -c %s "$v4") b2=$(stat -c %s "$v2") b3=$(stat -c %s "$v3")
	x=$(xz -9e -c "$v2" | wc -c)
	n=$("$DAMONCTL" show --summary --json "$v4" | jq '.snapshots')
	ratio=$(calc "$x / $b")
	row "size_v4_$id" "record size, v4, $what" "$b" bytes \
		"xz -9e of the v2 file" "$x" "$ratio" \
		"$(printf '%.2fx smaller' "$ratio")" "<= xz -9e" \
		"$(awk -v a="$b" -v c="$x" 'BEGIN { print ((a <= c) ? "yes" : "no") }')" \
		"$n snapshots; the same in v2 $b2 bytes ($(calc "$b2 / $b")x v4), in v3 $b3 bytes ($(calc "$b3 / $b")x v4)"
}
if [ -n "${out:-}" ] && [ -s "$out/bench/rec.v4" ] && [ -s "$out/bench/pb.v4" ] &&
   command -v xz >/dev/null; then
	# Without ages: the zigzag record through v2 and back into v4.
	"$DAMONCTL" convert "$out/bench/rec.v4" --format v2 -o "$BENCH_DIR/noage.v2" &&
	"$DAMONCTL" convert "$BENCH_DIR/noage.v2" --format v4 \
		-o "$BENCH_DIR/noage.v4" &&
	v4_row zigzag "zigzag recorded by the driver (with ages)" "$out/bench/rec.v4" &&
	v4_row noage "the same converted from v2 (no ages)" "$BENCH_DIR/noage.v4" &&
	v4_row churn "1000-region churn recorded by the driver" "$out/bench/pb.v4" || {
		say "v4 sizes: damonctl convert failed"; status=1; }
fi

# --- decoding, on the host -------------------------------------------------
big=$BENCH_DIR/decode.v2
big_out=$BENCH_DIR/decode.out
trap 'rm -f "$big" "$big_out"' EXIT
# gen_record: 2 targets of 100 regions, 4032 bytes per v2 snapshot.
nsnap=$(( (DECODE_MB * 1000000 + 4031) / 4032 ))
say "decoding: generating a v2 file of $DECODE_MB MB ($nsnap snapshots)"
if ! "$GEN_RECORD" -f v2 -n "$nsnap" -r 100 -t 2 "$big"; then
	say "cannot generate $big"
	status=1
else
	size=$(stat -c %s "$big")
	cat "$big" >/dev/null		# into the page cache, as for every run

	# time_cmd CMD...: seconds of one run (output to /dev/null).
	time_cmd() {
		local t0 t1
		t0=$(now_ns)
		"$@" >/dev/null || return 1
		t1=$(now_ns)
		calc "($t1 - $t0) / 1e9"
	}

	declare -A T=()
	for what in cat summary show convert; do
		T[$what]=
	done
	fail=
	# Interleaved, so that a slow spell of the host hits every command.
	for i in $(seq "$RUNS"); do
		T[cat]+=" $(time_cmd cat "$big")" || fail=cat
		T[summary]+=" $(time_cmd "$DAMONCTL" show --summary "$big")" ||
			fail=summary
		T[convert]+=" $(time_cmd "$DAMONCTL" convert "$big" --format v3 \
			-o "$big_out")" || fail=convert
		rm -f "$big_out"
		if [ "$i" -le 3 ]; then
			T[show]+=" $(time_cmd "$DAMONCTL" show "$big")" || fail=show
		fi
	done
	if [ -n "$fail" ]; then
		say "decoding: damonctl failed ($fail) on $big"
		status=1
	else
		mbps() {
			calc "$size / $1 / 1e6"
		}
		cat_t=$(median ${T[cat]})
		cat_mbps=$(mbps "$cat_t")
		for what in summary show convert; do
			t=$(median ${T[$what]})
			v=$(mbps "$t")
			case $what in
			summary) fig="damonctl show --summary"; goal=">= 1 GB/s"
				met=$(awk -v x="$v" 'BEGIN { print ((x >= 1000) ? "yes" : "no") }') ;;
			# damo cannot run here: its ratio is measured once, in
			# README.md ("show against damo").
			show) fig="damonctl show (damo report access --raw_form text)"
				goal= met= ;;
			convert) fig="damonctl convert v2 -> v3"; goal= met= ;;
			esac
			nruns=$(echo ${T[$what]} | wc -w)
			row "decode_$what" "$fig" "$v" MB/s "cat (raw read)" \
				"$cat_mbps" "$(calc "$v / $cat_mbps")" \
				"$(printf '%.2fx' "$(calc "$v / $cat_mbps")")" "$goal" "$met" \
				"$(human "$size") v2 file in the page cache; median of $nruns runs ($t s)" \
				"$(printf '%s\n' ${T[$what]} | jq -sc .)"
		done
	fi
fi
rm -f "$big" "$big_out"

# --- dyndbg ------------------------------------------------------------------
# bench/dyndbg.sh (the dyndbg benchmark, see bench.mk) may write its rows, in
# the format of results.json's "figures", as a JSON array to
# $BENCH_DIR/dyndbg-rows.json; otherwise its last output lines are kept as
# notes.
if [ -x bench/dyndbg.sh ]; then
	say "dyndbg: running bench/dyndbg.sh"
	rm -f "$BENCH_DIR/dyndbg-rows.json"
	BUILD=$BUILD BENCH_DIR=$BENCH_DIR VM_BUILD=${VM_BUILD:-$BUILD/vm} \
		VM_RUNAS=${VM_RUNAS:-$BUILD/vm/runas} VM_PAYLOAD=${VM_PAYLOAD:-} \
		bench/dyndbg.sh >"$BENCH_DIR/dyndbg.log" 2>&1
	rc=$?
	if [ -s "$BENCH_DIR/dyndbg-rows.json" ] &&
	   jq -e 'type == "array"' "$BENCH_DIR/dyndbg-rows.json" >/dev/null 2>&1; then
		jq -c '.[] | {id: (.id // "dyndbg"), figure: (.figure // ""),
			value: (.value // null), unit: (.unit // ""),
			baseline: (.baseline // ""),
			baseline_value: (.baseline_value // null),
			ratio: (.ratio // null), ratio_text: (.ratio_text // ""),
			goal: (.goal // ""), met: (.met // null), note: (.note // ""),
			runs: (.runs // null)}' \
			"$BENCH_DIR/dyndbg-rows.json" >>"$ROWS"
	else
		grep -v -e '^VM_OUT=' -e '^$' "$BENCH_DIR/dyndbg.log" | tail -n 12 |
		while IFS= read -r line; do
			row dyndbg_note "dyndbg (bench/dyndbg.sh output)" null "" "" \
				null null "" "" "" "$line"
		done
	fi
	if [ $rc != 0 ]; then
		say "bench/dyndbg.sh failed ($rc); see $BENCH_DIR/dyndbg.log"
		status=1
	fi
fi

# --- the table and the JSON ---------------------------------------------------
vm_desc="none"
if [ "$BENCH_VM" = 1 ]; then
	vm_desc="Linux $vm_kernel, qemu $qemu_version TCG (-icount shift=$SHIFT), $vm_vcpus vCPU$([ "$vm_vcpus" = 1 ] || echo s), $vm_mem_mib MiB${vm_perf:+, $vm_perf}"
fi
jq -s --arg cpu "$host_cpu" --argjson cores "$host_cores" \
	--arg kernel "$host_kernel" --argjson mem "$host_mem_mib" \
	--arg load "$host_load" --arg qemu "$qemu_version" \
	--arg vk "$vm_kernel" --argjson vcpus "$vm_vcpus" \
	--argjson vmem "$vm_mem_mib" --argjson shift "$SHIFT" \
	--arg perf "$vm_perf" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--argjson ok "$([ $status = 0 ] && echo true || echo false)" \
	'{date: $date, complete: $ok,
	  machine: {cpu: $cpu, cores: $cores, kernel: $kernel, mem_mib: $mem,
		    load_avg: $load},
	  vm: {kernel: $vk, accel: "tcg", icount_shift: $shift, qemu: $qemu,
	       vcpus: $vcpus, mem_mib: $vmem, perf: $perf},
	  figures: .}' "$ROWS" >"$BENCH_DIR/results.json" || status=1

{
	echo "damonrec benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $host_cpu, $host_cores cores, $host_mem_mib MiB, Linux $host_kernel (load $host_load)"
	echo "VM:      $vm_desc"
	echo
	jq -r '
	  def num: if . == null then "-"
		   elif (. | fabs) >= 100 then (. * 10 | round / 10 | tostring)
		   elif (. | fabs) >= 1 then (. * 1000 | round / 1000 | tostring)
		   else (. * 100000 | round / 100000 | tostring) end;
	  .figures[] | select(.id != "dyndbg_note") |
	  [.figure, ((.value | num) + " " + .unit), .baseline,
	   ((.baseline_value | num) + (if .baseline_value == null then "" else " " + .unit end)),
	   (if .baseline_value == null then "" else .ratio_text end),
	   (if .goal == "" then "" else .goal + (if .met == true then " (met)" elif .met == false then " (MISSED)" else "" end) end)]
	  | @tsv' "$BENCH_DIR/results.json" |
	awk -F'\t' '
		BEGIN { h[1] = "figure"; h[2] = "value"; h[3] = "baseline (same run)";
			h[4] = "baseline value"; h[5] = "ratio"; h[6] = "goal"
			for (i = 1; i <= 6; i++) w[i] = length(h[i]) }
		{ n++; for (i = 1; i <= 6; i++) { c[n, i] = $i
			if (length($i) > w[i]) w[i] = length($i) } }
		END {
			fmt = ""
			for (i = 1; i <= 6; i++) fmt = fmt "%-" w[i] "s" (i < 6 ? "  " : "\n")
			printf fmt, h[1], h[2], h[3], h[4], h[5], h[6]
			line = ""
			for (i = 1; i <= 6; i++) { s = sprintf("%" w[i] "s", ""); gsub(/ /, "-", s)
				line = line s (i < 6 ? "  " : "") }
			print line
			for (j = 1; j <= n; j++)
				printf fmt, c[j,1], c[j,2], c[j,3], c[j,4], c[j,5], c[j,6]
		}'
	echo
	echo "notes:"
	jq -r '.figures[] | select(.note != "") | "  \(.figure): \(.note)"' \
		"$BENCH_DIR/results.json"
	echo
	echo "JSON: $BENCH_DIR/results.json"
} | tee "$BENCH_DIR/results.txt"
[ $status = 0 ] || say "some parts did not run; see above"
exit $status
