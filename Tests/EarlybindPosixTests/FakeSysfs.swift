import EarlybindCore
import EarlybindPosix
import Foundation
import Testing

/// A throwaway directory removed when the value goes away. On tmpfs when
/// there is one: the binder fsyncs its report, which costs real time on a
/// disk and nothing in memory.
final class TemporaryDirectory {
  let path: String

  static let base: String = {
    let shm = "/dev/shm"
    if FileManager.default.isWritableFile(atPath: shm) { return shm }
    return FileManager.default.temporaryDirectory.path
  }()

  init() throws {
    path = Self.base + "/earlybind-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }

  func file(_ relative: String) -> String { path + "/" + relative }

  func write(_ relative: String, _ text: String) throws {
    let full = file(relative)
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: full))
  }

  func read(_ relative: String) -> String? {
    guard let data = FileManager.default.contents(atPath: file(relative)) else { return nil }
    return String(decoding: data, as: UTF8.self)
  }
}

/// A PCI function as a fake sysfs shows it.
struct FakeDevice {
  var address: String
  var vendor: UInt16
  var device: UInt16
  var subsystemVendor: UInt16 = 0
  var subsystemDevice: UInt16 = 0
  var classCode: UInt32
  /// nil: no `boot_vga` file (non-VGA devices).
  var bootVGA: Bool? = nil
  var driver: String? = nil
  var group: Int? = nil

  var modalias: String {
    "pci:v" + Self.hex(UInt32(vendor), 8) + "d" + Self.hex(UInt32(device), 8) + "sv"
      + Self.hex(UInt32(subsystemVendor), 8) + "sd" + Self.hex(UInt32(subsystemDevice), 8) + "bc"
      + Self.hex(classCode >> 16, 2) + "sc" + Self.hex(classCode >> 8 & 0xFF, 2) + "i"
      + Self.hex(classCode & 0xFF, 2) + "\n"
  }

  static func hex(_ value: UInt32, _ width: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}

/// A sysfs-shaped tree in a temp directory:
///
///     <root>/sys/devices/pci0000:00/<BDF>/{modalias,boot_vga,driver_override}
///     <root>/sys/bus/pci/devices/<BDF> -> the device directory
///     <root>/sys/bus/pci/devices/<BDF>/driver -> <root>/sys/bus/pci/drivers/<name>
///     <root>/sys/bus/pci/devices/<BDF>/iommu_group -> <root>/sys/kernel/iommu_groups/N
///     <root>/sys/kernel/iommu_groups/N/devices/<BDF> -> the device directory
///     <root>/sys/bus/pci/drivers/<name>/{bind,unbind}, <root>/sys/bus/pci/drivers_probe
///     <root>/proc/cmdline, <root>/dev/kmsg (a plain file)
final class FakeSysfs {
  let directory: TemporaryDirectory
  var root: String { directory.path }
  var sys: String { root + "/sys" }
  var layout: SysfsLayout { SysfsLayout(sysfs: sys) }
  var tablePath: String { root + "/etc/earlybind/bindings.tbl" }
  var kmsgPath: String { root + "/dev/kmsg" }
  var reportPath: String { root + "/run/earlybind/report.json" }
  let fileManager = FileManager.default

  init(cmdline: String = "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet\n") throws {
    directory = try TemporaryDirectory()
    for folder in [
      "sys/devices/pci0000:00", "sys/bus/pci/devices", "sys/bus/pci/drivers",
      "sys/kernel/iommu_groups", "proc", "dev",
    ] {
      try fileManager.createDirectory(
        atPath: root + "/" + folder, withIntermediateDirectories: true)
    }
    try directory.write("sys/bus/pci/drivers_probe", "")
    try directory.write("proc/cmdline", cmdline)
    try directory.write("dev/kmsg", "")
  }

  func devicePath(_ address: String) -> String { sys + "/bus/pci/devices/" + address }

  func driverPath(_ name: String) -> String { sys + "/bus/pci/drivers/" + name }

  func addDriver(_ name: String) throws {
    let path = driverPath(name)
    if fileManager.fileExists(atPath: path) { return }
    try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true)
    try Data().write(to: URL(fileURLWithPath: path + "/bind"))
    try Data().write(to: URL(fileURLWithPath: path + "/unbind"))
  }

  func add(_ device: FakeDevice) throws {
    let real = sys + "/devices/pci0000:00/" + device.address
    try fileManager.createDirectory(atPath: real, withIntermediateDirectories: true)
    try Data(device.modalias.utf8).write(to: URL(fileURLWithPath: real + "/modalias"))
    try Data().write(to: URL(fileURLWithPath: real + "/driver_override"))
    if let bootVGA = device.bootVGA {
      try Data((bootVGA ? "1\n" : "0\n").utf8).write(to: URL(fileURLWithPath: real + "/boot_vga"))
    }
    try fileManager.createSymbolicLink(
      atPath: devicePath(device.address), withDestinationPath: real)
    if let driver = device.driver {
      try bind(device.address, to: driver)
    }
    if let group = device.group {
      let groupPath = sys + "/kernel/iommu_groups/" + String(group)
      try fileManager.createDirectory(
        atPath: groupPath + "/devices", withIntermediateDirectories: true)
      try fileManager.createSymbolicLink(
        atPath: groupPath + "/devices/" + device.address, withDestinationPath: real)
      try fileManager.createSymbolicLink(
        atPath: real + "/iommu_group", withDestinationPath: groupPath)
    }
  }

