/// Which devices a rule picks.
public enum Selector: Hashable, Sendable, CustomStringConvertible {
  /// One function by address; the domain defaults to 0 when omitted.
  case address(PCIAddress)
  /// Every function with this vendor:device.
  case id(vendor: UInt16, device: UInt16)
  /// vendor:device narrowed by subsystem vendor:device (one board model).
  case subsystem(vendor: UInt16, device: UInt16, subsystemVendor: UInt16, subsystemDevice: UInt16)
  /// Base class and subclass (`class:0300`).
  case deviceClass(UInt16)
  /// Class, subclass and programming interface (`class:0c0330`).
  case deviceClassWithInterface(UInt32)
  /// Every display device except the firmware's boot GPU.
  case nonBootVGA

  public func matches(_ device: PCIDevice) -> Bool {
    let identity = device.identity
    switch self {
    case .address(let address):
      return device.address == address
    case .id(let vendor, let deviceID):
      return identity.vendor == vendor && identity.device == deviceID
    case .subsystem(let vendor, let deviceID, let subVendor, let subDevice):
      return identity.vendor == vendor && identity.device == deviceID
        && identity.subsystemVendor == subVendor && identity.subsystemDevice == subDevice
    case .deviceClass(let code):
      return identity.classCode >> 8 == UInt32(code)
    case .deviceClassWithInterface(let code):
      return identity.classCode == code
    case .nonBootVGA:
      return identity.isDisplay && !device.isBootVGA
    }
  }

  /// Parses one selector token; nil when it is none of the forms.
  public init?(parsing text: ArraySlice<UInt8>) {
    if text.elementsEqual("non-boot-vga".utf8) {
      self = .nonBootVGA
      return
    }
    let classPrefix = Array("class:".utf8)
    if text.starts(with: classPrefix) {
      let digits = text.dropFirst(classPrefix.count)
      guard let value = ASCII.parseHex(digits) else { return nil }
      switch digits.count {
      case 4: self = .deviceClass(UInt16(value))
      case 6: self = .deviceClassWithInterface(value)
      default: return nil
      }
      return
    }
    if text.contains(ASCII.dot) {
      guard let address = PCIAddress(parsing: text) else { return nil }
      self = .address(address)
      return
    }
    let parts = text.split(separator: ASCII.colon, omittingEmptySubsequences: false)
    guard parts.count == 2 || parts.count == 4 else { return nil }
    var ids: [UInt16] = []
    for part in parts {
      guard part.count == 4, let value = ASCII.parseHex(part) else { return nil }
      ids.append(UInt16(value))
    }
    if ids.count == 2 {
      self = .id(vendor: ids[0], device: ids[1])
    } else {
      self = .subsystem(
        vendor: ids[0], device: ids[1], subsystemVendor: ids[2], subsystemDevice: ids[3])
    }
  }

  public var description: String {
    switch self {
    case .address(let address): return address.description
    case .id(let vendor, let device):
      return ASCII.hex(UInt32(vendor), width: 4) + ":" + ASCII.hex(UInt32(device), width: 4)
    case .subsystem(let vendor, let device, let subVendor, let subDevice):
      return ASCII.hex(UInt32(vendor), width: 4) + ":" + ASCII.hex(UInt32(device), width: 4) + ":"
        + ASCII.hex(UInt32(subVendor), width: 4) + ":" + ASCII.hex(UInt32(subDevice), width: 4)
    case .deviceClass(let code): return "class:" + ASCII.hex(UInt32(code), width: 4)
    case .deviceClassWithInterface(let code): return "class:" + ASCII.hex(code, width: 6)
    case .nonBootVGA: return "non-boot-vga"
    }
  }
}
