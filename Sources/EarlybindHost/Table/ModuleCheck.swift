// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix

/// Checks the drivers a config names against one kernel's module tree, so
/// a typo or a kernel without vfio fails the image build, not the boot.
struct ModuleCheck {
  var kernel: String
  /// The tree's folder, for messages.
  var directory: String
  var tree: any ModuleTree

  /// Returns the load list with absent optional modules dropped.
  func resolve(rules: [Rule], modules: [ModuleRequest]) throws(CommandFailure) -> [ModuleRequest] {
    if let problem = tree.setupError {
      throw .moduleTree(directory: directory, problem: problem)
    }
    var resolved: [ModuleRequest] = []
    for module in modules {
      switch tree.availability(of: module.name) {
      case .module, .builtin:
        resolved.append(module)
      case .missing where module.optional:
        continue
      case .missing:
        let users = rules.filter {
          BindingTable.modules(for: [$0]).contains { $0.name == module.name }
        }
        let driver = users.first?.driver ?? module.name
        throw .missingDriver(
          driver: driver, module: module.name, kernel: kernel, directory: directory)
      }
    }
    return resolved
  }
}
