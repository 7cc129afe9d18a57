// SPDX-License-Identifier: Apache-2.0
#ifndef CEARLYBINDSYS_H
#define CEARLYBINDSYS_H

// The only place the Swift code reaches libc. Embedded Swift cannot import
// Glibc, and some calls (variadic open, errno) cannot be imported directly,
// so each call the binder needs has a small inline wrapper here.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline int eb_errno(void) { return errno; }
static inline void eb_set_errno(int value) { errno = value; }

// The errno values the Swift code names (EarlybindCore's Errno), from this
// platform's headers: the Swift side holds no errno numbers of its own.
static const int eb_eperm = EPERM;
static const int eb_enoent = ENOENT;
static const int eb_esrch = ESRCH;
static const int eb_eintr = EINTR;
static const int eb_eio = EIO;
static const int eb_enxio = ENXIO;
static const int eb_e2big = E2BIG;
static const int eb_ebadf = EBADF;
static const int eb_eagain = EAGAIN;
static const int eb_enomem = ENOMEM;
static const int eb_eacces = EACCES;
static const int eb_ebusy = EBUSY;
static const int eb_eexist = EEXIST;
static const int eb_exdev = EXDEV;
static const int eb_enodev = ENODEV;
static const int eb_enotdir = ENOTDIR;
static const int eb_eisdir = EISDIR;
static const int eb_einval = EINVAL;
static const int eb_emfile = EMFILE;
static const int eb_efbig = EFBIG;
static const int eb_enospc = ENOSPC;
static const int eb_erofs = EROFS;
static const int eb_enametoolong = ENAMETOOLONG;
static const int eb_enosys = ENOSYS;
static const int eb_eloop = ELOOP;
static const int eb_eopnotsupp = EOPNOTSUPP;

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

// The calls below serve the host tool only. They are static inline, so the
// initramfs binder, which never calls them, carries none of them.

/// What stat(2) reports, in fixed-width fields (struct stat differs between
/// C libraries; these do not).
struct eb_file_status {
  uint32_t mode;
  uint32_t owner;
  uint64_t device;
  uint64_t represented_device;
  int64_t size;
};

/// fstatat(2) of `name` relative to `dir`, into the fields Swift reads.
static inline int eb_fstatat(int dir, const char *name, int flags, struct eb_file_status *out) {
  struct stat info;
  int result = fstatat(dir, name, &info, flags);
  if (result == 0) {
    out->mode = (uint32_t)info.st_mode;
    out->owner = (uint32_t)info.st_uid;
    out->device = (uint64_t)info.st_dev;
    out->represented_device = (uint64_t)info.st_rdev;
    out->size = (int64_t)info.st_size;
  }
  return result;
}
/// fstatat(2), following a final symlink or not.
static inline int eb_stat(const char *path, int follow, struct eb_file_status *out) {
  return eb_fstatat(AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, out);
}
/// fstatat(2) of `name` in the directory `dir`, never following a symlink.
static inline int eb_lstat_at(int dir, const char *name, struct eb_file_status *out) {
  return eb_fstatat(dir, name, AT_SYMLINK_NOFOLLOW, out);
}
static inline uint32_t eb_s_ifmt(void) { return S_IFMT; }
static inline unsigned char eb_dt_unknown(void) { return DT_UNKNOWN; }
static inline unsigned char eb_dt_dir(void) { return DT_DIR; }
static inline unsigned char eb_dt_lnk(void) { return DT_LNK; }
static inline unsigned char eb_dt_reg(void) { return DT_REG; }

/// realpath(3) into a fresh buffer the caller frees with eb_free.
static inline char *eb_realpath(const char *path) { return realpath(path, NULL); }
static inline void eb_free(void *pointer) { free(pointer); }
static inline char *eb_strdup(const char *text) { return strdup(text); }
static inline int eb_rmdir(const char *path) { return rmdir(path); }
/// unlinkat(2) of a file `name` in the directory `dir`.
static inline int eb_unlinkat(int dir, const char *name) { return unlinkat(dir, name, 0); }
static inline int eb_x_ok(void) { return X_OK; }

