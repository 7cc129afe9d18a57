// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// uninstall does not trust its manifest: entries that lead out of the
/// destdir or out of the folders install writes to are refused, named, and
/// left alone, while the rest is removed.
@Suite struct UninstallConfinementTests {
  let outer: TemporaryDirectory
  let host: TestHost
  var destdir: String { outer.file("dest") }

  init() throws {
    outer = try TemporaryDirectory()
    host = try TestHost()
    try outer.makeDirectory("dest")
  }

  /// Installs the dracut hooks into the destdir, then adds `extra` entries
  /// (with the CRC of the file each names) to the manifest.
  func install(adding extra: [(path: String, file: String)]) throws {
    let run = try host.run(
      InstallCommand.self,
      [
        "--system", "dracut", "--destdir", destdir, "--templates", repositoryRoot, "--prefix",
        "/usr",
      ])
    #expect(run.status == .success, "\(run.errors)")
    let manifestFile = destdir + InstallManifest.path
    var manifest = try InstallManifest.parse(
      try String(contentsOfFile: manifestFile, encoding: .utf8), file: manifestFile)
    for (path, file) in extra {
      let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
      manifest.record(
        .init(path: path, mode: 0o644, checksum: CRC32.checksum(bytes), generator: "dracut"))
    }
    try manifest.text().write(toFile: manifestFile, atomically: true, encoding: .utf8)
  }

  /// Sets the manifest's checksum of `path` to that of `text`, as someone
  /// who wants another file deleted would.
  func forgeChecksum(of path: String, as text: String) throws {
    let manifestFile = destdir + InstallManifest.path
    var manifest = try InstallManifest.parse(
      try String(contentsOfFile: manifestFile, encoding: .utf8), file: manifestFile)
    var entry = try #require(manifest.entry(at: path))
    entry.checksum = CRC32.checksum(Array(text.utf8))
    manifest.record(entry)
    try manifest.text().write(toFile: manifestFile, atomically: true, encoding: .utf8)
  }

  func uninstall() throws -> CommandRun {
    try host.run(
      UninstallCommand.self,
      ["--destdir", destdir, "--templates", repositoryRoot, "--prefix", "/usr"])
  }

  /// What install wrote is gone; only the manifest (with the refused
  /// entries) is left in the destdir.
  func expectInstalledFilesRemoved() {
    #expect(listFiles(destdir) == ["var/lib/earlybind/manifest"])
  }

  @Test func dotDotIsRefused() throws {
    try outer.write("earlybind-victim/file", "precious\n")
    try install(adding: [("/../earlybind-victim/file", outer.file("earlybind-victim/file"))])
    let run = try uninstall()
    #expect(run.status == .failure)
    #expect(
      run.errors
        == "earlybind: refused /../earlybind-victim/file: not a plain absolute path; left alone\n")
    #expect(outer.read("earlybind-victim/file") == "precious\n")
    #expect(run.output.hasSuffix(" kept, 1 refused\n"))
    expectInstalledFilesRemoved()
    #expect(
      try host.run(UninstallCommand.self, ["--destdir", destdir]).errors.contains(
        "refused /../earlybind-victim/file"))
  }

  @Test func aSymlinkedParentIsRefused() throws {
    try outer.write("outside/earlybind.conf", "precious\n")
    try install(adding: [])
    // The dracut.conf.d folder replaced by a link that leads out.
    let confDirectory = destdir + "/etc/dracut.conf.d"
    try FileManager.default.removeItem(atPath: confDirectory)
    try FileManager.default.createSymbolicLink(
      atPath: confDirectory, withDestinationPath: outer.file("outside"))
    try forgeChecksum(of: "/etc/dracut.conf.d/earlybind.conf", as: "precious\n")

    let run = try uninstall()
    #expect(run.status == .failure)
    #expect(
      run.errors
        == "earlybind: refused /etc/dracut.conf.d/earlybind.conf: below the symbolic link "
        + confDirectory + "; left alone\n")
    #expect(outer.read("outside/earlybind.conf") == "precious\n")
    #expect(
      !FileManager.default.fileExists(atPath: destdir + "/usr/lib/dracut/modules.d/52earlybind"))
  }

  @Test func anAbsolutePathOutsideTheInstallFoldersIsRefused() throws {
    try outer.write("dest/etc/earlybind/keys", "precious\n")
    try outer.write("dest/usr/lib/dracut/other", "precious\n")
    try install(adding: [
      ("/etc/earlybind/keys", outer.file("dest/etc/earlybind/keys")),
      ("/usr/lib/dracut/other", outer.file("dest/usr/lib/dracut/other")),
      ("relative/path", outer.file("dest/etc/earlybind/keys")),
    ])
    let run = try uninstall()
    #expect(run.status == .failure)
    #expect(
      run.warnings == [
        "refused /etc/earlybind/keys: not a file earlybind installs; left alone",
        "refused /usr/lib/dracut/other: not a file earlybind installs; left alone",
        "refused relative/path: not a plain absolute path; left alone",
      ])
    #expect(outer.read("dest/etc/earlybind/keys") == "precious\n")
    #expect(outer.read("dest/usr/lib/dracut/other") == "precious\n")
    let manifest = try InstallManifest.parse(
      try String(contentsOfFile: destdir + InstallManifest.path, encoding: .utf8), file: "m")
    #expect(
      manifest.entries.map(\.path).sorted() == [
        "/etc/earlybind/keys", "/usr/lib/dracut/other", "relative/path",
      ])
  }

  /// The generators' folders hold other packages' files: a manifest that
  /// names them, with matching checksums, must not get any deleted.
  @Test func otherPackagesFilesInSharedFoldersAreRefused() throws {
    let others = [
      "/usr/share/initramfs-tools/scripts/local",
      "/usr/share/initramfs-tools/hooks/cryptroot",
      "/usr/lib/initcpio/hooks/encrypt",
      "/usr/lib/dracut/modules.d/52earlybind/other.sh",
      "/usr/lib/dracut/modules.d/90crypt/module-setup.sh",
    ]
    for path in others { try outer.write("dest" + path, "precious " + path + "\n") }
    try install(adding: others.map { ($0, outer.file("dest" + $0)) })
    let run = try uninstall()
    #expect(run.status == .failure)
    #expect(
      run.warnings
        == others.sorted().map { "refused " + $0 + ": not a file earlybind installs; left alone" })
    for path in others { #expect(outer.read("dest" + path) == "precious " + path + "\n") }
  }

  @Test func aSymlinkedFileIsRefused() throws {
    try outer.write("outside/earlybind.conf", "precious\n")
    try install(adding: [])
    let target = destdir + "/etc/dracut.conf.d/earlybind.conf"
    try FileManager.default.removeItem(atPath: target)
    try FileManager.default.createSymbolicLink(
      atPath: target, withDestinationPath: outer.file("outside/earlybind.conf"))
    try forgeChecksum(of: "/etc/dracut.conf.d/earlybind.conf", as: "precious\n")
    let run = try uninstall()
    #expect(run.status == .failure)
    #expect(
      run.errors
        == "earlybind: refused /etc/dracut.conf.d/earlybind.conf: a symbolic link; left alone\n")
    #expect(outer.read("outside/earlybind.conf") == "precious\n")
  }
}
