// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore
import EarlybindPosix

extension PosixFileSystem {
  /// Removes the `NAME.tmp.PID` files (`replaceFile`'s temp files) that a
  /// writer of `path` killed before its rename left beside it: only that
  /// exact name, only regular files, and only when no process PID exists
  /// any more (kill(PID, 0) fails with ESRCH). Returns what was removed.
  @discardableResult
  public func removeStaleTemporaryFiles(of path: String) -> [String] {
    let folder = Paths.parent(path)
    let prefix = Paths.lastComponent(path) + Self.temporaryMarker
    guard let names = try? listDirectory(folder.isEmpty ? "." : folder) else { return [] }
    var removed: [String] = []
    for name in names where name.hasPrefix(prefix) {
      guard let pid = Self.processID(name.utf8.dropFirst(prefix.utf8.count)),
        !ProcessEnvironment.processExists(pid)
      else { continue }
      let stale = folder.isEmpty ? name : Paths.join(folder, name)
      guard (try? status(stale, followingLinks: false))?.kind == .regular,
        (try? removeFile(stale)) != nil
      else { continue }
      removed.append(stale)
    }
    return removed
  }

  /// A PID as `String(getpid())` writes it: decimal digits, no sign, no
  /// leading zero, in range.
  static func processID(_ digits: Substring.UTF8View) -> Int32? {
    guard let first = digits.first, first != 0x30, digits.count <= 10,
      digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
    else { return nil }
    return Int32(String(decoding: digits, as: UTF8.self))
  }
}
