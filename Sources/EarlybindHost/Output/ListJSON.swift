// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// `earlybind list --json`:
///
///     {version, config, pci_ids, problems: [string], devices: [device]}
///     device: {address, class, class_name, vendor, device, subsystem_vendor,
///       subsystem_device, vendor_name, device_name, boot_vga (bool),
///       iommu_group, reset_method, resettable (bool), driver, driver_override,
///       path (as path: selectors write it, or null), slot (or null),
///       rule: {line, rule, role, driver, of, reason, settings: [string]} or null}
///
/// Devices are sorted by address; role is selected, function, group or refused;
/// settings are the attributes the binder writes before the driver probes
/// (`reset_method=flr bus`, `d3cold_allowed=0`; none for a refused device).
extension ListReport: JSONDocument {
  /// 2: the rule's `settings`; each device's `path` and `slot` (added keys).
  static let schemaVersion = 2

  enum Keys: String, CodingKey {
    case version, config, problems, devices
    case pciIDs = "pci_ids"
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(Self.schemaVersion, forKey: .version)
    try container.encode(config, forKey: .config)
    try container.encode(pciIDs, forKey: .pciIDs)
    try container.encode(problems, forKey: .problems)
    var devices = container.nestedUnkeyedContainer(forKey: .devices)
    for record in records {
      var device = devices.nestedContainer(keyedBy: DeviceKeys.self)
      try device.encodeIdentity(of: record)
      try device.encode(record.vendorName, forKey: .vendorName)
      try device.encode(record.deviceName, forKey: .deviceName)
      try device.encode(record.device.isBootVGA, forKey: .bootVGA)
      try device.encode(record.iommuGroup, forKey: .iommuGroup)
      try device.encode(record.resetMethod, forKey: .resetMethod)
      try device.encode(record.resettable, forKey: .resettable)
      try device.encode(record.driver, forKey: .driver)
      try device.encode(record.driverOverride, forKey: .driverOverride)
      try device.encode(record.path?.description, forKey: .path)
      try device.encode(record.slot?.description, forKey: .slot)
      if let selection = record.selection {
        var rule = device.nestedContainer(keyedBy: DeviceKeys.self, forKey: .rule)
        try rule.encode(selection.rule.line, forKey: .line)
        try rule.encode(selection.rule.description, forKey: .rule)
        try rule.encode(selection.role.rawValue, forKey: .role)
        try rule.encode(selection.driver, forKey: .driver)
        try rule.encode(selection.parent?.description, forKey: .of)
        try rule.encode(selection.reason, forKey: .reason)
        try rule.encode(selection.settings, forKey: .settings)
      } else {
        try device.encodeNil(forKey: .rule)
      }
    }
  }
}
