#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# chroot.sh NAME --path        make sure the build chroot of kernel NAME is
#                              ready and print its directory
# chroot.sh NAME CMD [ARG...]  run CMD in it, in the current directory
#
# A kernel's headers need the compiler the kernel was built with, so the
# modules of each kernel of the matrix (scripts/kernels.sh) but the
# bookworm-backports one build in a minimal chroot of that kernel's Debian
# release: debootstrap --variant=minbase from the machine's own mirror,
# with the compiler, make, libelf, sparse, dkms and the kernel's headers.
# One chroot per release (trixie-rt shares trixie's), cached in
# $cache/chroot/SUITE and created on first use; when the release resolved
# by kver.sh is newer than the headers in it, they are added.  Creation
# and additions hold $cache/chroot/SUITE.lock.
#
# CMD runs as root with /proc mounted (objtool reads it) and the current
# directory bind-mounted at the same path, in a mount namespace of its own:
# both mounts are undone on every way out (the EXIT trap, and in any case
# when the namespace's last process ends).  The environment is reduced to
# PATH, HOME, LC_ALL and TERM; MAKEFLAGS does not pass (give make its -j).
#
# Needs root, or password-less sudo, and debootstrap (make deps).

set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/kernels.sh"

usage() {
	echo "usage: chroot.sh NAME --path | NAME CMD [ARG...]" >&2
	exit 2
}

[ $# -ge 2 ] || usage
name=$1
shift
kernel_check "$name" || exit 2
suite=$(kernel_suite "$name")
if [ "$suite" = bookworm-backports ]; then
	echo "chroot.sh: the $name kernel builds on this machine, not in a" \
		"chroot" >&2
	exit 2
fi

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		exec sudo -n DAMONREC_CACHE="$cache" "$0" "$name" "$@"
	fi
	echo "chroot.sh: the $name build chroot needs root (or sudo)" >&2
	exit 1
fi

rel=$("$here/kver.sh" "$name") || exit 1
root=$cache/chroot/$suite
hdr=/usr/src/linux-headers-$rel

say() {
	echo "chroot.sh: $*" >&2
}

# inside ROOT CMD...: CMD in ROOT with /proc and $PWD mounted.
inside() {
	unshare --mount --propagation private -- /bin/bash -c '
		set -eu
		root=$1 top=$2
		shift 2
		undo() {
			umount "$root$top" 2>/dev/null || true
			umount "$root/proc" 2>/dev/null || true
		}
		trap undo EXIT
		trap "exit 130" INT
		trap "exit 143" TERM HUP
		mount -t proc proc "$root/proc"
		mkdir -p "$root$top"
		mount --bind "$top" "$root$top"
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
			TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive \
			chroot "$root" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$top" "$@"
	' inside "$1" "$PWD" "${@:2}"
}

# Packages every chroot holds besides the headers.
base=make,gcc,libc6-dev,libelf-dev,sparse,kmod,xz-utils,dkms,ca-certificates

# create: debootstrap the suite into a new directory, then publish it.
create() {
	local src uri key new
	command -v debootstrap >/dev/null ||
		{ say "debootstrap is missing: run 'make deps'"; return 1; }
	src=$(apt_source bookworm | head -n 1)
	uri=${src%%|*}
	key=${src##*|}
	[ -n "$uri" ] || uri=http://deb.debian.org/debian
	[ -n "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
	new=$(mktemp -d "$cache/chroot/.new-$suite.XXXXXX")
	chmod 0755 "$new"
	say "creating the $suite build chroot in $root (debootstrap from $uri)"
	if ! debootstrap --variant=minbase --keyring="$key" \
		--include="$base" "$suite" "$new" "$uri" >"$new.log" 2>&1; then
		say "debootstrap failed; its log: $new.log"
		tail -n 20 "$new.log" >&2
		rm -rf "$new"
		return 1
	fi
	if [ "$suite" != sid ]; then
		src=$(apt_source bookworm-security | head -n 1)
		echo "deb ${src%%|*} $suite-security main" >>"$new/etc/apt/sources.list"
	fi
	rm -f "$new.log"
	touch "$new/.damonrec-base"
	mv -T "$new" "$root"
}

# ready: the chroot exists and has the headers of $rel.
ready() {
	[ -e "$root/.damonrec-base" ] && [ -e "$root$hdr/Makefile" ]
}

# checker_valid: the top Makefile of some headers packages (sid's) calls
# scripts/checker-valid.sh, which the package lacks, and then drops C=1/2
# as if sparse were missing.  Give it one that says whether the checker
# runs on a line of C.
checker_valid() {
	local common f
	common=$(sed -n 's/^include \(\/usr\/src\/[^ ]*\)\/Makefile$/\1/p' \
		"$root$hdr/Makefile" | head -n 1)
	for f in "$root$hdr/Makefile" ${common:+"$root$common/Makefile"}; do
		grep -q 'scripts/checker-valid.sh' "$f" 2>/dev/null || continue
		f=$(dirname "$f")/scripts/checker-valid.sh
		[ -e "$f" ] && continue
		printf '%s\n' '#!/bin/sh' \
			'# checker-valid.sh CHECKER [FLAGS]: print 1 when CHECKER runs.' \
			'echo "static int x;" | "$@" - >/dev/null 2>&1 && echo 1' >"$f"
		chmod 0755 "$f"
	done
}

if ! ready; then
	mkdir -p "$cache/chroot"
	exec 9>"$cache/chroot/$suite.lock"
	flock 9
	if ! ready; then
		[ -e "$root/.damonrec-base" ] || { rm -rf "$root"; create; }
		say "installing linux-headers-$rel in the $suite chroot"
		# The mirror may be a snapshot whose Release files have expired.
		printf '%s\n' 'APT::Install-Recommends "false";' \
			'Acquire::Check-Valid-Until "false";' \
			>"$root/etc/apt/apt.conf.d/90damonrec"
		if ! inside "$root" /bin/sh -c "apt-get -q update &&
			apt-get -q -y install linux-headers-$rel && apt-get clean" \
			>"$root.apt.log" 2>&1; then
			say "installing linux-headers-$rel failed; log: $root.apt.log"
			tail -n 20 "$root.apt.log" >&2
			exit 1
		fi
	fi
	exec 9>&-
fi
checker_valid

if [ "$1" = --path ]; then
	[ $# = 1 ] || usage
	echo "$root"
	exit 0
fi
inside "$root" "$@"
