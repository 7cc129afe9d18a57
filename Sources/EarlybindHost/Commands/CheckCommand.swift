// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore

/// `earlybind check`: everything that must hold before a passthrough boot.
struct CheckCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Pre-flight checks: IOMMU, vfio, hooks and images, rules, groups, guards.",
    discussion: """
      Exit status 0 when everything is ok, 1 with warnings, 2 with errors.
      The JSON document is described in earlybind(8).
      """)

  @OptionGroup var output: OutputOptions
  @OptionGroup var config: ConfigOptions
  @OptionGroup var sysfs: SysfsOptions

  @Option(name: .long, help: "The proc mount (cpuinfo, interrupts).", completion: .directory)
  var proc: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "The system's root: hooks, kernels, images and unified kernel images are looked for "
        + "under it.", valueName: "dir"),
    completion: .directory)
  var root: String?

  @Option(
    name: .long, help: "Where kernels and initramfs images are (default: ROOT/boot).",
    completion: .directory)
  var boot: String?

  @Option(
    name: .long, help: "Where the kernels' module trees are (default: ROOT/lib/modules).",
    completion: .directory)
  var modules: String?

  /// Lists an image's members as the check reads them, one path a line,
  /// for comparing the reader with lsinitramfs.
  @Option(name: .long, help: .hidden)
  var listImage: String?

  var printsJSON: Bool { output.json }

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    if let listImage {
      var names = ""
      do {
        _ = try InitramfsImage.read(listImage) { entry in names += entry.name + "\n" }
      } catch {
        throw .image(error)
      }
      environment.output.write(names)
      return .success
    }
    var paths = environment.paths
    paths.sysfs = sysfs.path(in: environment)
    paths.config = config.path(in: environment)
    paths.proc = proc ?? paths.proc
    if let root {
      // "/" is the running system, as no --root is.
      paths.root = root == "/" ? "" : String(root.reversed().drop { $0 == "/" }.reversed())
      paths.boot = paths.root + "/boot"
      paths.modules = paths.root + "/lib/modules"
    }
    paths.boot = boot ?? paths.boot
    paths.modules = modules ?? paths.modules
    var checked = environment
    checked.paths = paths
    let report = HostCheck(environment: checked).run()
    environment.output.write(output.json ? JSONOutput.render(report) : report.text())
    switch report.worst {
    case .ok: return .success
    case .warning: return .failure
    case .error: return .severe
    }
  }
}
