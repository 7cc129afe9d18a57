// SPDX-License-Identifier: Apache-2.0
/// Turns (devices, rules, boot options) into a `Plan`. Pure apart from the
/// topology lookups, which it makes only for selected devices.
public struct Planner<Topology: DeviceTopology> {
  public var topology: Topology
  public var protectedAddresses: [PCIAddress]
  public var guardedAddresses: [GuardedAddress]

  public init(
    topology: Topology, protectedAddresses: [PCIAddress] = [],
    guardedAddresses: [GuardedAddress] = []
  ) {
    self.topology = topology
    self.protectedAddresses = protectedAddresses
    self.guardedAddresses = guardedAddresses
  }

  /// The host need that keeps `address` from `rule`, if any.
  func unmetNeed(_ address: PCIAddress, _ rule: Rule) -> HostNeed? {
    for guarded in guardedAddresses where guarded.address == address {
      switch guarded.need {
      case .keyboard where !rule.allowKeyboard: return .keyboard
      case .network where !rule.allowNetwork: return .network
      default: continue
      }
    }
    return nil
  }

  /// The addresses whose slots are all the rules can touch, or nil when a
  /// rule needs every device read (IDs, classes, non-boot-vga, groups).
  /// Address-only tables then cost nothing per unrelated device.
  public static func scanScope(for rules: [Rule]) -> [PCIAddress]? {
    var addresses: [PCIAddress] = []
    for rule in rules {
      guard case .address(let address) = rule.selector, !rule.group else { return nil }
      addresses.append(address)
    }
    return addresses
  }

  /// Whether a rule names a device by path, so that the scan must read
  /// each bridge's secondary bus to build the tree.
  public static func needsTree(_ rules: [Rule]) -> Bool {
    rules.contains {
      if case .path = $0.selector { return true }
      return false
    }
  }

  /// The display device kept for the host when no device's `boot_vga`
  /// reads 1 (unreadable, garbage or missing: the boot GPU is a 0x0380 or
  /// 0x0302 device, or the firmware sets none): then nothing tells which
  /// GPU shows the console, and without this guard `non-boot-vga` would
  /// take every display. It is the lowest-address display device, leaving
  /// out those an address rule names whose `boot_vga` reads 0 (named by the
  /// user, and said by the kernel not to be the boot GPU). nil when a boot
  /// GPU is known or no display device is left.
  public static func presumedBootGPU(devices: [PCIDevice], rules: [Rule]) -> PCIAddress? {
    if devices.contains(where: { $0.isBootVGA }) { return nil }
    var lowest: PCIAddress? = nil
    for device in devices where device.identity.isDisplay {
      if case .clear = device.bootFlag,
        rules.contains(where: { $0.selector == .address(device.address) })
      {
        continue
      }
      if let current = lowest, current < device.address { continue }
      lowest = device.address
    }
    return lowest
  }

  /// Whether a scan of only the rules' slots must become a full one: the
  /// boot-GPU guard needs every display device when the slots hold no boot
  /// GPU and a display device it might have to keep.
  public static func needsEveryDevice(slotScan devices: [PCIDevice], rules: [Rule]) -> Bool {
    presumedBootGPU(devices: devices, rules: rules) != nil
  }

  static func action(taking holder: String, from topology: Topology, rebind: Bool)
    -> TargetAction
  {
    if rebind { return .rebind(from: holder) }
    switch topology.origin(ofDriver: holder) {
    case .builtIn: return .takeFromBuiltIn(holder)
    case .loadedModule: return .heldBy(holder)
    case .loadsAfterBinder: return .beforeModule(holder)
    }
  }

