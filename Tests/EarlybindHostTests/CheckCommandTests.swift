import ArgumentParser
import EarlybindCore
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// A host around a fake sysfs: /proc, /boot and a config in temp dirs; the
/// module tree is the real one of the installed Debian kernel.
struct FakeHost {
  let sysfs: FakeSysfs
  let dir: TemporaryDirectory
  let kernel: String

  init(sysfs: FakeSysfs, interrupts: String = " 24: IR-PCI-MSI 512000-edge ahci\n") throws {
    self.sysfs = sysfs
    dir = try TemporaryDirectory()
    kernel = try installedKernel()
    try FileManager.default.createDirectory(atPath: proc, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: boot, withIntermediateDirectories: true)
    try "vendor_id\t: AuthenticAMD\n".write(
      toFile: proc + "/cpuinfo", atomically: true, encoding: .utf8)
    try interrupts.write(toFile: proc + "/interrupts", atomically: true, encoding: .utf8)
    FileManager.default.createFile(atPath: boot + "/vmlinuz-" + kernel, contents: Data())
    FileManager.default.createFile(atPath: boot + "/initrd.img-" + kernel, contents: Data())
  }

  var proc: String { dir.path + "/proc" }
  var boot: String { dir.path + "/boot" }
  var config: String { dir.path + "/earlybind.conf" }

  func check(
    config text: String?,
    image: [String]? = ["usr/sbin/earlybind-init", "etc/earlybind/bindings.tbl"],
    protected: [PCIAddress] = []
  ) throws -> [Finding] {
    if let text { try text.write(toFile: config, atomically: true, encoding: .utf8) }
    var check = HostCheck()
    check.sysfs = sysfs.sys
    check.proc = proc
    check.boot = boot
    check.config = config
    check.root = dir.path
    check.rootGuard = { (protected, []) }
    check.listImage = { _ in image }
    return check.run()
  }
}

func levels(_ findings: [Finding], _ topic: String) -> [Finding.Level] {
  findings.filter { $0.topic == topic }.map(\.level)
}

@Suite struct CheckCommandTests {
  @Test func aHealthyHostIsAllOkExceptTheMissingHooks() throws {
    let host = try FakeHost(sysfs: try Workstation.build())
    let findings = try host.check(config: "non-boot-vga\n")
    #expect(levels(findings, "iommu") == [.ok])
    #expect(levels(findings, "interrupts") == [.ok])
    #expect(levels(findings, "kernel \(host.kernel)") == [.ok])
    #expect(levels(findings, "image \(host.kernel)") == [.ok])
    #expect(levels(findings, "config") == [.ok])
    #expect(levels(findings, "display") == [.ok])
    #expect(findings.first { $0.topic == "display" }?.message == "the host keeps 0000:01:00.0")
    #expect(levels(findings, "groups") == [.ok])
    // No hook under the fake root.
    #expect(levels(findings, "hooks") == [.error])
  }

  @Test func iommuOffSaysWhatToAddForThisCPU() throws {
    let host = try FakeHost(sysfs: try Workstation.build(iommu: false))
    let findings = try host.check(config: "non-boot-vga\n")
    let iommu = try #require(findings.first { $0.topic == "iommu" })
    #expect(iommu.level == .error)
    #expect(iommu.message.contains("amd_iommu=on iommu=pt"))
  }

  @Test func missingInterruptRemappingIsAWarningNamingTheTradeOff() throws {
    let host = try FakeHost(
      sysfs: try Workstation.build(), interrupts: " 24: PCI-MSI 512000-edge ahci\n")
    let findings = try host.check(config: "non-boot-vga\n")
    let interrupts = try #require(findings.first { $0.topic == "interrupts" })
    #expect(interrupts.level == .warning)
    #expect(interrupts.message.contains("allow_unsafe_interrupts"))
  }

  @Test func anImageWithoutTheBinderIsAnError() throws {
    let host = try FakeHost(sysfs: try Workstation.build())
    let findings = try host.check(config: "non-boot-vga\n", image: ["init", "usr/bin/udevadm"])
    let image = try #require(findings.first { $0.topic == "image \(host.kernel)" })
    #expect(image.level == .error)
    #expect(image.message.contains("has no earlybind binder"))
    let unreadable = try host.check(config: nil, image: nil)
    #expect(levels(unreadable, "image \(host.kernel)") == [.warning])
  }

  @Test func takingEveryDisplayLeavesTheHostBlind() throws {
    let host = try FakeHost(sysfs: try Workstation.build())
    let findings = try host.check(config: "10de:1b80 allow-boot-vga\n")
    #expect(levels(findings, "display") == [.error])
  }

  @Test func aRuleOnTheRootControllerIsAnError() throws {
    let host = try FakeHost(sysfs: try Workstation.build())
    let findings = try host.check(
      config: "class:0108\n", protected: [PCIAddress("0000:03:00.0")!])
    let root = try #require(findings.first { $0.topic == "root device" })
    #expect(root.level == .error)
    #expect(root.message.hasPrefix("0000:03:00.0 [144d:a808] skipped: holds a filesystem"))
  }

  @Test func unmatchedRulesBootGPUAndIncompleteGroupsAreWarnings() throws {
    let host = try FakeHost(sysfs: try Workstation.build())
    // 01:00.0 shares group 1 with its audio and a root port; functions=none
    // leaves the audio behind.
    let findings = try host.check(
      config: "10de:1b80 functions=none\n0000:09:00.0\n")
    #expect(levels(findings, "rules").contains(.warning))
    #expect(levels(findings, "boot GPU") == [.warning])
    #expect(levels(findings, "groups").contains(.warning))
  }

  @Test func exitCodesFollowTheWorstFinding() throws {
    let host = try FakeHost(sysfs: try Workstation.build())
    try "non-boot-vga\n".write(toFile: host.config, atomically: true, encoding: .utf8)
    let command = try CheckCommand.parse([
      "--config", host.config, "--sysfs", host.sysfs.sys, "--proc", host.proc, "--boot",
      host.boot, "--json",
    ])
    // The real system has no hook for the fake kernel image: an error, so 2.
    #expect {
      try command.run()
    } throws: { error in
      (error as? ExitCode)?.rawValue == 2
    }
  }
}

@Suite struct CheckOnThisMachineTests {
  /// Read-only: the real /sys, /proc, /boot and module trees.
  @Test func runsAgainstTheRealSystemWithoutChangingIt() throws {
    let before = try FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices")
    var check = HostCheck()
    check.config = "/nonexistent/earlybind.conf"
    let findings = check.run()
    let topics = Set(findings.map(\.topic))
    #expect(topics.contains("iommu"))
    #expect(topics.contains("interrupts"))
    #expect(topics.contains("hooks"))
    #expect(findings.contains { $0.topic == "config" && $0.level == .warning })
    let kernel = try installedKernel()
    #expect(findings.contains { $0.topic == "kernel \(kernel)" && $0.level == .ok })
    #expect(try FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices") == before)
  }
}
