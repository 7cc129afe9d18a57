// SPDX-License-Identifier: Apache-2.0
// Host and tests only: the binder plans against sysfs, and leaving this out
// of the Embedded build keeps it out of the binary every initramfs carries.
#if !hasFeature(Embedded)

  /// A `DeviceTopology` known up front: each device's driver and IOMMU group,
  /// as the host has already read them for a listing, or as a test states
  /// them. Planning against it reads nothing more.
  public struct MemoryTopology: DeviceTopology, Hashable, Sendable {
    public var drivers: [PCIAddress: String]
    public var groups: [PCIAddress: String]
    /// Drivers whose origin is known; any other is `otherDrivers`.
    public var origins: [String: DriverOrigin]
    public var otherDrivers: DriverOrigin
    /// Slot name -> function 0 of the device in it.
    public var slots: [SlotName: PCIAddress] = [:]

    public init(
      drivers: [PCIAddress: String] = [:], groups: [PCIAddress: String] = [:],
      origins: [String: DriverOrigin] = [:], otherDrivers: DriverOrigin = .loadedModule
    ) {
      self.drivers = drivers
      self.groups = groups
      self.origins = origins
      self.otherDrivers = otherDrivers
    }

    public func origin(ofDriver name: String) -> DriverOrigin { origins[name] ?? otherDrivers }

    public func currentDriver(of address: PCIAddress) -> String? { drivers[address] }

    public func iommuGroup(of address: PCIAddress) -> String? { groups[address] }

    public func slotAddress(named name: SlotName) -> PCIAddress? { slots[name] }

    /// Sorted, as the scanner returns them.
    public func members(ofGroup group: String) -> [PCIAddress] {
      var members: [PCIAddress] = []
      for (address, name) in groups where name == group { members.append(address) }
      members.sort()
      return members
    }
  }

#endif
