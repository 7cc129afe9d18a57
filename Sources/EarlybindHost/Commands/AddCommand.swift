// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore

/// `earlybind add SELECTOR [OPTION ...]`.
struct AddCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Add a rule to the config (or replace the rule for the same selector).",
    discussion: """
      The rule is validated, the config is rewritten atomically with its comments and
      order kept, and the resulting plan for this machine is printed. An address behind
      a bridge is written as its path (path:1c.0/00.0/00.0), which bus renumbering does
      not change. For an address, path or slot, the device's current vendor:device (and
      subsystem) is recorded as expect=, so the binder refuses the place if another card
      appears there after a hardware change.
      """)

  @Argument(help: "SELECTOR [OPTION ...], as in a config line.")
  var words: [String]

  @OptionGroup var config: ConfigOptions
  @OptionGroup var sysfs: SysfsOptions

  @Flag(name: .long, help: "Do not record expect= for an address, path or slot.")
  var noExpect = false

  func validate() throws {
    if words.isEmpty { throw ValidationError("give a selector, e.g. 0000:03:00.0 or non-boot-vga") }
  }

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    var rule = try RuleArguments.parse(words)
    let sysfs = sysfs.path(in: environment)
    let original = rule.selector
    if rule.canExpect {
      pinDown(&rule, sysfs: sysfs, in: environment)
    }
    let path = config.path(in: environment)
    var place = (line: 0, replaced: false)
    let rules = try ConfigEdit(
      path: path, fileSystem: environment.fileSystem, lockTimeout: environment.lockTimeout,
      trustedUID: environment.trustedUID
    ).apply {
      editor throws(CommandFailure) in
      place = editor.upsert(rule, replacing: original == rule.selector ? nil : original)
    }
    environment.output.line(
      "\(place.replaced ? "replaced" : "added") \(path):\(place.line): \(rule.description)")
    ConfigEdit.showPlan(rules, sysfs: sysfs, in: environment)
    return .success
  }
}

extension AddCommand {
  /// Makes a rule for one place survive hardware changes: an address
  /// behind a bridge becomes its path, and the device there now is
  /// recorded as `expect=` (IDs, and the subsystem when it has one).
  func pinDown(_ rule: inout Rule, sysfs: String, in environment: HostEnvironment) {
    guard
      let records = try? DeviceInventory.load(
        sysfs: sysfs, table: nil, fileSystem: environment.fileSystem
      ).records
    else { return }
    let record: DeviceRecord?
    switch rule.selector {
    case .address(let named): record = records.first { $0.address == named }
    case .path(let named): record = records.first { $0.path == named }
    case .slot(let named):
      record = records.first { $0.slot == named && $0.address.function == 0 }
    default: return
    }
    guard let record else {
      environment.output.warn(
        "note: no device at " + rule.selector.description + " now; the rule will wait for one")
      return
    }
    let address = record.address
    let device = record.device
    if case .address = rule.selector, let path = record.path, path.hops.count > 1 {
      environment.output.warn(
        "note: " + address.description + " is behind a bridge; written as path:"
          + path.description + ", which bus renumbering does not change")
      rule.selector = .path(path)
    }
    if rule.expectedID == nil, !noExpect {
      rule.expectedID = device.identity.id
      let none = PCIID(vendor: 0, device: 0)
      rule.expectedSubsystem = device.identity.subsystem == none ? nil : device.identity.subsystem
    }
  }
}

/// `earlybind remove SELECTOR`.
struct RemoveCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "remove",
    abstract: "Remove the rule for a selector from the config.")

  @Argument(help: "The selector of the rule to remove.")
  var selector: String

  @OptionGroup var config: ConfigOptions
  @OptionGroup var sysfs: SysfsOptions

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    let rule = try RuleArguments.parse([selector])
    let path = config.path(in: environment)
    var removed = 0
    let rules = try ConfigEdit(
      path: path, fileSystem: environment.fileSystem, lockTimeout: environment.lockTimeout,
      trustedUID: environment.trustedUID
    ).apply(shrinking: true) {
      editor throws(CommandFailure) in
      guard let line = editor.remove(rule.selector) else {
        throw .noRule(selector: rule.selector.description, path: path)
      }
      removed = line
    }
    environment.output.line("removed \(path):\(removed)")
    ConfigEdit.showPlan(rules, sysfs: sysfs.path(in: environment), in: environment)
    return .success
  }
}

extension ConfigEdit {
  /// What the edited rules do on this machine, planned as `plan` plans
  /// them (same guards), and the step that takes them to the next boot.
  static func showPlan(_ rules: [Rule], sysfs: String, in environment: HostEnvironment) {
    let options = environment.bootOptions
    let nextBoot = NextBoot(kernel: environment.kernelRelease, in: environment)
    if let plan = try? DeviceInventory.plan(
      BindingTableBuilder.guardedTable(rules, in: environment, warn: false),
      options: options, sysfs: sysfs, fileSystem: environment.fileSystem, nextBoot: nextBoot)
    {
      environment.output.write(
        PlanReport(
          plan: plan, options: options, source: .config, path: "", nextBoot: nextBoot
        ).text())
    }
    environment.output.line(
      Regenerator.rebuildHint(root: environment.paths.root, fileSystem: environment.fileSystem))
  }
}
