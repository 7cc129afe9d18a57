// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindTestSupport
import Testing

@testable import EarlybindHost

extension FakeHost {
  /// A UKI at `relative` whose `.initrd` holds the binder and the table
  /// the config compiles to now (or `table`).
  func writeUKI(
    _ relative: String = "boot/efi/EFI/Linux/debian-6.1.0-test.efi", stub: Int = 257,
    commandLine: String? = "root=/dev/vda quiet", table: [UInt8]? = nil, withBinder: Bool = true
  ) throws {
    var members: [CpioArchive.Member] = [
      .file("etc/earlybind/bindings.tbl", bytes: try table ?? compiledTable())
    ]
    if withBinder { members.append(binder) }
    let file = PEFile.uki(stub: stub, commandLine: commandLine, initrd: archive(members))
    try host.directory.write(relative, file.bytes())
  }

  /// The findings about UKIs.
  func ukiFindings() -> [Finding] {
    HostCheck(environment: host.environment).run().findings.filter { $0.topic.hasPrefix("uki ") }
  }
}

/// `check` finds UKIs where the Boot Loader Specification puts them and
/// reads the binder and table in their `.initrd`.
@Suite struct UKICheckTests {
  @Test(arguments: ["efi", "boot", "boot/efi"])
  func aUKIWithTheBinderAndTheCurrentTableIsOk(_ mount: String) throws {
    let host = try FakeHost.withConfig()
    try host.writeUKI(mount + "/EFI/Linux/debian-6.1.0-test.efi")
    let findings = host.ukiFindings()
    #expect(findings.map(\.level) == [.ok])
    #expect(findings.first?.topic == "uki 6.1.0-test")
    #expect(
      findings.first?.message
        == host.host.directory.file(mount + "/EFI/Linux/debian-6.1.0-test.efi")
        + " carries the binder and its table")
  }

  @Test func aUKIReachedTwiceIsCheckedOnce() throws {
    let host = try FakeHost.withConfig()
    try host.writeUKI("efi/EFI/Linux/a.efi")
    try host.host.directory.makeDirectory("boot")
    try host.host.directory.link("boot/efi", to: "../efi")
    try host.writeUKI("boot/EFI/Linux/b.EFI")
    try host.host.directory.write("boot/EFI/Linux/notes.txt", "not a UKI")
    let messages = host.ukiFindings().map(\.message)
    #expect(messages.count == 2)
    #expect(messages.filter { $0.contains("/a.efi ") }.count == 1)
    #expect(messages.filter { $0.contains("/b.EFI ") }.count == 1)
  }

  @Test func aUKIWithAnOldTableIsAWarning() throws {
    let host = try FakeHost.withConfig()
    let old = try FakeHost.withConfig("0000:01:00.0\n").compiledTable()
    try host.writeUKI(table: old)
    let findings = host.ukiFindings()
    #expect(findings.map(\.level) == [.warning])
    #expect(findings.first?.message.contains("differs from what") == true)
  }

  @Test func aUKIWithoutTheBinderOrInitrdIsAnError() throws {
    let host = try FakeHost.withConfig()
    try host.writeUKI(withBinder: false)
    #expect(host.ukiFindings().map(\.level) == [.error])
    #expect(
      host.ukiFindings().first?.message.hasSuffix(
        "has no earlybind binder: rebuild it "
          + "(earlybind install --regenerate)") == true)
    try host.host.directory.write(
      "boot/efi/EFI/Linux/debian-6.1.0-test.efi", PEFile.uki(initrd: nil).bytes())
    #expect(host.ukiFindings().map(\.level) == [.error])
    #expect(host.ukiFindings().first?.message.contains("has no .initrd section") == true)
  }

  @Test func aBrokenInitrdIsReportedAsForAnImage() throws {
    let host = try FakeHost.withConfig()
    try host.host.directory.write(
      "efi/EFI/Linux/x.efi", PEFile.uki(initrd: Array("junk".utf8)).bytes())
    let findings = host.ukiFindings()
    #expect(findings.map(\.level) == [.error])
    #expect(findings.first?.message.hasPrefix("the kernel stops unpacking") == true)
  }

  @Test func aFileThatIsNoPEImageIsNotChecked() throws {
    let host = try FakeHost.withConfig()
    try host.host.directory.write("efi/EFI/Linux/x.efi", "not a PE file")
    let findings = host.ukiFindings()
    #expect(findings.map(\.topic) == ["uki x.efi"])
    #expect(findings.map(\.level) == [.warning])
    #expect(findings.first?.message.hasPrefix("not checked: ") == true)
  }

  @Test func earlybindOffInTheBuiltInCommandLineIsAWarning() throws {
    let host = try FakeHost.withConfig()
    try host.writeUKI(commandLine: "root=/dev/vda earlybind=off")
    let findings = host.ukiFindings()
    #expect(findings.map(\.level) == [.ok, .warning])
    #expect(findings.last?.message.contains("has earlybind=off") == true)
  }

  @Test func aStubOlderThan254ReadsNoAddOns() throws {
    let host = try FakeHost.withConfig()
    try host.writeUKI(stub: 252)
    let findings = host.ukiFindings()
    #expect(findings.map(\.level) == [.ok, .warning])
    #expect(findings.last?.message.contains("systemd-stub 252 reads no add-ons") == true)
    try host.writeUKI(stub: 254)
    #expect(host.ukiFindings().map(\.level) == [.ok])
  }

  /// `--root` moves every place `check` looks for UKIs, kernels and images.
  @Test func rootMovesTheSearch() throws {
    let host = try FakeHost.withConfig()
    let other = try TemporaryDirectory()
    let uki = PEFile.uki(initrd: archive([binder]))
    try other.write("efi/EFI/Linux/other.efi", uki.bytes())
    let run = try host.host.run(
      CheckCommand.self,
      ["--root", other.path + "/", "--sysfs", host.host.environment.paths.sysfs])
    #expect(run.output.contains("uki 6.1.0-test: " + other.path + "/efi/EFI/Linux/other.efi has"))
    #expect(run.output.contains("no installed kernel found") == false)
  }

  /// The loader's zeros past the file's bytes are padding: a section
  /// claiming 4 GiB is read as the bytes the file holds.
  @Test(.timeLimit(.minutes(1))) func aHugeLoadedSizeCostsNothing() throws {
    let host = try FakeHost.withConfig()
    var initrd = PEFile.Section(
      ".initrd",
      archive([binder, .file("etc/earlybind/bindings.tbl", bytes: try host.compiledTable())]))
    initrd.virtualSize = 0xFFFF_FFFF
    var file = PEFile.uki(initrd: nil)
    file.sections.append(initrd)
    try host.host.directory.write("efi/EFI/Linux/x.efi", file.bytes())
    #expect(host.ukiFindings().map(\.level) == [.ok])
  }

  /// A kernel installed only as a UKI (no vmlinuz in /boot) is checked
  /// for vfio like the others.
  @Test func aUKIsKernelIsCheckedForVFIO() throws {
    let host = try FakeHost.withConfig()
    try host.host.directory.makeDirectory("lib/modules/6.12.0-uki")
    var file = PEFile.uki(release: "6.12.0-uki", initrd: archive([binder]))
    file.sections.removeAll { $0.name == ".cmdline" }
    try host.host.directory.write("efi/EFI/Linux/x.efi", file.bytes())
    let findings = HostCheck(environment: host.host.environment).run().findings
    #expect(levels(findings, "kernel 6.12.0-uki") == [.ok])
    #expect(levels(findings, "kernel \(host.kernel)") == [.ok])
    #expect(!findings.contains { $0.message.hasPrefix("no initramfs image for 6.12.0-uki") })
  }
}
