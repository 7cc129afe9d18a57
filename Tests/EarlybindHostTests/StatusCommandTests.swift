// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

@Suite struct StatusCommandTests {
  func report(_ devices: [(String, String, BindingReport.Outcome)]) -> BindingReport {
    var report = BindingReport()
    report.elapsedMicroseconds = 812
    report.entries = devices.map {
      BindingReport.Entry(
        address: address($0.0), id: PCIID(vendor: 0x10DE, device: 0x1B80), driver: $0.1,
        reason: "line 1", outcome: $0.2)
    }
    return report
  }

  @Test func comparesTheBootReportWithTheLiveDrivers() throws {
    let sysfs = try Workstation.build()
    let status = StatusReport(
      report: report([
        ("0000:02:00.1", "vfio-pci", .bound), ("0000:01:00.1", "vfio-pci", .bound),
      ]), sysfs: sysfs.sys, config: "/nonexistent", fileSystem: PosixFileSystem())
    #expect(status.devices.map(\.ok) == [true, false])
    #expect(!status.isHealthy)
    #expect(
      status.text().contains(
        "0000:01:00.1 [10de:1b80] -> vfio-pci: at boot bound, now snd_hda_intel  <-- not on vfio-pci"
      ))
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(JSONOutput.render(status).utf8))
        as? [String: Any])
    let devices = try #require(json["devices"] as? [[String: Any]])
    #expect(devices[1]["driver"] as? String == "snd_hda_intel")
    #expect(devices[1]["ok"] as? Bool == false)
  }

  @Test func hintsWhenARulesAddressNowHoldsAnotherDevice() throws {
    let sysfs = try Workstation.build()
    let dir = try TemporaryDirectory()
    let config = dir.path + "/earlybind.conf"
    // Written when 03:00.0 was a GPU; now it is an NVMe drive.
    try "0000:03:00.0 expect=10de:2204\n".write(toFile: config, atomically: true, encoding: .utf8)
    let status = StatusReport(
      report: report([]), sysfs: sysfs.sys, config: config, fileSystem: PosixFileSystem())
    #expect(status.hints.count == 2)
    #expect(status.hints[0].contains("expects [10de:2204]"))
    #expect(
      status.hints[1].hasSuffix(
        "no device [10de:2204] found elsewhere; check the hardware, then 'earlybind add' the"
          + " device where it is"))
    #expect(!status.isHealthy)
  }

  @Test func aMovedDeviceIsShownWithTheCommandThatFixesTheConfig() throws {
    let sysfs = try Machine.build(Renumbering.afterWithNIC)
    let dir = try TemporaryDirectory()
    let config = dir.path + "/earlybind.conf"
    try "0000:03:00.0 rebind expect=10de:1b80\n".write(
      toFile: config, atomically: true, encoding: .utf8)
    let status = StatusReport(
      report: report([]), sysfs: sysfs.sys, config: config, fileSystem: PosixFileSystem())
    #expect(!status.isHealthy)
    #expect(
      status.hints.contains {
        $0.hasSuffix(
          "is now at 0000:05:00.0 (path:1c.0/00.0/00.0); fix the config with:"
            + " earlybind remove 0000:03:00.0 && earlybind add 0000:05:00.0 rebind")
      })
    #expect(status.text().contains("  hint: rule '0000:03:00.0 rebind expect=10de:1b80'"))
  }

  @Test func noReportExitsWithTwo() throws {
    let run = try TestHost().run(StatusCommand.self, ["--report", "/nonexistent/report.json"])
    #expect(run.status.rawValue == 2)
  }

  @Test func withoutAReportJSONStillSaysSo() throws {
    let run = try TestHost().run(StatusCommand.self, ["--json"])
    #expect(run.status.rawValue == 2)
    #expect(run.errors.contains("the binder did not run this boot"))
    let json = try run.json()
    #expect(json["version"] as? Int == 1)
    #expect(json["state"] as? String == "not-run")
    #expect((json["message"] as? String)?.contains("no binder report at ") == true)
    #expect(json["healthy"] as? Bool == false)
    #expect(json["report_status"] is NSNull && json["elapsed_us"] is NSNull)
    #expect((json["devices"] as? [Any])?.isEmpty == true)
  }

  @Test func aDamagedReportIsUnreadableNotMissing() throws {
    let host = try TestHost()
    try host.directory.write("run/earlybind/report.json", "{\"version\":1,\"status\":")
    let run = try host.run(StatusCommand.self, ["--json"])
    #expect(run.status.rawValue == 2)
    #expect(try run.json()["state"] as? String == "unreadable")
    #expect(run.errors.contains("unreadable report"))
  }

  /// The report a real binder run left, read back by the command.
  @Test func theBindersReportIsReadAndComparedLive() throws {
    let sysfs = try Machine.build()
    let parsed = try rules("02:00.0 functions=none")
    try sysfs.writeTable(BindingTable(rules: parsed, modules: BindingTable.modules(for: parsed)))
    var binder = Binder(
      fileSystem: PosixFileSystem(), loader: NoModuleLoader(),
      log: KmsgLog(path: sysfs.kmsgPath),
      settings: BinderSettings(root: sysfs.root, tablePath: sysfs.tablePath))
    binder.run()
    let host = try TestHost(sysfs: sysfs)
    host.environment.paths.report = sysfs.reportPath
    // Nothing played the kernel's part: the target is not on vfio-pci.
    let failed = try host.run(StatusCommand.self, ["--json"])
    #expect(failed.status == .failure)
    let json = try failed.json()
    #expect(json["state"] as? String == "ran" && json["report_status"] as? String == "done")
    let devices = try #require(json["devices"] as? [[String: Any]])
    #expect(devices.map { $0["outcome"] as? String } == ["failed"])
    // Bound since: all is well.
    try sysfs.bind("0000:02:00.0", to: "vfio-pci")
    let healthy = try host.run(StatusCommand.self, [])
    #expect(healthy.status == .success)
    #expect(healthy.output.hasPrefix("binder at boot: done, 0 µs\n"))
    #expect(
      healthy.output.contains(
        "0000:02:00.0 [10de:1b80] -> vfio-pci: at boot failed, now vfio-pci\n"))
  }
}

