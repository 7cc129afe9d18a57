// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// The repository root: the templates `make install` uses.
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Every regular file below `root`, relative, sorted.
func listFiles(_ root: String) -> [String] {
  guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
  var files: [String] = []
  for case let path as String in enumerator {
    var isDirectory: ObjCBool = false
    _ = FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
    if !isDirectory.boolValue { files.append(path) }
  }
  return files.sorted()
}

@Suite struct InstallerTests {
  let layout = InstallLayout(prefix: "/usr")

  func installer(_ root: TemporaryDirectory) -> Installer {
    Installer(
      root: root.path, templates: repositoryRoot, layout: layout, fileSystem: PosixFileSystem())
  }

  @Test(arguments: InitramfsGenerator.allCases)
  func installedFilesAreTheRenderedTemplates(_ generator: InitramfsGenerator) throws {
    let root = try TemporaryDirectory()
    let outcome = try installer(root).install([generator], force: false)
    let files = try HookFiles(
      templates: repositoryRoot, layout: layout, fileSystem: PosixFileSystem()
    ).files(for: generator)
    #expect(!files.isEmpty)
    #expect(outcome.written.sorted() == files.map(\.destination).sorted())
    for file in files {
      let template = try String(
        contentsOfFile: repositoryRoot + "/" + file.template, encoding: .utf8)
      let installed = try String(contentsOfFile: root.path + file.destination, encoding: .utf8)
      #expect(
        installed
          == template.replacingOccurrences(of: "@SBINDIR@", with: "/usr/sbin")
          .replacingOccurrences(of: "@LIBDIR@", with: "/usr/lib/earlybind"))
      #expect(!installed.contains("@SBINDIR@") && !installed.contains("@LIBDIR@"))
      let mode =
        try FileManager.default.attributesOfItem(atPath: root.path + file.destination)[
          .posixPermissions] as? NSNumber
      #expect(mode?.uint32Value == file.mode)
    }
  }

  /// The list install writes (and uninstall may remove) names every file
  /// of the template folders, and nothing else.
  @Test func theListNamesEveryTemplateFile() throws {
    var listed: Set<String> = []
    for generator in InitramfsGenerator.allCases {
      let hookFiles = HookFiles(
        templates: repositoryRoot, layout: layout, fileSystem: PosixFileSystem())
      listed.formUnion(hookFiles.mappings(for: generator).map(\.0))
    }
    var found: Set<String> = []
    for folder in ["initramfs-tools", "dracut", "mkinitcpio", "systemd"] {
      found.formUnion(listFiles(repositoryRoot + "/" + folder).map { folder + "/" + $0 })
    }
    #expect(listed == found)
  }

  @Test func initramfsToolsGoesToTheVendorDirectories() throws {
    let files = try HookFiles(
      templates: repositoryRoot, layout: layout, fileSystem: PosixFileSystem()
    ).files(for: .initramfsTools)
    #expect(
      files.map(\.destination) == [
        "/usr/share/initramfs-tools/hooks/earlybind",
        "/usr/share/initramfs-tools/scripts/init-top/earlybind",
      ])
    #expect(files.allSatisfy { $0.mode == 0o755 })
    let local = try HookFiles(
      templates: repositoryRoot, layout: InstallLayout(prefix: "/usr/local"),
      fileSystem: PosixFileSystem()
    )
    .files(for: .initramfsTools)
    #expect(local.map(\.destination).allSatisfy { $0.hasPrefix("/etc/initramfs-tools/") })
  }

  @Test func secondInstallChangesNothing() throws {
    let root = try TemporaryDirectory()
    let first = try installer(root).install(InitramfsGenerator.allCases, force: false)
    #expect(!first.written.isEmpty)
    let before = listFiles(root.path).map { path -> (String, Date?) in
      let attributes = try? FileManager.default.attributesOfItem(atPath: root.path + "/" + path)
      return (path, attributes?[.modificationDate] as? Date)
    }
    let second = try installer(root).install(InitramfsGenerator.allCases, force: false)
    #expect(second.written.isEmpty)
    #expect(second.unchanged.count == first.written.count)
    let after = listFiles(root.path).map { path -> (String, Date?) in
      let attributes = try? FileManager.default.attributesOfItem(atPath: root.path + "/" + path)
      return (path, attributes?[.modificationDate] as? Date)
    }
    #expect(before.map(\.0) == after.map(\.0))
    #expect(before.map(\.1) == after.map(\.1))
  }

  @Test func uninstallRemovesExactlyWhatWasInstalled() throws {
    let root = try TemporaryDirectory()
    // Something of the user's in a generator directory must survive.
    let userHook = root.path + "/usr/share/initramfs-tools/hooks/zz-user"
    try FileManager.default.createDirectory(
      atPath: root.path + "/usr/share/initramfs-tools/hooks", withIntermediateDirectories: true)
    try "#!/bin/sh\n".write(toFile: userHook, atomically: true, encoding: .utf8)
    _ = try installer(root).install(InitramfsGenerator.allCases, force: false)
    #expect(FileManager.default.fileExists(atPath: root.path + InstallManifest.path))

    let outcome = try installer(root).uninstall()
    #expect(outcome.kept.isEmpty)
    #expect(listFiles(root.path) == ["usr/share/initramfs-tools/hooks/zz-user"])
    #expect(!FileManager.default.fileExists(atPath: root.path + "/var/lib/earlybind"))
  }

  @Test func uninstallKeepsFilesEditedSinceInstall() throws {
    let root = try TemporaryDirectory()
    _ = try installer(root).install([.dracut], force: false)
    let conf = root.path + "/etc/dracut.conf.d/earlybind.conf"
    try "add_dracutmodules+=\" earlybind \"\n# mine\n".write(
      toFile: conf, atomically: true, encoding: .utf8)
    let outcome = try installer(root).uninstall()
    #expect(outcome.kept == ["/etc/dracut.conf.d/earlybind.conf"])
    #expect(FileManager.default.fileExists(atPath: conf))
    let manifest = try installer(root).loadManifest()
    #expect(manifest.entries.map(\.path) == ["/etc/dracut.conf.d/earlybind.conf"])
  }

  @Test func refusesToOverwriteAForeignFileWithoutForce() throws {
    let root = try TemporaryDirectory()
    let conf = root.path + "/etc/dracut.conf.d/earlybind.conf"
    try FileManager.default.createDirectory(
      atPath: root.path + "/etc/dracut.conf.d", withIntermediateDirectories: true)
    try "# the user's own\n".write(toFile: conf, atomically: true, encoding: .utf8)
    #expect(throws: CommandFailure.self) {
      _ = try installer(root).install([.dracut], force: false)
    }
    #expect(try String(contentsOfFile: conf, encoding: .utf8) == "# the user's own\n")
    _ = try installer(root).install([.dracut], force: true)
    #expect(try String(contentsOfFile: conf, encoding: .utf8) != "# the user's own\n")
  }

  @Test func manifestRoundTripsAndRejectsGarbageWithItsLine() throws {
    var manifest = InstallManifest()
    manifest.record(.init(path: "/a b/c", mode: 0o755, checksum: 0xDEAD_BEEF, generator: "dracut"))
    manifest.record(.init(path: "/etc/x", mode: 0o644, checksum: 1, generator: "mkinitcpio"))
    #expect(try InstallManifest.parse(manifest.text(), file: "m") == manifest)
    #expect {
      _ = try InstallManifest.parse("# header\ndracut 755 zz /x\n", file: "m")
    } throws: { error in
      String(describing: error).hasPrefix("m:2:1: invalid manifest line")
    }
  }
}

