// SPDX-License-Identifier: Apache-2.0
/// The tree the kernel builds from an initramfs, as far as `check` needs
/// it: every folder, link, file and node the archive creates, where the
/// kernel would create it (init/initramfs.c: do_name, do_symlink,
/// clean_path), with the bytes of the files `keepsData` chooses. Paths are
/// walked as the kernel walks them, link by link, at the moment each entry
/// is created, so an entry whose folder is missing then is dropped, and a
/// later link does not move what was created before it.
///
/// Bounded: at most `limits.entries` nodes, `limits.keptBytes` of names,
/// link targets and kept data, `limits.pathBytes` of path text walked over
/// the whole image, and `symlinkHops` links followed per path. Past a
/// bound, the operation throws `ImageLimitExceeded`.
struct UnpackedTree {
  /// The kernel's MAXSYMLINKS: a path walk following more links fails (ELOOP).
  static let symlinkHops = 40
  /// The kernel's NAME_MAX: a longer path component fails (ENAMETOOLONG).
  static let maximumComponent = 255

  enum Kind: Hashable, Sendable {
    case directory, symlink, file, other
  }

  struct Node {
    var kind: Kind
    var parent: Int32
    /// Nodes in this folder; a folder with any cannot be removed.
    var children: Int32 = 0
    var name: [UInt8]
    /// A link's target.
    var target: [UInt8] = []
    /// A file's size and where its header starts in its stream.
    var size: Int64 = 0
    var offset: Int64 = 0
    /// The first bytes of a file `keepsData` chose.
    var data: [UInt8]? = nil
  }

  /// What a path leads to.
  enum Lookup: Hashable {
    case node(Int32)
    /// A component is missing, or is not a folder where one must be.
    case missing
    /// More than `symlinkHops` links, or a component longer than NAME_MAX.
    case failed
  }

  /// Path text a walk has yet to read.
  struct Frame {
    var text: [UInt8]
    var position = 0
    /// Just past the last component: only slashes follow.
    var lastEnd: Int

    init(_ text: [UInt8]) {
      self.text = text
      var end = text.count
      while end > 0 && text[end - 1] == slash { end -= 1 }
      lastEnd = end
    }
  }

  struct Key: Hashable {
    var parent: Int32
    var name: [UInt8]
  }

  let limits: ImageLimits
  private(set) var nodes: [Node] = [Node(kind: .directory, parent: 0, name: [])]
  private var index: [Key: Int32] = [:]
  private(set) var keptBytes = 0
  private(set) var walkedBytes = 0

  init(limits: ImageLimits) {
    self.limits = limits
  }

  static let root: Int32 = 0

  func child(_ parent: Int32, _ name: ArraySlice<UInt8>) -> Int32? {
    index[Key(parent: parent, name: Array(name))]
  }

  /// The path of a node from the root, for messages.
  func path(of id: Int32) -> String {
    var parts: [String] = []
    var current = id
    while current != Self.root {
      parts.append(String(decoding: nodes[Int(current)].name, as: UTF8.self))
      current = nodes[Int(current)].parent
    }
    return parts.reversed().joined(separator: "/")
  }

  // MARK: Walking

  /// Walks `path` from the root as the kernel's path lookup does: empty
  /// components and `.` skipped, `..` to the parent (the root's is the
  /// root), every link on the way followed from the folder holding it (an
  /// absolute target from the root). The last component is followed only
  /// with `followLast`; without it the walk stops at the folder that would
  /// hold it and returns its name (nil for a path ending in `.`, `..` or
  /// nothing, which names no new entry).
  mutating func walk(_ path: ArraySlice<UInt8>, followLast: Bool) throws(ImageLimitExceeded)
    -> (lookup: Lookup, last: ArraySlice<UInt8>?)
  {
    // Pending path text, innermost link target last: each with its read
    // position and the end of its last component. Every frame under the
    // top one has components left, so a component is the path's last
    // when it ends the only frame.
    var frames: [Frame] = [Frame(Array(path))]
    var current = Self.root
    var hops = 0
    while let top = frames.indices.last {
      let text = frames[top].text
      var start = frames[top].position
      while start < frames[top].lastEnd && text[start] == slash { start += 1 }
      if start >= frames[top].lastEnd {
        frames.removeLast()
        continue
      }
      var end = start
      while end < text.count && text[end] != slash { end += 1 }
      frames[top].position = end
      let component = text[start..<end]
      walkedBytes += component.count + 1
      if walkedBytes > limits.pathBytes {
        throw ImageLimitExceeded(limit: .pathBytes)
      }
      if component.count > Self.maximumComponent { return (.failed, nil) }
      let isLast = frames.count == 1 && end == frames[top].lastEnd
      if component.elementsEqual([dot]) {
        if isLast && !followLast { return (.node(current), nil) }
        continue
      }
      if component.elementsEqual([dot, dot]) {
        current = nodes[Int(current)].parent
        if isLast && !followLast { return (.node(current), nil) }
        continue
      }
      if isLast && !followLast { return (.node(current), component) }
      guard let next = child(current, component) else { return (.missing, nil) }
      switch nodes[Int(next)].kind {
      case .directory:
        current = next
      case .symlink:
        hops += 1
        if hops > Self.symlinkHops { return (.failed, nil) }
        let target = nodes[Int(next)].target
        if target.isEmpty { return (.missing, nil) }
        if target[0] == slash { current = Self.root }
        if end == frames[top].lastEnd { frames.removeLast() }
        frames.append(Frame(target))
      case .file, .other:
        if isLast { return (.node(next), nil) }
        return (.missing, nil)
      }
    }
    return (.node(current), nil)
  }

