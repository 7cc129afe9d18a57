// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// Why a command could not do its job. Every command fails with one of
/// these, so the message, the JSON document and the exit status are made
/// in one place (`HostCommand.perform`).
enum CommandFailure: Error, Equatable, CustomStringConvertible {
  /// A located problem in the config, a rule given as arguments or the
  /// install manifest: `file:line:column: message`.
  case config(ConfigError)
  /// A compiled table that cannot be used, and where it is.
  case table(path: String, TableError)
  /// A system call that failed: which, on what path, and the errno.
  case system(SystemError)
  /// An initramfs image whose files cannot be listed.
  case image(InitramfsImageError)
  /// A config file too large to be one.
  case oversizedConfig(path: String)
  /// A config (or its folder) that someone besides root can change.
  case untrustedConfig(path: String, problems: [String])
  /// Another add, remove or compile held the config's lock too long.
  case lockTimeout(path: String, seconds: Double)
  /// Argument `index` (from 1) of a rule holds a control character.
  case controlCharacter(index: Int, argument: String, byte: UInt8)
  case noSelector
  /// `remove` found no rule for the selector.
  case noRule(selector: String, path: String)
  /// A kernel's module tree that libkmod cannot read.
  case moduleTree(directory: String, problem: String)
  /// A driver a rule names that the kernel has neither as a module nor built in.
  case missingDriver(driver: String, module: String, kernel: String, directory: String)
  /// `apply` or `release` named an address with no device.
  case noDevice(PCIAddress)
  case noGenerator
  /// An install template folder or file that is not there.
  case missingTemplate(path: String)
  case unreadableTemplate(path: String)
  /// A file install would replace that earlybind did not write.
  case foreignFile(path: String)
  /// A generator's rebuild exited with a failure status.
  case generatorFailed(command: String, status: Int32)
  /// `release` was given a PCI bridge: bridges are never bound, so there
  /// is nothing to give back.
  case bridgeStaysWithHost(PCIAddress)
  /// An edit would make the config larger than the parser reads.
  case configTooLarge(path: String, size: Int, limit: Int)
  /// A UKI add-on that cannot be made, or a UKI that reads none.
  case addon(path: String, problem: String)

  var description: String {
    switch self {
    case .config(let error): return error.description
    case .table(let path, let error): return path + ": " + error.description
    case .system(let error): return error.description
    case .image(let error): return error.description
    case .oversizedConfig(let path): return path + ": larger than 1 MiB; not a config file?"
    case .untrustedConfig(let path, let problems):
      return "refusing " + path + ": whoever can change it chooses drivers at boot: "
        + problems.joined(separator: "; ")
    case .lockTimeout(let path, let seconds):
      return "cannot lock " + path + ": another earlybind add, remove or compile has held it for "
        + "over " + Self.tenths(seconds) + " s; try again once it ends"
    case .controlCharacter(let index, let argument, let byte):
      return "argument \(index) (\(argument.debugDescription)) contains the control character 0x"
        + ASCII.hex(UInt32(byte), width: 2) + "; a rule is one line of printable text"
    case .noSelector: return "no selector given"
    case .noRule(let selector, let path): return "no rule for " + selector + " in " + path
    case .moduleTree(let directory, let problem):
      return "cannot read the module tree " + directory + ": " + problem
    case .missingDriver(let driver, let module, let kernel, let directory):
      return "driver '" + driver + "' is not available for kernel " + kernel + " (module '"
        + module + "' is neither in " + directory + " nor built in)"
    case .noDevice(let address): return "no PCI device at " + address.description
    case .noGenerator:
      return
        "no initramfs generator found (mkinitramfs, dracut or mkinitcpio); name one with --system"
    case .missingTemplate(let path):
      return "template " + path
        + " is missing (use --templates to point at the earlybind templates)"
    case .unreadableTemplate(let path): return "cannot read template " + path
    case .foreignFile(let path):
      return path + " exists and was not installed by earlybind; move it away or use --force"
    case .generatorFailed(let command, let status):
      return command + " failed with status \(status)"
    case .bridgeStaysWithHost(let address):
      return address.description
        + " is a bridge: bridges stay with the host and are never bound, so there is"
        + " nothing to release (give the address of a device behind it)"
    case .configTooLarge(let path, let size, let limit):
      return path + ": the edited config would be " + ASCII.decimal(size)
        + " bytes; a config must be smaller than " + ASCII.decimal(limit)
        + " bytes; nothing written"
    case .addon(let path, let problem): return path + ": " + problem
    }
  }

  /// The JSON document's `kind`: the case's name, in snake case.
  var kind: String {
    switch self {
    case .config: return "config"
    case .table: return "table"
    case .system: return "system"
    case .image: return "image"
    case .oversizedConfig: return "oversized_config"
    case .untrustedConfig: return "untrusted_config"
    case .lockTimeout: return "lock_timeout"
    case .controlCharacter: return "control_character"
    case .noSelector: return "no_selector"
    case .noRule: return "no_rule"
    case .moduleTree: return "module_tree"
    case .missingDriver: return "missing_driver"
    case .noDevice: return "no_device"
    case .noGenerator: return "no_generator"
    case .missingTemplate: return "missing_template"
    case .unreadableTemplate: return "unreadable_template"
    case .foreignFile: return "foreign_file"
    case .generatorFailed: return "generator_failed"
    case .bridgeStaysWithHost: return "bridge"
    case .configTooLarge: return "config_too_large"
    case .addon: return "addon"
    }
  }

  /// The file or folder the failure is about, when there is one.
  var path: String? {
    switch self {
    case .table(let path, _), .oversizedConfig(let path), .untrustedConfig(let path, _),
      .lockTimeout(let path, _), .noRule(_, let path), .missingTemplate(let path),
      .unreadableTemplate(let path), .foreignFile(let path):
      return path
    case .system(let error): return error.path
    case .moduleTree(let directory, _), .missingDriver(_, _, _, let directory): return directory
    case .configTooLarge(let path, _, _), .addon(let path, _): return path
    case .config, .image, .controlCharacter, .noSelector, .noDevice, .noGenerator,
      .generatorFailed, .bridgeStaysWithHost:
      return nil
    }
  }

  /// `10`, `0.2`: seconds to a tenth.
  static func tenths(_ seconds: Double) -> String {
    let tenths = Int((seconds * 10).rounded())
    return String(tenths / 10) + (tenths % 10 == 0 ? "" : "." + String(tenths % 10))
  }

  /// The line for standard error. Located messages stay as they are, so
  /// editors and build logs can jump to the place.
  var errorLine: String {
    if case .config = self { return description }
    return "earlybind: " + description
  }
}

/// How a run ended, as the exit status says it.
struct ExitStatus: RawRepresentable, Hashable, Sendable {
  var rawValue: Int32

  init(rawValue: Int32) { self.rawValue = rawValue }

  static let success = ExitStatus(rawValue: 0)
  /// The command failed, or (check, status, apply) something needs attention.
  static let failure = ExitStatus(rawValue: 1)
  /// check found errors; status found no report from this boot.
  static let severe = ExitStatus(rawValue: 2)
}
