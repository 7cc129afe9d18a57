// SPDX-License-Identifier: Apache-2.0
/// How the main archive of an initramfs image is compressed, told by its
/// first bytes (the formats the kernel's initramfs unpacker accepts), and
/// the program that decompresses it to standard output.
enum ImageCompression: String, CaseIterable, Sendable {
  case zstd, gzip, xz, lzma, lz4, bzip2, lzop

  /// The magic numbers, longest first where one is a prefix of another.
  static let magics: [(ImageCompression, [UInt8])] = [
    (.zstd, [0x28, 0xB5, 0x2F, 0xFD]),
    (.gzip, [0x1F, 0x8B]),
    (.gzip, [0x1F, 0x9E]),  // old gzip
    (.xz, [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]),
    (.lzma, [0x5D, 0x00, 0x00]),
    (.lz4, [0x02, 0x21, 0x4C, 0x18]),  // legacy format, what the kernel reads
    (.lz4, [0x04, 0x22, 0x4D, 0x18]),  // frame format
    (.bzip2, [0x42, 0x5A, 0x68]),  // "BZh"
    (.lzop, [0x89, 0x4C, 0x5A, 0x4F]),
  ]

  /// The longest magic, in bytes: what `detect` needs to see.
  static let magicSize = 6

  static func detect(_ bytes: [UInt8]) -> ImageCompression? {
    magics.first { bytes.starts(with: $0.1) }?.0
  }

  /// Decompresses standard input to standard output; `xz` reads `.lzma` too.
  var decompressor: [String] {
    switch self {
    case .zstd: return ["zstd", "-dcq"]
    case .gzip: return ["gzip", "-dc"]
    case .xz, .lzma: return ["xz", "-dc"]
    case .lz4: return ["lz4", "-dc"]
    case .bzip2: return ["bzip2", "-dc"]
    case .lzop: return ["lzop", "-dc"]
    }
  }
}
