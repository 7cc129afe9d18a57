import ArgumentParser
import EarlybindCore
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

@Suite struct ConfigEditTests {
  @Test func editsKeepCommentsOrderAndTrailingComments() throws {
    var editor = ConfigEditor(
      text: "# header\n\nnon-boot-vga   # the GPUs\n0000:04:00.0 driver=nvme\n")
    let replaced = editor.upsert(try parseArguments(["non-boot-vga", "functions=none"]))
    #expect(replaced.line == 3 && replaced.replaced)
    let added = editor.upsert(try parseArguments(["10de:13c2", "group"]))
    #expect(added.line == 5 && !added.replaced)
    // 04:00.0 and 0000:04:00.0 are the same selector.
    #expect(editor.remove(try parseArguments(["04:00.0"]).selector) == 4)
    #expect(editor.remove(.nonBootVGA.self) == 3)
    #expect(editor.text == "# header\n\n10de:13c2 group\n")
  }

  @Test func addRecordsTheCurrentIDAndPrintsAValidConfig() throws {
    let sysfs = try Workstation.build()
    let dir = try TemporaryDirectory()
    let config = dir.path + "/earlybind.conf"
    try "# mine\nnon-boot-vga\n".write(toFile: config, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config)

    try AddCommand.parse(["0000:02:00.0", "rebind", "--config", config, "--sysfs", sysfs.sys])
      .run()
    #expect(
      try String(contentsOfFile: config, encoding: .utf8)
        == "# mine\nnon-boot-vga\n0000:02:00.0 rebind expect=10de:1b80\n")
    let mode = try FileManager.default.attributesOfItem(atPath: config)[.posixPermissions]
    #expect((mode as? NSNumber)?.intValue == 0o600)

    try RemoveCommand.parse(["02:00.0", "--config", config, "--sysfs", sysfs.sys]).run()
    #expect(try String(contentsOfFile: config, encoding: .utf8) == "# mine\nnon-boot-vga\n")
  }

  @Test func badWordsChangeNothing() throws {
    let dir = try TemporaryDirectory()
    let config = dir.path + "/earlybind.conf"
    try "non-boot-vga\n".write(toFile: config, atomically: true, encoding: .utf8)
    #expect {
      try AddCommand.parse(["0000:02:00.0", "functons", "--config", config]).run()
    } throws: { _ in true }
    #expect {
      _ = try parseArguments(["0000:02:00.0", "functons"])
    } throws: { error in
      String(describing: error).hasPrefix("arguments:1:14: unknown option 'functons'")
    }
    #expect(throws: (any Error).self) {
      try RemoveCommand.parse(["0000:09:00.0", "--config", config]).run()
    }
    #expect(try String(contentsOfFile: config, encoding: .utf8) == "non-boot-vga\n")
  }
}

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
      ]), sysfs: sysfs.sys, config: "/nonexistent")
    #expect(status.devices.map(\.ok) == [true, false])
    #expect(!status.isHealthy)
    #expect(
      status.text().contains(
        "0000:01:00.1 [10de:1b80] -> vfio-pci: at boot bound, now snd_hda_intel  <-- not on vfio-pci"
      ))
    let json = status.jsonObject()
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
    let status = StatusReport(report: report([]), sysfs: sysfs.sys, config: config)
    #expect(status.hints.count == 1)
    #expect(status.hints[0].contains("expects [10de:2204]"))
    #expect(!status.isHealthy)
  }

  @Test func noReportExitsWithTwo() throws {
    #expect {
      try StatusCommand.parse(["--report", "/nonexistent/report.json"]).run()
    } throws: { error in
      (error as? ExitCode)?.rawValue == 2
    }
  }
}
