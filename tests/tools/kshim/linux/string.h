/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's <linux/string.h> (see types.h). */
#ifndef DREC_KSHIM_STRING_H
#define DREC_KSHIM_STRING_H

#include <string.h>

#endif
