#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# damon_rec.ko on a kernel without DAMON: boots Debian's stock 6.1 kernel
# (CONFIG_DAMON unset) under qemu TCG with a minimal initramfs, loads the
# modules built against the 6.1 headers (zsmalloc from the kernel package,
# then damon_dyndbg, which damon_rec needs), runs "ioctl_errno --nodamon"
# (GET_INFO reports no DAMON and tp_proto 0, START fails with EOPNOTSUPP,
# the rest works), unloads it, and reads the verdict from the serial
# console: every check passed, one kernel log line explains the
# EOPNOTSUPP, and no Oops, BUG, WARNING or Call Trace.
#
# The kernel image comes from the linux-image package of the 6.1 headers'
# release, fetched once into the test VM's cache by tests/vm/kernel.sh.
# Without the 6.1 headers, qemu or the package, the tests are skipped.

set -u
cd "$(dirname "$0")/../.." || exit 1

MAKE=${MAKE:-make}
BUILD=${BUILD:-build}
n=0
fail=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	fail=1
}

skip_all() {
	local what
	for what in "damon_rec.ko loads on a kernel without DAMON" \
		"the device works there and START fails with EOPNOTSUPP" \
		"one kernel log line says why" \
		"the modules unload, the kernel log is clean"; do
		n=$((n + 1))
		echo "ok $n - $what # skip $1"
	done
	exit 0
}

kdir=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V |
	tail -n 1)
[ -n "$kdir" ] || skip_all "no Debian 6.1 headers in /usr/src"
rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
	"$kdir/include/generated/utsrelease.h")
command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86_64"
[ -x /bin/busybox ] || skip_all "no /bin/busybox (busybox-static)"

out=$($MAKE -s modules-6.1 "$BUILD/static/ioctl_errno" 2>&1) || {
	not_ok "build the 6.1 module and ioctl_errno"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/# /'
	exit 1
}
ko=$BUILD/modules-$rel/driver/damon_rec.ko

cache=$(tests/vm/kernel.sh "$rel" 2>/dev/null) ||
	skip_all "cannot fetch linux-image-$rel (apt-get download)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp /bin/busybox "$root/bin/"
for a in sh mount insmod rmmod dmesg grep sed poweroff cat; do
	ln -s busybox "$root/bin/$a"
done
cp "$BUILD/static/ioctl_errno" "$root/bin/"
cp "$cache/zsmalloc.ko" "$root/zsmalloc.ko"
cp "${ko%/*}/damon_dyndbg.ko" "$root/damon_dyndbg.ko"
cp "$ko" "$root/damon_rec.ko"
cat >"$root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
echo "NODAMON: kernel $(cat /proc/sys/kernel/osrelease)"
[ -d /sys/kernel/mm/damon ] && echo "NODAMON: this kernel has DAMON"
# damon_rec needs damon_dyndbg, which needs zsmalloc: what modprobe does.
for m in zsmalloc damon_dyndbg; do
	insmod /$m.ko 2>&1 | sed "s/^/NODAMON: insmod $m: /"
done
if insmod /damon_rec.ko 2>/tmp/insmod.err; then
	echo "NODAMON: insmod ok"
	ls -l /dev/damon_rec | sed 's/^/NODAMON: /'
	cd /tmp && /bin/ioctl_errno --nodamon 2>&1 | sed 's/^/NODAMON: /'
	cd /
	rmmod damon_rec && rmmod damon_dyndbg && echo "NODAMON: rmmod ok"
else
	sed 's/^/NODAMON: insmod damon_rec: /' /tmp/insmod.err
fi
dmesg | sed 's/^/NODAMON: dmesg: /'
echo "NODAMON: END"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$work/initrd.gz"

timeout 600 qemu-system-x86_64 -accel tcg -cpu qemu64,-cx16 -m 512 -smp 1 \
	-kernel "$cache/vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet" -nographic -no-reboot \
	</dev/null >"$work/console.log" 2>&1
log=$(tr -d '\r' <"$work/console.log" | sed -n 's/^.*NODAMON: //p')

show() {
	printf '%s\n' "$log" | grep -v '^dmesg: ' | sed 's/^/# /'
}

if ! printf '%s\n' "$log" | grep -qx END; then
	not_ok "the $rel VM ran to its end"
	tail -n 30 "$work/console.log" | sed 's/^/# /'
	exit 1
fi
if printf '%s\n' "$log" | grep -qx 'this kernel has DAMON'; then
	skip_all "kernel $rel has DAMON"
fi

if printf '%s\n' "$log" | grep -qx 'insmod ok' &&
	printf '%s\n' "$log" | grep -q '^crw------- .* /dev/damon_rec$'; then
	ok "damon_rec.ko loads on $rel (no DAMON), /dev/damon_rec mode 0600"
else
	not_ok "damon_rec.ko loads on $rel (no DAMON), /dev/damon_rec mode 0600"
	show
fi

if printf '%s\n' "$log" | grep -qE '^[0-9]+ checks, 0 failed$' &&
	! printf '%s\n' "$log" | grep -q '^FAIL'; then
	ok "the device works there and START fails with EOPNOTSUPP"
else
	not_ok "the device works there and START fails with EOPNOTSUPP"
	show
fi

why=$(printf '%s\n' "$log" |
	grep -c '^dmesg: .*damon_rec: cannot record: .*without CONFIG_DAMON')
if [ "$why" = 1 ]; then
	ok "one kernel log line says why"
else
	not_ok "one kernel log line says why (found $why)"
fi

bad=$(printf '%s\n' "$log" | grep '^dmesg: ' | grep -v -i 'command line:' |
	grep -E 'Oops|BUG|WARNING|panic|Call Trace')
if printf '%s\n' "$log" | grep -qx 'rmmod ok' && [ -z "$bad" ]; then
	ok "the modules unload, the kernel log is clean"
else
	not_ok "the modules unload, the kernel log is clean"
	printf '%s\n' "$bad" | sed 's/^/# /'
fi

exit $fail
