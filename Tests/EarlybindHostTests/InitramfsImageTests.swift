// SPDX-License-Identifier: Apache-2.0
import EarlybindHostOS
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// `bytes` through `command` (a compressor writing to standard output).
func compress(_ bytes: [UInt8], _ command: [String], in directory: TemporaryDirectory) throws
  -> [UInt8]
{
  try directory.write("plain", bytes)
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = command
  process.standardInput = try FileHandle(
    forReadingFrom: URL(fileURLWithPath: directory.file("plain")))
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let out = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  #expect(process.terminationStatus == 0, "\(command)")
  return [UInt8](out)
}

/// The compressors of every format the kernel reads, as generators run them.
let compressors: [[String]] = [
  ["zstd", "-q", "-c"], ["gzip", "-n", "-c"], ["xz", "-c", "--check=crc32"],
  ["xz", "-c", "--format=lzma"], ["lz4", "-q", "-l", "-c"], ["bzip2", "-c"], ["lzop", "-c"],
]

/// Images as the generators lay them out (an uncompressed early archive,
/// then the main one compressed), compressed by the real programs.
@Suite struct InitramfsImageTests {
  let early = CpioArchive(
    CpioArchive.withParents([
      .file("kernel/x86/microcode/GenuineIntel.bin", bytes: [UInt8](repeating: 0xAA, count: 5000))
    ])
  ).bytes(block: 512)
  let main = CpioArchive(
    CpioArchive.withParents([
      .directory("."), .symlink("./bin", to: "usr/bin"),
      .file("./etc/earlybind/bindings.tbl", "T"), .file("./init", "#!/bin/sh\n"),
      .file("./usr/sbin/earlybind-init", bytes: [0x7F, 0x45]), .file("./usr/share/zz", "last"),
    ])
  ).bytes(block: 512)

  func names(_ path: String) throws -> [String] {
    var names: [String] = []
    _ = try InitramfsImage.read(path) { names.append($0.name) }
    return names
  }

  func expected(early: Bool = true) -> [String] {
    (early
      ? ["kernel", "kernel/x86", "kernel/x86/microcode", "kernel/x86/microcode/GenuineIntel.bin"]
      : [])
      + [
        "", "bin", "etc", "etc/earlybind", "etc/earlybind/bindings.tbl", "init", "usr", "usr/sbin",
        "usr/sbin/earlybind-init", "usr/share", "usr/share/zz",
      ]
  }

  @Test(arguments: compressors)
  func everyCompressionAfterAnEarlyArchive(_ compressor: [String]) throws {
    let directory = try TemporaryDirectory()
    let packed = try compress(main, compressor, in: directory)
    try directory.write("image", early + packed)
    #expect(try names(directory.file("image")) == expected())
    try directory.write("main-only", packed)
    #expect(try names(directory.file("main-only")) == expected(early: false))
    let search = try HostCheck.inspect(directory.file("image"))
    #expect(search.file(HostCheck.tablePath)?.data == Array("T".utf8))
    #expect(search.file(HostCheck.binderPath) != nil)
  }

  /// Each compressed part gets a decoder of its own format; zero padding
  /// between parts is skipped; an uncompressed archive may follow one.
  @Test(arguments: [
    (["zstd", "-q", "-c"], ["zstd", "-q", "-c"]), (["gzip", "-n", "-c"], ["xz", "-c"]),
    (["xz", "-c", "--format=lzma"], ["xz", "-c", "--format=lzma"]),
    (["lzop", "-c"], ["lzop", "-c"]),
    (["bzip2", "-c"], ["gzip", "-c"]), (["xz", "-c"], ["zstd", "-q", "-c"]),
    (["gzip", "-n", "-c"], ["cat"]),
  ])
  func partsFollowOneAnotherWhateverTheirFormat(_ first: [String], _ second: [String]) throws {
    let directory = try TemporaryDirectory()
    let binder = CpioArchive(CpioArchive.withParents([.file("usr/sbin/earlybind-init")])).bytes()
    let table = CpioArchive(CpioArchive.withParents([.file("etc/earlybind/bindings.tbl", "T")]))
      .bytes()
    let one = try compress(binder, first, in: directory)
    let two = try compress(table, second, in: directory)
    // Zero padding up to a multiple of four, and 512 more.
    let padding = [UInt8](repeating: 0, count: (4 - one.count % 4) % 4 + 512)
    try directory.write("image", early + one + padding + two)
    let search = try HostCheck.inspect(directory.file("image"))
    #expect(search.file(HostCheck.binderPath) != nil, "\(first) \(second)")
    #expect(search.file(HostCheck.tablePath)?.data == Array("T".utf8), "\(first) \(second)")
  }

