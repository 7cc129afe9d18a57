// SPDX-License-Identifier: Apache-2.0
/// What the binder did at boot, written to `/run/earlybind/report.json` for
/// `earlybind status` and for people. The file is the one contract between
/// the boot binary and the host tool: the host decodes exactly these keys.
public struct BindingReport: Hashable, Sendable {
  /// The `version` of report.json. It changes when a key is removed or
  /// changes meaning; keys may be added within a version.
  /// Version 2 added `moves`, `scan` and `functions`; the host still reads 1.
  public static let schemaVersion = 2

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

  /// How much of the machine the binder read, and so how much
  /// `functions` holds.
  public enum Scan: String, Hashable, Sendable, CaseIterable {
    /// Nothing read (disabled, no rules, a bad table, a failed scan).
    case none
    /// Only the slots address rules name (see `Planner.scanScope`).
    case slots
    /// Every PCI function.
    case all
  }

  /// A PCI function the binder saw: the host compares them between boots.
  public struct Function: Hashable, Sendable {
    public var address: PCIAddress
    public var identity: PCIIdentity
    public var path: PCIPath?

    public init(address: PCIAddress, identity: PCIIdentity, path: PCIPath?) {
      self.address = address
      self.identity = identity
      self.path = path
    }
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
    /// The attributes written before the driver probed (`reset_method=flr
    /// bus`), or why one was skipped (`d3cold_allowed=0 skipped: …`).
    public var settings: [String]

    public init(
      address: PCIAddress, id: PCIID, driver: String, reason: String, outcome: Outcome,
      detail: String = "", settings: [String] = []
    ) {
      self.address = address
      self.id = id
      self.driver = driver
      self.reason = reason
      self.outcome = outcome
      self.detail = detail
      self.settings = settings
    }
  }

  public var status: Status = .done
  public var message: String = ""
  public var entries: [Entry] = []
  public var refusals: [String] = []
  public var unmatchedRules: [String] = []
  /// Where the devices of `expect=` rules that lost theirs are now
  /// (`Move.text`).
  public var moves: [String] = []
  public var scan: Scan = .none
  /// The kernel's `boot_id`, naming this boot; empty when unreadable.
  public var bootID: String = ""
  /// Sorted by address.
  public var functions: [Function] = []
  public var modules: [String] = []
  public var problems: [String] = []
  public var elapsedMicroseconds: Int = 0

  public init() {}

  public var boundCount: Int { entries.filter { $0.outcome.isBound }.count }

  public var failedCount: Int { entries.filter { $0.outcome.isFailure }.count }

  /// Compact JSON, one object. Written by hand: no Foundation at boot.
  public func json() -> String { ASCII.string(jsonBytes()) }

  /// The same, as the bytes the binder writes: built in one buffer.
  public func jsonBytes() -> [UInt8] {
    var out = JSON()
    out.raw("{\"version\":")
    out.raw(ASCII.decimal(Self.schemaVersion))
    out.raw(",\"status\":")
    out.string(status.rawValue)
    out.raw(",\"message\":")
    out.string(message)
    out.raw(",\"elapsed_us\":")
    out.raw(ASCII.decimal(elapsedMicroseconds))
    out.raw(",\"devices\":[")
    for (index, entry) in entries.enumerated() {
      if index > 0 { out.raw(",") }
      out.raw("{\"address\":")
      out.string(entry.address.description)
      out.raw(",\"id\":")
      out.string(entry.id.bracketed)
      out.raw(",\"driver\":")
      out.string(entry.driver)
      out.raw(",\"reason\":")
      out.string(entry.reason)
      out.raw(",\"outcome\":")
      out.string(entry.outcome.rawValue)
      out.raw(",\"detail\":")
      out.string(entry.detail)
      out.raw(",\"settings\":")
      out.array(entry.settings)
      out.raw("}")
    }
    out.raw("],\"refused\":")
    out.array(refusals)
    out.raw(",\"unmatched_rules\":")
    out.array(unmatchedRules)
    out.raw(",\"moves\":")
    out.array(moves)
    out.raw(",\"boot_id\":")
    out.string(bootID)
    out.raw(",\"scan\":")
    out.string(scan.rawValue)
    out.raw(",\"functions\":[")
    for (index, function) in functions.enumerated() {
      if index > 0 { out.raw(",") }
      let identity = function.identity
      out.raw("{\"address\":")
      out.string(function.address.description)
      out.raw(",\"id\":")
      out.string(identity.id.description)
      out.raw(",\"subsystem\":")
      out.string(identity.subsystem.description)
      out.raw(",\"class\":")
      out.string(ASCII.hex(identity.classCode, width: 6))
      out.raw(",\"path\":")
      if let path = function.path { out.string(path.description) } else { out.raw("null") }
      out.raw("}")
    }
    out.raw("]")
    out.raw(",\"modules\":")
    out.array(modules)
    out.raw(",\"problems\":")
    out.array(problems)
    out.raw("}\n")
    return out.bytes
  }
}

/// A JSON text being written, byte by byte.
struct JSON {
  var bytes: [UInt8] = []

  init() { bytes.reserveCapacity(1024) }

  mutating func raw(_ text: String) { bytes += text.utf8 }

  mutating func string(_ value: String) {
    bytes.append(ASCII.quote)
    for byte in value.utf8 {
      switch byte {
      case ASCII.quote, 0x5C: bytes += [0x5C, byte]
      case ASCII.newline: bytes += [0x5C, 0x6E]
      case 0..<0x20:
        bytes += [0x5C, 0x75, 0x30, 0x30]
        bytes += ASCII.hex(UInt32(byte), width: 2).utf8
      default: bytes.append(byte)
      }
    }
    bytes.append(ASCII.quote)
  }

  mutating func array(_ values: [String]) {
    bytes.append(0x5B)
    for (index, value) in values.enumerated() {
      if index > 0 { bytes.append(ASCII.comma) }
      string(value)
    }
    bytes.append(0x5D)
  }
}
