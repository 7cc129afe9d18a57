// SPDX-License-Identifier: Apache-2.0
/// Short class names built in, so listings read the same with or without
/// pci.ids (whose class names are long and vary between versions).
enum PCIClassNames {
  static func name(_ classCode: UInt32) -> String {
    let subclass = UInt16(truncatingIfNeeded: classCode >> 8)
    if subclass == 0x0C03 {
      switch classCode & 0xFF {
      case 0x00: return "USB UHCI"
      case 0x10: return "USB OHCI"
      case 0x20: return "USB EHCI"
      case 0x30: return "USB xHCI"
      case 0x40: return "USB4"
      default: return "USB"
      }
    }
    if let name = subclasses[subclass] { return name }
    return baseClasses[UInt8(truncatingIfNeeded: classCode >> 16)] ?? "Unknown"
  }

  static let subclasses: [UInt16: String] = [
    0x0100: "SCSI", 0x0101: "IDE", 0x0104: "RAID", 0x0105: "ATA", 0x0106: "SATA",
    0x0107: "SAS", 0x0108: "NVMe", 0x0200: "Ethernet", 0x0207: "InfiniBand",
    0x0300: "VGA", 0x0301: "XGA", 0x0302: "3D", 0x0400: "Video", 0x0401: "Audio",
    0x0403: "HD Audio", 0x0600: "Host bridge", 0x0601: "ISA bridge", 0x0604: "PCI bridge",
    0x0700: "Serial", 0x0805: "SD host", 0x0806: "IOMMU", 0x0C05: "SMBus",
    0x0C07: "IPMI", 0x0D11: "Bluetooth",
  ]

  static let baseClasses: [UInt8: String] = [
    0x00: "Unclassified", 0x01: "Storage", 0x02: "Network", 0x03: "Display",
    0x04: "Multimedia", 0x05: "Memory", 0x06: "Bridge", 0x07: "Communication",
    0x08: "System peripheral", 0x09: "Input", 0x0A: "Docking station", 0x0B: "Processor",
    0x0C: "Serial bus", 0x0D: "Wireless", 0x0E: "Intelligent controller", 0x0F: "Satellite",
    0x10: "Encryption", 0x11: "Signal processing", 0x12: "Accelerator",
    0x13: "Instrumentation", 0x40: "Coprocessor", 0xFF: "Unassigned",
  ]
}
