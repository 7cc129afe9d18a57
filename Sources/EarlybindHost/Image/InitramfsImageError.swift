// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// Why an initramfs image cannot be read, and where: always with the
/// image's path and the byte offset of the part that failed. Every reason
/// but `limit`, `libraryMissing` and `system` stops the kernel too.
struct InitramfsImageError: Error, Hashable, Sendable, CustomStringConvertible {
  enum Reason: Error, Hashable, Sendable {
    /// A malformed or truncated archive (offset inside the part's stream).
    case cpio(CpioError)
    /// Neither a cpio header nor a compression format the kernel knows:
    /// "invalid magic at start of compressed archive".
    case unknownCompression([UInt8])
    /// The decoder's complaint (corrupt or cut data): "decompressor failed".
    case decompressionFailed(String)
    /// The part's data ends inside an entry: "junk at the end of
    /// compressed archive".
    case junkAtEnd
    /// The library that decodes the format is not installed.
    case libraryMissing(String)
    /// One of `ImageLimits`: the image is not checked past it.
    case limit(ImageLimitExceeded.Limit)
    case system(SystemError)
  }

  var path: String
  /// Where the failing part starts in the image file.
  var partOffset: Int64
  /// The part's compression; nil for an uncompressed part.
  var compression: ImageCompression?
  var reason: Reason

  init(
    path: String, partOffset: Int64, compression: ImageCompression? = nil, reason: Reason
  ) {
    self.path = path
    self.partOffset = partOffset
    self.compression = compression
    self.reason = reason
  }

  /// Whether the image ends inside an entry: the kernel unpacks what
  /// comes before it, and nothing tells.
  var isTruncated: Bool {
    if case .cpio(let error) = reason, case .truncated = error.reason { return true }
    return false
  }

  /// Whether the kernel would stop unpacking the image here too.
  var stopsTheKernel: Bool {
    switch reason {
    case .limit, .libraryMissing, .system: return false
    case .cpio(let error):
      if case .limit = error.reason { return false }
      if case .truncated = error.reason { return false }
      return true
    default: return true
    }
  }

  func description(limits: ImageLimits = .default) -> String {
    let part =
      compression.map { "\(path): the \($0.rawValue) part at byte \(partOffset)" } ?? path
    switch reason {
    case .cpio(let error):
      if case .limit(let limit) = error.reason {
        return part + ": " + ImageLimitExceeded(limit: limit).description(limits)
      }
      return part + ": " + error.description
        + (compression == nil ? "" : " of its decompressed data")
    case .unknownCompression(let bytes):
      let shown = bytes.map { ASCII.hex(UInt32($0), width: 2) }.joined(separator: " ")
      return "\(path): invalid magic at start of compressed archive at byte \(partOffset) "
        + "(starts \(shown))"
    case .decompressionFailed(let message):
      return part + ": decompressor failed: " + message
    case .junkAtEnd:
      return part + ": junk at the end of compressed archive (its data ends inside an entry)"
    case .libraryMissing(let library):
      return part + ": cannot decompress it without \(library) (install it to check this image)"
    case .limit(let limit):
      return part + ": " + ImageLimitExceeded(limit: limit).description(limits)
    case .system(let error):
      return part + ": " + error.description
    }
  }

  var description: String { description() }
}
