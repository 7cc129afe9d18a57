// SPDX-License-Identifier: Apache-2.0
/// `earlybind status --json`, printed whether or not the binder ran:
///
///     {version, state: ran|not-run|unreadable, message, healthy (bool),
///      report_status, report_message, elapsed_us,
///      devices: [{address, id, intended, outcome, driver, ok (bool)}],
///      refused, unmatched_rules, moves, problems, hints: [string],
///      hardware: null or {previous_boot_id, added: [function],
///        removed: [function], moved: [{from: function, to: function}]}}
///     function: {address, id, subsystem, class, path}
///
/// Without a report (`not-run`, `unreadable`), `message` says why and the
/// report_* keys and elapsed_us are null.
extension StatusReport: JSONDocument {
  static let schemaVersion = 1

  enum Keys: String, CodingKey {
    case version, state, message, healthy, devices, refused, problems, hints, moves
    case reportStatus = "report_status"
    case reportMessage = "report_message"
    case elapsed = "elapsed_us"
    case unmatched = "unmatched_rules"
    case address, id, intended, outcome, driver, ok
    case hardware, added, removed, moved, from, to
    case previousBootID = "previous_boot_id"
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(Self.schemaVersion, forKey: .version)
    try container.encode(state.rawValue, forKey: .state)
    try container.encode(message, forKey: .message)
    try container.encode(isHealthy, forKey: .healthy)
    try container.encode(reportStatus?.rawValue, forKey: .reportStatus)
    try container.encode(reportMessage, forKey: .reportMessage)
    try container.encode(elapsed, forKey: .elapsed)
    var list = container.nestedUnkeyedContainer(forKey: .devices)
    for device in devices {
      var object = list.nestedContainer(keyedBy: Keys.self)
      try object.encode(device.address, forKey: .address)
      try object.encode(device.id, forKey: .id)
      try object.encode(device.intended, forKey: .intended)
      try object.encode(device.outcome, forKey: .outcome)
      try object.encode(device.driver, forKey: .driver)
      try object.encode(device.ok, forKey: .ok)
    }
    try container.encode(refused, forKey: .refused)
    try container.encode(unmatched, forKey: .unmatched)
    try container.encode(moves, forKey: .moves)
    try container.encode(problems, forKey: .problems)
    try container.encode(hints, forKey: .hints)
    if let hardware {
      var changes = container.nestedContainer(keyedBy: Keys.self, forKey: .hardware)
      try changes.encode(previousBootID, forKey: .previousBootID)
      try changes.encode(hardware.added, forKey: .added)
      try changes.encode(hardware.removed, forKey: .removed)
      var moved = changes.nestedUnkeyedContainer(forKey: .moved)
      for move in hardware.moved {
        var object = moved.nestedContainer(keyedBy: Keys.self)
        try object.encode(move.from, forKey: .from)
        try object.encode(move.to, forKey: .to)
      }
    } else {
      try container.encodeNil(forKey: .hardware)
    }
  }
}
