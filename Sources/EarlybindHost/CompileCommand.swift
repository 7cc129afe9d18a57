import ArgumentParser
import EarlybindCore
import EarlybindPosix

/// `earlybind compile`: config to binding table, checked against the
/// kernel the table is for.
struct CompileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compile",
    abstract: "Compile the config into the binary table the initramfs binder reads.",
    discussion: """
      Every driver a rule names must exist for the target kernel, as a module
      or built in; the vfio modules are added to the table's load list. The
      table is written atomically: the old one stays until the new one is complete.
      """)

  @Option(name: .long, help: "The config to compile.")
  var config: String = ConfigFile.defaultPath

  @Option(name: .long, help: "Where to write the table.")
  var output: String = "/etc/earlybind/bindings.tbl"

  @Option(name: .long, help: "Kernel release the table is for (default: the running one).")
  var kernel: String?

  @Option(name: .long, help: "Module tree to check drivers in (default: /lib/modules/KERNEL).")
  var moduleDir: String?

  @Flag(name: .long, help: "Do not check that the drivers exist.")
  var skipModuleCheck = false

  @Flag(
    name: .long,
    help: "Print the modules the table loads, one per line (for initramfs hooks).")
  var listModules = false

  @Option(name: .long, help: "Also protect this PCI address (repeatable).")
  var protect: [String] = []

  @Flag(
    name: .long,
    help: """
      Do not protect this host's root, /boot, /usr, /var and swap controllers \
      (for tables built for another machine).
      """)
  var noRootGuard = false

  func validate() throws {
    if output.isEmpty { throw ValidationError("--output needs a path") }
    for text in protect where PCIAddress(text) == nil {
      throw ValidationError("--protect needs a PCI address like 0000:00:1f.2, not '\(text)'")
    }
    if skipModuleCheck && (kernel != nil || moduleDir != nil) {
      throw ValidationError("--skip-module-check makes --kernel and --module-dir pointless")
    }
  }

  func run() throws {
    do {
      let rules = try ConfigFile.load(config)
      var modules = BindingTable.modules(for: rules)
      if !skipModuleCheck {
        modules = try ModuleCheck(
          kernel: kernel ?? KernelRelease.running, moduleDirectory: moduleDir
        ).resolve(rules: rules, modules: modules)
      }
      // The table carries the controllers holding the host's filesystems, so
      // the binder refuses them at boot even if a rule selects them.
      var protected = protect.compactMap { PCIAddress($0) }
      if !noRootGuard {
        let report = RootDeviceGuard.system().resolve()
        report.printWarnings()
        protected += report.addresses
      }
      protected = Array(Set(protected)).sorted()
      let table = BindingTable(rules: rules, modules: modules, protectedAddresses: protected)
      try TableFile.write(table, to: output)
      if listModules {
        for module in modules { print(module.name) }
      } else {
        let names = modules.map(\.name).joined(separator: " ")
        let guarded = protected.map(\.description).joined(separator: " ")
        print(
          "earlybind: \(rules.count) rule(s), modules [\(names)], protects [\(guarded)] -> \(output)"
        )
      }
    } catch {
      throw Self.fail(error)
    }
  }
}
