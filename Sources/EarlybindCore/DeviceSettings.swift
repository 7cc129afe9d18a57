// SPDX-License-Identifier: Apache-2.0
/// A reset the kernel's `reset_method` attribute (Linux 5.15+) names. A
/// rule lists them in the order the kernel is to try them.
public enum ResetMethod: UInt8, Hashable, Sendable {
  case deviceSpecific = 1
  case acpi = 2
  case flr = 3
  case afFLR = 4
  case pm = 5
  case bus = 6
  case cxlBus = 7

  /// Every method the kernel knows, in its own order (`pci_reset_fn_methods`).
  public static let all: [ResetMethod] = [.deviceSpecific, .acpi, .flr, .afFLR, .pm, .bus, .cxlBus]

  /// The kernel's name for it.
  public var name: String {
    switch self {
    case .deviceSpecific: return "device_specific"
    case .acpi: return "acpi"
    case .flr: return "flr"
    case .afFLR: return "af_flr"
    case .pm: return "pm"
    case .bus: return "bus"
    case .cxlBus: return "cxl_bus"
    }
  }

  public init?(name: ArraySlice<UInt8>) {
    for method in Self.all where ASCII.equal(name, method.name) {
      self = method
      return
    }
    return nil
  }

  /// `flr bus`: what the kernel's attribute takes and shows.
  public static func attributeValue(_ methods: [ResetMethod]) -> String {
    var text = ""
    for method in methods {
      if !text.isEmpty { text += " " }
      text += method.name
    }
    return text
  }
}

/// A device the host needs at boot that a rule may still take on purpose,
/// with the option that allows it.
public enum HostNeed: UInt8, Hashable, Sendable {
  /// A controller with a keyboard behind it: without it nobody types the
  /// disk passphrase. `allow-keyboard` takes it.
  case keyboard = 1
  /// A NIC the boot's own network runs on (ip=, NFS/iSCSI/NBD root, remote
  /// unlock). `allow-network` takes it.
  case network = 2

  /// The word in plan output and JSON.
  public var name: String {
    switch self {
    case .keyboard: return "keyboard"
    case .network: return "network"
    }
  }

  /// The rule option that takes such a device anyway.
  public var allowOption: String { "allow-" + name }
}

/// One address the table guards for a `HostNeed`.
public struct GuardedAddress: Hashable, Sendable, Comparable {
  public var address: PCIAddress
  public var need: HostNeed

  public init(_ address: PCIAddress, need: HostNeed) {
    self.address = address
    self.need = need
  }

  public static func < (lhs: GuardedAddress, rhs: GuardedAddress) -> Bool {
    lhs.address == rhs.address ? lhs.need.rawValue < rhs.need.rawValue : lhs.address < rhs.address
  }
}
