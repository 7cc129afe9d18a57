// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

/// A device counts as the boot GPU only when its boot_vga reads 1. When
/// none does, the binder keeps the lowest-address display device for the
/// host instead of letting `non-boot-vga` take every display.
extension BinderTests {
  /// Two identical VGA devices on the machine fixture, neither reading 1.
  static func noBootFlag() -> [FakeDevice] {
    Machine.replacing(
      FakeDevice(
        address: "0000:01:00.0", vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458,
        subsystemDevice: 0x3702, classCode: 0x03_0000, bootVGA: false, group: 1))
  }

  static let presumedText =
    "skipped: no display device reports boot_vga=1, so the lowest-address one stays with the host"
    + " as the presumed boot GPU; add allow-boot-vga to take it"

  @Test func firmwareSettingNoBootGPUKeepsTheFirstDisplay() throws {
    let result = try run(try Machine.build(Self.noBootFlag()), table: "non-boot-vga")
    let fake = result.fake
    #expect(fake.override(of: "0000:01:00.0") == "")
    #expect(fake.override(of: "0000:01:00.1") == "")
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(fake.driver(of: "0000:02:00.1") == "vfio-pci")
    #expect(result.strings("refused") == ["0000:01:00.0 [10de:1b80] " + Self.presumedText])
    #expect(result.kmsg.contains("<4>earlybind: 0000:01:00.0 [10de:1b80] " + Self.presumedText))
  }

  @Test func aBootGPUWithoutBootVGAIsKept() throws {
    // An integrated GPU of class 0x0380 drives the console; it has no
    // boot_vga at all, and the discrete VGA card reads 0.
    let fake = try Machine.build([
      Machine.hostBridge,
      FakeDevice(address: "0000:00:02.0", vendor: 0x8086, device: 0x3E92, classCode: 0x03_8000),
      Machine.guestGPU, Machine.guestAudio,
    ])
    let result = try run(fake, table: "non-boot-vga")
    #expect(fake.override(of: "0000:00:02.0") == "")
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(result.strings("refused") == ["0000:00:02.0 [8086:3e92] " + Self.presumedText])
  }

  @Test(arguments: ["garbage", "empty", "missing", "directory", "fifo"])
  func anUnreadableBootVGAIsNoBootGPU(_ damage: String) throws {
    let fake = try Machine.build()
    let flag = fake.devicePath("0000:01:00.0") + "/boot_vga"
    try FileManager.default.removeItem(atPath: flag)
    switch damage {
    case "garbage": try Data("yes\n".utf8).write(to: URL(fileURLWithPath: flag))
    case "empty": try Data().write(to: URL(fileURLWithPath: flag))
    case "directory":
      try FileManager.default.createDirectory(atPath: flag, withIntermediateDirectories: false)
    case "fifo": try makeFIFO(flag)
    default: break
    }
    let result = try run(fake, table: "non-boot-vga")
    #expect(fake.override(of: "0000:01:00.0") == "")
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(result.strings("refused") == ["0000:01:00.0 [10de:1b80] " + Self.presumedText])
    #expect(
      result.strings("problems").contains { $0.contains("0000:01:00.0") && $0.contains("boot_vga") }
    )
  }

  @Test func allowBootVGATakesThePresumedBootGPU() throws {
    let result = try run(try Machine.build(Self.noBootFlag()), table: "class:0300 allow-boot-vga")
    #expect(result.fake.driver(of: "0000:01:00.0") == "vfio-pci")
    #expect(result.fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(result.strings("refused").isEmpty)
  }

  @Test func aBootGPUReadingOneNeedsNoPresumption() throws {
    let result = try run(try Machine.build(), table: "class:0300")
    #expect(
      result.strings("refused") == [
        "0000:01:00.0 [10de:1b80] skipped: boot GPU (boot_vga=1); add allow-boot-vga to take it"
      ])
  }

  @Test func anAddressRuleTakesTheDeviceItNamesAndTheNextDisplayStays() throws {
    // The user names 01:00.0, which the kernel says is not the boot GPU:
    // it is taken, and the guard keeps the next display for the host.
    let result = try run(try Machine.build(Self.noBootFlag()), table: "01:00.0\nnon-boot-vga")
    #expect(result.fake.driver(of: "0000:01:00.0") == "vfio-pci")
    #expect(result.fake.override(of: "0000:02:00.0") == "")
    #expect(result.strings("refused") == ["0000:02:00.0 [10de:1b80] " + Self.presumedText])
  }

  @Test func anAddressOnlyTableLooksAtEveryDisplayWhenItMustGuard() throws {
    // The rule names a 3D controller (no boot_vga); only a full scan shows
    // that 01:00.0 is the boot GPU, so the named device is not presumed.
    let compute = FakeDevice(
      address: "0000:03:00.0", vendor: 0x10DE, device: 0x20B0, classCode: 0x03_0200, group: 4)
    let fake = try Machine.build(Machine.replacing(compute))
    let result = try run(fake, table: "03:00.0")
    #expect(fake.driver(of: "0000:03:00.0") == "vfio-pci")
    #expect(result.strings("refused").isEmpty)
  }
}

@Suite("Planner.presumedBootGPU")
struct PresumedBootGPUTests {
  func device(_ text: String, _ classCode: UInt32, _ flag: BootFlag) -> PCIDevice {
    PCIDevice(
      address: address(text), identity: PCIIdentity(vendor: 1, device: 2, classCode: classCode),
      bootFlag: flag)
  }

  @Test func theLowestDisplayUnlessABootGPUIsKnown() throws {
    let devices = [
      device("0000:05:00.0", 0x03_0000, .clear), device("0000:00:1f.3", 0x04_0300, .unknown),
      device("0000:03:00.0", 0x03_0200, .unknown), device("0000:04:00.0", 0x03_0000, .clear),
    ]
    #expect(
      Planner<MemoryTopology>.presumedBootGPU(devices: devices, rules: []) == address("03:00.0"))
    let known = devices + [device("0000:06:00.0", 0x03_0000, .set)]
    #expect(Planner<MemoryTopology>.presumedBootGPU(devices: known, rules: []) == nil)
    #expect(Planner<MemoryTopology>.presumedBootGPU(devices: [devices[1]], rules: []) == nil)
  }

  @Test func addressRulesNamingADeviceThatReadsZeroLeaveItOut() throws {
    let devices = [
      device("0000:01:00.0", 0x03_0000, .clear), device("0000:02:00.0", 0x03_0000, .clear),
    ]
    let named = try rules("01:00.0")
    #expect(
      Planner<MemoryTopology>.presumedBootGPU(devices: devices, rules: named) == address("02:00.0"))
    let both = try rules("01:00.0\n02:00.0")
    #expect(Planner<MemoryTopology>.presumedBootGPU(devices: devices, rules: both) == nil)
    // A named device with no answer from boot_vga is still presumed.
    let unknown = [device("0000:01:00.0", 0x03_8000, .unknown)]
    #expect(
      Planner<MemoryTopology>.presumedBootGPU(devices: unknown, rules: named) == address("01:00.0"))
  }
}
