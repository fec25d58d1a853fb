# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (bench/bench.sh) and the guest stress tests' helpers.
#
#   make bench          one table of figures, each next to a baseline
#                       measured in the same run, also written as JSON to
#                       $(BUILD)/bench/results.json (and the table to
#                       results.txt): record sizes against perf.data and
#                       recording overhead in the test VM, decoding
#                       throughput on this machine, and the dyndbg figures
#   make bench BENCH_VM=0
#                       without the VM (decoding and dyndbg only)
#   make bench-dyndbg   the dyndbg benchmark alone
#
# Knobs: BENCH_RUNS (host runs per figure, 5), BENCH_ROUNDS (on/off window
# pairs in the VM, 7), BENCH_WINDOW (seconds per window, 4),
# BENCH_SIZE_SECS (seconds per size recording, 15), BENCH_DECODE_MB (size
# of the generated v2 file, 100), BENCH_ICOUNT_SHIFT (qemu -icount shift, 1).
#
# The VM (qemu TCG with -icount and one vCPU, so that a task's CPU time
# counts its instructions) gets damon_rec_bench.ko (bench/kmod/), which
# fires damon_aggregated with synthetic snapshots to time the probe, and
# perf from the package archive: bench/perf-payload.sh fetches
# the linux-perf of the VM kernel's version and the libraries it needs with
# apt-get download (cached under ~/.cache/damonrec/perf-VERSION/).
#
# The dyndbg benchmark, bench/dyndbg.sh, is run by bench.sh (with VM_BUILD,
# VM_RUNAS, VM_PAYLOAD, BUILD and BENCH_DIR set) so that its figures join
# the one table: bench.sh takes them from $(BUILD)/bench/dyndbg-rows.json, a
# JSON array of rows as in results.json's "figures" (id, figure, value,
# unit, baseline, baseline_value, ratio, ratio_text, goal, met, note,
# runs); without that file, its output's last lines become notes.
#
# Guest stress tests (tests/vm/stress-*.bats, tests/vm/signals-*.bats) get
# their static helpers (tests/tools/stress_*.c) from here.

BENCH_DIR := $(BUILD)/bench
BENCH_PERF_DIR = $(BENCH_DIR)/perf-$(VM_KREL)
BENCH_GEN_RECORD := $(BUILD)/tests/tools/gen_record

.PHONY: bench bench-run bench-perf

# Like check and demo: install what is missing, then a new make sees it.
bench:
	+@scripts/deps.sh $(DEB_PACKAGES)
	+@$(MAKE) --no-print-directory bench-run

bench-perf: $(BENCH_PERF_DIR)/perf

# damon_rec_bench.ko (bench/kmod/), for the VM kernel.
BENCH_KMOD_DIR = $(BENCH_DIR)/kmod-$(VM_KREL)
BENCH_KO = $(BENCH_KMOD_DIR)/damon_rec_bench.ko

$(BENCH_KO): bench/kmod/damon_rec_bench.c bench/kmod/Kbuild
	@mkdir -p $(@D)
	@cp -p $^ $(@D)/
	$(KBUILD_RUN) $(MAKE) $(if $(KBUILD_RUN),$(KBUILD_JOBS)) -C $(VM_KDIR) \
		M=$(abspath $(@D)) modules

$(BENCH_PERF_DIR)/perf: bench/perf-payload.sh
	@bench/perf-payload.sh $(VM_KREL) $(BENCH_PERF_DIR)

bench-run: vm-payload $(DAMONCTL) $(BENCH_GEN_RECORD) $(BENCH_PERF_DIR)/perf \
		$(BENCH_KO)
	@BUILD='$(BUILD)' BENCH_DIR='$(BENCH_DIR)' DAMONCTL='$(DAMONCTL)' \
		GEN_RECORD='$(BENCH_GEN_RECORD)' PERF_PAYLOAD='$(BENCH_PERF_DIR)' \
		BENCH_KO='$(BENCH_KO)' \
		VM_PAYLOAD='$(VM_PAYLOAD)' VM_RUNAS='$(VM_RUNAS)' \
		VM_BUILD='$(VM_BUILD)' VM_KREL='$(VM_KREL)' BENCH_VM='$(BENCH_VM)' \
		BENCH_RUNS='$(BENCH_RUNS)' BENCH_ROUNDS='$(BENCH_ROUNDS)' \
		BENCH_WINDOW='$(BENCH_WINDOW)' \
		BENCH_SIZE_SECS='$(BENCH_SIZE_SECS)' \
		BENCH_DECODE_MB='$(BENCH_DECODE_MB)' \
		BENCH_ICOUNT_SHIFT='$(BENCH_ICOUNT_SHIFT)' bench/bench.sh

BENCH_VM ?= 1
BENCH_RUNS ?= 5
BENCH_ROUNDS ?= 7
BENCH_WINDOW ?= 4
BENCH_SIZE_SECS ?= 15
BENCH_DECODE_MB ?= 100
BENCH_ICOUNT_SHIFT ?= 1

# bench.sh builds its tables and JSON with jq.
DEB_PACKAGES += jq

# ---------------------------------------------------------------------------
# Static helpers of the guest stress tests: tests/tools/stress_NAME.c
# becomes bin/stress_NAME in the VM.

STRESS_PROGS := $(patsubst tests/tools/%.c,%,$(wildcard tests/tools/stress_*.c))
STRESS_BINS := $(addprefix $(BUILD)/static/,$(STRESS_PROGS))

$(STRESS_BINS): $(BUILD)/static/%: tests/tools/%.c tests/tools/drec_test.h \
		include/uapi/linux/damon_rec.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) -static -pthread -o $@ $< \
		-lpthread

VM_PAYLOAD += $(foreach p,$(STRESS_PROGS),$(BUILD)/static/$(p):bin/$(p))
# (tests/tests.mk expanded vm-payload's prerequisites before this fragment)
vm-payload: $(STRESS_BINS)

# ---- dyndbg: damon_dyndbg's store against the kernel's own dynamic debug ----
# bench/dyndbg.sh boots the test VM with bench/dyndbg-guest.sh, which loads
# the running kernel's callsites into the store and measures bytes per
# callsite, query time and cache hit rate; the host prints the table.

DDZ_TEST_KOS := ddz_selftest.ko ddz_badorder.ko

.PHONY: bench-dyndbg
bench-dyndbg: vm-payload
	@VM_BUILD='$(VM_BUILD)' VM_RUNAS='$(VM_RUNAS)' \
		VM_PAYLOAD='$(VM_PAYLOAD)' bench/dyndbg.sh

# The store's test modules (driver/Kbuild.ddz builds them with the others),
# for the VM tests and the benchmark.
ifneq ($(VM_KREL),)
$(addprefix $(BUILD)/modules-$(VM_KREL)/driver/,$(DDZ_TEST_KOS)): \
	$(BUILD)/modules-$(VM_KREL)/.built ;
VM_PAYLOAD += $(foreach k,$(DDZ_TEST_KOS),\
	$(BUILD)/modules-$(VM_KREL)/driver/$(k):modules/$(k))
endif

# The timing helper the guest half uses.
$(BUILD)/static/dyndbg_time: bench/dyndbg_time.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) -Werror $(CFLAGS) -static -o $@ $<
VM_PAYLOAD += $(BUILD)/static/dyndbg_time:bin/dyndbg_time
# (vm-payload's prerequisites were fixed before these lines were read)
vm-payload: $(BUILD)/static/dyndbg_time \
	$(if $(VM_KREL),$(addprefix $(BUILD)/modules-$(VM_KREL)/driver/,$(DDZ_TEST_KOS)))
