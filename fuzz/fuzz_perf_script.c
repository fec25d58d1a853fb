// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the perf-script record reader. */
#define FUZZ_FORMAT DAMONREC_FORMAT_PERF_SCRIPT
#include "fuzz_reader.h"
