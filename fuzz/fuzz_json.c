// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the json record reader. */
#define FUZZ_FORMAT DAMONREC_FORMAT_JSON
#include "fuzz_reader.h"
