#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kver.sh [NAME] - print the kernel release of kernel NAME of the matrix
# (scripts/kernels.sh; default $KERNEL, else bookworm-backports), e.g.
# "6.12.95+deb12-cloud-amd64" for bookworm-backports: the kernel the VM
# test bed boots and the headers its modules build against.  Debian's
# versions rotate, so this is resolved from apt's package lists at run
# time, never written down: the machine's lists for bookworm-backports,
# the private lists of kernels.sh (refreshed when stale) for the others.
#
# Resolving costs apt-cache a second or more, so the answer is cached and
# reused until the package lists change.
#
# Environment: VM_KREL forces a release; DAMONREC_CACHE is the cache
# directory (default ${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/damonrec).
#
# Exit status: 0 with the release on stdout, 1 when it cannot be resolved
# (an unknown NAME, no bookworm-backports suite in apt's sources, or no
# package lists), 2 on a usage error.

set -u

if [ -n "${VM_KREL:-}" ]; then
	echo "$VM_KREL"
	exit 0
fi

. "$(dirname "$0")/kernels.sh"
[ $# -le 1 ] || { echo "usage: kver.sh [NAME]" >&2; exit 2; }
name=${1:-${KERNEL:-$KERNEL_DEFAULT}}
kernel_check "$name" || exit 1
if declare -F kernel_release_of >/dev/null && kernel_release_of "$name"; then
	exit 0
fi
suite=$(kernel_suite "$name")
flavour=$(kernel_flavour "$name")
if [ "$suite" = bookworm-backports ]; then
	lists=/var/lib/apt/lists/*bookworm-backports*_Packages*
	depends() {
		apt-cache depends -t bookworm-backports "$1"
	}
	kfile=$cache/kver
else
	kapt_setup "$suite" || exit 1
	lists=$(kapt_dir "$suite")/lists/*_Packages*
	depends() {
		kapt "$suite" apt-cache depends "$1"
	}
	kfile=$cache/kver-$name
fi
# Every index apt holds; their sizes and times change on update.
# shellcheck disable=SC2086
stamp=$(stat -c '%n %s %Y' $lists 2>/dev/null | md5sum | cut -d' ' -f1)

if [ -r "$kfile" ]; then
	read -r cstamp crel <"$kfile" || true
	if [ "${cstamp:-}" = "$stamp" ] && [ -n "${crel:-}" ]; then
		echo "$crel"
		exit 0
	fi
fi

# linux-headers-FLAVOUR depends on exactly one linux-headers-<release>.
rel=$(depends "linux-headers-$flavour" 2>/dev/null |
	sed -n "s/^ *Depends: linux-headers-\\([0-9].*-$flavour\\)\$/\\1/p" |
	head -n 1)
case $rel in
[0-9]*-"$flavour") ;;
*)
	if [ "$suite" = bookworm-backports ]; then
		echo "kver.sh: cannot resolve the bookworm-backports cloud kernel;" \
			"run 'make deps' (adds bookworm-backports to apt's sources)" >&2
	else
		echo "kver.sh: cannot resolve the $name kernel from the $suite" \
			"package lists in $(kapt_dir "$suite")" >&2
	fi
	exit 1
	;;
esac

if mkdir -p "$cache" 2>/dev/null; then
	echo "$stamp $rel" >"$kfile.$$" && mv -f "$kfile.$$" "$kfile"
fi
echo "$rel"
