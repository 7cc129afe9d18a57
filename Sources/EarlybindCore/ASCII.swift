// SPDX-License-Identifier: Apache-2.0
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
    var digits = 1
    while digits < 8 && value >> (4 * UInt32(digits)) != 0 { digits += 1 }
    let count = max(digits, min(width, 64))
    // Written in place: addresses and IDs are formatted for every log
    // line and path, and an array per call costs a malloc and a free.
    return String(unsafeUninitializedCapacity: count) { buffer in
      for index in 0..<count {
        let shift = 4 * (count - 1 - index)
        let nibble = shift < 32 ? UInt8(truncatingIfNeeded: value >> UInt32(shift)) & 0xF : 0
        buffer[index] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
      }
      return count
    }
  }

  public static func decimal(_ value: Int) -> String {
    var digits = 1
    var rest = value / 10
    while rest != 0 {
      digits += 1
      rest /= 10
    }
    let count = digits + (value < 0 ? 1 : 0)
    return String(unsafeUninitializedCapacity: count) { buffer in
      var remaining = value
      for index in stride(from: count - 1, through: count - digits, by: -1) {
        let digit = remaining % 10
        buffer[index] = UInt8(0x30 + (digit < 0 ? -digit : digit))
        remaining /= 10
      }
      if value < 0 { buffer[0] = 0x2D }
      return count
    }
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

  /// A decimal 0...255 such as sysfs prints (`3\n`); nil for anything else.
  static func parseDecimalByte<C: Collection<UInt8>>(_ text: C) -> UInt8? {
    var value = 0
    var digits = 0
    for byte in text {
      if isTrailing(byte) { break }
      guard byte >= 0x30, byte <= 0x39, digits < 3 else { return nil }
      value = value * 10 + Int(byte - 0x30)
      digits += 1
    }
    guard digits > 0, value <= 255 else { return nil }
    return UInt8(value)
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
