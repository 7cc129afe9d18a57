// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

/// Plays the kernel's part on a fake tree: unbind, driver registration and
/// `drivers_probe`, and records every sysfs write and module load.
final class FakeKernelState {
  let fake: FakeSysfs
  var writes: [(path: String, text: String)] = []
  var loads: [String] = []
  /// Drivers registered so far (loaded modules or built in).
  var registered: Set<String> = []
  /// Module results; anything not listed loads.
  var results: [String: ModuleLoadResult] = [:]
  /// A driver that registers but whose probe never binds.
  var probeFails = false
  /// Writes to paths ending so fail with EBUSY, before anything changes.
  var failingWrites: [String] = []

  init(fake: FakeSysfs) { self.fake = fake }

  /// Writes relative to `<root>/sys`, for readable assertions.
  var sysfsWrites: [String] {
    writes.map { write in
      let path =
        write.path.hasPrefix(fake.sys + "/")
        ? String(write.path.dropFirst(fake.sys.count + 1)) : write.path
      return path + " <- " + write.text
    }
  }

  static func driverName(forModule module: String) -> String {
    module == "vfio_pci" || module == "pci_stub"
      ? module.replacingOccurrences(of: "_", with: "-") : module
  }

  func override(of address: String) -> String {
    (fake.override(of: address) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The kernel binds an unbound device whose override names `driver`.
  func probe(_ address: String, driver: String) {
    guard !probeFails, fake.driver(of: address) == nil, override(of: address) == driver else {
      return
    }
    try? fake.bind(address, to: driver)
  }

  func didWrite(_ path: String, _ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    writes.append((path, text))
    if path.hasSuffix("/driver_override") {
      // The attribute holds what was written last, not a file's overlay.
      try? Data(bytes).write(to: URL(fileURLWithPath: path))
    } else if path.hasSuffix("/driver/unbind") {
      fake.unbind(text)
    } else if path.hasPrefix(fake.sys + "/bus/pci/drivers/"), path.hasSuffix("/bind") {
      // A bind by name, which an override naming another driver refuses.
      let driver = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
      let wanted = override(of: text)
      if fake.driver(of: text) == nil, wanted.isEmpty || wanted == driver {
        try? fake.bind(text, to: driver)
      }
    } else if path == fake.sys + "/bus/pci/drivers_probe" {
      let wanted = override(of: text)
      if registered.contains(wanted) { probe(text, driver: wanted) }
    }
  }

  func load(_ module: ModuleRequest) -> ModuleLoadResult {
    loads.append(module.name)
    let result = results[module.name] ?? .loaded
    guard result.isUsable else { return result }
    let driver = Self.driverName(forModule: module.name)
    let fresh = !registered.contains(driver) && result == .loaded
    registered.insert(driver)
    if fresh {
      // A newly registered driver probes every unbound device it may take.
      for address in fake.addresses() { probe(address, driver: driver) }
    }
    return result
  }
}

struct RecordingFileSystem: FileSystem, FileCreating {
  let base = PosixFileSystem()
  let kernel: FakeKernelState

  func readFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
    try base.readFile(path, limit: limit)
  }

  func writeFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
    if kernel.failingWrites.contains(where: { path.hasSuffix($0) }) {
      throw SystemError(syscall: "write", path: path, errno: .busy)
    }
    try base.writeFile(path, bytes)
    kernel.didWrite(path, bytes)
  }

  func readLink(_ path: String) throws(SystemError) -> String { try base.readLink(path) }

  func listDirectory(_ path: String) throws(SystemError) -> [String] {
    try base.listDirectory(path)
  }

  func makeDirectories(_ path: String) throws(SystemError) { try base.makeDirectories(path) }

  func replaceFile(_ path: String, with bytes: [UInt8], mode: UInt32) throws(SystemError) {
    try base.replaceFile(path, with: bytes, mode: mode)
  }
}

struct FakeKernel: ModuleLoader {
  let state: FakeKernelState
  mutating func load(_ module: ModuleRequest) -> ModuleLoadResult { state.load(module) }
}

final class SteppingClock: @unchecked Sendable {
  var now: UInt64 = 1_000_000_000
  let step: UInt64
  init(step: UInt64) { self.step = step }
  func tick() -> UInt64 {
    defer { now += step }
    return now
  }
}

@Suite("Binder end to end on fake sysfs trees")
struct BinderTests {
  struct Run {
    var fake: FakeSysfs
    var kernel: FakeKernelState
    var report: BindingReport
    var json: [String: Any]
    var kmsg: [String]
    var stranded: [PCIAddress] = []

    var entries: [[String: Any]] { json["devices"] as? [[String: Any]] ?? [] }

    func entry(_ address: String) -> [String: Any]? {
      entries.first { $0["address"] as? String == address }
    }

    func strings(_ key: String) -> [String] { json[key] as? [String] ?? [] }
  }

