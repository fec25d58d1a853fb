# SPDX-License-Identifier: GPL-2.0
# libFuzzer targets (clang -fsanitize=fuzzer,address,undefined).
#
#   make fuzz              run every target for FUZZ_SECONDS (default 60) each
#   make fuzz-build        build every target as $(BUILD)/fuzz/<name>
#   make fuzz-corpus       regenerate the record readers' seed corpora
#   make fuzz-list         print the target names
#
# Target <name> takes its seed corpus from fuzz/corpus/<name>/ (if any) and
# keeps its regression cases, every finding once fixed, in
# fuzz/regress/<name>/; tests/suites/60-fuzz.sh replays them all and runs a
# short pass of each target.
#
# ADDING A TARGET takes two lines in the block marked below, e.g.
#
#   FUZZ_TARGETS += dyndbg-query
#   FUZZ_SRCS_dyndbg-query := fuzz/fuzz_dyndbg_query.c driver/ddz_query.c
#
# The sources (C files or objects) are built and linked in one clang
# command with $(FUZZ_CFLAGS) and the sanitizers; extra flags for one target
# go in FUZZ_CFLAGS_<name> (e.g. -Idriver).  The source defining
# LLVMFuzzerTestOneInput() must declare it first (-Wmissing-prototypes).

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = $(CPPFLAGS) -std=gnu11 -g -O1 -fno-omit-frame-pointer $(WARN)
FUZZ_RUN_FLAGS ?= -timeout=10 -print_final_stats=1

# The record code of libdamonrec, built for fuzzing.
FUZZ_LIB_SRCS = $(filter-out lib/device.c lib/damon_sysfs.c,$(wildcard lib/*.c))
FUZZ_LIB_OBJS = $(patsubst lib/%.c,$(BUILD)/fuzz/lib/%.o,$(FUZZ_LIB_SRCS))

$(BUILD)/fuzz/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(LIB_CPPFLAGS) -DDAMONREC_FUZZ $(FUZZ_CFLAGS) \
		-fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=all -MMD -MP -c -o $@ $<

-include $(wildcard $(BUILD)/fuzz/lib/*.d)

# One target per record decoder, one for format detection, and v3 and v4
# once more with their CRC checks off so that mutations reach the frame
# decoders.
FUZZ_READERS := v0 v1 v2 v3 v3-nocrc v4 v4-nocrc json csv perf-script damo damo-json \
	auto
FUZZ_TARGETS := $(FUZZ_READERS)
$(foreach t,$(FUZZ_READERS),$(eval \
	FUZZ_SRCS_$(t) = fuzz/fuzz_$(subst -,_,$(t)).c $$(FUZZ_LIB_OBJS)))

# ---- More targets: add them here (two lines each, see above). ----
FUZZ_TARGETS += dyndbg-query
FUZZ_SRCS_dyndbg-query := fuzz/fuzz_dyndbg_query.c driver/ddz_query.c \
	driver/ddz_text.c
FUZZ_CFLAGS_dyndbg-query := -Idriver

# ---- End of the targets. ----

define FUZZ_RULE
$(BUILD)/fuzz/$(1): $$(FUZZ_SRCS_$(1)) $$(wildcard fuzz/*.h) fuzz/fuzz.mk
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(FUZZ_CFLAGS_$(1)) $$(FUZZ_SAN) \
		-o $$@ $$(FUZZ_SRCS_$(1)) -lz
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

.PHONY: fuzz fuzz-build fuzz-corpus fuzz-list
fuzz-build: $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))

fuzz-list:
	@echo $(FUZZ_TARGETS)

# New inputs go to $(BUILD)/fuzz/work/<name>; crashes to .../artifacts/<name>.
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/work/$$t $(BUILD)/fuzz/artifacts/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) \
			$(FUZZ_RUN_FLAGS) \
			-artifact_prefix=$(BUILD)/fuzz/artifacts/$$t/ \
			$(BUILD)/fuzz/work/$$t \
			$$(test -d fuzz/corpus/$$t && echo fuzz/corpus/$$t); \
	done

$(BUILD)/fuzz/gen_corpus: fuzz/gen_corpus.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(EXTRA_CFLAGS) $(CFLAGS) -o $@ $< $(LIB_A) $(LIB_LDLIBS)

fuzz-corpus: $(BUILD)/fuzz/gen_corpus
	$(BUILD)/fuzz/gen_corpus fuzz/corpus
