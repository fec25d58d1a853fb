#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# perf-payload.sh KREL OUTDIR - perf for the test VM, from the package archive
#
# Puts into OUTDIR a perf that runs in the test VM's initramfs, which has no
# C library of its own:
#   OUTDIR/perf.bin   /usr/bin/perf of linux-perf, the version matching the
#                     VM kernel KREL (6.12.95+deb12-cloud-amd64 takes
#                     linux-perf 6.12.95-*, from bookworm-backports)
#   OUTDIR/lib/       every shared library perf.bin needs (ldd's closure),
#                     with the dynamic loader
#   OUTDIR/perf       a wrapper that runs perf.bin through that loader; it
#                     expects OUTDIR at /opt/damonrec/perf in the guest
#
# Nothing comes from the host's own installation: linux-perf and the
# library packages of its dependency closure are fetched with
# 'apt-get download' into ${DAMONREC_CACHE:-~/.cache/damonrec}/perf-VERSION/
# (each once), unpacked there, and ldd, with the library path pointing at the
# unpacked tree only, must resolve every library inside it.

set -eu

if [ $# -ne 2 ]; then
	echo "usage: perf-payload.sh KERNEL_RELEASE OUTDIR" >&2
	exit 2
fi
krel=$1
out=$2
upstream=${krel%%[+-]*}		# 6.12.95

die() {
	echo "perf-payload.sh: $*" >&2
	exit 1
}

ver=$(apt-cache madison linux-perf 2>/dev/null |
	awk -F'|' -v u="$upstream" '{ gsub(/ /, "", $2) }
		index($2, u "-") == 1 { print $2; exit }')
[ -n "$ver" ] || die "no linux-perf $upstream-* in apt's lists (the VM" \
	"kernel is $krel); run 'apt-get update' or 'make deps'"

cache=${DAMONREC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/damonrec}/perf-$ver
sandbox=
[ "$(id -u)" != 0 ] || sandbox="-o APT::Sandbox::User=root"

# The library packages of linux-perf's dependency closure (perl and python
# themselves are not needed: only their shared libraries).  Each is
# downloaded and unpacked once.
pkgs="linux-perf=$ver $(apt-cache depends --recurse --no-recommends \
	--no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
	"linux-perf=$ver" 2>/dev/null | grep -E '^(lib|zlib)' | sort -u |
	grep -v -E -e '-(common|minimal|stdlib|modules-db)$' \
	-e '^libdebian-installer')"
mkdir -p "$cache/debs" "$cache/root"
get=
for p in $pkgs; do
	ls "$cache/debs/${p%%=*}"_*.deb >/dev/null 2>&1 || get="$get $p"
done
if [ -n "$get" ]; then
	echo "perf-payload.sh: downloading$(echo "$get" | wc -w | sed 's/^/ /')" \
		"packages (linux-perf $ver and its libraries) into $cache" >&2
	mkdir -p "$cache/new"
	(cd "$cache/new" && apt-get download -q $sandbox $get >&2) ||
		die "'apt-get download' failed; run 'apt-get update' and retry"
	for deb in "$cache"/new/*.deb; do
		dpkg-deb -x "$deb" "$cache/root"
		mv "$deb" "$cache/debs/"
	done
	rmdir "$cache/new"
fi

root=$cache/root
bin=$root/usr/bin/perf
[ -x "$bin" ] || die "$bin is missing from linux-perf $ver"

# The unpacked library directories, and nothing of the host's.
libpath=$(find "$root" -name '*.so*' -printf '%h\n' | sort -u | tr '\n' ':')
libpath=${libpath%:}
loader=$(find "$root" -name 'ld-linux-x86-64.so.2' | head -n 1)
[ -n "$loader" ] || die "no dynamic loader among the unpacked packages"

rm -rf "$out"
mkdir -p "$out/lib"
cp "$bin" "$out/perf.bin"
cp -L "$loader" "$out/lib/ld-linux-x86-64.so.2"
missing=
while read -r line; do
	case $line in
	*"=> not found"*)
		missing="$missing ${line%% *}" ;;
	*"=> "/*)
		path=${line#*=> }
		path=${path%% (*}
		case $path in
		"$root"/*) cp -L "$path" "$out/lib/" ;;
		*) missing="$missing $path" ;;
		esac ;;
	esac
done < <(LD_LIBRARY_PATH=$libpath "$loader" --list "$bin")
[ -z "$missing" ] || die "libraries of perf not found in the packages:$missing"

cat >"$out/perf" <<-'EOF'
	#!/bin/sh
	# perf with its own libraries (bench/perf-payload.sh)
	d=/opt/damonrec/perf
	exec "$d/lib/ld-linux-x86-64.so.2" --library-path "$d/lib" "$d/perf.bin" "$@"
EOF
chmod 0755 "$out/perf"
echo "$ver" >"$out/VERSION"
echo "perf-payload.sh: linux-perf $ver with $(ls "$out/lib" | wc -l)" \
	"libraries ($(du -sh "$out" | cut -f1)) in $out" >&2
