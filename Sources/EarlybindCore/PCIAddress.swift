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

  /// Also reports whether the text named the domain, so messages can echo it.
  static func parse(_ text: ArraySlice<UInt8>) -> (address: PCIAddress, hasDomain: Bool)? {
    let parts = text.split(separator: ASCII.colon, omittingEmptySubsequences: false)
    let domainPart: ArraySlice<UInt8>?
    let busPart: ArraySlice<UInt8>
    let slotPart: ArraySlice<UInt8>
    switch parts.count {
    case 2:
      domainPart = nil
      busPart = parts[0]
      slotPart = parts[1]
    case 3:
      domainPart = parts[0]
      busPart = parts[1]
      slotPart = parts[2]
    default:
      return nil
    }
    var domain: UInt32 = 0
    if let domainPart {
      guard domainPart.count >= 4, let value = ASCII.parseHex(domainPart) else { return nil }
      domain = value
    }
    guard busPart.count == 2, let bus = ASCII.parseHex(busPart) else { return nil }
    let slot = slotPart.split(separator: ASCII.dot, omittingEmptySubsequences: false)
    guard slot.count == 2, slot[0].count == 2, slot[1].count == 1,
      let device = ASCII.parseHex(slot[0]), device <= 0x1F,
      let function = ASCII.parseHex(slot[1]), function <= 7
    else { return nil }
    return (
      PCIAddress(domain: domain, bus: UInt8(bus), device: UInt8(device), function: UInt8(function)),
      domainPart != nil
    )
  }

  /// Functions of one slot share domain, bus and device.
  public func sharesSlot(with other: PCIAddress) -> Bool {
    domain == other.domain && bus == other.bus && device == other.device
  }

  public var description: String {
    ASCII.hex(domain, width: 4) + ":" + ASCII.hex(UInt32(bus), width: 2) + ":"
      + ASCII.hex(UInt32(device), width: 2) + "." + ASCII.hex(UInt32(function), width: 1)
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
