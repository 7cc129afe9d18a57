// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

/// A FIFO where the config or the table belongs is an error naming it,
/// never a wait: each run here is a real process given 10 s.
@Suite struct SpecialFileTests {
  func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
    let result = try HostBinary.start(arguments).wait(seconds: 10)
    return try #require(result, "earlybind \(arguments) still running after 10 s")
  }

  func fifo(_ path: String) throws {
    #expect(mkfifo(path, 0o644) == 0)
  }

  @Test func aFIFOConfigIsAnError() throws {
    let dir = try TemporaryDirectory()
    for name in ["sys", "proc", "boot", "modules"] { try dir.makeDirectory(name) }
    let config = dir.file("earlybind.conf")
    try fifo(config)
    let common = ["--config", config, "--sysfs", dir.file("sys")]
    let commands = [
      ["compile", "--config", config, "--skip-module-check", "--no-host-guards"]
        + ["--output", dir.file("t.tbl")],
      ["add", "10de:13c2"] + common,
      ["remove", "10de:13c2"] + common,
      ["check"] + common
        + [
          "--proc", dir.file("proc"), "--boot", dir.file("boot"), "--modules", dir.file("modules"),
        ],
    ]
    for arguments in commands {
      let result = try run(arguments)
      #expect(result.status != 0, "\(arguments[0])")
      #expect(
        (result.errors + result.output).contains(config + ": a FIFO where a regular file"),
        "\(arguments[0]): \(result.errors) \(result.output)")
    }
    #expect(try PosixFileSystem().status(config, followingLinks: false).kind == .fifo)
    #expect(!FileManager.default.fileExists(atPath: dir.file("t.tbl")))
  }

  @Test func aFIFOTableIsAnErrorAndStaysAFIFO() throws {
    let dir = try TemporaryDirectory()
    try dir.write("earlybind.conf", "non-boot-vga\n")
    let table = dir.file("bindings.tbl")
    try fifo(table)
    let result = try run([
      "compile", "--config", dir.file("earlybind.conf"), "--skip-module-check",
      "--no-host-guards", "--output", table,
    ])
    #expect(result.status == 1)
    #expect(result.errors.contains(table + ": a FIFO where a regular file was expected"))
    let status = try PosixFileSystem().status(table, followingLinks: false)
    #expect(status.kind == .fifo)
  }
}
