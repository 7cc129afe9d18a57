// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix
import Foundation
import Testing

/// A machine's kernel interfaces in a temp directory, shaped like the real
/// ones, removed with the value:
///
///     <root>/sys/devices/pci0000:00/[<bridge BDF>/...]<BDF>/{modalias,class,vendor,
///         device,subsystem_vendor,subsystem_device,driver_override,boot_vga,
///         reset_method,reset,secondary_bus_number (bridges)}
///     <root>/sys/bus/pci/devices/<BDF> -> ../../../devices/pci0000:00/.../<BDF>
///     <root>/sys/bus/pci/slots/<NAME>/address (`addSlot`)
///
/// A device is nested in the folder of the bridge whose secondary bus it
/// is on, as the kernel lays it out; bridges are added before what is
/// behind them.
///     <BDF>/driver -> <root>/sys/bus/pci/drivers/<name>, which has bind and unbind
///     <BDF>/iommu_group -> <root>/sys/kernel/iommu_groups/<N>
///     <root>/sys/kernel/iommu_groups/<N>/devices/<BDF> -> the device directory
///     <root>/sys/bus/pci/drivers/<name>/module -> ../../../../module/<name>,
///         which has initstate unless the driver is built in
///     <root>/sys/bus/pci/drivers_probe, <root>/proc/cmdline, <root>/dev/kmsg (a plain file)
///
/// Plain files do not behave like sysfs attributes: a write does not
/// truncate and nothing reacts to it. Tests that need the kernel's part
/// play it themselves.
public final class FakeSysfs {
  /// On disk, or in a `MemoryFileSystem` (`memory:`).
  public let directory: any FakeTree
  /// Whether devices get their IOMMU group (off: `kernel/iommu_groups` stays empty).
  public let iommu: Bool
  /// driver_override files start empty instead of holding the kernel's
  /// `(null)`, so a test reads back exactly the bytes that were written.
  public let blankOverrides: Bool
  /// (domain, bus) -> the folder of the bridge leading to it, relative.
  var busFolders: [String: String] = [:]

  public var root: String { directory.path }
  /// The file system the tree is on, for the code under test.
  public var fileSystem: any HostFileSystem {
    (directory as? MemoryDirectory)?.fileSystem ?? PosixFileSystem()
  }
  /// The sysfs mount: what `--sysfs` and `SysfsLayout` take.
  public var sys: String { root + "/sys" }
  public var layout: SysfsLayout { SysfsLayout(sysfs: sys) }
  public var tablePath: String { root + "/etc/earlybind/bindings.tbl" }
  public var kmsgPath: String { root + "/dev/kmsg" }
  public var reportPath: String { root + "/run/earlybind/report.json" }

  public init(
    cmdline: String = "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet\n", iommu: Bool = true,
    blankOverrides: Bool = false, devices: [FakeDevice] = [], memory: MemoryFileSystem? = nil
  ) throws {
    directory = try memory.map { try MemoryDirectory($0) } ?? TemporaryDirectory()
    self.iommu = iommu
    self.blankOverrides = blankOverrides
    for folder in [
      "sys/devices/pci0000:00", "sys/bus/pci/devices", "sys/bus/pci/drivers",
      "sys/kernel/iommu_groups", "proc", "dev",
    ] {
      try directory.makeDirectory(folder)
    }
    try directory.write("sys/bus/pci/drivers_probe", "")
    try directory.write("proc/cmdline", cmdline)
    try directory.write("dev/kmsg", "")
    try add(devices)
  }

  /// Writes `text` to `relative` (to the root, not to `sys`).
  public func write(_ relative: String, _ text: String) throws {
    try directory.write(relative, text)
  }

  /// `sys/bus/pci/devices/<BDF>`, the path the scanner and the binder use.
  public func devicePath(_ address: String) -> String { sys + "/bus/pci/devices/" + address }

  public func driverPath(_ name: String) -> String { sys + "/bus/pci/drivers/" + name }

  /// A driver as the kernel lists it: `module` links to `sys/module/NAME`
  /// (the driver's name with `-` as `_`), which has `initstate` only for a
  /// loadable module; `builtIn` leaves it out, as for `CONFIG_...=y`.
  public func addDriver(_ name: String, builtIn: Bool = false) throws {
    let relative = "sys/bus/pci/drivers/" + name
    if directory.exists(relative) { return }
    try directory.write(relative + "/bind", "")
    try directory.write(relative + "/unbind", "")
    let module = String(name.map { $0 == "-" ? "_" : $0 })
    try directory.makeDirectory("sys/module/" + module)
    if !builtIn { try directory.write("sys/module/" + module + "/initstate", "live\n") }
    try directory.link(relative + "/module", to: "../../../../module/" + module)
  }

