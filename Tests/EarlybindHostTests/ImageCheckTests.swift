// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

extension FakeHost {
  /// The table `earlybind compile` makes of the config now.
  func compiledTable() throws -> [UInt8] {
    let compiled = host.directory.file("compiled.tbl")
    _ = try host.run(CompileCommand.self, ["--output", compiled, "--kernel", kernel])
    return Array(try Data(contentsOf: URL(fileURLWithPath: compiled)))
  }

  /// `earlybind check`'s finding on an image of these bytes.
  func imageFinding(_ image: [UInt8]) throws -> Finding {
    try host.directory.write("boot/initrd.img-" + kernel, image)
    let findings = HostCheck(environment: host.environment).run().findings
    return try #require(findings.first { $0.topic == "image \(kernel)" })
  }

  static func withConfig(_ config: String = "non-boot-vga\n") throws -> FakeHost {
    let host = try FakeHost(sysfs: try Workstation.build())
    try host.host.directory.write("etc/earlybind.conf", config)
    return host
  }
}

/// An archive with the folders its members need.
func archive(_ members: [CpioArchive.Member]) -> [UInt8] {
  CpioArchive(CpioArchive.withParents(members)).bytes()
}

let binder = CpioArchive.Member.file("usr/sbin/earlybind-init", bytes: [0x7F, 0x45, 0x4C, 0x46])

/// `check` reads an image as the kernel unpacks it, within fixed limits.
@Suite struct ImageCheckTests {
  /// Links are followed when a path is walked, at most 40 per path: 15
  /// chained links, each 800 folders down and up again, cost each walk
  /// their length, not their length times the entries that follow. (Under
  /// a second; the limit catches a reader that walks them per entry, which
  /// takes minutes.)
  @Test(.timeLimit(.minutes(1))) func longChainedLinksAreWalkedOnce() throws {
    let host = try FakeHost.withConfig()
    var members: [CpioArchive.Member] = [
      .file("etc/earlybind/bindings.tbl", bytes: try host.compiledTable()), .directory("usr"),
      .symlink("usr/sbin", to: "../l1"),
    ]
    members += (1...800).map { .directory(String(repeating: "x/", count: $0 - 1) + "x") }
    let down = String(repeating: "x/", count: 800) + String(repeating: "../", count: 800)
    for index in 1...15 {
      members.append(.symlink("l\(index)", to: down + (index == 15 ? "real" : "l\(index + 1)")))
    }
    members += (0..<400).map { .file("d\($0)/earlybind-init") }
    members.append(.file("real/earlybind-init"))
    let directory = try TemporaryDirectory()
    let image = try compress(archive(members), ["zstd", "-q", "-c"], in: directory)
    let finding = try host.imageFinding(image)
    #expect(finding.level == .ok, "\(finding.message)")
  }

  /// Every file named like the table keeps its first bytes, within a cap.
  @Test func manyTablesStopAtTheMemoryCap() throws {
    let host = try FakeHost.withConfig()
    let big = [UInt8](repeating: 0, count: 100_000)
    var members = (0..<400).map { CpioArchive.Member.file("x/\($0)/bindings.tbl", bytes: big) }
    members += [binder, .file("etc/earlybind/bindings.tbl", bytes: try host.compiledTable())]
    let directory = try TemporaryDirectory()
    let finding = try host.imageFinding(
      try compress(archive(members), ["zstd", "-q", "-c"], in: directory))
    #expect(finding.level == .warning)
    #expect(finding.message.hasPrefix("not checked: "))
    #expect(finding.message.hasSuffix("more than 32 MiB of names, link targets and tables"))
  }

  @Test func manyLinksStopAtTheEntryCap() throws {
    let host = try FakeHost.withConfig()
    var members = (0..<140_000).map { CpioArchive.Member.symlink("l\($0)", to: "x") }
    members += [binder, .file("etc/earlybind/bindings.tbl", bytes: try host.compiledTable())]
    let directory = try TemporaryDirectory()
    let finding = try host.imageFinding(
      try compress(archive(members), ["zstd", "-q", "-c"], in: directory))
    #expect(finding.level == .warning)
    #expect(finding.message.hasSuffix("more than 131072 folders, files and links"))
  }

