// SPDX-License-Identifier: Apache-2.0
// arc4random_buf for the Embedded Swift runtime, which seeds Hasher with it.
// musl (the C library of the static initramfs binary) has no arc4random_buf
// before 1.2.5, so it is provided here on top of the getrandom system call.
//
// The definition is weak: where the C library has its own (glibc >= 2.36),
// either one is fine, and a static link never fails on a duplicate.
//
// GRND_INSECURE (Linux >= 5.6) never blocks: the binder runs in the initramfs,
// possibly before the kernel's random pool is initialised, and only needs hash
// seeds. Older kernels reject the flag and get a plain (blocking) getrandom.

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef EB_GRND_INSECURE
#define EB_GRND_INSECURE 0x0004
#endif

__attribute__((weak)) void arc4random_buf(void *buffer, size_t count) {
  int saved_errno = errno;
  unsigned char *next = buffer;
  unsigned int flags = EB_GRND_INSECURE;
  while (count > 0) {
    long got = syscall(SYS_getrandom, next, count, flags);
    if (got > 0) {
      next += got;
      count -= (size_t)got;
    } else if (got < 0 && errno == EINTR) {
      continue;
    } else if (got < 0 && errno == EINVAL && flags != 0) {
      flags = 0;
    } else {
      // No getrandom (Linux < 3.17): there is nothing sensible to fall back to.
      abort();
    }
  }
  errno = saved_errno;
}
