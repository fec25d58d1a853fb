// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the v2 record reader. */
#define FUZZ_FORMAT DAMONREC_FORMAT_V2
#include "fuzz_reader.h"
