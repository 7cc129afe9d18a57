// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import FoundationEssentials

/// The PCI functions of this boot and of the one before, kept by `status`
/// in /var/lib/earlybind/inventory.json (written atomically) so that it
/// can say what changed between them:
///
///     {version: 1, current: boot, previous: boot or null}
///     boot: {boot_id, functions: [{address, id, subsystem, class, path}]}
///
/// `path` is null when the bridges above the function could not be read.
struct BootInventory: Codable, Equatable {
  static let schemaVersion = 1

  struct Function: Codable, Hashable {
    var address: String
    var id: String
    var subsystem: String
    var classCode: String
    var path: String?

    enum CodingKeys: String, CodingKey {
      case address, id, subsystem, path
      case classCode = "class"
    }

    init(_ function: BindingReport.Function) {
      address = function.address.description
      id = function.identity.id.description
      subsystem = function.identity.subsystem.description
      classCode = ASCII.hex(function.identity.classCode, width: 6)
      path = function.path?.description
    }

    /// IDs and class: what tells one card model from another.
    var model: String { id + " " + subsystem + " " + classCode }

    var label: String {
      address + " [" + id + "]" + (path.map { " (path:" + $0 + ")" } ?? "")
    }
  }

  struct Boot: Codable, Equatable {
    var bootID: String
    var functions: [Function]

    enum CodingKeys: String, CodingKey {
      case bootID = "boot_id"
      case functions
    }
  }

  var version = Self.schemaVersion
  var current: Boot
  var previous: Boot?

  init(current: Boot, previous: Boot?) {
    self.current = current
    self.previous = previous
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    version = try container.decode(Int.self, forKey: .version)
    guard version == Self.schemaVersion else {
      throw DecodingError.dataCorruptedError(
        forKey: .version, in: container,
        debugDescription: "inventory version \(version); this earlybind reads version "
          + "\(Self.schemaVersion)")
    }
    current = try container.decode(Boot.self, forKey: .current)
    previous = try container.decodeIfPresent(Boot.self, forKey: .previous)
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(version, forKey: .version)
    try container.encode(current, forKey: .current)
    try container.encode(previous, forKey: .previous)
  }

  enum CodingKeys: String, CodingKey {
    case version, current, previous
  }

  /// The stored inventory with `boot` as the current one: unchanged when
  /// it already is (same boot id), else the stored current becomes the
  /// previous.
  static func advanced(_ stored: BootInventory?, to boot: Boot) -> BootInventory {
    guard let stored else { return BootInventory(current: boot, previous: nil) }
    if stored.current.bootID == boot.bootID {
      return BootInventory(current: boot, previous: stored.previous)
    }
    return BootInventory(current: boot, previous: stored.current)
  }

  func bytes() -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return Array((try? encoder.encode(self)) ?? Data()) + [0x0A]
  }

  static func decoded(from bytes: [UInt8]) throws -> BootInventory {
    try JSONDecoder().decode(BootInventory.self, from: Data(bytes))
  }
}

/// What changed between two boots' functions, like a system-devices page:
/// a function at the same path with the same IDs is the same one (its
/// address may have moved with the bus numbers); one whose model is unique
/// on both sides but whose path differs was moved to another slot; the
/// rest were added or removed. Identical cards are never paired by guess.
struct HardwareChanges: Equatable {
  struct Move: Equatable {
    var from: BootInventory.Function
    var to: BootInventory.Function
  }

  var added: [BootInventory.Function] = []
  var removed: [BootInventory.Function] = []
  var moved: [Move] = []

  var isEmpty: Bool { added.isEmpty && removed.isEmpty && moved.isEmpty }

  init(from old: [BootInventory.Function], to new: [BootInventory.Function]) {
    var before = old
    var after: [BootInventory.Function] = []
    for function in new {
      if let index = before.firstIndex(where: {
        $0.path != nil && $0.path == function.path && $0.model == function.model
      }) {
        if before[index].address != function.address {
          moved.append(Move(from: before[index], to: function))
        }
        before.remove(at: index)
      } else {
        after.append(function)
      }
    }
    var leftAfter: [BootInventory.Function] = []
    for function in after {
      let earlier = before.filter { $0.model == function.model }
      let later = after.filter { $0.model == function.model }
      if earlier.count == 1, later.count == 1, let index = before.firstIndex(of: earlier[0]) {
        moved.append(Move(from: earlier[0], to: function))
        before.remove(at: index)
      } else {
        leftAfter.append(function)
      }
    }
    added = leftAfter
    removed = before
  }

  var lines: [String] {
    added.map { "added: " + $0.label } + removed.map { "removed: " + $0.label }
      + moved.map { "moved: " + $0.from.label + " -> " + $0.to.label }
  }
}