  /// What `path` leads to at boot, every link followed (as open(2) and
  /// execve(2) follow them).
  mutating func lookup(_ path: String) throws(ImageLimitExceeded) -> Lookup {
    try walk(Array(path.utf8)[...], followLast: true).lookup
  }

  // MARK: Creating

  /// The folder an entry named `name` goes into and its last component,
  /// or nil when the kernel could not create it there.
  mutating func place(_ name: ArraySlice<UInt8>) throws(ImageLimitExceeded) -> (
    parent: Int32, name: ArraySlice<UInt8>
  )? {
    let (lookup, last) = try walk(name, followLast: false)
    guard case .node(let parent) = lookup, let last,
      nodes[Int(parent)].kind == .directory
    else { return nil }
    return (parent, last)
  }

  /// clean_path(): what is at `name` goes when its type differs from
  /// `kind` (nil: whatever it is); a folder only when it is empty.
  /// Returns the node left there.
  mutating func clean(_ parent: Int32, _ name: ArraySlice<UInt8>, for kind: Kind?) -> Int32? {
    guard let existing = child(parent, name) else { return nil }
    let node = nodes[Int(existing)]
    guard node.kind != kind else { return existing }
    if node.kind == .directory && node.children > 0 { return existing }
    remove(existing)
    return nil
  }

  private mutating func remove(_ id: Int32) {
    let node = nodes[Int(id)]
    index[Key(parent: node.parent, name: node.name)] = nil
    nodes[Int(node.parent)].children -= 1
    keptBytes -= node.name.count + node.target.count + (node.data?.count ?? 0)
    nodes[Int(id)].data = nil
    nodes[Int(id)].target = []
  }

  /// Adds a node; `name` must be free in `parent`.
  @discardableResult
  mutating func add(_ node: Node) throws(ImageLimitExceeded) -> Int32 {
    guard nodes.count < limits.entries else { throw ImageLimitExceeded(limit: .entries) }
    try reserve(node.name.count + node.target.count)
    let id = Int32(nodes.count)
    nodes.append(node)
    index[Key(parent: node.parent, name: node.name)] = id
    nodes[Int(node.parent)].children += 1
    return id
  }

  /// Counts `count` more kept bytes against the cap.
  mutating func reserve(_ count: Int) throws(ImageLimitExceeded) {
    keptBytes += count
    if keptBytes > limits.keptBytes { throw ImageLimitExceeded(limit: .keptBytes) }
  }

  /// A file's bytes, appended as they arrive.
  mutating func append(_ bytes: ArraySlice<UInt8>, to id: Int32) throws(ImageLimitExceeded) {
    try reserve(bytes.count)
    nodes[Int(id)].data!.append(contentsOf: bytes)
  }

  /// A file written again by a later entry: its old bytes go.
  mutating func rewrite(_ id: Int32, size: Int64, offset: Int64, keepsData: Bool) {
    keptBytes -= nodes[Int(id)].data?.count ?? 0
    nodes[Int(id)].data = keepsData ? [] : nil
    nodes[Int(id)].size = size
    nodes[Int(id)].offset = offset
  }
}

private let slash: UInt8 = 0x2F
private let dot: UInt8 = 0x2E
