// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

@Suite struct PlanCommandTests {
  /// Two identical QEMU VGA devices (the first the boot GPU), an audio
  /// function beside the second, and a storage controller.
  /// In memory unless a test needs the disk (`add` locks the config).
  func makeTree(memory: MemoryFileSystem? = MemoryFileSystem()) throws -> FakeSysfs {
    try FakeSysfs(
      devices: [
        QEMU.vga("0000:00:03.0", boot: true), QEMU.vga("0000:00:05.0", boot: false),
        QEMU.audio("0000:00:05.1"), QEMU.storage("0000:00:04.0"),
      ], memory: memory)
  }

  @Test func plansTheSecondGPUAndItsAudio() throws {
    let root = try makeTree()
    let rules = try RuleParser.parseConfig(Array("non-boot-vga\n".utf8), file: "c")
    let plan = try DeviceInventory.plan(
      BindingTable(rules: rules), options: BootOptions(), sysfs: root.sys,
      fileSystem: root.fileSystem)
    let text = PlanReport(plan: plan, options: BootOptions(), source: .config, path: "c").text()
    #expect(
      text.contains("0000:00:05.0 [1234:1111] -> vfio-pci (line 1: non-boot-vga)"))
    #expect(text.contains("0000:00:05.1 [8086:2668] -> vfio-pci (function of 0000:00:05.0)"))
    #expect(!text.contains("0000:00:03.0 [1234:1111] ->"))
    #expect(text.contains("Modules to load: vfio vfio_iommu_type1"))
  }

  @Test func showsTheBootGPURefusalAndCommandLineSwitches() throws {
    let root = try makeTree()
    let rules = try RuleParser.parseConfig(Array("1234:1111\n".utf8), file: "c")
    let options = BootOptions.parse(Array("quiet earlybind.dry_run earlybind.skip=zz".utf8))
    let plan = try DeviceInventory.plan(
      BindingTable(rules: rules), options: options, sysfs: root.sys, fileSystem: root.fileSystem)
    let text = PlanReport(plan: plan, options: options, source: .config, path: "c").text()
    #expect(text.contains("0000:00:03.0 [1234:1111] skipped: boot GPU (boot_vga=1)"))
    #expect(text.contains("earlybind.dry_run is set"))
    #expect(text.contains("invalid address 'zz' in earlybind.skip"))
  }
}

