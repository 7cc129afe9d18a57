// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// A host around a fake sysfs: /proc, /boot, a module tree and a config in
/// the test host's temp tree; an initramfs image written as a cpio archive.
struct FakeHost {
  let sysfs: FakeSysfs
  let host: TestHost
  let kernel = "6.1.0-test"

  init(sysfs: FakeSysfs, interrupts: String = " 24: IR-PCI-MSI 512000-edge ahci\n") throws {
    self.sysfs = sysfs
    host = try TestHost(sysfs: sysfs)
    try host.directory.write("proc/cpuinfo", "vendor_id\t: AuthenticAMD\n")
    try host.directory.write("proc/interrupts", interrupts)
    try host.directory.write("boot/vmlinuz-" + kernel, "")
    try host.directory.write("boot/initrd.img-" + kernel, "")
    try host.directory.makeDirectory("lib/modules/" + kernel)
  }

  /// An uncompressed image with these files, or one that is no image. Its
  /// table is what `earlybind compile` makes of the config now, as the
  /// hooks would have written it (when the config compiles).
  func writeImage(_ files: [String]?) throws {
    let path = "boot/initrd.img-" + kernel
    if let files {
      let compiled = host.directory.file("compiled.tbl")
      _ = try host.run(CompileCommand.self, ["--output", compiled, "--kernel", kernel])
      let table = (try? Data(contentsOf: URL(fileURLWithPath: compiled))).map(Array.init)
      let members = files.map { name in
        name.hasSuffix("bindings.tbl") && table != nil
          ? CpioArchive.Member.file(name, bytes: table!) : .file(name)
      }
      try host.directory.write(path, CpioArchive(CpioArchive.withParents(members)).bytes())
    } else {
      try host.directory.write(path, "not an image")
    }
  }

  var proc: String { host.environment.paths.proc }
  var boot: String { host.environment.paths.boot }
  var config: String { host.environment.paths.config }

  func check(
    config text: String?,
    image: [String]? = ["usr/sbin/earlybind-init", "etc/earlybind/bindings.tbl"],
    protected: [PCIAddress] = []
  ) throws -> [Finding] {
    if let text { try host.directory.write("etc/earlybind.conf", text) }
    var guarded = RootDeviceReport()
    for address in protected {
      guarded.add(address, what: "/", device: "nvme0n1p2", details: ["/dev/nvme0n1p2"])
    }
    host.guarded = guarded
    try writeImage(image)
    return HostCheck(environment: host.environment).run().findings
  }
}

func levels(_ findings: [Finding], _ topic: String) -> [Finding.Level] {
  findings.filter { $0.topic == topic }.map(\.level)
}

