# SPDX-License-Identifier: GPL-2.0
#
# Tests, the test VM and the demo.
#
#   make check                  deps (if missing), build, every suite in
#                               tests/suites/, ending "N passed, N failed":
#                               the whole VM suite on the default kernel and
#                               on trixie-rt, sid and trixie
#   make check-kernels          for every kernel of the matrix, the W=1 and
#                               sparse build and the whole VM suite; one
#                               line per kernel at the end
#   make vm-test                every tests/vm/*.bats in the test VM, the
#                               files split over VM_SHARDS VMs (default 3)
#                               that run at once; VM_SHARDS=1 for one VM
#   make vm-test T=a.bats       only these files (they may live anywhere)
#   make vm-test KERNEL=NAME    boot kernel NAME of the matrix (bookworm-backports,
#                               the default; trixie, trixie-rt, sid), with the
#                               modules built for it
#   make vm-stress              the stress and signal trials alone, longer
#                               (DAMONREC_STRESS=long in the guest)
#   make vm-shell               an interactive shell in the test VM
#   make demo                   boots the VM and shows the device
#
# The VM gets what VM_PAYLOAD lists, as SRC:DEST pairs with DEST relative
# to /opt/damonrec in the guest, e.g. in a fragment
#   VM_PAYLOAD += $(BUILD)/static/damonctl:bin/damonctl
# where SRC is a make target (built before the VM boots) or a file.
# VM_DEMO names the guest script 'make demo' runs (default tests/vm/demo.sh).
# Variables read by tests/vm/run.sh (VM_SHARDS, VM_TIMEOUT, VM_KREL...) pass
# through the environment; tests/vm/durations holds rough durations of the
# guest test files, for the shards' balance until a run has measured them.

.PHONY: vm-test vm-stress vm-shell vm-demo vm-payload check-kernels

VM_BUILD := $(BUILD)/vm
VM_RUNAS := $(VM_BUILD)/runas
VM_DEMO ?= tests/vm/demo.sh
T ?=

# The SRC halves of the pairs.
VM_PAYLOAD_FILES = $(foreach p,$(VM_PAYLOAD),$(firstword $(subst :, ,$(p))))

VM_RUN = KERNEL='$(KERNEL)' VM_BUILD='$(VM_BUILD)' VM_RUNAS='$(VM_RUNAS)' \
	VM_PAYLOAD='$(VM_PAYLOAD)' VM_DEMO='$(VM_DEMO)' tests/vm/run.sh

# The guest's helper to drop privileges (busybox has no setuid tool).
$(VM_RUNAS): tests/vm/runas.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(CPPFLAGS) -O2 -static -o $@ $<

vm-payload: $(VM_RUNAS) $(VM_PAYLOAD_FILES)

vm-test: vm-payload
	@$(VM_RUN) $(T)

# make check runs the stress and signal trials short; vm-stress runs them
# alone with ten thousand fuzzed operations, 200 signal trials and longer
# recordings.  DAMONREC_* variables reach the guest's tests.
VM_STRESS_FILES := tests/vm/stress-device.bats tests/vm/signals-record.bats

vm-stress: vm-payload
	@DAMONREC_STRESS=long $(VM_RUN) $(VM_STRESS_FILES)

vm-shell: vm-payload
	@$(VM_RUN) --mode shell

# A fragment may wrap the demo run (VM_DEMO_RUN), e.g. to show its results.
VM_DEMO_RUN ?= $(VM_RUN) --mode demo

vm-demo: vm-payload
	@$(VM_DEMO_RUN)

# check and demo first install what is missing, then start a new make, which
# sees the kernel headers and tools that may just have arrived; check.sh
# does both as its first two steps.
check:
	+@MAKE='$(MAKE)' DEB_PACKAGES='$(DEB_PACKAGES)' tests/check.sh

check-kernels:
	+@scripts/deps.sh $(DEB_PACKAGES)
	+@MAKE='$(MAKE)' tests/check-kernels.sh

demo:
	+@scripts/deps.sh $(DEB_PACKAGES)
	+@$(MAKE) --no-print-directory vm-demo
