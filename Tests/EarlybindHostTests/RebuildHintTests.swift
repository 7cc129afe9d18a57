// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// After add and remove, the step named is one that works for how the
/// hooks got there: `earlybind install --regenerate` where earlybind
/// installed them, the generators' own commands where a package did.
@Suite struct RebuildHintTests {
  func lastLine(_ host: TestHost) throws -> String {
    let config = host.directory.file("etc/earlybind.conf")
    let add = try host.run(AddCommand.self, ["10de:13c2", "--config", config])
    #expect(add.status == .success, "\(add.errors)")
    let remove = try host.run(RemoveCommand.self, ["10de:13c2", "--config", config])
    let line = try #require(remove.output.split(separator: "\n").last.map(String.init))
    #expect(add.output.hasSuffix(line + "\n"))
    return line
  }

  @Test func packagedHooksNameTheGeneratorsOwnCommands() throws {
    let host = try TestHost()
    try host.directory.write("usr/share/initramfs-tools/hooks/earlybind", "#!/bin/sh\n")
    #expect(
      try lastLine(host) == "Rebuild the initramfs to use it at boot: update-initramfs -u -k all")

    try host.directory.write("usr/lib/dracut/modules.d/52earlybind/module-setup.sh", "")
    try host.directory.write("usr/lib/initcpio/install/earlybind", "")
    #expect(
      try lastLine(host)
        == "Rebuild the initramfs to use it at boot: update-initramfs -u -k all; "
        + "dracut --regenerate-all --force; mkinitcpio -P")
  }

  /// A package ships the hooks of every generator; the host has one.
  @Test func onlyTheGeneratorsThisHostHasAreNamed() throws {
    let host = try TestHost()
    try host.directory.write("usr/share/initramfs-tools/hooks/earlybind", "#!/bin/sh\n")
    try host.directory.write("usr/lib/dracut/modules.d/52earlybind/module-setup.sh", "")
    try host.directory.write("usr/lib/initcpio/install/earlybind", "")
    try host.directory.write("usr/bin/dracut", "#!/bin/bash\n")
    #expect(
      try lastLine(host)
        == "Rebuild the initramfs to use it at boot: dracut --regenerate-all --force")
    try host.directory.write("usr/sbin/mkinitramfs", "#!/bin/sh\n")
    #expect(
      try lastLine(host)
        == "Rebuild the initramfs to use it at boot: update-initramfs -u -k all; "
        + "dracut --regenerate-all --force")
  }

  @Test func hooksEarlybindInstalledUseInstallRegenerate() throws {
    let host = try TestHost()
    let install = try host.run(
      InstallCommand.self,
      ["--system", "dracut", "--templates", repositoryRoot, "--prefix", "/usr"])
    #expect(install.status == .success, "\(install.errors)")
    #expect(
      try lastLine(host)
        == "Rebuild the initramfs to use it at boot: earlybind install --regenerate")
  }

  @Test func noHooksSayInstallAddsThem() throws {
    let host = try TestHost()
    #expect(
      try lastLine(host)
        == "No initramfs hook is installed: earlybind install --regenerate adds one and rebuilds"
        + " the initramfs")
  }
}
