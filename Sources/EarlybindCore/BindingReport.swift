/// What the binder did at boot, written to `/run/earlybind/report.json` for
/// `earlybind status` and for people. The file is the one contract between
/// the boot binary and the host tool: the host decodes exactly these keys.
public struct BindingReport: Hashable, Sendable {
  /// The `version` of report.json. It changes when a key is removed or
  /// changes meaning; keys may be added within a version.
  public static let schemaVersion = 1

  /// How the run as a whole ended.
  public enum Status: String, Hashable, Sendable, CaseIterable {
    case done
    /// `earlybind=off` on the command line.
    case disabled
    /// `earlybind.dry_run`: decided and logged, nothing written.
    case dryRun = "dry-run"
    /// The table was unreadable or damaged: nothing bound.
    case tableError = "table-error"
    /// The PCI devices could not be listed: nothing bound.
    case scanError = "scan-error"
  }

  /// What became of one target.
  public enum Outcome: String, Hashable, Sendable, CaseIterable {
    /// Verified on the intended driver.
    case bound
    /// Already on the intended driver before the binder ran.
    case alreadyBound = "already-bound"
    /// Not on the intended driver after probing.
    case failed
    /// Another driver holds it and the rule has no `rebind`.
    case held
    /// Dry run: what would have been done.
    case planned

    public var isBound: Bool { self == .bound || self == .alreadyBound }
    public var isFailure: Bool { self == .failed || self == .held }
  }

  public struct Entry: Hashable, Sendable {
    public var address: PCIAddress
    public var id: PCIID
    public var driver: String
    /// `line 2`, `earlybind.bind`, `function of ADDR`, `IOMMU group N of ADDR`.
    public var reason: String
    public var outcome: Outcome
    /// Why it failed or is held; empty otherwise.
    public var detail: String

    public init(
      address: PCIAddress, id: PCIID, driver: String, reason: String, outcome: Outcome,
      detail: String = ""
    ) {
      self.address = address
      self.id = id
      self.driver = driver
      self.reason = reason
      self.outcome = outcome
      self.detail = detail
    }
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

  public var boundCount: Int { entries.filter { $0.outcome.isBound }.count }

  public var failedCount: Int { entries.filter { $0.outcome.isFailure }.count }

  /// Compact JSON, one object. Written by hand: no Foundation at boot.
  public func json() -> String {
    var out = "{\"version\":" + ASCII.decimal(Self.schemaVersion)
    out += ",\"status\":" + JSON.string(status.rawValue)
    out += ",\"message\":" + JSON.string(message)
    out += ",\"elapsed_us\":" + ASCII.decimal(elapsedMicroseconds)
    out += ",\"devices\":["
    for (index, entry) in entries.enumerated() {
      if index > 0 { out += "," }
      out += "{\"address\":" + JSON.string(entry.address.description)
      out += ",\"id\":" + JSON.string(entry.id.bracketed)
      out += ",\"driver\":" + JSON.string(entry.driver)
      out += ",\"reason\":" + JSON.string(entry.reason)
      out += ",\"outcome\":" + JSON.string(entry.outcome.rawValue)
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
