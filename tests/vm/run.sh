#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - boot the damonrec test VM and judge the run.
#
#   run.sh [--mode tests|demo|shell] [FILE.bats...]
#
# Builds an initramfs (busybox, bash, bats-core with bats-support and
# bats-assert, zsmalloc.ko where it is a module, the payload, the guest
# tests and tests/vm/init), boots kernel $KERNEL of the matrix (default the
# current bookworm-backports cloud kernel, see scripts/kernels.sh) under
# qemu TCG and
# brings back, over virtio-serial, the job's output and every file the guest
# wrote under $VM_OUT.
#
# Modes:
#   tests  (default) runs the given .bats files (default tests/vm/*.bats)
#          with bats --tap; the TAP is printed as it arrives.  Several
#          files are split into $VM_SHARDS shards, balanced by the files'
#          durations, and each shard runs in its own VM, all at once; the
#          TAP is then merged and numbered anew, each result line naming
#          its shard and file, e.g. "ok 12 [shard 2: cli-record.bats] ..."
#   demo   runs the guest demo script ($VM_DEMO, default tests/vm/demo.sh)
#   shell  an interactive shell on the serial console (needs a terminal)
#
# The verdict (tests and demo): the guest's end marker is on the console,
# the job exited 0, every planned test reported ok, and neither the console
# nor the guest's dmesg holds Oops, BUG, WARNING, panic or Call Trace; all
# within $VM_TIMEOUT seconds, and never $VM_STALL_TIMEOUT seconds without
# output from the job.  A boot that fails before the job begins is retried
# once, and said so.  With shards, each shard is judged so, the run fails
# when any shard fails, and every reason names its shard and files.  The
# last lines are
#   vm: PASS ...   or   vm: FAIL: <reasons>
#   VM_OUT=<directory holding the files the guest wrote under $VM_OUT>
# and the exit status is 0 on PASS, 1 on FAIL, 2 on a usage or setup error.
#
# Environment:
#   VM_PAYLOAD       space-separated SRC:DEST pairs, DEST relative to
#                    /opt/damonrec in the guest (from the make fragments)
#   VM_RUNAS         the static runas helper to put in /usr/bin
#   VM_BUILD         where runs are kept (default build/vm)
#   KERNEL           the kernel of the matrix to boot (default
#                    bookworm-backports); the guest sees it as $VM_KERNEL,
#                    its release as $VM_KREL and its configuration in
#                    /opt/damonrec/kernel.config
#   VM_KREL          kernel release to boot (default: resolved, scripts/kver.sh)
#   VM_TIMEOUT       seconds for a whole run (default 1800)
#   VM_STALL_TIMEOUT seconds the job may go without output (default 600)
#   VM_BOOT_TIMEOUT  seconds until the job must have begun (default 120)
#   VM_TRIES         boots tried when the boot fails early (default 2)
#   VM_MEM, VM_SMP   guest memory in MiB (default 1024) and CPUs (default 2),
#                    for each VM
#   VM_ACCEL         qemu's -accel argument (default tcg,thread=single: see
#                    "Single-threaded TCG" below)
#   VM_SHARDS        VMs that share the test files (default 3; 1 runs every
#                    file in one VM).  A file's duration comes from
#                    $VM_BUILD/durations (written after each run), else
#                    from tests/vm/durations, else 15 s per test
#   QEMU             the qemu binary (default qemu-system-x86_64)
#   DAMONREC_*       every variable so named is exported to the guest job,
#                    e.g. DAMONREC_STRESS=long (make vm-stress); such a run
#                    leaves $VM_BUILD/durations alone

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
mode=tests
tests=()

usage() {
	echo "usage: run.sh [--mode tests|demo|shell] [FILE.bats...]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--mode) [ $# -ge 2 ] || usage; mode=$2; shift 2 ;;
	--mode=*) mode=${1#--mode=}; shift ;;
	-h|--help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option '$1'" >&2; usage ;;
	*) tests+=("$1"); shift ;;
	esac
