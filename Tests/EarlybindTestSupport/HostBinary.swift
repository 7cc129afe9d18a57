// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The `earlybind` executable `swift build --build-tests` puts beside the
/// test bundle, run as a real process (concurrent runs, locks, signals).
public enum HostBinary {
  public struct Missing: Error, CustomStringConvertible {
    public var description: String
  }

  /// Beside the running test executable, else the package's debug build.
  public static func path() throws -> String {
    let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    let repository = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    let candidates =
      (runner.map { [($0 as NSString).deletingLastPathComponent + "/earlybind"] } ?? [])
      + [repository + "/.build/debug/earlybind"]
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    else {
      throw Missing(
        description: "earlybind not built (looked at \(candidates)): run swift build --build-tests")
    }
    return found
  }

  /// A started run; `wait()` gives its status and output.
  public final class Run {
    let process = Process()
    let output = Pipe()
    let errors = Pipe()

    init(_ executable: String, _ arguments: [String]) throws {
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
      process.standardOutput = output
      process.standardError = errors
      try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// Waits for the end: exit status, standard output, standard error.
    public func wait() -> (status: Int32, output: String, errors: String) {
      let out = output.fileHandleForReading.readDataToEndOfFile()
      let err = errors.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return (
        process.terminationStatus, String(decoding: out, as: UTF8.self),
        String(decoding: err, as: UTF8.self)
      )
    }
  }

  /// Starts `earlybind arguments` without waiting for it.
  public static func start(_ arguments: [String]) throws -> Run {
    try Run(try path(), arguments)
  }
}

extension HostBinary.Run {
  /// Waits at most `seconds`; nil (and the process killed) if it had not
  /// ended by then. For output that fits a pipe's buffer.
  public func wait(seconds: Double) -> (status: Int32, output: String, errors: String)? {
    process.waitUntilExit(seconds: seconds) ? wait() : nil
  }
}
