// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// Standard output and error, kept.
final class CapturedOutput: TextOutput {
  var standardOutput = ""
  var standardError = ""

  func write(_ text: String) { standardOutput += text }
  func writeError(_ text: String) { standardError += text }
}

/// A module tree that has exactly the modules it is given.
struct FakeModuleTree: ModuleTree {
  var modules: Set<String> = ["vfio", "vfio_iommu_type1", "vfio_pci_core", "vfio_pci"]
  var builtin: Set<String> = []
  var setupError: String? = nil

  func availability(of name: String) -> KmodModules.Availability {
    if builtin.contains(name) { return .builtin }
    return modules.contains(name) ? .module(path: "/fake/" + name + ".ko") : .missing
  }
}

/// Runs nothing: records each command and answers with a set status and
/// output (0 and nothing unless told otherwise).
final class FakeRunner: ProcessRunner {
  var calls: [[String]] = []
  /// By command name.
  var statuses: [String: Int32] = [:]
  var outputs: [String: String] = [:]

  func run(_ arguments: [String]) throws(SystemError) -> Int32 {
    calls.append(arguments)
    return statuses[arguments[0]] ?? 0
  }

  func capture(_ arguments: [String]) throws(SystemError) -> Subprocess.Result {
    calls.append(arguments)
    return Subprocess.Result(
      status: statuses[arguments[0]] ?? 0, output: Array((outputs[arguments[0]] ?? "").utf8))
  }
}

/// How one command run ended, and what it printed.
struct CommandRun {
  var status: EarlybindHost.ExitStatus
  var output: String
  var errors: String

  /// Standard error's lines, each without its `earlybind: `.
  var warnings: [String] {
    errors.split(separator: "\n").map {
      $0.hasPrefix("earlybind: ") ? String($0.dropFirst("earlybind: ".count)) : String($0)
    }
  }

  func json() throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
  }
}

/// A machine made of fakes for the host's commands: every path under a
/// temp directory, or in memory with `memory` (sysfs from a FakeSysfs when
/// given), no root-disk controllers, a module tree with vfio, no process
/// run, output kept.
final class TestHost {
  let directory: any FakeTree
  let output = CapturedOutput()
  let runner = FakeRunner()
  var environment: HostEnvironment
  /// What the root-device guard reports.
  var guarded: RootDeviceReport {
    get { guardedBox.report }
    set { guardedBox.report = newValue }
  }
  private let guardedBox = GuardedBox()

  private final class GuardedBox {
    var report = RootDeviceReport()
  }

  /// Kept for as long as the host: its tree goes with it.
  let sysfs: FakeSysfs?

  /// In memory when `memory` is given or `sysfs` is in memory.
  init(sysfs: FakeSysfs? = nil, memory: MemoryFileSystem? = nil) throws {
    let memory = memory ?? (sysfs?.directory as? MemoryDirectory)?.fileSystem
    let directory: any FakeTree =
      try memory.map { try MemoryDirectory($0, path: "/host") } ?? TemporaryDirectory()
    self.directory = directory
    self.sysfs = sysfs
    let paths = HostPaths(
      sysfs: sysfs?.sys ?? directory.file("sys"), proc: directory.file("proc"),
      boot: directory.file("boot"), modules: directory.file("lib/modules"),
      config: directory.file("etc/earlybind.conf"),
      table: directory.file("etc/earlybind/bindings.tbl"),
      report: directory.file("run/earlybind/report.json"),
      inventory: directory.file("var/lib/earlybind/inventory.json"), root: directory.path,
      pciIDs: [directory.file("usr/share/misc/pci.ids")])
    environment = HostEnvironment(
      paths: paths, fileSystem: memory ?? PosixFileSystem(),
      rootGuard: { [guardedBox] in guardedBox.report },
      moduleTree: { _ in FakeModuleTree() }, moduleLoader: { NoModuleLoader() }, runner: runner,
      output: output, kernelRelease: "6.1.0-test", colour: false,
      executable: "/usr/sbin/earlybind")
    // The files a test makes are its own: trusted, whoever runs the tests.
    environment.trustedUID = memory?.owner ?? ProcessEnvironment.effectiveUID
  }

  /// Parses `arguments` as the command line would and runs the command.
  func run<Command: HostCommand>(_ type: Command.Type, _ arguments: [String]) throws -> CommandRun {
    let command = try type.parse(arguments)
    return run(command)
  }

  func run<Command: HostCommand>(_ command: Command) -> CommandRun {
    output.standardOutput = ""
    output.standardError = ""
    let status = command.perform(in: environment)
    return CommandRun(
      status: status, output: output.standardOutput, errors: output.standardError)
  }
}

extension TestHost {
  /// Runs a command as the command line would, on this host (a colour
  /// terminal when `colour`): standard output and the warnings.
  func render<Command: HostCommand>(
    _ type: Command.Type, _ arguments: [String], colour: Bool = false
  ) throws -> (text: String, warnings: [String]) {
    environment.colour = colour
    let run = try run(type, arguments)
    #expect(run.status == .success, "\(run.errors)")
    return (run.output, run.warnings)
  }
}
