// SPDX-License-Identifier: Apache-2.0
/// Paths and switches for one binder run.
public struct BinderSettings: Sendable {
  public var layout: SysfsLayout
  public var cmdlinePath: String
  /// The kernel's name for this boot, recorded in the report.
  public var bootIDPath: String
  public var tablePath: String
  public var reportDirectory: String
  public var loadModules: Bool

  public init(
    root: String = "", tablePath: String = InstalledPaths.table, loadModules: Bool = true
  ) {
    layout = SysfsLayout(sysfs: root + "/sys")
    cmdlinePath = root + "/proc/cmdline"
    bootIDPath = root + "/proc/sys/kernel/random/boot_id"
    reportDirectory = root + InstalledPaths.reportDirectory
    self.tablePath = tablePath
    self.loadModules = loadModules
  }
}

/// The boot-time sequence: read switches and table, scan, plan, write
/// overrides, load drivers, probe, verify, report. It never throws and
/// never waits: whatever goes wrong is logged and the boot goes on.
///
/// The order follows the kernel's rules: overrides first (they neither
/// unbind nor load anything), then unbind where asked, then load the
/// modules (a freshly registered driver probes unbound devices itself),
/// then `drivers_probe` for what is still unbound (built-in or already
/// loaded drivers), then read each `driver` link back, because a probe can
/// "succeed" without binding.
public struct Binder<FS: FileSystem & FileCreating, Loader: ModuleLoader, Log: LogSink> {
  public var fileSystem: FS
  public var loader: Loader
  public var log: Log
  public var settings: BinderSettings
  /// Nanosecond clock for the report; injectable so tests stay exact.
  public var clock: () -> UInt64
  /// Leaders of the sets `carryOut` could neither bind nor give back to
  /// their drivers: each needs `earlybind release`.
  public private(set) var stranded: [PCIAddress] = []
  /// What `applySettings` wrote or skipped, by device, for the report.
  var settingsResults: [PCIAddress: [String]] = [:]

  public init(
    fileSystem: FS, loader: Loader, log: Log, settings: BinderSettings,
    clock: @escaping () -> UInt64 = { 0 }
  ) {
    self.fileSystem = fileSystem
    self.loader = loader
    self.log = log
    self.settings = settings
    self.clock = clock
  }

  @discardableResult
  public mutating func run() -> BindingReport {
    let start = clock()
    var report = execute()
    report.elapsedMicroseconds = Int((clock() &- start) / 1000)
    writeReport(report)
    return report
  }

  /// Builds the message only when the log keeps that level.
  mutating func say(_ level: LogLevel, _ message: @autoclosure () -> String) {
    guard log.keeps(level) else { return }
    log.log(level, message())
  }

  mutating func execute() -> BindingReport {
    var report = BindingReport()
    var problems = ProblemList()
    decideAndBind(into: &report, problems: &problems)
    recordProblems(problems, into: &report)
    return report
  }

