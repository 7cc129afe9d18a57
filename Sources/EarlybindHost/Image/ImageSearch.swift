// SPDX-License-Identifier: Apache-2.0
/// Looks for paths among an image's members as the unpacked tree will
/// have them: through the symlinks the archive carries, so that
/// `usr/sbin/earlybind-init` is found in a usr-merged image whose
/// `usr/sbin` links to `bin` (mkinitcpio on Arch), as in one where it is a
/// folder (initramfs-tools, dracut).
struct ImageSearch {
  /// Paths without a leading slash (`usr/sbin/earlybind-init`).
  let wanted: [String]
  /// Wanted paths whose bytes are kept (small files only).
  let keptPaths: Set<String>
  /// Each wanted path found, with the member that holds it.
  private(set) var found: [String: CpioEntry] = [:]

  private let wantedNames: Set<Substring>
  private var candidates: [String: CpioEntry] = [:]
  private var symlinks: [String: String] = [:]

  static let maximumKeptSize: Int64 = 1 << 20
  static let maximumLinkSize: Int64 = 4096

  init(wanted: [String], keepingDataOf kept: Set<String> = []) {
    self.wanted = wanted
    keptPaths = kept
    wantedNames = Set(wanted.map(Self.baseName))
  }

  var isComplete: Bool { found.count == wanted.count }

  /// The members whose data `add` needs: symlink targets, and files named
  /// like a kept path.
  func keepsData(_ entry: CpioEntry) -> Bool {
    if entry.isSymlink { return entry.size <= Self.maximumLinkSize }
    return entry.isRegularFile && entry.size <= Self.maximumKeptSize
      && keptPaths.contains { Self.baseName($0) == Self.baseName(entry.name) }
  }

  mutating func add(_ entry: CpioEntry) {
    if entry.isSymlink, let data = entry.data {
      symlinks[entry.name] = String(decoding: data, as: UTF8.self)
    } else if entry.isRegularFile && wantedNames.contains(Self.baseName(entry.name)) {
      candidates[entry.name] = entry
    } else {
      return
    }
    for path in wanted where found[path] == nil {
      if let match = resolve(path).flatMap({ candidates[$0] }) { found[path] = match }
    }
  }

  static func baseName<S: StringProtocol>(_ path: S) -> Substring {
    Substring(path.split(separator: "/").last ?? "")
  }

  /// `path` with every symlink in it followed (as far as the members seen
  /// so far tell); nil for a loop.
  func resolve(_ path: String) -> String? {
    var pending = path.split(separator: "/").map(String.init).reversed() as [String]
    var resolved: [String] = []
    var hops = 0
    while let component = pending.popLast() {
      switch component {
      case "", ".": continue
      case "..":
        _ = resolved.popLast()
        continue
      default: break
      }
      let candidate = (resolved + [component]).joined(separator: "/")
      guard let target = symlinks[candidate] else {
        resolved.append(component)
        continue
      }
      hops += 1
      if hops > 40 { return nil }
      if target.hasPrefix("/") { resolved = [] }
      pending += target.split(separator: "/").map(String.init).reversed()
    }
    return resolved.joined(separator: "/")
  }
}
