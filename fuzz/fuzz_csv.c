// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the csv record reader. */
#define FUZZ_FORMAT DAMONREC_FORMAT_CSV
#include "fuzz_reader.h"
