# SPDX-License-Identifier: GPL-2.0
#
# Kernel modules (whatever driver/Kbuild builds: damon_rec.ko, and
# damon_dyndbg.ko once driver/Kbuild.ddz exists), built out of tree in a copy
# of driver/ under $(BUILD) so that nothing lands beside the sources:
#
#   make modules              against $(KDIR) (mk/config.mk); part of
#                             "make all" unless WITH_MODULE=0
#   make KERNEL=NAME modules  for kernel NAME of the matrix (bookworm-backports,
#                             trixie, trixie-rt, sid), in its release's chroot
#                             where it has one (scripts/chroot.sh)
#   make [KERNEL=NAME] modules-w1      W=1 build; fails on any compiler warning
#   make [KERNEL=NAME] modules-sparse  sparse (C=2) over every file; fails
#                             on any report
#   make [KERNEL=NAME] modules-check   both in one pass (what make check runs)
#   make modules-6.12         against the newest 6.12 cloud headers (the VM's)
#   make modules-6.1          against Debian's stock 6.1 headers (no DAMON)
#   make modules-{w1,sparse,check}-{6.12,6.1}  the same checks for those
#
# Each build lives in $(BUILD)/modules[-w1|-sparse|-check]-<release>/, which
# holds driver/ and include/uapi/ as the source tree does.  The test VM
# gets the modules built for KERNEL's release.
#
# The driver's test programs (the zigzag workload, the record checker, the
# ioctl drivers) are built here too, statically, for the VM.

