// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore
import EarlybindHostOS

/// `earlybind uki-addon`: the way out when a UKI's command line cannot be
/// edited at boot (Secure Boot): an add-on whose command line is
/// `earlybind=off`.
struct UKIAddonCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "uki-addon",
    abstract: "Write a UKI add-on whose command line is earlybind=off.",
    discussion: """
      systemd-stub 254 and later append an add-on's command line to the UKI's, \
      also under Secure Boot once the add-on is signed with a key the firmware \
      trusts (sbsign). With --for, the add-on goes to UKI.extra.d/, which \
      systemd-stub reads for that UKI only; remove it to bind again. It is built \
      with ukify where installed, else with objcopy from the add-on stub.
      """)

  @Option(
    name: .customLong("for"),
    help: ArgumentHelp(
      "The UKI whose .extra.d/ folder gets the add-on (\(UKIAddon.fileName)).", valueName: "uki"),
    completion: .file())
  var uki: String?

  @Option(name: .long, help: "Write the add-on here instead.", completion: .file())
  var output: String?

  @Option(
    name: .long, help: "The add-on stub (default: \(UKIAddon.defaultStub)).", completion: .file())
  var stub: String?

  @Flag(name: .long, help: "Build with objcopy even where ukify is installed.")
  var noUkify = false

  func validate() throws {
    if uki == nil && output == nil { throw ValidationError("name a UKI (--for) or --output") }
    if output?.isEmpty == true || uki?.isEmpty == true {
      throw ValidationError("--for and --output need a path")
    }
  }

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    if let uki { try Self.requireAddonSupport(uki) }
    let path = output ?? UKIAddon.path(for: uki ?? "")
    let addon = UKIAddon(
      environment: environment, stub: stub ?? environment.paths.root + UKIAddon.defaultStub)
    let tool = try addon.write(to: path, allowUkify: !noUkify)
    let built =
      switch tool {
      case .ukify(let ukify): ukify
      case .objcopy: "objcopy"
      }
    environment.output.write(
      """
      wrote \(path) (command line '\(UKIAddon.commandLine)', built with \(built))
      under Secure Boot, sign it with your db key:
        sbsign --key db.key --cert db.crt --output \(path) \(path)
      remove it to bind again: rm \(path)

      """)
    return .success
  }

  /// A UKI whose stub reads no add-ons gets none.
  static func requireAddonSupport(_ uki: String) throws(CommandFailure) {
    let image: UnifiedKernelImage
    do {
      let file = try ReadOnlyFile.open(uki)
      defer { file.close() }
      image = try UnifiedKernelImage.read(file)
    } catch let error as SystemError {
      throw .system(error)
    } catch let error as PEImageError {
      throw .addon(path: uki, problem: error.description)
    } catch {
      throw .addon(path: uki, problem: "\(error)")
    }
    guard image.pe.section(".linux") != nil else {
      throw .addon(path: uki, problem: "not a UKI (no .linux section)")
    }
    if let version = image.stubVersion, version < UnifiedKernelImage.firstStubWithAddons {
      throw .addon(
        path: uki,
        problem:
          "its systemd-stub \(version) reads no add-ons (\(UnifiedKernelImage.firstStubWithAddons)"
          + " and later do): rebuild it with a newer stub, or use --output")
    }
  }
}
