/// Byte-level helpers: the core parses sysfs files, the config and the
/// kernel command line as ASCII bytes, which keeps Unicode machinery out of
/// the initramfs binary.
public enum ASCII {
  static let newline: UInt8 = 0x0A
  static let space: UInt8 = 0x20
  static let tab: UInt8 = 0x09
  static let hash: UInt8 = 0x23
  static let colon: UInt8 = 0x3A
  static let dot: UInt8 = 0x2E
  static let comma: UInt8 = 0x2C
  static let equals: UInt8 = 0x3D
  static let plus: UInt8 = 0x2B
  static let quote: UInt8 = 0x22
  static let slash: UInt8 = 0x2F

  static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: return byte &- 0x30
    case 0x41...0x46: return byte &- 0x41 &+ 10
    case 0x61...0x66: return byte &- 0x61 &+ 10
    default: return nil
    }
  }

  static func isBlank(_ byte: UInt8) -> Bool {
    byte == space || byte == tab || byte == 0x0D
  }

  /// Letters, digits, `_` and `-`: what kernel driver and module names use.
  static func isNameByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x2D: return true
    default: return false
    }
  }

  /// Parses exactly `digits.count` hex digits (1...8); nil otherwise.
  static func parseHex<C: Collection<UInt8>>(_ digits: C) -> UInt32? {
    if digits.isEmpty || digits.count > 8 { return nil }
    var value: UInt32 = 0
    for byte in digits {
      guard let nibble = hexValue(byte) else { return nil }
      value = value << 4 | UInt32(nibble)
    }
    return value
  }

  /// Lowercase hex, zero-padded to `width` digits.
  public static func hex(_ value: UInt32, width: Int) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    var remaining = value
    repeat {
      out.append(digits[Int(remaining & 0xF)])
      remaining >>= 4
    } while remaining != 0
    while out.count < width { out.append(0x30) }
    return String(decoding: out.reversed(), as: UTF8.self)
  }

  static func decimal(_ value: Int) -> String {
    if value == 0 { return "0" }
    var out: [UInt8] = []
    var remaining = value < 0 ? -value : value
    while remaining > 0 {
      out.append(UInt8(0x30 + remaining % 10))
      remaining /= 10
    }
    if value < 0 { out.append(0x2D) }
    return String(decoding: out.reversed(), as: UTF8.self)
  }

  static func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

  /// Byte equality. `==` on String compares canonical equivalence, which
  /// links Unicode normalisation tables (tens of KB) into the initramfs
  /// binary; the names and words the binder compares are ASCII.
  public static func equal(_ a: String, _ b: String) -> Bool {
    a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
  }

  static func equal(_ bytes: ArraySlice<UInt8>, _ text: String) -> Bool {
    bytes.count == text.utf8.count && bytes.elementsEqual(text.utf8)
  }

  /// `text` is one of `words`, byte for byte.
  static func isOne(of words: [String], _ text: ArraySlice<UInt8>) -> Bool {
    words.contains { equal(text, $0) }
  }

  static func string<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    String(decoding: bytes, as: UTF8.self)
  }

  /// What `trimmed` drops at the end.
  static func isTrailing(_ byte: UInt8) -> Bool {
    byte == newline || isBlank(byte) || byte == 0
  }

  /// Drops trailing newlines and blanks, as sysfs attributes end in "\n".
  static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var slice = bytes
    while let last = slice.last, last == newline || isBlank(last) || last == 0 {
      slice = slice.dropLast()
    }
    while let first = slice.first, first == newline || isBlank(first) {
      slice = slice.dropFirst()
    }
    return slice
  }
}