  func add(_ devices: [FakeDevice]) throws {
    for device in devices { try add(device) }
  }

  /// What the kernel does when a driver takes a device.
  func bind(_ address: String, to driver: String) throws {
    try addDriver(driver)
    try fileManager.createSymbolicLink(
      atPath: devicePath(address) + "/driver", withDestinationPath: driverPath(driver))
  }

  func unbind(_ address: String) {
    try? fileManager.removeItem(atPath: devicePath(address) + "/driver")
  }

  func driver(of address: String) -> String? {
    guard
      let target = try? fileManager.destinationOfSymbolicLink(
        atPath: devicePath(address) + "/driver")
    else { return nil }
    return (target as NSString).lastPathComponent
  }

  func override(of address: String) -> String? {
    directory.read("sys/bus/pci/devices/" + address + "/driver_override")
  }

  func addresses() -> [String] {
    ((try? fileManager.contentsOfDirectory(atPath: sys + "/bus/pci/devices")) ?? []).sorted()
  }

  func setCmdline(_ text: String) throws { try directory.write("proc/cmdline", text) }

  func writeTable(_ table: BindingTable) throws {
    try writeTable(try BindingTableCodec.encode(table))
  }

  func writeTable(_ bytes: [UInt8]) throws {
    try fileManager.createDirectory(
      atPath: root + "/etc/earlybind", withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: tablePath))
  }

  func kmsgLines() -> [String] {
    (directory.read("dev/kmsg") ?? "").split(separator: "\n").map(String.init)
  }

  func unbindRequests(_ driver: String) -> String? {
    directory.read("sys/bus/pci/drivers/" + driver + "/unbind")
  }

  func probeRequests() -> String? { directory.read("sys/bus/pci/drivers_probe") }

  func report() throws -> [String: Any] {
    let data = try #require(FileManager.default.contents(atPath: reportPath))
    let object = try JSONSerialization.jsonObject(with: data)
    return try #require(object as? [String: Any])
  }
}

// MARK: A typical two-GPU workstation

enum Machine {
  static let hostBridge = FakeDevice(
    address: "0000:00:00.0", vendor: 0x8086, device: 0x3E30, classCode: 0x06_0000, group: 0)
  static let rootPort1 = FakeDevice(
    address: "0000:00:01.0", vendor: 0x8086, device: 0x1901, classCode: 0x06_0400, group: 1)
  static let rootPort2 = FakeDevice(
    address: "0000:00:01.1", vendor: 0x8086, device: 0x1905, classCode: 0x06_0400, group: 2)
  static let xhci = FakeDevice(
    address: "0000:00:14.0", vendor: 0x8086, device: 0xA36D, subsystemVendor: 0x1028,
    subsystemDevice: 0x085A, classCode: 0x0C_0330, group: 3)
  static let sram = FakeDevice(
    address: "0000:00:14.2", vendor: 0x8086, device: 0xA36F, classCode: 0x05_0000, group: 3)
  /// The firmware's console GPU.
  static let bootGPU = FakeDevice(
    address: "0000:01:00.0", vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458,
    subsystemDevice: 0x3702, classCode: 0x03_0000, bootVGA: true, group: 1)
  static let bootAudio = FakeDevice(
    address: "0000:01:00.1", vendor: 0x10DE, device: 0x10F0, subsystemVendor: 0x1458,
    subsystemDevice: 0x3702, classCode: 0x04_0300, group: 1)
  /// The identical second GPU, meant for a guest.
  static let guestGPU = FakeDevice(
    address: "0000:02:00.0", vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458,
    subsystemDevice: 0x3702, classCode: 0x03_0000, bootVGA: false, group: 2)
  static let guestAudio = FakeDevice(
    address: "0000:02:00.1", vendor: 0x10DE, device: 0x10F0, subsystemVendor: 0x1458,
    subsystemDevice: 0x3702, classCode: 0x04_0300, group: 2)
  static let nvme = FakeDevice(
    address: "0000:03:00.0", vendor: 0x144D, device: 0xA808, classCode: 0x01_0802, group: 4)

  static let all = [
    hostBridge, rootPort1, rootPort2, xhci, sram, bootGPU, bootAudio, guestGPU, guestAudio, nvme,
  ]

  static func build(
    _ devices: [FakeDevice] = all, cmdline: String = "BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro\n"
  ) throws -> FakeSysfs {
    let fake = try FakeSysfs(cmdline: cmdline)
    try fake.add(devices)
    return fake
  }

  static func replacing(_ replacements: FakeDevice...) -> [FakeDevice] {
    all.map { device in replacements.first { $0.address == device.address } ?? device }
  }
}

func address(_ text: String) -> PCIAddress {
  guard let address = PCIAddress(text) else {
    Issue.record("bad address \(text)")
    return PCIAddress(bus: 0, device: 0, function: 0)
  }
  return address
}

func rules(_ config: String) throws -> [Rule] {
  try RuleParser.parseConfig(Array(config.utf8), file: "earlybind.conf")
}