/// The hardware inventory `status` keeps between boots.
@Suite struct HardwareChangesTests {
  /// What the binder reports on `devices`, in the boot `bootID`.
  func bootReport(_ devices: [FakeDevice], bootID: String, table: String) throws -> String {
    let fake = try Machine.build(devices)
    try fake.write("proc/sys/kernel/random/boot_id", bootID + "\n")
    let parsed = try rules(table)
    try fake.writeTable(BindingTable(rules: parsed, modules: BindingTable.modules(for: parsed)))
    var binder = Binder(
      fileSystem: PosixFileSystem(), loader: NoModuleLoader(), log: KmsgLog(path: fake.kmsgPath),
      settings: BinderSettings(root: fake.root, tablePath: fake.tablePath))
    binder.run()
    return try #require(fake.directory.read("run/earlybind/report.json"))
  }

  @Test func statusShowsWhatChangedSinceThePreviousBoot() throws {
    let host = try TestHost()
    let table = "path:1c.0/00.0/00.0 expect=10de:1b80:1458:3702"
    let inventory = host.environment.paths.inventory
    try host.directory.write(
      "run/earlybind/report.json",
      try bootReport(Renumbering.before, bootID: "boot-1", table: table))
    let first = try host.run(StatusCommand.self, ["--json"]).json()
    #expect(first["hardware"] is NSNull)  // nothing to compare with yet
    let stored = try BootInventory.decoded(
      from: try host.environment.fileSystem.readFile(inventory, limit: 1 << 20))
    #expect(stored.current.bootID == "boot-1" && stored.previous == nil)

    try host.directory.write(
      "run/earlybind/report.json", try bootReport(Renumbering.after, bootID: "boot-2", table: table)
    )
    let second = try host.run(StatusCommand.self, [])
    let lines = second.output.split(separator: "\n").map(String.init)
    let start = try #require(lines.firstIndex(of: "hardware since the previous boot:"))
    let changes = Array(lines[(start + 1)...])
    #expect(
      Set(changes) == [
        "  added: 0000:00:1b.0 [8086:a33c] (path:1b.0)",
        "  added: 0000:02:00.0 [1b21:1080] (path:1b.0/00.0)",
        "  added: 0000:03:00.0 [10de:1b80] (path:1b.0/00.0/00.0)",
        "  added: 0000:03:00.1 [10de:10f0] (path:1b.0/00.0/00.1)",
        "  moved: 0000:02:00.0 [1b21:1080] (path:1c.0/00.0) -> 0000:04:00.0 [1b21:1080] (path:1c.0/00.0)",
        "  moved: 0000:03:00.0 [10de:1b80] (path:1c.0/00.0/00.0) -> 0000:05:00.0 [10de:1b80] (path:1c.0/00.0/00.0)",
        "  moved: 0000:03:00.1 [10de:10f0] (path:1c.0/00.0/00.1) -> 0000:05:00.1 [10de:10f0] (path:1c.0/00.0/00.1)",
      ])
    // Asked again in the same boot: the same answer, the file unchanged.
    let before = try host.environment.fileSystem.readFile(inventory, limit: 1 << 20)
    let json = try host.run(StatusCommand.self, ["--json"]).json()
    let hardware = try #require(json["hardware"] as? [String: Any])
    #expect(hardware["previous_boot_id"] as? String == "boot-1")
    #expect((hardware["added"] as? [Any])?.count == 4)
    #expect((hardware["removed"] as? [Any])?.isEmpty == true)
    let moved = try #require(hardware["moved"] as? [[String: [String: Any]]])
    #expect(
      moved.contains {
        $0["to"]?["address"] as? String == "0000:05:00.0"
          && $0["from"]?["address"] as? String == "0000:03:00.0"
      })
    #expect(try host.environment.fileSystem.readFile(inventory, limit: 1 << 20) == before)
  }

  func function(_ address: String, _ id: String, path: String?) -> BootInventory.Function {
    BootInventory.Function(
      BindingReport.Function(
        address: EarlybindTestSupport.address(address),
        identity: PCIIdentity(id: PCIID(id)!, classCode: 0x03_0000),
        path: path.flatMap { PCIPath(parsing: ArraySlice($0.utf8)) }))
  }

  @Test func aCardMovedToAnotherSlotIsAMoveUnlessItHasATwin() {
    let old = [function("0000:03:00.0", "10de:1b80", path: "1c.0/00.0")]
    let new = [function("0000:06:00.0", "10de:1b80", path: "1d.0/00.0")]
    let moved = HardwareChanges(from: old, to: new)
    #expect(moved.moved.count == 1 && moved.added.isEmpty && moved.removed.isEmpty)
    // Twins on one side: never paired by guess.
    let twins = HardwareChanges(
      from: old, to: new + [function("0000:07:00.0", "10de:1b80", path: "1e.0/00.0")])
    #expect(twins.moved.isEmpty && twins.added.count == 2 && twins.removed.count == 1)
    let swapped = HardwareChanges(
      from: old, to: [function("0000:03:00.0", "1002:73bf", path: "1c.0/00.0")])
    #expect(swapped.added.count == 1 && swapped.removed.count == 1 && swapped.moved.isEmpty)
    #expect(HardwareChanges(from: old, to: old).isEmpty)
  }
}