  /// Runs the binder once on `fake` and collects what it left behind.
  func run(
    _ fake: FakeSysfs, table config: String? = nil, loadModules: Bool = true,
    clock: (() -> UInt64)? = nil, prepare: (FakeKernelState) -> Void = { _ in }
  ) throws -> Run {
    if let config {
      let parsed = try rules(config)
      try fake.writeTable(BindingTable(rules: parsed, modules: BindingTable.modules(for: parsed)))
    }
    let kernel = FakeKernelState(fake: fake)
    prepare(kernel)
    let settings = BinderSettings(
      root: fake.root, tablePath: fake.tablePath, loadModules: loadModules)
    var binder = Binder(
      fileSystem: RecordingFileSystem(kernel: kernel), loader: FakeKernel(state: kernel),
      log: KmsgLog(path: fake.kmsgPath), settings: settings, clock: clock ?? { 0 })
    let report = binder.run()
    let json = try fake.report()
    return Run(
      fake: fake, kernel: kernel, report: report, json: json, kmsg: fake.kmsgLines(),
      stranded: binder.stranded)
  }

  @Test func identicalGPUsTheSecondIsBoundWithItsAudio() throws {
    let result = try run(try Machine.build(), table: "non-boot-vga\n")
    let fake = result.fake
    #expect(fake.override(of: "0000:02:00.0") == "vfio-pci")
    #expect(fake.override(of: "0000:02:00.1") == "vfio-pci")
    #expect(fake.override(of: "0000:01:00.0") == "")
    #expect(fake.override(of: "0000:01:00.1") == "")
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(fake.driver(of: "0000:02:00.1") == "vfio-pci")
    #expect(fake.driver(of: "0000:01:00.0") == nil)
    #expect(
      result.kernel.sysfsWrites == [
        "bus/pci/devices/0000:02:00.0/driver_override <- vfio-pci",
        "bus/pci/devices/0000:02:00.1/driver_override <- vfio-pci",
      ])
    #expect(result.kernel.loads.contains("vfio_pci"))
    #expect(result.kernel.loads.contains("vfio_iommu_type1"))

    let json = result.json
    #expect(json["version"] as? Int == 2)
    #expect(json["status"] as? String == "done")
    #expect(json["message"] as? String == "")
    #expect(result.entries.count == 2)
    let gpu = try #require(result.entry("0000:02:00.0"))
    #expect(gpu["id"] as? String == "[10de:1b80]")
    #expect(gpu["driver"] as? String == "vfio-pci")
    #expect(gpu["reason"] as? String == "line 1")
    #expect(gpu["outcome"] as? String == "bound")
    #expect(gpu["detail"] as? String == "")
    let audio = try #require(result.entry("0000:02:00.1"))
    #expect(audio["id"] as? String == "[10de:10f0]")
    #expect(audio["reason"] as? String == "function of 0000:02:00.0")
    #expect(audio["outcome"] as? String == "bound")
    #expect(result.strings("refused").isEmpty)
    #expect(result.strings("unmatched_rules").isEmpty)
    #expect(result.strings("problems").isEmpty)
    #expect(result.strings("modules").contains("vfio_pci: loaded"))
    #expect(result.report.boundCount == 2)
    #expect(result.report.failedCount == 0)

