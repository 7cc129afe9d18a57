/// What the binder did at boot, written to `/run/earlybind/report.json` for
/// `earlybind status` and for people.
public struct BindingReport: Hashable, Sendable {
  public enum Status: String, Sendable {
    case done
    case disabled
    case dryRun = "dry-run"
    case tableError = "table-error"
    case scanError = "scan-error"
  }

  public struct Entry: Hashable, Sendable {
    public var address: PCIAddress
    public var id: String
    public var driver: String
    public var reason: String
    /// `bound`, `already-bound`, `failed`, `held`, `planned` (dry run).
    public var outcome: String
    public var detail: String
  }

  public var status: Status = .done
  public var message: String = ""
  public var entries: [Entry] = []
  public var refusals: [String] = []
  public var unmatchedRules: [String] = []
  public var modules: [String] = []
  public var problems: [String] = []
  public var elapsedMicroseconds: Int = 0

  public init() {}

  public var boundCount: Int {
    entries.filter { $0.outcome == "bound" || $0.outcome == "already-bound" }.count
  }

  public var failedCount: Int {
    entries.filter { $0.outcome == "failed" || $0.outcome == "held" }.count
  }

  /// Compact JSON, one object. Written by hand: no Foundation at boot.
  public func json() -> String {
    var out = "{\"version\":1,\"status\":" + JSON.string(status.rawValue)
    out += ",\"message\":" + JSON.string(message)
    out += ",\"elapsed_us\":" + ASCII.decimal(elapsedMicroseconds)
    out += ",\"devices\":["
    for (index, entry) in entries.enumerated() {
      if index > 0 { out += "," }
      out += "{\"address\":" + JSON.string(entry.address.description)
      out += ",\"id\":" + JSON.string(entry.id)
      out += ",\"driver\":" + JSON.string(entry.driver)
      out += ",\"reason\":" + JSON.string(entry.reason)
      out += ",\"outcome\":" + JSON.string(entry.outcome)
      out += ",\"detail\":" + JSON.string(entry.detail) + "}"
    }
    out += "],\"refused\":" + JSON.array(refusals)
    out += ",\"unmatched_rules\":" + JSON.array(unmatchedRules)
    out += ",\"modules\":" + JSON.array(modules)
    out += ",\"problems\":" + JSON.array(problems)
    out += "}\n"
    return out
  }
}

enum JSON {
  static func string(_ value: String) -> String {
    var out: [UInt8] = [ASCII.quote]
    for byte in value.utf8 {
      switch byte {
      case ASCII.quote: out += [0x5C, ASCII.quote]
      case 0x5C: out += [0x5C, 0x5C]
      case ASCII.newline: out += [0x5C, 0x6E]
      case 0..<0x20: out += Array("\\u00".utf8) + Array(ASCII.hex(UInt32(byte), width: 2).utf8)
      default: out.append(byte)
      }
    }
    out.append(ASCII.quote)
    return ASCII.string(out)
  }

  static func array(_ values: [String]) -> String {
    var out = "["
    for (index, value) in values.enumerated() {
      if index > 0 { out += "," }
      out += string(value)
    }
    return out + "]"
  }
}