  /// 1.1 GiB of zeros in a zstd frame of RLE blocks (33 KiB): check reads
  /// 1 GiB of it and says so.
  @Test func decompressedDataIsCappedAtOneGiB() throws {
    let host = try FakeHost.withConfig()
    var head = CpioArchive([binder]).bytes(block: 4)
    head.removeLast(124)  // the trailer
    head += Array("070701".utf8) + Array(String(repeating: "0", count: 8 * 13).utf8)
    // A file "z" of 0x7FFFFFFF bytes.
    head.replaceSubrange(
      (head.count - 104 + 8)..<(head.count - 104 + 16), with: Array("000081A4".utf8))
    head.replaceSubrange(
      (head.count - 104 + 48)..<(head.count - 104 + 56), with: Array("7FFFFFFF".utf8))
    head.replaceSubrange(
      (head.count - 104 + 88)..<(head.count - 104 + 96), with: Array("00000002".utf8))
    head += [0x7A, 0, 0, 0]
    var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38]  // no size, 128 KiB window
    func block(last: Bool, type: UInt32, size: Int) -> [UInt8] {
      let value = UInt32(last ? 1 : 0) | type << 1 | UInt32(size) << 3
      return [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16)]
    }
    frame += block(last: false, type: 0, size: head.count) + head
    let blocks = (11 << 30) / 10 / (128 << 10)
    for index in 0..<blocks {
      frame += block(last: index == blocks - 1, type: 1, size: 128 << 10) + [0]
    }
    let finding = try host.imageFinding(frame)
    #expect(finding.level == .warning)
    #expect(finding.message.hasPrefix("not checked: "))
    #expect(finding.message.hasSuffix("more than 1 GiB of archive data"))
  }

  /// At boot a later archive's table replaces an earlier one's.
  @Test func theLastTableInTheImageIsTheOneCompared() throws {
    let host = try FakeHost.withConfig()
    let current = try host.compiledTable()
    let stale = archive([.file("etc/earlybind/bindings.tbl", bytes: current.map { $0 })])
    try host.host.directory.write("etc/earlybind.conf", "10de:1b80 allow-boot-vga\n")
    let newer = try host.compiledTable()
    let first = archive([binder, .file("etc/earlybind/bindings.tbl", bytes: newer)])
    let last = archive([.file("etc/earlybind/bindings.tbl", bytes: newer)])
    #expect(try host.imageFinding(first + stale).level == .warning)
    #expect(try host.imageFinding(archive([binder]) + stale + last).level == .ok)
  }

  /// Each compressed part starts a decoder of its own format, after any
  /// zero padding; an uncompressed archive may follow one.
  @Test(arguments: [
    (["zstd", "-q", "-c"], ["zstd", "-q", "-c"]), (["gzip", "-c"], ["cat"]),
    (["gzip", "-c"], ["xz", "-c"]),
    (["xz", "-c", "--format=lzma"], ["xz", "-c", "--format=lzma"]),
    (["lzop", "-c"], ["lzop", "-c"]),
  ])
  func partsOfAnyFormatFollowOneAnother(_ first: [String], _ second: [String]) throws {
    let host = try FakeHost.withConfig()
    let directory = try TemporaryDirectory()
    let one = try compress(archive([binder]), first, in: directory)
    let two = try compress(
      archive([.file("etc/earlybind/bindings.tbl", bytes: try host.compiledTable())]), second,
      in: directory)
    let padding = [UInt8](repeating: 0, count: (4 - one.count % 4) % 4 + 512)
    let finding = try host.imageFinding(one + padding + two)
    #expect(finding.level == .ok, "\(first) \(second): \(finding.message)")
  }

  /// A header after a trailer and padding that ends off a multiple of
  /// four: the kernel stops there ("broken padding").
  @Test func brokenPaddingIsAnError() throws {
    let host = try FakeHost.withConfig()
    let whole = archive([
      binder, .file("etc/earlybind/bindings.tbl", bytes: try host.compiledTable()),
    ])
    let finding = try host.imageFinding(whole + [0, 0, 0] + archive([.file("init")]))
    #expect(finding.level == .error && finding.message.contains("broken padding"))
  }

  /// An image cut inside an entry: the kernel unpacks what comes before
  /// and says nothing; check says it.
  @Test func aCutImageIsAnError() throws {
    let host = try FakeHost.withConfig()
    let whole = archive([
      binder, .file("etc/earlybind/bindings.tbl", bytes: try host.compiledTable()),
      .file("init", bytes: [UInt8](repeating: 1, count: 1000)),
    ])
    let finding = try host.imageFinding(Array(whole.dropLast(700)))
    #expect(finding.level == .error && finding.message.contains("truncated image"))
  }

  /// The kernel drops entries whose folder does not exist.
  @Test func entriesWithoutTheirFolderAreNotInTheImage() throws {
    let host = try FakeHost.withConfig()
    let bare = CpioArchive([
      binder, .file("etc/earlybind/bindings.tbl", bytes: try host.compiledTable()),
    ]).bytes()
    let finding = try host.imageFinding(bare)
    #expect(finding.level == .error && finding.message.contains("has no earlybind binder"))
  }

  /// A name with a NUL inside is the name up to it, as the kernel uses it.
  @Test func namesEndAtAnEmbeddedNul() throws {
    let host = try FakeHost.withConfig()
    let finding = try host.imageFinding(
      archive([binder, .file("etc/earlybind/bindings.tbl\0old", bytes: try host.compiledTable())]))
    #expect(finding.level == .ok, "\(finding.message)")
  }

  /// A table the binder refuses (over its size, or not a table) is an error.
  @Test func aTableTheBinderRefusesIsAnError() throws {
    let host = try FakeHost.withConfig()
    let current = try host.compiledTable()
    let oversized = current + [UInt8](repeating: 0, count: (1 << 20) + 1 - current.count)
    for table in [oversized, Array("not a table".utf8)] {
      let finding = try host.imageFinding(
        archive([binder, .file("etc/earlybind/bindings.tbl", bytes: table)]))
      #expect(finding.level == .error)
      #expect(finding.message.contains("the binder refuses its table"), "\(finding.message)")
    }
  }
}
