// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix

/// Driver lookups in one kernel's module tree, without loading anything.
protocol ModuleTree {
  /// Why the tree could not be read, if it could not.
  var setupError: String? { get }
  func availability(of name: String) -> KmodModules.Availability
}

extension KmodModules: ModuleTree {}

/// A module loader behind the environment's existential, for the core's
/// generic binder.
struct AnyModuleLoader: ModuleLoader {
  var base: any ModuleLoader

  mutating func load(_ module: ModuleRequest) -> ModuleLoadResult { base.load(module) }
}
