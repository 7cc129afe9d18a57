// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// `earlybind groups --json`:
///
///     {version, iommu (bool), config, problems: [string],
///      groups: [{group, devices: [{address, class, class_name, vendor, device,
///        subsystem_vendor, subsystem_device, driver, role, line}]}],
///      checks: [{group, lines: [int], targets, missing, bridges: [address],
///        complete (bool), message}]}
///
/// Groups are sorted by number, devices by address; role is selected,
/// function, group, refused or null.
extension GroupReport: JSONDocument {
  static let schemaVersion = 1

  enum Keys: String, CodingKey {
    case version, iommu, config, problems, groups, checks
    case group, devices, lines, targets, missing, bridges, complete, message
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(Self.schemaVersion, forKey: .version)
    try container.encode(iommuOn, forKey: .iommu)
    try container.encode(config, forKey: .config)
    try container.encode(problems, forKey: .problems)
    var groupList = container.nestedUnkeyedContainer(forKey: .groups)
    for group in groups {
      var object = groupList.nestedContainer(keyedBy: Keys.self)
      try object.encode(group.name, forKey: .group)
      var devices = object.nestedUnkeyedContainer(forKey: .devices)
      for record in group.members {
        var device = devices.nestedContainer(keyedBy: DeviceKeys.self)
        try device.encodeIdentity(of: record)
        try device.encode(record.driver, forKey: .driver)
        try device.encode(record.selection?.role.rawValue, forKey: .role)
        try device.encode(record.selection?.rule.line, forKey: .line)
      }
    }
    var checkList = container.nestedUnkeyedContainer(forKey: .checks)
    for check in checks {
      var object = checkList.nestedContainer(keyedBy: Keys.self)
      try object.encode(check.group, forKey: .group)
      try object.encode(check.lines, forKey: .lines)
      try object.encode(check.targets.map(\.address.description), forKey: .targets)
      try object.encode(check.missing.map(\.address.description), forKey: .missing)
      try object.encode(check.bridges.map(\.address.description), forKey: .bridges)
      try object.encode(check.complete, forKey: .complete)
      try object.encode(check.message, forKey: .message)
    }
  }
}
