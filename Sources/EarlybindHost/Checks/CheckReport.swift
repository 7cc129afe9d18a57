// SPDX-License-Identifier: Apache-2.0
/// Every finding of one `earlybind check`, in the order they were made.
struct CheckReport {
  var findings: [Finding]

  var worst: Finding.Level { findings.map(\.level).max() ?? .ok }

  func text() -> String {
    var out = ""
    for finding in findings {
      let mark: String
      switch finding.level {
      case .ok: mark = "ok     "
      case .warning: mark = "warning"
      case .error: mark = "ERROR  "
      }
      out += mark + " " + finding.topic + ": " + finding.message + "\n"
    }
    return out
  }
}
