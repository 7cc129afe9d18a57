// SPDX-License-Identifier: Apache-2.0
/// `UUID=…`, `LABEL=…`, `PARTUUID=…` or `PARTLABEL=…`, as fstab and the
/// kernel's `root=` name a filesystem.
struct BlockTag: Hashable, CustomStringConvertible {
  static let names = ["UUID", "LABEL", "PARTUUID", "PARTLABEL"]

  var name: String
  var value: String

  init(name: String, value: String) {
    self.name = name
    self.value = value
  }

  /// Parses `NAME=value`, dropping one pair of surrounding quotes
  /// (`LABEL="my disk"`). Nil for anything that is not one of the four tags.
  init?(parsing text: String) {
    guard let equals = text.firstIndex(of: "=") else { return nil }
    let name = String(text[..<equals])
    var value = Substring(text[text.index(after: equals)...])
    if value.count >= 2, let first = value.first, first == "\"" || first == "'",
      value.last == first
    {
      value = value.dropFirst().dropLast()
    }
    guard Self.names.contains(name), !value.isEmpty else { return nil }
    self.init(name: name, value: String(value))
  }

  var description: String { name + "=" + value }

  /// UUIDs compare without case (FAT and NTFS serials are printed in
  /// capitals, fstab is often written in lower case); labels exactly.
  func matches(_ probe: BlockProbe) -> Bool {
    switch name {
    case "UUID": return probe.uuid.map { $0.lowercased() == value.lowercased() } ?? false
    case "LABEL": return probe.label == value
    case "PARTUUID":
      return probe.partitionUUID.map { $0.lowercased() == value.lowercased() } ?? false
    case "PARTLABEL": return probe.partitionLabel == value
    default: return false
    }
  }
}

/// Finds the block devices a tag names. The guard asks it for every tag in
/// fstab and on the kernel command line, so tests can inject fake devices.
protocol BlockTagResolver {
  /// Device paths (`/dev/sda2`) or bare names (`sda2`); empty when nothing
  /// matches. More than one when the tag is not unique (cloned disks).
  func devices(matching tag: BlockTag) -> [String]
  /// Why the lookup may have missed devices (a failed scan), if it may have.
  var problem: String? { get }
}

extension BlockTagResolver {
  var problem: String? { nil }
}

/// Matches tags against a given list of devices or image files by probing
/// each with libblkid: what tests use, since libblkid's own lookup only
/// looks at real block devices.
struct ProbingTagResolver: BlockTagResolver {
  var candidates: [String]

  func devices(matching tag: BlockTag) -> [String] {
    candidates.filter { candidate in
      guard let probe = try? Blkid.probe(candidate) else { return false }
      return tag.matches(probe)
    }
  }
}

/// The running system: `blkid_evaluate_tag` (udev links, then a scan) and,
/// so that a duplicated UUID protects every copy, a full scan of all block
/// devices, done once on first use.
final class SystemTagResolver: BlockTagResolver {
  private var cache: OpaquePointer?
  private var scanned: [(device: String, probe: BlockProbe)]?
  /// Why the full scan failed, if it did.
  private(set) var problem: String?

  init() {
    cache = Blkid.makeCache()
  }

  deinit {
    Blkid.releaseCache(cache)
  }

  func devices(matching tag: BlockTag) -> [String] {
    var found: [String] = []
    if let device = Blkid.evaluate(tag, cache: &cache) { found.append(device) }
    if scanned == nil {
      do {
        scanned = try Blkid.scanAll()
      } catch {
        problem = error.description
        scanned = []
      }
    }
    for entry in scanned ?? [] where tag.matches(entry.probe) && !found.contains(entry.device) {
      found.append(entry.device)
    }
    return found
  }
}
