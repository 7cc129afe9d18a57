// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// Only the trusted user may change the config, the table and their
/// folders: compile refuses otherwise, check reports it, add never widens.
@Suite struct PermissionTests {
  let dir: TemporaryDirectory
  let host: TestHost
  let me = ProcessEnvironment.effectiveUID
  var config: String { dir.file("etc/earlybind.conf") }

  init() throws {
    dir = try TemporaryDirectory()
    host = try TestHost()
    try dir.write("etc/earlybind.conf", "non-boot-vga\n")
    try chmod("etc", 0o755)
    try chmod("etc/earlybind.conf", 0o644)
  }

  func chmod(_ relative: String, _ mode: Int) throws {
    try FileManager.default.setAttributes(
      [.posixPermissions: mode], ofItemAtPath: dir.file(relative))
  }

  func mode(_ path: String) throws -> UInt32 {
    try PosixFileSystem().status(path).permissions
  }

  func compile() throws -> CommandRun {
    try host.run(
      CompileCommand.self,
      [
        "--config", config, "--skip-module-check", "--no-host-guards", "--output",
        dir.file("t.tbl"),
      ])
  }

  @Test func compileRefusesAConfigOthersCanWrite() throws {
    try chmod("etc/earlybind.conf", 0o664)
    let refused = try compile()
    #expect(refused.status == .failure)
    #expect(
      refused.errors
        == "earlybind: refusing \(config): whoever can change it chooses drivers at boot: "
        + "\(config) is writable by group or others (mode 0664); run chmod go-w \(config)\n")
    #expect(!FileManager.default.fileExists(atPath: dir.file("t.tbl")))

    try chmod("etc/earlybind.conf", 0o600)
    #expect(try compile().status == .success)
  }

  @Test func compileRefusesAFolderOthersCanWrite() throws {
    try chmod("etc", 0o1777)
    let refused = try compile()
    #expect(refused.status == .failure)
    #expect(
      refused.errors.hasSuffix(
        ": \(dir.file("etc")) is writable by group or others (mode 1777); run chmod go-w "
          + dir.file("etc") + "\n"))
  }

  /// Both sides of the owner check, whoever runs the tests: the files are
  /// this process's, trusted or not.
  @Test func compileRefusesAConfigTheTrustedUserDoesNotOwn() throws {
    let other = me + 4242
    host.environment.trustedUID = other
    let refused = try compile()
    #expect(refused.status == .failure)
    #expect(
      refused.errors.contains(
        "\(config) is owned by uid \(me), not uid \(other); run chown \(other): \(config); "
          + dir.file("etc") + " is owned by uid \(me)"))
    host.environment.trustedUID = me
    #expect(try compile().status == .success)
  }

  @Test func checkReportsTheConfigAndTableAsErrors() throws {
    try dir.write("etc/earlybind/bindings.tbl", "")
    try chmod("etc/earlybind/bindings.tbl", 0o666)
    try chmod("etc/earlybind.conf", 0o646)
    host.environment.paths.config = config
    host.environment.paths.table = dir.file("etc/earlybind/bindings.tbl")
    let run = try host.run(CheckCommand.self, ["--json"])
    #expect(run.status == .severe)
    let findings = try #require(try run.json()["findings"] as? [[String: Any]])
    let errors = findings.filter { $0["level"] as? String == "error" }
      .compactMap { $0["message"] as? String }
    #expect(
      errors.contains(
        "\(config) is writable by group or others (mode 0646); run chmod go-w \(config) "
          + "(anyone who can change it chooses drivers at boot)"))
    #expect(
      errors.contains { $0.hasPrefix(dir.file("etc/earlybind/bindings.tbl") + " is writable") })
  }

  @Test func addDropsSetIDBitsAndNeverWidens() throws {
    for (before, after) in [(0o6755, 0o755), (0o1640, 0o640), (0o600, 0o600)] as [(Int, UInt32)] {
      try chmod("etc/earlybind.conf", before)
      let add = try host.run(AddCommand.self, ["10de:13c2", "--config", config])
      #expect(add.status == .success, "\(add.errors)")
      #expect(try mode(config) == after, "from \(String(before, radix: 8))")
      #expect(
        try host.run(RemoveCommand.self, ["10de:13c2", "--config", config]).status == .success)
      #expect(try mode(config) == after)
    }
  }

  /// A new config is 0644 and, when root writes it, the trusted user's.
  @Test func addCreatesTheConfig0644ForTheTrustedUser() throws {
    let trusted = me == 0 ? 4242 : me
    host.environment.trustedUID = trusted
    let fresh = dir.file("new/earlybind.conf")
    let add = try host.run(AddCommand.self, ["10de:13c2", "--config", fresh])
    #expect(add.status == .success, "\(add.errors)")
    let status = try PosixFileSystem().status(fresh)
    #expect(status.permissions == 0o644)
    #expect(status.owner == trusted)
  }
}
