// SPDX-License-Identifier: Apache-2.0
/// One member of a newc cpio archive, as an initramfs carries it.
struct CpioEntry: Hashable, Sendable {
  /// The path without its leading `./` or `/` (`usr/sbin/earlybind-init`).
  var name: String
  /// st_mode: type and permission bits.
  var mode: UInt32
  var size: Int64
  /// Where its header starts in the archive stream.
  var offset: Int64
  /// The file's bytes, when the scanner was asked to keep them.
  var data: [UInt8]?

  var isRegularFile: Bool { mode & 0o170000 == 0o100000 }
  var isSymlink: Bool { mode & 0o170000 == 0o120000 }

  /// `name` as the kernel would create it: `./usr`, `/usr` and `usr` are
  /// one path; `.` is the root itself ("").
  static func normalized(_ name: String) -> String {
    var text = Substring(name)
    while true {
      if text.hasPrefix("/") {
        text = text.dropFirst()
      } else if text.hasPrefix("./") {
        text = text.dropFirst(2)
      } else if text == "." {
        return ""
      } else {
        return String(text)
      }
    }
  }
}
