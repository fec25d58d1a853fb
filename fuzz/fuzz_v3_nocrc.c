// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the v3 record reader with its CRC checks off, so that
 * mutated frames reach the SNAPSHOT, LOST, KDAMOND and END decoders.
 */
#define DAMONREC_FUZZ
#include "internal.h"

#define FUZZ_FORMAT DAMONREC_FORMAT_V3
#define FUZZ_SETUP() (dr_fuzz_skip_crc = true)
#include "fuzz_reader.h"
