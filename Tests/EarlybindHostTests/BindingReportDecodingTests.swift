// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// report.json is written by the binder's own code and read by the host's
/// decoder: these tests hold the two together, every field.
@Suite struct BindingReportDecodingTests {
  func decode(_ text: String) throws -> BindingReport {
    try JSONDecoder().decode(BindingReport.self, from: Data(text.utf8))
  }

  /// A report with every field set, and text that needs escaping.
  static func everyField(_ status: BindingReport.Status) -> BindingReport {
    var report = BindingReport()
    report.status = status
    report.message = "/etc/earlybind/bindings.tbl: \"quoted\"\n\ttab, back\\slash, \u{1} and é"
    report.elapsedMicroseconds = 123_456
    report.entries = BindingReport.Outcome.allCases.enumerated().map { index, outcome in
      BindingReport.Entry(
        address: PCIAddress(domain: 0x10000, bus: 0xE1, device: UInt8(index), function: 1),
        id: PCIID(vendor: 0x10DE, device: UInt16(0x1B80 + index)), driver: "vfio-pci",
        reason: "IOMMU group 14 of 0000:01:00.0", outcome: outcome,
        detail: outcome.isFailure ? "driver is none" : "")
    }
    report.refusals = ["0000:01:00.0 [10de:1b80] skipped: boot GPU (boot_vga=1)"]
    report.unmatchedRules = ["1002:73bf rebind"]
    report.moves = [
      "rule '03:00.0 expect=10de:1b80' (line 1): the expected device [10de:1b80] is now at 0000:05:00.0"
    ]
    report.modules = ["vfio: loaded", "vfio_virqfd: not found"]
    report.problems = ["kernel command line:1:5: unknown parameter 'earlybind.x'"]
    report.scan = .all
    report.bootID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    report.functions = [
      BindingReport.Function(
        address: PCIAddress(domain: 0x10000, bus: 0xE1, device: 0, function: 1),
        identity: PCIIdentity(
          vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458, subsystemDevice: 0x3702,
          classCode: 0x03_0000),
        path: PCIPath(domain: 0x10000, rootBus: 0xE0, hops: [0xE8, 0, 1])),
      BindingReport.Function(
        address: PCIAddress(bus: 0, device: 0x1F, function: 3),
        identity: PCIIdentity(vendor: 0x8086, device: 0xA348, classCode: 0x04_0380), path: nil),
    ]
    return report
  }

  @Test(arguments: BindingReport.Status.allCases)
  func everyFieldTheWriterWritesIsDecoded(_ status: BindingReport.Status) throws {
    let report = Self.everyField(status)
    #expect(try decode(report.json()) == report)
  }

  @Test func anEmptyReportRoundTrips() throws {
    #expect(try decode(BindingReport().json()) == BindingReport())
  }

  /// The file a real binder run leaves behind, decoded as `earlybind status` reads it.
  @Test(arguments: ["ro\n", "ro earlybind.dry_run\n", "ro earlybind=off\n"])
  func decodesTheFileTheBinderWrote(_ cmdline: String) throws {
    let fake = try Machine.build(cmdline: cmdline)
    let parsed = try rules("non-boot-vga\n10de:1b80\n1002:73bf")
    try fake.writeTable(BindingTable(rules: parsed, modules: BindingTable.modules(for: parsed)))
    var binder = Binder(
      fileSystem: PosixFileSystem(), loader: NoModuleLoader(), log: KmsgLog(path: fake.kmsgPath),
      settings: BinderSettings(root: fake.root, tablePath: fake.tablePath))
    let written = binder.run()
    let text = try #require(fake.directory.read("run/earlybind/report.json"))
    #expect(try decode(text) == written)
  }

  @Test func anotherVersionIsRefused() throws {
    let text = BindingReport().json().replacingOccurrences(
      of: "\"version\":2,", with: "\"version\":3,")
    #expect {
      _ = try decode(text)
    } throws: { error in
      String(describing: error).contains("report version 3; this earlybind reads version 2")
    }
  }

  /// A report of the binder before moves (until the next boot after an
  /// upgrade): read, with no moves.
  @Test func aVersionOneReportIsReadWithoutMoves() throws {
    var report = Self.everyField(.done)
    report.moves = []
    report.scan = .none
    report.bootID = ""
    report.functions = []
    let text = report.json().replacingOccurrences(of: "\"version\":2,", with: "\"version\":1,")
      .replacingOccurrences(of: ",\"moves\":[]", with: "")
      .replacingOccurrences(of: ",\"boot_id\":\"\",\"scan\":\"none\",\"functions\":[]", with: "")
    #expect(!text.contains("moves"))
    #expect(try decode(text) == report)
  }

  @Test(arguments: [
    "status", "message", "elapsed_us", "devices", "refused", "unmatched_rules", "moves",
    "modules", "problems", "boot_id", "scan", "functions",
  ])
  func aMissingKeyIsAnErrorNotADefault(_ key: String) throws {
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(Self.everyField(.done).json().utf8))
        as? [String: Any])
    let without = object.filter { $0.key != key }
    let data = try JSONSerialization.data(withJSONObject: without)
    #expect(throws: DecodingError.self) {
      _ = try JSONDecoder().decode(BindingReport.self, from: data)
    }
  }

  @Test(arguments: [
    ("address", "\"03:00\""), ("id", "\"10de:1b80\""), ("outcome", "\"bound-ish\""),
  ])
  func aMalformedEntryIsAnError(_ key: String, _ value: String) throws {
    var report = BindingReport()
    report.entries = [
      BindingReport.Entry(
        address: address("0000:02:00.0"), id: PCIID(vendor: 0x10DE, device: 0x1B80),
        driver: "vfio-pci", reason: "line 1", outcome: .bound)
    ]
    let original: String
    switch key {
    case "address": original = "\"0000:02:00.0\""
    case "id": original = "\"[10de:1b80]\""
    default: original = "\"bound\""
    }
    let text = report.json().replacingOccurrences(
      of: "\"" + key + "\":" + original, with: "\"" + key + "\":" + value)
    #expect(text != report.json())
    #expect(throws: DecodingError.self) { _ = try decode(text) }
  }
}
