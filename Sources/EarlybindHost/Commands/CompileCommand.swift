// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore

/// `earlybind compile`: config to binding table, checked against the
/// kernel the table is for.
struct CompileCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "compile",
    abstract: "Compile the config into the binary table the initramfs binder reads.",
    discussion: """
      Every driver a rule names must exist for the target kernel, as a module
      or built in; the vfio modules are added to the table's load list. The
      table is written atomically: the old one stays until the new one is complete.
      A config (or its folder) that root does not own, or that group or others
      can write, is refused.
      """)

  @OptionGroup var config: ConfigOptions

  @Option(
    name: .long, help: "Where to write the table (default: /etc/earlybind/bindings.tbl).",
    completion: .file())
  var output: String?

  @Option(name: .long, help: "Kernel release the table is for (default: the running one).")
  var kernel: String?

  @Option(
    name: .long, help: "Module tree to check drivers in (default: /lib/modules/KERNEL).",
    completion: .directory)
  var moduleDir: String?

  @Flag(name: .long, help: "Do not check that the drivers exist.")
  var skipModuleCheck = false

  @Flag(
    name: .long,
    help: "Print the modules the table loads, one per line (for initramfs hooks).")
  var listModules = false

  @Option(name: .long, help: "Also protect this PCI address (repeatable).")
  var protect: [PCIAddress] = []

  /// `--no-root-guard` is the name from before the keyboard and network
  /// guards, kept so existing scripts go on working.
  @Flag(
    name: [.customLong("no-host-guards"), .customLong("no-root-guard")],
    help: """
      Do not protect this host's root, /boot, /usr, /var and swap controllers, nor guard \
      its keyboards' controllers and its boot network's NICs (for tables built for another \
      machine).
      """)
  var noHostGuards = false

  func validate() throws {
    if output?.isEmpty == true { throw ValidationError("--output needs a path") }
    if skipModuleCheck && (kernel != nil || moduleDir != nil) {
      throw ValidationError("--skip-module-check makes --kernel and --module-dir pointless")
    }
  }

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    let fileSystem = environment.fileSystem
    // Under the config's lock, so the table is made from a config no add
    // or remove is halfway through.
    let path = config.path(in: environment)
    let target: String
    do {
      target = try fileSystem.linkTarget(path)
    } catch {
      throw .system(error)
    }
    // A missing config gets no lock file beside it: loading it fails anyway.
    let lock =
      fileSystem.exists(target)
      ? try ConfigLock.acquireForReading(target, waitingAtMost: environment.lockTimeout) : nil
    defer { lock?.release() }
    let rules = try ConfigFile.load(path, fileSystem: fileSystem)
    let problems = TrustedFile(trustedUID: environment.trustedUID, fileSystem: fileSystem)
      .problems(path)
    if !problems.isEmpty {
      throw .untrustedConfig(path: path, problems: problems)
    }
    let moduleCheck =
      skipModuleCheck
      ? nil
      : environment.moduleCheck(kernel: kernel ?? environment.kernelRelease, directory: moduleDir)
    // The table carries the controllers holding the host's filesystems, so
    // the binder refuses them at boot even if a rule selects them.
    var protected = protect
    var needs: [GuardedAddress] = []
    if !noHostGuards {
      let guarded = environment.rootGuard()
      guarded.printWarnings(to: environment.output)
      protected += guarded.addresses
      needs = guarded.guardedAddresses
    }
    let table = try BindingTableBuilder.table(
      rules, protected: protected, guarded: needs, moduleCheck: moduleCheck)
    let modules = table.modules
    let output = output ?? environment.paths.table
    try TableFile.write(table, to: output, fileSystem: fileSystem)
    // The tree the drivers were checked in (--module-dir) tells what is built in.
    let nextBoot =
      moduleCheck.map { NextBoot(kernel: $0.kernel, tree: $0.tree) }
      ?? NextBoot(kernel: kernel ?? environment.kernelRelease, in: environment)
    nextBoot.warnAboutBuiltInHolders(table, in: environment)
    if listModules {
      for module in modules { environment.output.line(module.name) }
    } else {
      let names = modules.map(\.name).joined(separator: " ")
      let guarded = table.protectedAddresses.map(\.description).joined(separator: " ")
      let needs = table.guardedAddresses.map { $0.need.name + " " + $0.address.description }
      let needsText = needs.isEmpty ? "" : ", guards [" + needs.joined(separator: ", ") + "]"
      environment.output.line(
        "earlybind: \(rules.count) rule(s), modules [\(names)], protects [\(guarded)]\(needsText)"
          + " -> \(output)")
    }
    return .success
  }
}
