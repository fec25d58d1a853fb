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

# The test VM's kernel release (the current bookworm-backports cloud kernel,
# resolved at run time by scripts/kver.sh) and its headers: modules for
# VM_PAYLOAD build against VM_KDIR.  Resolved once per make run (and cached
# by kver.sh until apt's package lists change).
VM_KREL = $(eval VM_KREL := $$(shell scripts/kver.sh 2>/dev/null))$(VM_KREL)
VM_KDIR = /usr/src/linux-headers-$(VM_KREL)

# Kernel headers for the module: the running kernel's build directory when it
# exists, otherwise the newest bookworm-backports 6.12 cloud headers.
KREL_RUNNING := $(shell uname -r)
# (The test VM's kernel headers first, when several are installed.)
KDIR_612 := $(or $(wildcard /usr/src/linux-headers-$(VM_KREL)),\
	$(lastword $(sort $(wildcard /usr/src/linux-headers-6.12.*-cloud-amd64))))
KDIR_61 := $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64)))
ifneq ($(wildcard /lib/modules/$(KREL_RUNNING)/build/Makefile),)
KDIR ?= /lib/modules/$(KREL_RUNNING)/build
else
KDIR ?= $(KDIR_612)
endif
