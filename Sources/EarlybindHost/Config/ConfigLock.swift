// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// The lock add, remove and compile hold on a config: a flock on
/// `CONFIG.lock` beside the file they read (the target of a symlinked
/// config). The config itself is replaced by rename, so a lock on it would
/// lock the old copy.
enum ConfigLock {
  static func path(for target: String) -> String { target + ".lock" }

  /// Waits at most `seconds` for another run to finish, then fails naming
  /// the lock file.
  static func acquire(_ target: String, waitingAtMost seconds: Double) throws(CommandFailure)
    -> FileLock
  {
    do {
      return try FileLock(lockFile: path(for: target), waitingAtMost: seconds)
    } catch {
      throw failure(error, seconds: seconds)
    }
  }

  /// For a run that only reads the config: where no lock file can be made
  /// (a read-only or missing folder, or no write access), the read goes on
  /// unlocked, since the config is only ever replaced whole by rename.
  static func acquireForReading(_ target: String, waitingAtMost seconds: Double)
    throws(CommandFailure) -> FileLock?
  {
    do {
      return try FileLock(lockFile: path(for: target), waitingAtMost: seconds)
    } catch  where [.accessDenied, .readOnlyFileSystem, .noSuchFile].contains(error.errno) {
      return nil
    } catch {
      throw failure(error, seconds: seconds)
    }
  }

  static func failure(_ error: SystemError, seconds: Double) -> CommandFailure {
    guard error.errno == .wouldBlock else { return .system(error) }
    return .lockTimeout(path: error.path, seconds: seconds)
  }
}
