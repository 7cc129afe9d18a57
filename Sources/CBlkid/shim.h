// SPDX-License-Identifier: Apache-2.0
#include <blkid.h>
#include <errno.h>
#include <stdlib.h>

// What the host's libblkid wrapper needs from libc, beside libblkid.
static inline int eb_blkid_errno(void) { return errno; }
static inline void eb_blkid_free(void *pointer) { free(pointer); }
