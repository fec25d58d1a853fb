// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the v0 record reader. */
#define FUZZ_FORMAT DAMONREC_FORMAT_V0
#include "fuzz_reader.h"
