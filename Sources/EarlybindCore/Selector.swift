// SPDX-License-Identifier: Apache-2.0
/// Which devices a rule picks.
public enum Selector: Hashable, Sendable, CustomStringConvertible {
  /// One function by address; the domain defaults to 0 when omitted.
  case address(PCIAddress)
  /// Every function with this vendor:device.
  case id(PCIID)
  /// vendor:device narrowed by subsystem vendor:device (one board model).
  case subsystem(PCIID, subsystem: PCIID)
  /// Base class and subclass (`class:0300`).
  case deviceClass(UInt16)
  /// Class, subclass and programming interface (`class:0c0330`).
  case deviceClassWithInterface(UInt32)
  /// Every display device except the firmware's boot GPU.
  case nonBootVGA
  /// One function by its place in the tree (`path:1c.0/00.0`): survives
  /// bus renumbering. Resolved by the planner against a `DeviceTree`.
  case path(PCIPath)
  /// Function 0 of the device in the firmware's slot NAME (`slot:NAME`, as
  /// `/sys/bus/pci/slots/NAME` names it). Resolved by the planner.
  case slot(SlotName)

  /// Whether the selector is about the tree, so that the planner resolves
  /// it (`matches` is false for these).
  public var isTopological: Bool {
    switch self {
    case .path, .slot: return true
    default: return false
    }
  }

  /// For path and slot selectors, false: see `Planner`.
  public func matches(_ device: PCIDevice) -> Bool {
    let identity = device.identity
    switch self {
    case .address(let address):
      return device.address == address
    case .id(let id):
      return identity.id == id
    case .subsystem(let id, let subsystem):
      return identity.id == id && identity.subsystem == subsystem
    case .deviceClass(let code):
      return identity.classCode >> 8 == UInt32(code)
    case .deviceClassWithInterface(let code):
      return identity.classCode == code
    case .nonBootVGA:
      return identity.isDisplay && !device.isBootVGA
    case .path, .slot:
      return false
    }
  }

  /// Parses one selector token; nil when it is none of the forms.
  public init?(parsing text: ArraySlice<UInt8>) {
    if text.elementsEqual("non-boot-vga".utf8) {
      self = .nonBootVGA
      return
    }
    let pathPrefix = Array("path:".utf8)
    if text.starts(with: pathPrefix) {
      guard let path = PCIPath(parsing: text.dropFirst(pathPrefix.count)) else { return nil }
      self = .path(path)
      return
    }
    let slotPrefix = Array("slot:".utf8)
    if text.starts(with: slotPrefix) {
      guard let name = SlotName(text.dropFirst(slotPrefix.count)) else { return nil }
      self = .slot(name)
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
    // vvvv:dddd, or vvvv:dddd:ssss:ssss with the subsystem.
    guard let id = PCIID(parsing: text.prefix(9)) else { return nil }
    if text.count == 9 {
      self = .id(id)
    } else {
      guard text.count == 19, text[text.startIndex + 9] == ASCII.colon,
        let subsystem = PCIID(parsing: text.suffix(9))
      else { return nil }
      self = .subsystem(id, subsystem: subsystem)
    }
  }

  public var description: String {
    switch self {
    case .address(let address): return address.description
    case .id(let id): return id.description
    case .subsystem(let id, let subsystem): return id.description + ":" + subsystem.description
    case .deviceClass(let code): return "class:" + ASCII.hex(UInt32(code), width: 4)
    case .deviceClassWithInterface(let code): return "class:" + ASCII.hex(code, width: 6)
    case .nonBootVGA: return "non-boot-vga"
    case .path(let path): return "path:" + path.description
    case .slot(let name): return "slot:" + name.description
    }
  }
}
