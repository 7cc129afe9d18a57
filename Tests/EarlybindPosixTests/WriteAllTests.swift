// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import Testing

@testable import EarlybindPosix

/// write(2) returning 0 must end the write with an error, not loop.
@Suite struct WriteAllTests {
  /// A fake write(2): answers from `results` in turn, then fails with EIO,
  /// so a loop that keeps asking stops after the script.
  final class ScriptedWrite {
    var results: [Int]
    var calls = 0
    init(_ results: [Int]) { self.results = results }
    func call(_ count: Int) -> (Int, Errno?) {
      calls += 1
      guard !results.isEmpty else { return (-1, .ioError) }
      return (min(results.removeFirst(), count), nil)
    }
  }

  static func writing(_ bytes: [UInt8], _ fake: ScriptedWrite) -> SystemError? {
    do {
      try FileDescriptor.writeAll(bytes, path: "/sys/x/driver_override") { _, count in
        fake.call(count)
      }
      return nil
    } catch {
      return error
    }
  }

  @Test func aWriteOfNothingIsAnErrorAtOnce() {
    let fake = ScriptedWrite(Array(repeating: 0, count: 1000))
    let error = Self.writing(Array("vfio-pci".utf8), fake)
    #expect(fake.calls == 1)
    #expect(error?.description == "write /sys/x/driver_override: wrote 0 of 8 bytes")
  }

  @Test func shortWritesContinueUntilAllIsWritten() {
    let fake = ScriptedWrite([3, 5])
    #expect(Self.writing(Array("vfio-pci".utf8), fake) == nil)
    #expect(fake.calls == 2)
  }

  @Test func aWriteAfterAShortOneThatWritesNothingIsAnError() {
    let fake = ScriptedWrite([3, 0, 5])
    let error = Self.writing(Array("vfio-pci".utf8), fake)
    #expect(fake.calls == 2)
    #expect(error?.description == "write /sys/x/driver_override: wrote 0 of 5 bytes")
  }
}
