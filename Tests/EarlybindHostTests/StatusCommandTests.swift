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
