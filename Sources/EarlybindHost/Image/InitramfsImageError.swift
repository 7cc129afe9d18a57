// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// Why an initramfs image cannot be read: always with the image's path and
/// the byte offset of the part that failed.
struct InitramfsImageError: Error, Hashable, Sendable, CustomStringConvertible {
  enum Reason: Hashable, Sendable {
    /// A malformed or truncated archive (offset inside the part's stream).
    case cpio(CpioError)
    /// Neither a cpio header nor a compression format the kernel knows.
    case unknownCompression([UInt8])
    /// The decompressor could not be started, or exited with an error.
    case decompressorMissing(String)
    case decompressorFailed(command: String, status: Int32, message: String)
    /// The in-process decompressor's complaint (corrupt or cut data).
    case decompressionFailed(String)
    case system(SystemError)
  }

  var path: String
  /// Where the failing part starts in the image file.
  var partOffset: Int64
  /// The part's compression; nil for the uncompressed part.
  var compression: ImageCompression?
  var reason: Reason

  var description: String {
    let part =
      compression.map { "\(path): the \($0.rawValue) part at byte \(partOffset)" } ?? path
    switch reason {
    case .cpio(let error):
      return part + ": " + error.description
        + (compression == nil ? "" : " of its decompressed data")
    case .unknownCompression(let bytes):
      let shown = bytes.map { ASCII.hex(UInt32($0), width: 2) }.joined(separator: " ")
      return "\(path): unknown compression at byte \(partOffset) (starts \(shown))"
    case .decompressorMissing(let command):
      return part + ": cannot run \(command) (install it to read this image)"
    case .decompressorFailed(let command, let status, let message):
      let text = message.split(separator: "\n").first.map { ": " + $0 } ?? ""
      return part + ": \(command) failed with status \(status)" + text
    case .decompressionFailed(let message):
      return part + ": " + message
    case .system(let error):
      return part + ": " + error.description
    }
  }
}
