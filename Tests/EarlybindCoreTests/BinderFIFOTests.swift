// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

/// A FIFO where the binder expects a file must never hold it up: each is an
/// error, logged, and the boot goes on.
extension BinderTests {
  final class Unchecked<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
  }

  /// Runs the binder on `fake` with a FIFO at `relative` (below the root),
  /// failing (not hanging) if it blocks.
  func runWithFIFO(
    _ fake: FakeSysfs, at relative: String, table config: String = "non-boot-vga",
    loadModules: Bool = true, prepare: (FakeKernelState) -> Void = { _ in }
  ) throws -> Run? {
    let parsed = try rules(config)
    try fake.writeTable(BindingTable(rules: parsed, modules: BindingTable.modules(for: parsed)))
    let fifo = fake.root + "/" + relative
    try? FileManager.default.removeItem(atPath: fifo)
    try makeFIFO(fifo)
    let kernel = FakeKernelState(fake: fake)
    prepare(kernel)
    // Lines kmsg refuses go here rather than to the test run's stderr.
    let stderr = open("/dev/null", O_WRONLY)
    defer { close(stderr) }
    let binder = Unchecked(
      Binder(
        fileSystem: RecordingFileSystem(kernel: kernel), loader: FakeKernel(state: kernel),
        log: KmsgLog(path: fake.kmsgPath, fallback: stderr),
        settings: BinderSettings(
          root: fake.root, tablePath: fake.tablePath, loadModules: loadModules)
      ))
    let report = Unchecked<BindingReport?>(nil)
    let finished = finishes("the binder with a FIFO at " + relative, release: { releaseFIFO(fifo) })
    {
      report.value = binder.value.run()
    }
    guard finished, let done = report.value else { return nil }
    return Run(
      fake: fake, kernel: kernel, report: done, json: try fake.report(), kmsg: fake.kmsgLines())
  }

  static let fifoText = "a FIFO where a regular file was expected"

  @Test func aFIFOTableIsATableError() throws {
    let fake = try Machine.build()
    let result = try #require(try runWithFIFO(fake, at: "etc/earlybind/bindings.tbl"))
    #expect(result.json["status"] as? String == "table-error")
    #expect((result.json["message"] as? String)?.contains(Self.fifoText) == true)
    #expect(result.kernel.writes.isEmpty)
  }

  @Test func aFIFOCommandLineMeansDefaults() throws {
    let fake = try Machine.build()
    let result = try #require(try runWithFIFO(fake, at: "proc/cmdline"))
    #expect(
      result.kmsg.first == "<4>earlybind: cannot read " + fake.root
        + "/proc/cmdline; using defaults")
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
  }

  @Test func aFIFOModaliasSkipsThatDevice() throws {
    let fake = try Machine.build()
    let result = try #require(
      try runWithFIFO(fake, at: "sys/devices/pci0000:00/0000:03:00.0/modalias"))
    #expect(
      result.strings("problems").contains {
        $0.contains("0000:03:00.0/modalias") && $0.contains(Self.fifoText)
      })
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
  }

  @Test func aFIFOOverrideFailsItsSet() throws {
    let fake = try Machine.build()
    let result = try #require(
      try runWithFIFO(fake, at: "sys/devices/pci0000:00/0000:00:01.1/0000:02:00.0/driver_override"))
    #expect(result.entries.map { $0["outcome"] as? String } == ["failed", "failed"])
    #expect(fake.override(of: "0000:02:00.1") == "")
  }

  @Test func aFIFODriversProbeIsAFailedProbe() throws {
    let fake = try Machine.build()
    let result = try #require(
      try runWithFIFO(
        fake, at: "sys/bus/pci/drivers_probe", loadModules: false,
        prepare: { $0.registered.insert("vfio-pci") }))
    #expect(result.entries.map { $0["outcome"] as? String } == ["failed", "failed"])
    #expect(result.entries.allSatisfy { $0["detail"] as? String == "driver is none" })
  }

  @Test func aFIFOKmsgIsNotWrittenTo() throws {
    let fake = try Machine.build()
    let result = try #require(try runWithFIFO(fake, at: "dev/kmsg"))
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(result.json["status"] as? String == "done")
  }
}
