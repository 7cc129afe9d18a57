// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

/// Runs the binary the initramfs ships (`scripts/build-init.sh`, which
/// `make build` and `make test` run first) on fake roots.
enum StaticBinary {
  static let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
  static let path = repository + "/.build-embedded/earlybind-init"

  struct Missing: Error, CustomStringConvertible {
    var what: String
    var description: String { what }
  }

  static func require() throws -> String {
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw Missing(what: path + " missing: build it with scripts/build-init.sh (make build)")
    }
    return path
  }

  static func strace() throws -> String {
    for candidate in ["/usr/bin/strace", "/bin/strace"]
    where FileManager.default.isExecutableFile(atPath: candidate) {
      return candidate
    }
    throw Missing(what: "strace missing: install the packages in scripts/packages.txt (make deps)")
  }

  /// Runs `executable arguments` to its end; returns the exit status.
  @discardableResult
  static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }

  /// Runs the binder on `fake`; false if it had not ended after `seconds`
  /// (it is then killed).
  static func endsInTime(_ fake: FakeSysfs, seconds: Double = 10) throws -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try require())
    process.arguments = ["--root", fake.root, "--no-modules"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    guard process.waitUntilExit(seconds: seconds) else { return false }
    #expect(process.terminationStatus == 0)
    return true
  }

  /// The file-related system calls of one run of the binder on `fake`,
  /// descriptors shown with their paths (strace -y).
  static func fileCalls(_ fake: FakeSysfs, _ arguments: [String] = []) throws -> [String] {
    let log = fake.root + "/strace.log"
    let status = try run(
      try strace(),
      ["-qq", "-y", "-e", "trace=%file,%desc", "-o", log, try require(), "--root", fake.root]
        + arguments)
    #expect(status == 0)
    let text = try String(contentsOfFile: log, encoding: .utf8)
    return text.split(separator: "\n").map(String.init)
  }
}

@Suite("earlybind-init (the static binary) under strace")
struct StaticBinaryTests {
  /// Paths libkmod reads when its context is created: the modprobe.d
  /// directories and the module tree's indexes.
  static func kmodCalls(_ calls: [String]) -> [String] {
    calls.filter { $0.contains("modprobe.d") || $0.contains("/lib/modules") }
  }

  func writeTable(_ fake: FakeSysfs, _ config: String) throws {
    let parsed = try rules(config)
    try fake.writeTable(BindingTable(rules: parsed, modules: BindingTable.modules(for: parsed)))
  }

  @Test func libkmodIsSetUpWhenAModuleMustBeLoaded() throws {
    let fake = try Machine.build()
    try writeTable(fake, "non-boot-vga")
    let calls = try StaticBinary.fileCalls(fake)
    let kmod = Self.kmodCalls(calls)
    // Under --root, libkmod reads the fake root's module tree and
    // modprobe.d, never the machine's.
    #expect(kmod.contains { $0.contains(fake.root + "/etc/modprobe.d") })
    #expect(kmod.contains { $0.contains(fake.root + "/lib/modules/") })
    #expect(kmod.allSatisfy { $0.contains(fake.root + "/") }, "\(kmod)")
    #expect(fake.override(of: "0000:02:00.0") == "vfio-pci")
  }

  /// The calls of one device that no rule selects.
  static func calls(of address: String, in calls: [String]) -> [String] {
    calls.filter { $0.contains(address) }.map { String($0.prefix { $0 != "(" }) }
  }

  @Test func aListingCostsEachDeviceOneReadRelativeToTheDirectory() throws {
    let fake = try Machine.build()
    try writeTable(fake, "class:0108")
    let calls = try StaticBinary.fileCalls(fake, ["--no-modules"])
    #expect(calls.filter { $0.hasPrefix("getdents64(") }.count >= 1)
    // 0000:00:14.2 (not selected, not VGA): its modalias, opened relative
    // to the devices directory's descriptor, type-checked, read, closed.
    #expect(Self.calls(of: "0000:00:14.2", in: calls) == ["openat", "fstat", "read", "close"])
    let open = try #require(calls.first { $0.contains("\"0000:00:14.2/modalias\"") })
    #expect(open.hasPrefix("openat(") && open.contains("/sys/bus/pci/devices>, "))
    #expect(open.contains("O_NONBLOCK"))
    // The VGA devices' boot_vga the same way.
    #expect(calls.contains { $0.contains("\"0000:01:00.0/boot_vga\"") })
  }

