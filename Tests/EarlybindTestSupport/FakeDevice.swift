// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// A PCI function as a fake sysfs tree shows it (`FakeSysfs`) and as the
/// core sees it (`pciDevice`, `MemoryTopology`). Modifiers return changed
/// copies, so a test states only what differs from a fixture.
public struct FakeDevice: Sendable {
  public var address: String
  public var vendor: UInt16
  public var device: UInt16
  public var subsystemVendor: UInt16
  public var subsystemDevice: UInt16
  public var classCode: UInt32
  /// nil: no `boot_vga` file (only VGA-class devices have one).
  public var bootVGA: Bool?
  public var driver: String?
  /// nil: the kernel's `(null)`, or an empty file in trees made with
  /// `blankOverrides`.
  public var driverOverride: String?
  /// nil: no `reset_method` file (kernels before 5.15, or no method).
  public var resetMethod: String?
  /// A `reset` file, which older kernels show when some reset works.
  public var reset: Bool
  /// nil: no IOMMU group.
  public var group: Int?
  /// For a bridge: the bus it leads to (`secondary_bus_number`).
  public var secondaryBus: UInt8?

  public init(
    address: String, vendor: UInt16, device: UInt16, subsystemVendor: UInt16 = 0,
    subsystemDevice: UInt16 = 0, classCode: UInt32, bootVGA: Bool? = nil, driver: String? = nil,
    driverOverride: String? = nil, resetMethod: String? = nil, reset: Bool = false,
    group: Int? = nil, secondaryBus: UInt8? = nil
  ) {
    self.address = address
    self.vendor = vendor
    self.device = device
    self.subsystemVendor = subsystemVendor
    self.subsystemDevice = subsystemDevice
    self.classCode = classCode
    self.bootVGA = bootVGA
    self.driver = driver
    self.driverOverride = driverOverride
    self.resetMethod = resetMethod
    self.reset = reset
    self.group = group
    self.secondaryBus = secondaryBus
  }

  /// The same function held by `driver` (nil: unbound).
  public func bound(to driver: String?) -> FakeDevice { with(\.driver, driver) }

  /// The same function in IOMMU group `group` (nil: none, as with the IOMMU off).
  public func inGroup(_ group: Int?) -> FakeDevice { with(\.group, group) }

  /// The same bridge leading to `bus`.
  public func leading(to bus: UInt8?) -> FakeDevice { with(\.secondaryBus, bus) }

  /// The same function at another address (as after renumbering).
  public func at(_ address: String) -> FakeDevice { with(\.address, address) }

  /// Another chip of the vendor, on the same board.
  public func with(device: UInt16) -> FakeDevice { with(\.device, device) }

  /// The same chip on another board (subsystem vendor).
  public func with(subsystem vendor: UInt16) -> FakeDevice { with(\.subsystemVendor, vendor) }

  public func withBootVGA(_ bootVGA: Bool?) -> FakeDevice { with(\.bootVGA, bootVGA) }

  public func overridden(_ driver: String?) -> FakeDevice { with(\.driverOverride, driver) }

  func with<Value>(_ field: WritableKeyPath<FakeDevice, Value>, _ value: Value) -> FakeDevice {
    var copy = self
    copy[keyPath: field] = value
    return copy
  }

  /// `pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00`, as the kernel prints it.
  public var modalias: String {
    "pci:v" + Self.hex(UInt32(vendor), 8) + "d" + Self.hex(UInt32(device), 8) + "sv"
      + Self.hex(UInt32(subsystemVendor), 8) + "sd" + Self.hex(UInt32(subsystemDevice), 8) + "bc"
      + Self.hex(classCode >> 16, 2) + "sc" + Self.hex(classCode >> 8 & 0xFF, 2) + "i"
      + Self.hex(classCode & 0xFF, 2)
  }

  /// What the scanner reads for this function.
  public var pciDevice: PCIDevice {
    PCIDevice(
      address: pciAddress,
      identity: PCIIdentity(
        vendor: vendor, device: device, subsystemVendor: subsystemVendor,
        subsystemDevice: subsystemDevice, classCode: classCode),
      isBootVGA: bootVGA == true && classCode >> 8 == 0x0300, secondaryBus: secondaryBus)
  }

  public var pciAddress: PCIAddress { EarlybindTestSupport.address(address) }

  /// Upper-case hex, zero-padded, as sysfs prints IDs.
  public static func hex(_ value: UInt32, _ width: Int, upper: Bool = true) -> String {
    let digits = String(value, radix: 16, uppercase: upper)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}

/// Parses an address literal of a test; a malformed one is a bug in the test.
public func address(_ text: String) -> PCIAddress {
  guard let address = PCIAddress(text) else {
    preconditionFailure("bad address in a test: " + text)
  }
  return address
}

/// Parses config text the way `earlybind.conf` is parsed.
public func rules(_ config: String) throws -> [Rule] {
  try RuleParser.parseConfig(Array(config.utf8), file: "earlybind.conf")
}

extension Sequence where Element == FakeDevice {
  /// What the scanner returns for a tree of these devices: sorted by address.
  public var pciDevices: [PCIDevice] {
    map(\.pciDevice).sorted { $0.address < $1.address }
  }

  /// Drivers and IOMMU groups as a tree of these devices shows them
  /// (`iommu: false`: no groups, as `FakeSysfs(iommu: false)`).
  public func topology(iommu: Bool = true) -> MemoryTopology {
    var topology = MemoryTopology()
    for device in self {
      topology.drivers[device.pciAddress] = device.driver
      if iommu, let group = device.group { topology.groups[device.pciAddress] = String(group) }
    }
    return topology
  }
}
