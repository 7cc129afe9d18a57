// SPDX-License-Identifier: Apache-2.0
/// Looks for paths in an image as the binder will meet them at boot: in
/// the tree the kernel unpacked, through its links (usr/sbin may link to
/// bin, as mkinitcpio lays out Arch's usr-merged tree).
struct ImageSearch {
  enum Result: Hashable {
    /// A regular file; `data` holds its first bytes when it was kept.
    case file(CpioEntry)
    /// Something else is there (a folder, a node).
    case notRegular(String)
    case missing
    /// Over the kernel's 40 links, or a component over NAME_MAX.
    case unreachable
  }

  /// Each wanted path (without a leading slash) and what it leads to.
  private(set) var results: [String: Result] = [:]

  init(_ wanted: [String], in tree: inout UnpackedTree) throws(ImageLimitExceeded) {
    for path in wanted {
      switch try tree.lookup(path) {
      case .missing: results[path] = .missing
      case .failed: results[path] = .unreachable
      case .node(let id):
        let node = tree.nodes[Int(id)]
        switch node.kind {
        case .file:
          results[path] = .file(
            CpioEntry(
              name: tree.path(of: id), mode: 0o100644, size: node.size, offset: node.offset,
              data: node.data))
        case .directory: results[path] = .notRegular("a folder")
        case .symlink, .other: results[path] = .notRegular("a device node, FIFO or socket")
        }
      }
    }
  }

  /// The regular file at `path`, if that is what it leads to.
  func file(_ path: String) -> CpioEntry? {
    if case .file(let entry) = results[path] { return entry }
    return nil
  }

  /// The wanted paths with their last components, whose files keep bytes.
  static func baseName(_ path: String) -> String {
    String(path.split(separator: "/").last ?? "")
  }
}
