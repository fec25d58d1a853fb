#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - boot the damonrec test VM and judge the run.
#
#   run.sh [--mode tests|demo|shell] [FILE.bats...]
#
# Builds an initramfs (busybox, bash, bats-core with bats-support and
# bats-assert, zsmalloc.ko, the payload, the guest tests and tests/vm/init),
# boots the current bookworm-backports cloud kernel under qemu TCG and
# brings back, over virtio-serial, the job's output and every file the guest
# wrote under $VM_OUT.
#
# Modes:
#   tests  (default) runs the given .bats files (default tests/vm/*.bats)
#          with bats --tap; the TAP is printed as it arrives
#   demo   runs the guest demo script ($VM_DEMO, default tests/vm/demo.sh)
#   shell  an interactive shell on the serial console (needs a terminal)
#
# The verdict (tests and demo): the guest's end marker is on the console,
# the job exited 0, every planned test reported ok, and neither the console
# nor the guest's dmesg holds Oops, BUG, WARNING, panic or Call Trace; all
# within $VM_TIMEOUT seconds, and never $VM_STALL_TIMEOUT seconds without
# output from the job.  A boot that fails before the job begins is retried
# once, and said so.  The last lines are
#   vm: PASS ...   or   vm: FAIL: <reasons>
#   VM_OUT=<directory holding the files the guest wrote under $VM_OUT>
# and the exit status is 0 on PASS, 1 on FAIL, 2 on a usage or setup error.
#
# Environment:
#   VM_PAYLOAD       space-separated SRC:DEST pairs, DEST relative to
#                    /opt/damonrec in the guest (from the make fragments)
#   VM_RUNAS         the static runas helper to put in /usr/bin
#   VM_BUILD         where runs are kept (default build/vm)
#   VM_KREL          kernel release to boot (default: resolved, scripts/kver.sh)
#   VM_TIMEOUT       seconds for a whole run (default 1800)
#   VM_STALL_TIMEOUT seconds the job may go without output (default 600)
#   VM_BOOT_TIMEOUT  seconds until the job must have begun (default 120)
#   VM_TRIES         boots tried when the boot fails early (default 2)
#   VM_MEM, VM_SMP   guest memory in MiB (default 1024) and CPUs (default 2)
#   QEMU             the qemu binary (default qemu-system-x86_64)

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
VM_BUILD=${VM_BUILD:-build/vm}
VM_DEMO=${VM_DEMO:-$top/tests/vm/demo.sh}

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

krel=$("$top/scripts/kver.sh") || exit 2
kdir=$("$top/tests/vm/kernel.sh" "$krel") || exit 2

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
cp "$kdir/zsmalloc.ko" "$root/opt/damonrec/modules/zsmalloc.ko"
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

