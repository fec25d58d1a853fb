/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's <linux/time64.h> (see types.h). */
#ifndef DREC_KSHIM_TIME64_H
#define DREC_KSHIM_TIME64_H

#include <linux/types.h>

struct timespec64 {
	s64 tv_sec;
	long tv_nsec;
};

#endif