@Suite struct PlanCommandRunTests {
  /// `add` ends with the plan that `plan` prints right after it: the same
  /// rules, command line and guards, so a controller holding / is refused
  /// in both.
  @Test func addPrintsThePlanThatPlanPrints() throws {
    let host = try TestHost(sysfs: try PlanCommandTests().makeTree(memory: nil))
    try host.directory.write("etc/earlybind.conf", "non-boot-vga\n")
    try host.directory.write("proc/cmdline", "ro earlybind.dry_run\n")
    host.guarded.add(address("0000:00:04.0"), what: "/", device: "vda2", details: ["/dev/vda2"])
    let added = try host.run(AddCommand.self, ["class:0100"])
    #expect(added.status == .success, "\(added.errors)")
    let planned = try host.run(PlanCommand.self, [])
    #expect(planned.status == .success, "\(planned.errors)")
    #expect(planned.output.contains("Refused:\n  0000:00:04.0 "))
    #expect(planned.output.contains("0000:00:05.0 [1234:1111] -> vfio-pci"))
    #expect(planned.output.contains("earlybind.dry_run is set"))
    // add's output: what it wrote, the plan, the rebuild hint.
    var lines = added.output.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.first?.hasPrefix("added ") == true && lines.last == "")
    lines = lines.dropFirst().dropLast(2)
    #expect(lines.joined(separator: "\n") + "\n" == planned.output)
  }

  /// The command as a user runs it: the config, this boot's command line
  /// and the root-disk guard all count, as they will at boot.
  @Test func jsonCarriesEveryDecision() throws {
    let host = try TestHost(sysfs: try PlanCommandTests().makeTree())
    try host.directory.write("etc/earlybind.conf", "1234:1111 allow-boot-vga\nclass:0100\n")
    try host.directory.write("proc/cmdline", "ro earlybind.skip=00:05.0 earlybind.bogus\n")
    host.guarded.add(address("0000:00:04.0"), what: "/", device: "vda2", details: ["/dev/vda2"])
    let run = try host.run(PlanCommand.self, ["--json"])
    #expect(run.status == .success)
    let json = try run.json()
    #expect(json["version"] as? Int == 3)
    #expect(json["kernel"] as? String == "6.1.0-test")
    #expect(json["source"] as? String == "config")
    #expect(json["path"] as? String == host.environment.paths.config)
    #expect(json["disabled"] as? Bool == false && json["dry_run"] as? Bool == false)
    let problems = try #require(json["command_line_problems"] as? [String])
    #expect(problems.count == 1 && problems[0].contains("'earlybind.bogus'"))
    let targets = try #require(json["targets"] as? [[String: Any]])
    #expect(targets.count == 1)
    #expect(targets[0]["address"] as? String == "0000:00:03.0")
    #expect(targets[0]["id"] as? String == "1234:1111")
    #expect(targets[0]["line"] as? Int == 1)
    #expect(targets[0]["rule"] as? String == "1234:1111 allow-boot-vga")
    #expect(targets[0]["reason"] as? String == "selected")
    #expect(targets[0]["action"] as? String == "bind")
    #expect(targets[0]["of"] is NSNull && targets[0]["group"] is NSNull)
    #expect(targets[0]["holder"] is NSNull)
    #expect(
      targets[0]["message"] as? String
        == "0000:00:03.0 [1234:1111] -> vfio-pci (line 1: 1234:1111)")
    let refused = try #require(json["refused"] as? [[String: Any]])
    #expect(refused.map { $0["address"] as? String } == ["0000:00:04.0", "0000:00:05.0"])
    #expect(refused.map { $0["reason"] as? String } == ["protected", "skipped"])
    #expect(refused.map { $0["line"] as? Int } == [2, 1])
    #expect((json["unmatched_rules"] as? [Any])?.isEmpty == true)
    let modules = try #require(json["modules"] as? [[String: Any]])
    #expect(
      modules.contains { $0["name"] as? String == "vfio_pci" && $0["optional"] as? Bool == false })
  }

  /// A keyboard's controller is refused in plan, add and check until the
  /// rule says allow-keyboard.
  @Test func aKeyboardControllerIsRefusedUntilAllowed() throws {
    let xhci = FakeDevice(
      address: "0000:00:06.0", vendor: 0x1B36, device: 0x000D, classCode: 0x0C_0330)
    let second = FakeDevice(
      address: "0000:00:07.0", vendor: 0x1B36, device: 0x000D, classCode: 0x0C_0330)
    let host = try TestHost(
      sysfs: try FakeSysfs(
        devices: [QEMU.vga("0000:00:03.0", boot: true), xhci, second], memory: nil))
    host.guarded.addNeed(.keyboard, address("0000:00:06.0"), what: "input3 (QEMU USB Keyboard)")
    try host.directory.write("etc/earlybind.conf", "# rules\n")
    let added = try host.run(AddCommand.self, ["class:0c0330"])
    #expect(added.status == .success, "\(added.errors) \(added.output)")
    #expect(added.output.contains("0000:00:07.0 [1b36:000d] -> vfio-pci"))
    #expect(
      added.output.contains(
        "0000:00:06.0 [1b36:000d] skipped: a keyboard is behind it, needed at boot to type a"
          + " disk passphrase; add allow-keyboard to take it"))
    let json = try host.run(PlanCommand.self, ["--json"]).json()
    let refused = try #require(json["refused"] as? [[String: Any]])
    #expect(refused.map { $0["address"] as? String } == ["0000:00:06.0"])
    #expect(refused.map { $0["reason"] as? String } == ["keyboard"])
    let targets = try #require(json["targets"] as? [[String: Any]])
    #expect(targets.map { $0["address"] as? String } == ["0000:00:07.0"])
    let checked = try host.run(CheckCommand.self, ["--json"]).json()
    let findings = try #require(checked["findings"] as? [[String: Any]])
    #expect(
      findings.contains {
        $0["topic"] as? String == "keyboard" && $0["level"] as? String == "warning"
          && ($0["message"] as? String)?.contains("0000:00:06.0") == true
      }, "\(findings)")
    try host.directory.write("etc/earlybind.conf", "class:0c0330 allow-keyboard\n")
    let allowed = try host.run(PlanCommand.self, ["--json"]).json()
    #expect((allowed["refused"] as? [Any])?.isEmpty == true)
    #expect((allowed["targets"] as? [Any])?.count == 2)
  }

  /// The boot's NIC is refused until allow-network; check warns when a
  /// rule takes the NIC of the host's default route.
  @Test func networkNeedsInPlanAndCheck() throws {
    let nic = FakeDevice(
      address: "0000:00:02.0", vendor: 0x1AF4, device: 0x1041, classCode: 0x02_0000)
    let other = FakeDevice(
      address: "0000:00:07.0", vendor: 0x1AF4, device: 0x1041, classCode: 0x02_0000)
    let sysfs = try FakeSysfs(
      devices: [QEMU.vga("0000:00:03.0", boot: true), nic, other], memory: nil)
    let host = try TestHost(sysfs: sysfs)
    host.guarded.addNeed(.network, address("0000:00:02.0"), what: "eth0 (ip=dhcp)")
    try host.directory.write("etc/earlybind.conf", "class:0200\n")
    let json = try host.run(PlanCommand.self, ["--json"]).json()
    let refused = try #require(json["refused"] as? [[String: Any]])
    #expect(refused.map { $0["reason"] as? String } == ["network"])
    #expect(refused.map { $0["address"] as? String } == ["0000:00:02.0"])
    // The other NIC carries the default route: check warns that taking it
    // cuts the host off.
    try FileManager.default.createDirectory(
      atPath: sysfs.sys + "/class/net/eth1", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: sysfs.sys + "/class/net/eth1/device",
      withDestinationPath: sysfs.devicePath("0000:00:07.0"))
    try host.directory.write(
      "proc/net/route",
      "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
        + "eth1\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n")
    let checked = try host.run(CheckCommand.self, ["--json"]).json()
    let findings = try #require(checked["findings"] as? [[String: Any]])
    #expect(
      findings.contains {
        $0["topic"] as? String == "network" && $0["level"] as? String == "warning"
          && $0["message"] as? String
            == "0000:00:07.0 (eth1) carries the host's default route: giving it to vfio-pci cuts"
            + " the host off the network"
      }, "\(findings)")
    #expect(
      findings.contains {
        $0["topic"] as? String == "network"
          && ($0["message"] as? String)?.contains("0000:00:02.0") == true
      })
  }

  @Test func aFailureIsStillOneJSONDocument() throws {
    let host = try TestHost(sysfs: try PlanCommandTests().makeTree())
    let run = try host.run(PlanCommand.self, ["--json", "--config", "/nonexistent/earlybind.conf"])
    #expect(run.status == .failure)
    #expect(
      run.errors
        == "earlybind: open /nonexistent/earlybind.conf: No such file or directory (ENOENT)\n")
    let json = try run.json()
    #expect(json["version"] as? Int == 1)
    let error = try #require(json["error"] as? [String: Any])
    #expect(error["kind"] as? String == "system")
    #expect(error["syscall"] as? String == "open")
    #expect(error["path"] as? String == "/nonexistent/earlybind.conf")
    #expect(error["errno"] as? String == "ENOENT")
    #expect(
      error["message"] as? String
        == "open /nonexistent/earlybind.conf: No such file or directory (ENOENT)")
  }

  @Test func aConfigErrorIsLocatedInTextAndJSON() throws {
    let host = try TestHost(sysfs: try PlanCommandTests().makeTree())
    try host.directory.write("etc/earlybind.conf", "non-boot-vga\n03:00.0 functons\n")
    let text = try host.run(PlanCommand.self, [])
    #expect(text.status == .failure && text.output.isEmpty)
    #expect(
      text.errors.hasPrefix(host.environment.paths.config + ":2:9: unknown option 'functons'"))
    let json = try host.run(PlanCommand.self, ["--json"]).json()
    let error = try #require(json["error"] as? [String: Any])
    #expect(error["kind"] as? String == "config")
    #expect(error["file"] as? String == host.environment.paths.config)
    #expect(error["line"] as? Int == 2 && error["column"] as? Int == 9)
  }

  /// Every failure has its own kind and, when it is about a file, its path.
  @Test func aFailureNamesItsKindAndPath() throws {
    let host = try TestHost(sysfs: try PlanCommandTests().makeTree())
    try host.directory.write(
      "etc/earlybind.conf", String(repeating: "# padding\n", count: 110_000))
    let run = try host.run(PlanCommand.self, ["--json"])
    #expect(run.status == .failure)
    let config = host.environment.paths.config
    #expect(run.errors == "earlybind: " + config + ": larger than 1 MiB; not a config file?\n")
    let error = try #require(try run.json()["error"] as? [String: Any])
    #expect(error["kind"] as? String == "oversized_config")
    #expect(error["path"] as? String == config)
  }
}

