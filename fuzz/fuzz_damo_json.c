// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the reader of damo's plain json records. */
#define FUZZ_FORMAT DAMONREC_FORMAT_DAMO_JSON
#include "fuzz_reader.h"
