// SPDX-License-Identifier: Apache-2.0
/// The kernel's cpio unpacker (init/initramfs.c: write_buffer and its
/// states), rule for rule, building an `UnpackedTree` instead of files. Fed
/// a stream in chunks of any size:
///
/// - a header is "070701" or "070702" (whose file data checksum is
///   verified, as do_copy does); "070707" and anything else stop unpacking;
/// - header fields are read as simple_strntoul reads them: an optional
///   "0x", then hex digits up to the first other byte;
/// - an entry whose name size is 0 or over PATH_MAX, a link whose target
///   is over PATH_MAX, and any entry that is neither a regular file nor
///   empty are skipped whole (do_header);
/// - a name must end in a NUL at its last byte ("malformed archive"), and
///   is used up to its first NUL; "TRAILER!!!" only ends a hard-link scope;
/// - after each entry, zero bytes are skipped, and what follows them must
///   start at a multiple of four ("broken padding", do_reset).
///
/// Hard links are not shared: a file linked to an earlier one gets its own
/// bytes (what an archive that writes each link's data gives anyway).
struct CpioScanner {
  static let headerSize = 110
  /// The kernel's PATH_MAX.
  static let pathMax = 4096

  enum State: Hashable {
    /// About to read a header (do_start).
    case start
    /// Collecting the header, the name, or a link's name and target.
    case header
    case name(count: Int)
    case symlink(count: Int)
    /// The data of a file the tree holds (do_copy).
    case copy(remaining: Int64)
    /// Up to the next header (do_skip).
    case skip
    /// Zero padding after an entry (do_reset).
    case reset
  }

  struct Header: Hashable {
    var mode: UInt16
    var bodySize: Int64
    var nameSize: Int64
    var checksum: UInt32
    var hasChecksum: Bool
    var offset: Int64

    var type: UInt16 { mode & 0o170000 }
  }

  var state = State.start
  /// Where do_skip goes: the kernel's next_state, do_start until the first
  /// name or link has been read, do_reset from then on.
  var afterSkip = State.start
  /// The position in the stream (the kernel's this_header): the image
  /// file's offset in an uncompressed part, the decompressed offset in a
  /// compressed one. Alignment is checked against it.
  var offset: Int64 = 0
  private var nextHeader: Int64 = 0

  var tree: UnpackedTree
  /// Whether to keep the bytes of a file, by the last component of its name.
  var keepsData: (ArraySlice<UInt8>) -> Bool
  /// How many of its first bytes are kept.
  var keptSize: Int
  /// Every entry the kernel reads a name for, in archive order.
  var visit: ((CpioEntry) -> Void)?

  private var pending: [UInt8] = []
  private var header = Header(
    mode: 0, bodySize: 0, nameSize: 0, checksum: 0, hasChecksum: false, offset: 0)
  private var file: Int32?
  private var sum: UInt32 = 0
  private var fileName = ""

  init(
    limits: ImageLimits = .default, keptSize: Int = 0,
    keepsData: @escaping (ArraySlice<UInt8>) -> Bool = { _ in false }
  ) {
    tree = UnpackedTree(limits: limits)
    self.keptSize = keptSize
    self.keepsData = keepsData
  }

  /// Bytes the caller may pass over without reading them (seeking in a
  /// file), with `skip`: padding, and data nobody keeps or sums.
  var skippable: Int64 {
    switch state {
    case .skip: return nextHeader - offset
    case .copy(let remaining) where file == nil && !header.hasChecksum: return remaining
    default: return 0
    }
  }

  mutating func skip(_ count: Int64) {
    precondition(count <= skippable)
    offset += count
    if case .copy(let remaining) = state {
      state = remaining == count ? .skip : .copy(remaining: remaining - count)
    } else if offset == nextHeader {
      state = afterSkip
    }
  }

