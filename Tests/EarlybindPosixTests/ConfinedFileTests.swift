// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@Suite struct ConfinedFileTests {
  static func failure(_ body: () throws(SystemError) -> Void) -> SystemError? {
    do {
      try body()
      return nil
    } catch {
      return error
    }
  }

  @Test func readsAndRemovesAFileBelowTheRoot() throws {
    let directory = try TemporaryDirectory()
    try directory.write("root/a/b/file", "mine\n")
    let file = try ConfinedFile(root: directory.file("root"), components: ["a", "b", "file"])
    defer { file.close() }
    #expect(file.path == directory.file("root/a/b/file"))
    #expect(try file.read(limit: 64) == Array("mine\n".utf8))
    try file.remove()
    #expect(directory.list("root/a/b").isEmpty)
  }

  @Test func aSymlinkedFolderIsNotFollowed() throws {
    let directory = try TemporaryDirectory()
    try directory.write("outside/file", "precious\n")
    try directory.makeDirectory("root")
    try directory.link("root/a", to: directory.file("outside"))
    let error = Self.failure { () throws(SystemError) in
      _ = try ConfinedFile(root: directory.file("root"), components: ["a", "file"])
    }
    #expect(error?.errno == .tooManyLinks)
    #expect(error?.path == directory.file("root/a"))
  }

  @Test func aSymlinkedFileIsNotRead() throws {
    let directory = try TemporaryDirectory()
    try directory.write("outside/file", "precious\n")
    try directory.makeDirectory("root/a")
    try directory.link("root/a/file", to: directory.file("outside/file"))
    let file = try ConfinedFile(root: directory.file("root"), components: ["a", "file"])
    defer { file.close() }
    let error = Self.failure { () throws(SystemError) in _ = try file.read(limit: 64) }
    #expect(error?.errno == .tooManyLinks)
  }

  /// A folder swapped for a symlink after it was reached: the removal
  /// happens in the folder held open, never through the link.
  @Test func aFolderSwappedForASymlinkLaterIsNotFollowed() throws {
    let directory = try TemporaryDirectory()
    try directory.write("root/a/file", "mine\n")
    try directory.write("outside/file", "precious\n")
    let file = try ConfinedFile(root: directory.file("root"), components: ["a", "file"])
    defer { file.close() }
    try FileManager.default.moveItem(
      atPath: directory.file("root/a"), toPath: directory.file("root/moved"))
    try directory.link("root/a", to: directory.file("outside"))
    #expect(try file.read(limit: 64) == Array("mine\n".utf8))
    try file.remove()
    #expect(directory.read("outside/file") == "precious\n")
    #expect(directory.list("root/moved").isEmpty)
  }
}
