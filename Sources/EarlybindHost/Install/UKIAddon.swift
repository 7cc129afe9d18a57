// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS

/// A UKI add-on (systemd-stub 254 and later): a PE file made of the add-on
/// stub and a `.cmdline` section, whose words systemd-stub appends to the
/// UKI's command line, under Secure Boot too once it is signed with a key
/// the firmware trusts. `earlybind=off` in one is the way out when the
/// command line cannot be edited at boot.
struct UKIAddon {
  /// The command line of the add-on earlybind writes.
  static let commandLine = "earlybind=off"
  /// Its name in a UKI's `.extra.d/`, where systemd-stub reads
  /// `*.addon.efi` for that UKI only.
  static let fileName = "earlybind-off.addon.efi"
  static let defaultStub = "/usr/lib/systemd/boot/efi/addonx64.efi.stub"
  /// Where systemd packages ukify (Debian: /usr/bin; others also /usr/lib/systemd).
  static let ukifyPaths = ["/usr/bin/ukify", "/usr/lib/systemd/ukify"]
  static let objcopy = "objcopy"
  /// The most of a built add-on read back (the stub is about 100 KiB).
  static let sizeLimit = 16 << 20

  /// `UKI.extra.d/earlybind-off.addon.efi`.
  static func path(for uki: String) -> String {
    uki + ".extra.d/" + fileName
  }

  enum Tool: Hashable {
    case ukify(String)
    case objcopy
  }

  var environment: HostEnvironment
  var stub: String

  var fileSystem: any HostFileSystem { environment.fileSystem }

  /// ukify where installed (under the root), else objcopy.
  func tool(allowUkify: Bool) -> Tool {
    let root = environment.paths.root
    guard allowUkify,
      let ukify = Self.ukifyPaths.map({ root + $0 }).first(where: fileSystem.isExecutable)
    else { return .objcopy }
    return .ukify(ukify)
  }

  /// The command that builds the add-on at `output` (objcopy reads the
  /// command line from `cmdlineFile`).
  func command(_ tool: Tool, output: String, cmdlineFile: String, stubImage: PEImage) -> [String] {
    switch tool {
    case .ukify(let ukify):
      return [
        ukify, "build", "--stub=" + stub, "--cmdline=" + Self.commandLine, "--output=" + output,
      ]
    case .objcopy:
      // The section after the stub's last one, at the address the stub's
      // alignment gives (what ukify and dracut compute).
      let address = stubImage.imageBase + stubImage.nextSectionAddress
      return [
        Self.objcopy, "--add-section", ".cmdline=" + cmdlineFile, "--change-section-vma",
        ".cmdline=0x" + String(address, radix: 16), stub, output,
      ]
    }
  }

  /// Builds the add-on and writes it to `output` atomically, once it reads
  /// back as a PE file whose `.cmdline` is `commandLine`.
  func write(to output: String, allowUkify: Bool) throws(CommandFailure) -> Tool {
    let stubImage: PEImage
    do {
      let file = try ReadOnlyFile.open(stub)
      defer { file.close() }
      stubImage = try PEImage.parse(file)
    } catch let error as SystemError {
      throw .addon(
        path: stub,
        problem: "no add-on stub (" + error.description + "): it comes with systemd-stub 254 "
          + "and later (Debian 13's systemd-boot-efi); name another with --stub")
    } catch let error as PEImageError {
      throw .addon(path: stub, problem: error.description)
    } catch {
      throw .addon(path: stub, problem: "\(error)")
    }
    let folder = String(output.prefix(upTo: output.lastIndex(of: "/") ?? output.startIndex))
    do {
      if !folder.isEmpty { try fileSystem.makeDirectories(folder) }
    } catch {
      throw .system(error)
    }
    let building = output + ".earlybind-new"
    let cmdlineFile = output + ".earlybind-cmdline"
    defer {
      try? fileSystem.removeFile(building)
      try? fileSystem.removeFile(cmdlineFile)
    }
    let tool = tool(allowUkify: allowUkify)
    let arguments = command(tool, output: building, cmdlineFile: cmdlineFile, stubImage: stubImage)
    let built: [UInt8]
    do {
      try fileSystem.replaceFile(cmdlineFile, with: Array(Self.commandLine.utf8), mode: 0o644)
      let status = try environment.runner.run(arguments)
      guard status == 0 else {
        throw CommandFailure.generatorFailed(
          command: arguments.joined(separator: " "), status: status)
      }
      built = try fileSystem.readFile(building, limit: Self.sizeLimit)
    } catch let error as SystemError {
      throw .system(error)
    } catch let error as CommandFailure {
      throw error
    } catch {
      throw .addon(path: output, problem: "\(error)")
    }
    try Self.verify(built, path: output)
    do {
      try fileSystem.replaceFile(output, with: built, mode: 0o644)
    } catch {
      throw .system(error)
    }
    return tool
  }

  /// What was built is an add-on with our command line.
  static func verify(_ bytes: [UInt8], path: String) throws(CommandFailure) {
    let source = ImageBytes(bytes: bytes)
    do {
      let image = try UnifiedKernelImage.read(source)
      guard image.commandLine == commandLine else {
        throw CommandFailure.addon(
          path: path,
          problem: "the file built has "
            + (image.commandLine.map { "the command line '\($0)'" }
              ?? "no .cmdline section") + ", not '" + commandLine + "'")
      }
      if image.pe.section(".linux") != nil {
        throw CommandFailure.addon(
          path: path, problem: "the file built has a .linux section: the stub is not an add-on stub"
        )
      }
    } catch let error as CommandFailure {
      throw error
    } catch let error as PEImageError {
      throw .addon(path: path, problem: "the file built is " + error.description)
    } catch {
      throw .addon(path: path, problem: "\(error)")
    }
  }
}