  @Test func anAddressRuleListsNothingAndReadsOnlyItsSlot() throws {
    let fake = try Machine.build()
    try writeTable(fake, "0000:02:00.0")
    let calls = try StaticBinary.fileCalls(fake, ["--no-modules"])
    #expect(!calls.contains { $0.hasPrefix("getdents64(") })
    for other in ["0000:00:14.2", "0000:01:00.0", "0000:03:00.0"] {
      #expect(Self.calls(of: other, in: calls).isEmpty, "\(other)")
    }
    #expect(calls.contains { $0.contains("\"0000:02:00.7/modalias\"") && $0.contains("ENOENT") })
    #expect(fake.override(of: "0000:02:00.0") == "vfio-pci")
  }

  /// FIFOs at the paths the binder reads and writes; every one used to
  /// block it for good.
  @Test(arguments: [
    [
      "proc/cmdline", "sys/devices/pci0000:00/0000:03:00.0/modalias",
      "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/boot_vga",
      "sys/devices/pci0000:00/0000:00:01.1/0000:02:00.1/driver_override",
      "sys/bus/pci/drivers_probe",
      "dev/kmsg",
    ],
    ["etc/earlybind/bindings.tbl"],
  ])
  func fifosNeverHoldTheBinderUp(_ paths: [String]) throws {
    let fake = try Machine.build()
    try writeTable(fake, "non-boot-vga")
    for path in paths {
      try FileManager.default.removeItem(atPath: fake.root + "/" + path)
      try makeFIFO(fake.root + "/" + path)
    }
    #expect(try StaticBinary.endsInTime(fake))
    let report = try fake.report()
    #expect(report["status"] as? String == (paths.count == 1 ? "table-error" : "done"))
    // The second GPU's set failed as a whole: its audio function's
    // override is a FIFO.
    let devices = report["devices"] as? [[String: Any]] ?? []
    #expect(devices.allSatisfy { $0["outcome"] as? String == "failed" })
    #expect(devices.count == (paths.count == 1 ? 0 : 2))
  }

  @Test(arguments: [
    ("earlybind=off", "non-boot-vga"),
    ("earlybind.dry_run", "non-boot-vga"),
    ("quiet", "1002:73bf"),
    ("quiet", "class:0c03 functions=none"),
  ])
  func libkmodIsNotSetUpWhenNothingIsLoaded(_ parameter: String, _ config: String) throws {
    let fake = try Machine.build(
      Machine.replacing(
        FakeDevice(
          address: "0000:00:14.0", vendor: 0x8086, device: 0xA36D, classCode: 0x0C_0330,
          driver: "vfio-pci", group: 3)),
      cmdline: "BOOT_IMAGE=/vmlinuz ro " + parameter + "\n")
    try writeTable(fake, config)
    let calls = try StaticBinary.fileCalls(fake)
    #expect(Self.kmodCalls(calls).isEmpty, "\(Self.kmodCalls(calls))")
    // The trace is of a binder at work: it read the command line.
    #expect(calls.contains { $0.contains(fake.root + "/proc/cmdline") })
  }

  /// `--root --no-modules` must not run the binder on a tree named
  /// `--no-modules` (and write a report there): it is a usage error.
  @Test func anOptionIsNeverTakenAsTheRoot() throws {
    let directory = try TemporaryDirectory()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try StaticBinary.require())
    process.arguments = ["--root", "--no-modules"]
    process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
    let errors = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    try process.run()
    let message = String(
      decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 2)
    #expect(message.hasPrefix("earlybind-init: --root needs a value (a directory)\n"))
    #expect(directory.list("").isEmpty)
  }
}
