// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// The host's view of who holds each device when the binder runs at the
/// next boot with one kernel. The binder runs before every module list of
/// every generator (initramfs-tools' modules file, dracut's force_drivers,
/// mkinitcpio's MODULES=, modules-load.d), so only a driver built into that
/// kernel is already bound then; any other driver holding a device now is a
/// module that will find the override in place.
struct NextBoot {
  /// The kernel release the plan is for.
  var kernel: String
  /// That kernel's module tree, whose `modules.builtin` libkmod reads.
  var tree: any ModuleTree

  /// The kernel's tree in the environment's modules folder.
  init(kernel: String, in environment: HostEnvironment) {
    self.init(
      kernel: kernel, tree: environment.moduleTree(environment.paths.modules + "/" + kernel))
  }

  init(kernel: String, tree: any ModuleTree) {
    self.kernel = kernel
    self.tree = tree
  }

  /// Whether the tree can be read; if not, nothing counts as built in.
  var knowsBuiltIns: Bool { tree.setupError == nil }

  /// The kernel writes module names with `_`; drivers often use `-`.
  static func moduleName(_ name: String) -> String {
    String(name.map { $0 == "-" ? "_" : $0 })
  }

  func isBuiltIn(module: String) -> Bool {
    guard knowsBuiltIns, case .builtin = tree.availability(of: Self.moduleName(module)) else {
      return false
    }
    return true
  }
}

extension NextBoot {
  /// The selected devices a driver built into this kernel holds on this
  /// machine: the binder takes them from that driver at boot
  /// (earlybind.conf(5)). Empty where sysfs or the kernel's module tree
  /// cannot be read (a chroot, a foreign kernel).
  func builtInHolders(_ table: BindingTable, in environment: HostEnvironment)
    -> [(target: Target, holder: String)]
  {
    guard knowsBuiltIns,
      let plan = try? DeviceInventory.plan(
        table, options: BootOptions(), sysfs: environment.paths.sysfs,
        fileSystem: environment.fileSystem, nextBoot: self)
    else { return [] }
    return plan.targets.compactMap { target in
      guard case .takeFromBuiltIn(let holder) = target.action else { return nil }
      return (target, holder)
    }
  }

  /// What `compile` and `check` say about one of `builtInHolders`.
  func builtInMessage(_ target: Target, holder: String) -> String {
    target.device.address.description + " is held by " + holder + ", built into " + kernel
      + ": the binder unbinds it at boot before binding " + target.driver
  }

  /// Warns, for `compile`, about each of `builtInHolders`.
  func warnAboutBuiltInHolders(_ table: BindingTable, in environment: HostEnvironment) {
    for (target, holder) in builtInHolders(table, in: environment) {
      environment.output.warn(builtInMessage(target, holder: holder))
    }
  }
}
