// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Options shared by install and uninstall.
struct InstallOptions: ParsableArguments {
  @Option(
    name: .long, help: "Install into this root instead of / (packaging, tests).",
    completion: .directory)
  var destdir: String = ""

  @Option(
    name: .long, help: "Folder with the hook templates (default: PREFIX/share/earlybind).",
    completion: .directory)
  var templates: String?

  @Option(
    name: .long, help: "Prefix the binaries are installed under (default: from this executable).",
    completion: .directory)
  var prefix: String?

  @Option(
    name: .long, help: "Where the earlybind CLI lives (default: PREFIX/sbin).",
    completion: .directory)
  var sbindir: String?

  @Option(
    name: .long, help: "Where earlybind-init lives (default: PREFIX/lib/earlybind).",
    completion: .directory)
  var libdir: String?

  /// The prefix this executable runs from: /usr/sbin/earlybind → /usr.
  func resolvedPrefix(in environment: HostEnvironment) -> String {
    prefix ?? Paths.parent(Paths.parent(environment.executable))
  }

  /// `--destdir`, or the environment's root (the real `/` outside tests).
  func root(in environment: HostEnvironment) -> String {
    destdir.isEmpty ? environment.paths.root : destdir
  }

  func installer(in environment: HostEnvironment) -> Installer {
    let prefix = resolvedPrefix(in: environment)
    return Installer(
      root: root(in: environment), templates: templates ?? prefix + "/share/earlybind",
      layout: InstallLayout(prefix: prefix, sbindir: sbindir, libdir: libdir),
      fileSystem: environment.fileSystem)
  }
}

enum SystemChoice: String, ExpressibleByArgument, CaseIterable {
  case auto
  case all
  case initramfsTools = "initramfs-tools"
  case dracut
  case mkinitcpio

  func generators(root: String, fileSystem: any HostFileSystem) -> [InitramfsGenerator] {
    switch self {
    case .all: return InitramfsGenerator.allCases
    case .initramfsTools: return [.initramfsTools]
    case .dracut: return [.dracut]
    case .mkinitcpio: return [.mkinitcpio]
    case .auto:
      return InitramfsGenerator.allCases.filter { generator in
        generator.commandCandidates.contains {
          fileSystem.isExecutable((root == "/" ? "" : root) + $0)
        }
      }
    }
  }
}

/// `earlybind install`: put the hook files in place for each generator and
/// enable them, optionally rebuilding every installed kernel's initramfs.
struct InstallCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "install",
    abstract: "Install and enable the initramfs hooks (dracut, mkinitcpio, initramfs-tools).",
    discussion: """
      Files are rendered from the templates and recorded in /var/lib/earlybind/manifest,
      so 'earlybind uninstall' removes exactly them. Running install again changes
      nothing unless the templates changed. dracut is enabled by
      /etc/dracut.conf.d/earlybind.conf and mkinitcpio by /etc/mkinitcpio.conf.d/earlybind.conf
      (which appends earlybind to HOOKS without rewriting your HOOKS line);
      initramfs-tools needs no enabling.
      """)

  @OptionGroup var options: InstallOptions

  @Option(name: .long, help: "Which generator: auto (those present), all, or one by name.")
  var system: SystemChoice = .auto

  @Flag(name: .long, help: "Rebuild the initramfs of every installed kernel afterwards.")
  var regenerate = false

  @Flag(name: .long, help: "Overwrite files earlybind did not install.")
  var force = false

  @Flag(
    name: .long, help: "Do not write the manifest (distribution packages track files themselves).")
  var noManifest = false

  func validate() throws {
    if regenerate && !options.destdir.isEmpty && options.destdir != "/" {
      throw ValidationError(
        "--regenerate rebuilds this machine's images; it cannot go with --destdir")
    }
  }

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    let generators = system.generators(
      root: options.root(in: environment), fileSystem: environment.fileSystem)
    if generators.isEmpty {
      throw .noGenerator
    }
    var installer = options.installer(in: environment)
    installer.keepManifest = !noManifest
    let outcome = try installer.install(generators, force: force)
    for path in outcome.written { environment.output.line("installed " + path) }
    environment.output.line(
      "earlybind: \(generators.map(\.rawValue).joined(separator: ", ")): "
        + "\(outcome.written.count) file(s) written, \(outcome.unchanged.count) unchanged")
    if regenerate {
      try Regenerator(environment: environment).regenerate(generators)
    }
    return .success
  }
}

/// `earlybind uninstall`: remove exactly what install wrote.
struct UninstallCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "uninstall",
    abstract: "Remove the hook files earlybind installed (from its manifest).",
    discussion: """
      Files edited since they were installed are left in place and listed. Entries of the
      manifest that are not one of the files install writes (named exactly, never by
      folder), with '..', or reached through a symlink are refused and left alone; the
      exit status is then 1.
      """)

  @OptionGroup var options: InstallOptions

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    let outcome = try options.installer(in: environment).uninstall()
    for path in outcome.removed { environment.output.line("removed " + path) }
    for path in outcome.kept {
      environment.output.line("kept " + path + " (changed since install)")
    }
    for refusal in outcome.refused {
      environment.output.warn(
        "refused " + refusal.path + ": " + refusal.reason + "; left alone")
    }
    environment.output.line(
      "earlybind: \(outcome.removed.count) file(s) removed, \(outcome.kept.count) kept"
        + (outcome.refused.isEmpty ? "" : ", \(outcome.refused.count) refused"))
    return outcome.refused.isEmpty ? .success : .failure
  }
}
