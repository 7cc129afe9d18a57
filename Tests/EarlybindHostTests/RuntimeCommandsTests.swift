// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// Stands in for the kernel on a FakeSysfs: honours `driver/unbind` writes,
/// binds devices whose override names a driver when that driver "loads",
/// and reprobes on `drivers_probe` (override first, then the device's
/// usual driver from `hostDrivers`).
final class FakeKernel: ModuleLoader {
  let sysfs: FakeSysfs
  var hostDrivers: [String: String]
  var loaded: [String] = []

  init(sysfs: FakeSysfs, hostDrivers: [String: String] = [:]) throws {
    self.sysfs = sysfs
    self.hostDrivers = hostDrivers
    try sysfs.write("sys/bus/pci/drivers_probe", "")
    for name in ["nvidia", "snd_hda_intel", "vfio-pci", "pcieport"] {
      try sysfs.write("sys/bus/pci/drivers/\(name)/unbind", "")
    }
  }

  var devices: String { sysfs.sys + "/bus/pci/devices" }

  func driver(of address: String) -> String? {
    (try? FileManager.default.destinationOfSymbolicLink(
      atPath: devices + "/" + address + "/driver")).map {
        URL(fileURLWithPath: $0).lastPathComponent
      }
  }

  /// The first line, as the kernel reads a store: a plain file is not
  /// truncated by a write, so "\n" over "vfio-pci" leaves "\nfio-pci".
  func override(of address: String) -> String {
    let text =
      (try? String(contentsOfFile: devices + "/" + address + "/driver_override", encoding: .utf8))
      ?? ""
    return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
  }

  func bind(_ address: String, to driver: String) {
    try? FileManager.default.createSymbolicLink(
      atPath: devices + "/" + address + "/driver",
      withDestinationPath: sysfs.sys + "/bus/pci/drivers/" + driver)
  }

  /// Applies pending unbind and drivers_probe writes, as the kernel would
  /// have at write time.
  func settle() {
    let drivers = sysfs.sys + "/bus/pci/drivers"
    for name in (try? FileManager.default.contentsOfDirectory(atPath: drivers)) ?? [] {
      let file = drivers + "/" + name + "/unbind"
      guard let address = try? String(contentsOfFile: file, encoding: .utf8), !address.isEmpty
      else { continue }
      try? FileManager.default.removeItem(atPath: devices + "/" + address + "/driver")
      try? "".write(toFile: file, atomically: false, encoding: .utf8)
    }
    let probe = sysfs.sys + "/bus/pci/drivers_probe"
    if let address = try? String(contentsOfFile: probe, encoding: .utf8), !address.isEmpty,
      driver(of: address) == nil
    {
      let wanted = override(of: address)
      if wanted != "(null)" && !wanted.isEmpty {
        if loaded.contains(wanted) { bind(address, to: wanted) }
      } else if let host = hostDrivers[address] {
        bind(address, to: host)
      }
    }
  }

  func load(_ module: ModuleRequest) -> ModuleLoadResult {
    settle()
    let name = module.name == "vfio_pci" ? "vfio-pci" : module.name
    loaded.append(name)
    for address in (try? FileManager.default.contentsOfDirectory(atPath: devices)) ?? []
    where driver(of: address) == nil && override(of: address) == name {
      bind(address, to: name)
    }
    return .loaded
  }
}

@Suite struct RuntimeCommandsTests {
  @Test func applyTakesTheGroupFromItsDriversAndVerifies() throws {
    let sysfs = try Workstation.build()
    // Give 02:00.* host drivers first, as on a running system.
    try FileManager.default.removeItem(
      atPath: sysfs.sys + "/devices/pci0000:00/0000:02:00.1/driver")
    try sysfs.write("sys/devices/pci0000:00/0000:02:00.0/driver_override", "(null)\n")
    try sysfs.write("sys/devices/pci0000:00/0000:02:00.1/driver_override", "(null)\n")
    var kernel = try FakeKernel(sysfs: sysfs)
    kernel.bind("0000:02:00.0", to: "nvidia")
    kernel.bind("0000:02:00.1", to: "snd_hda_intel")
    let rules = [try RuleArguments.parse(["0000:02:00.0", "functions=none"])]
    let host = try TestHost(sysfs: sysfs)
    let report = try RuntimeBinding(sysfs: sysfs.sys, environment: host.environment).apply(
      rules: rules, protected: [], loader: &kernel, dryRun: false
    ).report
    // functions=none, but apply moves the whole IOMMU group (group 2).
    #expect(kernel.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(kernel.driver(of: "0000:02:00.1") == "vfio-pci")
    #expect(report.entries.map(\.outcome) == [.bound, .bound])
    #expect(report.failedCount == 0)
  }

