// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// The keys of the device objects in `list` and `groups` documents.
enum DeviceKeys: String, CodingKey {
  case address
  case settings
  case classCode = "class"
  case className = "class_name"
  case vendor
  case device
  case subsystemVendor = "subsystem_vendor"
  case subsystemDevice = "subsystem_device"
  case vendorName = "vendor_name"
  case deviceName = "device_name"
  case bootVGA = "boot_vga"
  case iommuGroup = "iommu_group"
  case resetMethod = "reset_method"
  case resettable
  case driver
  case driverOverride = "driver_override"
  case rule
  case role
  case line
  case of
  case reason
  case path
  case slot
}

extension KeyedEncodingContainer where Key == DeviceKeys {
  /// The identity keys both documents print: address, class (six hex
  /// digits), class_name, and the four IDs (four hex digits each).
  mutating func encodeIdentity(of record: DeviceRecord) throws {
    let identity = record.identity
    try encode(record.address.description, forKey: .address)
    try encode(record.classText, forKey: .classCode)
    try encode(record.className, forKey: .className)
    try encode(PCIID.hex(identity.id.vendor), forKey: .vendor)
    try encode(PCIID.hex(identity.id.device), forKey: .device)
    try encode(PCIID.hex(identity.subsystem.vendor), forKey: .subsystemVendor)
    try encode(PCIID.hex(identity.subsystem.device), forKey: .subsystemDevice)
  }
}
