#ifndef CEARLYBINDSYS_H
#define CEARLYBINDSYS_H

// The only place the Swift code reaches libc. Embedded Swift cannot import
// Glibc, and some calls (variadic open, errno) cannot be imported directly,
// so each call the binder needs has a small inline wrapper here.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static inline int eb_errno(void) { return errno; }
static inline void eb_set_errno(int value) { errno = value; }

/// openat(2) as a raw system call, always with O_CLOEXEC: musl's open()
/// follows O_CLOEXEC with an extra fcntl(F_SETFD), one more call per sysfs
/// attribute read. eb_open is relative to the working directory, eb_openat
/// to the directory descriptor `dir`.
int eb_open(const char *path, int flags, unsigned int mode);
int eb_openat(int dir, const char *path, int flags, unsigned int mode);
static inline ssize_t eb_read(int fd, void *buf, size_t count) { return read(fd, buf, count); }
static inline ssize_t eb_write(int fd, const void *buf, size_t count) {
  return write(fd, buf, count);
}
static inline int eb_close(int fd) { return close(fd); }
static inline int eb_fsync(int fd) { return fsync(fd); }
static inline int eb_fchmod(int fd, unsigned int mode) { return fchmod(fd, (mode_t)mode); }
static inline int eb_rename(const char *from, const char *to) { return rename(from, to); }
static inline int eb_unlink(const char *path) { return unlink(path); }
static inline int eb_mkdir(const char *path, unsigned int mode) {
  return mkdir(path, (mode_t)mode);
}
static inline ssize_t eb_readlink(const char *path, char *buf, size_t size) {
  return readlink(path, buf, size);
}
static inline int eb_access(const char *path, int mode) { return access(path, mode); }
static inline int eb_getpid(void) { return (int)getpid(); }
static inline void eb_exit(int status) { _exit(status); }

/// fstat(2), reduced to what the binder checks: the file type bits of
/// st_mode and the size. 0, or -1 with errno.
static inline int eb_fstat(int fd, unsigned int *type, long long *size) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -1;
  *type = (unsigned int)(st.st_mode & S_IFMT);
  *size = (long long)st.st_size;
  return 0;
}
static inline unsigned int eb_s_ifreg(void) { return S_IFREG; }
static inline unsigned int eb_s_ifchr(void) { return S_IFCHR; }
static inline unsigned int eb_s_ifdir(void) { return S_IFDIR; }
static inline unsigned int eb_s_ififo(void) { return S_IFIFO; }
static inline unsigned int eb_s_ifblk(void) { return S_IFBLK; }
static inline unsigned int eb_s_ifsock(void) { return S_IFSOCK; }
static inline unsigned int eb_s_iflnk(void) { return S_IFLNK; }

static inline int eb_o_rdonly(void) { return O_RDONLY; }
static inline int eb_o_nonblock(void) { return O_NONBLOCK; }
static inline int eb_o_wronly(void) { return O_WRONLY; }
static inline int eb_o_directory(void) { return O_DIRECTORY; }
static inline int eb_o_creat_excl_wronly(void) { return O_CREAT | O_EXCL | O_WRONLY; }
static inline int eb_o_append_wronly(void) { return O_APPEND | O_WRONLY; }

/// Reads directory entries with getdents64 into `buf`; returns bytes or -1.
long eb_getdents(int fd, void *buf, size_t size);

/// Walks a getdents64 buffer: returns the name at `*offset` and advances it,
/// or NULL at the end. Entries "." and ".." are skipped.
const char *eb_dirent_next(const void *buf, long length, long *offset, unsigned char *type);

/// The running kernel's release (uname -r) into `buf`; 0, or -1 with errno.
int eb_kernel_release(char *buf, size_t size);

/// Monotonic nanoseconds, for the report's timing.
uint64_t eb_monotonic_ns(void);

/// The static binder's allocator (arena.c): small blocks cut from regions
/// and never reused, large ones (64 KiB and up) mapped one by one. The
/// static build's malloc and friends (CEarlybindMalloc) call these; the
/// tests call them directly.
void *eb_arena_alloc(size_t size, size_t alignment);
void eb_arena_free(void *pointer);
void *eb_arena_realloc(void *pointer, size_t size);
size_t eb_arena_usable_size(void *pointer);

/// The process arguments, saved by a constructor: Embedded Swift has no
/// CommandLine.
int eb_argc(void);
char **eb_argv(void);

#endif
