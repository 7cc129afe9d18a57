// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// The boot report, the live drivers and the hints, computed once for both outputs.
struct StatusReport {
  enum State: String {
    /// The binder ran this boot and left its report.
    case ran
    /// No report: the binder did not run (no hook in the image, earlybind=off
    /// before the report existed, or a boot without the initramfs).
    case notRun = "not-run"
    /// A report is there but cannot be read or decoded.
    case unreadable
  }

  struct Device {
    var address: String
    var id: String
    var intended: String
    var outcome: String
    var driver: String?
    var ok: Bool { driver == intended }
  }

  var state: State
  /// Why there is no report; nil when there is one.
  var message: String?
  var reportStatus: BindingReport.Status?
  var reportMessage: String?
  var elapsed: Int?
  var devices: [Device] = []
  var refused: [String] = []
  var unmatched: [String] = []
  /// The binder's word on where the devices of refused `expect=` rules went.
  var moves: [String] = []
  var problems: [String] = []
  var hints: [String] = []
  /// Functions added, removed or moved since the previous boot; nil when
  /// there is no previous boot on record (or no way to tell boots apart).
  var hardware: HardwareChanges?
  var previousBootID: String?

  init(_ missing: StatusCommand.MissingReport) {
    state = missing.state
    message = missing.message
  }

  init(report: BindingReport, sysfs: String, config: String, fileSystem: any HostFileSystem) {
    state = .ran
    reportStatus = report.status
    reportMessage = report.message
    elapsed = report.elapsedMicroseconds
    refused = report.refusals
    unmatched = report.unmatchedRules
    moves = report.moves
    problems = report.problems
    let control = DeviceControl(
      fileSystem: AnyHostFileSystem(fileSystem), layout: SysfsLayout(sysfs: sysfs))
    for entry in report.entries {
      devices.append(
        Device(
          address: entry.address.description, id: entry.id.bracketed, intended: entry.driver,
          outcome: entry.outcome.rawValue, driver: control.driver(of: entry.address)))
    }
    // Places that hold another device than the rules were written for
    // (needs expect=), and where that device is now.
    if let rules = try? ConfigFile.load(config, fileSystem: fileSystem),
      let inventory = try? DeviceInventory.load(
        sysfs: sysfs, table: BindingTable(rules: rules), fileSystem: fileSystem),
      let plan = inventory.plan
    {
      for refusal in plan.refusals {
        if case .addressMoved = refusal.reason { hints.append(PlanText.refusal(refusal)) }
      }
      for move in MoveAdvice.moves(inventory, rules: rules) {
        hints.append(MoveAdvice.text(for: move))
      }
    }
  }

  var isHealthy: Bool {
    state == .ran && reportStatus == .done && devices.allSatisfy(\.ok) && unmatched.isEmpty
      && hints.isEmpty && problems.isEmpty
  }

  /// The report beside the live drivers (when there is a report).
  func text() -> String {
    var out = "binder at boot: " + (reportStatus?.rawValue ?? state.rawValue)
    if let reportMessage, !reportMessage.isEmpty { out += " (" + reportMessage + ")" }
    out += ", \(elapsed ?? 0) µs\n"
    for device in devices {
      let live = device.driver ?? "no driver"
      out +=
        "  \(device.address) \(device.id) -> \(device.intended): at boot \(device.outcome), now \(live)"
      out += device.ok ? "\n" : "  <-- not on \(device.intended)\n"
    }
    for line in refused { out += "  refused: " + line + "\n" }
    for rule in unmatched { out += "  rule matched nothing: " + rule + "\n" }
    for move in moves { out += "  at boot: " + move + "\n" }
    for problem in problems { out += "  problem: " + problem + "\n" }
    for hint in hints { out += "  hint: " + hint + "\n" }
    if let hardware {
      if hardware.isEmpty {
        out += "hardware: no change since the previous boot\n"
      } else {
        out += "hardware since the previous boot:\n"
        for line in hardware.lines { out += "  " + line + "\n" }
      }
    }
    return out
  }

  /// Records this boot's functions in the inventory at `path` and compares
  /// them with the previous boot's. This boot's are the report's when the
  /// binder read every function, else a scan of the live system. Returns
  /// a warning when the inventory cannot be read or written.
  mutating func trackHardware(
    report: BindingReport, inventory path: String, sysfs: String, proc: String,
    fileSystem: any HostFileSystem
  ) -> String? {
    let liveBootID =
      (try? fileSystem.readFile(proc + "/sys/kernel/random/boot_id", limit: 64))
      .map { Text.trimmed(String(decoding: $0, as: UTF8.self)) } ?? ""
    let bootID = report.bootID.isEmpty ? liveBootID : report.bootID
    guard !bootID.isEmpty else { return nil }
    var functions = report.functions
    // The binder reads bridges only for path rules: the paths it left out
    // come from this system, when it is the boot the report is of.
    let thisBoot = bootID == liveBootID
    if report.scan != .all || (thisBoot && functions.contains { $0.path == nil }) {
      guard thisBoot,
        let records = try? DeviceInventory.load(sysfs: sysfs, table: nil, fileSystem: fileSystem)
          .records
      else { return nil }
      if report.scan != .all {
        functions = records.map {
          BindingReport.Function(address: $0.address, identity: $0.identity, path: $0.path)
        }
      } else {
        for index in functions.indices where functions[index].path == nil {
          functions[index].path = records.first { $0.address == functions[index].address }?.path
        }
      }
    }
    let boot = BootInventory.Boot(
      bootID: bootID, functions: functions.map(BootInventory.Function.init))
    var stored: BootInventory? = nil
    var warning: String? = nil
    if fileSystem.exists(path) {
      do {
        stored = try BootInventory.decoded(from: try fileSystem.readFile(path, limit: 1 << 22))
      } catch {
        warning = path + ": unreadable inventory, starting a new one: \(error)"
      }
    }
    let next = BootInventory.advanced(stored, to: boot)
    if let previous = next.previous {
      hardware = HardwareChanges(from: previous.functions, to: boot.functions)
      previousBootID = previous.bootID
    }
    if next != stored {
      do {
        try fileSystem.makeDirectories(Paths.parent(path))
        try fileSystem.replaceFile(path, with: next.bytes())
      } catch {
        warning = "cannot keep the hardware inventory: " + error.description
      }
    }
    return warning
  }
}
