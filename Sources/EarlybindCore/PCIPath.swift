// SPDX-License-Identifier: Apache-2.0
/// Where a function sits in the PCI tree, without the bus numbers the
/// kernel hands out below bridges: the root bus (fixed by the host bridge),
/// then the device.function of each bridge down to the function itself.
/// Adding or removing a card renumbers buses; it does not change the path
/// of a card that stays in its slot.
///
/// Written `dd.f/dd.f/...` for domain 0, root bus 0, and otherwise with the
/// first hop as a full address: `0000:40:01.1/00.0`.
public struct PCIPath: Hashable, Sendable, CustomStringConvertible {
  /// Deeper than any real hierarchy (root port, switches, Thunderbolt
  /// chains); bounds parsing and table records.
  public static let maximumHops = 32

  public var domain: UInt32
  public var rootBus: UInt8
  /// `device << 3 | function` of each hop, the root bus's device first.
  public var hops: [UInt8]

  public init(domain: UInt32 = 0, rootBus: UInt8 = 0, hops: [UInt8]) {
    self.domain = domain
    self.rootBus = rootBus
    self.hops = hops
  }

  /// Parses `dd.f[/dd.f...]`, whose first hop may also be `bb:dd.f` or
  /// `dddd:bb:dd.f` to name another root bus or domain.
  public init?(parsing text: ArraySlice<UInt8>) {
    var parts = text.split(separator: ASCII.slash, omittingEmptySubsequences: false)
    guard let first = parts.first, parts.count <= Self.maximumHops else { return nil }
    var domain: UInt32 = 0
    var rootBus: UInt8 = 0
    var hops: [UInt8] = []
    if first.count == 4 {
      guard let hop = Self.hop(first) else { return nil }
      hops.append(hop)
    } else {
      guard let address = PCIAddress(parsing: first) else { return nil }
      domain = address.domain
      rootBus = address.bus
      hops.append(address.device << 3 | address.function)
    }
    parts.removeFirst()
    for part in parts {
      guard let hop = Self.hop(part) else { return nil }
      hops.append(hop)
    }
    self.init(domain: domain, rootBus: rootBus, hops: hops)
  }

  /// `dd.f` as `device << 3 | function`.
  static func hop(_ text: ArraySlice<UInt8>) -> UInt8? {
    guard text.count == 4 else { return nil }
    let start = text.startIndex
    guard text[start + 2] == ASCII.dot, let device = ASCII.parseHex(text[start..<(start + 2)]),
      device <= 0x1F, let function = ASCII.parseHex(text[(start + 3)..<(start + 4)]),
      function <= 7
    else { return nil }
    return UInt8(device << 3 | function)
  }

  /// The address of the first hop, on the root bus.
  public var rootAddress: PCIAddress? {
    guard let first = hops.first else { return nil }
    return PCIAddress(domain: domain, bus: rootBus, device: first >> 3, function: first & 7)
  }

  public var description: String {
    var text = ""
    for (index, hop) in hops.enumerated() {
      if index == 0 {
        if domain != 0 || rootBus != 0, let root = rootAddress {
          text += root.description
          continue
        }
      } else {
        text += "/"
      }
      text += ASCII.hex(UInt32(hop >> 3), width: 2) + "." + ASCII.decimal(Int(hop & 7))
    }
    return text
  }
}
