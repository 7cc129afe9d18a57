// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// The kernel tree of Debian's linux-image-amd64, which `make test` installs.
func installedKernel() throws -> String {
  let names = try FileManager.default.contentsOfDirectory(atPath: "/lib/modules")
  let usable = names.filter {
    FileManager.default.fileExists(atPath: "/lib/modules/\($0)/modules.dep.bin")
  }.sorted()
  guard let kernel = usable.last else {
    throw TestFailure(
      "no kernel module tree in /lib/modules (make test installs linux-image-amd64)")
  }
  return kernel
}

struct TestFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

@Suite struct CompileCommandTests {
  @Test func compilesAgainstTheRealKernelTree() throws {
    let kernel = try installedKernel()
    let dir = try TemporaryDirectory()
    let config = dir.file("earlybind.conf")
    let output = dir.file("out/bindings.tbl")
    try "# two rules\nnon-boot-vga\n10de:13c2:1458:3702 group rebind\n".write(
      toFile: config, atomically: true, encoding: .utf8)

    // The real libkmod on the real tree; everything else is the test host's.
    let host = try TestHost()
    host.environment.paths.modules = "/lib/modules"
    host.environment.moduleTree = { KmodModules(moduleDirectory: $0) }
    let run = try host.run(
      CompileCommand.self, ["--config", config, "--output", output, "--kernel", kernel])
    #expect(run.status == .success, "\(run.errors)")

    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
    let table = try BindingTableCodec.decode(bytes)
    #expect(table.rules.map(\.description) == ["non-boot-vga", "10de:13c2:1458:3702 group rebind"])
    #expect(table.rules.map(\.line) == [2, 3])
    let names = table.modules.map(\.name)
    #expect(names.contains("vfio_pci"))
    #expect(names.contains("vfio_iommu_type1"))
    #expect(names.last == "vfio_pci")
    // Nothing but the table is left in its directory: the temp file was renamed.
    let left = try FileManager.default.contentsOfDirectory(
      atPath: dir.file("out"))
    #expect(left == ["bindings.tbl"])
  }

  @Test func dropsOptionalModulesTheKernelDoesNotHave() throws {
    let kernel = try installedKernel()
    let rules = [Rule(selector: .nonBootVGA)]
    let resolved = try ModuleCheck(
      kernel: kernel, directory: "/lib/modules/" + kernel,
      tree: KmodModules(moduleDirectory: "/lib/modules/" + kernel)
    ).resolve(
      rules: rules,
      modules: BindingTable.modules(for: rules) + [
        ModuleRequest(name: "no_such_mod", optional: true)
      ])
    #expect(!resolved.contains { $0.name == "no_such_mod" })
    #expect(resolved.contains { $0.name == "vfio_pci" })
  }

