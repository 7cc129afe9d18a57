// SPDX-License-Identifier: Apache-2.0
/// Whether the other functions of a selected device's slot go with it.
public enum FunctionPolicy: UInt8, Hashable, Sendable {
  /// Follow display devices (their HDMI audio, USB-C controller), not others.
  case auto = 0
  /// Always take every function of the slot.
  case all = 1
  /// Only the selected function.
  case none = 2
}

/// One line of `/etc/earlybind.conf`, or one `earlybind.bind=` item.
public struct Rule: Hashable, Sendable, CustomStringConvertible {
  public static let defaultDriver = "vfio-pci"

  public var selector: Selector
  public var driver: String
  public var functions: FunctionPolicy
  /// Take every endpoint of the IOMMU group (bridges stay).
  public var group: Bool
  /// Unbind a driver that already holds the device at that point.
  public var rebind: Bool
  /// The boot GPU is refused unless the rule says so explicitly.
  public var allowBootVGA: Bool
  /// For address rules: the vendor:device the address held when the rule
  /// was written. Addresses move when cards are added or swapped; a
  /// different device there is refused, not bound.
  public var expectedID: PCIID?
  /// A keyboard the host needs at boot is behind the device, and the rule
  /// takes it anyway (`allow-keyboard`).
  public var allowKeyboard: Bool
  /// The boot's own network runs on the device, and the rule takes it
  /// anyway (`allow-network`).
  public var allowNetwork: Bool
  /// Written to `reset_method` before the driver probes; empty leaves the
  /// kernel's choice (`reset-method=flr:bus`).
  public var resetMethods: [ResetMethod]
  /// Writes 0 to `d3cold_allowed` before the driver probes (`d3cold=off`):
  /// devices that do not come back from D3cold stay out of it.
  public var d3coldOff: Bool
  /// With `expectedID`: the subsystem (board) it had too, when known.
  public var expectedSubsystem: PCIID?
  /// Source line in the config; 0 for rules from the kernel command line.
  public var line: Int

  public init(
    selector: Selector, driver: String = Rule.defaultDriver, functions: FunctionPolicy = .auto,
    group: Bool = false, rebind: Bool = false, allowBootVGA: Bool = false,
    expectedID: PCIID? = nil, expectedSubsystem: PCIID? = nil, allowKeyboard: Bool = false,
    allowNetwork: Bool = false, resetMethods: [ResetMethod] = [], d3coldOff: Bool = false,
    line: Int = 0
  ) {
    self.selector = selector
    self.driver = driver
    self.functions = functions
    self.group = group
    self.rebind = rebind
    self.allowBootVGA = allowBootVGA
    self.expectedID = expectedID
    self.expectedSubsystem = expectedID == nil ? nil : expectedSubsystem
    self.allowKeyboard = allowKeyboard
    self.allowNetwork = allowNetwork
    self.resetMethods = resetMethods
    self.d3coldOff = d3coldOff
    self.line = line
  }

  /// Whether the slot's other functions follow a device this rule selected.
  public func takesFunctions(of identity: PCIIdentity) -> Bool {
    switch functions {
    case .all: return true
    case .none: return false
    case .auto: return identity.isDisplay
    }
  }

  /// The rule as a config line: parsing it gives the same rule back.
  public var description: String {
    var text = selector.description
    if !ASCII.equal(driver, Rule.defaultDriver) { text += " driver=" + driver }
    switch functions {
    case .auto: break
    case .all: text += " functions=all"
    case .none: text += " functions=none"
    }
    if group { text += " group" }
    if rebind { text += " rebind" }
    if allowBootVGA { text += " allow-boot-vga" }
    if allowKeyboard { text += " allow-keyboard" }
    if allowNetwork { text += " allow-network" }
    if !resetMethods.isEmpty {
      text += " reset-method="
      for (index, method) in resetMethods.enumerated() {
        text += (index == 0 ? "" : ":") + method.name
      }
    }
    if d3coldOff { text += " d3cold=off" }
    if let expectedID {
      text += " expect=" + expectedID.description
      if let expectedSubsystem { text += ":" + expectedSubsystem.description }
    }
    return text
  }

  /// The attributes the binder writes for each of the rule's devices
  /// before the driver probes, in the order it writes them.
  public var attributeWrites: [(attribute: String, value: String)] {
    var writes: [(attribute: String, value: String)] = []
    if !resetMethods.isEmpty {
      writes.append(("reset_method", ResetMethod.attributeValue(resetMethods)))
    }
    if d3coldOff { writes.append(("d3cold_allowed", "0")) }
    return writes
  }

  /// `attributeWrites` as `name=value`, for plans, listings and the report.
  public var settings: [String] {
    attributeWrites.map { $0.attribute + "=" + $0.value }
  }

  /// Whether `identity` is what `expect=` says; true without `expect=`.
  public func expects(_ identity: PCIIdentity) -> Bool {
    guard let expectedID else { return true }
    if identity.id != expectedID { return false }
    if let expectedSubsystem, identity.subsystem != expectedSubsystem { return false }
    return true
  }

  /// Whether `expect=` applies to the selector: those naming one place.
  public var canExpect: Bool {
    switch selector {
    case .address, .path, .slot: return true
    default: return false
    }
  }

  /// Where the rule came from, for log lines.
  public var origin: String {
    line == 0 ? "earlybind.bind" : "line " + ASCII.decimal(line)
  }
}