DRIVER_SRCS := $(sort $(wildcard driver/*.c driver/*.h driver/Kbuild \
	driver/Kbuild.*))
DRIVER_UAPI := include/uapi/linux/damon_rec.h \
	$(wildcard include/uapi/linux/damon_dyndbg.h)
DRIVER_KOS := damon_rec.ko $(if $(wildcard driver/Kbuild.ddz),damon_dyndbg.ko)

# The release a header set builds for (its modules' vermagic).
kmod_release = $(if $(1),$(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(1)/include/generated/utsrelease.h 2>/dev/null))
KREL := $(if $(KBUILD_RUN),$(VM_KREL),$(call kmod_release,$(KDIR)))
KREL_612 := $(call kmod_release,$(KDIR_612))
KREL_61 := $(call kmod_release,$(KDIR_61))

# $(call kmod_tree,DIR): copy the sources into DIR (mtimes kept, so kbuild
# rebuilds only what changed).
define kmod_tree
	@mkdir -p $(1)/driver $(1)/include/uapi/linux
	@cp -p $(DRIVER_SRCS) $(1)/driver/
	@cp -p $(DRIVER_UAPI) $(1)/include/uapi/linux/
endef

# A build in a chroot gets no jobserver (chroot.sh passes no MAKEFLAGS).
KBUILD_JOBS := -j$(shell nproc)

# $(call kmod_rules,KDIR,RELEASE,RUN): the plain build against one header
# set, through RUN (empty, or the chroot.sh command of the kernel's chroot).
define kmod_rules
$(BUILD)/modules-$(2)/.built: $(DRIVER_SRCS) $(DRIVER_UAPI)
	$$(call kmod_tree,$(BUILD)/modules-$(2))
	$(3) $$(MAKE) $(if $(3),$(KBUILD_JOBS)) -C $(1) \
		M=$$(abspath $(BUILD)/modules-$(2))/driver modules
	@touch $$@

$(addprefix $(BUILD)/modules-$(2)/driver/,$(DRIVER_KOS)): $(BUILD)/modules-$(2)/.built ;
endef

# $(call kmod_check_one,KDIR,RELEASE,TARGET,NAME,KBUILD FLAGS,RUN): a check
# build from scratch in $(BUILD)/modules-NAME-RELEASE, its output in
# build.log; any warning fails it, kbuild's own (modpost's "WARNING: ...
# undefined!") and sparse's included, and so does a sparse that kbuild
# finds missing ("C=2 specified, but sparse is not available").
define kmod_check_one
.PHONY: $(3)
$(3):
	@rm -rf $(BUILD)/modules-$(4)-$(2)
	$$(call kmod_tree,$(BUILD)/modules-$(4)-$(2))
	@$(6) $$(MAKE) $(if $(6),$(KBUILD_JOBS)) -C $(1) \
		M=$$(abspath $(BUILD)/modules-$(4)-$(2))/driver \
		$(5) modules > $(BUILD)/modules-$(4)-$(2)/build.log 2>&1 || \
		{ cat $(BUILD)/modules-$(4)-$(2)/build.log; exit 1; }
	@! grep -i -E 'warning|error|not available' \
		$(BUILD)/modules-$(4)-$(2)/build.log
endef

# $(call kmod_check_rules,KDIR,RELEASE,SUFFIX,RUN): W=1, sparse, and both
# at once, as modules-w1SUFFIX, modules-sparseSUFFIX and modules-checkSUFFIX.
define kmod_check_rules
$(call kmod_check_one,$(1),$(2),modules-w1$(3),w1,W=1,$(4))
$(call kmod_check_one,$(1),$(2),modules-sparse$(3),sparse,C=2,$(4))
$(call kmod_check_one,$(1),$(2),modules-check$(3),check,W=1 C=2,$(4))
endef

KMOD_RELEASES := $(sort $(KREL) $(KREL_612) $(KREL_61) $(VM_KREL))
$(foreach r,$(KMOD_RELEASES),$(eval $(call kmod_rules,$(firstword \
	$(if $(filter $(r),$(KREL)),$(KDIR)) \
	$(if $(filter $(r),$(VM_KREL)),$(VM_KDIR)) \
	$(if $(filter $(r),$(KREL_612)),$(KDIR_612)) \
	$(if $(filter $(r),$(KREL_61)),$(KDIR_61))),$(r),$(if \
	$(filter $(r),$(VM_KREL)),$(KBUILD_RUN)))))

.PHONY: modules modules-6.12 modules-6.1
# WITH_MODULE=0 leaves the module out of "make all" (distribution packages
# build user space only; DKMS builds the module on the target).
WITH_MODULE ?= 1
ifneq ($(KREL),)
modules: $(addprefix $(BUILD)/modules-$(KREL)/driver/,$(DRIVER_KOS))
ifneq ($(WITH_MODULE),0)
ALL_TARGETS += modules
endif
endif
ifneq ($(VM_KREL),)
$(eval $(call kmod_check_rules,$(VM_KDIR),$(VM_KREL),,$(KBUILD_RUN)))
VM_PAYLOAD += $(foreach k,$(DRIVER_KOS),\
	$(BUILD)/modules-$(VM_KREL)/driver/$(k):modules/$(k))
endif
ifneq ($(KREL_612),)
modules-6.12: $(addprefix $(BUILD)/modules-$(KREL_612)/driver/,$(DRIVER_KOS))
$(eval $(call kmod_check_rules,$(KDIR_612),$(KREL_612),-6.12))
endif
ifneq ($(KREL_61),)
modules-6.1: $(addprefix $(BUILD)/modules-$(KREL_61)/driver/,$(DRIVER_KOS))
$(eval $(call kmod_check_rules,$(KDIR_61),$(KREL_61),-6.1))
endif

# ---------------------------------------------------------------------------
# Test programs of the driver, static for the VM's initramfs.

DRIVER_TEST_PROGS := zigzag reccheck ioctl_record ioctl_errno
DRIVER_TEST_BINS := $(addprefix $(BUILD)/static/,$(DRIVER_TEST_PROGS))

$(BUILD)/static/zigzag: tests/workload/zigzag.c
$(BUILD)/static/reccheck: tests/tools/reccheck.c
$(BUILD)/static/ioctl_record: tests/tools/ioctl_record.c tests/tools/drec_test.h \
	$(DRIVER_UAPI)
$(BUILD)/static/ioctl_errno: tests/tools/ioctl_errno.c tests/tools/drec_test.h \
	$(DRIVER_UAPI)

$(DRIVER_TEST_BINS):
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) -static -o $@ $(filter %.c,$^)

# The driver's encoders built on the host (stand-in kernel headers in
# tests/tools/kshim), plain and with ASan+UBSan.
ENC_TEST_DEPS := tests/tools/enc_test.c driver/damon_rec_enc.c \
	driver/damon_rec_enc.h driver/damon_rec_rc.h \
	$(wildcard tests/tools/kshim/linux/*.h) \
	$(DRIVER_UAPI)
ENC_TEST_CPPFLAGS := -Itests/tools/kshim $(CPPFLAGS)

$(BUILD)/host/enc_test: $(ENC_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ENC_TEST_CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $<

$(BUILD)/host/enc_test-san: $(ENC_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ENC_TEST_CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) $(SAN_FLAGS) -o $@ $<

.PHONY: driver-test-progs
driver-test-progs: $(DRIVER_TEST_BINS) $(BUILD)/host/enc_test \
	$(BUILD)/host/enc_test-san

VM_PAYLOAD += $(foreach p,$(DRIVER_TEST_PROGS),$(BUILD)/static/$(p):bin/$(p))

# What "make -C driver" (kbuild in place, as DKMS does) leaves beside the
# sources.
CLEAN_FILES += driver/*.o driver/*.ko driver/*.mod driver/*.mod.c \
	driver/.*.cmd driver/modules.order driver/Module.symvers

# The chroots of the kernels that build in one (scripts/chroot.sh).
DEB_PACKAGES += debootstrap/bookworm-backports
