// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// The one way the host makes the binder's table from rules. `compile`
/// writes it, `check` compares each image's copy with it byte for byte,
/// and plan, add, list, groups and check plan with it, so every command
/// guards the controllers the binder will refuse at boot.
enum BindingTableBuilder {
  /// The rules' table: their modules, and `protected` and `guarded` once
  /// each, sorted.
  static func table(
    _ rules: [Rule], protected: [PCIAddress], guarded: [GuardedAddress] = []
  ) -> BindingTable {
    BindingTable(
      rules: rules, modules: BindingTable.modules(for: rules),
      protectedAddresses: Array(Set(protected)).sorted(),
      guardedAddresses: Array(Set(guarded)).sorted())
  }

  /// The rules' table guarded as `report` says.
  static func table(_ rules: [Rule], guardedBy report: RootDeviceReport) -> BindingTable {
    table(rules, protected: report.addresses, guarded: report.guardedAddresses)
  }

  /// The same, with the modules checked against a kernel's tree when
  /// `moduleCheck` is given (absent optional ones dropped).
  static func table(
    _ rules: [Rule], protected: [PCIAddress], guarded: [GuardedAddress] = [],
    moduleCheck: ModuleCheck?
  ) throws(CommandFailure) -> BindingTable {
    var table = table(rules, protected: protected, guarded: guarded)
    if let moduleCheck {
      table.modules = try moduleCheck.resolve(rules: rules, modules: table.modules)
    }
    return table
  }

  /// The table to plan with on this host: the rules guarded by the
  /// root-device and keyboard guards, as `compile` builds them for the
  /// running kernel.
  static func guardedTable(_ rules: [Rule], in environment: HostEnvironment, warn: Bool)
    -> BindingTable
  {
    let guarded = environment.rootGuard()
    if warn { guarded.printWarnings(to: environment.output) }
    return table(rules, guardedBy: guarded)
  }
}

extension HostEnvironment {
  /// The driver check against `kernel`'s module tree (in `directory`, or
  /// the kernel's folder under the modules path).
  func moduleCheck(kernel: String, directory: String? = nil) -> ModuleCheck {
    let directory = directory ?? paths.modules + "/" + kernel
    return ModuleCheck(kernel: kernel, directory: directory, tree: moduleTree(directory))
  }
}
