// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

@Suite struct GroupsCommandTests {
  /// Group 14 behind a chipset root port: a GPU with audio, an igb NIC and
  /// the bridge itself; the boot GPU alone in group 2.
  func sharedGroup() throws -> FakeSysfs {
    try FakeSysfs(
      devices: [
        FakeDevice(
          address: "0000:00:02.0", vendor: 0x8086, device: 0x3E92, classCode: 0x030000,
          bootVGA: true, driver: "i915", group: 2),
        FakeDevice(
          address: "0000:00:1c.0", vendor: 0x8086, device: 0xA33C, classCode: 0x060400,
          driver: "pcieport", group: 14),
        FakeDevice(
          address: "0000:01:00.0", vendor: 0x10DE, device: 0x1B80, classCode: 0x030000,
          bootVGA: false, driver: "nouveau", group: 14),
        FakeDevice(
          address: "0000:01:00.1", vendor: 0x10DE, device: 0x10F0, classCode: 0x040300,
          driver: "snd_hda_intel", group: 14),
        FakeDevice(
          address: "0000:02:00.0", vendor: 0x8086, device: 0x1533, classCode: 0x020000,
          driver: "igb", group: 14),
      ], memory: MemoryFileSystem())
  }

  func groups(_ sysfs: FakeSysfs, config: String?, json: Bool = false) throws -> (
    text: String, warnings: [String]
  ) {
    var arguments = ["--sysfs", sysfs.sys]
    if json { arguments.append("--json") }
    if let config {
      try sysfs.write("earlybind.conf", config)
      arguments += ["--config", sysfs.root + "/earlybind.conf"]
    }
    return try TestHost(sysfs: sysfs).render(GroupsCommand.self, arguments)
  }

