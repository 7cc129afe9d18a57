// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

/// A set (a selected device and what follows it) goes to its driver whole
/// or not at all: a failed override clears what was written for the set.
extension BinderTests {
  /// Makes a device's driver_override unwritable (a directory: open fails).
  static func breakOverride(_ fake: FakeSysfs, _ address: String) throws {
    let path = fake.devicePath(address) + "/driver_override"
    try FileManager.default.removeItem(atPath: path)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
  }

  @Test func aLeaderWhoseOverrideFailsTakesNoFollowerAlong() throws {
    let fake = try Machine.build()
    try Self.breakOverride(fake, "0000:02:00.0")
    let result = try run(fake, table: "non-boot-vga")
    #expect(fake.override(of: "0000:02:00.1") == "")
    #expect(fake.driver(of: "0000:02:00.1") == nil)
    #expect(!result.kernel.sysfsWrites.contains { $0.contains("0000:02:00.1") })
    #expect(result.entries.map { $0["outcome"] as? String } == ["failed", "failed"])
    let detail =
      "override of 0000:02:00.0 failed; nothing of the set of 0000:02:00.0 was given to vfio-pci"
    #expect(result.entries.allSatisfy { $0["detail"] as? String == detail })
    #expect(result.kmsg.contains("<3>earlybind: " + detail))
    #expect(result.kernel.loads.isEmpty)
    #expect(result.kmsg.last == "<5>earlybind: 0 bound, 2 failed, 0 refused")
  }

  @Test func aFollowerWhoseOverrideFailsRollsTheLeaderBack() throws {
    let fake = try Machine.build(
      Machine.replacing(
        FakeDevice(
          address: "0000:02:00.0", vendor: 0x10DE, device: 0x1B80, classCode: 0x03_0000,
          bootVGA: false, driver: "nouveau", group: 2)))
    try Self.breakOverride(fake, "0000:02:00.1")
    let result = try run(fake, table: "non-boot-vga rebind")
    #expect(
      result.kernel.sysfsWrites == [
        "bus/pci/devices/0000:02:00.0/driver_override <- vfio-pci",
        "bus/pci/devices/0000:02:00.0/driver_override <- \n",
      ])
    // Nothing unbound: nouveau keeps the GPU it had.
    #expect(fake.driver(of: "0000:02:00.0") == "nouveau")
    #expect(result.kernel.override(of: "0000:02:00.0") == "")
    #expect(result.entries.map { $0["outcome"] as? String } == ["failed", "failed"])
  }

  @Test func otherSetsAreNotHeldBackByAFailedOne() throws {
    let fake = try Machine.build()
    try Self.breakOverride(fake, "0000:02:00.1")
    let result = try run(fake, table: "non-boot-vga\n00:14.0 functions=none")
    #expect(fake.driver(of: "0000:00:14.0") == "vfio-pci")
    #expect(fake.driver(of: "0000:02:00.0") == nil)
    #expect(result.entry("0000:00:14.0")?["outcome"] as? String == "bound")
    #expect(result.entry("0000:02:00.0")?["outcome"] as? String == "failed")
  }
}
