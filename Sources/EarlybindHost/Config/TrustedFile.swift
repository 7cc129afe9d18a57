// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// The config and the table choose drivers and `rebind` at boot, so only
/// the trusted user (root) may change them: each file and its folder must
/// be owned by that user and writable by no group and no others.
struct TrustedFile {
  var trustedUID: UInt32
  var fileSystem: any HostFileSystem

  /// `root`, or the uid.
  var ownerName: String { trustedUID == 0 ? "root" : "uid " + String(trustedUID) }

  /// What is wrong with `path` (followed if a symlink) and the folders of
  /// the link and its target, each with the command that fixes it; empty
  /// when all is well or the file is missing.
  func problems(_ path: String) -> [String] {
    guard let target = try? fileSystem.linkTarget(path), fileSystem.exists(target) else {
      return []
    }
    var checked = [target]
    for file in [path, target] {
      let folder = Paths.parent(file).isEmpty ? "." : Paths.parent(file)
      if !checked.contains(folder) { checked.append(folder) }
    }
    return checked.compactMap(problem)
  }

  func problem(_ path: String) -> String? {
    guard let status = try? fileSystem.status(path) else { return nil }
    var faults: [String] = []
    var fixes: [String] = []
    if status.owner != trustedUID {
      faults.append("owned by uid " + String(status.owner) + ", not " + ownerName)
      fixes.append("chown " + (trustedUID == 0 ? "root" : String(trustedUID)) + ": " + path)
    }
    if status.permissions & 0o022 != 0 {
      let mode = String(status.permissions, radix: 8)
      faults.append(
        "writable by group or others (mode " + String(repeating: "0", count: max(0, 4 - mode.count))
          + mode + ")")
      fixes.append("chmod go-w " + path)
    }
    guard !faults.isEmpty else { return nil }
    return path + " is " + faults.joined(separator: " and ") + "; run "
      + fixes.joined(separator: " && ")
  }
}
