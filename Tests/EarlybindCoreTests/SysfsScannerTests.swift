// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@Suite("SysfsScanner on fake sysfs trees")
struct SysfsScannerTests {
  func scanner(_ fake: FakeSysfs) -> SysfsScanner<PosixFileSystem> {
    SysfsScanner(fileSystem: PosixFileSystem(), layout: fake.layout)
  }

  @Test func scansEveryDeviceSortedWithIdentityAndBootFlag() throws {
    let fake = try Machine.build()
    let result = try scanner(fake).scan()
    #expect(result.problems.isEmpty)
    #expect(result.devices.map(\.address.description) == fake.addresses())
    let boot = try #require(result.devices.first { $0.address == address("0000:01:00.0") })
    #expect(boot.isBootVGA)
    #expect(
      boot.identity
        == PCIIdentity(
          vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458, subsystemDevice: 0x3702,
          classCode: 0x03_0000))
    #expect(result.devices.filter(\.isBootVGA).map(\.address) == [address("0000:01:00.0")])
    let nvme = try #require(result.devices.first { $0.address == address("0000:03:00.0") })
    #expect(nvme.identity.classCode == 0x01_0802)
  }

  /// The planner's tests run on machines held in memory; this holds the
  /// two views together: a tree built from the same devices scans to the
  /// same devices, drivers and groups, and without problems.
  @Test(arguments: [
    Machine.all,
    Machine.replacing(
      Machine.guestGPU.bound(to: "vfio-pci"), Machine.guestAudio.bound(to: "snd_hda_intel")),
    Machine.all.map { $0.inGroup(nil) },
  ])
  func scanningATreeGivesTheMachineInMemory(_ devices: [FakeDevice]) throws {
    let fake = try Machine.build(devices)
    let scanner = scanner(fake)
    let result = try scanner.scan()
    #expect(result.problems.isEmpty)
    #expect(result.devices == devices.pciDevices)
    let memory = devices.topology()
    for device in devices.pciDevices {
      #expect(scanner.currentDriver(of: device.address) == memory.currentDriver(of: device.address))
      #expect(scanner.iommuGroup(of: device.address) == memory.iommuGroup(of: device.address))
    }
    for group in Set(memory.groups.values) {
      #expect(scanner.members(ofGroup: group) == memory.members(ofGroup: group))
    }
  }

  @Test func findsDevicesInHighDomains() throws {
    let fake = try FakeSysfs()
    try fake.add([
      FakeDevice(address: "10000:e1:00.0", vendor: 0x8086, device: 0x09AB, classCode: 0x01_0802),
      FakeDevice(
        address: "0000:00:02.0", vendor: 0x8086, device: 0x3E92, classCode: 0x03_0000, bootVGA: true
      ),
    ])
    let result = try scanner(fake).scan()
    #expect(result.devices.map(\.address.description) == ["0000:00:02.0", "10000:e1:00.0"])
  }

  @Test func unreadableEntriesAreProblemsNotFailures() throws {
    let fake = try Machine.build([Machine.guestGPU])
    let devices = fake.sys + "/bus/pci/devices/"
    try FileManager.default.createDirectory(
      atPath: devices + "not-a-device", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      atPath: devices + "0000:07:00.0", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      atPath: devices + "0000:08:00.0", withIntermediateDirectories: true)
    try Data("pci:v000010DEd\n".utf8).write(
      to: URL(fileURLWithPath: devices + "0000:08:00.0/modalias"))
    let result = try scanner(fake).scan()
    #expect(result.devices.map(\.address) == [address("0000:02:00.0")])
    #expect(result.problems.count == 3)
    #expect(result.problems.contains("ignoring not-a-device: not a PCI address"))
    #expect(result.problems.contains("0000:08:00.0: unreadable modalias"))
    #expect(
      result.problems.contains {
        $0.hasPrefix("open " + devices + "0000:07:00.0/modalias") && $0.contains("ENOENT")
      })
  }

  @Test func bootFlagIsOnlyReadForVGADevices() throws {
    let fake = try FakeSysfs()
    try fake.add([
      FakeDevice(
        address: "0000:00:02.0", vendor: 0x1234, device: 0x1111, classCode: 0x03_0000,
        bootVGA: false),
      FakeDevice(
        address: "0000:00:03.0", vendor: 0x8086, device: 0x1533, classCode: 0x02_0000,
        bootVGA: true),
    ])
    let result = try scanner(fake).scan()
    #expect(result.devices.count == 2)
    #expect(result.devices.allSatisfy { !$0.isBootVGA })
  }

  @Test func missingDeviceDirectoryThrows() throws {
    let directory = try TemporaryDirectory()
    let scanner = SysfsScanner(
      fileSystem: PosixFileSystem(), layout: SysfsLayout(sysfs: directory.path + "/sys"))
    let error = #expect(throws: SystemError.self) { try scanner.scan() }
    #expect(error?.errno == .noSuchFile)
    #expect(error?.path == directory.path + "/sys/bus/pci/devices")
  }

  @Test func topologyLookups() throws {
    let fake = try Machine.build(
      Machine.replacing(
        FakeDevice(
          address: "0000:02:00.1", vendor: 0x10DE, device: 0x10F0, classCode: 0x04_0300,
          driver: "snd_hda_intel", group: 2)))
    let scanner = scanner(fake)
    #expect(scanner.currentDriver(of: address("0000:02:00.1")) == "snd_hda_intel")
    #expect(scanner.currentDriver(of: address("0000:02:00.0")) == nil)
    #expect(scanner.currentDriver(of: address("0000:42:00.0")) == nil)
    #expect(scanner.iommuGroup(of: address("0000:02:00.0")) == "2")
    #expect(scanner.iommuGroup(of: address("0000:42:00.0")) == nil)
    #expect(
      scanner.members(ofGroup: "2") == [
        address("0000:00:01.1"), address("0000:02:00.0"), address("0000:02:00.1"),
      ])
    #expect(scanner.members(ofGroup: "99").isEmpty)
  }

  @Test func aSlotScanOpensTheSlotsFunctionsByName() throws {
    let fake = try Machine.build()
    let result = try scanner(fake).scan(slots: [address("0000:02:00.1"), address("02:00.0")])
    #expect(result.devices.map(\.address.description) == ["0000:02:00.0", "0000:02:00.1"])
    // Functions 2 to 7 do not exist: that is no problem.
    #expect(result.problems.isEmpty)
    #expect(result.devices.first?.bootFlag == .clear)
    let none = try scanner(fake).scan(slots: [address("0000:42:00.0")])
    #expect(none.devices.isEmpty && none.problems.isEmpty)
  }

  @Test func aSlotScanNamesHighDomainsAsSysfsDoes() throws {
    let fake = try FakeSysfs()
    try fake.add(
      FakeDevice(address: "10000:e1:00.0", vendor: 0x8086, device: 0x09AB, classCode: 0x01_0802))
    let result = try scanner(fake).scan(slots: [address("10000:e1:00.0")])
    #expect(result.devices.map(\.address.description) == ["10000:e1:00.0"])
  }

  @Test(arguments: [
    ("1\n", BootFlag.set), ("0\n", .clear), ("1", .set), ("2\n", .unknown),
    ("", .unknown), ("10\n", .unknown),
  ])
  func bootFlags(_ content: String, _ flag: BootFlag) throws {
    let fake = try Machine.build([Machine.guestGPU])
    try Data(content.utf8).write(
      to: URL(fileURLWithPath: fake.devicePath("0000:02:00.0") + "/boot_vga"))
    let result = try scanner(fake).scan()
    #expect(result.devices.first?.bootFlag == flag)
    #expect(result.problems.isEmpty == (flag != .unknown))
  }

  @Test func aVGADeviceWithoutBootVGAHasNoAnswer() throws {
    let fake = try FakeSysfs()
    try fake.add(
      FakeDevice(address: "0000:00:02.0", vendor: 0x8086, device: 0x3E92, classCode: 0x03_0000))
    let result = try scanner(fake).scan()
    #expect(result.devices.first?.bootFlag == .unknown)
    #expect(result.problems == ["0000:00:02.0: boot_vga is missing or reads neither 0 nor 1"])
  }

  @Test func aModaliasTooLongToBeOneIsUnreadable() throws {
    let fake = try Machine.build([Machine.nvme])
    try Data(String(repeating: "x", count: 4096).utf8).write(
      to: URL(fileURLWithPath: fake.devicePath("0000:03:00.0") + "/modalias"))
    let result = try scanner(fake).scan()
    #expect(result.devices.isEmpty)
    #expect(result.problems == ["0000:03:00.0: unreadable modalias"])
  }

  /// File systems without directory descriptors get the path-based
  /// default; it must see what the descriptor-based scan sees.
  @Test func thePathBasedDirectoryScansTheSame() throws {
    let fake = try Machine.build()
    let direct = try scanner(fake).scan()
    let byPath = try SysfsScanner(fileSystem: PathsOnly(), layout: fake.layout).scan()
    #expect(byPath.devices == direct.devices)
    #expect(byPath.problems == direct.problems)
    let slot = try SysfsScanner(fileSystem: PathsOnly(), layout: fake.layout)
      .scan(slots: [address("02:00.0")])
    #expect(slot.devices.map(\.address.description) == ["0000:02:00.0", "0000:02:00.1"])
  }

  struct PathsOnly: FileSystem {
    let base = PosixFileSystem()
    func readFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
      try base.readFile(path, limit: limit)
    }
    func writeFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
      try base.writeFile(path, bytes)
    }
    func readLink(_ path: String) throws(SystemError) -> String { try base.readLink(path) }
    func listDirectory(_ path: String) throws(SystemError) -> [String] {
      try base.listDirectory(path)
    }
  }

  @Test func layoutPaths() {
    let layout = SysfsLayout(sysfs: "/tmp/x/sys")
    #expect(layout.devices == "/tmp/x/sys/bus/pci/devices")
    #expect(layout.driversProbe == "/tmp/x/sys/bus/pci/drivers_probe")
    #expect(layout.iommuGroups == "/tmp/x/sys/kernel/iommu_groups")
    #expect(
      layout.attribute(address("03:00.0"), "driver_override")
        == "/tmp/x/sys/bus/pci/devices/0000:03:00.0/driver_override")
    #expect(layout.groupDevices("7") == "/tmp/x/sys/kernel/iommu_groups/7/devices")
    #expect(SysfsLayout().devices == "/sys/bus/pci/devices")
  }
}
