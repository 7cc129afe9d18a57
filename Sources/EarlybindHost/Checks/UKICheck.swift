// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Unified kernel images where the Boot Loader Specification puts them
/// (`EFI/Linux/*.efi` on the ESP and XBOOTLDR), read in place.
extension HostCheck {
  /// Where the ESP and XBOOTLDR are mounted.
  static let loaderMounts = ["/efi", "/boot", "/boot/efi"]

  /// The UKIs under the root, each once however many mounts reach it.
  func unifiedKernelImages() -> [String] {
    var seen: Set<String> = []
    var found: [String] = []
    for mount in Self.loaderMounts {
      let folder = paths.root + mount + "/EFI/Linux"
      guard let names = try? fileSystem.listDirectory(folder) else { continue }
      for name in names.sorted() where name.lowercased().hasSuffix(".efi") {
        let path = folder + "/" + name
        guard let status = try? fileSystem.status(path, followingLinks: true),
          status.kind == .regular
        else { continue }
        let real = (try? fileSystem.resolvedPath(path)) ?? path
        if seen.insert(real).inserted { found.append(path) }
      }
    }
    return found
  }

  /// The kernel releases of the UKIs that read, each once.
  func ukiReleases(_ images: [String]) -> [String] {
    var releases: [String] = []
    for path in images {
      guard let file = try? ReadOnlyFile.open(path) else { continue }
      defer { file.close() }
      if let release = (try? UnifiedKernelImage.read(file))?.release, !releases.contains(release) {
        releases.append(release)
      }
    }
    return releases
  }

  func checkUKIs(
    _ images: [String], rebuild: String, guards: () -> RootDeviceReport,
    into report: inout CheckReport
  ) {
    for path in images {
      checkUKI(path, rebuild: rebuild, guards: guards, into: &report)
    }
  }

  func checkUKI(
    _ path: String, rebuild: String, guards: () -> RootDeviceReport, into report: inout CheckReport
  ) {
    let name = ImageSearch.baseName(path)
    let file: ReadOnlyFile
    do {
      file = try ReadOnlyFile.open(path)
    } catch {
      report.add(.warning, "uki \(name)", "not checked: " + error.description)
      return
    }
    defer { file.close() }
    let image: UnifiedKernelImage
    do {
      image = try UnifiedKernelImage.read(file)
    } catch {
      report.add(.warning, "uki \(name)", "not checked: \(path): " + error.description)
      return
    }
    let topic = "uki " + (image.release ?? name)
    if image.pe.section(".linux") == nil {
      report.add(.warning, topic, "\(path) has no .linux section: it is not a UKI")
      return
    }
    do {
      guard
        let search = try image.searchInitrd(
          file, path: path, wanted: [Self.binderPath, Self.tablePath],
          keeping: [ImageSearch.baseName(Self.tablePath)],
          keptSize: BindingTableCodec.maximumSize + 1)
      else {
        report.add(
          .error, topic,
          "\(path) has no .initrd section, so no earlybind binder: rebuild it "
            + "(\(rebuild))")
        return
      }
      reportContents(search, image: path, topic: topic, rebuild: rebuild, into: &report) {
        image.release.flatMap { currentTable(for: $0, guards: guards()) }
      }
    } catch {
      reportUnread(error, topic: topic, rebuild: rebuild, into: &report)
    }
    if image.disablesBinder {
      report.add(
        .warning, topic,
        "\(path): its built-in command line (.cmdline) has earlybind=off: the binder does "
          + "nothing when it boots")
    }
    let readsAddons = (image.stubVersion ?? Int.max) >= UnifiedKernelImage.firstStubWithAddons
    if readsAddons {
      for addon in addons(for: path) where Self.disablesBinder(addon) {
        report.add(
          .warning, topic,
          "\(addon) turns the binder off for \(path) (earlybind=off): remove it to bind again")
      }
    }
    if let stub = image.stubVersion, !readsAddons {
      report.add(
        .warning, topic,
        "\(path): its systemd-stub \(stub) reads no add-ons (\(UnifiedKernelImage.firstStubWithAddons)"
          + " and later do): under Secure Boot, where the built-in command line cannot be "
          + "edited, earlybind=off cannot be given to it")
    }
  }

  /// The add-ons systemd-stub reads for the UKI at `path`: its own
  /// (`UKI.extra.d/*.addon.efi`) and the ESP's global ones
  /// (`loader/addons/*.addon.efi` beside `EFI/`).
  func addons(for path: String) -> [String] {
    let components = path.split(separator: "/", omittingEmptySubsequences: false)
    let mount = components.dropLast(3).joined(separator: "/")
    var found: [String] = []
    for folder in [path + ".extra.d", mount + "/loader/addons"] {
      let names = (try? fileSystem.listDirectory(folder)) ?? []
      for name in names.sorted() where name.lowercased().hasSuffix(".addon.efi") {
        found.append(folder + "/" + name)
      }
    }
    return found
  }

  /// Whether the add-on at `path` reads as one whose command line has
  /// earlybind=off.
  static func disablesBinder(_ path: String) -> Bool {
    guard let file = try? ReadOnlyFile.open(path) else { return false }
    defer { file.close() }
    return (try? UnifiedKernelImage.read(file))?.disablesBinder ?? false
  }
}
