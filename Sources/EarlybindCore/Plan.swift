// SPDX-License-Identifier: Apache-2.0
/// Why a device is a target.
public enum TargetReason: Hashable, Sendable {
  /// A rule's selector matched it.
  case selected
  /// Another function of a selected device's slot.
  case function(of: PCIAddress)
  /// A member of a selected device's IOMMU group.
  case group(of: PCIAddress, group: String)
}

/// What the binder does for one target.
public enum TargetAction: Hashable, Sendable {
  /// No driver yet: write the override, the driver binds it.
  case bind
  /// Already on the target driver: nothing to do.
  case alreadyBound
  /// Held by another driver and the rule says `rebind`: unbind it first.
  case rebind(from: String)
  /// Held by a driver built into the kernel, which bound it before the
  /// binder ran: the binder unbinds it, as the config asks for the device
  /// whatever holds it and no later override could move it.
  case takeFromBuiltIn(String)
  /// Held by a module already loaded, without `rebind`: override written,
  /// no unbind.
  case heldBy(String)
  /// Held now by a module the image loads after the binder (the host's
  /// view of the next boot): the override is in place first, so nothing
  /// needs unbinding.
  case beforeModule(String)
}

public struct Target: Hashable, Sendable {
  public var device: PCIDevice
  public var driver: String
  public var rule: Rule
  public var reason: TargetReason
  public var action: TargetAction

  /// Anything but already being on its driver.
  public var needsBinding: Bool {
    if case .alreadyBound = action { return false }
    return true
  }
}

/// Why a device a rule selected is left alone.
public enum RefusalReason: Hashable, Sendable {
  case bootVGA
  /// No device reports boot_vga=1; this is the display kept for the host
  /// (`Planner.presumedBootGPU`).
  case presumedBootGPU
  case protected
  /// The host needs it at boot (a keyboard, the boot's network) and the
  /// rule does not allow that need.
  case hostNeed(HostNeed)
  case skippedOnCommandLine
  /// An earlier rule already gave it another driver.
  case conflict(driver: String, rule: Rule)
  /// Taking the group would take this guarded member too.
  case groupHasGuardedMember(PCIAddress)
  /// The rule's address now holds another device than the one it was written for.
  case addressMoved(expected: PCIID)
}

public struct Refusal: Hashable, Sendable {
  public var device: PCIDevice
  public var rule: Rule
  public var reason: RefusalReason
}

/// The planner's answer: what to bind, what was refused, what to load.
public struct Plan: Hashable, Sendable {
  public var targets: [Target] = []
  public var refusals: [Refusal] = []
  /// Rules that selected nothing on this machine.
  public var unmatchedRules: [Rule] = []
  public var modules: [ModuleRequest] = []
  /// The display device kept for the host because no device reports
  /// boot_vga=1, if that was needed.
  public var presumedBootGPU: PCIAddress? = nil

  public init() {}

  public func target(at address: PCIAddress) -> Target? {
    targets.first { $0.device.address == address }
  }

  /// Without comparing `Target`s (which holds Strings: see ASCII.equal).
  public func hasTarget(at address: PCIAddress) -> Bool {
    targets.contains { $0.device.address == address }
  }
}
