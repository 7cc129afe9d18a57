import Foundation

/// A sysfs-shaped tree in a temp directory, removed with the value:
///
///     devices/pci0000:00/<BDF>/{modalias,class,vendor,device,subsystem_*,
///                               boot_vga,driver_override,reset_method,reset}
///     bus/pci/devices/<BDF> -> ../../../devices/pci0000:00/<BDF>
///     <BDF>/driver -> bus/pci/drivers/<name>
///     <BDF>/iommu_group -> kernel/iommu_groups/<N>
///     kernel/iommu_groups/<N>/devices/<BDF> -> the device directory
final class FakeSysfs {
  /// A PCI function as the kernel shows it.
  struct Device {
    var address: String
    var vendor: UInt16
    var device: UInt16
    var subsystemVendor: UInt16 = 0
    var subsystemDevice: UInt16 = 0
    var classCode: UInt32
    /// nil: no `boot_vga` file (only VGA-class devices have one).
    var bootVGA: Bool? = nil
    var driver: String? = nil
    /// nil is written as the kernel's `(null)`.
    var driverOverride: String? = nil
    /// nil: no `reset_method` file (kernels before 5.15, or no method).
    var resetMethod: String? = nil
    /// A `reset` file, which older kernels show when some reset works.
    var reset: Bool = false
    var group: Int? = nil
  }

  let root: URL
  var path: String { root.path }

  /// `iommu: false` leaves `kernel/iommu_groups` empty, as with the IOMMU off.
  init(iommu: Bool = true, devices: [Device] = []) throws {
    root = try temporaryDirectory()
    try makeDirectory("bus/pci/devices")
    try makeDirectory("bus/pci/drivers")
    try makeDirectory("kernel/iommu_groups")
    for device in devices { try add(device, iommu: iommu) }
  }

  deinit {
    try? FileManager.default.removeItem(at: root)
  }

  func add(_ device: Device, iommu: Bool = true) throws {
    let relative = "devices/pci0000:00/" + device.address
    try makeDirectory(relative)
    let directory = root.appendingPathComponent(relative).path
    try link("bus/pci/devices/" + device.address, to: "../../../" + relative)
    func attribute(_ name: String, _ text: String) throws {
      try write(relative + "/" + name, text + "\n")
    }
    try attribute("modalias", Self.modalias(device))
    try attribute("class", "0x" + Self.hex(device.classCode, 6))
    try attribute("vendor", "0x" + Self.hex(UInt32(device.vendor), 4))
    try attribute("device", "0x" + Self.hex(UInt32(device.device), 4))
    try attribute("subsystem_vendor", "0x" + Self.hex(UInt32(device.subsystemVendor), 4))
    try attribute("subsystem_device", "0x" + Self.hex(UInt32(device.subsystemDevice), 4))
    try attribute("driver_override", device.driverOverride ?? "(null)")
    if let bootVGA = device.bootVGA { try attribute("boot_vga", bootVGA ? "1" : "0") }
    if let method = device.resetMethod { try attribute("reset_method", method) }
    if device.reset { try write(relative + "/reset", "") }
    if let driver = device.driver {
      try makeDirectory("bus/pci/drivers/" + driver)
      try link(
        relative + "/driver", to: root.appendingPathComponent("bus/pci/drivers/" + driver).path)
    }
    if iommu, let group = device.group {
      let groupPath = "kernel/iommu_groups/\(group)"
      try makeDirectory(groupPath + "/devices")
      try link(relative + "/iommu_group", to: root.appendingPathComponent(groupPath).path)
      try link(groupPath + "/devices/" + device.address, to: directory)
    }
  }

  func write(_ relative: String, _ text: String) throws {
    let url = root.appendingPathComponent(relative)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  func makeDirectory(_ relative: String) throws {
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent(relative), withIntermediateDirectories: true)
  }

  func link(_ relative: String, to destination: String) throws {
    try FileManager.default.createSymbolicLink(
      atPath: root.appendingPathComponent(relative).path, withDestinationPath: destination)
  }

  /// `pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00`, as the kernel prints it.
  static func modalias(_ device: Device) -> String {
    "pci:v" + hex(UInt32(device.vendor), 8, upper: true) + "d"
      + hex(UInt32(device.device), 8, upper: true) + "sv"
      + hex(UInt32(device.subsystemVendor), 8, upper: true) + "sd"
      + hex(UInt32(device.subsystemDevice), 8, upper: true) + "bc"
      + hex(device.classCode >> 16, 2, upper: true) + "sc"
      + hex(device.classCode >> 8 & 0xFF, 2, upper: true) + "i"
      + hex(device.classCode & 0xFF, 2, upper: true)
  }

  static func hex(_ value: UInt32, _ width: Int, upper: Bool = false) -> String {
    let digits = String(value, radix: 16, uppercase: upper)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}

extension FakeSysfs {
  /// Two identical GTX 1080s with their HDMI audio, the first the boot GPU,
  /// behind a root port, plus USB, SMBus, NVMe and a host bridge.
  static func workstation(iommu: Bool = true) throws -> FakeSysfs {
    typealias Device = FakeSysfs.Device
    return try FakeSysfs(
      iommu: iommu,
      devices: [
        Device(
          address: "0000:00:00.0", vendor: 0x8086, device: 0x3E30, classCode: 0x060000, group: 0),
        Device(
          address: "0000:00:01.0", vendor: 0x8086, device: 0x1901, classCode: 0x060400,
          driver: "pcieport", group: 1),
        Device(
          address: "0000:01:00.0", vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458,
          subsystemDevice: 0x3702, classCode: 0x030000, bootVGA: true, driver: "nvidia",
          resetMethod: "flr bus", group: 1),
        Device(
          address: "0000:01:00.1", vendor: 0x10DE, device: 0x10F0, subsystemVendor: 0x1458,
          subsystemDevice: 0x3702, classCode: 0x040300, driver: "snd_hda_intel",
          resetMethod: "flr", group: 1),
        Device(
          address: "0000:02:00.0", vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458,
          subsystemDevice: 0x3702, classCode: 0x030000, bootVGA: false,
          driverOverride: "vfio-pci", reset: true, group: 2),
        Device(
          address: "0000:02:00.1", vendor: 0x10DE, device: 0x10F0, subsystemVendor: 0x1458,
          subsystemDevice: 0x3702, classCode: 0x040300, driver: "vfio-pci",
          driverOverride: "vfio-pci", group: 2),
        Device(
          address: "0000:00:14.0", vendor: 0x8086, device: 0xA36D, classCode: 0x0C0330,
          driver: "xhci_hcd", group: 3),
        Device(
          address: "0000:00:1f.4", vendor: 0x8086, device: 0xA323, classCode: 0x0C0500, group: 4),
        Device(
          address: "0000:03:00.0", vendor: 0x144D, device: 0xA808, subsystemVendor: 0x144D,
          subsystemDevice: 0xA801, classCode: 0x010802, driver: "nvme", resetMethod: "flr bus",
          group: 5),
      ])
  }
}