  /// write_buffer(): reads `chunk` and returns how much of it was used:
  /// all of it, or less when zero padding ended at a byte that is not
  /// zero, which the caller looks at (`flush`, or the image's next part).
  mutating func write(_ chunk: ArraySlice<UInt8>) throws(CpioError) -> Int {
    var index = chunk.startIndex
    while true {
      switch state {
      case .start:
        if index == chunk.endIndex { return chunk.count }
        header.offset = offset
        pending.removeAll(keepingCapacity: true)
        state = .header
      case .header:
        guard collect(Self.headerSize, from: chunk, at: &index) else { return chunk.count }
        try readHeader()
      case .name(let count):
        guard collect(count, from: chunk, at: &index) else { return chunk.count }
        try readName()
      case .symlink(let count):
        guard collect(count, from: chunk, at: &index) else { return chunk.count }
        try readSymlink()
      case .copy(let remaining):
        if index == chunk.endIndex && remaining > 0 { return chunk.count }
        let taken = Int(min(remaining, Int64(chunk.endIndex - index)))
        let bytes = chunk[index..<index + taken]
        if let file {
          let room = keptSize - (tree.nodes[Int(file)].data?.count ?? 0)
          if room > 0 {
            do {
              try tree.append(bytes.prefix(room), to: file)
            } catch {
              throw CpioError(reason: .limit(error.limit), offset: header.offset)
            }
          }
        }
        if header.hasChecksum {
          for byte in bytes { sum &+= UInt32(byte) }
        }
        index += taken
        offset += Int64(taken)
        if Int64(taken) == remaining {
          if header.hasChecksum && sum != header.checksum {
            throw CpioError(reason: .badChecksum(fileName), offset: header.offset)
          }
          state = .skip
        } else {
          state = .copy(remaining: remaining - Int64(taken))
        }
      case .skip:
        let available = Int64(chunk.endIndex - index)
        let needed = nextHeader - offset
        if available < needed {
          offset += available
          return chunk.count
        }
        index += Int(needed)
        offset = nextHeader
        state = afterSkip
      case .reset:
        while index < chunk.endIndex && chunk[index] == 0 {
          index += 1
          offset += 1
        }
        if index == chunk.endIndex { return chunk.count }
        if offset & 3 != 0 {
          throw CpioError(reason: .brokenPadding, offset: offset)
        }
        return index - chunk.startIndex
      }
    }
  }

  /// flush_buffer(): decompressed data, in which a header ("0") or zero
  /// padding may follow where `write` stops; anything else is junk.
  mutating func flush(_ chunk: ArraySlice<UInt8>) throws(CpioError) {
    var rest = chunk
    while !rest.isEmpty {
      let used = try write(rest)
      rest = rest.dropFirst(used)
      guard let next = rest.first else { return }
      if next == 0x30 {
        state = .start
      } else if next == 0 {
        state = .reset
      } else {
        throw CpioError(reason: .junkWithinCompressedData, offset: offset)
      }
    }
  }

  /// Whether the stream may end here without cutting an entry.
  var isBetweenEntries: Bool { state == .reset || state == .start }

  // MARK: Entries

  /// Adds bytes to `pending` until it holds `count`; whether it does.
  private mutating func collect(
    _ count: Int, from chunk: ArraySlice<UInt8>, at index: inout Int
  ) -> Bool {
    let taken = min(count - pending.count, chunk.endIndex - index)
    pending += chunk[index..<index + taken]
    index += taken
    offset += Int64(taken)
    return pending.count == count
  }

  /// The kernel's N_ALIGN: the name's bytes after a header, padded so
  /// that header and name end at a multiple of four.
  static func alignedNameSize(_ size: Int64) -> Int64 { ((size + 1) & ~3) + 2 }

  /// simple_strntoul(field, NULL, 16, 8): an optional "0x", then hex
  /// digits up to the first byte that is not one.
  static func field(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var index = bytes.startIndex
    if bytes.count >= 2 && bytes[index] == 0x30 && bytes[index + 1] | 0x20 == 0x78 {
      index += 2
    }
    var value: UInt32 = 0
    while index < bytes.endIndex {
      let byte = bytes[index]
      let digit: UInt32
      switch byte {
      case 0x30...0x39: digit = UInt32(byte - 0x30)
      case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
      case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
      default: return value
      }
      value = value << 4 | digit
      index += 1
    }
    return value
  }

