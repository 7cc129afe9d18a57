// SPDX-License-Identifier: Apache-2.0
import EarlybindHostOS
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// Images as the generators lay them out (an uncompressed early archive,
/// then the main one compressed), compressed by the real programs.
@Suite struct InitramfsImageTests {
  let early = CpioArchive([
    .directory("kernel"), .directory("kernel/x86"), .directory("kernel/x86/microcode"),
    .file("kernel/x86/microcode/GenuineIntel.bin", bytes: [UInt8](repeating: 0xAA, count: 5000)),
  ]).bytes(block: 512)
  let main = CpioArchive([
    .directory("."), .symlink("./bin", to: "usr/bin"), .file("./etc/earlybind/bindings.tbl", "T"),
    .file("./init", "#!/bin/sh\n"), .file("./usr/sbin/earlybind-init", bytes: [0x7F, 0x45]),
    .file("./usr/share/zz", "last"),
  ]).bytes(block: 512)

  /// `bytes` through `command` (a compressor writing to standard output).
  func compress(_ bytes: [UInt8], _ command: [String], in directory: TemporaryDirectory) throws
    -> [UInt8]
  {
    try directory.write("plain", bytes)
    let file = try ReadOnlyFile.open(directory.file("plain"))
    defer { file.close() }
    let child = try ChildOutput(command, input: file, from: 0)
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while case let count = try child.read(into: &buffer), count > 0 { out += buffer[0..<count] }
    #expect(try child.finish().status == 0, "\(command)")
    return out
  }

  func names(_ path: String, inProcess: Bool = true) throws -> [String] {
    var names: [String] = []
    try InitramfsImage.scan(path, inProcess: inProcess) { entry in
      names.append(entry.name)
      return true
    }
    return names
  }

  let expected = [
    "kernel", "kernel/x86", "kernel/x86/microcode", "kernel/x86/microcode/GenuineIntel.bin", "",
    "bin", "etc/earlybind/bindings.tbl", "init", "usr/sbin/earlybind-init", "usr/share/zz",
  ]

  @Test(arguments: [
    ["zstd", "-q", "-c"], ["gzip", "-c"], ["xz", "-c", "--check=crc32"],
    ["xz", "-c", "--format=lzma"], ["lz4", "-l", "-c"], ["lz4", "-c"], ["bzip2", "-c"],
  ])
  func everyCompressionAfterAnEarlyArchive(_ compressor: [String]) throws {
    let directory = try TemporaryDirectory()
    let packed = try compress(main, compressor, in: directory)
    try directory.write("image", early + packed)
    #expect(try names(directory.file("image")) == expected)
    #expect(try names(directory.file("image"), inProcess: false) == expected)
    try directory.write("main-only", packed)
    #expect(try names(directory.file("main-only")) == Array(expected[4...]))
    let search = try HostCheck.inspect(directory.file("image"))
    #expect(search.isComplete && search.found[HostCheck.tablePath]?.data == Array("T".utf8))
  }

  @Test func uncompressedImagesAreReadWithoutADecompressor() throws {
    let directory = try TemporaryDirectory()
    try directory.write("image", early + main)
    #expect(try names(directory.file("image")) == expected)
  }

  /// The scan stops at the visitor's word, before the rest is read (here:
  /// before a broken end it would otherwise report).
  @Test func stopsWhenTheVisitorHasWhatItWants() throws {
    let directory = try TemporaryDirectory()
    let packed = try compress(
      main + [1, 2, 3, 4, 5, 6, 7, 8], ["zstd", "-q", "-c"], in: directory)
    try directory.write("image", early + packed)
    var seen: [String] = []
    let whole = try InitramfsImage.scan(directory.file("image")) { entry in
      seen.append(entry.name)
      return entry.name != "init"
    }
    #expect(!whole && seen.last == "init")
    #expect(throws: InitramfsImageError.self) { try names(directory.file("image")) }
  }

