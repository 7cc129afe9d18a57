// SPDX-License-Identifier: Apache-2.0
/// `earlybind status --json`, printed whether or not the binder ran:
///
///     {version, state: ran|not-run|unreadable, message, healthy (bool),
///      report_status, report_message, elapsed_us,
///      devices: [{address, id, intended, outcome, driver, ok (bool)}],
///      refused, unmatched_rules, problems, hints: [string]}
///
/// Without a report (`not-run`, `unreadable`), `message` says why and the
/// report_* keys and elapsed_us are null.
extension StatusReport: JSONDocument {
  static let schemaVersion = 1

  enum Keys: String, CodingKey {
    case version, state, message, healthy, devices, refused, problems, hints
    case reportStatus = "report_status"
    case reportMessage = "report_message"
    case elapsed = "elapsed_us"
    case unmatched = "unmatched_rules"
    case address, id, intended, outcome, driver, ok
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
    try container.encode(problems, forKey: .problems)
    try container.encode(hints, forKey: .hints)
  }
}
