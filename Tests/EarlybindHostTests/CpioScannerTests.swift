// SPDX-License-Identifier: Apache-2.0
import EarlybindTestSupport
import Testing

@testable import EarlybindHost

/// The cpio rules of init/initramfs.c, one by one.
@Suite struct CpioScannerTests {
  let sample = CpioArchive(
    CpioArchive.withParents([
      .directory("."), .file("./usr/sbin/earlybind-init", bytes: [1, 2, 3]),
      .symlink("./bin", to: "usr/bin"), .file("/etc/earlybind/bindings.tbl", "table\n"),
      .file("empty", ""),
    ]))

  @Test func entriesComeWithNormalizedNamesAndTheTreeHoldsThem() throws {
    let (entries, tree) = try unpack(sample.bytes())
    #expect(
      entries.map(\.name) == [
        "", "usr", "usr/sbin", "usr/sbin/earlybind-init", "bin", "etc", "etc/earlybind",
        "etc/earlybind/bindings.tbl", "empty",
      ])
    #expect(entries[0].offset == 0 && entries[1].offset == 112)
    #expect(tree.bytes("etc/earlybind/bindings.tbl") == Array("table\n".utf8))
    #expect(tree.hasFile("usr/sbin/earlybind-init") && tree.bytes("usr/sbin/earlybind-init") == nil)
    #expect(tree.hasFile("empty"))
  }

  @Test func anyChunkingGivesTheSameEntries() throws {
    let bytes = sample.bytes() + [0, 0, 0, 0] + sample.bytes(block: 512)
    let whole = try unpack(bytes).entries
    #expect(whole.count == 18)
    for chunk in 1...bytes.count {
      #expect(try unpack(bytes, chunk: chunk).entries == whole, "chunk \(chunk)")
    }
  }

  /// 070702: the kernel sums the data of every file it writes.
  @Test func theChecksumFormatIsVerified() throws {
    var crc = sample
    crc.magic = "070702"
    #expect(throws: CpioError.self) { try unpack(crc.bytes()) }
    let good = CpioArchive([.file("a", bytes: [1, 2, 250])], magic: "070702").bytes()
    var summed = good
    // The check field of the first header: 1 + 2 + 250 = 0xFD.
    summed.replaceSubrange(102..<110, with: Array("000000FD".utf8))
    #expect(try unpack(summed).entries.map(\.name) == ["a"])
    #expect(throws: CpioError(reason: .badChecksum("a"), offset: 0)) { try unpack(good) }
  }

  /// simple_strntoul: "0x" skipped, digits up to the first other byte.
  @Test func headerFieldsAreReadAsTheKernelReadsThem() {
    #expect(CpioScanner.field(Array("0000001F".utf8)[...]) == 0x1F)
    #expect(CpioScanner.field(Array("0x00001f".utf8)[...]) == 0x1F)
    #expect(CpioScanner.field(Array("12G45678".utf8)[...]) == 0x12)
    #expect(CpioScanner.field(Array("zzzzzzzz".utf8)[...]) == 0)
  }

  @Test func headersTheKernelRefusesStopIt() throws {
    var old = sample.bytes()
    old.replaceSubrange(0..<6, with: Array("070707".utf8))
    #expect(throws: CpioError(reason: .oldFormat, offset: 0)) { try unpack(old) }
    var bad = sample.bytes()
    bad.replaceSubrange(0..<6, with: Array("123456".utf8))
    #expect(throws: CpioError(reason: .badMagic(Array("123456".utf8)), offset: 0)) {
      try unpack(bad)
    }
  }

  /// A name must end in NUL at its last byte; before that, the first NUL
  /// ends it.
  @Test func namesEndAtTheirFirstNul() throws {
    let (entries, tree) = try unpack(
      CpioArchive([.directory("etc"), .file("etc/bindings.tbl\0junk", "T")]).bytes())
    #expect(entries.map(\.name) == ["etc", "etc/bindings.tbl"])
    #expect(tree.bytes("etc/bindings.tbl") == Array("T".utf8))
    var unterminated = CpioArchive([.file("ab", "T")]).bytes()
    unterminated[112] = 0x63  // "ab\0" -> "abc"
    #expect(throws: CpioError(reason: .nameWithoutNul, offset: 0)) { try unpack(unterminated) }
  }

  /// Zero padding between entries is skipped whatever its length, but
  /// what follows must start at a multiple of four.
  @Test func paddingMustEndOnAMultipleOfFour() throws {
    let one = CpioArchive([.file("a")]).bytes()
    let two = CpioArchive([.file("b")]).bytes()
    #expect(try unpack(one + [0, 0, 0, 0, 0, 0, 0, 0] + two).entries.map(\.name) == ["a", "b"])
    #expect(throws: CpioError(reason: .brokenPadding, offset: Int64(one.count + 3))) {
      try unpack(one + [0, 0, 0] + two)
    }
  }

  /// do_header skips entries it will not create without reading their
  /// names: a folder with data, a name over PATH_MAX, a link over it.
  @Test func entriesTheKernelSkipsLeaveNoTrace() throws {
    let folderWithData = CpioArchive.Member(name: "d", mode: 0o040755, data: [1, 2, 3])
    let longLink = CpioArchive.Member.symlink("l", to: String(repeating: "a", count: 4097))
    var (entries, tree) = try unpack(
      CpioArchive([folderWithData, longLink, .file("f")]).bytes())
    #expect(entries.map(\.name) == ["f"])
    let folder = try tree.lookup("d")
    let link = try tree.lookup("l")
    #expect(folder == .missing && link == .missing)
  }

  /// An empty file ends its entry even as the last bytes of a stream.
  @Test func anEmptyFileAtTheEndEndsItsEntry() throws {
    var bytes = CpioArchive([.file("a", "")]).bytes()
    bytes.removeLast(124)  // the trailer
    #expect(try unpack(bytes).entries.map(\.name) == ["a"])
  }

  @Test func aCutArchiveIsReported() {
    let bytes = sample.bytes()
    #expect(throws: CpioError.self) { try unpack(Array(bytes.prefix(300))) }
  }
}
