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
      order kept, and the resulting plan for this machine is printed. For an address,
      the device's current vendor:device is recorded as expect=, so the binder refuses
      the address if another card appears there after a hardware change.
      """)

  @Argument(help: "SELECTOR [OPTION ...], as in a config line.")
  var words: [String]

  @OptionGroup var config: ConfigOptions
  @OptionGroup var sysfs: SysfsOptions

  @Flag(name: .long, help: "Do not record expect= for an address.")
  var noExpect = false

  func validate() throws {
    if words.isEmpty { throw ValidationError("give a selector, e.g. 0000:03:00.0 or non-boot-vga") }
  }

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    var rule = try RuleArguments.parse(words)
    let sysfs = sysfs.path(in: environment)
    if case .address(let address) = rule.selector, rule.expectedID == nil, !noExpect {
      let modalias = SysfsLayout(sysfs: sysfs).attribute(address, "modalias")
      if let bytes = try? environment.fileSystem.readFile(modalias, limit: 128),
        let identity = PCIIdentity(modalias: bytes[...])
      {
        rule.expectedID = identity.id
      } else {
        environment.output.warn(
          "note: no device at " + address.description + " now; the rule will wait for one")
      }
    }
    let path = config.path(in: environment)
    var place = (line: 0, replaced: false)
    let rules = try ConfigEdit(
      path: path, fileSystem: environment.fileSystem, lockTimeout: environment.lockTimeout,
      trustedUID: environment.trustedUID
    ).apply {
      editor throws(CommandFailure) in
      place = editor.upsert(rule)
    }
    environment.output.line(
      "\(place.replaced ? "replaced" : "added") \(path):\(place.line): \(rule.description)")
    ConfigEdit.showPlan(rules, sysfs: sysfs, in: environment)
    return .success
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
