// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the v4 record reader with its group CRC checks off, so
 * that mutated frames reach the range decoder and the frame decoders.
 */
#define DAMONREC_FUZZ
#include "internal.h"

#define FUZZ_FORMAT DAMONREC_FORMAT_V4
#define FUZZ_SETUP() (dr_fuzz_skip_crc = true)
#include "fuzz_reader.h"
