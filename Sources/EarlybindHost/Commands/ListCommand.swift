// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore

/// `earlybind list`: the devices a user might pass through, with what
/// decides whether that works (group, reset, driver) and what the config
/// does to them, so rules can be written without lspci and sysfs digging.
struct ListCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the PCI devices that matter for passthrough.",
    discussion: """
      Shows display, multimedia (audio), USB, storage and network controllers, and
      any device the config's rules touch; --all shows every PCI function. Names
      come from pci.ids (/usr/share/misc/pci.ids or /usr/share/hwdata/pci.ids; Debian
      package pci.ids, which pciutils pulls in) when installed. The RULE column says
      which config line takes the device: selected, function (follows the selected
      function of its slot), group (follows through the IOMMU group) or refused.
      The JSON document is described in earlybind(8).
      """)

  @Flag(name: .long, help: "List every PCI function, not only the usual passthrough classes.")
  var all = false

  @OptionGroup var output: OutputOptions
  @OptionGroup var sysfs: SysfsOptions
  @OptionGroup var config: ConfigOptions

  @Option(name: .customLong("pci-ids"), help: "The pci.ids file for names.", completion: .file())
  var pciIDs: String?

  var printsJSON: Bool { output.json }

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    let report = try listing(in: environment)
    for warning in report.warnings { environment.output.warn(warning) }
    environment.output.write(
      output.json ? JSONOutput.render(report) : report.text(colour: environment.colour))
    return .success
  }

  func listing(in environment: HostEnvironment) throws(CommandFailure) -> ListReport {
    let fileSystem = environment.fileSystem
    let loaded = ConfigFile.loadIfPresent(
      config.path(in: environment), explicit: config.config != nil, fileSystem: fileSystem)
    var warnings = loaded.warning.map { [$0] } ?? []
    let inventory = try DeviceInventory.load(
      sysfs: sysfs.path(in: environment),
      table: loaded.rules.map {
        BindingTableBuilder.guardedTable($0, in: environment, warn: false)
      },
      fileSystem: fileSystem)
    warnings += inventory.problems
    var records = inventory.records.filter { all || Self.matters($0) }
    let ids = PCIIDs.load(
      pciIDs.map { [$0] } ?? environment.paths.pciIDs, wanted: records.map(\.identity),
      fileSystem: fileSystem)
    if let ids {
      DeviceInventory.name(&records, from: ids)
    } else if let pciIDs {
      warnings.append("cannot read " + pciIDs + "; names not shown")
    }
    return ListReport(
      records: records, config: loaded.path, pciIDs: ids?.path, problems: inventory.problems,
      filtered: !all, warnings: warnings)
  }

  /// Classes people pass through, plus anything a rule touches.
  static func matters(_ record: DeviceRecord) -> Bool {
    let code = record.identity.classCode
    return (0x01...0x04).contains(code >> 16) || code >> 8 == 0x0C03 || record.selection != nil
  }
}