    #expect(
      result.kmsg.contains(
        "<5>earlybind: 0000:02:00.0 [10de:1b80] -> vfio-pci (line 1: non-boot-vga)"))
    #expect(
      result.kmsg.contains(
        "<5>earlybind: 0000:02:00.1 [10de:10f0] -> vfio-pci (function of 0000:02:00.0)"))
    #expect(!result.kmsg.contains { $0.contains(" bound to vfio-pci") })
    #expect(result.kmsg.last == "<5>earlybind: 2 bound, 0 failed, 0 refused")
    #expect(!result.kmsg.contains { $0.hasPrefix("<7>") })
  }

  /// reset-method= and d3cold=off are written after the override and
  /// before drivers_probe; an attribute the device lacks is skipped and
  /// the device still binds.
  @Test func deviceSettingsAreWrittenBeforeTheProbe() throws {
    let fake = try Machine.build()
    try fake.write("sys/bus/pci/devices/0000:02:00.0/reset_method", "flr bus\n")
    try fake.write("sys/bus/pci/devices/0000:02:00.0/d3cold_allowed", "1\n")
    try fake.write("sys/bus/pci/devices/0000:02:00.1/d3cold_allowed", "1\n")
    // vfio-pci is built in: registered before the binder, so the binder probes.
    let result = try run(
      fake, table: "non-boot-vga reset-method=bus:flr d3cold=off\n",
      prepare: { _ = $0.registered.insert("vfio-pci") })
    #expect(
      result.kernel.sysfsWrites == [
        "bus/pci/devices/0000:02:00.0/driver_override <- vfio-pci",
        "bus/pci/devices/0000:02:00.1/driver_override <- vfio-pci",
        "bus/pci/devices/0000:02:00.0/reset_method <- bus flr",
        "bus/pci/devices/0000:02:00.0/d3cold_allowed <- 0",
        "bus/pci/devices/0000:02:00.1/d3cold_allowed <- 0",
        "bus/pci/drivers_probe <- 0000:02:00.0",
        "bus/pci/drivers_probe <- 0000:02:00.1",
      ])
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(fake.driver(of: "0000:02:00.1") == "vfio-pci")
    #expect(result.report.boundCount == 2)
    let gpu = try #require(result.entry("0000:02:00.0"))
    #expect(gpu["settings"] as? [String] == ["reset_method=bus flr", "d3cold_allowed=0"])
    let audio = try #require(result.entry("0000:02:00.1"))
    #expect(
      audio["settings"] as? [String] == [
        "reset_method=bus flr skipped: no such attribute", "d3cold_allowed=0",
      ])
    #expect(
      result.kmsg.contains(
        "<4>earlybind: 0000:02:00.1: reset_method not set (no such attribute);"
          + " skipped"))
    #expect(
      result.kmsg.contains(
        "<5>earlybind: 0000:02:00.0 [10de:1b80] -> vfio-pci (line 1: non-boot-vga);"
          + " sets reset_method=bus flr, d3cold_allowed=0"))
  }

  @Test func anAddressRuleWithExpectBindsTheGPUAndItsAudio() throws {
    let result = try run(try Machine.build(), table: "0000:02:00.0 expect=10de:1b80")
    #expect(result.fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(result.fake.driver(of: "0000:02:00.1") == "vfio-pci")
    #expect(result.strings("refused").isEmpty)
    #expect(result.report.boundCount == 2)
  }

  @Test func qemuBochsExampleLogsTheDocumentedLine() throws {
    let fake = try Machine.build([
      QEMU.vga("0000:00:02.0", boot: true), QEMU.vga("0000:00:05.0", boot: false),
    ])
    let result = try run(fake, table: "non-boot-vga")
    #expect(
      result.kmsg.first
        == "<5>earlybind: 0000:00:05.0 [1234:1111] -> vfio-pci (line 1: non-boot-vga)")
    #expect(result.kmsg.last == "<5>earlybind: 1 bound, 0 failed, 0 refused")
    #expect(fake.driver(of: "0000:00:02.0") == nil)
    #expect(fake.override(of: "0000:00:02.0") == "")
  }

  @Test func rebindUnbindsTheHolderFirst() throws {
    let fake = try Machine.build(
      Machine.replacing(
        Machine.guestGPU.bound(to: "nouveau"), Machine.guestAudio.bound(to: "snd_hda_intel")))
    let result = try run(fake, table: "non-boot-vga rebind")
    #expect(fake.unbindRequests("nouveau") == "0000:02:00.0")
    #expect(fake.unbindRequests("snd_hda_intel") == "0000:02:00.1")
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(fake.driver(of: "0000:02:00.1") == "vfio-pci")
    // The whole set's overrides first: nothing is unbound before every
    // override of the set is written.
    let writes = result.kernel.sysfsWrites
    #expect(
      writes == [
        "bus/pci/devices/0000:02:00.0/driver_override <- vfio-pci",
        "bus/pci/devices/0000:02:00.1/driver_override <- vfio-pci",
        "bus/pci/devices/0000:02:00.0/driver/unbind <- 0000:02:00.0",
        "bus/pci/devices/0000:02:00.1/driver/unbind <- 0000:02:00.1",
      ])
    #expect(result.entries.map { $0["outcome"] as? String } == ["bound", "bound"])
    #expect(
      result.kmsg.contains(
        "<5>earlybind: 0000:02:00.0 [10de:1b80] -> vfio-pci (line 1: non-boot-vga), unbinding nouveau"
      ))
  }

  /// The GPU is unbound, then its audio function's unbind fails: the set
  /// goes back to the drivers it had, and nothing is loaded or probed.
  @Test func anUnbindThatFailsGivesTheSetBackToItsDrivers() throws {
    let fake = try Machine.build(
      Machine.replacing(
        Machine.guestGPU.bound(to: "nouveau"), Machine.guestAudio.bound(to: "snd_hda_intel")))
    let result = try run(
      fake, table: "non-boot-vga rebind",
      prepare: { $0.failingWrites = ["0000:02:00.1/driver/unbind"] })
    #expect(fake.driver(of: "0000:02:00.0") == "nouveau")
    #expect(fake.driver(of: "0000:02:00.1") == "snd_hda_intel")
    #expect(result.kernel.override(of: "0000:02:00.0") == "")
    #expect(result.kernel.override(of: "0000:02:00.1") == "")
    #expect(
      result.kernel.sysfsWrites == [
        "bus/pci/devices/0000:02:00.0/driver_override <- vfio-pci",
        "bus/pci/devices/0000:02:00.1/driver_override <- vfio-pci",
        "bus/pci/devices/0000:02:00.0/driver/unbind <- 0000:02:00.0",
        "bus/pci/devices/0000:02:00.0/driver_override <- \n",
        "bus/pci/devices/0000:02:00.1/driver_override <- \n",
        "bus/pci/drivers/nouveau/bind <- 0000:02:00.0",
      ])
    #expect(result.kernel.loads.isEmpty)
    let detail =
      "cannot unbind 0000:02:00.1; the set of 0000:02:00.0 was given back to its drivers"
    #expect(result.entries.map { $0["outcome"] as? String } == ["failed", "failed"])
    #expect(result.entries.map { $0["detail"] as? String } == [detail, detail])
    #expect(result.kmsg.contains("<3>earlybind: " + detail))
    #expect(result.stranded.isEmpty)
  }

  /// When the driver the GPU had will not take it back, the log names the
  /// command that finishes the job and the set is noted as stranded.
  @Test func aSetThatCannotBeGivenBackNamesTheReleaseCommand() throws {
    let fake = try Machine.build(
      Machine.replacing(
        Machine.guestGPU.bound(to: "nouveau"), Machine.guestAudio.bound(to: "snd_hda_intel")))
    let result = try run(
      fake, table: "non-boot-vga rebind",
      prepare: { $0.failingWrites = ["0000:02:00.1/driver/unbind", "drivers/nouveau/bind"] })
    #expect(fake.driver(of: "0000:02:00.0") == nil)
    #expect(fake.driver(of: "0000:02:00.1") == "snd_hda_intel")
    #expect(result.kernel.override(of: "0000:02:00.0") == "")
    #expect(result.stranded == [address("0000:02:00.0")])
    #expect(result.kmsg.contains("<3>earlybind: 0000:02:00.0 is not back on nouveau"))
    #expect(
      result.kmsg.contains(
        "<3>earlybind: cannot unbind 0000:02:00.1; the set of 0000:02:00.0 could not be given"
          + " back to its drivers; run: earlybind release 0000:02:00.0"))
    #expect(result.report.failedCount == 2)
  }

  @Test func withoutRebindAHeldDeviceIsLeftToItsDriver() throws {
    let fake = try Machine.build(Machine.replacing(Machine.guestGPU.bound(to: "nouveau")))
    let result = try run(fake, table: "02:00.0 functions=none")
    #expect(fake.unbindRequests("nouveau") == "")
    #expect(fake.driver(of: "0000:02:00.0") == "nouveau")
    #expect(fake.override(of: "0000:02:00.0") == "vfio-pci")
    #expect(!result.kernel.writes.contains { $0.path.hasSuffix("unbind") })
    let entry = try #require(result.entry("0000:02:00.0"))
    #expect(entry["outcome"] as? String == "held")
    #expect(entry["detail"] as? String == "bound to nouveau (no rebind)")
    #expect(
      result.kmsg.contains(
        "<5>earlybind: 0000:02:00.0 [10de:1b80] -> vfio-pci (line 1: 0000:02:00.0), but nouveau is loaded and holds it (add rebind to take it)"
      ))
    #expect(result.kmsg.last == "<5>earlybind: 0 bound, 1 failed, 0 refused")
  }

  /// A built-in driver binds during kernel init, before the binder: the
  /// binder takes the device without `rebind`, as nothing later could.
  @Test func aBuiltInHolderIsUnboundWithoutRebind() throws {
    let fake = try Machine.build(Machine.all)
    try fake.addDriver("virtio-pci", builtIn: true)
    try fake.bind("0000:03:00.0", to: "virtio-pci")
    let result = try run(fake, table: "03:00.0")
    #expect(fake.unbindRequests("virtio-pci") == "0000:03:00.0")
    #expect(fake.driver(of: "0000:03:00.0") == "vfio-pci")
    #expect(result.entry("0000:03:00.0")?["outcome"] as? String == "bound")
    #expect(
      result.kmsg.contains(
        "<5>earlybind: 0000:03:00.0 [144d:a808] -> vfio-pci (line 1: 0000:03:00.0), taken from virtio-pci (built into the kernel, it binds before the binder runs)"
      ))
  }

  /// The same device held by a loaded module stays with it: that module was
  /// loaded on purpose before the binder, and only `rebind` overrides that.
  @Test func aLoadedModuleHolderIsNotUnbound() throws {
    let fake = try Machine.build(Machine.all)
    try fake.bind("0000:03:00.0", to: "nvme")
    let result = try run(fake, table: "03:00.0")
    #expect(fake.unbindRequests("nvme") == "")
    #expect(fake.driver(of: "0000:03:00.0") == "nvme")
    #expect(result.entry("0000:03:00.0")?["outcome"] as? String == "held")
  }

  @Test func alreadyBoundDevicesAreNotTouched() throws {
    let fake = try Machine.build(Machine.replacing(Machine.guestGPU.bound(to: "vfio-pci")))
    let result = try run(fake, table: "02:00.0 functions=none")
    #expect(result.kernel.writes.isEmpty)
    #expect(result.kernel.loads.isEmpty)
    #expect(fake.override(of: "0000:02:00.0") == "")
    #expect(result.entry("0000:02:00.0")?["outcome"] as? String == "already-bound")
    #expect(result.report.boundCount == 1)
  }

  @Test func earlybindOffWritesNothing() throws {
    let fake = try Machine.build(cmdline: "BOOT_IMAGE=/vmlinuz ro quiet earlybind=off\n")
    let result = try run(fake, table: "non-boot-vga\n10de:1b80 allow-boot-vga")
    #expect(result.kernel.writes.isEmpty)
    #expect(result.kernel.loads.isEmpty)
    #expect(
      fake.addresses().allSatisfy { fake.override(of: $0) == "" && fake.driver(of: $0) == nil })
    #expect(fake.probeRequests() == "")
    #expect(result.json["status"] as? String == "disabled")
    #expect(result.entries.isEmpty)
    #expect(result.kmsg == ["<5>earlybind: disabled by earlybind=off; nothing done"])
  }

  @Test func dryRunWritesNothingButLogs() throws {
    let fake = try Machine.build(cmdline: "ro earlybind.dry-run\n")
    let result = try run(fake, table: "non-boot-vga")
    #expect(result.kernel.writes.isEmpty)
    #expect(result.kernel.loads.isEmpty)
    #expect(fake.override(of: "0000:02:00.0") == "")
    #expect(fake.driver(of: "0000:02:00.0") == nil)
    #expect(result.json["status"] as? String == "dry-run")
    #expect(result.entries.count == 2)
    #expect(result.entries.allSatisfy { $0["outcome"] as? String == "planned" })
    #expect(
      result.kmsg.contains(
        "<5>earlybind: 0000:02:00.0 [10de:1b80] -> vfio-pci (line 1: non-boot-vga) [dry run]"))
  }

  /// After renumbering, the path rule binds the card it was written for,
  /// not the identical newcomer now at the card's old address.
  @Test func aPathRuleBindsTheSameCardAfterRenumbering() throws {
    let fake = try Machine.build(Renumbering.after)
    let result = try run(fake, table: "path:1c.0/00.0/00.0 expect=10de:1b80:1458:3702")
    #expect(fake.driver(of: "0000:05:00.0") == "vfio-pci")
    #expect(fake.driver(of: "0000:05:00.1") == "vfio-pci")
    #expect(fake.driver(of: "0000:03:00.0") == nil)
    #expect(fake.override(of: "0000:03:00.0") == "")
    #expect(result.entries.map { $0["address"] as? String } == ["0000:05:00.0", "0000:05:00.1"])
  }

  /// The address rule of old refuses the network card now at its address
  /// and says where the GPU went; nothing is bound.
  @Test func aMovedDeviceIsLoggedWhereItIsNow() throws {
    let fake = try Machine.build(Renumbering.afterWithNIC)
    let result = try run(fake, table: "0000:03:00.0 expect=10de:1b80")
    #expect(result.kernel.writes.isEmpty)
    let move =
      "rule '0000:03:00.0 expect=10de:1b80' (line 1): the expected device [10de:1b80]"
      + " is now at 0000:05:00.0 (path:1c.0/00.0/00.0)"
    #expect(result.kmsg.contains("<4>earlybind: " + move))
    #expect(result.strings("moves") == [move])
    #expect(result.strings("refused").count == 1)
  }

  /// The report lists every function with its path, and the boot's id,
  /// for the host's comparison between boots.
  @Test func theReportRecordsTheFunctionsItSaw() throws {
    let fake = try Machine.build(Renumbering.after)
    try fake.write("proc/sys/kernel/random/boot_id", "6d3f0c3e-8a1b-4c2d-9e0f-112233445566\n")
    let result = try run(fake, table: "path:1c.0/00.0/00.0")
    #expect(result.json["scan"] as? String == "all")
    #expect(result.json["boot_id"] as? String == "6d3f0c3e-8a1b-4c2d-9e0f-112233445566")
    let functions = try #require(result.json["functions"] as? [[String: Any]])
    #expect(functions.count == Renumbering.after.count)
    let gpu = try #require(functions.first { $0["address"] as? String == "0000:05:00.0" })
    #expect(gpu["id"] as? String == "10de:1b80")
    #expect(gpu["subsystem"] as? String == "1458:3702")
    #expect(gpu["class"] as? String == "030000")
    #expect(gpu["path"] as? String == "1c.0/00.0/00.0")
    // Address rules read only their slots: the report says so.
    let slots = try run(try Machine.build(Renumbering.after), table: "05:00.0")
    #expect(slots.json["scan"] as? String == "slots")
    #expect((slots.json["functions"] as? [Any])?.count == 2)
    // Without a path rule the bridges are not read (a read each): paths
    // only on the root bus, none guessed from bus numbers.
    let noTree = try run(try Machine.build(Renumbering.after), table: "10de:1b80")
    let listed = try #require(noTree.json["functions"] as? [[String: Any]])
    #expect(listed.count == Renumbering.after.count)
    for function in listed {
      let address = function["address"] as? String ?? ""
      if address.hasPrefix("0000:00:") {
        #expect(function["path"] as? String == String(address.dropFirst(8)))
      } else {
        #expect(function["path"] is NSNull, "\(address)")
      }
    }
  }

  @Test func corruptedTableBindsNothing() throws {
    let fake = try Machine.build(cmdline: "ro earlybind.bind=02:00.0\n")
    var bytes = try BindingTableCodec.encode(
      BindingTable(rules: try rules("non-boot-vga"), modules: [ModuleRequest(name: "vfio_pci")]))
    bytes[40] ^= 0x01
    try fake.writeTable(bytes)
    let result = try run(fake)
    #expect(result.kernel.writes.isEmpty)
    #expect(result.kernel.loads.isEmpty)
    #expect(fake.driver(of: "0000:02:00.0") == nil)
    #expect(result.json["status"] as? String == "table-error")
    let message = try #require(result.json["message"] as? String)
    #expect(message.hasPrefix(fake.tablePath + ": "))
    #expect(message.contains("checksum mismatch"))
    #expect(result.entries.isEmpty)
    #expect(
      result.kmsg.contains { $0.hasPrefix("<3>earlybind: ") && $0.hasSuffix("; binding nothing") })
  }

  /// A table of a newer format (as an older binder meets a version 3
  /// table): the version is named, nothing is bound, the run ends normally
  /// with its report, and the command line's rules are not applied either.
  @Test func aNewerTableVersionBindsNothingAndTheBootGoesOn() throws {
    let fake = try Machine.build(cmdline: "ro earlybind.bind=02:00.0\n")
    let bytes = try BindingTableCodec.encode(
      BindingTable(
        rules: try rules("path:01.1/00.0 expect=10de:1b80"),
        modules: [ModuleRequest(name: "vfio_pci")]))
    try fake.writeTable(
      TableLayout.patched(bytes) {
        TableLayout.write16(&$0, TableLayout.versionOffset, BindingTableCodec.version + 1)
      })
    let result = try run(fake)
    #expect(result.kernel.writes.isEmpty)
    #expect(result.kernel.loads.isEmpty)
    #expect(fake.driver(of: "0000:02:00.0") == nil)
    #expect(result.json["status"] as? String == "table-error")
    let message = try #require(result.json["message"] as? String)
    #expect(message.contains("version 4 (this binder reads version 3)"))
    #expect(result.kmsg.contains { $0.hasPrefix("<3>earlybind: ") && $0.contains("version 4") })
  }

  @Test(arguments: ["truncated", "empty", "directory", "trailing"])
  func unusableTablesBindNothing(_ damage: String) throws {
    let fake = try Machine.build()
    let bytes = try BindingTableCodec.encode(BindingTable(rules: try rules("non-boot-vga")))
    switch damage {
    case "truncated": try fake.writeTable(Array(bytes.prefix(bytes.count / 2)))
    case "empty": try fake.writeTable([])
    case "trailing": try fake.writeTable(bytes + [0])
    default:
      try FileManager.default.createDirectory(
        atPath: fake.tablePath, withIntermediateDirectories: true)
    }
    let result = try run(fake)
    #expect(result.json["status"] as? String == "table-error")
    #expect(result.kernel.writes.isEmpty)
    #expect(!(result.json["message"] as? String ?? "").isEmpty)
  }

  @Test func missingTableBindsFromTheCommandLine() throws {
    let fake = try Machine.build(cmdline: "ro quiet earlybind.bind=02:00.0+functions=none\n")
    let result = try run(fake)
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(fake.driver(of: "0000:02:00.1") == nil)
    #expect(fake.override(of: "0000:02:00.1") == "")
    #expect(result.json["status"] as? String == "done")
    #expect(result.entry("0000:02:00.0")?["reason"] as? String == "earlybind.bind")
    #expect(result.kmsg.contains("<6>earlybind: no binding table at " + fake.tablePath))
    #expect(
      result.kmsg.contains(
        "<5>earlybind: 0000:02:00.0 [10de:1b80] -> vfio-pci (earlybind.bind: 0000:02:00.0)"))
    #expect(result.kernel.loads.contains("vfio_pci"))
  }

  @Test func commandLineRulesAddToTheTable() throws {
    let fake = try Machine.build(cmdline: "earlybind.bind=00:14.0+driver=pci-stub\n")
    let result = try run(fake, table: "non-boot-vga")
    #expect(fake.driver(of: "0000:00:14.0") == "pci-stub")
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(result.kernel.loads.contains("pci_stub"))
    #expect(result.report.boundCount == 3)
  }

  @Test func noTableAndNoRulesDoesNothing() throws {
    let result = try run(try Machine.build())
    #expect(result.kernel.writes.isEmpty)
    #expect(result.kernel.loads.isEmpty)
    #expect(result.json["status"] as? String == "done")
    #expect(result.kmsg.contains("<6>earlybind: no rules; nothing to do"))
  }

  @Test func aProbeThatDoesNotBindIsReportedAsFailed() throws {
    let result = try run(
      try Machine.build(), table: "non-boot-vga", prepare: { $0.probeFails = true })
    #expect(result.entries.map { $0["outcome"] as? String } == ["failed", "failed"])
    #expect(result.entries.allSatisfy { $0["detail"] as? String == "driver is none" })
    #expect(
      result.kernel.sysfsWrites.contains("bus/pci/drivers_probe <- 0000:02:00.0")
        && result.kernel.sysfsWrites.contains("bus/pci/drivers_probe <- 0000:02:00.1"))
    #expect(
      result.kmsg.contains("<3>earlybind: 0000:02:00.0 not bound to vfio-pci: driver is none"))
    #expect(result.kmsg.last == "<5>earlybind: 0 bound, 2 failed, 0 refused")
    #expect(result.report.failedCount == 2)
  }

  @Test func aBuiltInDriverBindsThroughDriversProbe() throws {
    let result = try run(
      try Machine.build(), table: "non-boot-vga",
      prepare: { kernel in
        for module in ["vfio", "vfio_iommu_type1", "vfio_virqfd", "vfio_pci_core", "vfio_pci"] {
          kernel.results[module] = .builtin
        }
      })
    #expect(result.fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(result.fake.driver(of: "0000:02:00.1") == "vfio-pci")
    let probes = result.kernel.sysfsWrites.filter { $0.hasPrefix("bus/pci/drivers_probe") }
    #expect(
      probes == [
        "bus/pci/drivers_probe <- 0000:02:00.0", "bus/pci/drivers_probe <- 0000:02:00.1",
      ])
    #expect(result.entries.allSatisfy { $0["outcome"] as? String == "bound" })
    #expect(result.strings("modules").contains("vfio_pci: built in"))
  }

  @Test func withModuleLoadingOffTheLoaderIsNeverCalled() throws {
    let result = try run(
      try Machine.build(), table: "non-boot-vga", loadModules: false,
      prepare: { $0.registered.insert("vfio-pci") })
    #expect(result.kernel.loads.isEmpty)
    #expect(result.strings("modules").isEmpty)
    #expect(result.fake.driver(of: "0000:02:00.0") == "vfio-pci")
  }

  @Test func missingModulesAreLoggedOptionalOnesQuietly() throws {
    let result = try run(
      try Machine.build(), table: "non-boot-vga",
      prepare: { kernel in
        kernel.results["vfio_virqfd"] = .missing
        kernel.results["vfio_pci"] = .missing
      })
    #expect(result.kmsg.contains("<3>earlybind: module vfio_pci: not found"))
    #expect(!result.kmsg.contains { $0.contains("vfio_virqfd") })
    #expect(result.strings("modules").contains("vfio_virqfd: not found"))
    #expect(result.entries.allSatisfy { $0["outcome"] as? String == "failed" })
  }

  @Test func debugLogsUnmatchedDevicesAndModules() throws {
    let result = try run(
      try Machine.build(cmdline: "ro earlybind.debug\n"), table: "non-boot-vga")
    #expect(result.kmsg.contains("<7>earlybind: 0000:00:00.0 [8086:3e30] class 060000: no rule"))
    #expect(
      result.kmsg.contains("<7>earlybind: 0000:01:00.0 [10de:1b80] class 030000 boot_vga: no rule"))
    #expect(result.kmsg.contains("<7>earlybind: 0000:03:00.0 [144d:a808] class 010802: no rule"))
    #expect(
      !result.kmsg.contains {
        $0.hasPrefix("<7>earlybind: 0000:02:00.0") && $0.hasSuffix("no rule")
      })
    #expect(result.kmsg.contains("<7>earlybind: module vfio_pci: loaded"))
    #expect(result.kmsg.contains("<7>earlybind: 0000:02:00.0 bound to vfio-pci"))
    #expect(result.kmsg.contains("<7>earlybind: 0000:02:00.1 bound to vfio-pci"))
  }

  /// A devices directory full of junk names costs a fixed number of log
  /// lines and report entries, and the rest is counted, not lost silently.
  @Test func junkInTheDevicesDirectoryIsCappedInTheLogAndTheReport() throws {
    let fake = try Machine.build()
    for index in 0..<1000 {
      try fake.write("sys/bus/pci/devices/junk-" + String(index), "")
    }
    let result = try run(fake, table: "non-boot-vga")
    let junkLines = result.kmsg.filter { $0.contains("not a PCI address") }
    #expect(junkLines.count == ProblemList.maximumKept)
    let dropped = "968 more problems left out (only the first 32 are kept)"
    #expect(result.kmsg.contains("<4>earlybind: " + dropped))
    #expect(result.strings("problems").count == ProblemList.maximumKept + 1)
    #expect(result.strings("problems").last == dropped)
    // The junk changes nothing else.
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
  }

  @Test func aCommandLineCutAt64KiBIsLogged() throws {
    let cmdline =
      "ro earlybind.bind=02:00.0+functions=none "
      + String(repeating: "x", count: BootOptions.maximumCommandLine)
    let fake = try Machine.build(cmdline: cmdline)
    let result = try run(fake)
    let line =
      fake.root + "/proc/cmdline is longer than 65536 bytes; only its start was read"
    #expect(result.kmsg.contains("<4>earlybind: " + line))
    #expect(result.strings("problems") == [line])
    // What was read still counts.
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
  }

  @Test func aBadBindItemIsDroppedAloneAndLogged() throws {
    let fake = try Machine.build(
      cmdline: "ro earlybind.bind=10de:zzzz,02:00.0+functions=none,03:00.0+bogus\n")
    let result = try run(fake)
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(fake.driver(of: "0000:03:00.0") == nil)
    #expect(result.entries.map { $0["address"] as? String } == ["0000:02:00.0"])
    #expect(result.strings("problems").count == 2)
    #expect(
      result.kmsg.contains {
        $0.hasPrefix("<3>earlybind: kernel command line:1:19: invalid selector")
          && $0.hasSuffix("; ignored")
      })
    #expect(
      result.kmsg.contains {
        $0.hasPrefix("<3>earlybind: kernel command line:1:")
          && $0.contains("unknown option 'bogus'")
      })
  }

  @Test func refusalsAndUnmatchedRulesAreReported() throws {
    let result = try run(try Machine.build(), table: "10de:1b80\n1002:73bf rebind")
    #expect(
      result.strings("refused") == [
        "0000:01:00.0 [10de:1b80] skipped: boot GPU (boot_vga=1); add allow-boot-vga to take it"
      ])
    #expect(result.strings("unmatched_rules") == ["1002:73bf rebind"])
    #expect(
      result.kmsg.contains(
        "<4>earlybind: 0000:01:00.0 [10de:1b80] skipped: boot GPU (boot_vga=1); add allow-boot-vga to take it"
      ))
    #expect(
      result.kmsg.contains("<5>earlybind: rule '1002:73bf rebind' (line 2) matched no device"))
    #expect(result.kmsg.last == "<5>earlybind: 2 bound, 0 failed, 1 refused")
  }

  @Test func protectedAddressesFromTheTableAreRefused() throws {
    let fake = try Machine.build()
    let parsed = try rules("class:0108")
    try fake.writeTable(
      BindingTable(
        rules: parsed, modules: BindingTable.modules(for: parsed),
        protectedAddresses: [address("0000:03:00.0")]))
    let result = try run(fake)
    #expect(result.kernel.writes.isEmpty)
    #expect(result.kernel.loads.isEmpty)
    #expect(result.strings("refused").count == 1)
    #expect(
      result.strings("refused").first?.hasPrefix("0000:03:00.0 [144d:a808] skipped: ") == true)
  }

  @Test func commandLineProblemsAreLoggedAndReported() throws {
    let cmdline = "ro earlybind.bind=02:00.0+bogus earlybind.skip=zz\n"
    let result = try run(try Machine.build(cmdline: cmdline))
    let problems = result.strings("problems")
    #expect(problems.count == 2)
    #expect(problems.allSatisfy { $0.hasPrefix("kernel command line:1:") })
    #expect(
      result.kmsg.contains {
        $0.hasPrefix("<3>earlybind: kernel command line:1:") && $0.contains("'bogus'")
          && $0.hasSuffix("; ignored")
      })
    #expect(result.kernel.writes.isEmpty)
  }

  @Test func skipOnTheCommandLineIsHonoured() throws {
    let result = try run(
      try Machine.build(cmdline: "earlybind.skip=0000:02:00.0\n"), table: "non-boot-vga")
    #expect(result.kernel.writes.isEmpty)
    #expect(result.strings("refused").count == 1)
    #expect(result.strings("refused").first?.hasSuffix("listed in earlybind.skip") == true)
  }

  @Test func missingCommandLineFallsBackToDefaults() throws {
    let fake = try Machine.build()
    try FileManager.default.removeItem(atPath: fake.root + "/proc/cmdline")
    let result = try run(fake, table: "non-boot-vga")
    #expect(
      result.kmsg.first
        == "<4>earlybind: cannot read " + fake.root + "/proc/cmdline; using defaults")
    #expect(fake.driver(of: "0000:02:00.0") == "vfio-pci")
  }

  @Test func missingSysfsIsAScanErrorWithAReport() throws {
    let fake = try Machine.build()
    try FileManager.default.removeItem(atPath: fake.sys + "/bus/pci/devices")
    let result = try run(fake, table: "non-boot-vga")
    #expect(result.json["status"] as? String == "scan-error")
    #expect((result.json["message"] as? String)?.contains("ENOENT") == true)
    #expect(result.kernel.writes.isEmpty)
    #expect(result.kmsg.contains { $0.hasPrefix("<3>earlybind: cannot list PCI devices: ") })
  }

  @Test func anUnwritableReportDirectoryIsOnlyAWarning() throws {
    let fake = try Machine.build()
    try fake.directory.write("run", "not a directory")
    let kernel = FakeKernelState(fake: fake)
    var binder = Binder(
      fileSystem: RecordingFileSystem(kernel: kernel), loader: FakeKernel(state: kernel),
      log: KmsgLog(path: fake.kmsgPath),
      settings: BinderSettings(root: fake.root, tablePath: fake.tablePath))
    let report = binder.run()
    #expect(report.status == .done)
    #expect(fake.kmsgLines().contains { $0.hasPrefix("<4>earlybind: cannot write report: ") })
    #expect(!FileManager.default.fileExists(atPath: fake.reportPath))
  }

  @Test func elapsedTimeComesFromTheClock() throws {
    let clock = SteppingClock(step: 2_500_000)
    let result = try run(try Machine.build(), table: "non-boot-vga", clock: clock.tick)
    #expect(result.json["elapsed_us"] as? Int == 2500)
    #expect(result.report.elapsedMicroseconds == 2500)
  }

  @Test func reportIsReplacedOnEveryRun() throws {
    let fake = try Machine.build(cmdline: "earlybind=off")
    _ = try run(fake)
    try fake.setCmdline("earlybind.dry_run")
    let second = try run(fake, table: "non-boot-vga")
    #expect(second.json["status"] as? String == "dry-run")
    let names = try FileManager.default.contentsOfDirectory(atPath: fake.root + "/run/earlybind")
    #expect(names == ["report.json"])
  }
}
