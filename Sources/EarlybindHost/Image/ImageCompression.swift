// SPDX-License-Identifier: Apache-2.0
/// The compression formats the kernel's initramfs unpacker knows, told by
/// the first two bytes of a part as lib/decompress.c tells them
/// (decompress_method); each part is decoded by its own decoder
/// (`MemberDecoder`).
enum ImageCompression: String, CaseIterable, Sendable {
  case gzip, bzip2, lzma, xz, lzo, lz4, zstd

  /// lib/decompress.c's table, in its order.
  static let magics: [(ImageCompression, [UInt8])] = [
    (.gzip, [0x1F, 0x8B]),
    (.gzip, [0x1F, 0x9E]),  // old gzip: recognised, then refused by gunzip
    (.bzip2, [0x42, 0x5A]),
    (.lzma, [0x5D, 0x00]),
    (.xz, [0xFD, 0x37]),
    (.lzo, [0x89, 0x4C]),
    (.lz4, [0x02, 0x21]),  // the legacy format, lz4 -l
    (.zstd, [0x28, 0xB5]),
  ]

  static func detect(_ bytes: some Collection<UInt8>) -> ImageCompression? {
    magics.first { bytes.starts(with: $0.1) }?.0
  }
}
