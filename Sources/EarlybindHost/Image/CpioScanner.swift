// SPDX-License-Identifier: Apache-2.0
/// Reads newc cpio archives ("070701", and "070702" whose checksum it does
/// not verify) from a stream fed in chunks of any size, as an initramfs
/// image or its decompressed part arrives: one archive after another, each
/// ending with "TRAILER!!!", with zero padding between them. Pure: every
/// malformed or truncated input is a `CpioError`, never a trap.
///
/// Between archives it stops at the first byte that does not start a cpio
/// header (`foreignOffset`): in an image file, the compressed main archive.
struct CpioScanner {
  static let headerSize = 110
  /// No real path comes near this; random bytes may claim more.
  static let maximumNameSize = 65536

  enum State: Hashable {
    /// Before an archive: zero padding, then a header or foreign data.
    case between
    /// Inside a header of an archive that has started (`atArchiveStart`
    /// only for its first).
    case header
    /// The name and its padding: `count` bytes in all.
    case name(count: Int)
    /// A file's data and padding; `kept` when the data is wanted.
    case data(remaining: Int64, padding: Int64, kept: Bool)
  }

  /// Bytes consumed (or skipped) from the start of the stream.
  private(set) var offset: Int64 = 0
  private(set) var state = State.between
  /// Archives whose trailer has been read.
  private(set) var archives = 0
  /// Set when scanning stopped at data that is not cpio, between archives.
  private(set) var foreignOffset: Int64?

  /// Which entries' bytes to keep (small ones only: they are held in memory).
  var keepsData: (CpioEntry) -> Bool
  /// Whether data that is not cpio may follow an archive (in an image file:
  /// the compressed part); otherwise it is an error.
  var stopsAtForeignData: Bool

  private var pending: [UInt8] = []
  private var entryStart: Int64 = 0
  private var entry = CpioEntry(name: "", mode: 0, size: 0, offset: 0)
  private var nameSize = 0

  init(
    stopsAtForeignData: Bool = true, keepsData: @escaping (CpioEntry) -> Bool = { _ in false }
  ) {
    self.stopsAtForeignData = stopsAtForeignData
    self.keepsData = keepsData
  }

  /// File data the caller may skip without feeding it (seeking over it in
  /// a file), with `skip`.
  var skippableData: Int64 {
    if case .data(let remaining, let padding, false) = state { return remaining + padding }
    return 0
  }

  /// Whether the stream may end here: between archives, after at least one.
  var isAtEnd: Bool { state == .between && archives > 0 }

  /// Skips `count` bytes of file data (at most `skippableData`); a finished
  /// entry is appended to `entries`.
  mutating func skip(_ count: Int64, into entries: inout [CpioEntry]) {
    guard case .data(let remaining, let padding, false) = state, count > 0 else { return }
    let total = remaining + padding
    let taken = min(count, total)
    offset += taken
    if taken == total {
      entries.append(entry)
      state = .header
    } else if taken <= remaining {
      state = .data(remaining: remaining - taken, padding: padding, kept: false)
    } else {
      state = .data(remaining: 0, padding: total - taken, kept: false)
    }
  }

  /// Reads `chunk`, appending each finished entry (not the trailers) to
  /// `entries`. Stops early only at foreign data (`foreignOffset`).
  mutating func consume(_ chunk: ArraySlice<UInt8>, into entries: inout [CpioEntry])
    throws(CpioError)
  {
    var index = chunk.startIndex
    while index < chunk.endIndex, foreignOffset == nil {
      switch state {
      case .between:
        if pending.isEmpty {
          // Zero padding between archives.
          while index < chunk.endIndex && chunk[index] == 0 {
            index += 1
            offset += 1
          }
          if index == chunk.endIndex { return }
          entryStart = offset
        }
        let taken = min(6 - pending.count, chunk.endIndex - index)
        pending += chunk[index..<index + taken]
        index += taken
        offset += Int64(taken)
        if pending.count < 6 { return }
        if Self.isMagic(pending) {
          state = .header
        } else if !stopsAtForeignData {
          throw CpioError(reason: .badMagic(pending), offset: entryStart)
        } else {
          foreignOffset = entryStart
          pending = []
          return
        }
      case .header:
        if pending.isEmpty { entryStart = offset }
        let taken = min(Self.headerSize - pending.count, chunk.endIndex - index)
        pending += chunk[index..<index + taken]
        index += taken
        offset += Int64(taken)
        if pending.count < Self.headerSize { return }
        try parseHeader()
        pending = []
      case .name(let count):
        let taken = min(count - pending.count, chunk.endIndex - index)
        pending += chunk[index..<index + taken]
        index += taken
        offset += Int64(taken)
        if pending.count < count { return }
        try finishName(entries: &entries)
      case .data(let remaining, let padding, let kept):
        let available = Int64(chunk.endIndex - index)
        let total = remaining + padding
        let taken = min(total, available)
        if kept && remaining > 0 {
          let data = min(remaining, taken)
          entry.data!.append(contentsOf: chunk[index..<index + Int(data)])
        }
        index += Int(taken)
        offset += taken
        if taken == total {
          entries.append(entry)
          state = .header
        } else if taken <= remaining {
          state = .data(remaining: remaining - taken, padding: padding, kept: kept)
        } else {
          state = .data(remaining: 0, padding: total - taken, kept: kept)
        }
      }
    }
  }

