// SPDX-License-Identifier: Apache-2.0
/// Why a cpio stream cannot be read, and where: `offset` counts bytes from
/// the start of the stream (the image file, or a decompressed part).
struct CpioError: Error, Hashable, Sendable, CustomStringConvertible {
  enum Reason: Hashable, Sendable {
    /// The stream ends inside a header, a name or a file's data.
    case truncated(String)
    /// Not "070701" or "070702" where a header must start.
    case badMagic([UInt8])
    /// A header field that is not 8 hex digits, or out of range.
    case badField(String)
  }

  var reason: Reason
  var offset: Int64

  var description: String {
    switch reason {
    case .truncated(let what):
      return "truncated \(what) at byte \(offset)"
    case .badMagic(let bytes):
      let shown = bytes.map { byte in
        byte >= 0x21 && byte < 0x7f
          ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
      }.joined()
      return "no cpio header at byte \(offset) (found \"\(shown)\", want 070701 or 070702)"
    case .badField(let field):
      return "bad cpio header field \(field) at byte \(offset)"
    }
  }
}
