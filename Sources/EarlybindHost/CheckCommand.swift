import ArgumentParser
import Foundation

/// `earlybind check`: everything that must hold before a passthrough boot.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Pre-flight checks: IOMMU, vfio, hooks and images, rules, groups, guards.",
    discussion: """
      Exit status 0 when everything is ok, 1 with warnings, 2 with errors.
      JSON: an array of {level: ok|warning|error, topic, message}.
      """)

  @Flag(name: .long, help: "Print JSON.")
  var json = false

  @Option(name: .long, help: "The config to check.")
  var config: String = ConfigFile.defaultPath

  @Option(name: .long, help: "The sysfs mount.")
  var sysfs: String = "/sys"

  @Option(name: .long, help: "The proc mount (cpuinfo, interrupts).")
  var proc: String = "/proc"

  @Option(name: .long, help: "Where kernels and initramfs images are.")
  var boot: String = "/boot"

  @Option(name: .long, help: "Where the kernels' module trees are.")
  var modules: String = "/lib/modules"

  func run() throws {
    var check = HostCheck()
    check.config = config
    check.sysfs = sysfs
    check.proc = proc
    check.boot = boot
    check.modules = modules
    let findings = check.run()
    if json {
      let objects = findings.map {
        ["level": $0.level.rawValue, "topic": $0.topic, "message": $0.message]
      }
      let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted])
      print(String(decoding: data, as: UTF8.self))
    } else {
      for finding in findings {
        let mark: String
        switch finding.level {
        case .ok: mark = "ok     "
        case .warning: mark = "warning"
        case .error: mark = "ERROR  "
        }
        print("\(mark) \(finding.topic): \(finding.message)")
      }
    }
    if findings.contains(where: { $0.level == .error }) { throw ExitCode(2) }
    if findings.contains(where: { $0.level == .warning }) { throw ExitCode(1) }
  }
}
