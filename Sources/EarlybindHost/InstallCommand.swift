import ArgumentParser
import EarlybindCore
import Foundation

/// Options shared by install and uninstall.
struct InstallOptions: ParsableArguments {
  @Option(name: .long, help: "Install into this root instead of / (packaging, tests).")
  var destdir: String = ""

  @Option(name: .long, help: "Folder with the hook templates (default: PREFIX/share/earlybind).")
  var templates: String?

  @Option(
    name: .long, help: "Prefix the binaries are installed under (default: from this executable).")
  var prefix: String?

  @Option(name: .long, help: "Where the earlybind CLI lives (default: PREFIX/sbin).")
  var sbindir: String?

  @Option(name: .long, help: "Where earlybind-init lives (default: PREFIX/lib/earlybind).")
  var libdir: String?

  /// The prefix this executable runs from: /usr/sbin/earlybind → /usr.
  var resolvedPrefix: String {
    if let prefix { return prefix }
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    return executable.deletingLastPathComponent().deletingLastPathComponent().path
  }

  var layout: InstallLayout {
    InstallLayout(prefix: resolvedPrefix, sbindir: sbindir, libdir: libdir)
  }

  var resolvedTemplates: String { templates ?? resolvedPrefix + "/share/earlybind" }

  func installer() -> Installer {
    Installer(root: destdir, templates: resolvedTemplates, layout: layout)
  }
}

enum SystemChoice: String, ExpressibleByArgument, CaseIterable {
  case auto
  case all
  case initramfsTools = "initramfs-tools"
  case dracut
  case mkinitcpio

  func generators(root: String) -> [InitramfsGenerator] {
    switch self {
    case .all: return InitramfsGenerator.allCases
    case .initramfsTools: return [.initramfsTools]
    case .dracut: return [.dracut]
    case .mkinitcpio: return [.mkinitcpio]
    case .auto:
      return InitramfsGenerator.allCases.filter { generator in
        generator.commandCandidates.contains {
          FileManager.default.isExecutableFile(atPath: (root == "/" ? "" : root) + $0)
        }
      }
    }
  }
}

/// `earlybind install`: put the hook files in place for each generator and
/// enable them, optionally rebuilding every installed kernel's initramfs.
struct InstallCommand: ParsableCommand {
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

  func run() throws {
    do {
      let generators = system.generators(root: options.destdir.isEmpty ? "/" : options.destdir)
      if generators.isEmpty {
        throw CommandFailure(
          "no initramfs generator found (mkinitramfs, dracut or mkinitcpio); name one with --system"
        )
      }
      var installer = options.installer()
      installer.keepManifest = !noManifest
      let outcome = try installer.install(generators, force: force)
      for path in outcome.written { print("installed " + path) }
      print(
        "earlybind: \(generators.map(\.rawValue).joined(separator: ", ")): "
          + "\(outcome.written.count) file(s) written, \(outcome.unchanged.count) unchanged")
      if regenerate {
        try Regenerator(run: Regenerator.runProcess).regenerate(generators)
      }
    } catch {
      throw Self.fail(error)
    }
  }
}

/// `earlybind uninstall`: remove exactly what install wrote.
struct UninstallCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "uninstall",
    abstract: "Remove the hook files earlybind installed (from its manifest).",
    discussion: "Files edited since they were installed are left in place and listed.")

  @OptionGroup var options: InstallOptions

  func run() throws {
    do {
      let outcome = try options.installer().uninstall()
      for path in outcome.removed { print("removed " + path) }
      for path in outcome.kept { print("kept " + path + " (changed since install)") }
      print("earlybind: \(outcome.removed.count) file(s) removed, \(outcome.kept.count) kept")
    } catch {
      throw Self.fail(error)
    }
  }
}
