// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the v1 record reader. */
#define FUZZ_FORMAT DAMONREC_FORMAT_V1
#include "fuzz_reader.h"
