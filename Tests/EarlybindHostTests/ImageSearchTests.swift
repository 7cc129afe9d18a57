// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import EarlybindHost

/// The tree the kernel builds: paths walked at the moment each entry is
/// created, through the links made so far.
@Suite struct ImageSearchTests {
  let wanted = ["usr/sbin/earlybind-init", "etc/earlybind/bindings.tbl"]

  func search(_ members: [CpioArchive.Member]) throws -> ImageSearch {
    var tree = try unpack(CpioArchive(members).bytes()).tree
    return try ImageSearch(wanted, in: &tree)
  }

  @Test func plainFoldersAsInitramfsToolsAndDracutWriteThem() throws {
    let found = try search(
      CpioArchive.withParents([
        .symlink("sbin", to: "usr/sbin"), .file("etc/earlybind/bindings.tbl", "T"),
        .file("usr/sbin/earlybind-init"),
      ]))
    #expect(found.file("etc/earlybind/bindings.tbl")?.data == Array("T".utf8))
    #expect(found.file("usr/sbin/earlybind-init")?.data == nil)
  }

  /// mkinitcpio on Arch: usr/sbin links to bin; a file written through a
  /// link lands where the link points.
  @Test func throughUsrMergedLinks() throws {
    let arch = try search([
      .directory("usr"), .directory("usr/bin"), .symlink("usr/sbin", to: "bin"),
      .file("usr/sbin/earlybind-init"), .directory("etc"), .directory("run"),
      .directory("run/eb"), .symlink("etc/earlybind", to: "/run/eb"),
      .file("etc/earlybind/bindings.tbl"),
    ])
    #expect(arch.file("usr/sbin/earlybind-init")?.name == "usr/bin/earlybind-init")
    #expect(arch.file("etc/earlybind/bindings.tbl")?.name == "run/eb/bindings.tbl")
  }

  /// The kernel creates nothing in a folder that does not exist (yet): a
  /// file before its folder, or with no folder at all, is dropped.
  @Test func entriesWithoutTheirFolderAreDropped() throws {
    let none = try search([.file("usr/sbin/earlybind-init"), .file("etc/earlybind/bindings.tbl")])
    #expect(none.results.values.allSatisfy { $0 == .missing })
    let late = try search([
      .directory("etc"), .file("etc/earlybind/bindings.tbl"), .directory("etc/earlybind"),
    ])
    #expect(late.results["etc/earlybind/bindings.tbl"] == .missing)
  }

  /// A link made after a file does not move it; a later file of the same
  /// path replaces the earlier one.
  @Test func laterEntriesWinAsAtBoot() throws {
    let found = try search(
      CpioArchive.withParents([
        .file("etc/earlybind/bindings.tbl", "old"), .file("etc/earlybind/bindings.tbl", "new"),
      ]))
    #expect(found.file("etc/earlybind/bindings.tbl")?.data == Array("new".utf8))
    let relinked = try search([
      .directory("a"), .directory("b"), .file("b/earlybind-init"),
      .directory("usr"), .symlink("usr/sbin", to: "../a"), .symlink("usr/sbin", to: "../b"),
    ])
    // The second link replaced the first: usr/sbin leads to b.
    #expect(relinked.file("usr/sbin/earlybind-init")?.name == "b/earlybind-init")
  }

  /// The kernel follows at most 40 links in one path (MAXSYMLINKS).
  @Test func fortyLinksAreFollowedAndNotOneMore() throws {
    func chain(_ count: Int) -> [CpioArchive.Member] {
      var members: [CpioArchive.Member] = [.directory("usr"), .directory("real")]
      members.append(.file("real/earlybind-init"))
      for index in 1..<count { members.append(.symlink("l\(index)", to: "l\(index + 1)")) }
      members.append(.symlink("l\(count)", to: "real"))
      members.append(.symlink("usr/sbin", to: "../l1"))
      return members
    }
    // usr/sbin, l1 ... l39: 40 links.
    #expect(try search(chain(39)).file("usr/sbin/earlybind-init") != nil)
    #expect(try search(chain(40)).results["usr/sbin/earlybind-init"] == .unreachable)
    let loop = try search([.directory("usr"), .symlink("usr/sbin", to: "../usr/sbin")])
    #expect(loop.results["usr/sbin/earlybind-init"] == .unreachable)
  }

  /// What a path leads to that is not a regular file.
  @Test func aFolderIsNotTheFile() throws {
    let folder = try search(CpioArchive.withParents([.directory("usr/sbin/earlybind-init")]))
    #expect(folder.results["usr/sbin/earlybind-init"] == .notRegular("a folder"))
  }

  /// Long link chains cost path text in proportion to the archive, not to
  /// links times wanted paths.
  @Test func longLinksAreWalkedOncePerEntry() throws {
    let long = String(repeating: "./", count: 1000)
    var members: [CpioArchive.Member] = [.directory("d")]
    for index in 0..<15 {
      members.append(.symlink("d/l\(index)", to: long + (index == 14 ? "." : "l\(index + 1)")))
    }
    members.append(.file("d/l0/x"))
    let archive = CpioArchive(members).bytes()
    var tree = try unpack(archive).tree
    _ = try ImageSearch(wanted, in: &tree)
    #expect(tree.walkedBytes < 2 * archive.count)
  }
}
