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

/// Runs a scanner over `bytes` fed in chunks of `chunk` bytes.
func scanAll(
  _ bytes: [UInt8], chunk: Int = .max, stopsAtForeignData: Bool = true,
  keepsData: @escaping (CpioEntry) -> Bool = { _ in true }
) throws(CpioError) -> (entries: [CpioEntry], scanner: CpioScanner) {
  var scanner = CpioScanner(stopsAtForeignData: stopsAtForeignData, keepsData: keepsData)
  var entries: [CpioEntry] = []
  var start = 0
  while start < bytes.count && scanner.foreignOffset == nil {
    let end = start + min(chunk, bytes.count - start)
    try scanner.consume(bytes[start..<end], into: &entries)
    start = end
  }
  if scanner.foreignOffset == nil { try scanner.finish() }
  return (entries, scanner)
}
