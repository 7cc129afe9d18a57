// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// `earlybind plan --json`:
///
///     {version, source: config|table, path, kernel, disabled (bool), dry_run (bool),
///      command_line_problems: [string],
///      targets: [{address, id, driver, line, rule, reason: selected|function|group,
///        of, group, action: bind|already-bound|rebind|take-from-built-in|held|before-module,
///        holder, settings: [string], message}],
///      refused: [{address, id, line, rule, reason: boot-vga|presumed-boot-gpu|protected|
///        keyboard|network|skipped|conflict|guarded-member|address-moved, message}],
///      unmatched_rules: [{line, rule, message}],
///      modules: [{name, optional (bool)}]}
///
/// `id` is vendor:device; `of` is the selected device a function or group
/// member follows, `group` its IOMMU group, `holder` the driver that holds a
/// target now (rebind, take-from-built-in, held, before-module); `settings` the attributes
/// the binder writes before the driver probes (`reset_method=flr bus`, `d3cold_allowed=0`);
/// `message` is the line the binder would log.
/// `kernel` is the release whose built-in drivers the plan was judged by
/// (null when judged as things are now). `line` is 0 for rules from earlybind.bind= on the command line.
extension PlanReport: JSONDocument {
  /// 2: `kernel`, and the actions take-from-built-in and before-module.
  /// 3: targets' `settings`; the refusal reasons keyboard and network.
  static let schemaVersion = 3

  enum Keys: String, CodingKey {
    case version, source, path, kernel, disabled, targets, refused, modules
    case dryRun = "dry_run"
    case commandLineProblems = "command_line_problems"
    case unmatchedRules = "unmatched_rules"
    case address, id, driver, line, rule, reason, of, group, action, holder, settings, message
    case name, optional
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(Self.schemaVersion, forKey: .version)
    try container.encode(source.rawValue, forKey: .source)
    try container.encode(path, forKey: .path)
    try container.encode(nextBoot?.kernel, forKey: .kernel)
    try container.encode(options.disabled, forKey: .disabled)
    try container.encode(options.dryRun, forKey: .dryRun)
    try container.encode(options.problems.map(\.description), forKey: .commandLineProblems)
    var targets = container.nestedUnkeyedContainer(forKey: .targets)
    for target in plan.targets {
      var object = targets.nestedContainer(keyedBy: Keys.self)
      try object.encodeDevice(target.device, rule: target.rule)
      try object.encode(target.driver, forKey: .driver)
      var parent: PCIAddress? = nil
      var group: String? = nil
      switch target.reason {
      case .selected: try object.encode("selected", forKey: .reason)
      case .function(let of):
        try object.encode("function", forKey: .reason)
        parent = of
      case .group(let of, let name):
        try object.encode("group", forKey: .reason)
        parent = of
        group = name
      }
      try object.encode(parent?.description, forKey: .of)
      try object.encode(group, forKey: .group)
      var holder: String? = nil
      switch target.action {
      case .bind: try object.encode("bind", forKey: .action)
      case .alreadyBound: try object.encode("already-bound", forKey: .action)
      case .rebind(let from):
        try object.encode("rebind", forKey: .action)
        holder = from
      case .takeFromBuiltIn(let driver):
        try object.encode("take-from-built-in", forKey: .action)
        holder = driver
      case .heldBy(let driver):
        try object.encode("held", forKey: .action)
        holder = driver
      case .beforeModule(let driver):
        try object.encode("before-module", forKey: .action)
        holder = driver
      }
      try object.encode(holder, forKey: .holder)
      try object.encode(target.rule.settings, forKey: .settings)
      try object.encode(PlanText.target(target), forKey: .message)
    }
    var refused = container.nestedUnkeyedContainer(forKey: .refused)
    for refusal in plan.refusals {
      var object = refused.nestedContainer(keyedBy: Keys.self)
      try object.encodeDevice(refusal.device, rule: refusal.rule)
      try object.encode(Self.code(refusal.reason), forKey: .reason)
      try object.encode(PlanText.refusal(refusal), forKey: .message)
    }
    var unmatched = container.nestedUnkeyedContainer(forKey: .unmatchedRules)
    for rule in plan.unmatchedRules {
      var object = unmatched.nestedContainer(keyedBy: Keys.self)
      try object.encode(rule.line, forKey: .line)
      try object.encode(rule.description, forKey: .rule)
      try object.encode(PlanText.unmatched(rule), forKey: .message)
    }
    var modules = container.nestedUnkeyedContainer(forKey: .modules)
    for module in plan.modules {
      var object = modules.nestedContainer(keyedBy: Keys.self)
      try object.encode(module.name, forKey: .name)
      try object.encode(module.optional, forKey: .optional)
    }
  }

  static func code(_ reason: RefusalReason) -> String {
    switch reason {
    case .bootVGA: return "boot-vga"
    case .presumedBootGPU: return "presumed-boot-gpu"
    case .protected: return "protected"
    case .hostNeed(let need): return need.name
    case .skippedOnCommandLine: return "skipped"
    case .conflict: return "conflict"
    case .groupHasGuardedMember: return "guarded-member"
    case .addressMoved: return "address-moved"
    }
  }
}

extension KeyedEncodingContainer where Key == PlanReport.Keys {
  mutating func encodeDevice(_ device: PCIDevice, rule: Rule) throws {
    try encode(device.address.description, forKey: .address)
    try encode(device.identity.id.description, forKey: .id)
    try encode(rule.line, forKey: .line)
    try encode(rule.description, forKey: .rule)
  }
}
