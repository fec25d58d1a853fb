#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo-host.sh VM-RUN-COMMAND...: the host side of 'make demo'.  Runs the
# VM (tests/vm/demo-record.sh records the zigzag workload there), then
# shows the record that came back: a summary, a terminal heatmap in which
# the hot window walks across, and an SVG heatmap.
#
# Environment: DAMONCTL (default build/damonctl), DEMO_DIR (where the
# record and the SVG are kept, default build/demo).

set -u
cd "$(dirname "$0")/../.." || exit 1
DAMONCTL=${DAMONCTL:-build/damonctl}
DEMO_DIR=${DEMO_DIR:-build/demo}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
out=$(sed -n 's/^VM_OUT=//p' "$log" | tail -n 1)
if [ $rc != 0 ] || [ ! -s "$out/demo/damon.data" ]; then
	echo "demo: the VM run failed (status $rc) or brought no record back" >&2
	exit 1
fi

mkdir -p "$DEMO_DIR"
cp "$out/demo/damon.data" "$out/demo/zigzag.txt" "$DEMO_DIR/"
cd "$DEMO_DIR" || exit 1
read -r start end steps step_ms < zigzag.txt

step() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo
echo "The workload's buffer is $start-$end; its hot window walked across it"
echo "in $steps steps of $step_ms ms.  On the host, in $DEMO_DIR:"
step "$OLDPWD/$DAMONCTL" show --summary damon.data || exit 1
step "$OLDPWD/$DAMONCTL" show --heatmap --address-range "$start-$end" \
	--resolution 32x64 damon.data || exit 1
step "$OLDPWD/$DAMONCTL" show --heatmap=heatmap.svg --address-range "$start-$end" \
	damon.data || exit 1
echo
echo "Open $DEMO_DIR/heatmap.svg to see the same heatmap as an image."
