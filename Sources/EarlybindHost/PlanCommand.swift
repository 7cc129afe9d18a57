import ArgumentParser
import EarlybindCore
import EarlybindPosix

/// `earlybind plan`: what the binder would do on this machine at the next
/// boot, computed by the same planner from the live sysfs.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Show what the initramfs binder would do on this machine.",
    discussion: """
      Reads the rules (from the config, or from a compiled table with --table),
      scans the PCI devices and prints every decision, exactly as the binder
      would log it at boot. Nothing is written.
      """)

  @Option(name: .long, help: "The config to plan from.")
  var config: String = ConfigFile.defaultPath

  @Option(name: .long, help: "Plan from a compiled table instead of the config.")
  var table: String?

  @Option(name: .long, help: "The sysfs mount to scan.")
  var sysfs: String = "/sys"

  @Option(name: .long, help: "Kernel command line to apply (default: /proc/cmdline).")
  var cmdline: String?

  func run() throws {
    do {
      let (rules, modules, protected) = try loadRules()
      let cmdlineBytes: [UInt8]
      if let cmdline {
        cmdlineBytes = Array(cmdline.utf8)
      } else {
        cmdlineBytes = (try? PosixFileSystem().readFile("/proc/cmdline", limit: 65536)) ?? []
      }
      let options = BootOptions.parse(cmdlineBytes)
      let plan = try PlanReport.make(
        sysfs: sysfs, rules: rules + options.extraRules, options: options, modules: modules,
        protected: protected)
      print(PlanReport.text(plan, options: options, ruleCount: rules.count), terminator: "")
    } catch {
      throw Self.fail(error)
    }
  }

  func loadRules() throws(CommandFailure) -> ([Rule], [ModuleRequest], [PCIAddress]) {
    if let table {
      let loaded = try TableFile.read(table)
      return (loaded.rules, loaded.modules, loaded.protectedAddresses)
    }
    let rules = try ConfigFile.load(config)
    return (rules, BindingTable.modules(for: rules), RuntimeBinding.protectedAddresses())
  }
}

/// Planning against a live (or test) sysfs tree and printing the result.
enum PlanReport {
  static func make(
    sysfs: String, rules: [Rule], options: BootOptions, modules: [ModuleRequest],
    protected: [PCIAddress]
  ) throws(CommandFailure) -> Plan {
    let scanner = SysfsScanner(fileSystem: PosixFileSystem(), layout: SysfsLayout(sysfs: sysfs))
    let scan: SysfsScanner<PosixFileSystem>.Result
    do {
      scan = try scanner.scan()
    } catch {
      throw CommandFailure("cannot scan PCI devices: " + error.description)
    }
    return Planner(topology: scanner, protectedAddresses: protected).plan(
      devices: scan.devices, rules: rules, options: options, modules: modules)
  }

  static func text(_ plan: Plan, options: BootOptions, ruleCount: Int) -> String {
    var out = ""
    if options.disabled {
      out += "earlybind=off is on the command line: the binder would do nothing.\n"
    }
    for problem in options.problems {
      out += "command line: " + problem.description + " (ignored)\n"
    }
    if plan.targets.isEmpty {
      out += "No device would be bound.\n"
    } else {
      out += "Would bind:\n"
      for target in plan.targets { out += "  " + PlanText.target(target) + "\n" }
    }
    if !plan.refusals.isEmpty {
      out += "Refused:\n"
      for refusal in plan.refusals { out += "  " + PlanText.refusal(refusal) + "\n" }
    }
    if !plan.unmatchedRules.isEmpty {
      out += "Unmatched:\n"
      for rule in plan.unmatchedRules { out += "  " + PlanText.unmatched(rule) + "\n" }
    }
    if !plan.modules.isEmpty {
      out += "Modules to load: " + plan.modules.map(\.name).joined(separator: " ") + "\n"
    }
    if options.dryRun {
      out += "earlybind.dry_run is set: the binder would only log this.\n"
    }
    return out
  }
}
