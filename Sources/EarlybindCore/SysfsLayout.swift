// SPDX-License-Identifier: Apache-2.0
/// Where things live under a sysfs mount. The root is injectable so tests
/// and benchmarks run on trees built in temp directories.
public struct SysfsLayout: Hashable, Sendable {
  /// The directory holding `bus/` and `kernel/` (normally `/sys`).
  public var sysfs: String {
    didSet { devicesPrefix = Self.devicesPrefix(sysfs) }
  }
  /// `<sysfs>/bus/pci/devices/`, kept: every device path starts with it.
  private var devicesPrefix: String

  public init(sysfs: String = "/sys") {
    self.sysfs = sysfs
    devicesPrefix = Self.devicesPrefix(sysfs)
  }

  static func devicesPrefix(_ sysfs: String) -> String {
    Paths.join(sysfs, "bus/pci/devices/")
  }

  public var devices: String { Paths.join(sysfs, "bus/pci/devices") }
  public var driversProbe: String { Paths.join(sysfs, "bus/pci/drivers_probe") }
  public var iommuGroups: String { Paths.join(sysfs, "kernel/iommu_groups") }
  /// The firmware's physical slots, each a folder with `address`.
  public var slots: String { Paths.join(sysfs, "bus/pci/slots") }

  public func slotAddress(_ name: String) -> String {
    Paths.join(Paths.join(slots, name), "address")
  }

  /// The folder of the PCI driver `name`.
  public func driver(_ name: String) -> String {
    Paths.join(Paths.join(sysfs, "bus/pci/drivers"), name)
  }

  /// The `bind` file of the PCI driver `name`.
  public func driverBind(_ name: String) -> String { Paths.join(driver(name), "bind") }

  public func device(_ address: PCIAddress) -> String {
    devicesPrefix + address.description
  }

  /// Built in one string: the binder makes several of these per target.
  public func attribute(_ address: PCIAddress, _ name: String) -> String {
    var path = devicesPrefix
    path.reserveCapacity(path.utf8.count + 14 + name.utf8.count)
    path += address.description
    path += "/"
    path += name
    return path
  }

  /// The link from a PCI driver to its module's directory.
  public func driverModule(_ name: String) -> String { Paths.join(driver(name), "module") }

  /// Present for loadable modules only.
  public func moduleInitState(_ module: String) -> String {
    Paths.join(Paths.join(Paths.join(sysfs, "module"), module), "initstate")
  }

  public func groupDevices(_ group: String) -> String {
    Paths.join(Paths.join(iommuGroups, group), "devices")
  }
}