done
case $mode in
tests|demo|shell) ;;
*) echo "run.sh: unknown mode '$mode': use tests, demo or shell" >&2; exit 2 ;;
esac

err() {
	echo "run.sh: $*" >&2
	exit 2
}

QEMU=${QEMU:-qemu-system-x86_64}
VM_TIMEOUT=${VM_TIMEOUT:-1800}
VM_STALL_TIMEOUT=${VM_STALL_TIMEOUT:-600}
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-120}
VM_TRIES=${VM_TRIES:-2}
VM_MEM=${VM_MEM:-1024}
VM_SMP=${VM_SMP:-2}
VM_ACCEL=${VM_ACCEL:-tcg,thread=single}
VM_SHARDS=${VM_SHARDS:-3}
VM_BUILD=${VM_BUILD:-build/vm}
VM_DEMO=${VM_DEMO:-$top/tests/vm/demo.sh}

[[ $VM_SHARDS =~ ^[1-9][0-9]*$ ]] ||
	err "VM_SHARDS must be a number of VMs, 1 or more (not '$VM_SHARDS')"
for t in "${tests[@]}"; do
	[ -f "$t" ] || err "no such test file: $t"
done
[ ${#tests[@]} = 0 ] || [ "$mode" = tests ] ||
	err "test files are for --mode tests only"
if [ "$mode" = shell ] && ! { [ -t 0 ] && [ -t 1 ]; }; then
	err "vm-shell needs a terminal on stdin and stdout"
fi
command -v "$QEMU" >/dev/null || err "$QEMU not found: run 'make deps'"
for f in /bin/busybox /usr/bin/bats /usr/lib/bats/bats-assert/load.bash; do
	[ -e "$f" ] || err "$f is missing: run 'make deps'"
done

. "$top/scripts/kernels.sh"
KERNEL=${KERNEL:-$KERNEL_DEFAULT}
kernel_check "$KERNEL" || exit 2
krel=$("$top/scripts/kver.sh" "$KERNEL") || exit 2
kdir=$("$top/tests/vm/kernel.sh" "$KERNEL") || exit 2

# --- one directory per run ------------------------------------------------
mkdir -p "$VM_BUILD/runs" || err "cannot create $VM_BUILD/runs"
run=$(mktemp -d "$VM_BUILD/runs/$(date +%Y%m%d-%H%M%S)-XXXX") || exit 2
run=$(cd "$run" && pwd)
ln -sfn "runs/${run##*/}" "$VM_BUILD/last"
# Keep the ten most recent runs.
ls -1d "$VM_BUILD"/runs/*/ 2>/dev/null | head -n -10 | xargs -r rm -rf

root=$run/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/lib,etc,dev,proc,sys,tmp,run,root}
mkdir -p "$root"/opt/damonrec/{bin,modules,tests/lib}

# --- base system: busybox, bash and its libraries, bats ------------------
# bash-static starts six times faster under TCG than bash with its
# libraries, and bats starts many bashes.
if [ -x /bin/bash-static ]; then
	cp /bin/bash-static "$root/bin/bash"
else
	cp /bin/bash "$root/bin/bash"
	for lib in $(ldd /bin/bash | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
fi
cp /bin/busybox "$root/bin/busybox"
# One link per applet (bin/sh is busybox's ash); bash stays bash.
/bin/busybox --list-full | while read -r app; do
	[ -e "$root/$app" ] || [ -L "$root/$app" ] ||
		ln -s /bin/busybox "$root/$app"
done
cp /usr/bin/bats "$root/usr/bin/bats"
cp -r /usr/lib/bats-core /usr/lib/bats "$root/usr/lib/"
mkdir -p "$root/usr/libexec"
cp -r /usr/libexec/bats-core "$root/usr/libexec/"
if [ -n "${VM_RUNAS:-}" ]; then
	cp "$VM_RUNAS" "$root/usr/bin/runas" || err "cannot copy $VM_RUNAS"
fi

cat >"$root/etc/passwd" <<-'EOF'
	root:x:0:0:root:/root:/bin/bash
	tester:x:1000:1000:unprivileged tester:/tmp:/bin/bash
	nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<-'EOF'
	root:x:0:
	tty:x:5:
	tester:x:1000:
	nogroup:x:65534:
EOF
cat >"$root/etc/profile" <<-'EOF'
	export PATH=/opt/damonrec/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	PS1='damonrec-vm:\w# '
	. /opt/damonrec/tests/lib/guest.bash
	cd /opt/damonrec
EOF
cp "$top/tests/vm/init" "$root/init"
chmod 0755 "$root/init"

# --- the project: zsmalloc, payload, guest tests --------------------------
# (trixie-rt and sid build zsmalloc in: they have no zsmalloc.ko)
if [ -e "$kdir/zsmalloc.ko" ]; then
	cp "$kdir/zsmalloc.ko" "$root/opt/damonrec/modules/zsmalloc.ko"
fi
cp "$kdir/config" "$root/opt/damonrec/kernel.config"
for pair in ${VM_PAYLOAD:-}; do
	src=${pair%%:*}
	dest=${pair#*:}
	[ "$src" != "$pair" ] && [ -n "$dest" ] ||
		err "bad VM_PAYLOAD entry '$pair': expected SRC:DEST"
	[ -e "$src" ] || err "payload $src is missing (VM_PAYLOAD $pair)"
	mkdir -p "$root/opt/damonrec/$(dirname "$dest")"
	cp -r "$src" "$root/opt/damonrec/$dest" || err "cannot copy $src"
done
cp "$top"/tests/vm/*.bats "$root/opt/damonrec/tests/" 2>/dev/null
cp -r "$top"/tests/vm/lib/. "$root/opt/damonrec/tests/lib/"
cp "$VM_DEMO" "$root/opt/damonrec/demo.sh" || err "cannot copy $VM_DEMO"
chmod 0755 "$root/opt/damonrec/demo.sh"

# A module built against other headers would not load: say so now.
for ko in "$root"/opt/damonrec/modules/*.ko; do
	[ -e "$ko" ] || continue
	vm=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
	[ "$vm" = "$krel" ] || err "${ko##*/} is built for '$vm' but the VM" \
		"kernel is $krel: build it with KDIR=/usr/src/linux-headers-$krel" \
		"(run 'make deps' if those headers are missing)"
done

# The test files to run: host paths, guest paths and numbers of tests.
host_tests=()
guest_tests=()
if [ "$mode" = tests ]; then
	if [ ${#tests[@]} -eq 0 ]; then
		for t in "$top"/tests/vm/*.bats; do
			[ -e "$t" ] || continue
			host_tests+=("$t")
			guest_tests+=("/opt/damonrec/tests/${t##*/}")
		done
		[ ${#guest_tests[@]} -gt 0 ] || err "no tests/vm/*.bats to run"
	fi
	mkdir -p "$root/opt/damonrec/tests/extra"
	for t in "${tests[@]}"; do
		# Files from elsewhere keep their name, under tests/extra.
		cp "$t" "$root/opt/damonrec/tests/extra/${t##*/}"
		host_tests+=("$t")
		guest_tests+=("/opt/damonrec/tests/extra/${t##*/}")
	done
fi
counts=()
for t in "${host_tests[@]}"; do
	c=$(bats --count "$t" 2>/dev/null)
	[[ $c =~ ^[0-9]+$ ]] || c=$(grep -c '^@test' "$t")
	counts+=("$c")
done

# --- shards ------------------------------------------------------------------
# duration NAME TESTS: the seconds a test file is expected to take.
duration() {
	local f d
	for f in "$VM_BUILD/durations" "$top/tests/vm/durations"; do
		[ -r "$f" ] || continue
		d=$(awk -v n="$1" '$1 !~ /^#/ && $2 == n { d = $1 } END { print d }' "$f")
		if [[ $d =~ ^[0-9]+(\.[0-9]*)?$ ]]; then
			echo "${d%.*}"
			return
		fi
	done
	echo $(($2 * 15))
}

# Longest file first, each to the shard with the least work so far; a
# shard keeps its files in name order.
nshards=1
if [ "$mode" = tests ]; then
	nshards=$VM_SHARDS
	[ "$nshards" -le ${#guest_tests[@]} ] || nshards=${#guest_tests[@]}
fi
shard_of=()
load=()
for ((k = 1; k <= nshards; k++)); do
	load[k]=0
done
while read -r d i; do
	best=1
	for ((k = 2; k <= nshards; k++)); do
		[ "${load[k]}" -lt "${load[best]}" ] && best=$k
	done
	shard_of[i]=$best
	load[best]=$((load[best] + d))
done < <(for i in "${!guest_tests[@]}"; do
	echo "$(duration "${guest_tests[i]##*/}" "${counts[i]}") $i"
done | sort -k1,1nr -k2,2n)

# sdir K: the directory of shard K's files (the run's own with one shard).
sdir() {
	if [ "$nshards" = 1 ]; then
		echo "$run"
	else
		echo "$run/shard$1"
	fi
}

# shard_names K: shard K's test files, by name.
shard_names() {
	local i names=()
	for i in "${!guest_tests[@]}"; do
		[ "${shard_of[i]}" = "$1" ] && names+=("${guest_tests[i]##*/}")
	done
	echo "${names[*]}"
}

{
	echo "VM_MODE=$mode"
	printf 'export VM_KERNEL=%q VM_KREL=%q\n' "$KERNEL" "$krel"
	while IFS= read -r v; do
		printf 'export %s=%q\n' "$v" "${!v}"
	done < <(compgen -e | grep '^DAMONREC_')
	printf 'VM_TESTS=('
	printf ' %q' "${guest_tests[@]}"
	printf ' )\n'
	# Shard K's VM has damonrec.shard=K on its kernel command line.
	if [ "$nshards" -gt 1 ]; then
		for ((k = 1; k <= nshards; k++)); do
			printf 'VM_TESTS_%d=(' "$k"
			for i in "${!guest_tests[@]}"; do
				[ "${shard_of[i]}" = "$k" ] &&
					printf ' %q' "${guest_tests[i]}"
			done
			printf ' )\n'
		done
	fi
	if [ "$mode" = shell ]; then
		read -r rows cols < <(stty size 2>/dev/null) || true
		echo "VM_ROWS=${rows:-24} VM_COLS=${cols:-80} VM_TERM=${TERM:-linux}"
	fi
} >"$root/etc/damonrec-vm.conf"

# Each shard's files, as "TESTS NAME" lines, for time_tests.
for ((k = 1; k <= nshards; k++)); do
	sd=$(sdir "$k")
	mkdir -p "$sd"
	for i in "${!guest_tests[@]}"; do
		[ "${shard_of[i]}" = "$k" ] &&
			echo "${counts[i]} ${guest_tests[i]##*/}"
	done >"$sd/files.list"
done

(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) >"$run/initrd.cpio" ||
	err "cannot build the initramfs"
rm -rf "$root"

# --- boot ------------------------------------------------------------------
# Single-threaded TCG.  qemu's default for an SMP guest is multi-threaded
# TCG, one host thread per vCPU.  There, a kernel text patch (static keys
# and static calls, flipped whenever a tracepoint gets its first probe or
# loses its last one: every recording's START and STOP) can leave a vCPU
# running a stale translation of the patched code: the guest dies with
# "Oops: int3" in kdamond_fn, try_to_wake_up or ttwu_do_activate, on the
# int3 that text_poke_bp() had already removed.  The likely path: a vCPU
# translates a block while the page holds the int3, another vCPU restores
# the byte before the block is linked to the page (qemu write-protects a
# code page only then), so that store invalidates nothing.  A host that
# deschedules vCPU threads widens that window.  Flipping the
# damon_aggregated and sched_wakeup trace events while a kdamond ran
# killed both of two VMs within about a minute each; with thread=single
# (the vCPUs take turns on one host thread: still an SMP guest, but no
# translation overlaps a store) 2600 flips in two VMs were clean.
# now: microseconds since the epoch; elapsed A B: seconds from A to B.
now() {
	echo "${EPOCHREALTIME/./}"
}

elapsed() {
	printf '%d.%d' $((($2 - $1) / 1000000)) $((($2 - $1) / 100000 % 10))
}

# time_tests TIMES FILES TAG DURATIONS: pass TAP through, writing to TIMES
# each test's seconds (from the previous result line, or from the plan) and
# its line, and to DURATIONS each whole test file's seconds and name.
# FILES lists the files run, in order, as "TESTS NAME" lines.  A TAG (the
# shard) puts "[shard TAG: NAME]" before each result's description.
time_tests() {
	local line t prev=${EPOCHREALTIME/./} sum=0 f=0 nf=0 c n name
	local -a left names
	while read -r c n; do
		left[nf]=$c names[nf]=$n
		nf=$((nf + 1))
	done <"$2"
	while IFS= read -r line; do
		t=${EPOCHREALTIME/./}
		case $line in
		"ok "*|"not ok "*)
			while [ $f -lt $nf ] && [ "${left[f]}" = 0 ]; do
				f=$((f + 1))
			done
			name=${names[f]:-?}
			if [ -n "$3" ] &&
				[[ $line =~ ^(ok|not\ ok)\ ([0-9]+)(\ .*)?$ ]]; then
				line="${BASH_REMATCH[1]} ${BASH_REMATCH[2]} [shard $3: $name]${BASH_REMATCH[3]}"
			fi
			printf '%s\n' "$line"
			printf '%d.%d %s\n' $(((t - prev) / 1000000)) \
				$(((t - prev) / 100000 % 10)) "$line" >>"$1"
			sum=$((sum + t - prev))
			prev=$t
			if [ $f -lt $nf ]; then
				left[f]=$((left[f] - 1))
				if [ "${left[f]}" = 0 ]; then
					printf '%d.%d %s\n' $((sum / 1000000)) \
						$((sum / 100000 % 10)) "$name" >>"$4"
					sum=0
					f=$((f + 1))
				fi
			fi
			;;
		1..*)
			printf '%s\n' "$line"
			prev=$t
			;;
		*)
			printf '%s\n' "$line"
			;;
		esac
	done
}

# boot_once K: one boot of shard K; sets began (the job started),
# timed_out (and why), boot_s and run_s.
boot_once() {
	local k=$1 sd t0 qpid tpid size last_size=0 last_change tag=''
	local boot_deadline=$((EPOCHSECONDS + VM_BOOT_TIMEOUT))
	local deadline=$((EPOCHSECONDS + VM_TIMEOUT))
	local append="console=ttyS0 panic=-1 quiet"
	local -a qemu_cmd
	sd=$(sdir "$k")
	if [ "$nshards" -gt 1 ]; then
		append="$append damonrec.shard=$k"
		tag=$k
	fi
	# shellcheck disable=SC2054
	qemu_cmd=("$QEMU" -accel "$VM_ACCEL" -cpu qemu64,-cx16 -m "$VM_MEM" -smp "$VM_SMP"
		-nographic -no-reboot -nic none
		-kernel "$kdir/vmlinuz" -initrd "$run/initrd.cpio"
		-append "$append"
		-device virtio-serial-pci
		-chardev "file,id=stream,path=$sd/stream.txt"
		-device virtserialport,chardev=stream,name=stream
		-chardev "file,id=out,path=$sd/out.tar"
		-device virtserialport,chardev=out,name=out)
	: >"$sd/stream.txt"
	: >"$sd/out.tar"
	: >"$sd/console.log"
	: >"$sd/times.txt"
	: >"$sd/durations.txt"
	began=0 timed_out=0 why='' boot_s=- run_s=-
	t0=$(now)
	if [ "$mode" = shell ]; then
		"${qemu_cmd[@]}"
		began=1
		run_s=$(elapsed "$t0" "$(now)")
		return
	fi
	"${qemu_cmd[@]}" </dev/null >"$sd/console.log" 2>&1 &
	qpid=$!
	# One shard's TAP goes straight out, several through merge_tap.
	if [ -n "$tag" ]; then
		tail -n +1 -F --pid=$qpid "$sd/stream.txt" 2>/dev/null |
			time_tests "$sd/times.txt" "$sd/files.list" "$tag" \
				"$sd/durations.txt" >"$fifo" &
	else
		tail -n +1 -F --pid=$qpid "$sd/stream.txt" 2>/dev/null |
			time_tests "$sd/times.txt" "$sd/files.list" "" \
				"$sd/durations.txt" &
	fi
	tpid=$!
	while kill -0 $qpid 2>/dev/null; do
		if [ $began = 0 ]; then
			if grep -q 'DAMONREC-VM: BEGIN' "$sd/console.log"; then
				began=1
				boot_s=$(elapsed "$t0" "$(now)")
				last_change=$EPOCHSECONDS
			elif [ $EPOCHSECONDS -ge $boot_deadline ]; then
				timed_out=1
				why="no job start within ${VM_BOOT_TIMEOUT}s"
				break
			fi
			sleep 0.1
			continue
		fi
		size=$(stat -c %s "$sd/stream.txt")
		if [ "$size" != "$last_size" ]; then
			last_size=$size
			last_change=$EPOCHSECONDS
		elif [ $((EPOCHSECONDS - last_change)) -ge "$VM_STALL_TIMEOUT" ]; then
			timed_out=1
			why="no guest output for ${VM_STALL_TIMEOUT}s"
			break
		fi
		if [ $EPOCHSECONDS -ge $deadline ]; then
			timed_out=1
			why="not done within ${VM_TIMEOUT}s"
			break
		fi
		sleep 1
	done
	[ $timed_out = 0 ] || kill $qpid 2>/dev/null
	wait $qpid
	wait $tpid 2>/dev/null
	run_s=$(elapsed "$t0" "$(now)")
	if [ $began = 0 ] && grep -q 'DAMONREC-VM: BEGIN' "$sd/console.log"; then
		began=1
	fi
}

# run_shard K: boot shard K, again when the boot fails before the job
# begins; leaves began, timed_out, why, boot_s, run_s and try in its state.
run_shard() {
	local k=$1 sd pre=
	sd=$(sdir "$k")
	[ "$nshards" = 1 ] || pre="shard $k: "
	try=1
	while :; do
		boot_once "$k"
		[ $began = 1 ] && break
		[ -n "$why" ] || why="no job start marker"
		cp "$sd/console.log" "$sd/console.boot$try.log"
		if [ $try -ge "$VM_TRIES" ]; then
			echo "vm: ${pre}boot failed before the tests began ($why," \
				"attempt $try of $VM_TRIES); console:" \
				"$sd/console.boot$try.log" >&2
			break
		fi
		echo "vm: ${pre}boot failed before the tests began ($why, attempt" \
			"$try of $VM_TRIES), retrying; console: $sd/console.boot$try.log" >&2
		try=$((try + 1))
	done
	for v in began timed_out why boot_s run_s try; do
		printf '%s=%q\n' "$v" "${!v}"
	done >"$sd/state"
}

# merge_tap: the shards' TAP, from the FIFO, numbered anew (the plan,
# which counts every shard's tests, is printed before).
merge_tap() {
	local line n=0
	while IFS= read -r line; do
		if [ "$line" = "$merge_end" ]; then
			break
		elif [[ $line =~ ^(ok|not\ ok)\ [0-9]+(\ .*)?$ ]]; then
			n=$((n + 1))
			printf '%s %d%s\n' "${BASH_REMATCH[1]}" $n "${BASH_REMATCH[2]}"
		elif ! [[ $line =~ ^1\.\.[0-9]+$ ]]; then
			printf '%s\n' "$line"
		fi
	done
}

t_all=$(now)
if [ "$nshards" = 1 ]; then
	run_shard 1
else
	fifo=$run/tap.fifo
	merge_end="DAMONREC-VM-MERGE-END-$$"
	mkfifo "$fifo" || err "cannot create $fifo"
	total=0
	for c in "${counts[@]}"; do
		total=$((total + c))
	done
	echo "1..$total"
	for ((k = 1; k <= nshards; k++)); do
		echo "# shard $k (about ${load[k]}s): $(shard_names "$k")"
	done
	# The reader holds the FIFO open for writing too: it sees no end of
	# file between the shards' boots, only the end line.
	{ merge_tap <&3; } 3<>"$fifo" &
	mpid=$!
	spids=()
	for ((k = 1; k <= nshards; k++)); do
		run_shard "$k" &
		spids+=($!)
	done
	wait "${spids[@]}"
	echo "$merge_end" >"$fifo"
	wait $mpid
	rm -f "$fifo"
fi
all_s=$(elapsed "$t_all" "$(now)")

rm -f "$run/initrd.cpio"

# --- results -----------------------------------------------------------------
# unpack DIR: the guest packs out/ (its $VM_OUT), dmesg.txt and rc.
unpack() {
	local d=$1
	mkdir -p "$d/pack"
	if [ -s "$d/out.tar" ]; then
		if tar -x -f "$d/out.tar" -C "$d/pack" 2>"$d/tar.err"; then
			rm -f "$d/out.tar" "$d/tar.err"
		else
			fails+=("the results tar stream is damaged (see $d/tar.err)")
		fi
	fi
	mkdir -p "$d/pack/out"
	mv "$d/pack/out" "$d/out"
	[ -e "$d/pack/dmesg.txt" ] && mv "$d/pack/dmesg.txt" "$d/dmesg.txt"
	rm -rf "$d/pack"
}

fails=()
pre=
if [ "$mode" = shell ]; then
	unpack "$run"
	echo "VM_OUT=$run/out"
	exit 0
fi

# Kernel trouble, in the console or the guest's log.  The kernel command
# line (panic=-1) is not trouble.
bad='Oops|BUG|WARNING|panic|Call Trace'
nok_all=0 plan_all=0 tries=1 boots='' runs='' notes=()
for ((k = 1; k <= nshards; k++)); do
	sd=$(sdir "$k")
	pre=
	[ "$nshards" = 1 ] || pre="shard $k: "
	# The first file whose tests did not all report, in shard mode.
	at=
	if [ "$nshards" -gt 1 ]; then
		at=$(awk 'FILENAME == ARGV[1] { done[$2] = 1; next }
			$1 > 0 && !($2 in done) { print " (in " $2 ")"; exit }' \
			"$sd/durations.txt" "$sd/files.list")
	fi
	nfails=${#fails[@]}
	# shellcheck source=/dev/null
	. "$sd/state"
	[ "$try" -le "$tries" ] || tries=$try
	boots="$boots${boots:++}$boot_s"
	runs="$runs${runs:++}$run_s"
	unpack "$sd"

	[ $began = 1 ] || fails+=("the boot failed before the job began")
	[ $timed_out = 1 ] && [ $began = 1 ] && fails+=("timed out: $why$at")

	end=$(sed -n 's/.*DAMONREC-VM: END rc=\([0-9]*\).*/\1/p' "$sd/console.log" |
		tail -n 1)
	if [ $began = 1 ]; then
		if [ -z "$end" ]; then
			fails+=("no end marker on the console")
		elif [ "$end" != 0 ]; then
			fails+=("the guest job exited $end")
		fi
		[ -s "$sd/dmesg.txt" ] || fails+=("no guest dmesg came back")
	fi

	trouble=$(cat "$sd/console.log" "$sd/dmesg.txt" 2>/dev/null |
		grep -v -e 'Command line:' -e 'Kernel command line:' -e 'DAMONREC-VM: ' |
		grep -E "$bad" | head -n 20)
	[ -z "$trouble" ] || fails+=("kernel trouble in the console or dmesg")

	plan=
	if [ "$mode" = tests ] && [ $began = 1 ]; then
		plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$sd/stream.txt" | head -n 1)
		nok=$(grep -c '^ok ' "$sd/stream.txt")
		nnot=$(grep -c '^not ok ' "$sd/stream.txt")
		nok_all=$((nok_all + nok))
		if [ -z "$plan" ]; then
			fails+=("no TAP plan from bats")
		elif [ $((nok + nnot)) != "$plan" ]; then
			fails+=("$((nok + nnot)) of $plan tests reported$at")
		fi
		if [ "$nnot" != 0 ]; then
			msg="$nnot tests failed"
			if [ "$nshards" -gt 1 ]; then
				msg="$msg ($(sed -n 's/^[0-9.]* not ok [0-9]* \[shard [0-9]*: \([^]]*\)\].*/\1/p' \
					"$sd/times.txt" | sort -u | tr '\n' ' ' | sed 's/ $//'))"
			fi
			fails+=("$msg")
		fi
	fi
	[ -n "$plan" ] && [ -n "$plan_all" ] && plan_all=$((plan_all + plan))
	[ -n "$plan" ] || plan_all=

	if [ ${#fails[@]} != "$nfails" ]; then
		notes+=("$k")
		# One entry per shard: "shard K (FILES): reason, reason".
		if [ "$nshards" -gt 1 ]; then
			msg=$(printf '%s, ' "${fails[@]:nfails}")
			fails=("${fails[@]:0:nfails}" "$pre${msg%, }")
		fi
	fi
	if [ -n "$trouble" ]; then
		echo "# ${pre}kernel trouble (console or $sd/dmesg.txt):"
		sed 's/^/#   /' <<<"$trouble"
	fi
done

# The console's last lines, of each shard that did not end well.
for k in "${notes[@]}"; do
	sd=$(sdir "$k")
	echo "# last console lines ($sd/console.log):"
	tail -n 15 "$sd/console.log" | sed 's/^/#   /'
done

# One $VM_OUT, the shards' files together (hard links).
if [ "$nshards" -gt 1 ]; then
	mkdir -p "$run/out"
	for ((k = 1; k <= nshards; k++)); do
		sd=$(sdir "$k")
		cp -al "$sd/out/." "$run/out/" 2>/dev/null ||
			echo "# shard $k: some of its \$VM_OUT files clash with" \
				"another shard's: all of them are in $sd/out"
		cat "$sd/times.txt" >>"$run/times.txt"
	done
fi

if [ "$mode" = tests ]; then
	# What each whole file took, for the next run's shards; not from a
	# run with DAMONREC_* settings (make vm-stress runs longer).
	[ -z "$(compgen -e | grep '^DAMONREC_')" ] &&
	cat "$run"/durations.txt "$run"/shard*/durations.txt 2>/dev/null |
		grep -q . &&
	{
		echo "# seconds each guest test file took (tests/vm/run.sh)"
		{
			grep -v '^#' "$VM_BUILD/durations" 2>/dev/null
			cat "$run"/durations.txt "$run"/shard*/durations.txt 2>/dev/null
		} | awk 'NF == 2 { d[$2] = $1 } END { for (n in d) print d[n], n }' |
			LC_ALL=C sort -k2
	} >"$VM_BUILD/durations.$$" && mv "$VM_BUILD/durations.$$" "$VM_BUILD/durations"

	if [ -s "$run/times.txt" ]; then
		echo "# slowest guest tests (seconds, all in $run/times.txt):"
		sort -rn "$run/times.txt" | head -n 5 | sed 's/^/#   /'
	fi
fi

summary=
[ "$mode" = tests ] && summary="$nok_all of ${plan_all:-?} tests ok"
if [ "$nshards" = 1 ]; then
	info="boot ${boots}s, run ${runs}s, kernel $krel"
else
	info="$nshards VMs at once, boot ${boots}s, run ${runs}s, all ${all_s}s, kernel $krel"
fi
[ "$tries" -gt 1 ] && info="$info, boot attempts $tries"
if [ ${#fails[@]} -eq 0 ]; then
	echo "vm: PASS${summary:+: $summary}, end marker seen, console and dmesg clean ($info)"
	status=0
else
	msg=$(printf '%s; ' "${fails[@]}")
	echo "vm: FAIL: ${msg%; }${summary:+ ($summary)} ($info)"
	status=1
fi
echo "VM_OUT=$run/out"
exit $status
