// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: format detection and every reader behind it. */
#define FUZZ_FORMAT DAMONREC_FORMAT_AUTO
#include "fuzz_reader.h"
