// SPDX-License-Identifier: Apache-2.0
import Foundation

@testable import EarlybindHost

/// newc cpio archives built in memory, for the reader's tests: what
/// `cpio -o -H newc` writes, with the name spelling and magic chosen.
struct CpioArchive {
  struct Member {
    var name: String
    var mode: UInt32
    var data: [UInt8]

    static func file(_ name: String, _ text: String = "x") -> Member {
      Member(name: name, mode: 0o100644, data: Array(text.utf8))
    }
    static func file(_ name: String, bytes: [UInt8]) -> Member {
      Member(name: name, mode: 0o100755, data: bytes)
    }
    static func directory(_ name: String) -> Member {
      Member(name: name, mode: 0o040755, data: [])
    }
    static func symlink(_ name: String, to target: String) -> Member {
      Member(name: name, mode: 0o120777, data: Array(target.utf8))
    }
  }

  var members: [Member] = []
  /// "070701" (newc) or "070702" (newc with checksum).
  var magic = "070701"

  init(_ members: [Member], magic: String = "070701") {
    self.members = members
    self.magic = magic
  }

  /// `members`, each preceded by the folders its path needs that no
  /// earlier member made, as generators write them.
  static func withParents(_ members: [Member]) -> [Member] {
    var made: Set<String> = []
    var out: [Member] = []
    for member in members {
      let parts = CpioEntry.normalized(member.name).split(separator: "/").dropLast()
      var path = ""
      for part in parts {
        path += (path.isEmpty ? "" : "/") + part
        if made.insert(path).inserted { out.append(.directory(path)) }
      }
      if member.mode & 0o170000 == 0o040000 { made.insert(CpioEntry.normalized(member.name)) }
      out.append(member)
    }
    return out
  }

  /// The archive with its trailer, padded to `block` bytes with zeros as
  /// GNU cpio pads to 512.
  func bytes(block: Int = 4) -> [UInt8] {
    var out: [UInt8] = []
    var inode: UInt32 = 1
    func hex(_ value: UInt32) -> String {
      let digits = String(value, radix: 16, uppercase: true)
      return String(repeating: "0", count: 8 - digits.count) + digits
    }
    func pad() { while out.count % 4 != 0 { out.append(0) } }
    for member in members + [Member(name: "TRAILER!!!", mode: 0, data: [])] {
      let name = Array(member.name.utf8) + [0]
      let fields: [UInt32] = [
        inode, member.mode, 0, 0, 1, 0, UInt32(member.data.count), 0, 0, 0, 0,
        UInt32(name.count), 0,
      ]
      inode += 1
      out += Array(magic.utf8) + Array(fields.map(hex).joined().utf8) + name
      pad()
      out += member.data
      pad()
    }
    while out.count % block != 0 { out.append(0) }
    return out
  }
}

/// What the kernel would unpack from `bytes` (an uncompressed archive)
/// fed in chunks of `chunk` bytes: the entries it names, in order, and the
/// tree, with the first `keptSize` bytes of files named in `keeping`.
func unpack(
  _ bytes: [UInt8], chunk: Int = .max, keeping: Set<String> = ["bindings.tbl"],
  keptSize: Int = 1 << 20, limits: ImageLimits = .default
) throws(CpioError) -> (entries: [CpioEntry], tree: UnpackedTree) {
  let kept = Set(keeping.map { Array($0.utf8) })
  var scanner = CpioScanner(limits: limits, keptSize: keptSize) { kept.contains(Array($0)) }
  var entries: [CpioEntry] = []
  scanner.visit = { entries.append($0) }
  var start = 0
  while start < bytes.count {
    let end = start + min(chunk, bytes.count - start)
    let used = try scanner.write(bytes[start..<end])
    // Stopped after padding: the kernel reads a header there.
    if used < end - start { scanner.state = .start }
    start += used
  }
  if !scanner.isBetweenEntries {
    throw CpioError(reason: .truncated("archive"), offset: scanner.offset)
  }
  return (entries, scanner.tree)
}

extension UnpackedTree {
  /// The kept bytes of the regular file `path` leads to, or nil.
  func bytes(_ path: String) -> [UInt8]? {
    var tree = self
    guard case .node(let id)? = try? tree.lookup(path), nodes[Int(id)].kind == .file else {
      return nil
    }
    return nodes[Int(id)].data
  }

  /// Whether `path` leads to a regular file.
  func hasFile(_ path: String) -> Bool {
    var tree = self
    guard case .node(let id)? = try? tree.lookup(path) else { return false }
    return nodes[Int(id)].kind == .file
  }
}
