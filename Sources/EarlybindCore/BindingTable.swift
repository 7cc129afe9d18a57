// SPDX-License-Identifier: Apache-2.0
/// A kernel module the binder loads before it verifies.
public struct ModuleRequest: Hashable, Sendable {
  public var name: String
  /// Missing optional modules are fine (`vfio_virqfd` left in 6.2).
  public var optional: Bool

  public init(name: String, optional: Bool = false) {
    self.name = name
    self.optional = optional
  }
}

/// What `earlybind compile` hands to the initramfs binder.
///
/// The binder must decide with no parser for human text at boot and must
/// refuse a damaged file as a whole, so the on-disk form
/// (`BindingTableCodec`) is fixed-width, bounded and checksummed.
public struct BindingTable: Hashable, Sendable {
  public var rules: [Rule]
  public var modules: [ModuleRequest]
  /// Addresses the binder must never take (controllers holding the root disk).
  public var protectedAddresses: [PCIAddress]
  /// Addresses refused unless a rule allows their need (keyboards, the
  /// boot's network), sorted.
  public var guardedAddresses: [GuardedAddress]

  public init(
    rules: [Rule], modules: [ModuleRequest] = [], protectedAddresses: [PCIAddress] = [],
    guardedAddresses: [GuardedAddress] = []
  ) {
    self.rules = rules
    self.modules = modules
    self.protectedAddresses = protectedAddresses
    self.guardedAddresses = guardedAddresses
  }

  /// Modules that make each driver the rules name usable. vfio-pci needs the
  /// type1 IOMMU backend, which is not one of its module dependencies.
  public static func modules(for rules: [Rule]) -> [ModuleRequest] {
    var modules: [ModuleRequest] = []
    func add(_ name: String, optional: Bool = false) {
      if !modules.contains(where: { ASCII.equal($0.name, name) }) {
        modules.append(ModuleRequest(name: name, optional: optional))
      }
    }
    for rule in rules {
      if ASCII.equal(rule.driver, Rule.defaultDriver) {
        add("vfio")
        add("vfio_iommu_type1")
        add("vfio_virqfd", optional: true)
        add("vfio_pci_core", optional: true)
        add("vfio_pci")
      } else {
        add(moduleName(forDriver: rule.driver))
      }
    }
    return modules
  }

  /// Module names use `_` where driver names often use `-`.
  public static func moduleName(forDriver driver: String) -> String {
    ASCII.string(driver.utf8.map { $0 == 0x2D ? 0x5F : $0 })
  }
}
