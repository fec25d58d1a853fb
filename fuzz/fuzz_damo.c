// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the reader of damo's json_compressed records. */
#define FUZZ_FORMAT DAMONREC_FORMAT_DAMO
#include "fuzz_reader.h"
