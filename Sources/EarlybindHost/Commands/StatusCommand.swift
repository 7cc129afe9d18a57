// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// `earlybind status`: what the binder did at boot beside the live state.
struct StatusCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show what the binder did at boot and whether it still holds.",
    discussion: """
      Reads the binder's report (/run/earlybind/report.json) and compares each target
      with the live driver. Also plans the current config against this machine, to
      catch rules whose address now holds another device, and compares this boot's PCI
      functions with the previous boot's (kept in /var/lib/earlybind/inventory.json):
      what was added, removed or moved. Exit status: 0 all is well,
      1 something needs attention, 2 no readable report (the binder did not run this
      boot). The JSON document, printed in every case, is described in earlybind(8).
      """)

  @OptionGroup var output: OutputOptions

  @Option(
    name: .long, help: "The binder's report (default: /run/earlybind/report.json).",
    completion: .file())
  var report: String?

  @Option(
    name: .long,
    help:
      "The PCI functions of this and the previous boot (default: /var/lib/earlybind/inventory.json).",
    completion: .file())
  var inventory: String?

  @OptionGroup var config: ConfigOptions
  @OptionGroup var sysfs: SysfsOptions

  var printsJSON: Bool { output.json }

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    let path = report ?? environment.paths.report
    var status: StatusReport
    switch Self.read(path, fileSystem: environment.fileSystem) {
    case .success(let report):
      status = StatusReport(
        report: report, sysfs: sysfs.path(in: environment), config: config.path(in: environment),
        fileSystem: environment.fileSystem)
      if let warning = status.trackHardware(
        report: report, inventory: inventory ?? environment.paths.inventory,
        sysfs: sysfs.path(in: environment), proc: environment.paths.proc,
        fileSystem: environment.fileSystem)
      {
        environment.output.warn(warning)
      }
    case .failure(let missing):
      status = StatusReport(missing)
      environment.output.warn(missing.message)
    }
    // Without a report, people read the warning; scripts still get a document.
    if output.json {
      environment.output.write(JSONOutput.render(status))
    } else if status.state == .ran {
      environment.output.write(status.text())
    }
    switch status.state {
    case .ran: return status.isHealthy ? .success : .failure
    case .notRun, .unreadable: return .severe
    }
  }

  /// Why there is no report to show.
  struct MissingReport: Error {
    var state: StatusReport.State
    var message: String
  }

  static func read(_ path: String, fileSystem: any HostFileSystem) -> Result<
    BindingReport, MissingReport
  > {
    let bytes: [UInt8]
    do {
      bytes = try fileSystem.readFile(path, limit: 1 << 24)
    } catch {
      if error.errno == .noSuchFile {
        return .failure(
          MissingReport(
            state: .notRun,
            message: "no binder report at " + path
              + ": the binder did not run this boot (hooks not in this initramfs? earlybind=off?)"
          ))
      }
      return .failure(MissingReport(state: .unreadable, message: error.description))
    }
    do {
      return .success(try BindingReport.decoded(from: bytes))
    } catch {
      return .failure(
        MissingReport(state: .unreadable, message: path + ": unreadable report: \(error)"))
    }
  }
}
