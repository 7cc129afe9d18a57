// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore

/// `earlybind plan`: what the binder would do on this machine at the next
/// boot, computed by the same planner from the live sysfs.
struct PlanCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Show what the initramfs binder would do on this machine.",
    discussion: """
      Reads the rules (from the config, or from a compiled table with --table),
      scans the PCI devices and prints every decision, exactly as the binder
      would log it at the next boot: a driver holding a device now is judged by
      whether it is built into the kernel (--kernel, default the running one),
      which binds before the binder, or a module, which loads after it. Nothing
      is written. Planning from the config guards
      this machine's root-disk controllers, as the compiled table would.
      The JSON document is described in earlybind(8).
      """)

  @OptionGroup var output: OutputOptions
  @OptionGroup var sysfs: SysfsOptions
  @OptionGroup var config: ConfigOptions

  @Option(
    name: .long, help: "Plan from a compiled table instead of the config.", completion: .file())
  var table: String?

  @Option(name: .long, help: "Kernel command line to apply (default: /proc/cmdline).")
  var cmdline: String?

  @Option(
    name: .long,
    help: "Kernel release whose built-in drivers decide the next boot (default: the running one).")
  var kernel: String?

  var printsJSON: Bool { output.json }

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    let loaded = try loadTable(in: environment)
    let options = cmdline.map { BootOptions.parse(Array($0.utf8)) } ?? environment.bootOptions
    let nextBoot = NextBoot(kernel: kernel ?? environment.kernelRelease, in: environment)
    let plan = try DeviceInventory.plan(
      loaded.table, options: options, sysfs: sysfs.path(in: environment),
      fileSystem: environment.fileSystem, nextBoot: nextBoot)
    let report = PlanReport(
      plan: plan, options: options, source: loaded.source, path: loaded.path,
      nextBoot: nextBoot)
    environment.output.write(output.json ? JSONOutput.render(report) : report.text())
    return .success
  }

  /// The table to plan from: the compiled one, or the config's rules with
  /// their modules and this machine's root-disk controllers.
  func loadTable(in environment: HostEnvironment) throws(CommandFailure) -> (
    table: BindingTable, source: PlanReport.Source, path: String
  ) {
    if let table {
      return (try TableFile.read(table, fileSystem: environment.fileSystem), .table, table)
    }
    let path = config.path(in: environment)
    let rules = try ConfigFile.load(path, fileSystem: environment.fileSystem)
    return (BindingTableBuilder.guardedTable(rules, in: environment, warn: true), .config, path)
  }
}
