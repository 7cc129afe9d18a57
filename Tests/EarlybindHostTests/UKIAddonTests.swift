// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// Stands in for ukify and objcopy: writes what each would (the stub's
/// sections and a `.cmdline`), or a chosen command line, and records the
/// calls.
final class AddonToolRunner: ProcessRunner {
  var calls: [[String]] = []
  var status: Int32 = 0
  /// The command line the "built" add-on gets; nil: the one asked for.
  var writtenCommandLine: String? = nil

  func run(_ arguments: [String]) throws(SystemError) -> Int32 {
    calls.append(arguments)
    guard status == 0 else { return status }
    var commandLine = ""
    var output = arguments.last ?? ""
    if arguments[0].hasSuffix("ukify") {
      for argument in arguments {
        if argument.hasPrefix("--cmdline=") { commandLine = String(argument.dropFirst(10)) }
        if argument.hasPrefix("--output=") { output = String(argument.dropFirst(9)) }
      }
    } else {
      let file = arguments[2].dropFirst(".cmdline=".count)
      commandLine = (try? String(contentsOfFile: String(file), encoding: .utf8)) ?? ""
    }
    let addon = PEFile([
      PEFile.Section(".sdmagic", "#### LoaderInfo: systemd-addon 257.9-1 ####"),
      PEFile.Section(".cmdline", writtenCommandLine ?? commandLine),
    ])
    FileManager.default.createFile(atPath: output, contents: Data(addon.bytes()))
    return 0
  }

  func capture(_ arguments: [String]) throws(SystemError) -> Subprocess.Result {
    Subprocess.Result(status: 0, output: [])
  }
}

@Suite struct UKIAddonTests {
  let host: TestHost
  let tools = AddonToolRunner()
  static let stub = "usr/lib/systemd/boot/efi/addonx64.efi.stub"

  init() throws {
    host = try TestHost()
    host.environment.runner = tools
    var stub = PEFile([
      PEFile.Section(".text", [0xC3]), PEFile.Section(".sdmagic", "#### LoaderInfo: x ####"),
    ])
    stub.imageBase = 0x1_DD51_0000
    try host.directory.write(Self.stub, stub.bytes())
  }

  func files(_ folder: String) -> [String] {
    host.directory.list(folder).sorted()
  }