  public func plan(
    devices: [PCIDevice], rules: [Rule], options: BootOptions = BootOptions(),
    modules: [ModuleRequest] = []
  ) -> Plan {
    var plan = Plan()
    var claimed: [PCIAddress: Int] = [:]  // address -> index in plan.targets
    var refused: Set<PCIAddress> = []
    // Only group rules look devices up by address: 16k insertions cost
    // more than a whole scan's parsing.
    var byAddress: [PCIAddress: PCIDevice] = [:]
    if rules.contains(where: { $0.group }) {
      for device in devices { byAddress[device.address] = device }
    }
    let presumed = Self.presumedBootGPU(devices: devices, rules: rules)
    plan.presumedBootGPU = presumed

    // `selected`: the device the selector named, not one following it.
    func guardReason(_ device: PCIDevice, _ rule: Rule, selected: Bool) -> RefusalReason? {
      if options.skip.contains(device.address) { return .skippedOnCommandLine }
      if selected, let expected = rule.expectedID, !rule.expects(device.identity) {
        return .addressMoved(expected: expected)
      }
      if protectedAddresses.contains(device.address) { return .protected }
      if let need = unmetNeed(device.address, rule) { return .hostNeed(need) }
      if device.isBootVGA && !rule.allowBootVGA { return .bootVGA }
      if device.address == presumed && !rule.allowBootVGA { return .presumedBootGPU }
      return nil
    }

    func refuse(_ device: PCIDevice, _ rule: Rule, _ reason: RefusalReason) {
      guard !refused.contains(device.address), claimed[device.address] == nil else { return }
      refused.insert(device.address)
      plan.refusals.append(Refusal(device: device, rule: rule, reason: reason))
    }

    func claim(_ device: PCIDevice, _ rule: Rule, _ reason: TargetReason) {
      if let index = claimed[device.address] {
        let earlier = plan.targets[index]
        if !ASCII.equal(earlier.driver, rule.driver) {
          plan.refusals.append(
            Refusal(
              device: device, rule: rule,
              reason: .conflict(driver: earlier.driver, rule: earlier.rule)))
        }
        return
      }
      // Claims are only made after the guards passed for this rule, so an
      // earlier rule's refusal (boot GPU without allow-boot-vga, say) gives
      // way to a later rule that explicitly allows the device.
      if refused.remove(device.address) != nil {
        plan.refusals.removeAll { $0.device.address == device.address }
      }
      let action: TargetAction
      if let current = topology.currentDriver(of: device.address) {
        if ASCII.equal(current, rule.driver) {
          action = .alreadyBound
        } else {
          action = Self.action(taking: current, from: topology, rebind: rule.rebind)
        }
      } else {
        action = .bind
      }
      claimed[device.address] = plan.targets.count
      plan.targets.append(
        Target(device: device, driver: rule.driver, rule: rule, reason: reason, action: action))
    }

    // Path and slot selectors name one place; what is there now is looked
    // up once per rule (the tree only when a path rule needs it).
    var tree: DeviceTree? = nil
    func resolve(_ selector: Selector) -> PCIAddress? {
      switch selector {
      case .path(let path):
        if tree == nil { tree = DeviceTree(devices: devices) }
        return tree?.address(of: path)
      case .slot(let name):
        return topology.slotAddress(named: name)
      default:
        return nil
      }
    }

    for rule in rules {
      var matched = false
      let place = rule.selector.isTopological ? resolve(rule.selector) : nil
      for device in devices
      where place.map({ $0 == device.address }) ?? rule.selector.matches(device) {
        matched = true
        if let reason = guardReason(device, rule, selected: true) {
          refuse(device, rule, reason)
          continue
        }
        // Followers (slot functions, group members) move with the device
        // or not at all: a group half on the host is useless to a guest.
        var followers: [(PCIDevice, TargetReason)] = []
        if rule.takesFunctions(of: device.identity) {
          for other in devices
          where other.address != device.address && other.address.sharesSlot(with: device.address) {
            followers.append((other, .function(of: device.address)))
          }
        }
        if rule.group, let group = topology.iommuGroup(of: device.address) {
          for member in topology.members(ofGroup: group) where member != device.address {
            guard let other = byAddress[member], !other.identity.isBridge else { continue }
            if !followers.contains(where: { $0.0.address == member }) {
              followers.append((other, .group(of: device.address, group: group)))
            }
          }
        }
        var blocker: PCIDevice? = nil
        for (other, _) in followers {
          if case .some = guardReason(other, rule, selected: false) {
            blocker = other
            break
          }
        }
        if let blocker {
          refuse(device, rule, .groupHasGuardedMember(blocker.address))
          for (other, _) in followers {
            refuse(
              other, rule,
              guardReason(other, rule, selected: false) ?? .groupHasGuardedMember(blocker.address))
          }
          continue
        }
        claim(device, rule, .selected)
        for (other, reason) in followers { claim(other, rule, reason) }
      }
      if !matched { plan.unmatchedRules.append(rule) }
    }

    plan.targets.sort { $0.device.address < $1.device.address }
    plan.refusals.sort { $0.device.address < $1.device.address }
    var needed = modules
    var drivers: [String] = []
    for target in plan.targets where !drivers.contains(where: { ASCII.equal($0, target.driver) }) {
      drivers.append(target.driver)
      for module in BindingTable.modules(for: [target.rule])
      where !needed.contains(where: { ASCII.equal($0.name, module.name) }) {
        needed.append(module)
      }
    }
    plan.modules = plan.targets.isEmpty ? [] : needed
    return plan
  }
}