static inline int eb_flock_exclusive(int fd) { return flock(fd, LOCK_EX); }
static inline int eb_flock_release(int fd) { return flock(fd, LOCK_UN); }
/// flock(LOCK_EX | LOCK_NB): 0, or -1 with errno EWOULDBLOCK while held.
static inline int eb_flock_try(int fd) { return flock(fd, LOCK_EX | LOCK_NB); }
static inline int eb_o_creat_rdwr(void) { return O_CREAT | O_RDWR; }
static inline int eb_o_nofollow(void) { return O_NOFOLLOW; }
/// Sleeps `milliseconds` (a shorter sleep on a signal is fine for polling).
static inline void eb_sleep_ms(unsigned int milliseconds) {
  struct timespec ts = {milliseconds / 1000, (long)(milliseconds % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static inline unsigned int eb_geteuid(void) { return (unsigned int)geteuid(); }
static inline int eb_fchown(int fd, unsigned int owner) {
  return fchown(fd, (uid_t)owner, (gid_t)-1);
}
/// kill(pid, 0): 0 while the process exists, -1 with ESRCH once it is gone.
static inline int eb_kill_probe(int pid) { return kill((pid_t)pid, 0); }

static inline int eb_isatty(int fd) { return isatty(fd); }
static inline const char *eb_getenv(const char *name) { return getenv(name); }

/// The running kernel's release (`uname -r`) into `buffer`; 0 or -1.
static inline int eb_uname_release(char *buffer, size_t size) {
  struct utsname name;
  if (uname(&name) != 0) return -1;
  snprintf(buffer, size, "%s", name.release);
  return 0;
}

/// pipe2(2) with O_CLOEXEC: the child gets the write end only through dup2.
static inline int eb_pipe(int fds[2]) { return (int)syscall(SYS_pipe2, fds, O_CLOEXEC); }

/// posix_spawnp(3) with this process's environment; `in_fd`, `out_fd` and
/// `err_fd` (when not -1) become the child's standard input, output and error. The child
/// starts with no blocked signals and every signal at its default, whatever
/// this process inherited. Returns 0 or the error number (posix_spawnp does
/// not set errno).
static inline int eb_spawnp(int *pid, const char *file, char *const argv[], int in_fd,
                            int out_fd, int err_fd) {
  extern char **environ;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  sigset_t none, all;
  int result = posix_spawn_file_actions_init(&actions);
  if (result != 0) return result;
  result = posix_spawnattr_init(&attributes);
  if (result != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return result;
  }
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (in_fd >= 0) result = posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  if (result == 0 && out_fd >= 0) result = posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  if (result == 0 && err_fd >= 0) result = posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  pid_t child = 0;
  if (result == 0) result = posix_spawnp(&child, file, &actions, &attributes, argv, environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (result == 0) *pid = (int)child;
  return result;
}

static inline int eb_waitpid(int pid, int *status) { return (int)waitpid((pid_t)pid, status, 0); }

/// kill(2) with SIGKILL: ends a child whose output is no longer wanted.
static inline int eb_kill_child(int pid) { return kill((pid_t)pid, SIGKILL); }

/// pread(2): reads at `offset` without moving the file position, which a
/// child reading the same open file through its standard input shares.
static inline ssize_t eb_pread(int fd, void *buf, size_t count, long long offset) {
  return pread(fd, buf, count, (off_t)offset);
}
/// lseek(2) to `offset` from the start; the new position, or -1.
static inline long long eb_seek(int fd, long long offset) {
  return (long long)lseek(fd, (off_t)offset, SEEK_SET);
}
/// memfd_create(2) with MFD_CLOEXEC (1): an anonymous file for a child's
/// standard error, which never fills up and blocks the child the way a
/// pipe nobody reads would.
static inline int eb_memfd(const char *name) { return (int)syscall(SYS_memfd_create, name, 1u); }

/// The exit status as a shell reports it: the code, or 128 + the signal.
static inline int eb_exit_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

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
