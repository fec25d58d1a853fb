// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the v4 record reader (range-coded bodies, groups). */
#define FUZZ_FORMAT DAMONREC_FORMAT_V4
#include "fuzz_reader.h"
