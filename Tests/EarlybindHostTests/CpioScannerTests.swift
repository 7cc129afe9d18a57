// SPDX-License-Identifier: Apache-2.0
import EarlybindTestSupport
import Testing

@testable import EarlybindHost

@Suite struct CpioScannerTests {
  let sample = CpioArchive([
    .directory("."), .directory("./usr"), .file("./usr/sbin/earlybind-init", bytes: [1, 2, 3]),
    .symlink("./bin", to: "usr/bin"), .file("/etc/earlybind/bindings.tbl", "table\n"),
    .file("empty", ""),
  ])

  @Test func membersComeWithNormalizedNamesTypesAndData() throws {
    let (entries, scanner) = try scanAll(sample.bytes())
    #expect(
      entries.map(\.name) == [
        "", "usr", "usr/sbin/earlybind-init", "bin", "etc/earlybind/bindings.tbl", "empty",
      ])
    #expect(entries[2].isRegularFile && entries[2].data == [1, 2, 3] && entries[2].size == 3)
    #expect(entries[3].isSymlink && entries[3].data == Array("usr/bin".utf8))
    #expect(entries[4].data == Array("table\n".utf8))
    #expect(!entries[1].isRegularFile && !entries[1].isSymlink)
    #expect(entries[0].offset == 0 && entries[1].offset == 112)
    #expect(scanner.archives == 1 && scanner.isAtEnd)
  }

  @Test func theChecksumFormatReadsTheSame() throws {
    var crc = sample
    crc.magic = "070702"
    #expect(try scanAll(crc.bytes()).entries == (try scanAll(sample.bytes()).entries))
  }

  @Test func anyChunkingGivesTheSameMembers() throws {
    let bytes = sample.bytes() + [0, 0, 0, 0] + sample.bytes(block: 512)
    let whole = try scanAll(bytes).entries
    #expect(whole.count == 12)
    for chunk in 1...bytes.count {
      #expect(try scanAll(bytes, chunk: chunk).entries == whole, "chunk \(chunk)")
    }
  }

  @Test func dataIsKeptOnlyWhenAsked() throws {
    let entries = try scanAll(sample.bytes()) { $0.name.hasSuffix(".tbl") }.entries
    #expect(entries.compactMap(\.data) == [Array("table\n".utf8)])
  }

  @Test func skippingDataMatchesReadingIt() throws {
    let bytes = sample.bytes()
    var scanner = CpioScanner()
    var entries: [CpioEntry] = []
    var offset = 0
    while offset < bytes.count {
      if scanner.skippableData > 0 {
        scanner.skip(scanner.skippableData, into: &entries)
      } else {
        try scanner.consume(bytes[offset..<offset + 1], into: &entries)
      }
      offset = Int(scanner.offset)
    }
    try scanner.finish()
    #expect(entries.map(\.name) == (try scanAll(bytes).entries.map(\.name)))
  }

  @Test func stopsAtForeignDataAfterAnArchive() throws {
    let early = sample.bytes(block: 512)
    let bytes = early + [0, 0, 0, 0, 0x28, 0xB5, 0x2F, 0xFD, 1, 2, 3]
    let (entries, scanner) = try scanAll(bytes, chunk: 7)
    #expect(entries.count == 6)
    #expect(scanner.foreignOffset == Int64(early.count + 4))
    // Inside a decompressed stream the same bytes are an error.
    let error = #expect(throws: CpioError.self) {
      try scanAll(bytes, stopsAtForeignData: false)
    }
    #expect(error?.offset == Int64(early.count + 4))
    #expect(error?.description.contains("want 070701 or 070702") == true)
    // An image that is only foreign data has no early archive.
    #expect(try scanAll([0x1F, 0x8B, 8, 0, 0, 0, 0]).scanner.foreignOffset == 0)
  }

  /// Every prefix that does not end between archives is an error, with an
  /// offset inside the input.
  @Test func everyTruncationIsAnError() throws {
    let bytes = sample.bytes()
    for length in 0..<bytes.count {
      let error = #expect(throws: CpioError.self, "length \(length)") {
        try scanAll(Array(bytes[0..<length]))
      }
      #expect((error?.offset ?? -1) <= Int64(length), "length \(length)")
    }
    #expect(
      (try? scanAll(Array(bytes[0..<200])))?.entries == nil,
      "a cut inside the second member")
  }

  @Test func malformedHeadersNameTheFieldAndTheOffset() throws {
    var bytes = sample.bytes()
    let second = 112
    bytes[second + 6 + 6 * 8] = UInt8(ascii: "g")  // filesize
    var error = #expect(throws: CpioError.self) { try scanAll(bytes) }
    #expect(error == CpioError(reason: .badField("filesize"), offset: Int64(second)))
    bytes = sample.bytes()
    bytes[second + 3] = UInt8(ascii: "9")
    error = #expect(throws: CpioError.self) { try scanAll(bytes) }
    #expect(error?.reason == .badMagic(Array("070901".utf8)))
    // namesize 0, and a name without its NUL.
    for (namesize, reason) in [
      ("00000000", CpioError.Reason.badField("namesize")),
      ("00000001", .badField("namesize (name not NUL-terminated)")),
    ] {
      bytes = sample.bytes()
      bytes.replaceSubrange(
        (6 + 11 * 8)..<(6 + 12 * 8), with: Array(namesize.utf8))
      error = #expect(throws: CpioError.self) { try scanAll(bytes) }
      #expect(error == CpioError(reason: reason, offset: 0))
    }
  }

  /// Random bytes, and valid archives with random bytes changed, never
  /// trap: each is read or refused.
  @Test func randomInputNeverTraps() {
    var random = SplitMix64(seed: 0x6561_726C_7962_696E)
    let valid = sample.bytes()
    var read = 0
    var refused = 0
    for round in 0..<3000 {
      var bytes: [UInt8]
      if round % 2 == 0 {
        bytes = (0..<Int.random(in: 0...600, using: &random)).map { _ in
          UInt8.random(in: 0...255, using: &random)
        }
        if round % 4 == 0 && !bytes.isEmpty {
          bytes.replaceSubrange(0..<min(6, bytes.count), with: Array("070701".utf8).prefix(6))
        }
      } else {
        bytes = valid
        for _ in 0..<Int.random(in: 1...4, using: &random) {
          let index = Int.random(in: 0..<bytes.count, using: &random)
          bytes[index] =
            round % 3 == 0
            ? UInt8.random(in: 0x30...0x46, using: &random)
            : UInt8.random(in: 0...255, using: &random)
        }
      }
      let chunk = Int.random(in: 1...64, using: &random)
      if (try? scanAll(bytes, chunk: chunk, stopsAtForeignData: round % 5 != 0)) != nil {
        read += 1
      } else {
        refused += 1
      }
    }
    #expect(read > 0 && refused > 0)
  }
}
