// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore
import EarlybindPosix

/// What the host tool asks about its own process and machine.
public enum ProcessEnvironment {
  /// The running kernel's release, as `uname -r` prints it; "" if unknown.
  public static var kernelRelease: String {
    var buffer = [CChar](repeating: 0, count: 256)
    let result = buffer.withUnsafeMutableBufferPointer {
      eb_uname_release($0.baseAddress, $0.count)
    }
    guard result == 0 else { return "" }
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }

  /// The effective uid.
  public static var effectiveUID: UInt32 { eb_geteuid() }

  /// Whether a process with `pid` exists (kill(pid, 0) is not ESRCH; a
  /// process of another user, EPERM, exists too).
  public static func processExists(_ pid: Int32) -> Bool {
    guard pid > 0 else { return false }
    return eb_kill_probe(pid) == 0 || eb_errno() != Errno.noSuchProcess.rawValue
  }

  /// Whether standard output (1) or error (2) is a terminal.
  public static func isTerminal(_ fd: Int32) -> Bool { eb_isatty(fd) == 1 }

  public static func variable(_ name: String) -> String? {
    name.withCString { eb_getenv($0) }.map { String(cString: $0) }
  }

  /// Writes `text` as it is to standard output (1) or error (2), all of it.
  public static func write(_ text: String, to fd: Int32) {
    try? FileDescriptor(rawValue: fd, path: fd == 2 ? "stderr" : "stdout")
      .write(Array(text.utf8))
  }
}