  /// The end of the stream: throws unless it ends between archives.
  func finish() throws(CpioError) {
    switch state {
    case .between:
      if !pending.isEmpty {
        throw CpioError(reason: .truncated("cpio header"), offset: entryStart)
      }
      if archives == 0 && foreignOffset == nil {
        throw CpioError(reason: .truncated("image: no cpio archive"), offset: offset)
      }
    case .header:
      throw CpioError(
        reason: .truncated(pending.isEmpty ? "archive (no trailer)" : "cpio header"),
        offset: pending.isEmpty ? offset : entryStart)
    case .name:
      throw CpioError(reason: .truncated("cpio name"), offset: entryStart)
    case .data:
      throw CpioError(reason: .truncated("data of \(entry.name)"), offset: entryStart)
    }
  }

  static func isMagic(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 6 && bytes[0] == 0x30 && bytes[1] == 0x37 && bytes[2] == 0x30
      && bytes[3] == 0x37 && bytes[4] == 0x30 && (bytes[5] == 0x31 || bytes[5] == 0x32)
  }

  static let fieldNames = [
    "ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor", "devminor",
    "rdevmajor", "rdevminor", "namesize", "check",
  ]

  /// The 8 hex digits of field `index` (after the 6-byte magic).
  func field(_ index: Int) throws(CpioError) -> UInt32 {
    var value: UInt32 = 0
    for byte in pending[(6 + index * 8)..<(14 + index * 8)] {
      let digit: UInt32
      switch byte {
      case 0x30...0x39: digit = UInt32(byte - 0x30)
      case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
      case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
      default: throw CpioError(reason: .badField(Self.fieldNames[index]), offset: entryStart)
      }
      value = value << 4 | digit
    }
    return value
  }

  private mutating func parseHeader() throws(CpioError) {
    guard Self.isMagic(pending) else {
      throw CpioError(reason: .badMagic(Array(pending.prefix(6))), offset: entryStart)
    }
    let mode = try field(1)
    let size = try field(6)
    let nameSize = Int(try field(11))
    guard nameSize >= 1 && nameSize <= Self.maximumNameSize else {
      throw CpioError(reason: .badField("namesize"), offset: entryStart)
    }
    self.nameSize = nameSize
    entry = CpioEntry(name: "", mode: mode, size: Int64(size), offset: entryStart)
    // Header and name together are padded to a multiple of four.
    let padded = (Self.headerSize + nameSize + 3) & ~3
    state = .name(count: padded - Self.headerSize)
  }

  private mutating func finishName(entries: inout [CpioEntry]) throws(CpioError) {
    guard pending[nameSize - 1] == 0 else {
      throw CpioError(reason: .badField("namesize (name not NUL-terminated)"), offset: entryStart)
    }
    let raw = String(decoding: pending[0..<(nameSize - 1)], as: UTF8.self)
    pending = []
    if raw == "TRAILER!!!" {
      archives += 1
      state = .between
      return
    }
    entry.name = CpioEntry.normalized(raw)
    let padding = (4 - entry.size % 4) % 4
    let kept = keepsData(entry)
    if kept { entry.data = [] }
    if entry.size == 0 {
      entries.append(entry)
      state = .header
    } else {
      state = .data(remaining: entry.size, padding: padding, kept: kept)
    }
  }
}
