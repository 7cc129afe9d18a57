import EarlybindCore
import Foundation
import Testing

@testable import EarlybindHost

@Suite struct PlanCommandTests {
  /// Two identical GPUs, the second with an audio function, in a fake sysfs.
  func makeTree() throws -> URL {
    let root = try temporaryDirectory()
    let devices = root.appendingPathComponent("bus/pci/devices")
    let entries: [(String, String, String?)] = [
      ("0000:00:03.0", "pci:v00001234d00001111sv00001AF4sd00001100bc03sc00i00", "1"),
      ("0000:00:05.0", "pci:v00001234d00001111sv00001AF4sd00001100bc03sc00i00", "0"),
      ("0000:00:05.1", "pci:v00008086d00002668sv00001AF4sd00001100bc04sc03i00", nil),
      ("0000:00:04.0", "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00", nil),
    ]
    for (address, modalias, bootVGA) in entries {
      let dir = devices.appendingPathComponent(address)
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      try (modalias + "\n").write(
        to: dir.appendingPathComponent("modalias"), atomically: false, encoding: .utf8)
      if let bootVGA {
        try (bootVGA + "\n").write(
          to: dir.appendingPathComponent("boot_vga"), atomically: false, encoding: .utf8)
      }
    }
    return root
  }

  @Test func plansTheSecondGPUAndItsAudio() throws {
    let root = try makeTree()
    defer { try? FileManager.default.removeItem(at: root) }
    let rules = try RuleParser.parseConfig(Array("non-boot-vga\n".utf8), file: "c")
    let plan = try PlanReport.make(
      sysfs: root.path, rules: rules, options: BootOptions(), modules: [], protected: [])
    let text = PlanReport.text(plan, options: BootOptions(), ruleCount: 1)
    #expect(
      text.contains("0000:00:05.0 [1234:1111] -> vfio-pci (line 1: non-boot-vga)"))
    #expect(text.contains("0000:00:05.1 [8086:2668] -> vfio-pci (function of 0000:00:05.0)"))
    #expect(!text.contains("0000:00:03.0 [1234:1111] ->"))
    #expect(text.contains("Modules to load: vfio vfio_iommu_type1"))
  }

  @Test func showsTheBootGPURefusalAndCommandLineSwitches() throws {
    let root = try makeTree()
    defer { try? FileManager.default.removeItem(at: root) }
    let rules = try RuleParser.parseConfig(Array("1234:1111\n".utf8), file: "c")
    let options = BootOptions.parse(Array("quiet earlybind.dry_run earlybind.skip=zz".utf8))
    let plan = try PlanReport.make(
      sysfs: root.path, rules: rules, options: options, modules: [], protected: [])
    let text = PlanReport.text(plan, options: options, ruleCount: 1)
    #expect(text.contains("0000:00:03.0 [1234:1111] skipped: boot GPU (boot_vga=1)"))
    #expect(text.contains("earlybind.dry_run is set"))
    #expect(text.contains("invalid address 'zz' in earlybind.skip"))
  }
}
