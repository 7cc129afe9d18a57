// SPDX-License-Identifier: Apache-2.0
/// Where and why the kernel would stop unpacking a cpio stream (its
/// messages from init/initramfs.c, with the place), or where `check` stops
/// at one of its limits. `offset` counts bytes from the start of the
/// stream: the image file, or a compressed part's decompressed data.
struct CpioError: Error, Hashable, Sendable, CustomStringConvertible {
  enum Reason: Hashable, Sendable {
    /// Not "070701" or "070702" where a header must start: "no cpio magic".
    case badMagic([UInt8])
    /// "070707": "incorrect cpio method used: use -H newc option".
    case oldFormat
    /// A name whose last byte is not NUL: "malformed archive".
    case nameWithoutNul
    /// Zero padding that ends off a multiple of four: "broken padding".
    case brokenPadding
    /// A "070702" file whose bytes do not sum to its header's check field.
    case badChecksum(String)
    /// Decompressed data where neither a header nor padding may be.
    case junkWithinCompressedData
    /// The stream ends inside an entry.
    case truncated(String)
    /// One of `ImageLimits`.
    case limit(ImageLimitExceeded.Limit)
  }

  var reason: Reason
  var offset: Int64

  var description: String {
    switch reason {
    case .badMagic(let bytes):
      let shown = bytes.map { byte in
        byte >= 0x21 && byte < 0x7f
          ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
      }.joined()
      return "no cpio magic at byte \(offset) (found \"\(shown)\", want 070701 or 070702)"
    case .oldFormat:
      return "an old-format (070707) cpio header at byte \(offset): the kernel reads only newc"
    case .nameWithoutNul:
      return "malformed archive: the name at byte \(offset) does not end in a NUL"
    case .brokenPadding:
      return "broken padding: a header at byte \(offset), not a multiple of 4"
    case .badChecksum(let name):
      return "bad data checksum of \(name) (header at byte \(offset))"
    case .junkWithinCompressedData:
      return "junk within compressed archive at byte \(offset)"
    case .truncated(let what):
      return "truncated \(what) at byte \(offset)"
    case .limit(let limit):
      return "limit \(limit) at byte \(offset)"
    }
  }
}
