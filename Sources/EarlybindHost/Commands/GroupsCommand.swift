// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore

/// `earlybind groups`: the IOMMU groups, and for the config's targets
/// whether their groups go whole. A guest gets a group only when every
/// endpoint in it is on vfio-pci; one forgotten member blocks it.
struct GroupsCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "groups",
    abstract: "Show the IOMMU groups and whether the rules' targets take whole groups.",
    discussion: """
      Lists every IOMMU group with its PCI functions. With a config, checks each
      group holding a target: every member except bridges (class 06xx, which stay
      with the host) must be a target too, or the guest cannot use the group.
      Exits 0 with a clear message when the IOMMU is off (no groups).
      The JSON document is described in earlybind(8).
      """)

  @OptionGroup var output: OutputOptions
  @OptionGroup var sysfs: SysfsOptions
  @OptionGroup var config: ConfigOptions

  var printsJSON: Bool { output.json }

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    let fileSystem = environment.fileSystem
    let loaded = ConfigFile.loadIfPresent(
      config.path(in: environment), explicit: config.config != nil, fileSystem: fileSystem)
    let sysfs = sysfs.path(in: environment)
    let inventory = try DeviceInventory.load(
      sysfs: sysfs,
      table: loaded.rules.map {
        BindingTableBuilder.guardedTable($0, in: environment, warn: false)
      },
      fileSystem: fileSystem)
    let report = GroupReport(inventory: inventory, sysfs: sysfs, config: loaded.path)
    for warning in (loaded.warning.map { [$0] } ?? []) + inventory.problems {
      environment.output.warn(warning)
    }
    environment.output.write(
      output.json ? JSONOutput.render(report) : report.text(colour: environment.colour))
    return .success
  }
}
