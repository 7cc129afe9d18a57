// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// The pre-flight checks, over the environment's paths and services so
/// tests run them on fake trees. Each check says what is wrong and what
/// to do about it.
struct HostCheck {
  var environment: HostEnvironment

  var paths: HostPaths { environment.paths }
  var fileSystem: any HostFileSystem { environment.fileSystem }

  func run() -> CheckReport {
    var report = CheckReport(findings: [])
    checkIOMMU(into: &report)
    checkInterruptRemapping(into: &report)
    let kernels = InstalledKernels.list(
      modules: paths.modules, boot: paths.boot, fileSystem: fileSystem)
    // The root-device guard probes disks with libblkid: once, when first
    // needed, for every check that plans or compares tables.
    lazy var guarded = environment.rootGuard()
    let ukis = unifiedKernelImages()
    // A UKI's kernel has no vmlinuz in /boot; its modules are still here.
    let ukiKernels = ukiReleases(ukis).filter {
      !kernels.contains($0) && fileSystem.isDirectory(paths.modules + "/" + $0)
    }
    checkKernels(
      (kernels + ukiKernels).sorted(), guarded: { guarded }, into: &report,
      withUKIs: !ukis.isEmpty)
    checkImages(kernels, ukis: ukis, guarded: { guarded }, into: &report)
    checkRules(guarded: { guarded }, into: &report)
    return report
  }

