// SPDX-License-Identifier: Apache-2.0
/// A vendor:device pair, as `lspci -n` prints it: `10de:1b80`. The one
/// place it is packed into a word is the binding table codec.
public struct PCIID: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var vendor: UInt16
  public var device: UInt16

  public init(vendor: UInt16, device: UInt16) {
    self.vendor = vendor
    self.device = device
  }

  /// Parses `vvvv:dddd`: exactly four hex digits on each side, either case.
  public init?(parsing text: ArraySlice<UInt8>) {
    guard text.count == 9 else { return nil }
    let start = text.startIndex
    guard text[start + 4] == ASCII.colon,
      let vendor = ASCII.parseHex(text[start..<(start + 4)]),
      let device = ASCII.parseHex(text[(start + 5)..<(start + 9)])
    else { return nil }
    self.init(vendor: UInt16(vendor), device: UInt16(device))
  }

  public init?(_ text: String) {
    self.init(parsing: ArraySlice(text.utf8))
  }

  /// `10de:1b80`: lower-case, four digits each.
  public var description: String { Self.hex(vendor) + ":" + Self.hex(device) }

  /// One half as it is printed: `10de`.
  public static func hex(_ half: UInt16) -> String { ASCII.hex(UInt32(half), width: 4) }

  /// `[10de:1b80]`, as `lspci -nn` prints it after a name.
  public var bracketed: String { "[" + description + "]" }

  public static func < (lhs: PCIID, rhs: PCIID) -> Bool {
    (lhs.vendor, lhs.device) < (rhs.vendor, rhs.device)
  }
}