@Suite struct RegeneratorTests {
  /// A test host with kernels installed: a module tree and a vmlinuz each.
  func makeKernels(_ kernels: [String], withInitrd: [String]) throws -> TestHost {
    let host = try TestHost()
    for kernel in kernels {
      try host.directory.makeDirectory("lib/modules/" + kernel)
      try host.directory.write("boot/vmlinuz-" + kernel, "")
    }
    for kernel in withInitrd {
      try host.directory.write("boot/initrd.img-" + kernel, "")
    }
    // A module tree without a kernel image is not an installed kernel.
    try host.directory.makeDirectory("lib/modules/5.10.0-old")
    return host
  }

  @Test func everyInstalledKernelForEveryGenerator() throws {
    let host = try makeKernels(["6.1.0-1-amd64", "6.1.0-2-amd64"], withInitrd: ["6.1.0-1-amd64"])
    let regenerator = Regenerator(environment: host.environment)
    let calls = regenerator.commands(for: InitramfsGenerator.allCases).map {
      $0.joined(separator: " ")
    }
    #expect(
      calls == [
        "update-initramfs -u -k 6.1.0-1-amd64",
        "update-initramfs -c -k 6.1.0-2-amd64",
        "dracut --force --kver 6.1.0-1-amd64",
        "dracut --force --kver 6.1.0-2-amd64",
        "mkinitcpio -P",
      ])
  }

  /// Runs `bin/COMMAND` for COMMAND, through the real process runner.
  struct BinRunner: ProcessRunner {
    var bin: String

    func run(_ arguments: [String]) throws(SystemError) -> Int32 {
      try SystemProcessRunner().run([bin + "/" + arguments[0]] + arguments.dropFirst())
    }

    func capture(_ arguments: [String]) throws(SystemError) -> Subprocess.Result {
      try SystemProcessRunner().capture([bin + "/" + arguments[0]] + arguments.dropFirst())
    }
  }

  @Test func runsThemThroughPathAndStopsOnFailure() throws {
    let host = try makeKernels(["6.1.0-1-amd64", "6.1.0-2-amd64"], withInitrd: [])
    let bin = host.directory.file("bin")
    let log = host.directory.file("calls.log")
    // A fake generator that records its arguments and fails for kernel -2.
    let script =
      "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \(log)\ncase \"$*\" in *-2-*) exit 3;; esac\n"
    for name in ["dracut", "update-initramfs"] {
      try host.directory.write("bin/" + name, script)
      try FileManager.default.setAttributes(
        [.posixPermissions: 0o755], ofItemAtPath: bin + "/" + name)
    }
    host.environment.runner = BinRunner(bin: bin)
    #expect {
      try Regenerator(environment: host.environment).regenerate([.dracut, .initramfsTools])
    } throws: { error in
      String(describing: error) == "dracut --force --kver 6.1.0-2-amd64 failed with status 3"
    }
    #expect(
      try String(contentsOfFile: log, encoding: .utf8)
        == "dracut --force --kver 6.1.0-1-amd64\ndracut --force --kver 6.1.0-2-amd64\n")
    #expect(
      host.output.standardOutput
        == "earlybind: running dracut --force --kver 6.1.0-1-amd64\n"
        + "earlybind: running dracut --force --kver 6.1.0-2-amd64\n")
  }

  @Test func installRegeneratesWithTheGeneratorsItInstalled() throws {
    let host = try makeKernels(["6.1.0-1-amd64"], withInitrd: ["6.1.0-1-amd64"])
    host.environment.executable = host.directory.file("usr/sbin/earlybind")
    let run = try host.run(
      InstallCommand.self,
      ["--system", "dracut", "--templates", repositoryRoot, "--prefix", "/usr", "--regenerate"])
    #expect(run.status == .success, "\(run.errors)")
    #expect(host.runner.calls == [["dracut", "--force", "--kver", "6.1.0-1-amd64"]])
    #expect(run.output.contains("installed /etc/dracut.conf.d/earlybind.conf\n"))
    host.runner.statuses["dracut"] = 1
    let failed = try host.run(
      InstallCommand.self,
      ["--system", "dracut", "--templates", repositoryRoot, "--prefix", "/usr", "--regenerate"])
    #expect(failed.status == .failure)
    #expect(
      failed.errors == "earlybind: dracut --force --kver 6.1.0-1-amd64 failed with status 1\n")
  }
}