  /// A small text file (proc, sysfs), or "" when it cannot be read.
  func read(_ path: String) -> String {
    guard let bytes = try? fileSystem.readFile(path, limit: 1 << 20) else { return "" }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// What turns the IOMMU on for this CPU. The kernel turns AMD's on by
  /// default once the firmware enables it (amd_iommu= takes no `on`);
  /// Intel's needs intel_iommu=on on kernels built without it on.
  var cpuVendorAdvice: String {
    let cpuinfo = read(paths.proc + "/cpuinfo")
    if cpuinfo.contains("AuthenticAMD") {
      return "enable AMD-Vi (IOMMU) in the firmware setup; the kernel then turns it on by"
        + " itself (iommu=pt on the kernel command line is the usual addition)"
    }
    if cpuinfo.contains("GenuineIntel") {
      return "enable VT-d in the firmware setup and add intel_iommu=on iommu=pt to the kernel"
        + " command line"
    }
    return "enable the IOMMU (VT-d or AMD-Vi) in the firmware setup; on Intel also add"
      + " intel_iommu=on iommu=pt to the kernel command line"
  }

  func checkIOMMU(into report: inout CheckReport) {
    let groups = SysfsLayout(sysfs: paths.sysfs).iommuGroups
    let count = (try? fileSystem.listDirectory(groups))?.count ?? 0
    if count == 0 {
      report.add(
        .error, "iommu",
        "IOMMU is off (no groups in \(groups)): vfio-pci cannot hand devices "
          + "to a guest; " + cpuVendorAdvice)
    } else {
      report.add(.ok, "iommu", "IOMMU is on: \(count) groups")
    }
  }

  func checkInterruptRemapping(into report: inout CheckReport) {
    let interrupts = read(paths.proc + "/interrupts")
    let unsafe = read(
      paths.sysfs + "/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
    ).hasPrefix("Y")
    if interrupts.contains("IR-") {
      report.add(.ok, "interrupts", "interrupt remapping is on")
    } else {
      report.add(
        .warning, "interrupts",
        "no interrupt remapping seen in \(paths.proc)/interrupts: vfio refuses devices unless "
          + "vfio_iommu_type1 allow_unsafe_interrupts=1, which lets a guest forge interrupts "
          + "(acceptable only for guests you trust)")
    }
    if unsafe {
      report.add(.warning, "interrupts", "vfio_iommu_type1 allow_unsafe_interrupts is on")
    }
  }

  func checkKernels(
    _ kernels: [String], guarded: () -> RootDeviceReport, into report: inout CheckReport,
    withUKIs: Bool = false
  ) {
    // A UKI carries its kernel: /boot may hold none.
    if kernels.isEmpty && !withUKIs {
      report.add(
        .warning, "kernels",
        "no installed kernel found (\(paths.modules)/K with \(paths.boot)/vmlinuz-K)")
    }
    let table = kernels.isEmpty ? nil : builtInTable(guarded: guarded)
    for kernel in kernels {
      let tree = environment.moduleTree(paths.modules + "/" + kernel)
      let missing = ["vfio_pci", "vfio_iommu_type1"].filter {
        tree.availability(of: $0) == .missing
      }
      if missing.isEmpty {
        report.add(.ok, "kernel \(kernel)", "vfio-pci and vfio_iommu_type1 available")
      } else {
        report.add(
          .error, "kernel \(kernel)",
          "missing " + missing.joined(separator: ", ") + ": this kernel cannot use vfio")
      }
      if let table {
        let nextBoot = NextBoot(kernel: kernel, tree: tree)
        for (target, holder) in nextBoot.builtInHolders(table, in: environment) {
          report.add(.ok, "kernel \(kernel)", nextBoot.builtInMessage(target, holder: holder))
        }
      }
    }
  }

  /// The config's table as the planner sees it, for saying per kernel
  /// which selected devices a built-in driver holds; nil without a config.
  func builtInTable(guarded: () -> RootDeviceReport) -> BindingTable? {
    guard let rules = try? ConfigFile.load(paths.config, fileSystem: fileSystem) else {
      return nil
    }
    return BindingTableBuilder.table(rules, guardedBy: guarded())
  }

  /// The images generators write for a kernel, in their usual names.
  func images(for kernel: String) -> [String] {
    ["initrd.img-" + kernel, "initramfs-" + kernel + ".img"].map { paths.boot + "/" + $0 }
      .filter { fileSystem.exists($0) }
  }

  /// Where the hooks of every generator put the binder and its table.
  static let binderPath = "usr/sbin/earlybind-init"
  static let tablePath = String(InstalledPaths.table.dropFirst())

  /// The binder and the table in `image`, as the kernel unpacks it: the
  /// whole image is read, since a later archive overrides an earlier one.
  /// The table's first bytes are kept, as many as the binder reads.
  static func inspect(_ image: String, limits: ImageLimits = .default)
    throws(InitramfsImageError) -> ImageSearch
  {
    var tree = try InitramfsImage.read(
      image, keeping: [ImageSearch.baseName(tablePath)],
      keptSize: BindingTableCodec.maximumSize + 1, limits: limits)
    do {
      return try ImageSearch([binderPath, tablePath], in: &tree)
    } catch {
      throw InitramfsImageError(path: image, partOffset: 0, reason: .limit(error.limit))
    }
  }

  /// The table the config compiles to now for `kernel`, byte for byte as
  /// the hooks' `earlybind compile` writes it (same module tree, same
  /// guarded controllers); nil when the config is missing or does not
  /// compile, which other findings report.
  func currentTable(for kernel: String, guards: RootDeviceReport) -> [UInt8]? {
    guard fileSystem.exists(paths.config),
      let rules = try? ConfigFile.load(paths.config, fileSystem: fileSystem)
    else { return nil }
    guard
      let table = try? BindingTableBuilder.table(
        rules, protected: guards.addresses, guarded: guards.guardedAddresses,
        moduleCheck: environment.moduleCheck(kernel: kernel))
    else { return nil }
    return try? BindingTableCodec.encode(table)
  }

  func checkImages(
    _ kernels: [String], ukis: [String] = [], guarded: () -> RootDeviceReport,
    into report: inout CheckReport
  ) {
    let installed = InitramfsGenerator.hooked(root: paths.root, fileSystem: fileSystem)
    if !installed.isEmpty {
      report.add(
        .ok, "hooks",
        "hooks installed for " + installed.map(\.rawValue).joined(separator: ", "))
    } else {
      report.add(.error, "hooks", "no initramfs hook installed: run earlybind install --regenerate")
    }
    let rebuild =
      Regenerator.rebuildCommand(root: paths.root, fileSystem: fileSystem, hooked: installed)
      ?? "earlybind install --regenerate"
    // The controllers the hooks' compile protected.
    lazy var guards = guarded()
    for kernel in kernels {
      let found = images(for: kernel)
      if found.isEmpty {
        report.add(.warning, "image \(kernel)", "no initramfs image for \(kernel) in \(paths.boot)")
      }
      for image in found {
        checkImage(image, kernel: kernel, rebuild: rebuild, into: &report) {
          currentTable(for: kernel, guards: guards)
        }
      }
    }
    checkUKIs(ukis, rebuild: rebuild, guards: { guards }, into: &report)
  }

  /// One image: the binder and a table the binder accepts, the same as the
  /// config compiles to now.
  func checkImage(
    _ image: String, kernel: String, rebuild: String, into report: inout CheckReport,
    current: () -> [UInt8]?
  ) {
    let topic = "image \(kernel)"
    let search: ImageSearch
    do {
      search = try Self.inspect(image)
    } catch {
      reportUnread(error, topic: topic, rebuild: rebuild, into: &report)
      return
    }
    reportContents(
      search, image: image, topic: topic, rebuild: rebuild, into: &report, current: current)
  }

  /// An image the kernel or `check` cannot read whole.
  func reportUnread(
    _ error: InitramfsImageError, topic: String, rebuild: String, into report: inout CheckReport
  ) {
    if error.stopsTheKernel {
      report.add(
        .error, topic,
        "the kernel stops unpacking " + error.description + ": rebuild it (\(rebuild))")
    } else if error.isTruncated {
      report.add(
        .error, topic,
        error.description + " (the kernel unpacks only what comes before): rebuild it "
          + "(\(rebuild))")
    } else {
      report.add(.warning, topic, "not checked: " + error.description)
    }
  }

  /// The binder and the table an image holds, against what the config
  /// compiles to now.
  func reportContents(
    _ search: ImageSearch, image: String, topic: String, rebuild: String,
    into report: inout CheckReport, current: () -> [UInt8]?
  ) {
    guard search.file(Self.binderPath) != nil else {
      report.add(.error, topic, "\(image) has no earlybind binder: rebuild it (\(rebuild))")
      return
    }
    switch search.results[Self.tablePath] {
    case .file(let entry)?:
      guard let bytes = entry.data else {
        report.add(
          .warning, topic,
          "\(image): /\(Self.tablePath) leads to /\(entry.name), which check does not read")
        return
      }
      // What the binder does with it: read at most one byte more than a
      // table can hold, and refuse it as a whole if it does not decode.
      do {
        _ = try BindingTableCodec.decode(bytes)
      } catch {
        report.add(
          .error, topic,
          "\(image): the binder refuses its table /\(entry.name) and binds nothing: "
            + error.description + "; rebuild it (\(rebuild))")
        return
      }
      if let current = current(), bytes != current {
        report.add(
          .warning, topic,
          "\(image) carries a binding table that differs from what \(paths.config) compiles "
            + "to now: rebuild the initramfs (\(rebuild))")
      } else {
        report.add(.ok, topic, "\(image) carries the binder and its table")
      }
    case .notRegular(let what)?:
      report.add(
        .error, topic,
        "\(image): /\(Self.tablePath) is \(what), which the binder refuses: "
          + "rebuild it (\(rebuild))")
    case .unreachable?:
      report.add(
        .error, topic,
        "\(image): /\(Self.tablePath) goes through more than \(UnpackedTree.symlinkHops) "
          + "links or a name over 255 bytes, which the binder cannot open: rebuild it (\(rebuild))")
    case .missing?, nil:
      report.add(.error, topic, "\(image) has no binding table: rebuild it (\(rebuild))")
    }
  }

  func checkRules(guarded: () -> RootDeviceReport, into report: inout CheckReport) {
    let config = paths.config
    guard fileSystem.exists(config) else {
      report.add(.warning, "config", "no \(config): the binder will do nothing")
      return
    }
    checkPermissions(into: &report)
    let rules: [Rule]
    do {
      rules = try ConfigFile.load(config, fileSystem: fileSystem)
    } catch {
      report.add(.error, "config", error.description)
      return
    }
    report.add(.ok, "config", "\(config) parses: \(rules.count) rule(s)")
    let guarded = guarded()
    for warning in guarded.warnings { report.add(.warning, "root device", warning) }
    for need in guarded.guardedAddresses {
      report.add(.ok, need.need.name, "guarded: " + guarded.explanation(for: need))
    }
    // One scan and one plan serve the rule checks, the display count and
    // the group checks.
    let inventory: DeviceInventory
    do {
      inventory = try DeviceInventory.load(
        sysfs: paths.sysfs,
        table: BindingTableBuilder.table(rules, guardedBy: guarded),
        fileSystem: fileSystem)
    } catch {
      report.add(.error, "devices", "cannot scan PCI devices: " + error.description)
      return
    }
    let plan = inventory.plan ?? Plan()
    for rule in plan.unmatchedRules {
      report.add(.warning, "rules", PlanText.unmatched(rule))
    }
    for refusal in plan.refusals {
      switch refusal.reason {
      case .protected:
        report.add(.error, "root device", PlanText.refusal(refusal) + "; remove it from the rule")
      case .bootVGA, .presumedBootGPU:
        report.add(.warning, "boot GPU", PlanText.refusal(refusal))
      case .hostNeed(let need):
        report.add(.warning, need.name, PlanText.refusal(refusal))
      default:
        report.add(.warning, "rules", PlanText.refusal(refusal))
      }
    }
    // The host's own network: not needed at boot, but lost when taken.
    let routes = NetworkGuard(paths: paths, fileSystem: fileSystem).defaultRouteDevices()
    for target in plan.targets {
      guard let route = routes.first(where: { $0.address == target.device.address }) else {
        continue
      }
      let via = route.name == route.route ? "" : " as a member of " + route.route
      report.add(
        .warning, "network",
        target.device.address.description + " (" + route.name + ") carries the host's default"
          + " route" + via + ": giving it to " + target.driver + " cuts the host off the network")
    }
    for move in MoveAdvice.moves(inventory, rules: rules) {
      report.add(.warning, "rules", MoveAdvice.text(for: move))
    }
    let displays = inventory.records.filter(\.identity.isDisplay)
    let kept = displays.filter { plan.target(at: $0.address) == nil }
    if !displays.isEmpty && kept.isEmpty {
      report.add(
        .error, "display",
        "every display device would go to a guest: the host keeps no console"
          + " (boot with earlybind=off to recover)")
    } else if !displays.isEmpty {
      report.add(
        .ok, "display", "the host keeps " + kept.map(\.address.description).joined(separator: ", "))
    }
    let groups = GroupReport(inventory: inventory, sysfs: paths.sysfs, config: config)
    for check in groups.checks where !check.complete {
      report.add(.warning, "groups", check.message)
    }
    if !plan.targets.isEmpty && groups.checks.allSatisfy(\.complete) {
      report.add(.ok, "groups", "every target's IOMMU group goes with it")
    }
  }
}

extension HostCheck {
  /// The config, the table and their folders: only root may change them,
  /// or `compile` refuses the config and the image build fails.
  func checkPermissions(into report: inout CheckReport) {
    let trusted = TrustedFile(trustedUID: environment.trustedUID, fileSystem: fileSystem)
    for (topic, path) in [("config", paths.config), ("table", paths.table)] {
      for problem in trusted.problems(path) {
        report.add(.error, topic, problem + " (anyone who can change it chooses drivers at boot)")
      }
    }
  }
}

extension CheckReport {
  mutating func add(_ level: Finding.Level, _ topic: String, _ message: String) {
    findings.append(Finding(level: level, topic: topic, message: message))
  }
}
