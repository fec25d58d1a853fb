# SPDX-License-Identifier: GPL-2.0
#
# apt-source.sh - sourced by the scripts that need the machine's own Debian
# mirror (deps.sh adds bookworm-backports from it; kernels.sh takes the
# other releases of the kernel matrix from it).

# apt_source SUITE: the URI, components and key of the first enabled
# source of SUITE in the machine's apt sources, as
# "URI|COMPONENTS|SIGNED-BY", from deb822 or one-line sources.
apt_source() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v RS= -v suite="$1" '
		{
			types = uris = suites = comps = key = ""; enabled = 1
			n = split($0, l, "\n")
			for (i = 1; i <= n; i++) {
				if (l[i] ~ /^[ \t]*#/) continue
				k = l[i]; sub(/:.*/, "", k)
				v = l[i]; sub(/^[^:]*:[ \t]*/, "", v)
				if (k == "Types") types = v
				else if (k == "URIs") uris = v
				else if (k == "Suites") suites = v
				else if (k == "Components") comps = v
				else if (k == "Signed-By") key = v
				else if (k == "Enabled" && v ~ /^no/) enabled = 0
			}
			if (enabled && (" " types " ") ~ / deb / &&
			    index(" " suites " ", " " suite " ")) {
				split(uris, u, " ")
				print u[1] "|" comps "|" key
				exit
			}
		}' "$f"
	done
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk -v suite="$1" '$1 == "deb" {
			i = 2
			key = ""
			if ($2 ~ /^\[/) {
				for (; i <= NF; i++) {
					if ($i ~ /^\[?signed-by=/) {
						key = $i
						sub(/^\[?signed-by=/, "", key)
						sub(/\]$/, "", key)
					}
					if ($i ~ /\]$/) break
				}
				i++
			}
			if ($(i + 1) == suite) {
				comps = ""
				for (j = i + 2; j <= NF; j++)
					comps = comps (comps == "" ? "" : " ") $j
				print $i "|" comps "|" key
			}
		}'
}
