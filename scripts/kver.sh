#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel release of the current bookworm-backports cloud kernel,
# e.g. "6.12.95+deb12-cloud-amd64": the kernel the VM test bed boots and the
# headers its modules build against.  Backports versions rotate, so this is
# resolved from apt's package lists at run time, never written down.
#
# Resolving costs apt-cache a second or more, so the answer is cached and
# reused until apt's backports lists change (apt-get update).
#
# Environment: VM_KREL forces a release; DAMONREC_CACHE is the cache
# directory (default ${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/damonrec).
#
# Exit status: 0 with the release on stdout, 1 when it cannot be resolved
# (no bookworm-backports suite in apt's sources, or no package lists).

set -u

if [ -n "${VM_KREL:-}" ]; then
	echo "$VM_KREL"
	exit 0
fi

cache=${DAMONREC_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/damonrec}
# Every backports index apt holds; their sizes and times change on update.
stamp=$(stat -c '%n %s %Y' /var/lib/apt/lists/*bookworm-backports*_Packages* \
	2>/dev/null | md5sum | cut -d' ' -f1)

if [ -r "$cache/kver" ]; then
	read -r cstamp crel <"$cache/kver" || true
	if [ "${cstamp:-}" = "$stamp" ] && [ -n "${crel:-}" ]; then
		echo "$crel"
		exit 0
	fi
fi

# linux-headers-cloud-amd64 from backports depends on exactly one
# linux-headers-<release> package.
rel=$(apt-cache depends -t bookworm-backports linux-headers-cloud-amd64 \
	2>/dev/null | sed -n 's/^ *Depends: linux-headers-\(.*-cloud-amd64\)$/\1/p' |
	head -n 1)
case $rel in
6.*-cloud-amd64) ;;
*)
	echo "kver.sh: cannot resolve the bookworm-backports cloud kernel;" \
		"run 'make deps' (adds bookworm-backports to apt's sources)" >&2
	exit 1
	;;
esac

if mkdir -p "$cache" 2>/dev/null; then
	echo "$stamp $rel" >"$cache/kver.$$" && mv -f "$cache/kver.$$" "$cache/kver"
fi
echo "$rel"