# The test files to run, by their guest paths.
guest_tests=()
if [ "$mode" = tests ]; then
	if [ ${#tests[@]} -eq 0 ]; then
		for t in "$top"/tests/vm/*.bats; do
			[ -e "$t" ] && guest_tests+=("/opt/damonrec/tests/${t##*/}")
		done
		[ ${#guest_tests[@]} -gt 0 ] || err "no tests/vm/*.bats to run"
	fi
	mkdir -p "$root/opt/damonrec/tests/extra"
	for t in "${tests[@]}"; do
		# Files from elsewhere keep their name, under tests/extra.
		cp "$t" "$root/opt/damonrec/tests/extra/${t##*/}"
		guest_tests+=("/opt/damonrec/tests/extra/${t##*/}")
	done
fi

{
	echo "VM_MODE=$mode"
	printf 'VM_TESTS=('
	printf ' %q' "${guest_tests[@]}"
	printf ' )\n'
	if [ "$mode" = shell ]; then
		read -r rows cols < <(stty size 2>/dev/null) || true
		echo "VM_ROWS=${rows:-24} VM_COLS=${cols:-80} VM_TERM=${TERM:-linux}"
	fi
} >"$root/etc/damonrec-vm.conf"

(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) >"$run/initrd.cpio" ||
	err "cannot build the initramfs"
rm -rf "$root"

# --- boot ------------------------------------------------------------------
qemu_cmd=("$QEMU" -accel tcg -cpu qemu64,-cx16 -m "$VM_MEM" -smp "$VM_SMP"
	-nographic -no-reboot -nic none
	-kernel "$kdir/vmlinuz" -initrd "$run/initrd.cpio"
	-append "console=ttyS0 panic=-1 quiet"
	-device virtio-serial-pci
	-chardev "file,id=stream,path=$run/stream.txt"
	-device virtserialport,chardev=stream,name=stream
	-chardev "file,id=out,path=$run/out.tar"
	-device virtserialport,chardev=out,name=out)

# now: microseconds since the epoch; elapsed A B: seconds from A to B.
now() {
	echo "${EPOCHREALTIME/./}"
}

elapsed() {
	printf '%d.%d' $((($2 - $1) / 1000000)) $((($2 - $1) / 100000 % 10))
}

# time_tests FILE: pass TAP through, writing to FILE each test's seconds
# (from the previous result line, or from the plan) and its line.
time_tests() {
	local line t prev=${EPOCHREALTIME/./}
	while IFS= read -r line; do
		printf '%s\n' "$line"
		t=${EPOCHREALTIME/./}
		case $line in
		"ok "*|"not ok "*)
			printf '%d.%d %s\n' $(((t - prev) / 1000000)) \
				$(((t - prev) / 100000 % 10)) "$line" >>"$1"
			prev=$t
			;;
		1..*)
			prev=$t
			;;
		esac
	done
}

# boot_once: one boot; sets began (the job started), timed_out (and why),
# boot_s and run_s.
boot_once() {
	local t0 qpid tpid size last_size=0 last_change
	local boot_deadline=$((EPOCHSECONDS + VM_BOOT_TIMEOUT))
	local deadline=$((EPOCHSECONDS + VM_TIMEOUT))
	: >"$run/stream.txt"
	: >"$run/out.tar"
	: >"$run/console.log"
	: >"$run/times.txt"
	began=0 timed_out=0 why= boot_s=- run_s=-
	t0=$(now)
	if [ "$mode" = shell ]; then
		"${qemu_cmd[@]}"
		began=1
		run_s=$(elapsed "$t0" "$(now)")
		return
	fi
	"${qemu_cmd[@]}" </dev/null >"$run/console.log" 2>&1 &
	qpid=$!
	tail -n +1 -F --pid=$qpid "$run/stream.txt" 2>/dev/null |
		time_tests "$run/times.txt" &
	tpid=$!
	while kill -0 $qpid 2>/dev/null; do
		if [ $began = 0 ]; then
			if grep -q 'DAMONREC-VM: BEGIN' "$run/console.log"; then
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
		size=$(stat -c %s "$run/stream.txt")
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
	if [ $began = 0 ] && grep -q 'DAMONREC-VM: BEGIN' "$run/console.log"; then
		began=1
	fi
}

try=1
while :; do
	boot_once
	[ $began = 1 ] && break
	[ -n "$why" ] || why="no job start marker"
	cp "$run/console.log" "$run/console.boot$try.log"
	if [ $try -ge "$VM_TRIES" ]; then
		echo "vm: boot failed before the tests began ($why, attempt" \
			"$try of $VM_TRIES); console: $run/console.boot$try.log" >&2
		break
	fi
	echo "vm: boot failed before the tests began ($why, attempt $try of" \
		"$VM_TRIES), retrying; console: $run/console.boot$try.log" >&2
	try=$((try + 1))
done

rm -f "$run/initrd.cpio"

# --- results -----------------------------------------------------------------
# The guest packs out/ (its $VM_OUT), dmesg.txt and rc.
fails=()
mkdir -p "$run/pack"
if [ -s "$run/out.tar" ]; then
	if tar -x -f "$run/out.tar" -C "$run/pack" 2>"$run/tar.err"; then
		rm -f "$run/out.tar" "$run/tar.err"
	else
		fails+=("the results tar stream is damaged (see $run/tar.err)")
	fi
fi
mkdir -p "$run/pack/out"
mv "$run/pack/out" "$run/out"
[ -e "$run/pack/dmesg.txt" ] && mv "$run/pack/dmesg.txt" "$run/dmesg.txt"
rm -rf "$run/pack"
if [ "$mode" = shell ]; then
	echo "VM_OUT=$run/out"
	exit 0
fi

[ $began = 1 ] || fails+=("the boot failed before the job began")
[ $timed_out = 1 ] && [ $began = 1 ] && fails+=("timed out: $why")

end=$(sed -n 's/.*DAMONREC-VM: END rc=\([0-9]*\).*/\1/p' "$run/console.log" |
	tail -n 1)
if [ $began = 1 ]; then
	if [ -z "$end" ]; then
		fails+=("no end marker on the console")
	elif [ "$end" != 0 ]; then
		fails+=("the guest job exited $end")
	fi
	[ -s "$run/dmesg.txt" ] || fails+=("no guest dmesg came back")
fi

# Kernel trouble, in the console or the guest's log.  The kernel command
# line (panic=-1) is not trouble.
bad='Oops|BUG|WARNING|panic|Call Trace'
trouble=$(cat "$run/console.log" "$run/dmesg.txt" 2>/dev/null |
	grep -v -e 'Command line:' -e 'Kernel command line:' -e 'DAMONREC-VM: ' |
	grep -E "$bad" | head -n 20)
[ -z "$trouble" ] || fails+=("kernel trouble in the console or dmesg")

summary=""
if [ "$mode" = tests ] && [ $began = 1 ]; then
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$run/stream.txt" | head -n 1)
	nok=$(grep -c '^ok ' "$run/stream.txt")
	nnot=$(grep -c '^not ok ' "$run/stream.txt")
	summary="$nok of ${plan:-?} tests ok"
	if [ -z "$plan" ]; then
		fails+=("no TAP plan from bats")
	elif [ $((nok + nnot)) != "$plan" ]; then
		fails+=("$((nok + nnot)) of $plan tests reported")
	fi
	[ "$nnot" = 0 ] || fails+=("$nnot tests failed")
fi

if [ ${#fails[@]} -gt 0 ]; then
	if [ -n "$trouble" ]; then
		echo "# kernel trouble (console or $run/dmesg.txt):"
		sed 's/^/#   /' <<<"$trouble"
	fi
	echo "# last console lines ($run/console.log):"
	tail -n 15 "$run/console.log" | sed 's/^/#   /'
fi

if [ "$mode" = tests ] && [ -s "$run/times.txt" ]; then
	echo "# slowest guest tests (seconds, all in $run/times.txt):"
	sort -rn "$run/times.txt" | head -n 5 | sed 's/^/#   /'
fi

info="boot ${boot_s}s, run ${run_s}s, kernel $krel"
[ $try -gt 1 ] && info="$info, boot attempts $try"
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
