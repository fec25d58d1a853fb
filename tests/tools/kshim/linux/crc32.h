/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel's <linux/crc32.h> (see types.h):
 * crc32_le() as the kernel defines it (reflected polynomial 0xEDB88320, no
 * pre- or post-inversion), computed bit by bit.
 */
#ifndef DREC_KSHIM_CRC32_H
#define DREC_KSHIM_CRC32_H

#include <linux/types.h>

static inline u32 crc32_le(u32 crc, const unsigned char *p, size_t len)
{
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xedb88320 : crc >> 1;
	}
	return crc;
}

#endif
