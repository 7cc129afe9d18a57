// SPDX-License-Identifier: Apache-2.0
/// What `check` spends on one initramfs image, at most: an image past any
/// of these is reported as not checked (earlybind(8), LIMITS), never read
/// on. Real images stay far below them (a distribution's largest are a few
/// hundred MiB unpacked and a few thousand entries).
struct ImageLimits: Hashable, Sendable {
  /// cpio data read, after decompression (1 GiB): this bounds the time, at
  /// the decompressor's speed (about 1 GiB/s for zstd, 100 MiB/s for xz).
  var archiveBytes: Int64 = 1 << 30
  /// Folders, files, links and nodes held in the unpacked tree.
  var entries = 1 << 17
  /// Bytes of their names, link targets and kept file bytes (32 MiB).
  var keptBytes = 32 << 20
  /// Path text walked, over every lookup of the image (64 MiB): with the
  /// kernel's 40 links per path, this bounds the time links can cost.
  var pathBytes = 64 << 20
  /// Memory one decompressor may use (the xz or lzma dictionary, the zstd
  /// window): 256 MiB.
  var decoderMemory: UInt64 = 1 << 28

  static let `default` = ImageLimits()

  /// Bytes in words, for messages: "1 GiB", "32 MiB", "131072".
  static func size(_ bytes: Int64) -> String {
    if bytes >= 1 << 30 && bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
    return "\(bytes) bytes"
  }
}

/// An image past one of `ImageLimits`.
struct ImageLimitExceeded: Error, Hashable, Sendable {
  enum Limit: Hashable, Sendable {
    case archiveBytes, entries, keptBytes, pathBytes, decoderMemory
  }

  var limit: Limit

  func description(_ limits: ImageLimits) -> String {
    switch limit {
    case .archiveBytes:
      return "more than \(ImageLimits.size(limits.archiveBytes)) of archive data"
    case .entries:
      return "more than \(limits.entries) folders, files and links"
    case .keptBytes:
      return "more than \(ImageLimits.size(Int64(limits.keptBytes))) of names, link targets "
        + "and tables"
    case .pathBytes:
      return "more than \(ImageLimits.size(Int64(limits.pathBytes))) of paths to walk "
        + "through its links"
    case .decoderMemory:
      return "a decompressor needing more than "
        + "\(ImageLimits.size(Int64(limits.decoderMemory))) of memory"
    }
  }
}
