// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// Everything `list` and `groups` show about one function, read once.
struct DeviceRecord {
  var device: PCIDevice
  var iommuGroup: String?
  /// The kernel's `reset_method` (e.g. `flr bus`); absent on older kernels.
  var resetMethod: String?
  /// `reset_method` lists something, or (older kernels) a `reset` file exists.
  var resettable: Bool
  var driver: String?
  var driverOverride: String?
  var vendorName: String?
  var deviceName: String?
  var selection: DeviceSelection?
  /// Its place in the PCI tree (`DeviceTree.path`); nil when the chain of
  /// bridges above it could not be read.
  var path: PCIPath?
  /// The firmware's physical slot it sits in, where reported.
  var slot: SlotName?

  var address: PCIAddress { device.address }
  var identity: PCIIdentity { device.identity }
  var className: String { PCIClassNames.name(identity.classCode) }
  /// All six digits: the programming interface tells xHCI from EHCI.
  var classText: String { ASCII.hex(identity.classCode, width: 6) }
  /// `0300 VGA`: the subclass as lspci shows it, and a short name.
  var classLabel: String { ASCII.hex(identity.classCode >> 8, width: 4) + " " + className }
}