  @Test func objcopyAddsTheCommandLineAfterTheStubsSections() throws {
    let output = host.directory.file("esp/off.addon.efi")
    let run = try host.run(UKIAddonCommand.self, ["--output", output])
    #expect(run.status == .success, "\(run.errors)")
    // .text at 0x1000 (512 bytes), .sdmagic at 0x2200: the next free
    // 4 KiB page is 0x3000, after the image base.
    #expect(tools.calls.count == 1)
    #expect(
      tools.calls.first?.prefix(5) == [
        "objcopy", "--add-section", ".cmdline=" + output + ".earlybind-cmdline",
        "--change-section-vma", ".cmdline=0x1dd513000",
      ])
    #expect(
      tools.calls.first?.suffix(2) == [host.directory.file(Self.stub), output + ".earlybind-new"])
    let addon = try UnifiedKernelImage.read(
      ImageBytes(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: output)))))
    #expect(addon.commandLine == "earlybind=off")
    #expect(files("esp") == ["off.addon.efi"])
    #expect(run.output.contains("sbsign --key db.key --cert db.crt --output \(output) \(output)"))
  }

  @Test func ukifyBuildsItWhereInstalled() throws {
    try host.directory.write("usr/bin/ukify", "#!/bin/sh\n")
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o755], ofItemAtPath: host.directory.file("usr/bin/ukify"))
    let output = host.directory.file("off.addon.efi")
    #expect(try host.run(UKIAddonCommand.self, ["--output", output]).status == .success)
    #expect(
      tools.calls == [
        [
          host.directory.file("usr/bin/ukify"), "build", "--stub=" + host.directory.file(Self.stub),
          "--cmdline=earlybind=off", "--output=" + output + ".earlybind-new",
        ]
      ])
    #expect(
      try host.run(UKIAddonCommand.self, ["--output", output, "--no-ukify"]).status == .success)
    #expect(tools.calls.last?.first == "objcopy")
  }

  @Test func forAUKIItGoesToItsExtraFolder() throws {
    let uki = host.directory.file("efi/EFI/Linux/debian.efi")
    try host.directory.write("efi/EFI/Linux/debian.efi", PEFile.uki(stub: 257, initrd: []).bytes())
    let run = try host.run(UKIAddonCommand.self, ["--for", uki])
    #expect(run.status == .success, "\(run.errors)")
    #expect(files("efi/EFI/Linux/debian.efi.extra.d") == ["earlybind-off.addon.efi"])
    // check names it, and what it does to the binder.
    let findings = HostCheck(environment: host.environment).run().findings.filter {
      $0.topic == "uki 6.1.0-test"
    }
    #expect(
      findings.contains {
        $0.level == .warning
          && $0.message == uki + ".extra.d/earlybind-off.addon.efi turns the binder off for "
            + uki + " (earlybind=off): remove it to bind again"
      })
  }

  @Test func aUKIWhoseStubReadsNoAddOnsGetsNone() throws {
    let uki = host.directory.file("debian.efi")
    try host.directory.write("debian.efi", PEFile.uki(stub: 252, initrd: []).bytes())
    let run = try host.run(UKIAddonCommand.self, ["--for", uki])
    #expect(run.status == .failure)
    #expect(
      run.errors == "earlybind: \(uki): its systemd-stub 252 reads no add-ons (254 and later do): "
        + "rebuild it with a newer stub, or use --output\n")
    #expect(tools.calls.isEmpty)
    #expect(!host.directory.exists("debian.efi.extra.d"))
  }

  @Test func aBuildThatFailsOrIsWrongWritesNothing() throws {
    let output = host.directory.file("out/off.addon.efi")
    tools.status = 1
    var run = try host.run(UKIAddonCommand.self, ["--output", output])
    #expect(run.status == .failure)
    #expect(run.errors.contains("failed with status 1"))
    tools.status = 0
    tools.writtenCommandLine = "quiet"
    run = try host.run(UKIAddonCommand.self, ["--output", output])
    #expect(run.status == .failure)
    #expect(
      run.errors == "earlybind: \(output): the file built has the command line 'quiet', not "
        + "'earlybind=off'\n")
    #expect(files("out") == [])
  }

  @Test func noStubSaysWhereOneComesFrom() throws {
    try host.directory.remove(Self.stub)
    let run = try host.run(UKIAddonCommand.self, ["--output", host.directory.file("x.efi")])
    #expect(run.status == .failure)
    #expect(run.errors.contains("no add-on stub ("))
    #expect(run.errors.contains("Debian 13's systemd-boot-efi"))
    #expect(tools.calls.isEmpty)
  }

  /// The ESP's global add-ons count for every UKI on it; an add-on for a
  /// stub that reads none is not reported.
  @Test func globalAddonsCountAndOldStubsReadNone() throws {
    let uki = host.directory.file("boot/efi/EFI/Linux/debian.efi")
    try host.directory.write("boot/efi/EFI/Linux/debian.efi", PEFile.uki(initrd: []).bytes())
    let global = host.directory.file("boot/efi/loader/addons/off.addon.efi")
    #expect(try host.run(UKIAddonCommand.self, ["--output", global]).status == .success)
    func warnings() -> [String] {
      HostCheck(environment: host.environment).run().findings.filter {
        $0.topic == "uki 6.1.0-test" && $0.level == .warning
      }.map(\.message)
    }
    #expect(
      warnings() == [
        global + " turns the binder off for " + uki + " (earlybind=off): remove it to bind again"
      ])
    try host.directory.write(
      "boot/efi/EFI/Linux/debian.efi", PEFile.uki(stub: 252, initrd: []).bytes())
    #expect(warnings().count == 1)
    #expect(warnings().first?.contains("systemd-stub 252 reads no add-ons") == true)
  }
}
