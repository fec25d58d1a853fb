/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damonctl: opening the device and describing its state.
 */
#ifndef DAMONCTL_DEVUTIL_H
#define DAMONCTL_DEVUTIL_H

#include "damonrec.h"

/* Device node in use: --device or the default. */
const char *device_path(void);
/* Open it; on failure print one line with a remedy and return NULL
 * with *@code set to the exit code. */
struct damonrec_device *device_open_or_explain(int flags, int *code);
/*
 * --buf BYTES of record and device: a size from DAMON_REC_MIN_BUF_LEN to
 * DAMON_REC_MAX_BUF_LEN (1K to 4M), or a usage error naming that range.
 */
uint32_t parse_buf_size(const char *arg);
/* One-line explanation of a failed device ioctl @what, with errno @err. */
int device_error(const char *what, int err);

const char *state_name(enum damonrec_state s);
const char *output_name(enum damonrec_output o);
/* "v2 v3" from a formats bitmask. */
char *formats_str(char *buf, size_t len, uint32_t formats);
/* "stream fd age poll" from an info. */
char *features_str(char *buf, size_t len, const struct damonrec_device_info *in);

#endif /* DAMONCTL_DEVUTIL_H */
