// SPDX-License-Identifier: Apache-2.0
/// The kernel's per-device binding controls, in the words of libvirt's
/// sequence: override, unbind, probe, read back. One place for the sysfs
/// writes, shared by the boot binder, `apply` and `release`.
public struct DeviceControl<FS: FileSystem> {
  public let fileSystem: FS
  public let layout: SysfsLayout

  public init(fileSystem: FS, layout: SysfsLayout) {
    self.fileSystem = fileSystem
    self.layout = layout
  }

  /// Only `driver` may bind the device from now on; binds nothing by itself.
  public func setOverride(_ address: PCIAddress, to driver: String) throws(SystemError) {
    try fileSystem.writeFile(layout.attribute(address, "driver_override"), Array(driver.utf8))
  }

  /// A lone newline clears the override: any matching driver may bind again.
  public func clearOverride(_ address: PCIAddress) throws(SystemError) {
    try fileSystem.writeFile(layout.attribute(address, "driver_override"), [ASCII.newline])
  }

  /// Writes one of the device's attributes (`reset_method`, `d3cold_allowed`).
  public func set(_ address: PCIAddress, _ attribute: String, to value: String)
    throws(SystemError)
  {
    try fileSystem.writeFile(layout.attribute(address, attribute), Array(value.utf8))
  }

  /// Detaches the device from whatever driver holds it.
  public func unbind(_ address: PCIAddress) throws(SystemError) {
    try fileSystem.writeFile(
      layout.attribute(address, "driver/unbind"), Array(address.description.utf8))
  }

  /// Gives the device to `driver` by name; refused by the kernel while an
  /// override names another driver.
  public func bind(_ address: PCIAddress, to driver: String) throws(SystemError) {
    try fileSystem.writeFile(layout.driverBind(driver), Array(address.description.utf8))
  }

  /// Asks the PCI core to find a driver for an unbound device now; needed
  /// when the driver was already registered (built in or loaded earlier).
  public func probe(_ address: PCIAddress) throws(SystemError) {
    try fileSystem.writeFile(layout.driversProbe, Array(address.description.utf8))
  }

  public func driver(of address: PCIAddress) -> String? {
    fileSystem.linkName(layout.attribute(address, "driver"))
  }

  /// The override as the kernel shows it; nil for none (`(null)`).
  public func override(of address: PCIAddress) -> String? {
    guard
      let bytes = try? fileSystem.readFile(layout.attribute(address, "driver_override"), limit: 256)
    else { return nil }
    let value = ASCII.string(ASCII.trimmed(bytes[...]))
    return value.isEmpty || value == "(null)" ? nil : value
  }
}
