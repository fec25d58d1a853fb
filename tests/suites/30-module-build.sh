#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel modules, the test modules among them, build for every kernel of
# the matrix (scripts/kernels.sh: bookworm-backports on this machine;
# trixie, trixie-rt and sid each in a chroot of its release, with its own
# compiler, created on first use) and against Debian's stock 6.1 headers
# (no DAMON), and the W=1 and sparse (C=2) builds of each report nothing: a
# single warning is a failure.  See driver/driver.mk for the targets.
#
# Environment: CHECK_KERNELS, the kernels to build for (default all).

set -u
cd "$(dirname "$0")/../.." || exit 1

MAKE=${MAKE:-make}
jobs=
[[ " ${MAKEFLAGS:-} " == *" -j"* ]] || jobs=-j$(nproc)
n=0
fail=0

# step WHAT CMD...: one TAP line; the output of CMD only when it fails.
step() {
	local what=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/# /'
		fail=1
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # skip $2"
}

# release KDIR: the kernel release a header directory builds for.
release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
		"$1/include/generated/utsrelease.h" 2>/dev/null
}

# modinfo_check KO RELEASE: the module's vermagic names RELEASE.
modinfo_check() {
	local vm
	vm=$(modinfo -F vermagic "$1") || return 1
	[ "${vm%% *}" = "$2" ] || {
		echo "vermagic '$vm', headers $2"
		return 1
	}
	[ "$(modinfo -F license "$1")" = GPL ]
}

# The kernels of the matrix.
. scripts/kernels.sh
for k in ${CHECK_KERNELS:-$KERNELS}; do
	if ! rel=$(scripts/kver.sh "$k"); then
		step "the $k kernel's release resolves" scripts/kver.sh "$k"
		continue
	fi
	dir=${BUILD:-build}/modules-$rel/driver
	step "modules build for $k ($rel)" $MAKE -s $jobs KERNEL="$k" modules
	for ko in damon_rec damon_dyndbg ddz_selftest ddz_badorder; do
		step "$ko.ko for $k has its vermagic and license" \
			modinfo_check "$dir/$ko.ko" "$rel"
	done
	step "W=1 and sparse (C=2) build for $k is clean" \
		$MAKE -s $jobs KERNEL="$k" modules-check
done

# Debian's stock 6.1 headers: no DAMON, but the oldest kernel that builds.
for tag in 6.1; do
	kdir=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null |
		sort -V | tail -n 1)
	if [ -z "$kdir" ] || [ ! -e "$kdir/Makefile" ]; then
		for what in "modules build" "damon_rec.ko vermagic" \
			"W=1 and sparse (C=2) build is clean"; do
			skip "$what against the $tag headers" \
				"no $tag headers in /usr/src"
		done
		continue
	fi
	rel=$(release "$kdir")
	dir=${BUILD:-build}/modules-$rel/driver
	step "modules build against the $tag headers ($rel)" \
		$MAKE -s $jobs "modules-$tag"
	step "damon_rec.ko for $rel has its vermagic and license" \
		modinfo_check "$dir/damon_rec.ko" "$rel"
	step "W=1 and sparse (C=2) build against the $tag headers is clean" \
		$MAKE -s $jobs "modules-check-$tag"
done

exit $fail
