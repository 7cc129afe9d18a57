// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// The `NAME.tmp.PID` files a killed add or compile leaves are removed by
/// the next run: only the tool's exact pattern, only for PIDs that are gone.
@Suite struct StaleTemporaryFileTests {
  /// The PID of a process that has ended and been reaped.
  func deadPID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    let pid = process.processIdentifier
    #expect(kill(pid, 0) == -1 && errno == ESRCH)
    return pid
  }

  /// Leaves beside `name` in `folder`: a dead writer's temp file (to go),
  /// a live writer's (this process's parent; this process writes its own
  /// name) and look-alikes (to stay). Returns them.
  func leave(_ dir: TemporaryDirectory, _ folder: String, _ name: String) throws -> (
    stale: String, kept: [String]
  ) {
    let dead = try deadPID()
    let stale = "\(name).tmp.\(dead)"
    let kept = [
      "\(name).tmp.\(getppid())", "\(name).tmp.0\(dead)", "\(name).tmp.\(dead).bak",
      "\(name).tmp.\(dead)x", "x\(name).tmp.\(dead)", "\(name).tmp.",
    ]
    for file in [stale] + kept { try dir.write(folder + "/" + file, "half\n") }
    return (stale, kept)
  }

  @Test func addRemovesADeadWritersTempFileOnly() throws {
    let dir = try TemporaryDirectory()
    try dir.write("etc/earlybind.conf", "non-boot-vga\n")
    let (stale, kept) = try leave(dir, "etc", "earlybind.conf")
    let host = try TestHost()
    let add = try host.run(
      AddCommand.self, ["10de:13c2", "--config", dir.file("etc/earlybind.conf")])
    #expect(add.status == .success, "\(add.errors)")
    let left = dir.list("etc")
    #expect(!left.contains(stale))
    #expect(left == (["earlybind.conf", "earlybind.conf.lock"] + kept).sorted())
  }

  @Test func compileRemovesADeadWritersTempTableOnly() throws {
    let dir = try TemporaryDirectory()
    try dir.write("etc/earlybind.conf", "non-boot-vga\n")
    try dir.makeDirectory("out")
    let (stale, kept) = try leave(dir, "out", "bindings.tbl")
    let host = try TestHost()
    let compile = try host.run(
      CompileCommand.self,
      [
        "--config", dir.file("etc/earlybind.conf"), "--skip-module-check", "--no-host-guards",
        "--output", dir.file("out/bindings.tbl"),
      ])
    #expect(compile.status == .success, "\(compile.errors)")
    let left = dir.list("out")
    #expect(!left.contains(stale))
    #expect(left == (["bindings.tbl"] + kept).sorted())
  }
}
