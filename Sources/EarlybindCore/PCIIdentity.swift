// SPDX-License-Identifier: Apache-2.0
/// What a PCI function is: IDs and class, all read from one `modalias` file.
public struct PCIIdentity: Hashable, Sendable {
  /// Vendor and device: the chip.
  public var id: PCIID
  /// Subsystem vendor and device: the board it is on.
  public var subsystem: PCIID
  /// Base class, subclass and programming interface: `0x030000` for VGA.
  public var classCode: UInt32

  public init(id: PCIID, subsystem: PCIID = PCIID(vendor: 0, device: 0), classCode: UInt32) {
    self.id = id
    self.subsystem = subsystem
    self.classCode = classCode & 0xFF_FFFF
  }

  public init(
    vendor: UInt16, device: UInt16, subsystemVendor: UInt16 = 0, subsystemDevice: UInt16 = 0,
    classCode: UInt32
  ) {
    self.init(
      id: PCIID(vendor: vendor, device: device),
      subsystem: PCIID(vendor: subsystemVendor, device: subsystemDevice), classCode: classCode)
  }

  /// Parses `pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00`. Runs
  /// once per PCI function at boot, so it works in place: the kernel prints
  /// the fields in this order with these widths, 53 bytes in all.
  public init?<C: RandomAccessCollection<UInt8>>(modalias text: C) where C.Index == Int {
    var base = text.startIndex
    var end = text.endIndex
    while end > base, ASCII.isTrailing(text[end - 1]) { end -= 1 }
    while base < end, text[base] == ASCII.newline || ASCII.isBlank(text[base]) { base += 1 }
    guard end - base == 53 else { return nil }
    // Tags at fixed offsets; letters in either case.
    func tag(_ offset: Int, _ expected: StaticString) -> Bool {
      expected.withUTF8Buffer { tag in
        for (index, byte) in tag.enumerated() {
          let found = text[base + offset + index]
          let isLetter = byte >= 0x61 && byte <= 0x7A
          guard found == byte || (isLetter && found | 0x20 == byte) else { return false }
        }
        return true
      }
    }
    func hex(_ offset: Int, _ digits: Int) -> UInt32? {
      ASCII.parseHex(text[(base + offset)..<(base + offset + digits)])
    }
    guard tag(0, "pci:v"), tag(13, "d"), tag(22, "sv"), tag(32, "sd"), tag(42, "bc"),
      tag(46, "sc"), tag(50, "i"),
      let vendor = hex(5, 8), vendor <= 0xFFFF, let device = hex(14, 8), device <= 0xFFFF,
      let subsystemVendor = hex(24, 8), subsystemVendor <= 0xFFFF,
      let subsystemDevice = hex(34, 8), subsystemDevice <= 0xFFFF,
      let baseClass = hex(44, 2), let subclass = hex(48, 2), let interface = hex(51, 2)
    else { return nil }
    self.init(
      vendor: UInt16(vendor), device: UInt16(device),
      subsystemVendor: UInt16(subsystemVendor), subsystemDevice: UInt16(subsystemDevice),
      classCode: baseClass << 16 | subclass << 8 | interface)
  }

  /// Display controllers (VGA, XGA, 3D, other): what GPU drivers claim.
  public var isDisplay: Bool { classCode >> 16 == 0x03 }
  /// VGA-compatible controllers are the only ones with a `boot_vga` file.
  public var isVGA: Bool { classCode >> 8 == 0x0300 }
  /// Bridges stay with the host when a whole IOMMU group moves.
  public var isBridge: Bool { classCode >> 16 == 0x06 }
  /// PCI-to-PCI (0x0604, 0x0609) and CardBus (0x0607) bridges: the ones
  /// that lead to a bus of their own.
  public var leadsToBus: Bool {
    let code = classCode >> 8
    return code == 0x0604 || code == 0x0609 || code == 0x0607
  }
}