  public func add(_ device: FakeDevice) throws {
    let address = device.pciAddress
    let domain = FakeDevice.hex(address.domain, 4, upper: false)
    let parent =
      busFolders[domain + ":" + FakeDevice.hex(UInt32(address.bus), 2, upper: false)]
      ?? "sys/devices/pci" + domain + ":00"
    let relative = parent + "/" + device.address
    if let bus = device.secondaryBus {
      busFolders[domain + ":" + FakeDevice.hex(UInt32(bus), 2, upper: false)] = relative
    }
    let real = directory.file(relative)
    func attribute(_ name: String, _ text: String) throws {
      try directory.write(relative + "/" + name, text)
    }
    try directory.makeDirectory(relative)
    try attribute("modalias", device.modalias + "\n")
    for (name, value, width) in [
      ("class", device.classCode, 6), ("vendor", UInt32(device.vendor), 4),
      ("device", UInt32(device.device), 4), ("subsystem_vendor", UInt32(device.subsystemVendor), 4),
      ("subsystem_device", UInt32(device.subsystemDevice), 4),
    ] {
      try attribute(name, "0x" + FakeDevice.hex(value, width, upper: false) + "\n")
    }
    if let override = device.driverOverride {
      try attribute("driver_override", override + "\n")
    } else {
      try attribute("driver_override", blankOverrides ? "" : "(null)\n")
    }
    if let bootVGA = device.bootVGA { try attribute("boot_vga", bootVGA ? "1\n" : "0\n") }
    if let method = device.resetMethod { try attribute("reset_method", method + "\n") }
    if device.reset { try attribute("reset", "") }
    if let bus = device.secondaryBus { try attribute("secondary_bus_number", String(bus) + "\n") }
    try directory.link(
      "sys/bus/pci/devices/" + device.address, to: "../../../" + relative.dropFirst(4))
    if let driver = device.driver {
      try bind(device.address, to: driver)
    }
    if iommu, let group = device.group {
      let groupRelative = "sys/kernel/iommu_groups/" + String(group)
      try directory.makeDirectory(groupRelative + "/devices")
      try directory.link(groupRelative + "/devices/" + device.address, to: real)
      try directory.link(relative + "/iommu_group", to: directory.file(groupRelative))
    }
  }

  /// A firmware slot: `slots/NAME/address` reads `dddd:bb:dd`.
  public func addSlot(_ name: String, at address: String) throws {
    try directory.write("sys/bus/pci/slots/" + name + "/address", address + "\n")
  }

  public func add(_ devices: [FakeDevice]) throws {
    for device in devices { try add(device) }
  }

  /// What the kernel does when a driver takes a device.
  public func bind(_ address: String, to driver: String) throws {
    try addDriver(driver)
    try directory.link(
      "sys/bus/pci/devices/" + address + "/driver", to: driverPath(driver))
  }

  public func unbind(_ address: String) {
    try? directory.remove("sys/bus/pci/devices/" + address + "/driver")
  }

  public func driver(of address: String) -> String? {
    guard let target = directory.readLink("sys/bus/pci/devices/" + address + "/driver")
    else { return nil }
    return Paths.lastComponent(target)
  }

  /// The driver_override file as it is (plain files keep every byte written).
  public func override(of address: String) -> String? {
    directory.read("sys/bus/pci/devices/" + address + "/driver_override")
  }

  public func addresses() -> [String] { directory.list("sys/bus/pci/devices") }

  public func setCmdline(_ text: String) throws { try directory.write("proc/cmdline", text) }

  public func writeTable(_ table: BindingTable) throws {
    try writeTable(try BindingTableCodec.encode(table))
  }

  public func writeTable(_ bytes: [UInt8]) throws {
    try directory.write("etc/earlybind/bindings.tbl", bytes)
  }

  public func kmsgLines() -> [String] {
    (directory.read("dev/kmsg") ?? "").split(separator: "\n").map(String.init)
  }

  /// What was written to a driver's `unbind` file.
  public func unbindRequests(_ driver: String) -> String? {
    directory.read("sys/bus/pci/drivers/" + driver + "/unbind")
  }

  public func probeRequests() -> String? { directory.read("sys/bus/pci/drivers_probe") }
}

extension FakeSysfs {
  /// The report the binder left behind, as generic JSON: tests read the
  /// keys the writer wrote, the host's decoder is tested apart.
  public func report() throws -> [String: Any] {
    let text = try #require(directory.read("run/earlybind/report.json"))
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any])
  }
}
