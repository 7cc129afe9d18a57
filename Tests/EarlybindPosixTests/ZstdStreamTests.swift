// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHostOS

/// ZstdStream against data the real zstd program compressed.
@Suite struct ZstdStreamTests {
  let data = (0..<3_000_000).map { UInt8(truncatingIfNeeded: ($0 / 7) &* 31 ^ $0 % 251) }

  func compressed(_ bytes: [UInt8], _ arguments: [String] = []) throws -> [UInt8] {
    let directory = try TemporaryDirectory()
    try directory.write("plain", bytes)
    let result = try Subprocess.run(
      ["zstd", "-q", "-c"] + arguments + [directory.file("plain")], captureOutput: true)
    #expect(result.status == 0)
    return result.output
  }

  /// Everything `stream` gives, read into a buffer of `chunk` bytes.
  func readAll(_ stream: ZstdStream, chunk: Int) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: chunk)
    var out: [UInt8] = []
    while case let count = try stream.read(into: &buffer), count > 0 { out += buffer[0..<count] }
    return out
  }

  func stream(_ bytes: [UInt8], in directory: TemporaryDirectory, from offset: Int64 = 0) throws
    -> (ZstdStream, ReadOnlyFile)
  {
    try directory.write("image", bytes)
    let file = try ReadOnlyFile.open(directory.file("image"))
    return (try #require(ZstdStream(file, from: offset)), file)
  }

  @Test func libzstdIsLoadedHere() {
    // libkmod links it on Debian: the host tool can always use it here.
    #expect(ZstdStream.isAvailable)
  }

  @Test func decompressesFromAnOffsetWithAnyBufferSize() throws {
    let directory = try TemporaryDirectory()
    let packed = try compressed(data)
    let (zstd, file) = try stream([1, 2, 3] + packed, in: directory, from: 3)
    defer { file.close() }
    #expect(try readAll(zstd, chunk: 1 << 20) == data)
    for chunk in [1, 1000, 65536] {
      let (again, other) = try stream(packed, in: directory)
      defer { other.close() }
      #expect(try readAll(again, chunk: chunk) == data, "chunk \(chunk)")
    }
  }

  @Test func concatenatedFramesReadAsOne() throws {
    let directory = try TemporaryDirectory()
    let first = Array(data[0..<1_000_000])
    let second = Array(data[1_000_000...])
    let (zstd, file) = try stream(
      try compressed(first) + compressed(second, ["--no-check"]), in: directory)
    defer { file.close() }
    #expect(try readAll(zstd, chunk: 300_000) == data)
  }

  @Test func truncatedAndCorruptDataAreErrors() throws {
    let directory = try TemporaryDirectory()
    let packed = try compressed(data)
    for cut in [4, 100, packed.count / 2, packed.count - 1] {
      let (zstd, file) = try stream(Array(packed[0..<cut]), in: directory)
      defer { file.close() }
      let error = #expect(throws: ZstdStream.Failure.self, "cut \(cut)") {
        try readAll(zstd, chunk: 65536)
      }
      #expect(error?.message.hasPrefix("zstd: ") == true)
    }
    var corrupt = packed
    for index in stride(from: 20, to: corrupt.count, by: 997) { corrupt[index] ^= 0x5A }
    let (zstd, file) = try stream(corrupt, in: directory)
    defer { file.close() }
    let error = #expect(throws: ZstdStream.Failure.self) { try readAll(zstd, chunk: 65536) }
    #expect((error?.offset ?? -1) >= 0 && (error?.offset ?? .max) <= Int64(corrupt.count))
  }
}
