# SPDX-License-Identifier: GPL-2.0
# C unit tests of libdamonrec, built twice: plain and with ASan+UBSan.
# Included by lib/lib.mk.  Run them with tests/suites/10-unit.sh.

UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/plain/%,$(UNIT_SRCS))
UNIT_SAN_BINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/asan/%,$(UNIT_SRCS))
UNIT_CFLAGS = $(CPPFLAGS) -DDAMONREC_VERSION='"$(VERSION)"' -Itests/unit \
	$(EXTRA_CFLAGS) $(CFLAGS)

.PHONY: unit-tests
unit-tests: $(UNIT_BINS) $(UNIT_SAN_BINS)

$(BUILD)/tests/unit/plain/%: tests/unit/%.c tests/unit/tap.h $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(LIB_A) $(LIB_LDLIBS) -lm

$(BUILD)/tests/unit/asan/%: tests/unit/%.c tests/unit/tap.h $(LIB_SAN_A)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) $(SAN_FLAGS) -o $@ $< $(LIB_SAN_A) $(LIB_LDLIBS) -lm

# The dyndbg tests build the store's sources in (driver/ddz_*.c).
$(filter %/test_ddz_codec %/test_ddz_query,$(UNIT_BINS) $(UNIT_SAN_BINS)): \
	$(wildcard driver/ddz_*.c driver/ddz_*.h)