  @Test func namesTheMemberLeftBehind() throws {
    let sysfs = try sharedGroup()
    let output = try groups(sysfs, config: "0000:01:00.0\n")
    #expect(output.warnings.isEmpty)
    #expect(!output.text.contains("\u{1B}"))
    #expect(tableIsAligned(output.text))
    let lines = output.text.split(separator: "\n", omittingEmptySubsequences: false).map(
      String.init)
    #expect(
      Array(lines.prefix(6)) == [
        "GROUP  ADDRESS       CLASS            ID         DRIVER         RULE",
        "2      0000:00:02.0  0300 VGA         8086:3e92  i915           -",
        "14     0000:00:1c.0  0604 PCI bridge  8086:a33c  pcieport       -",
        "       0000:01:00.0  0300 VGA         10de:1b80  nouveau        line 1 selected",
        "       0000:01:00.1  0403 HD Audio    10de:10f0  snd_hda_intel  line 1 function",
        "       0000:02:00.0  0200 Ethernet    8086:1533  igb            -",
      ])
    #expect(
      lines.contains(
        "group 14: 0000:01:00.0 and 0000:01:00.1 are targets; 0000:02:00.0 [8086:1533] "
          + "(Ethernet, igb) is not: the guest will not get the group until it does"
          + " — add 'group' to line 1 or a rule for it"))
  }

  @Test func groupRuleTakesTheWholeGroupButTheBridge() throws {
    let sysfs = try sharedGroup()
    let output = try groups(sysfs, config: "# all of it\n0000:01:00.0 group\n", json: true)
    let object = try parseJSON(output.text)
    #expect(
      Set(object.keys) == ["version", "iommu", "config", "problems", "groups", "checks"])
    #expect(object["version"] as? Int == 1)
    #expect(object["iommu"] as? Bool == true)
    let groupList = try #require(object["groups"] as? [[String: Any]])
    #expect(groupList.map { $0["group"] as? String } == ["2", "14"])
    let members = try #require(groupList[1]["devices"] as? [[String: Any]])
    #expect(
      members.map { $0["address"] as? String } == [
        "0000:00:1c.0", "0000:01:00.0", "0000:01:00.1", "0000:02:00.0",
      ])
    let nic = members[3]
    #expect(
      Set(nic.keys) == [
        "address", "class", "class_name", "vendor", "device", "subsystem_vendor",
        "subsystem_device", "driver", "role", "line",
      ])
    #expect(nic["class"] as? String == "020000")
    #expect(nic["class_name"] as? String == "Ethernet")
    #expect(nic["vendor"] as? String == "8086" && nic["device"] as? String == "1533")
    #expect(nic["subsystem_vendor"] as? String == "0000")
    #expect(nic["driver"] as? String == "igb")
    #expect(nic["role"] as? String == "group" && nic["line"] as? Int == 2)
    #expect(members[0]["role"] is NSNull && members[0]["line"] is NSNull)

    let checks = try #require(object["checks"] as? [[String: Any]])
    #expect(checks.count == 1)
    let check = checks[0]
    #expect(
      Set(check.keys) == ["group", "lines", "targets", "missing", "bridges", "complete", "message"])
    #expect(check["group"] as? String == "14")
    #expect(check["lines"] as? [Int] == [2])
    #expect(check["targets"] as? [String] == ["0000:01:00.0", "0000:01:00.1", "0000:02:00.0"])
    #expect(check["missing"] as? [String] == [])
    #expect(check["bridges"] as? [String] == ["0000:00:1c.0"])
    #expect(check["complete"] as? Bool == true)
    #expect(
      check["message"] as? String
        == "group 14: 0000:01:00.0, 0000:01:00.1 and 0000:02:00.0 are targets; the whole group"
        + " goes with them (0000:00:1c.0 is a bridge and stays with the host)")
  }

  @Test func identicalGPUsEachTakeTheirOwnGroup() throws {
    let sysfs = try Workstation.build(memory: MemoryFileSystem())
    let output = try groups(sysfs, config: "non-boot-vga\n")
    #expect(
      output.text.contains(
        "group 2: 0000:02:00.0 and 0000:02:00.1 are targets; the whole group goes with them\n"))
    #expect(!output.text.contains("group 1:"))
    #expect(tableIsAligned(output.text))
  }

  @Test func refusedMemberIsNamed() throws {
    let sysfs = try sharedGroup()
    try sysfs.add(
      FakeDevice(
        address: "0000:03:00.0", vendor: 0x1234, device: 0x1111, classCode: 0x030000,
        bootVGA: true, group: 15))
    try sysfs.add(
      FakeDevice(
        address: "0000:03:00.1", vendor: 0x1234, device: 0x2222, classCode: 0x040300,
        driver: "snd_hda_intel", group: 15))
    // The boot GPU refused, its audio taken alone: the group cannot go.
    let output = try groups(sysfs, config: "0000:03:00.0\n0000:03:00.1 functions=none\n")
    #expect(
      output.text.contains(
        "group 15: 0000:03:00.1 is a target; 0000:03:00.0 [1234:1111] (VGA, no driver, refused"
          + " by line 1) is not: the guest will not get the group until it does\n"))
  }

  @Test func iommuOffIsAClearMessage() throws {
    let sysfs = try Workstation.build(iommu: false, memory: MemoryFileSystem())
    let output = try groups(sysfs, config: "non-boot-vga\n")
    #expect(output.text.hasPrefix("IOMMU is off: " + sysfs.sys + "/kernel/iommu_groups is empty"))
    #expect(output.warnings.isEmpty)
    let object = try parseJSON(try groups(sysfs, config: nil, json: true).text)
    #expect(object["iommu"] as? Bool == false)
    #expect((object["groups"] as? [Any])?.isEmpty == true)
    #expect((object["checks"] as? [Any])?.isEmpty == true)
    // Absent altogether (no IOMMU driver at all) reads the same.
    try sysfs.directory.remove("sys/kernel/iommu_groups")
    #expect(try groups(sysfs, config: nil).text.hasPrefix("IOMMU is off"))
    let run = try TestHost(sysfs: sysfs).run(GroupsCommand.self, ["--json"])
    #expect(run.status == .success)
    #expect(try run.json()["iommu"] as? Bool == false)
  }

  @Test func withoutConfigThereIsNoRuleColumn() throws {
    let sysfs = try sharedGroup()
    let output = try groups(sysfs, config: nil)
    let header = output.text.split(separator: "\n").first.map(String.init)
    #expect(header == "GROUP  ADDRESS       CLASS            ID         DRIVER")
    #expect(!output.text.contains("group 14:"))
  }
}
