import CKmod
import EarlybindCore

/// Module lookup and loading through libkmod, which resolves aliases and
/// dependencies, decompresses .ko.zst/.ko.xz and applies modprobe.d options
/// and blacklists exactly as modprobe would.
public final class KmodModules: ModuleLoader {
  let context: OpaquePointer?
  /// Why the context could not be created, if it could not.
  public let setupError: String?

  /// `moduleDirectory` nil means the running kernel's `/lib/modules/$(uname -r)`.
  public init(moduleDirectory: String? = nil) {
    let created: OpaquePointer?
    if let moduleDirectory {
      created = moduleDirectory.withCString { kmod_new($0, nil) }
    } else {
      created = kmod_new(nil, nil)
    }
    context = created
    if created == nil {
      setupError = "kmod_new failed"
    } else if kmod_load_resources(created) < 0 {
      setupError = "kmod_load_resources failed (no modules.dep?)"
    } else {
      setupError = nil
    }
  }

  deinit {
    if let context { kmod_unref(context) }
  }

  /// Where a module name resolves to for this module tree.
  public enum Availability: Hashable, Sendable {
    case module(path: String)
    case builtin
    case missing
  }

  /// Resolves `name` (a module name or alias) without loading anything.
  public func availability(of name: String) -> Availability {
    guard let context else { return .missing }
    var list: OpaquePointer? = nil
    let status = name.withCString { kmod_module_new_from_lookup(context, $0, &list) }
    guard status >= 0, let list else { return .missing }
    defer { kmod_module_unref_list(list) }
    var result = Availability.missing
    var entry: OpaquePointer? = list
    while let current = entry {
      if let module = kmod_module_get_module(current) {
        defer { kmod_module_unref(module) }
        if let path = kmod_module_get_path(module) {
          return .module(path: String(cString: path))
        }
        result = .builtin
      }
      entry = kmod_list_next(list, current)
    }
    return result
  }

  /// kmod_module_probe_insert_module(), with dependencies, on the running kernel.
  public func load(_ request: ModuleRequest) -> ModuleLoadResult {
    guard let context else { return .failed(setupError ?? "no libkmod context") }
    var list: OpaquePointer? = nil
    let status = request.name.withCString { kmod_module_new_from_lookup(context, $0, &list) }
    if status < 0 { return .failed("lookup failed (" + Errno(rawValue: -status).description + ")") }
    guard let list else { return .missing }
    defer { kmod_module_unref_list(list) }
    var outcome = ModuleLoadResult.missing
    var entry: OpaquePointer? = list
    while let current = entry {
      if let module = kmod_module_get_module(current) {
        defer { kmod_module_unref(module) }
        let state = kmod_module_get_initstate(module)
        if state == Int32(KMOD_MODULE_BUILTIN.rawValue) {
          outcome = .builtin
        } else if state == Int32(KMOD_MODULE_LIVE.rawValue) {
          if case .missing = outcome { outcome = .alreadyLoaded }
        } else {
          let flags = Int32(KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY.rawValue)
          let inserted = kmod_module_probe_insert_module(module, UInt32(flags), nil, nil, nil, nil)
          if inserted < 0 {
            let errno = Errno(rawValue: -inserted)
            if errno != .exists {
              return .failed(errno.description)
            }
            outcome = .alreadyLoaded
          } else {
            outcome = .loaded
          }
        }
      }
      entry = kmod_list_next(list, current)
    }
    return outcome
  }
}