  @Test func applyRefusesTheBootGPUAndProtectedDevices() throws {
    let sysfs = try Workstation.build()
    var kernel = try FakeKernel(sysfs: sysfs)
    let host = try TestHost(sysfs: sysfs)
    let report = try RuntimeBinding(sysfs: sysfs.sys, environment: host.environment).apply(
      rules: [
        try RuleArguments.parse(["0000:01:00.0"]), try RuleArguments.parse(["0000:03:00.0"]),
      ],
      protected: [PCIAddress("0000:03:00.0")!], loader: &kernel, dryRun: false
    ).report
    #expect(report.entries.isEmpty)
    #expect(kernel.driver(of: "0000:01:00.0") == "nvidia")
    #expect(kernel.driver(of: "0000:03:00.0") == "nvme")
    #expect(kernel.override(of: "0000:01:00.0") == "(null)")
    #expect(
      host.output.standardOutput.contains(
        "warning: 0000:01:00.0 [10de:1b80] skipped: boot GPU (boot_vga=1); add allow-boot-vga"
          + " to take it\n"))
    #expect(
      host.output.standardOutput.contains(
        "warning: 0000:03:00.0 [144d:a808] skipped: holds a filesystem the host needs"))
  }

  @Test func applyCommandUsesTheEnvironmentsLoaderAndGuard() throws {
    let sysfs = try Workstation.build()
    try sysfs.write("sys/devices/pci0000:00/0000:02:00.0/driver_override", "(null)\n")
    let kernel = try FakeKernel(sysfs: sysfs)
    let host = try TestHost(sysfs: sysfs)
    host.environment.moduleLoader = { kernel }
    host.guarded.add(address("0000:03:00.0"), what: "/", device: "nvme0n1p2", details: [])
    host.guarded.warn("swap (LABEL=x) matches no block device")
    let run = try host.run(ApplyCommand.self, ["0000:02:00.0"])
    #expect(run.status == .success, "\(run.output)")
    #expect(kernel.driver(of: "0000:02:00.0") == "vfio-pci")
    #expect(run.output.hasSuffix("2 bound, 0 failed, 0 refused\n"))
    #expect(run.errors == "earlybind: warning: swap (LABEL=x) matches no block device\n")
    let refused = try host.run(ApplyCommand.self, ["class:0108"])
    #expect(refused.status == .success)
    #expect(refused.output.contains("0000:03:00.0 [144d:a808] skipped: holds a filesystem"))
  }

  @Test func releaseTakesAnAddressArgument() throws {
    #expect(throws: (any Error).self) { _ = try ReleaseCommand.parse(["nonsense"]) }
    #expect(try ReleaseCommand.parse(["02:00.0"]).address == address("0000:02:00.0"))
    let host = try TestHost(sysfs: try Workstation.build())
    let run = try host.run(ReleaseCommand.self, ["0000:0a:00.0"])
    #expect(run.status == .failure)
    #expect(run.errors == "earlybind: no PCI device at 0000:0a:00.0\n")
  }

  @Test func releaseClearsTheOverrideUnbindsAndReprobesTheGroup() throws {
    let sysfs = try Workstation.build()
    let kernel = try FakeKernel(
      sysfs: sysfs, hostDrivers: ["0000:02:00.0": "nvidia", "0000:02:00.1": "snd_hda_intel"])
    // 02:00.0 has an override and no driver; 02:00.1 sits on vfio-pci.
    let host = try TestHost(sysfs: sysfs)
    let results = try RuntimeBinding(sysfs: sysfs.sys, environment: host.environment).release(
      PCIAddress("0000:02:00.0")!)
    #expect(results.map(\.address.description) == ["0000:02:00.0", "0000:02:00.1"])
    // The writes the kernel's sequence needs, in the files (a plain file
    // keeps only the last write: 02:00.1 is probed last).
    #expect(kernel.override(of: "0000:02:00.0") == "")
    #expect(kernel.override(of: "0000:02:00.1") == "")
    let unbind = try String(
      contentsOfFile: sysfs.sys + "/bus/pci/drivers/vfio-pci/unbind", encoding: .utf8)
    #expect(unbind == "0000:02:00.1")
    let probe = try String(contentsOfFile: sysfs.sys + "/bus/pci/drivers_probe", encoding: .utf8)
    #expect(probe == "0000:02:00.1")
    kernel.settle()
    #expect(kernel.driver(of: "0000:02:00.1") == "snd_hda_intel")
    #expect(throws: CommandFailure.self) {
      _ = try RuntimeBinding(sysfs: sysfs.sys, environment: host.environment).release(
        PCIAddress("0000:0a:00.0")!)
    }
  }

  /// Bridges are never bound, so release has nothing to give back; it
  /// says so, fails, and writes nothing.
  @Test(arguments: ["0000:00:00.0", "0000:00:01.0"])
  func releaseOfABridgeSaysBridgesStayWithTheHost(_ bridge: String) throws {
    let sysfs = try Workstation.build()
    let host = try TestHost(sysfs: sysfs)
    let run = try host.run(ReleaseCommand.self, [bridge])
    #expect(run.status == .failure)
    #expect(run.output.isEmpty)
    #expect(
      run.errors
        == "earlybind: \(bridge) is a bridge: bridges stay with the host and are never bound,"
        + " so there is nothing to release (give the address of a device behind it)\n")
    // Nothing of its group (the boot GPU behind 00:01.0) was touched.
    #expect(sysfs.driver(of: "0000:01:00.0") == "nvidia")
    let unbind = try? String(
      contentsOfFile: sysfs.sys + "/bus/pci/drivers/nvidia/unbind", encoding: .utf8)
    #expect(unbind ?? "" == "")
  }

  /// The audio function's unbind fails (its unbind file is a directory):
  /// the GPU keeps its driver, no override is left, and apply exits 1.
  @Test func applyGivesTheSetBackWhenAnUnbindFails() throws {
    let sysfs = try Workstation.build()
    try sysfs.write("sys/devices/pci0000:00/0000:02:00.0/driver_override", "(null)\n")
    try sysfs.write("sys/devices/pci0000:00/0000:02:00.1/driver_override", "(null)\n")
    try FileManager.default.removeItem(
      atPath: sysfs.sys + "/devices/pci0000:00/0000:02:00.1/driver")
    let kernel = try FakeKernel(sysfs: sysfs)
    kernel.bind("0000:02:00.0", to: "nvidia")
    try FileManager.default.createDirectory(
      atPath: sysfs.sys + "/bus/pci/drivers/broken/unbind", withIntermediateDirectories: true)
    kernel.bind("0000:02:00.1", to: "broken")
    let host = try TestHost(sysfs: sysfs)
    host.environment.moduleLoader = { kernel }
    let run = try host.run(ApplyCommand.self, ["0000:02:00.0"])
    #expect(run.status == .failure)
    #expect(
      run.output.contains(
        "error: cannot unbind 0000:02:00.1; the set of 0000:02:00.0 was given back to its drivers"
      ))
    #expect(!run.output.contains("earlybind release"))
    #expect(kernel.driver(of: "0000:02:00.0") == "nvidia")
    #expect(kernel.override(of: "0000:02:00.0") == "")
    #expect(kernel.override(of: "0000:02:00.1") == "")
    #expect(kernel.loaded.isEmpty)
  }
}
