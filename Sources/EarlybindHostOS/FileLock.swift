// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore
import EarlybindPosix

/// An exclusive flock(2), so that two edits of one file do not interleave
/// their read, change and write. Held until `release()` (or exit).
public struct FileLock {
  let descriptor: FileDescriptor

  /// Locks `path`, waiting for another holder. A directory is locked as
  /// it is; a missing file is created empty, since a lock on a file that
  /// is replaced by rename would lock the old copy. Locking the folder of
  /// a file replaced atomically therefore serialises its edits.
  public init(_ path: String) throws(SystemError) {
    let flags =
      (try? PosixFileSystem().status(path))?.kind == .directory
      ? eb_o_rdonly() | eb_o_directory() : eb_o_creat_rdwr()
    descriptor = try FileDescriptor.open(path, flags: flags, mode: 0o600)
    let fd = descriptor.rawValue
    do {
      _ = try retryingOnInterrupt("flock", path) { eb_flock_exclusive(fd) }
    } catch {
      descriptor.close()
      throw error
    }
  }

  /// Locks the lock file `path` (created 0600 when missing; a symlink,
  /// FIFO or device there is refused), waiting at most `seconds` for
  /// another holder: then it fails with EWOULDBLOCK, naming the file.
  public init(lockFile path: String, waitingAtMost seconds: Double) throws(SystemError) {
    descriptor = try FileDescriptor.open(
      path, flags: eb_o_creat_rdwr() | eb_o_nofollow(), mode: 0o600)
    let fd = descriptor.rawValue
    do throws(SystemError) {
      try descriptor.requireRegularFile()
      let deadline = eb_monotonic_ns() + UInt64(max(seconds, 0) * 1e9)
      while true {
        let (_, errno) = retryingOnInterrupt { eb_flock_try(fd) }
        guard let errno else { return }
        guard errno == .wouldBlock else {
          throw SystemError(syscall: "flock", path: path, errno: errno)
        }
        if eb_monotonic_ns() >= deadline {
          throw SystemError(
            syscall: "flock", path: path, errno: .wouldBlock,
            detail: "still locked by another process")
        }
        eb_sleep_ms(10)
      }
    } catch {
      descriptor.close()
      throw error
    }
  }

  public func release() {
    _ = eb_flock_release(descriptor.rawValue)
    descriptor.close()
  }
}
