// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the v3 record reader. */
#define FUZZ_FORMAT DAMONREC_FORMAT_V3
#include "fuzz_reader.h"
