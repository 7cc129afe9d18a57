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

  /// The fields of a modalias in order: tag, then that many hex digits.
  static let modaliasLayout: [(tag: [UInt8], digits: Int)] = [
    (Array("pci:v".utf8), 8), (Array("d".utf8), 8), (Array("sv".utf8), 8),
    (Array("sd".utf8), 8), (Array("bc".utf8), 2), (Array("sc".utf8), 2), (Array("i".utf8), 2),
  ]

  /// Parses `pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00`. Runs
  /// once per PCI function at boot, so it works in place, without copies.
  public init?(modalias text: ArraySlice<UInt8>) {
    let bytes = ASCII.trimmed(text)
    var values: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0)
    var index = bytes.startIndex
    for (field, layout) in Self.modaliasLayout.enumerated() {
      let tagEnd = index + layout.tag.count
      let end = tagEnd + layout.digits
      guard end <= bytes.endIndex else { return nil }
      for (offset, expected) in layout.tag.enumerated() {
        let byte = bytes[index + offset]
        // The kernel prints the tags in lowercase; accept uppercase letters too.
        let isLetter = expected >= 0x61 && expected <= 0x7A
        guard byte == expected || (isLetter && byte | 0x20 == expected) else { return nil }
      }
      guard let value = ASCII.parseHex(bytes[tagEnd..<end]) else { return nil }
      switch field {
      case 0: values.0 = value
      case 1: values.1 = value
      case 2: values.2 = value
      case 3: values.3 = value
      case 4: values.4 = value
      case 5: values.5 = value
      default: values.6 = value
      }
      index = end
    }
    guard index == bytes.endIndex, values.0 <= 0xFFFF, values.1 <= 0xFFFF,
      values.2 <= 0xFFFF, values.3 <= 0xFFFF
    else { return nil }
    self.init(
      vendor: UInt16(values.0), device: UInt16(values.1),
      subsystemVendor: UInt16(values.2), subsystemDevice: UInt16(values.3),
      classCode: values.4 << 16 | values.5 << 8 | values.6)
  }

  /// Display controllers (VGA, XGA, 3D, other): what GPU drivers claim.
  public var isDisplay: Bool { classCode >> 16 == 0x03 }
  /// VGA-compatible controllers are the only ones with a `boot_vga` file.
  public var isVGA: Bool { classCode >> 8 == 0x0300 }
  /// Bridges stay with the host when a whole IOMMU group moves.
  public var isBridge: Bool { classCode >> 16 == 0x06 }
}
