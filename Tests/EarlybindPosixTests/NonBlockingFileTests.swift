// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

/// A FIFO or a device where a file belongs must be an error, at once:
/// the binder runs before anything could unblock it.
@Suite("PosixFileSystem: FIFOs and devices are errors, never waits")
struct NonBlockingFileTests {
  let fs = PosixFileSystem()

  static func failure(_ body: () throws(SystemError) -> Void) -> SystemError? {
    do {
      try body()
      return nil
    } catch {
      return error
    }
  }

  @Test func readingAFIFOIsAnError() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("cmdline")
    try makeFIFO(path)
    let outcome = Outcome()
    let finished = finishes("reading a FIFO", release: { releaseFIFO(path) }) {
      outcome.error = Self.failure { () throws(SystemError) in
        _ = try PosixFileSystem().readFile(path, limit: 64)
      }
    }
    #expect(finished)
    let error = try #require(outcome.error)
    #expect(error.description == "fstat " + path + ": a FIFO where a regular file was expected")
  }

  @Test func writingAFIFOWithoutAReaderIsAnError() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("driver_override")
    try makeFIFO(path)
    let outcome = Outcome()
    let finished = finishes("writing a FIFO", release: { releaseFIFO(path) }) {
      outcome.error = Self.failure { () throws(SystemError) in
        try PosixFileSystem().writeFile(path, Array("vfio-pci".utf8))
      }
    }
    #expect(finished)
    #expect(outcome.error?.errno.name == "ENXIO")
  }

  @Test func writingAFIFOWithAReaderIsRefused() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("drivers_probe")
    try makeFIFO(path)
    let reader = open(path, O_RDONLY | O_NONBLOCK)
    try #require(reader >= 0)
    defer { close(reader) }
    let error = try #require(
      Self.failure { () throws(SystemError) in try fs.writeFile(path, [0x31]) })
    #expect(error.detail == "a FIFO where a regular file was expected")
    var buffer = [UInt8](repeating: 0, count: 8)
    #expect(read(reader, &buffer, buffer.count) <= 0)
  }

  @Test func devicesAreNotFiles() throws {
    let read = try #require(
      Self.failure { () throws(SystemError) in _ = try fs.readFile("/dev/zero", limit: 8) })
    #expect(
      read.description == "fstat /dev/zero: a character device where a regular file was expected")
    let write = try #require(
      Self.failure { () throws(SystemError) in try fs.writeFile("/dev/null", [1]) })
    #expect(write.detail == "a character device where a regular file was expected")
  }

  @Test func directoriesAreNotFiles() throws {
    let directory = try TemporaryDirectory()
    let error = try #require(
      Self.failure { () throws(SystemError) in _ = try fs.readFile(directory.path, limit: 8) })
    #expect(error.detail == "a directory where a regular file was expected")
  }

  final class Outcome: @unchecked Sendable {
    var error: SystemError?
  }
}