  @Test func unknownDriverFailsAndNamesTheKernel() throws {
    let kernel = try installedKernel()
    let rules = [Rule(selector: .nonBootVGA, driver: "nvidia-closed")]
    #expect {
      _ = try ModuleCheck(
        kernel: kernel, directory: "/lib/modules/" + kernel,
        tree: KmodModules(moduleDirectory: "/lib/modules/" + kernel)
      ).resolve(
        rules: rules, modules: BindingTable.modules(for: rules))
    } throws: { error in
      let text = String(describing: error)
      return text.contains("driver 'nvidia-closed'") && text.contains(kernel)
    }
  }

  @Test func invalidConfigFailsWithItsLocationAndKeepsTheOldTable() throws {
    let dir = try TemporaryDirectory()
    let config = dir.file("earlybind.conf")
    let output = dir.file("bindings.tbl")
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: output))
    try "non-boot-vga\n\n\n\n\n\n0000:03:00.0 functons\n".write(
      toFile: config, atomically: true, encoding: .utf8)

    #expect {
      _ = try ConfigFile.load(config, fileSystem: PosixFileSystem())
    } throws: { error in
      String(describing: error)
        == config
        + ":7:14: unknown option 'functons' (expected driver=, functions=, group, rebind, allow-boot-vga, allow-keyboard, allow-network, reset-method=, d3cold=, expect=)"
    }
    let run = try TestHost().run(
      CompileCommand.self, ["--config", config, "--output", output, "--skip-module-check"])
    #expect(run.status == .failure)
    #expect(
      run.errors
        == config
        + ":7:14: unknown option 'functons' (expected driver=, functions=, group, rebind, allow-boot-vga, allow-keyboard, allow-network, reset-method=, d3cold=, expect=)\n"
    )
    #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data([1, 2, 3]))
  }

  @Test func missingConfigIsAClearError() throws {
    #expect {
      _ = try ConfigFile.load("/nonexistent/earlybind.conf", fileSystem: PosixFileSystem())
    } throws: { error in
      String(describing: error).contains("/nonexistent/earlybind.conf")
        && String(describing: error).contains("ENOENT")
    }
  }

  @Test func theTableCarriesProtectedAddresses() throws {
    let dir = try TemporaryDirectory()
    let config = dir.file("earlybind.conf")
    let output = dir.file("bindings.tbl")
    try "class:0108\n".write(toFile: config, atomically: true, encoding: .utf8)
    let host = try TestHost()
    host.guarded.add(address("0000:00:1f.2"), what: "/", device: "sda2", details: ["/dev/sda2"])
    host.guarded.warn("swap (LABEL=x) matches no block device")
    let unguarded = try host.run(
      CompileCommand.self,
      [
        "--config", config, "--output", output, "--skip-module-check", "--no-host-guards",
        "--protect", "0000:03:00.0", "--protect", "01:00.0",
      ])
    #expect(unguarded.status == .success && unguarded.errors.isEmpty)
    let table = try BindingTableCodec.decode(
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
    #expect(table.protectedAddresses.map(\.description) == ["0000:01:00.0", "0000:03:00.0"])
    // Without --no-host-guards the controllers the root-device guard finds
    // are added, and what it could not trace is a warning.
    let run = try host.run(
      CompileCommand.self, ["--config", config, "--output", output, "--skip-module-check"])
    #expect(run.status == .success)
    #expect(run.errors == "earlybind: warning: swap (LABEL=x) matches no block device\n")
    let guarded = try BindingTableCodec.decode(
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
    #expect(guarded.protectedAddresses == [address("0000:00:1f.2")])
    #expect(guarded.guardedAddresses.isEmpty)
    // Keyboards the guard found go into the table as guarded, not protected.
    host.guarded.addNeed(.keyboard, address("0000:00:14.0"), what: "input3 (USB Keyboard)")
    let keyboard = try host.run(
      CompileCommand.self, ["--config", config, "--output", output, "--skip-module-check"])
    #expect(keyboard.status == .success)
    #expect(
      keyboard.output.hasSuffix(
        "protects [0000:00:1f.2], guards [keyboard 0000:00:14.0] -> " + output + "\n"))
    let withKeyboard = try BindingTableCodec.decode(
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
    #expect(withKeyboard.protectedAddresses == [address("0000:00:1f.2")])
    #expect(
      withKeyboard.guardedAddresses == [GuardedAddress(address("0000:00:14.0"), need: .keyboard)])
    #expect(throws: (any Error).self) {
      _ = try CompileCommand.parse(["--protect", "nonsense"])
    }
  }

  @Test(arguments: ["--no-host-guards", "--no-root-guard"])
  func eitherNameLeavesEveryHostGuardOut(_ flag: String) throws {
    let dir = try TemporaryDirectory()
    let config = dir.file("earlybind.conf")
    let output = dir.file("bindings.tbl")
    try "class:0108\n".write(toFile: config, atomically: true, encoding: .utf8)
    let host = try TestHost()
    host.guarded.add(address("0000:00:1f.2"), what: "/", device: "sda2", details: ["/dev/sda2"])
    host.guarded.addNeed(.keyboard, address("0000:00:14.0"), what: "input3 (USB Keyboard)")
    host.guarded.addNeed(.network, address("0000:01:00.0"), what: "eth0")
    let run = try host.run(
      CompileCommand.self,
      ["--config", config, "--output", output, "--skip-module-check", flag])
    #expect(run.status == .success && run.errors.isEmpty)
    let table = try BindingTableCodec.decode(
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
    #expect(table.protectedAddresses.isEmpty)
    #expect(table.guardedAddresses.isEmpty)
  }

  @Test func validateRejectsContradictoryFlags() {
    #expect(throws: (any Error).self) {
      _ = try CompileCommand.parse(["--skip-module-check", "--kernel", "6.1.0"])
    }
  }
}
