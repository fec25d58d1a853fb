# SPDX-License-Identifier: GPL-2.0
#
# Packaging: the udev rule, the DKMS source tree and the Debian packages.
#
#   make install          also installs the udev rule to $(UDEVRULESDIR)
#   make install-dkms     installs the module sources and dkms.conf to
#                         $(DKMSSRCDIR) for "dkms add/build/install"
#   make deb              builds the Debian packages into $(BUILD)/deb/
#   make deb-lint         runs lintian on them (errors and warnings fail)
#   make deb-symbols      updates packaging/debian/libdamonrec0.symbols
#                         after the library's exported symbols changed
#   make deb-symbols-check  fails when that file is out of date

DKMS_NAME := damon-rec
# DKMS looks for module sources in /usr/src whatever PREFIX is, as udev looks
# for rules in /lib/udev/rules.d.
DKMSSRCDIR ?= /usr/src/$(DKMS_NAME)-$(VERSION)
# The tree driver/driver.mk builds the modules from: driver/ and the uAPI
# headers in include/uapi/linux/.
DKMS_DRIVER_SOURCES = $(DRIVER_SRCS)
DKMS_UAPI = $(DRIVER_UAPI)

UDEV_RULES := packaging/udev/60-damon-rec.rules

DEB_OUT := $(BUILD)/deb
DEB_SYMBOLS := packaging/debian/libdamonrec0.symbols

# What "make deb" and the packaging suite need ("make deps" installs them).
DEB_PACKAGES += debhelper dh-dkms dkms dpkg-dev devscripts fakeroot lintian

.PHONY: install-udev uninstall-udev install-dkms uninstall-dkms \
	deb deb-lint deb-symbols deb-symbols-check

INSTALL_TARGETS += install-udev
UNINSTALL_TARGETS += uninstall-udev

install-udev:
	$(INSTALL) -d $(DESTDIR)$(UDEVRULESDIR)
	$(INSTALL) -m 644 $(UDEV_RULES) $(DESTDIR)$(UDEVRULESDIR)/

uninstall-udev:
	rm -f $(addprefix $(DESTDIR)$(UDEVRULESDIR)/,$(notdir $(UDEV_RULES)))

install-dkms:
	$(INSTALL) -d $(DESTDIR)$(DKMSSRCDIR)/driver \
		$(DESTDIR)$(DKMSSRCDIR)/include/uapi/linux
	$(INSTALL) -m 644 $(DKMS_DRIVER_SOURCES) $(DESTDIR)$(DKMSSRCDIR)/driver/
	$(INSTALL) -m 644 $(DKMS_UAPI) $(DESTDIR)$(DKMSSRCDIR)/include/uapi/linux/
	sed 's/#MODULE_VERSION#/$(VERSION)/' packaging/dkms.conf \
		>$(DESTDIR)$(DKMSSRCDIR)/dkms.conf
	chmod 644 $(DESTDIR)$(DKMSSRCDIR)/dkms.conf

uninstall-dkms:
	rm -rf $(DESTDIR)$(DKMSSRCDIR)

deb:
	packaging/mkdeb.sh $(DEB_OUT) $(VERSION) $(BUILD)

deb-lint: deb
	lintian --fail-on error,warning --info $(DEB_OUT)/damonrec_$(VERSION)_*.changes

deb-symbols: $(LIB_SO)
	packaging/gensymbols.sh $(LIB_SO) $(VERSION) $(DEB_SYMBOLS)

deb-symbols-check: $(LIB_SO)
	packaging/gensymbols.sh --check $(LIB_SO) $(VERSION) $(DEB_SYMBOLS)

# The DKMS package's modules for the VM's kernel, built by dkms in that
# kernel's chroot (packaging/dkms-build.sh); tests/vm/dkms.bats loads them.
DKMS_VM_DIR = $(BUILD)/dkms-$(VM_KREL)
DKMS_VM_KOS = $(DKMS_VM_DIR)/modules/damon_rec.ko \
	$(DKMS_VM_DIR)/modules/damon_dyndbg.ko

.PHONY: dkms-modules
dkms-modules: $(DKMS_VM_DIR)/.built

$(DKMS_VM_DIR)/.built: $(DKMS_DRIVER_SOURCES) $(DKMS_UAPI) packaging/dkms.conf \
		packaging/dkms-build.sh
	packaging/dkms-build.sh $(KERNEL) $(VM_KREL) $(VERSION) $(DKMS_VM_DIR)
	@touch $@

$(DKMS_VM_KOS): $(DKMS_VM_DIR)/.built ;

# The debug kernel (built here, no release chroot) has no DKMS build yet.
DKMS_VM = $(if $(filter-out debug,$(KERNEL)),$(VM_KREL))
ifneq ($(DKMS_VM),)
VM_PAYLOAD += $(foreach k,$(DKMS_VM_KOS),$(k):modules-dkms/$(notdir $(k)))
endif
# (tests/tests.mk expanded vm-payload's prerequisites before this fragment)
vm-payload: $(if $(DKMS_VM),$(DKMS_VM_KOS))