  @Test func errorsNameThePathThePartAndTheReason() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("image")
    func failure(_ bytes: [UInt8]) throws -> InitramfsImageError? {
      try directory.write("image", bytes)
      return #expect(throws: InitramfsImageError.self) { try names(path) }
    }
    let unknown = try failure(early + [0x4D, 0x5A, 0x90, 0, 3, 0, 0, 0])
    #expect(unknown?.partOffset == Int64(early.count))
    #expect(
      unknown?.description
        == "\(path): unknown compression at byte \(early.count) (starts 4d 5a 90 00 03 00)")
    // A cut compressed part: the decompressor's own complaint.
    let packed = try compress(main, ["gzip", "-c"], in: directory)
    let cut = try failure(early + packed.prefix(packed.count / 2))
    #expect(cut?.compression == .gzip && cut?.partOffset == Int64(early.count))
    #expect(cut?.description.hasPrefix("\(path): the gzip part at byte \(early.count): ") == true)
    // The same for zstd, read in this process and by the program.
    let zstd = try compress(main, ["zstd", "-q", "-c"], in: directory)
    try directory.write("image", early + zstd.prefix(zstd.count / 2))
    let cutZstd = #expect(throws: InitramfsImageError.self) { try names(path) }
    #expect(
      cutZstd?.description
        == "\(path): the zstd part at byte \(early.count): zstd: truncated data at byte "
        + "\(early.count + zstd.count / 2)")
    let cutByProgram = #expect(throws: InitramfsImageError.self) {
      try names(path, inProcess: false)
    }
    #expect(
      cutByProgram?.description.hasPrefix(
        "\(path): the zstd part at byte \(early.count): zstd -dcq failed with status 1") == true)
    var corrupt = zstd
    corrupt[corrupt.count / 2] ^= 0xFF
    corrupt[corrupt.count / 2 + 1] ^= 0xFF
    try directory.write("image", early + corrupt)
    let broken = #expect(throws: InitramfsImageError.self) { try names(path) }
    #expect(broken?.description.contains(": zstd: ") == true, "\(String(describing: broken))")
    // A cut early archive, and an empty file.
    let truncated = try failure(Array(early.prefix(300)))
    #expect(truncated?.reason == .cpio(CpioError(reason: .truncated("cpio header"), offset: 244)))
    #expect(try failure([])?.description == "\(path): truncated image: no cpio archive at byte 0")
    // Garbage where a header belongs inside the decompressed data.
    let bad = try compress(
      main + [0x31, 0x32, 0x33, 0x34, 0x35, 0x36], ["gzip", "-c"], in: directory)
    let inside = try failure(bad)
    #expect(
      inside?.reason
        == .cpio(CpioError(reason: .badMagic(Array("123456".utf8)), offset: Int64(main.count))))
    #expect(inside?.description.hasSuffix("of its decompressed data") == true)
    // Not a file at all.
    let folder = #expect(throws: InitramfsImageError.self) { try names(directory.path) }
    #expect(folder?.description.contains("a directory where a regular file was expected") == true)
  }

  /// The parser against an archive written by GNU cpio, not by the tests.
  @Test func readsWhatGNUCpioWrites() throws {
    let directory = try TemporaryDirectory()
    try directory.write("tree/usr/sbin/earlybind-init", "binder")
    try directory.write("tree/etc/earlybind/bindings.tbl", "table")
    try FileManager.default.createSymbolicLink(
      atPath: directory.file("tree/sbin"), withDestinationPath: "usr/sbin")
    let list =
      ".\netc\netc/earlybind\netc/earlybind/bindings.tbl\nsbin\nusr\nusr/sbin\n"
      + "usr/sbin/earlybind-init\n"
    try directory.write("list", list)
    let cpio = try Subprocess.run(
      [
        "sh", "-c", "cd \"$1\" && cpio --quiet -o -H newc < \"$2\" > \"$3\"", "sh",
        directory.file("tree"), directory.file("list"), directory.file("image"),
      ])
    #expect(cpio.status == 0)
    #expect(
      try names(directory.file("image"))
        == list.split(separator: "\n").map {
          CpioEntry.normalized(String($0))
        })
    #expect(try HostCheck.inspect(directory.file("image")).isComplete)
  }
}
