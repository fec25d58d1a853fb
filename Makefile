# SPDX-License-Identifier: GPL-2.0
#
# damonrec top-level Makefile.  Each part contributes a fragment (*.mk) that
# appends to the variables below; this file only wires them together.
#
#   make            library, damonctl and the kernel module
#   make check      every test suite, ending with "N passed, N failed"
#   make demo       record a workload in the VM and show it
#   make deps       install what building and testing need (Debian 12)

.DEFAULT_GOAL := all

include mk/config.mk
include mk/debug-kernel.mk

# Filled in by the fragments.
ALL_TARGETS :=
CLEAN_FILES :=
INSTALL_TARGETS :=
UNINSTALL_TARGETS :=
# What the test VM gets: SRC:DEST pairs, DEST relative to /opt/damonrec,
# SRC a make target or an existing file (see tests/tests.mk).
VM_PAYLOAD :=
# Debian packages beyond scripts/deps.sh's own list; NAME/bookworm-backports
# for one from backports.
DEB_PACKAGES :=

include lib/lib.mk
include cli/cli.mk
include driver/driver.mk
include man/man.mk
include tests/tests.mk
-include bench/bench.mk
-include fuzz/fuzz.mk
-include packaging/packaging.mk

.PHONY: all clean install uninstall check deps demo

# Installs what is missing, quickly does nothing otherwise.
deps:
	@scripts/deps.sh $(DEB_PACKAGES)

all: $(ALL_TARGETS)

install: $(INSTALL_TARGETS)

uninstall: $(UNINSTALL_TARGETS)

clean:
	rm -rf $(BUILD) $(CLEAN_FILES)