  /// Everything `execute` does; what goes wrong is in `report` and
  /// `problems`.
  mutating func decideAndBind(into report: inout BindingReport, problems: inout ProblemList) {
    var options = BootOptions()
    let limit = BootOptions.maximumCommandLine
    if var cmdline = try? fileSystem.readFile(settings.cmdlinePath, limit: limit + 1) {
      if cmdline.count > limit {
        cmdline.removeLast(cmdline.count - limit)
        let problem =
          settings.cmdlinePath + " is longer than " + ASCII.decimal(limit)
          + " bytes; only its start was read"
        if problems.append(problem) { say(.warning, problem) }
      }
      options = BootOptions.parse(cmdline)
      log.setVerbose(options.debug)
    } else {
      let path = settings.cmdlinePath
      say(.warning, "cannot read " + path + "; using defaults")
    }
    for problem in options.problems where problems.append(problem.description) {
      say(.error, problem.description + "; ignored")
    }
    if options.disabled {
      say(.notice, "disabled by earlybind=off; nothing done")
      report.status = .disabled
      return
    }

    var table = BindingTable(rules: [])
    switch loadTable() {
    case .loaded(let loaded):
      table = loaded
    case .missing:
      let path = settings.tablePath
      say(.info, "no binding table at " + path)
    case .failed(let message):
      say(.error, message + "; binding nothing")
      report.status = .tableError
      report.message = message
      return
    }
    let rules = table.rules + options.extraRules
    if rules.isEmpty {
      say(.info, "no rules; nothing to do")
      return
    }

    let scanner = SysfsScanner(fileSystem: fileSystem, layout: settings.layout)
    var scan: SysfsScanner<FS>.Result
    // The slots read, or nil once every device was.
    var scanned: [PCIAddress]? = nil
    // Bridges' secondary buses cost a read each: only path rules need them.
    let tree = Planner<SysfsScanner<FS>>.needsTree(rules)
    do {
      scanned = Planner<SysfsScanner<FS>>.scanScope(for: rules)
      scan = try scanner.scan(slots: scanned, tree: tree)
      if scanned != nil,
        Planner<SysfsScanner<FS>>.needsEveryDevice(slotScan: scan.devices, rules: rules)
      {
        scan = try scanner.scan(tree: tree)
        scanned = nil
      }
    } catch {
      say(.error, "cannot list PCI devices: " + error.description)
      report.status = .scanError
      report.message = error.description
      return
    }
    for problem in scan.problems where problems.append(problem) {
      say(.warning, problem)
    }
    problems.drop(scan.droppedProblems)

    let planner = Planner(
      topology: scanner, protectedAddresses: table.protectedAddresses,
      guardedAddresses: table.guardedAddresses)
    let plan = planner.plan(
      devices: scan.devices, rules: rules, options: options, modules: table.modules)
    if options.debug {
      let refused = Set(plan.refusals.map { $0.device.address })
      for device in scan.devices
      where !plan.hasTarget(at: device.address) && !refused.contains(device.address) {
        say(
          .debug,
          PlanText.device(device) + " class " + ASCII.hex(device.identity.classCode, width: 6)
            + (device.isBootVGA ? " boot_vga" : "") + ": no rule")
      }
    }
    for refusal in plan.refusals {
      say(.warning, PlanText.refusal(refusal))
      report.refusals.append(PlanText.refusal(refusal))
    }
    for rule in plan.unmatchedRules {
      say(.notice, PlanText.unmatched(rule))
      report.unmatchedRules.append(rule.description)
    }
    if reportMoves(plan, rules: rules, scan: &scan, scanner: scanner, tree: tree, into: &report) {
      scanned = nil
    }
    recordFunctions(scan.devices, complete: scanned == nil, into: &report)

    if options.dryRun {
      for target in plan.targets {
        say(.notice, PlanText.target(target) + " [dry run]")
        report.entries.append(entry(target, outcome: .planned, detail: "dry run"))
      }
      report.status = .dryRun
      return
    }

    carryOut(plan, into: &report)
  }

  /// Says where the devices of `expect=` rules that lost theirs are now.
  /// The scan is redone in full, with the bridges, unless it was (rare:
  /// only then); returns whether it was redone.
  @discardableResult
  mutating func reportMoves(
    _ plan: Plan, rules: [Rule], scan: inout SysfsScanner<FS>.Result,
    scanner: SysfsScanner<FS>, tree: Bool, into report: inout BindingReport
  ) -> Bool {
    guard !Move.lostRules(rules, plan: plan).isEmpty else { return false }
    // Rare (a rule lost its device): worth a full scan with the bridges,
    // so that the log says where the device is by path too.
    var widened = false
    if !tree || Planner<SysfsScanner<FS>>.scanScope(for: rules) != nil {
      guard let full = try? scanner.scan() else { return false }
      scan = full
      widened = true
    }
    for move in Move.find(devices: scan.devices, rules: rules, plan: plan) {
      say(.warning, move.text)
      report.moves.append(move.text)
    }
    return widened
  }

  /// The functions the scan saw, for the host's comparison between boots;
  /// with their paths when the scan read the bridges (path rules).
  func recordFunctions(
    _ devices: [PCIDevice], complete: Bool, into report: inout BindingReport
  ) {
    report.scan = complete ? .all : .slots
    if let bytes = try? fileSystem.readFile(settings.bootIDPath, limit: 64) {
      let id = ASCII.trimmed(bytes[...])
      if id.allSatisfy({ ASCII.isNameByte($0) }) { report.bootID = ASCII.string(id) }
    }
    let tree = DeviceTree(devices: devices)
    report.functions.reserveCapacity(devices.count)
    for device in devices {
      report.functions.append(
        BindingReport.Function(
          address: device.address, identity: device.identity, path: tree.path(of: device.address)
        ))
    }
  }

  /// Puts the kept problems in the report, and says how many were not.
  mutating func recordProblems(_ problems: ProblemList, into report: inout BindingReport) {
    report.problems = problems.lines
    if let line = problems.droppedLine { say(.warning, line) }
  }