/// The plan is for the next boot: a driver holding a device now is judged
/// by whether the kernel booted has it built in.
@Suite struct NextBootPlanTests {
  /// The storage controller on virtio-pci, the second GPU on bochs-drm;
  /// kernel 6.12.0-test has the module `builtIn` built in, every other
  /// kernel none.
  func makeHost(builtIn: String) throws -> TestHost {
    let tree = try PlanCommandTests().makeTree()
    try tree.bind("0000:00:04.0", to: "virtio-pci")
    try tree.bind("0000:00:05.0", to: "bochs-drm")
    let host = try TestHost(sysfs: tree)
    host.environment.moduleTree = { directory in
      directory.hasSuffix("/6.12.0-test") ? FakeModuleTree(builtin: [builtIn]) : FakeModuleTree()
    }
    try host.directory.write("lib/modules/6.12.0-test/modules.dep", "")
    try host.directory.write("etc/earlybind.conf", "non-boot-vga\n0000:00:04.0\n")
    return host
  }

  @Test func aBuiltInHolderIsTakenAndAModuleNeedsNoRebind() throws {
    let host = try makeHost(builtIn: "virtio_pci")
    let run = try host.run(PlanCommand.self, ["--kernel", "6.12.0-test"])
    #expect(run.status == .success)
    #expect(run.output.contains("At the next boot with kernel 6.12.0-test:"))
    #expect(
      run.output.contains(
        "0000:00:04.0 [1af4:1001] -> vfio-pci (line 2: 0000:00:04.0), taken from virtio-pci"
          + " (built into the kernel, it binds before the binder runs)"))
    #expect(
      run.output.contains(
        "0000:00:05.0 [1234:1111] -> vfio-pci (line 1: non-boot-vga) (bochs-drm holds it now;"
          + " at boot it loads after the binder)"))
    #expect(!run.output.contains("add rebind"))
    let json = try host.run(PlanCommand.self, ["--kernel", "6.12.0-test", "--json"]).json()
    let actions = (json["targets"] as? [[String: Any]] ?? []).map { $0["action"] as? String }
    #expect(actions == ["take-from-built-in", "before-module", "bind"])
  }

  @Test func theSameDriverAsAModuleIsNotTaken() throws {
    let host = try makeHost(builtIn: "virtio_blk")
    let run = try host.run(PlanCommand.self, ["--kernel", "6.12.0-test"])
    #expect(
      run.output.contains(
        "0000:00:04.0 [1af4:1001] -> vfio-pci (line 2: 0000:00:04.0) (virtio-pci holds it now;"))
  }

  @Test func anUnreadableTreeIsSaidAndTakesNothing() throws {
    let host = try makeHost(builtIn: "virtio_pci")
    host.environment.moduleTree = { _ in FakeModuleTree(setupError: "no modules.dep") }
    let run = try host.run(PlanCommand.self, ["--kernel", "6.12.0-test"])
    #expect(
      run.output.contains(
        "At the next boot with kernel 6.12.0-test (its module tree is unreadable):"))
    #expect(!run.output.contains("taken from"))
  }

  @Test func checkSaysSoPerKernel() throws {
    let host = try makeHost(builtIn: "virtio_pci")
    try host.directory.write("boot/vmlinuz-6.12.0-test", "")
    try host.directory.write("lib/modules/6.1.0-test/modules.dep", "")
    try host.directory.write("boot/vmlinuz-6.1.0-test", "")
    let run = try host.run(CheckCommand.self, [])
    #expect(
      run.output.contains(
        "0000:00:04.0 is held by virtio-pci, built into 6.12.0-test:"
          + " the binder unbinds it at boot before binding vfio-pci"))
    #expect(!run.output.contains("built into 6.1.0-test"))
  }

  @Test func compileWarnsPerKernel() throws {
    let host = try makeHost(builtIn: "virtio_pci")
    let run = try host.run(
      CompileCommand.self,
      ["--kernel", "6.12.0-test", "--output", host.directory.file("out.tbl")])
    #expect(run.status == .success)
    #expect(
      run.errors.contains(
        "earlybind: 0000:00:04.0 is held by virtio-pci, built into 6.12.0-test:"
          + " the binder unbinds it at boot before binding vfio-pci"))
    #expect(!run.errors.contains("0000:00:05.0"))
  }
}