  /// do_header().
  private mutating func readHeader() throws(CpioError) {
    let magic = pending.prefix(6)
    let hasChecksum: Bool
    if magic.elementsEqual("070701".utf8) {
      hasChecksum = false
    } else if magic.elementsEqual("070702".utf8) {
      hasChecksum = true
    } else {
      throw CpioError(
        reason: magic.elementsEqual("070707".utf8) ? .oldFormat : .badMagic(Array(magic)),
        offset: header.offset)
    }
    func field(_ number: Int) -> UInt32 {
      Self.field(pending[(6 + number * 8)..<(14 + number * 8)])
    }
    header = Header(
      mode: UInt16(truncatingIfNeeded: field(1)), bodySize: Int64(field(6)),
      nameSize: Int64(field(11)), checksum: field(12), hasChecksum: hasChecksum,
      offset: header.offset)
    nextHeader = (offset + Self.alignedNameSize(header.nameSize) + header.bodySize + 3) & ~3
    state = .skip
    guard header.nameSize > 0 && header.nameSize <= Self.pathMax else { return }
    if header.type == 0o120000 {
      guard header.bodySize <= Self.pathMax else { return }
      pending.removeAll(keepingCapacity: true)
      state = .symlink(count: Int(Self.alignedNameSize(header.nameSize) + header.bodySize))
    } else if header.type == 0o100000 || header.bodySize == 0 {
      pending.removeAll(keepingCapacity: true)
      state = .name(count: Int(Self.alignedNameSize(header.nameSize)))
    }
  }

  /// The name in `pending`, up to its first NUL; throws unless its last
  /// byte is one.
  private func name() throws(CpioError) -> ArraySlice<UInt8> {
    let size = Int(header.nameSize)
    guard pending[size - 1] == 0 else {
      throw CpioError(reason: .nameWithoutNul, offset: header.offset)
    }
    let end = pending[0..<size].firstIndex(of: 0)!
    return pending[0..<end]
  }

  private func report(_ name: ArraySlice<UInt8>) {
    guard let visit else { return }
    visit(
      CpioEntry(
        name: CpioEntry.normalized(String(decoding: name, as: UTF8.self)),
        mode: UInt32(header.mode), size: header.bodySize, offset: header.offset))
  }

  /// do_name(): a file, folder or node; or the trailer.
  private mutating func readName() throws(CpioError) {
    state = .skip
    afterSkip = .reset
    let name = try name()
    if name.elementsEqual("TRAILER!!!".utf8) { return }
    report(name)
    file = nil
    let kind: UnpackedTree.Kind?
    switch header.type {
    case 0o100000: kind = .file
    case 0o040000: kind = .directory
    case 0o060000, 0o020000, 0o010000, 0o140000: kind = .other
    default: kind = nil
    }
    let created: Int32?
    do {
      created = try create(name, kind)
    } catch {
      throw CpioError(reason: .limit(error.limit), offset: header.offset)
    }
    guard kind == .file, let created else { return }
    file = tree.nodes[Int(created)].data == nil ? nil : created
    sum = 0
    fileName = String(decoding: name, as: UTF8.self)
    state = .copy(remaining: header.bodySize)
  }

  /// What do_name creates for `name`: the node, or nil when the kernel's
  /// call fails (no folder to hold it, EEXIST, EISDIR) or creates nothing.
  private mutating func create(_ name: ArraySlice<UInt8>, _ kind: UnpackedTree.Kind?)
    throws(ImageLimitExceeded) -> Int32?
  {
    guard let (parent, last) = try tree.place(name) else { return nil }
    // clean_path(): an entry of another type there goes (a folder only
    // when empty); an unknown type creates nothing.
    let existing = tree.clean(parent, last, for: kind)
    guard let kind else { return nil }
    let keeps = kind == .file && keptSize > 0 && keepsData(last)
    if let existing {
      // The same file again is truncated and rewritten (O_TRUNC); a folder
      // or node that is there stays (EEXIST, EISDIR).
      guard kind == .file && tree.nodes[Int(existing)].kind == .file else { return nil }
      tree.rewrite(existing, size: header.bodySize, offset: header.offset, keepsData: keeps)
      return existing
    }
    var node = UnpackedTree.Node(kind: kind, parent: parent, name: Array(last))
    node.size = header.bodySize
    node.offset = header.offset
    if keeps { node.data = [] }
    return try tree.add(node)
  }

  /// do_symlink(): a link, replacing whatever is there (a folder only when
  /// empty).
  private mutating func readSymlink() throws(CpioError) {
    let name = try name()
    let body = pending[Int(Self.alignedNameSize(header.nameSize))...]
    let target = body.prefix { $0 != 0 }
    state = .skip
    afterSkip = .reset
    report(name)
    do {
      guard let (parent, last) = try tree.place(name) else { return }
      if tree.clean(parent, last, for: nil) != nil || target.isEmpty { return }
      var node = UnpackedTree.Node(kind: .symlink, parent: parent, name: Array(last))
      node.target = Array(target)
      node.offset = header.offset
      try tree.add(node)
    } catch {
      throw CpioError(reason: .limit(error.limit), offset: header.offset)
    }
  }
}
