import EarlybindCore
import EarlybindTestSupport
import Testing

@testable import EarlybindHost

@Suite struct PlanCommandTests {
  /// Two identical QEMU VGA devices (the first the boot GPU), an audio
  /// function beside the second, and a storage controller.
  func makeTree() throws -> FakeSysfs {
    try FakeSysfs(devices: [
      FakeDevice(
        address: "0000:00:03.0", vendor: 0x1234, device: 0x1111, subsystemVendor: 0x1AF4,
        subsystemDevice: 0x1100, classCode: 0x03_0000, bootVGA: true),
      FakeDevice(
        address: "0000:00:05.0", vendor: 0x1234, device: 0x1111, subsystemVendor: 0x1AF4,
        subsystemDevice: 0x1100, classCode: 0x03_0000, bootVGA: false),
      FakeDevice(
        address: "0000:00:05.1", vendor: 0x8086, device: 0x2668, subsystemVendor: 0x1AF4,
        subsystemDevice: 0x1100, classCode: 0x04_0300),
      FakeDevice(
        address: "0000:00:04.0", vendor: 0x1AF4, device: 0x1001, subsystemVendor: 0x1AF4,
        subsystemDevice: 0x0002, classCode: 0x01_0000),
    ])
  }

  @Test func plansTheSecondGPUAndItsAudio() throws {
    let root = try makeTree()
    let rules = try RuleParser.parseConfig(Array("non-boot-vga\n".utf8), file: "c")
    let plan = try PlanReport.make(
      sysfs: root.sys, rules: rules, options: BootOptions(), modules: [], protected: [])
    let text = PlanReport.text(plan, options: BootOptions(), ruleCount: 1)
    #expect(
      text.contains("0000:00:05.0 [1234:1111] -> vfio-pci (line 1: non-boot-vga)"))
    #expect(text.contains("0000:00:05.1 [8086:2668] -> vfio-pci (function of 0000:00:05.0)"))
    #expect(!text.contains("0000:00:03.0 [1234:1111] ->"))
    #expect(text.contains("Modules to load: vfio vfio_iommu_type1"))
  }

  @Test func showsTheBootGPURefusalAndCommandLineSwitches() throws {
    let root = try makeTree()
    let rules = try RuleParser.parseConfig(Array("1234:1111\n".utf8), file: "c")
    let options = BootOptions.parse(Array("quiet earlybind.dry_run earlybind.skip=zz".utf8))
    let plan = try PlanReport.make(
      sysfs: root.sys, rules: rules, options: options, modules: [], protected: [])
    let text = PlanReport.text(plan, options: options, ruleCount: 1)
    #expect(text.contains("0000:00:03.0 [1234:1111] skipped: boot GPU (boot_vga=1)"))
    #expect(text.contains("earlybind.dry_run is set"))
    #expect(text.contains("invalid address 'zz' in earlybind.skip"))
  }
}
