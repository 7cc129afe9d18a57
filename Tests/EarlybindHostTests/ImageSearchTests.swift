// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import EarlybindHost

@Suite struct ImageSearchTests {
  let wanted = ["usr/sbin/earlybind-init", "etc/earlybind/bindings.tbl"]

  func search(_ members: [CpioArchive.Member]) throws -> ImageSearch {
    var search = ImageSearch(wanted: wanted, keepingDataOf: ["etc/earlybind/bindings.tbl"])
    for entry in try scanAll(CpioArchive(members).bytes(), keepsData: search.keepsData).entries {
      search.add(entry)
    }
    return search
  }

  @Test func plainFoldersAsInitramfsToolsAndDracutWriteThem() throws {
    let found = try search([
      .symlink("sbin", to: "usr/sbin"), .file("etc/earlybind/bindings.tbl", "T"),
      .file("usr/sbin/earlybind-init"),
    ])
    #expect(found.isComplete)
    #expect(found.found["etc/earlybind/bindings.tbl"]?.data == Array("T".utf8))
    #expect(found.found["usr/sbin/earlybind-init"]?.data == nil)
  }

  /// mkinitcpio on Arch: usr/sbin links to bin, so the binder lands in
  /// usr/bin; the link comes after the file in the archive.
  @Test func throughUsrMergedLinksInAnyOrder() throws {
    let arch = try search([
      .file("usr/bin/earlybind-init"), .file("etc/earlybind/bindings.tbl"),
      .symlink("usr/sbin", to: "bin"),
    ])
    #expect(arch.found["usr/sbin/earlybind-init"]?.name == "usr/bin/earlybind-init")
    let absolute = try search([
      .symlink("usr/sbin", to: "/usr/bin"), .file("usr/bin/earlybind-init"),
      .symlink("etc/earlybind", to: "../run/eb"), .file("run/eb/bindings.tbl"),
    ])
    #expect(absolute.isComplete)
  }

  @Test func missingFilesAndLoopsAreNotFound() throws {
    let none = try search([.file("usr/bin/earlybind-init"), .file("init")])
    #expect(none.found.isEmpty)
    let loop = try search([
      .symlink("usr/sbin", to: "../usr/sbin"), .file("usr/sbin2/earlybind-init"),
    ])
    #expect(loop.resolve("usr/sbin/earlybind-init") == nil && loop.found.isEmpty)
    // A folder of that name is not the file.
    let folder = try search([.directory("usr/sbin/earlybind-init")])
    #expect(folder.found.isEmpty)
  }
}
