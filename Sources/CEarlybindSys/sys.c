// SPDX-License-Identifier: Apache-2.0
#include "CEarlybindSys.h"

#include <sys/syscall.h>
#include <sys/utsname.h>

struct eb_linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

int eb_open(const char *path, int flags, unsigned int mode) {
  return eb_openat(AT_FDCWD, path, flags, mode);
}

int eb_openat(int dir, const char *path, int flags, unsigned int mode) {
  return (int)syscall(SYS_openat, dir, path, flags | O_CLOEXEC, mode);
}

long eb_getdents(int fd, void *buf, size_t size) { return syscall(SYS_getdents64, fd, buf, size); }

const char *eb_dirent_next(const void *buf, long length, long *offset, unsigned char *type) {
  while (*offset < length) {
    const struct eb_linux_dirent64 *entry =
        (const struct eb_linux_dirent64 *)((const char *)buf + *offset);
    *offset += entry->d_reclen;
    const char *name = entry->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
    if (type) *type = entry->d_type;
    return name;
  }
  return NULL;
}

int eb_kernel_release(char *buf, size_t size) {
  struct utsname names;
  if (size == 0 || uname(&names) != 0) return -1;
  size_t length = strnlen(names.release, sizeof names.release);
  if (length >= size) length = size - 1;
  memcpy(buf, names.release, length);
  buf[length] = 0;
  return 0;
}

uint64_t eb_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int saved_argc;
static char **saved_argv;

__attribute__((constructor)) static void eb_save_arguments(int argc, char **argv) {
  saved_argc = argc;
  saved_argv = argv;
}

// musl calls constructors without arguments, so the static musl link of
// earlybind-init (scripts/build-init.sh) wraps main with `ld --wrap=main`:
// this records the arguments, then runs the program's real main. Other links
// never reference __wrap_main, and the weak __real_main stays unresolved.
extern int __real_main(int argc, char **argv) __attribute__((weak));

int __wrap_main(int argc, char **argv) {
  saved_argc = argc;
  saved_argv = argv;
  return __real_main(argc, argv);
}

int eb_argc(void) { return saved_argc; }
char **eb_argv(void) { return saved_argv; }
