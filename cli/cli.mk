# SPDX-License-Identifier: GPL-2.0
#
# damonctl: every cli/*.c is one object of it.
#
#   $(BUILD)/damonctl          for the host (glibc and libcap shared)
#   $(BUILD)/static/damonctl   fully static, for the test VM
#   $(BUILD)/san/damonctl      with ASan and UBSan, for the host bats tests
#
# Both link libdamonrec statically, so that the binary in $(BUILD) runs from
# the build tree as it does once installed.

DAMONCTL := $(BUILD)/damonctl
DAMONCTL_STATIC := $(BUILD)/static/damonctl
DAMONCTL_SAN := $(BUILD)/san/damonctl
DAMONCTL_COMPLETION := cli/damonctl.bash-completion

CLI_SRCS := $(sort $(wildcard cli/*.c))
CLI_HDRS := $(wildcard cli/*.h) lib/damonrec.h include/uapi/linux/damon_rec.h
CLI_OBJS := $(patsubst cli/%.c,$(BUILD)/cli/%.o,$(CLI_SRCS))
CLI_SAN_OBJS := $(patsubst cli/%.c,$(BUILD)/san/cli/%.o,$(CLI_SRCS))
CLI_CPPFLAGS := -DDAMONCTL_VERSION='"$(VERSION)"'
CLI_LDLIBS = -lcap $(LIB_LDLIBS) -pthread -lm

# The archives lib/lib.mk builds.
LIBDAMONREC_A = $(LIB_A)
LIBDAMONREC_SAN_A = $(LIB_SAN_A)
# What $(DAMONCTL) takes libdamonrec from: the archive, or with
# DAMONCTL_SHARED=1 the shared library, as distribution packages want (the
# binary then runs only once the library is installed).
DAMONCTL_LIBDAMONREC = $(if $(filter 1,$(DAMONCTL_SHARED)),$(LIB_SO),$(LIBDAMONREC_A))

ALL_TARGETS += $(DAMONCTL)
INSTALL_TARGETS += install-damonctl
UNINSTALL_TARGETS += uninstall-damonctl
VM_PAYLOAD += $(DAMONCTL_STATIC):bin/damonctl

.PHONY: damonctl install-damonctl uninstall-damonctl

damonctl: $(DAMONCTL)

$(BUILD)/cli/%.o: cli/%.c $(CLI_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CLI_CPPFLAGS) $(EXTRA_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/san/cli/%.o: cli/%.c $(CLI_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CLI_CPPFLAGS) $(EXTRA_CFLAGS) $(CFLAGS) $(SAN_FLAGS) \
		-c -o $@ $<

$(DAMONCTL): $(CLI_OBJS) $(DAMONCTL_LIBDAMONREC)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(DAMONCTL_LIBDAMONREC) \
		$(CLI_LDLIBS)

$(DAMONCTL_STATIC): $(CLI_OBJS) $(LIBDAMONREC_A)
	@mkdir -p $(@D)
	$(CC) -static $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIBDAMONREC_A) \
		$(CLI_LDLIBS)

$(DAMONCTL_SAN): $(CLI_SAN_OBJS) $(LIBDAMONREC_SAN_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $(CLI_SAN_OBJS) \
		$(LIBDAMONREC_SAN_A) $(CLI_LDLIBS)

install-damonctl: $(DAMONCTL)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 755 $(DAMONCTL) $(DESTDIR)$(BINDIR)/damonctl
	$(INSTALL) -m 644 $(DAMONCTL_COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/damonctl

uninstall-damonctl:
	rm -f $(DESTDIR)$(BINDIR)/damonctl $(DESTDIR)$(BASHCOMPDIR)/damonctl

# Helpers of the host bats tests (tests/bats/, run by tests/suites/20-bats.sh).
CLI_TEST_TOOLS := $(BUILD)/tests/tools/gen_record \
	$(BUILD)/tests/tools/sysfs_driver $(BUILD)/tests/tools/fake_damon_sysfs \
	$(BUILD)/tests/tools/ebusy_preload.so

.PHONY: cli-test-tools
cli-test-tools: $(DAMONCTL) $(DAMONCTL_SAN) $(CLI_TEST_TOOLS)

$(BUILD)/tests/tools/gen_record $(BUILD)/tests/tools/sysfs_driver: \
		$(BUILD)/tests/tools/%: tests/tools/%.c lib/damonrec.h $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(EXTRA_CFLAGS) $(CFLAGS) -o $@ $< $(LIB_A) \
		$(LIB_LDLIBS) -lm

$(BUILD)/tests/tools/fake_damon_sysfs: tests/tools/fake_damon_sysfs.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(EXTRA_CFLAGS) $(CFLAGS) -o $@ $<

$(BUILD)/tests/tools/ebusy_preload.so: tests/tools/ebusy_preload.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(EXTRA_CFLAGS) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

# What building damonctl and its tests need ("make deps" installs them).
DEB_PACKAGES += libcap-dev libcap2-bin bash-completion jq groff-base bats \
	bats-support bats-assert
# /usr/bin/time: the bats test that damonctl's memory stays bounded.
DEB_PACKAGES += time

# make demo: tests/vm/demo-record.sh records the zigzag workload in the VM,
# tests/vm/demo-host.sh shows the record on the host with this damonctl.
VM_DEMO := tests/vm/demo-record.sh
VM_DEMO_RUN = DAMONCTL=$(DAMONCTL) tests/vm/demo-host.sh env $(VM_RUN) --mode demo
vm-demo: $(DAMONCTL)