  /// Overrides and unbinds, module loading, probing and verification for
  /// every target of `plan`: the part `earlybind apply` shares with boot.
  ///
  /// A selected device and the functions and group members that follow it
  /// form a set, which goes to its driver whole or not at all: when one of
  /// its overrides cannot be written (a write error, a device gone), the
  /// overrides already written for it are cleared again and the set is
  /// reported failed, so that no follower is given away alone. When one of
  /// its devices cannot be unbound, the set is given back: overrides
  /// cleared, the devices already unbound bound again to the drivers they
  /// had (see `restore`).
  public mutating func carryOut(_ plan: Plan, into report: inout BindingReport) {
    var leaders: [PCIAddress] = []
    for target in plan.targets where !leaders.contains(Self.leader(of: target)) {
      leaders.append(Self.leader(of: target))
    }
    var failures: [(leader: PCIAddress, detail: String)] = []
    for leader in leaders {
      let members = plan.targets.filter { Self.leader(of: $0) == leader }
      for target in members { say(.notice, PlanText.target(target)) }
      if let detail = prepare(set: members, of: leader) { failures.append((leader, detail)) }
    }
    func failure(of target: Target) -> String? {
      for failure in failures where failure.leader == Self.leader(of: target) {
        return failure.detail
      }
      return nil
    }
    // Targets already on their driver need nothing loaded; libkmod is set
    // up only when something is (it reads modprobe.d and the indexes).
    if plan.targets.contains(where: {
      guard $0.needsBinding, case .none = failure(of: $0) else { return false }
      return true
    }) {
      loadModules(plan.modules, into: &report)
    }
    for target in plan.targets {
      if let detail = failure(of: target), target.needsBinding {
        report.entries.append(entry(target, outcome: .failed, detail: detail))
      } else {
        report.entries.append(finish(target))
      }
    }
    say(
      .notice,
      ASCII.decimal(report.boundCount) + " bound, " + ASCII.decimal(report.failedCount)
        + " failed, " + ASCII.decimal(plan.refusals.count) + " refused")
  }

  var control: DeviceControl<FS> {
    DeviceControl(fileSystem: fileSystem, layout: settings.layout)
  }

  enum TableLoad {
    case loaded(BindingTable)
    case missing
    case failed(String)
  }

  /// A missing table means "command-line rules only"; any other problem
  /// means the whole table is void.
  func loadTable() -> TableLoad {
    let bytes: [UInt8]
    do {
      bytes = try fileSystem.readFile(settings.tablePath, limit: BindingTableCodec.maximumSize + 1)
    } catch {
      if error.errno == .noSuchFile { return .missing }
      return .failed(error.description)
    }
    do {
      return .loaded(try BindingTableCodec.decode(bytes))
    } catch {
      return .failed(settings.tablePath + ": " + error.description)
    }
  }

  /// The selected device a target goes with.
  static func leader(of target: Target) -> PCIAddress {
    switch target.reason {
    case .selected: return target.device.address
    case .function(let parent), .group(let parent, _): return parent
    }
  }

  /// Writes the overrides of one set, then, with `rebind` or from a
  /// built-in driver, takes its devices from their drivers. Returns why the
  /// set failed, after clearing the overrides it had written and giving
  /// back what it had unbound (`restore`).
  mutating func prepare(set members: [Target], of leader: PCIAddress) -> String? {
    var written: [PCIAddress] = []
    for target in members where target.needsBinding {
      let address = target.device.address
      do {
        try control.setOverride(address, to: target.driver)
        written.append(address)
      } catch {
        say(.error, address.description + ": " + error.description)
        for done in written {
          do {
            try control.clearOverride(done)
          } catch {
            say(
              .error, done.description + ": cannot clear the override again: " + error.description)
          }
        }
        let detail =
          "override of " + address.description + " failed; nothing of the set of "
          + leader.description + " was given to " + target.driver
        say(.error, detail)
        return detail
      }
    }
    for target in members { applySettings(target) }
    var unbound: [(address: PCIAddress, driver: String)] = []
    for target in members {
      let from: String
      switch target.action {
      case .rebind(let holder), .takeFromBuiltIn(let holder): from = holder
      default: continue
      }
      let address = target.device.address
      do {
        try control.unbind(address)
        unbound.append((address, from))
      } catch {
        say(.error, address.description + ": cannot unbind " + from + ": " + error.description)
        // The unbind may have half happened: the device is checked too.
        unbound.append((address, from))
        return restore(set: members, of: leader, unbound: unbound, failed: address)
      }
    }
    return nil
  }

  /// Writes the rule's device settings after the override and before any
  /// driver probes the device. An attribute the kernel or the device lacks
  /// (reset_method before 5.15 or on a device with no reset, d3cold_allowed
  /// without power management) or a value it refuses (a reset the device
  /// cannot do) is logged and skipped: never a reason not to bind.
  mutating func applySettings(_ target: Target) {
    let address = target.device.address
    var results: [String] = []
    for (attribute, value) in target.rule.attributeWrites {
      do {
        try control.set(address, attribute, to: value)
        say(.info, address.description + ": " + attribute + " set to " + value)
        results.append(attribute + "=" + value)
      } catch {
        let why = error.errno == .noSuchFile ? "no such attribute" : error.description
        say(.warning, address.description + ": " + attribute + " not set (" + why + "); skipped")
        results.append(attribute + "=" + value + " skipped: " + why)
      }
    }
    if !results.isEmpty { settingsResults[address] = results }
  }

