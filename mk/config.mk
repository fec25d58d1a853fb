# SPDX-License-Identifier: GPL-2.0
# Shared settings: toolchain, flags, install directories (GNU conventions).

VERSION := 0.1.0
LIB_SOVERSION := 0

BUILD ?= build
CC ?= cc
# C11 with the GNU extensions glibc's argp and the Linux uAPI headers need.
CSTD := -std=gnu11
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Iinclude/uapi -Ilib
EXTRA_CFLAGS := $(CSTD) $(WARN)

# Sanitizer build of the library and its tests (make check runs both).
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

PREFIX ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR ?= $(EXEC_PREFIX)/bin
SBINDIR ?= $(EXEC_PREFIX)/sbin
LIBDIR ?= $(EXEC_PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATAROOTDIR ?= $(PREFIX)/share
MANDIR ?= $(DATAROOTDIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR ?= $(DATAROOTDIR)/bash-completion/completions
UDEVRULESDIR ?= /lib/udev/rules.d
DESTDIR ?=
INSTALL ?= install

# The kernel of the matrix to build for and boot (scripts/kernels.sh):
# bookworm-backports (the default), trixie, trixie-rt or sid, e.g.
# "make KERNEL=sid modules" or "make vm-test KERNEL=trixie-rt".
KERNEL ?= bookworm-backports
KERNELS := bookworm-backports trixie trixie-rt sid
# Those whose modules build in a chroot of their Debian release, with its
# compiler (scripts/chroot.sh); the others build on this machine.
KERNELS_CHROOTED := trixie trixie-rt sid

# The test VM's kernel release (KERNEL's current one, resolved at run time
# by scripts/kver.sh) and its headers: modules for VM_PAYLOAD build against
# VM_KDIR, through KBUILD_RUN (empty, or the chroot that has those headers,
# where VM_KDIR is the same path).  Resolved once per make run (and cached
# by kver.sh until the package lists change).  A fragment may name the
# header directory of a kernel built on this machine as KERNEL_KDIR_NAME.
VM_KREL = $(eval VM_KREL := $$(shell scripts/kver.sh $(KERNEL) 2>/dev/null))$(VM_KREL)
VM_KDIR = $(or $(KERNEL_KDIR_$(KERNEL)),/usr/src/linux-headers-$(VM_KREL))
KBUILD_RUN = $(if $(filter $(KERNEL),$(KERNELS_CHROOTED)),scripts/chroot.sh $(KERNEL))

# Kernel headers for "make modules": with KERNEL given, that kernel's;
# otherwise the running kernel's build directory when it exists, else the
# newest bookworm-backports 6.12 cloud headers.
KREL_RUNNING := $(shell uname -r)
# (The test VM's kernel headers first, when several are installed.)
KDIR_612 := $(or $(wildcard /usr/src/linux-headers-$(shell scripts/kver.sh \
	bookworm-backports 2>/dev/null)),\
	$(lastword $(sort $(wildcard /usr/src/linux-headers-6.12.*-cloud-amd64))))
KDIR_61 := $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64)))
ifneq ($(origin KERNEL),file)
KDIR ?= $(VM_KDIR)
else ifneq ($(wildcard /lib/modules/$(KREL_RUNNING)/build/Makefile),)
KDIR ?= /lib/modules/$(KREL_RUNNING)/build
else
KDIR ?= $(KDIR_612)
endif
