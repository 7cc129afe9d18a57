/// Where things live under a sysfs mount. The root is injectable so tests
/// and benchmarks run on trees built in temp directories.
public struct SysfsLayout: Hashable, Sendable {
  /// The directory holding `bus/` and `kernel/` (normally `/sys`).
  public var sysfs: String

  public init(sysfs: String = "/sys") {
    self.sysfs = sysfs
  }

  public var devices: String { Paths.join(sysfs, "bus/pci/devices") }
  public var driversProbe: String { Paths.join(sysfs, "bus/pci/drivers_probe") }
  public var iommuGroups: String { Paths.join(sysfs, "kernel/iommu_groups") }

  public func device(_ address: PCIAddress) -> String {
    Paths.join(devices, address.description)
  }

  public func attribute(_ address: PCIAddress, _ name: String) -> String {
    Paths.join(device(address), name)
  }

  public func groupDevices(_ group: String) -> String {
    Paths.join(Paths.join(iommuGroups, group), "devices")
  }
}