  /// Undoes `prepare` for a set whose device `failed` could not be
  /// unbound: clears the set's overrides and gives each unbound device back
  /// to the driver it had. What cannot be restored is logged with the
  /// `release` command that finishes the job, and its leader is noted in
  /// `stranded`. Returns why the set failed.
  mutating func restore(
    set members: [Target], of leader: PCIAddress,
    unbound: [(address: PCIAddress, driver: String)], failed: PCIAddress
  ) -> String {
    var lost = false
    for target in members where target.needsBinding {
      let address = target.device.address
      do {
        try control.clearOverride(address)
      } catch {
        say(.error, address.description + ": cannot clear the override: " + error.description)
        lost = true
      }
    }
    for (address, driver) in unbound where !isDriver(control.driver(of: address), driver) {
      do {
        if control.driver(of: address) == nil { try control.bind(address, to: driver) }
      } catch {
        say(
          .error, address.description + ": cannot bind " + driver + " again: " + error.description)
      }
      if !isDriver(control.driver(of: address), driver) {
        say(.error, address.description + " is not back on " + driver)
        lost = true
      }
    }
    let start = "cannot unbind " + failed.description + "; "
    if !lost {
      let detail = start + "the set of " + leader.description + " was given back to its drivers"
      say(.error, detail)
      return detail
    }
    stranded.append(leader)
    let detail =
      start + "the set of " + leader.description + " could not be given back to its drivers;"
      + " run: earlybind release " + leader.description
    say(.error, detail)
    return detail
  }

  mutating func loadModules(_ modules: [ModuleRequest], into report: inout BindingReport) {
    guard settings.loadModules else { return }
    for module in modules {
      let result = loader.load(module)
      report.modules.append(module.name + ": " + result.text)
      switch result {
      case .missing where module.optional:
        say(.debug, "module " + module.name + " not present (optional)")
      case .missing, .failed:
        say(.error, "module " + module.name + ": " + result.text)
      default:
        say(.debug, "module " + module.name + ": " + result.text)
      }
    }
  }

  /// Probes what is still unbound, then reads the `driver` link back.
  mutating func finish(_ target: Target) -> BindingReport.Entry {
    let address = target.device.address
    if case .alreadyBound = target.action {
      return entry(target, outcome: .alreadyBound)
    }
    let before = control.driver(of: address)
    switch target.action {
    case .heldBy(let holder), .beforeModule(let holder):
      if let before, ASCII.equal(before, holder) {
        return entry(target, outcome: .held, detail: "bound to " + holder + " (no rebind)")
      }
    default: break
    }
    if !isDriver(before, target.driver) {
      do {
        try control.probe(address)
      } catch {
        say(.debug, address.description + ": drivers_probe: " + error.description)
      }
    }
    let now = control.driver(of: address)
    if isDriver(now, target.driver) {
      say(.debug, address.description + " bound to " + target.driver)
      return entry(target, outcome: .bound)
    }
    let detail = "driver is " + (now ?? "none")
    say(.error, address.description + " not bound to " + target.driver + ": " + detail)
    return entry(target, outcome: .failed, detail: detail)
  }

  func isDriver(_ name: String?, _ driver: String) -> Bool {
    guard let name else { return false }
    return ASCII.equal(name, driver)
  }

  func entry(_ target: Target, outcome: BindingReport.Outcome, detail: String = "")
    -> BindingReport.Entry
  {
    let reason: String
    switch target.reason {
    case .selected: reason = target.rule.origin
    case .function(let parent): reason = "function of " + parent.description
    case .group(let parent, let group):
      reason = "IOMMU group " + group + " of " + parent.description
    }
    return BindingReport.Entry(
      address: target.device.address, id: target.device.identity.id,
      driver: target.driver,
      reason: reason, outcome: outcome, detail: detail,
      settings: outcome == .planned
        ? target.rule.settings : settingsResults[target.device.address] ?? [])
  }

  mutating func writeReport(_ report: BindingReport) {
    do {
      try fileSystem.makeDirectories(settings.reportDirectory)
      try fileSystem.replaceVolatileFile(
        Paths.join(settings.reportDirectory, InstalledPaths.reportName), with: report.jsonBytes())
    } catch {
      say(.warning, "cannot write report: " + error.description)
    }
  }
}
