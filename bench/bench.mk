# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks.  "make bench" runs every benchmark; each prints its figures,
# every one next to a baseline measured in the same run, and keeps them as
# JSON under its VM_OUT directory.
#
# A benchmark joins with its own lines here (or in its part's fragment):
#
#   .PHONY: bench-NAME
#   bench: bench-NAME
#   bench-NAME: <prerequisites>
#   	<command>

.PHONY: bench
bench:

# ---- dyndbg: damon_dyndbg's store against the kernel's own dynamic debug ----
# bench/dyndbg.sh boots the test VM with bench/dyndbg-guest.sh, which loads
# the running kernel's callsites into the store and measures bytes per
# callsite, query time and cache hit rate; the host prints the table.

DDZ_TEST_KOS := ddz_selftest.ko ddz_badorder.ko

.PHONY: bench-dyndbg
bench: bench-dyndbg
bench-dyndbg: vm-payload
	@VM_BUILD='$(VM_BUILD)' VM_RUNAS='$(VM_RUNAS)' \
		VM_PAYLOAD='$(VM_PAYLOAD)' bench/dyndbg.sh

# The store's test modules (driver/Kbuild.ddz builds them with the others),
# for the VM tests and the benchmark.
ifneq ($(KREL_612),)
$(addprefix $(BUILD)/modules-$(KREL_612)/driver/,$(DDZ_TEST_KOS)): \
	$(BUILD)/modules-$(KREL_612)/.built ;
VM_PAYLOAD += $(foreach k,$(DDZ_TEST_KOS),\
	$(BUILD)/modules-$(KREL_612)/driver/$(k):modules/$(k))
endif
