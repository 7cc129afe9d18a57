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
  /// Module names built into that kernel (its `modules.builtin`); nil when
  /// the list could not be read, and then nothing counts as built in.
  var builtInModules: Set<String>?

  /// Reads `<modules>/<kernel>/modules.builtin`: one `kernel/…/NAME.ko` a line.
  static func read(kernel: String, modules: String, fileSystem: any HostFileSystem)
    -> NextBoot
  {
    let path = modules + "/" + kernel + "/modules.builtin"
    guard let bytes = try? fileSystem.readFile(path, limit: 4 << 20) else {
      return NextBoot(kernel: kernel, builtInModules: nil)
    }
    var names: Set<String> = []
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
      var name = Substring(line.split(separator: "/").last ?? "")
      if name.hasSuffix(".ko") { name = name.dropLast(3) }
      if !name.isEmpty { names.insert(Self.moduleName(String(name))) }
    }
    return NextBoot(kernel: kernel, builtInModules: names)
  }

  /// The kernel writes module names with `_`; drivers often use `-`.
  static func moduleName(_ name: String) -> String {
    String(name.map { $0 == "-" ? "_" : $0 })
  }

  func isBuiltIn(module: String) -> Bool {
    builtInModules?.contains(Self.moduleName(module)) ?? false
  }
}

extension NextBoot {
  /// The selected devices a driver built into `kernel` holds on this
  /// machine: the binder takes them from that driver at boot
  /// (earlybind.conf(5)). Empty where sysfs or the kernel's list cannot be
  /// read (a chroot, a foreign kernel).
  static func builtInHolders(
    _ table: BindingTable, kernel: String, in environment: HostEnvironment
  ) -> [(target: Target, holder: String)] {
    let nextBoot = read(
      kernel: kernel, modules: environment.paths.modules, fileSystem: environment.fileSystem)
    guard nextBoot.builtInModules != nil,
      let plan = try? DeviceInventory.plan(
        table, options: BootOptions(), sysfs: environment.paths.sysfs,
        fileSystem: environment.fileSystem, nextBoot: nextBoot)
    else { return [] }
    return plan.targets.compactMap { target in
      guard case .takeFromBuiltIn(let holder) = target.action else { return nil }
      return (target, holder)
    }
  }

  /// What `compile` and `check` say about one of `builtInHolders`.
  static func builtInMessage(_ target: Target, holder: String, kernel: String) -> String {
    target.device.address.description + " is held by " + holder + ", built into " + kernel
      + ": the binder unbinds it at boot before binding " + target.driver
  }

  /// Warns, for `compile`, about each of `builtInHolders`.
  static func warnAboutBuiltInHolders(
    _ table: BindingTable, kernel: String, in environment: HostEnvironment
  ) {
    for (target, holder) in builtInHolders(table, kernel: kernel, in: environment) {
      environment.output.warn(builtInMessage(target, holder: holder, kernel: kernel))
    }
  }
}
