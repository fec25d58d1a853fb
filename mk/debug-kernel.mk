# SPDX-License-Identifier: GPL-2.0
# KERNEL=debug: modules build against the debug kernel's build tree
# (scripts/debug-kernel.sh; built on first use, then cached), with the host
# compiler.  Resolved only when used.
KERNEL_KDIR_debug = $(eval KERNEL_KDIR_debug := $$(shell scripts/debug-kernel.sh)/build)$(KERNEL_KDIR_debug)
# The kernel was built with CC=gcc-12 (bookworm's gcc by its versioned
# name): the modules' kbuild takes the same, as command-line variables.
ifeq ($(KERNEL),debug)
KBUILD_RUN = env MAKEFLAGS='CC=gcc-12 HOSTCC=gcc-12'
endif