  @Test func uncompressedImagesAreReadWithoutADecompressor() throws {
    let directory = try TemporaryDirectory()
    try directory.write("image", early + main)
    #expect(try names(directory.file("image")) == expected())
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
        == "\(path): invalid magic at start of compressed archive at byte \(early.count) "
        + "(starts 4d 5a 90 00 03 00)")
    #expect(unknown?.stopsTheKernel == true)
    // A cut compressed part: the decoder's complaint.
    let packed = try compress(main, ["gzip", "-c"], in: directory)
    let cut = try failure(early + packed.prefix(packed.count / 2))
    #expect(cut?.compression == .gzip && cut?.partOffset == Int64(early.count))
    #expect(
      cut?.description
        == "\(path): the gzip part at byte \(early.count): decompressor failed: truncated data")
    let zstd = try compress(main, ["zstd", "-q", "-c"], in: directory)
    var corrupt = zstd
    corrupt[corrupt.count / 2] ^= 0xFF
    corrupt[corrupt.count / 2 + 1] ^= 0xFF
    let broken = try failure(early + corrupt)
    #expect(broken?.description.contains(": decompressor failed: ") == true)
    // Compressed data that ends inside an entry.
    let short = try compress(Array(main.prefix(200)), ["zstd", "-q", "-c"], in: directory)
    #expect(try failure(short)?.reason == .junkAtEnd)
    // Garbage where a header belongs inside the decompressed data.
    let bad = try compress(
      main + [0x31, 0x32, 0x33, 0x34, 0x35, 0x36], ["gzip", "-c"], in: directory)
    #expect(
      try failure(bad)?.reason
        == .cpio(CpioError(reason: .junkWithinCompressedData, offset: Int64(main.count))))
    // A cut early archive.
    let truncated = try failure(Array(early.prefix(300)))
    #expect(truncated?.stopsTheKernel == false && truncated?.isTruncated == true)
    // An integrity check the kernel's xz decoder does not know.
    let sha = try compress(main, ["xz", "-c", "--check=sha256"], in: directory)
    #expect(
      try failure(sha)?.reason
        == .decompressionFailed("unsupported integrity check (the kernel reads CRC32, CRC64)"))
    // Not a file at all.
    let folder = #expect(throws: InitramfsImageError.self) { try names(directory.path) }
    #expect(folder?.description.contains("a directory where a regular file was expected") == true)
  }

  /// The reader against an archive written by GNU cpio, not by the tests.
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
        == list.split(separator: "\n").map { CpioEntry.normalized(String($0)) })
    let search = try HostCheck.inspect(directory.file("image"))
    #expect(search.file(HostCheck.tablePath)?.data == Array("table".utf8))
  }

  /// Past a limit, the reader stops and says which.
  @Test func limitsStopTheReader() throws {
    let many = CpioArchive((0..<50).map { .directory("d\($0)") }).bytes()
    var small = ImageLimits.default
    small.entries = 20
    let tooMany = #expect(throws: InitramfsImageError.self) {
      _ = try ImageUnpacker.read(ImageBytes(bytes: many), path: "m", limits: small)
    }
    #expect(tooMany?.reason == .limit(.entries) && tooMany?.stopsTheKernel == false)
    small = .default
    small.archiveBytes = 1000
    let error = #expect(throws: InitramfsImageError.self) {
      _ = try ImageUnpacker.read(ImageBytes(bytes: many), path: "m", limits: small)
    }
    #expect(error?.reason == .limit(.archiveBytes))
    #expect(error?.description(limits: small) == "m: more than 1000 bytes of archive data")
  }
}
