// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHostOS

/// ReadOnlyFile and ChildOutput against real files and real programs.
@Suite struct ChildOutputTests {
  func readAll(_ child: ChildOutput, chunk: Int = 4096) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: chunk)
    var bytes: [UInt8] = []
    while true {
      let count = try child.read(into: &buffer)
      if count == 0 { return bytes }
      bytes += buffer[0..<count]
    }
  }

  /// Whether `pid` is still a process (a zombie counts) of this machine.
  func exists(_ pid: Int32) -> Bool {
    FileManager.default.fileExists(atPath: "/proc/\(pid)")
  }

  @Test func readsAtOffsetsAndShortOnlyAtTheEnd() throws {
    let directory = try TemporaryDirectory()
    let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    try directory.write("f", bytes)
    let file = try ReadOnlyFile.open(directory.file("f"))
    defer { file.close() }
    #expect(file.size == 100_000)
    #expect(try file.read(at: 0, count: 10) == Array(bytes[0..<10]))
    #expect(try file.read(at: 99_990, count: 100) == Array(bytes[99_990...]))
    #expect(try file.read(at: 200_000, count: 10) == [])
  }

  @Test func refusesWhatIsNotARegularFile() throws {
    let directory = try TemporaryDirectory()
    let error = #expect(throws: SystemError.self) { try ReadOnlyFile.open(directory.path) }
    #expect(error?.detail == "a directory where a regular file was expected")
    let missing = #expect(throws: SystemError.self) {
      try ReadOnlyFile.open(directory.file("none"))
    }
    #expect(missing?.errno == .noSuchFile && missing?.path == directory.file("none"))
  }

  @Test func theChildReadsTheFileFromTheOffset() throws {
    let directory = try TemporaryDirectory()
    let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 / 3) }
    try directory.write("f", bytes)
    let file = try ReadOnlyFile.open(directory.file("f"))
    defer { file.close() }
    let child = try ChildOutput(["cat"], input: file, from: 1234)
    #expect(try readAll(child) == Array(bytes[1234...]))
    let exit = try child.finish()
    #expect(exit.status == 0 && exit.errors == "")
    #expect(!exists(child.pid))
  }

  @Test func exitStatusAndStandardErrorAreKept() throws {
    let directory = try TemporaryDirectory()
    try directory.write("f", "")
    let file = try ReadOnlyFile.open(directory.file("f"))
    defer { file.close() }
    let child = try ChildOutput(
      ["sh", "-c", "echo partial; echo 'zstd: broken frame' >&2; exit 3"], input: file, from: 0)
    #expect(try readAll(child) == Array("partial\n".utf8))
    let exit = try child.finish()
    #expect(exit.status == 3 && exit.errors == "zstd: broken frame\n")
  }

  /// A child writing without end, stopped after the first read: killed
  /// and waited for at once, and this process is not hurt by the pipe.
  @Test func stoppingEndsAnEndlessChildWithoutAZombie() throws {
    let directory = try TemporaryDirectory()
    try directory.write("f", "")
    let file = try ReadOnlyFile.open(directory.file("f"))
    defer { file.close() }
    let child = try ChildOutput(["yes", "earlybind"], input: file, from: 0)
    var buffer = [UInt8](repeating: 0, count: 100)
    #expect(try child.read(into: &buffer) > 0)
    #expect(exists(child.pid))
    child.stop()
    #expect(!exists(child.pid))
    child.stop()  // twice is harmless
    // Finishing before the end closes the pipe first: the child dies of
    // SIGPIPE, this process never gets it.
    let writer = try ChildOutput(["yes"], input: file, from: 0)
    #expect(try writer.read(into: &buffer) > 0)
    let exit = try writer.finish()
    #expect(exit.status == 128 + 13)
    #expect(!exists(writer.pid))
  }

  @Test func aChildDroppedUnreadIsStoppedToo() throws {
    let directory = try TemporaryDirectory()
    try directory.write("f", "")
    let file = try ReadOnlyFile.open(directory.file("f"))
    defer { file.close() }
    var pid: Int32 = 0
    do {
      let child = try ChildOutput(["yes"], input: file, from: 0)
      pid = child.pid
    }
    #expect(pid > 0 && !exists(pid))
  }

  @Test func aMissingProgramIsASpawnError() throws {
    let directory = try TemporaryDirectory()
    try directory.write("f", "")
    let file = try ReadOnlyFile.open(directory.file("f"))
    defer { file.close() }
    let error = #expect(throws: SystemError.self) {
      try ChildOutput(["earlybind-no-such-decompressor"], input: file, from: 0)
    }
    #expect(error?.syscall == "posix_spawnp" && error?.errno == .noSuchFile)
  }
}
