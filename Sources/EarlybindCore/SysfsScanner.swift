/// Reads the PCI devices from sysfs with as few calls as possible: one
/// directory listing, then one `modalias` read per device (IDs and class in
/// one file); `boot_vga` only for VGA-class devices.
public struct SysfsScanner<FS: FileSystem>: DeviceTopology {
  public let fileSystem: FS
  public let layout: SysfsLayout

  public init(fileSystem: FS, layout: SysfsLayout) {
    self.fileSystem = fileSystem
    self.layout = layout
  }

  public struct Result {
    public var devices: [PCIDevice]
    /// Entries that could not be read or parsed; logged, never fatal.
    public var problems: [String]
  }

  /// `slots`, when given, limits the reads to devices sharing a slot with
  /// one of these addresses (see `Planner.scanScope(for:)`); every other
  /// device costs nothing beyond its directory entry.
  public func scan(slots: [PCIAddress]? = nil) throws(SystemError) -> Result {
    var devices: [PCIDevice] = []
    var problems: [String] = []
    let names = try fileSystem.listDirectory(layout.devices)
    devices.reserveCapacity(names.count)
    for name in names {
      guard let address = PCIAddress(name) else {
        problems.append("ignoring " + name + ": not a PCI address")
        continue
      }
      if let slots, !slots.contains(where: { $0.sharesSlot(with: address) }) { continue }
      let modalias: [UInt8]
      do {
        modalias = try fileSystem.readFile(layout.attribute(address, "modalias"), limit: 128)
      } catch {
        problems.append(error.description)
        continue
      }
      guard let identity = PCIIdentity(modalias: modalias[...]) else {
        problems.append(name + ": unreadable modalias")
        continue
      }
      var bootVGA = false
      if identity.isVGA,
        let flag = try? fileSystem.readFile(layout.attribute(address, "boot_vga"), limit: 8)
      {
        bootVGA = flag.first == 0x31
      }
      devices.append(PCIDevice(address: address, identity: identity, isBootVGA: bootVGA))
    }
    devices.sort { $0.address < $1.address }
    return Result(devices: devices, problems: problems)
  }

  public func currentDriver(of address: PCIAddress) -> String? {
    fileSystem.linkName(layout.attribute(address, "driver"))
  }

  public func iommuGroup(of address: PCIAddress) -> String? {
    fileSystem.linkName(layout.attribute(address, "iommu_group"))
  }

  public func members(ofGroup group: String) -> [PCIAddress] {
    guard let names = try? fileSystem.listDirectory(layout.groupDevices(group)) else { return [] }
    var members: [PCIAddress] = []
    for name in names {
      if let address = PCIAddress(name) { members.append(address) }
    }
    members.sort()
    return members
  }
}

/// Lookups the planner makes only for devices a rule selected.
public protocol DeviceTopology {
  func currentDriver(of address: PCIAddress) -> String?
  func iommuGroup(of address: PCIAddress) -> String?
  func members(ofGroup group: String) -> [PCIAddress]
}
