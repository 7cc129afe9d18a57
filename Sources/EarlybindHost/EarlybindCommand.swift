// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

/// The host-side tool: edits and compiles the config, installs the
/// initramfs hooks and shows what the binder will do or did.
public struct EarlybindCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "earlybind",
    abstract: "Hand chosen PCI devices to vfio-pci in the initramfs, before any GPU driver.",
    discussion: """
      Rules live in /etc/earlybind.conf, one per line: SELECTOR [OPTION ...].
      The initramfs hook compiles them with 'earlybind compile' for each kernel.
      Boot with earlybind=off to disable the binder for one boot.
      """,
    version: EarlybindVersion.current,
    subcommands: [
      ListCommand.self, GroupsCommand.self, PlanCommand.self, CompileCommand.self,
      AddCommand.self, RemoveCommand.self,
      CheckCommand.self, ApplyCommand.self, ReleaseCommand.self, StatusCommand.self,
      InstallCommand.self, UninstallCommand.self, UKIAddonCommand.self,
    ])

  public init() {}
}
