/// What a PCI function is: IDs and class, all read from one `modalias` file.
public struct PCIIdentity: Hashable, Sendable {
  public var vendor: UInt16
  public var device: UInt16
  public var subsystemVendor: UInt16
  public var subsystemDevice: UInt16
  /// Base class, subclass and programming interface: `0x030000` for VGA.
  public var classCode: UInt32

  public init(
    vendor: UInt16, device: UInt16, subsystemVendor: UInt16 = 0, subsystemDevice: UInt16 = 0,
    classCode: UInt32
  ) {
    self.vendor = vendor
    self.device = device
    self.subsystemVendor = subsystemVendor
    self.subsystemDevice = subsystemDevice
    self.classCode = classCode & 0xFF_FFFF
  }

  /// Parses `pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00`.
  public init?(modalias text: ArraySlice<UInt8>) {
    let bytes = Array(ASCII.trimmed(text))
    let layout: [(tag: [UInt8], digits: Int)] = [
      (Array("pci:v".utf8), 8), (Array("d".utf8), 8), (Array("sv".utf8), 8),
      (Array("sd".utf8), 8), (Array("bc".utf8), 2), (Array("sc".utf8), 2), (Array("i".utf8), 2),
    ]
    var values: [UInt32] = []
    var index = 0
    for field in layout {
      let tagEnd = index + field.tag.count
      let end = tagEnd + field.digits
      guard end <= bytes.count else { return nil }
      for (offset, expected) in field.tag.enumerated() {
        let byte = bytes[index + offset]
        // The kernel prints tags in lowercase except the leading "pci:".
        guard byte == expected || (byte | 0x20) == expected else { return nil }
      }
      guard let value = ASCII.parseHex(bytes[tagEnd..<end]) else { return nil }
      values.append(value)
      index = end
    }
    guard index == bytes.count, values[0] <= 0xFFFF, values[1] <= 0xFFFF,
      values[2] <= 0xFFFF, values[3] <= 0xFFFF
    else { return nil }
    self.init(
      vendor: UInt16(values[0]), device: UInt16(values[1]),
      subsystemVendor: UInt16(values[2]), subsystemDevice: UInt16(values[3]),
      classCode: values[4] << 16 | values[5] << 8 | values[6])
  }

  /// Display controllers (VGA, XGA, 3D, other): what GPU drivers claim.
  public var isDisplay: Bool { classCode >> 16 == 0x03 }
  /// VGA-compatible controllers are the only ones with a `boot_vga` file.
  public var isVGA: Bool { classCode >> 8 == 0x0300 }
  /// Bridges stay with the host when a whole IOMMU group moves.
  public var isBridge: Bool { classCode >> 16 == 0x06 }

  /// `[10de:13c2]`, as lspci -nn prints it.
  public var idText: String {
    "[" + ASCII.hex(UInt32(vendor), width: 4) + ":" + ASCII.hex(UInt32(device), width: 4) + "]"
  }
}