@Suite struct CheckCommandTests {
  @Test func aMovedDeviceIsAWarningWithTheFix() throws {
    let host = try FakeHost(sysfs: try Machine.build(Renumbering.afterWithNIC))
    let findings = try host.check(config: "0000:03:00.0 expect=10de:1b80\n")
    let rules = findings.filter { $0.topic == "rules" }
    #expect(rules.allSatisfy { $0.level == .warning })
    #expect(
      rules.contains {
        $0.message.contains("is now at 0000:05:00.0")
          && $0.message.hasSuffix(
            "fix the config with: earlybind remove 0000:03:00.0 && earlybind add 0000:05:00.0")
      })
  }

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
    #expect(iommu.message.contains("AMD-Vi"))
    #expect(iommu.message.contains("iommu=pt"))
    // The kernel documents no amd_iommu=on: AMD's IOMMU is on by default.
    #expect(!iommu.message.contains("amd_iommu"))
  }

  @Test(arguments: ["GenuineIntel", "SomethingElse"])
  func iommuOffOnOtherCPUsNeverAdvisesAnUndocumentedValue(_ vendor: String) throws {
    let host = try FakeHost(sysfs: try Workstation.build(iommu: false))
    try host.host.directory.write("proc/cpuinfo", "vendor_id\t: \(vendor)\n")
    let findings = try host.check(config: "non-boot-vga\n")
    let iommu = try #require(findings.first { $0.topic == "iommu" })
    #expect(iommu.message.contains("intel_iommu=on iommu=pt to the kernel command line"))
    #expect(!iommu.message.contains("amd_iommu"))
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
    let broken = try #require(unreadable.first { $0.topic == "image \(host.kernel)" })
    #expect(broken.level == .error)
    #expect(
      broken.message.hasPrefix(
        "the kernel stops unpacking \(host.boot)/initrd.img-\(host.kernel): "
          + "invalid magic at start of compressed archive at byte 0 (starts 6e 6f 74 20 61 6e)"))
    #expect(host.host.runner.calls.isEmpty)
  }

  /// A config changed since the image was built: its table is stale.
  /// The guard probes disks with libblkid: one probe serves the kernels',
  /// the images' and the rules' checks.
  @Test func theRootGuardIsAskedOnce() throws {
    let host = try FakeHost(sysfs: try Workstation.build())
    _ = try host.check(config: "non-boot-vga\n")
    final class Count { var calls = 0 }
    let count = Count()
    var environment = host.host.environment
    let probe = environment.rootGuard
    environment.rootGuard = {
      count.calls += 1
      return probe()
    }
    let findings = HostCheck(environment: environment).run().findings
    #expect(levels(findings, "image \(host.kernel)") == [.ok])
    #expect(levels(findings, "config") == [.ok])
    #expect(count.calls == 1)
  }

  @Test func anImageWithAnOlderTableIsAWarningToRebuild() throws {
    let host = try FakeHost(sysfs: try Workstation.build())
    #expect(levels(try host.check(config: "non-boot-vga\n"), "image \(host.kernel)") == [.ok])
    try host.host.directory.write("etc/earlybind.conf", "10de:1b80 allow-boot-vga\n")
    let findings = HostCheck(environment: host.host.environment).run().findings
    let image = try #require(findings.first { $0.topic == "image \(host.kernel)" })
    #expect(image.level == .warning)
    #expect(
      image.message == "\(host.boot)/initrd.img-\(host.kernel) carries a binding table that "
        + "differs from what \(host.config) compiles to now: rebuild the initramfs "
        + "(earlybind install --regenerate)")
    // Another protected controller changes the table too.
    _ = try host.check(config: "non-boot-vga\n")
    host.host.guarded.add(
      PCIAddress("0000:03:00.0")!, what: "/", device: "nvme0n1p2", details: ["/dev/nvme0n1p2"])
    let guarded = HostCheck(environment: host.host.environment).run().findings
    #expect(levels(guarded, "image \(host.kernel)") == [.warning])
  }

  /// Hooks a package put there are rebuilt with the generator's own command:
  /// `install --regenerate` would claim the package's files.
  @Test func imageFindingsNameTheRebuildThatFitsHowTheHooksGotThere() throws {
    let host = try FakeHost(sysfs: try Workstation.build())
    try host.host.directory.write("usr/share/initramfs-tools/hooks/earlybind", "#!/bin/sh\n")
    _ = try host.check(config: "non-boot-vga\n")
    try host.host.directory.write("etc/earlybind.conf", "10de:1b80 allow-boot-vga\n")
    let stale = HostCheck(environment: host.host.environment).run().findings
    let image = try #require(stale.first { $0.topic == "image \(host.kernel)" })
    #expect(image.message.hasSuffix("rebuild the initramfs (update-initramfs -u -k all)"))
    let missing = try host.check(config: "non-boot-vga\n", image: ["init"])
    let error = try #require(missing.first { $0.topic == "image \(host.kernel)" })
    #expect(error.level == .error)
    #expect(
      error.message.hasSuffix("has no earlybind binder: rebuild it (update-initramfs -u -k all)"))
  }

  /// The hidden listing the e2e tests compare with lsinitramfs.
  @Test func listImagePrintsEveryMemberAsTheCheckReadsIt() throws {
    let host = try FakeHost(sysfs: try Workstation.build())
    try host.writeImage(["./init", "/usr/sbin/earlybind-init"])
    let image = host.boot + "/initrd.img-" + host.kernel
    let run = try host.host.run(CheckCommand.self, ["--list-image", image])
    #expect(
      run.status == .success && run.output == "init\nusr\nusr/sbin\nusr/sbin/earlybind-init\n")
    try host.writeImage(nil)
    let failed = try host.host.run(CheckCommand.self, ["--list-image", image])
    #expect(
      failed.status != .success
        && failed.errors.contains("invalid magic at start of compressed archive at byte 0"))
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
    try host.host.directory.write("etc/earlybind.conf", "non-boot-vga\n")
    try host.writeImage(["usr/sbin/earlybind-init", "etc/earlybind/bindings.tbl"])
    // No hook is installed under the test root: an error, so 2.
    let run = try host.host.run(CheckCommand.self, ["--json"])
    #expect(run.status.rawValue == 2)
    let json = try run.json()
    #expect(json["version"] as? Int == 1 && json["result"] as? String == "error")
    let findings = try #require(json["findings"] as? [[String: Any]])
    #expect(
      findings.contains { $0["topic"] as? String == "hooks" && $0["level"] as? String == "error" })
    // With the hooks in place only the warnings remain: 1.
    try host.host.directory.write("usr/share/initramfs-tools/hooks/earlybind", "")
    try host.host.directory.write("proc/interrupts", " 24: PCI-MSI 512000-edge ahci\n")
    let warned = try host.host.run(CheckCommand.self, [])
    #expect(warned.status.rawValue == 1)
    #expect(warned.output.contains("warning interrupts: no interrupt remapping"))
    // And none at all: 0.
    try host.host.directory.write("proc/interrupts", " 24: IR-PCI-MSI 512000-edge ahci\n")
    let clean = try host.host.run(CheckCommand.self, [])
    #expect(clean.status == .success, "\(clean.output)")
    #expect(clean.output.contains("ok      hooks: hooks installed for initramfs-tools\n"))
  }
}

@Suite struct CheckOnThisMachineTests {
  /// Read-only: the real /sys, /proc, /boot and module trees.
  @Test func runsAgainstTheRealSystemWithoutChangingIt() throws {
    let before = try FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices")
    var environment = HostEnvironment.system()
    environment.paths.config = "/nonexistent/earlybind.conf"
    let findings = HostCheck(environment: environment).run().findings
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
