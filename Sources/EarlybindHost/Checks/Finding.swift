/// One result of `earlybind check`.
struct Finding: Equatable {
  enum Level: String, Comparable {
    case ok, warning, error

    static func < (lhs: Level, rhs: Level) -> Bool {
      let order: [Level] = [.ok, .warning, .error]
      return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
  }

  var level: Level
  var topic: String
  var message: String
}

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
