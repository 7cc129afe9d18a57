// SPDX-License-Identifier: Apache-2.0
/// `earlybind check --json`:
///
///     {version, result: ok|warning|error, findings: [{level, topic, message}]}
///
/// `result` is the worst level found; it decides the exit status (0, 1, 2).
extension CheckReport: JSONDocument {
  static let schemaVersion = 1

  enum Keys: String, CodingKey {
    case version, result, findings, level, topic, message
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(Self.schemaVersion, forKey: .version)
    try container.encode(worst.rawValue, forKey: .result)
    var list = container.nestedUnkeyedContainer(forKey: .findings)
    for finding in findings {
      var object = list.nestedContainer(keyedBy: Keys.self)
      try object.encode(finding.level.rawValue, forKey: .level)
      try object.encode(finding.topic, forKey: .topic)
      try object.encode(finding.message, forKey: .message)
    }
  }
}
