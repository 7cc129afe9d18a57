// SPDX-License-Identifier: Apache-2.0
/// Loads kernel modules (libkmod at boot; fakes in tests).
public protocol ModuleLoader {
  mutating func load(_ module: ModuleRequest) -> ModuleLoadResult
}

public enum ModuleLoadResult: Hashable, Sendable {
  case loaded
  case alreadyLoaded
  case builtin
  case missing
  case failed(String)

  public var isUsable: Bool {
    switch self {
    case .loaded, .alreadyLoaded, .builtin: return true
    case .missing, .failed: return false
    }
  }

  public var text: String {
    switch self {
    case .loaded: return "loaded"
    case .alreadyLoaded: return "already loaded"
    case .builtin: return "built in"
    case .missing: return "not found"
    case .failed(let message): return "failed: " + message
    }
  }
}

/// A module loader for runs that must not touch the kernel (benchmarks).
public struct NoModuleLoader: ModuleLoader {
  public init() {}
  public mutating func load(_ module: ModuleRequest) -> ModuleLoadResult { .alreadyLoaded }
}
