// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func slice(_ text: String) -> ArraySlice<UInt8> { ArraySlice(text.utf8) }

/// Little-endian field access on an encoded binding table, following the
/// layout documented on `BindingTableCodec`.
enum TableLayout {
  static let headerSize = 32
  static let ruleSize = 24
  static let moduleSize = 8
  static let protectedSize = 8
  static let resetSize = 8
  /// The rule flag that gives a rule a record in the reset section.
  static let resetFlag: UInt8 = 64

  static let versionOffset = 4
  static let headerSizeOffset = 6
  static let totalSizeOffset = 8
  static let checksumOffset = 12
  static let ruleCountOffset = 16
  static let moduleCountOffset = 18
  static let protectedCountOffset = 20
  static let flagsOffset = 22
  static let stringsSizeOffset = 24
  /// The selector data's size (version 3; reserved, 0, before).
  static let selectorDataSizeOffset = 28

  static func read16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
  }

  static func read32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
      | UInt32(bytes[offset + 3]) << 24
  }

  static func write16(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt16) {
    bytes[offset] = UInt8(truncatingIfNeeded: value)
    bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
  }

  static func write32(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt32) {
    for index in 0..<4 {
      bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(8 * index))
    }
  }

  /// Recomputes the checksum (CRC-32 over the file with the field zeroed),
  /// so a test's corruption is caught by the structural checks, not the CRC.
  static func seal(_ bytes: inout [UInt8]) {
    guard bytes.count >= headerSize else { return }
    write32(&bytes, checksumOffset, 0)
    write32(&bytes, checksumOffset, CRC32.checksum(bytes))
  }

  /// Patches with `change`, keeps the header's total size in step with the
  /// byte count when asked, and re-seals.
  static func patched(
    _ bytes: [UInt8], fixSize: Bool = false, _ change: (inout [UInt8]) -> Void
  ) -> [UInt8] {
    var copy = bytes
    change(&copy)
    if fixSize, copy.count >= headerSize {
      write32(&copy, totalSizeOffset, UInt32(copy.count))
    }
    seal(&copy)
    return copy
  }

  static func rulesStart(_ bytes: [UInt8]) -> Int { headerSize }

  static func modulesStart(_ bytes: [UInt8]) -> Int {
    headerSize + Int(read16(bytes, ruleCountOffset)) * ruleSize
  }

  static func protectedStart(_ bytes: [UInt8]) -> Int {
    modulesStart(bytes) + Int(read16(bytes, moduleCountOffset)) * moduleSize
  }

  static func resetStart(_ bytes: [UInt8]) -> Int {
    protectedStart(bytes) + Int(read16(bytes, protectedCountOffset)) * protectedSize
  }

  static func stringsStart(_ bytes: [UInt8]) -> Int {
    selectorDataStart(bytes) + Int(read32(bytes, selectorDataSizeOffset))
  }

  static func selectorDataStart(_ bytes: [UInt8]) -> Int {
    let resets = (0..<Int(read16(bytes, ruleCountOffset))).filter {
      bytes[headerSize + $0 * ruleSize + 1] & resetFlag != 0
    }
    return resetStart(bytes) + resets.count * resetSize
  }
}

/// Decodes and returns the error, or nil when the bytes decoded.
func decodeError(_ bytes: [UInt8]) -> TableError? {
  do {
    _ = try BindingTableCodec.decode(bytes)
    return nil
  } catch {
    return error
  }
}
