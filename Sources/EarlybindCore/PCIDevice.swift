/// A function as the scanner found it: just what selection needs.
public struct PCIDevice: Hashable, Sendable {
  public var address: PCIAddress
  public var identity: PCIIdentity
  /// `boot_vga` reads 1: the GPU the firmware initialised (and shows the console).
  public var isBootVGA: Bool

  public init(address: PCIAddress, identity: PCIIdentity, isBootVGA: Bool = false) {
    self.address = address
    self.identity = identity
    self.isBootVGA = isBootVGA
  }
}
