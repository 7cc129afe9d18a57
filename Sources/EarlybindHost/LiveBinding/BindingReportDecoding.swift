// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import FoundationEssentials

/// report.json read back. The binder writes it by hand (no Foundation at
/// boot, `BindingReport.json()`); the keys here are the same ones, and a
/// test decodes what the writer produces, every field, to hold them
/// together. A missing key or another schema version is an error, never a
/// default.
extension BindingReport: Decodable {
  /// report.json's bytes, decoded.
  static func decoded(from bytes: [UInt8]) throws -> BindingReport {
    try JSONDecoder().decode(BindingReport.self, from: Data(bytes))
  }

  enum CodingKeys: String, CodingKey {
    case version
    case status
    case message
    case elapsedMicroseconds = "elapsed_us"
    case entries = "devices"
    case refusals = "refused"
    case unmatchedRules = "unmatched_rules"
    case moves
    case scan
    case bootID = "boot_id"
    case functions
    case modules
    case problems
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let version = try container.decode(Int.self, forKey: .version)
    // Version 1 (a binder from before moves): the same keys but those.
    guard version == Self.schemaVersion || version == 1 else {
      throw DecodingError.dataCorruptedError(
        forKey: .version, in: container,
        debugDescription: "report version \(version); this earlybind reads version "
          + "\(Self.schemaVersion)")
    }
    self.init()
    status = try container.decode(Status.self, forKey: .status)
    message = try container.decode(String.self, forKey: .message)
    elapsedMicroseconds = try container.decode(Int.self, forKey: .elapsedMicroseconds)
    entries = try container.decode([Entry].self, forKey: .entries)
    refusals = try container.decode([String].self, forKey: .refusals)
    unmatchedRules = try container.decode([String].self, forKey: .unmatchedRules)
    if version >= 2 {
      moves = try container.decode([String].self, forKey: .moves)
      scan = try container.decode(Scan.self, forKey: .scan)
      bootID = try container.decode(String.self, forKey: .bootID)
      functions = try container.decode([Function].self, forKey: .functions)
    }
    modules = try container.decode([String].self, forKey: .modules)
    problems = try container.decode([String].self, forKey: .problems)
  }
}

extension BindingReport.Status: Decodable {}

extension BindingReport.Scan: Decodable {}

extension BindingReport.Function: Decodable {
  enum CodingKeys: String, CodingKey {
    case address, id, subsystem
    case classCode = "class"
    case path
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    func parsed<T>(_ key: CodingKeys, _ parse: (String) -> T?) throws -> T {
      let text = try container.decode(String.self, forKey: key)
      guard let value = parse(text) else {
        throw DecodingError.dataCorruptedError(
          forKey: key, in: container, debugDescription: "unexpected value: " + text)
      }
      return value
    }
    let address = try parsed(.address) { PCIAddress($0) }
    let id = try parsed(.id) { PCIID($0) }
    let subsystem = try parsed(.subsystem) { PCIID($0) }
    let classCode = try parsed(.classCode) { text -> UInt32? in
      text.utf8.count == 6 ? UInt32(text, radix: 16) : nil
    }
    var path: PCIPath? = nil
    if try !container.decodeNil(forKey: .path) {
      path = try parsed(.path) { PCIPath(parsing: ArraySlice($0.utf8)) }
    }
    self.init(
      address: address, identity: PCIIdentity(id: id, subsystem: subsystem, classCode: classCode),
      path: path)
  }
}

extension BindingReport.Outcome: Decodable {}

extension BindingReport.Entry: Decodable {
  enum CodingKeys: String, CodingKey {
    case address, id, driver, reason, outcome, detail, settings
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let addressText = try container.decode(String.self, forKey: .address)
    guard let address = PCIAddress(addressText) else {
      throw DecodingError.dataCorruptedError(
        forKey: .address, in: container, debugDescription: "not a PCI address: " + addressText)
    }
    // `[10de:1b80]`, as the binder logs it.
    let idText = try container.decode(String.self, forKey: .id)
    guard idText.hasPrefix("["), idText.hasSuffix("]"),
      let id = PCIID(String(idText.dropFirst().dropLast()))
    else {
      throw DecodingError.dataCorruptedError(
        forKey: .id, in: container, debugDescription: "not a [vendor:device] pair: " + idText)
    }
    self.init(
      address: address, id: id, driver: try container.decode(String.self, forKey: .driver),
      reason: try container.decode(String.self, forKey: .reason),
      outcome: try container.decode(BindingReport.Outcome.self, forKey: .outcome),
      detail: try container.decode(String.self, forKey: .detail),
      // Added within version 1: older binders do not write it.
      settings: try container.decodeIfPresent([String].self, forKey: .settings) ?? [])
  }
}
