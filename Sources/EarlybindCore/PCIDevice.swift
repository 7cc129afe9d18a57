// SPDX-License-Identifier: Apache-2.0
/// What a device's `boot_vga` attribute says.
public enum BootFlag: Hashable, Sendable {
  /// Reads 1: the GPU the firmware initialised (and shows the console).
  case set
  /// Reads 0: the kernel says it is not the boot GPU.
  case clear
  /// No answer: no `boot_vga` (only VGA-class devices have one: a 0x0380
  /// or 0x0302 boot GPU has none), or unreadable, or neither 0 nor 1.
  case unknown
}

/// A function as the scanner found it: just what selection needs.
public struct PCIDevice: Hashable, Sendable {
  public var address: PCIAddress
  public var identity: PCIIdentity
  public var bootFlag: BootFlag
  /// For a bridge, the bus it leads to (`secondary_bus_number`): what
  /// links the functions into a `DeviceTree`. nil for other functions.
  public var secondaryBus: UInt8?

  public init(
    address: PCIAddress, identity: PCIIdentity, bootFlag: BootFlag, secondaryBus: UInt8? = nil
  ) {
    self.address = address
    self.identity = identity
    self.bootFlag = bootFlag
    self.secondaryBus = secondaryBus
  }

  /// A VGA device's flag is known to be 0 unless `isBootVGA`; other
  /// devices have no flag.
  public init(
    address: PCIAddress, identity: PCIIdentity, isBootVGA: Bool = false, secondaryBus: UInt8? = nil
  ) {
    self.init(
      address: address, identity: identity,
      bootFlag: isBootVGA ? .set : identity.isVGA ? .clear : .unknown, secondaryBus: secondaryBus)
  }

  /// `boot_vga` reads 1: the GPU the firmware initialised (and shows the console).
  public var isBootVGA: Bool {
    if case .set = bootFlag { return true }
    return false
  }
}
