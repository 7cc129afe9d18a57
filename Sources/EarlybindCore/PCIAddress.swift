// SPDX-License-Identifier: Apache-2.0
/// A PCI function's place on the bus: `domain:bus:device.function`.
///
/// Domains are 32-bit because VMD and some hypervisors expose domains above
/// 0xffff (sysfs then prints five or more digits).
public struct PCIAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var domain: UInt32
  public var bus: UInt8
  public var device: UInt8
  public var function: UInt8

  public init(domain: UInt32 = 0, bus: UInt8, device: UInt8, function: UInt8) {
    self.domain = domain
    self.bus = bus
    self.device = device & 0x1F
    self.function = function & 0x07
  }

  /// Parses `dddd:bb:dd.f` or `bb:dd.f` (domain 0).
  public init?(parsing text: ArraySlice<UInt8>) {
    guard let parsed = Self.parse(text) else { return nil }
    self = parsed.address
  }

  public init?(_ text: String) {
    self.init(parsing: ArraySlice(text.utf8))
  }

  /// Parses a sysfs directory entry's name in place.
  public init?(name: UnsafeBufferPointer<UInt8>) {
    guard let parsed = Self.parse(name) else { return nil }
    self = parsed.address
  }

  /// Also reports whether the text named the domain, so messages can echo it.
  /// Runs for every directory entry at boot, so it does not allocate.
  static func parse<C: RandomAccessCollection<UInt8>>(_ text: C)
    -> (address: PCIAddress, hasDomain: Bool)? where C.Index == Int
  {
    // From the end: "bb:dd.f" is exactly 7 bytes, an optional "dddd…:" before it.
    guard text.count == 7 || text.count >= 12 else { return nil }
    let tail = text.suffix(7)
    let start = tail.startIndex
    guard tail[start + 2] == ASCII.colon, tail[start + 5] == ASCII.dot,
      let bus = ASCII.parseHex(tail[start..<(start + 2)]),
      let device = ASCII.parseHex(tail[(start + 3)..<(start + 5)]), device <= 0x1F,
      let function = ASCII.parseHex(tail[(start + 6)..<(start + 7)]), function <= 7
    else { return nil }
    var domain: UInt32 = 0
    let hasDomain = text.count > 7
    if hasDomain {
      let domainPart = text[text.startIndex..<(start - 1)]
      guard text[start - 1] == ASCII.colon, domainPart.count >= 4,
        let value = ASCII.parseHex(domainPart)
      else { return nil }
      domain = value
    }
    return (
      PCIAddress(domain: domain, bus: UInt8(bus), device: UInt8(device), function: UInt8(function)),
      hasDomain
    )
  }

  /// Functions of one slot share domain, bus and device.
  public func sharesSlot(with other: PCIAddress) -> Bool {
    domain == other.domain && bus == other.bus && device == other.device
  }

  /// `dddd:bb:dd.f`, as sysfs names the device (more domain digits when
  /// needed). Written in one piece: every path and log line has one.
  public var description: String {
    var domainDigits = 4
    while domainDigits < 8 && domain >> (4 * UInt32(domainDigits)) != 0 { domainDigits += 1 }
    let count = domainDigits + 8
    return String(unsafeUninitializedCapacity: count) { buffer in
      func put(_ value: UInt32, _ digits: Int, at start: Int) {
        for index in 0..<digits {
          let nibble = UInt8(truncatingIfNeeded: value >> UInt32(4 * (digits - 1 - index))) & 0xF
          buffer[start + index] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
        }
      }
      put(domain, domainDigits, at: 0)
      buffer[domainDigits] = ASCII.colon
      put(UInt32(bus), 2, at: domainDigits + 1)
      buffer[domainDigits + 3] = ASCII.colon
      put(UInt32(device), 2, at: domainDigits + 4)
      buffer[domainDigits + 6] = ASCII.dot
      put(UInt32(function), 1, at: domainDigits + 7)
      return count
    }
  }

  /// Bus, device and function packed as in the PCI spec (`bus << 8 | devfn`).
  var packedLow: UInt32 {
    UInt32(bus) << 8 | UInt32(device) << 3 | UInt32(function)
  }

  init(domain: UInt32, packedLow: UInt32) {
    self.init(
      domain: domain, bus: UInt8(truncatingIfNeeded: packedLow >> 8),
      device: UInt8(truncatingIfNeeded: (packedLow >> 3) & 0x1F),
      function: UInt8(truncatingIfNeeded: packedLow & 7))
  }

  public static func < (lhs: PCIAddress, rhs: PCIAddress) -> Bool {
    (lhs.domain, lhs.packedLow) < (rhs.domain, rhs.packedLow)
  }
}
