// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@Suite("KmsgLog")
struct KmsgLogTests {
  /// A file standing in for standard error.
  final class Fallback {
    let directory: TemporaryDirectory
    let fd: Int32

    init() throws {
      directory = try TemporaryDirectory()
      fd = open(directory.file("stderr"), O_WRONLY | O_CREAT | O_APPEND, 0o644)
      try #require(fd >= 0)
    }

    deinit { close(fd) }

    var text: String { directory.read("stderr") ?? "" }
  }

  @Test func longMessagesAreSplitIntoRecordsTheKernelAccepts() throws {
    let directory = try TemporaryDirectory()
    try directory.write("kmsg", "")
    var log = KmsgLog(path: directory.file("kmsg"))
    // An echoed command-line word of 1300 bytes, with multi-byte characters.
    let word = String(repeating: "abcdé", count: 217)
    let message = "kernel command line:1:5: invalid value '" + word + "'"
    #expect(message.utf8.count > 1100)
    log.log(.error, message)
    log.log(.notice, "after")
    let data = try #require(FileManager.default.contents(atPath: directory.file("kmsg")))
    let records = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
      .dropLast()
    #expect(records.count == 3)
    var payload: [UInt8] = []
    for (index, record) in records.enumerated() {
      #expect(record.count + 1 <= KmsgLog.maximumRecord)
      // No record ends inside a character.
      #expect(String(validating: record, as: UTF8.self) != nil)
      let text = String(decoding: record, as: UTF8.self)
      if index < 2 {
        let head = index == 0 ? "<3>earlybind: " : "<3>earlybind: ... "
        #expect(text.hasPrefix(head))
        payload += record.dropFirst(head.utf8.count)
      } else {
        #expect(text == "<5>earlybind: after")
      }
    }
    #expect(payload == Array(message.utf8))
  }

  @Test func aRecordOfExactlyTheLimitIsOneRecord() throws {
    let directory = try TemporaryDirectory()
    try directory.write("kmsg", "")
    var log = KmsgLog(path: directory.file("kmsg"))
    let head = "<5>earlybind: "
    let message = String(repeating: "x", count: KmsgLog.maximumRecord - head.utf8.count - 1)
    log.log(.notice, message)
    #expect(directory.read("kmsg") == head + message + "\n")
  }

  @Test func controlBytesCannotCutARecord() throws {
    let directory = try TemporaryDirectory()
    try directory.write("kmsg", "")
    var log = KmsgLog(path: directory.file("kmsg"))
    log.log(.warning, "a\nb\rc\u{1}d")
    #expect(directory.read("kmsg") == "<4>earlybind: a?b?c?d\n")
  }

  @Test func aDeviceThatRefusesRecordsFallsBack() throws {
    // /dev/full fails every write with ENOSPC, as /dev/kmsg does when it
    // cannot take a record.
    let fallback = try Fallback()
    var log = KmsgLog(path: "/dev/full", fallback: fallback.fd)
    log.log(.error, "first")
    log.log(.notice, String(repeating: "y", count: 1500))
    let lines = fallback.text.split(separator: "\n").map(String.init)
    #expect(lines.first == "earlybind: first")
    #expect(lines.count == 3)
    #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("earlybind: ") })
  }

  @Test func aMissingDeviceFallsBack() throws {
    let fallback = try Fallback()
    var log = KmsgLog(path: fallback.directory.file("no/kmsg"), fallback: fallback.fd)
    log.log(.notice, "no kmsg")
    #expect(fallback.text == "earlybind: no kmsg\n")
  }

  @Test func aFIFOIsNeitherWaitedForNorUsed() throws {
    let fallback = try Fallback()
    let path = fallback.directory.file("kmsg")
    try makeFIFO(path)
    let fd = fallback.fd
    let finished = finishes("logging to a FIFO", release: { releaseFIFO(path) }) {
      var log = KmsgLog(path: path, fallback: fd)
      log.log(.notice, "not to a FIFO")
    }
    #expect(finished)
    #expect(fallback.text == "earlybind: not to a FIFO\n")
  }

  @Test func aFIFOWithAReaderIsNotUsedEither() throws {
    let fallback = try Fallback()
    let path = fallback.directory.file("kmsg")
    try makeFIFO(path)
    let reader = open(path, O_RDONLY | O_NONBLOCK)
    try #require(reader >= 0)
    defer { close(reader) }
    var log = KmsgLog(path: path, fallback: fallback.fd)
    log.log(.notice, "to the console")
    #expect(fallback.text == "earlybind: to the console\n")
    var buffer = [UInt8](repeating: 0, count: 64)
    #expect(read(reader, &buffer, buffer.count) <= 0)
  }
}
