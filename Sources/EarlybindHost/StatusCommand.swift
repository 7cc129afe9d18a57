import ArgumentParser
import EarlybindCore
import EarlybindPosix
import Foundation

/// `earlybind status`: what the binder did at boot beside the live state.
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show what the binder did at boot and whether it still holds.",
    discussion: """
      Reads the binder's report (/run/earlybind/report.json) and compares each target
      with the live driver. Also plans the current config against this machine, to
      catch rules whose address now holds another device. Exit status: 0 all is well,
      1 something needs attention, 2 no report (the binder did not run this boot).
      JSON keys: report_status, report_message, elapsed_us, devices [address, id,
      intended, outcome, driver, ok], refused, unmatched_rules, problems, hints.
      """)

  @Flag(name: .long, help: "Print JSON.")
  var json = false

  @Option(name: .long, help: "The binder's report.")
  var report: String = "/run/earlybind/report.json"

  @Option(name: .long, help: "The config (for address-change hints).")
  var config: String = ConfigFile.defaultPath

  @Option(name: .long, help: "The sysfs mount to compare with.")
  var sysfs: String = "/sys"

  func run() throws {
    guard let bytes = try? PosixFileSystem().readFile(report, limit: 1 << 24),
      let object = try? JSONDecoder().decode(BindingReport.self, from: Data(bytes))
    else {
      throw Self.fail(
        CommandFailure(
          "no readable binder report at " + report
            + ": the binder did not run this boot (hooks not in this initramfs? earlybind=off?)"),
        code: 2)
    }
    let status = StatusReport(report: object, sysfs: sysfs, config: config)
    if json {
      let output = try JSONSerialization.data(
        withJSONObject: status.jsonObject(), options: [.prettyPrinted, .sortedKeys])
      print(String(decoding: output, as: UTF8.self))
    } else {
      print(status.text(), terminator: "")
    }
    if !status.isHealthy { throw ExitCode(1) }
  }
}

/// The report, the live drivers and the hints, computed once for both outputs.
struct StatusReport {
  struct Device {
    var address: String
    var id: String
    var intended: String
    var outcome: String
    var driver: String?
    var ok: Bool { driver == intended }
  }

  var reportStatus: BindingReport.Status
  var reportMessage: String
  var elapsed: Int
  var devices: [Device] = []
  var refused: [String]
  var unmatched: [String]
  var problems: [String]
  var hints: [String] = []

  init(report: BindingReport, sysfs: String, config: String) {
    reportStatus = report.status
    reportMessage = report.message
    elapsed = report.elapsedMicroseconds
    refused = report.refusals
    unmatched = report.unmatchedRules
    problems = report.problems
    let control = DeviceControl(fileSystem: PosixFileSystem(), layout: SysfsLayout(sysfs: sysfs))
    for entry in report.entries {
      devices.append(
        Device(
          address: entry.address.description, id: entry.id.bracketed, intended: entry.driver,
          outcome: entry.outcome.rawValue, driver: control.driver(of: entry.address)))
    }
    // Addresses that moved since the rules were written (needs expect=).
    if let rules = try? ConfigFile.load(config),
      let plan = try? PlanReport.make(
        sysfs: sysfs, rules: rules, options: BootOptions(), modules: [], protected: [])
    {
      for refusal in plan.refusals {
        if case .addressMoved = refusal.reason {
          hints.append(PlanText.refusal(refusal) + "; update the rule with 'earlybind add'")
        }
      }
    }
  }

  var isHealthy: Bool {
    reportStatus == .done && devices.allSatisfy(\.ok) && unmatched.isEmpty && hints.isEmpty
      && problems.isEmpty
  }

  func text() -> String {
    var out = "binder at boot: " + reportStatus.rawValue
    if !reportMessage.isEmpty { out += " (" + reportMessage + ")" }
    out += ", \(elapsed) µs\n"
    for device in devices {
      let live = device.driver ?? "no driver"
      out +=
        "  \(device.address) \(device.id) -> \(device.intended): at boot \(device.outcome), now \(live)"
      out += device.ok ? "\n" : "  <-- not on \(device.intended)\n"
    }
    for line in refused { out += "  refused: " + line + "\n" }
    for rule in unmatched { out += "  rule matched nothing: " + rule + "\n" }
    for problem in problems { out += "  problem: " + problem + "\n" }
    for hint in hints { out += "  hint: " + hint + "\n" }
    return out
  }

  func jsonObject() -> [String: Any] {
    [
      "report_status": reportStatus.rawValue, "report_message": reportMessage,
      "elapsed_us": elapsed,
      "devices": devices.map {
        [
          "address": $0.address, "id": $0.id, "intended": $0.intended, "outcome": $0.outcome,
          "driver": $0.driver as Any, "ok": $0.ok,
        ] as [String: Any]
      },
      "refused": refused, "unmatched_rules": unmatched, "problems": problems, "hints": hints,
    ]
  }
}
