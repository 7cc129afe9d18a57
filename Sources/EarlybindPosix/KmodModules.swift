// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import CKmod
import EarlybindCore

/// Module lookup and loading through libkmod, which resolves aliases and
/// dependencies, decompresses .ko.zst/.ko.xz and applies modprobe.d options
/// and blacklists exactly as modprobe would.
///
/// The libkmod context is created on first use: creating it reads every
/// modprobe.d file and opens the module indexes (0.2–0.35 ms), which a boot
/// with earlybind=off, a dry run or nothing to bind must not pay.
public final class KmodModules: ModuleLoader {
  /// Prefixes libkmod's default paths when not empty.
  let root: String
  let moduleDirectory: String?
  let configPaths: [String]?
  var created = false
  var context: OpaquePointer? = nil
  var creationError: String? = nil

  /// `moduleDirectory` nil means the running kernel's `/lib/modules/$(uname -r)`;
  /// `configPaths` nil means libkmod's own (`/etc/modprobe.d` and the others).
  public init(moduleDirectory: String? = nil, configPaths: [String]? = nil) {
    root = ""
    self.moduleDirectory = moduleDirectory
    self.configPaths = configPaths
  }

  /// libkmod's default locations under `root` ("" is the real root), for
  /// runs on synthetic trees (`earlybind-init --root`).
  public init(root: String) {
    self.root = root
    moduleDirectory = nil
    configPaths = nil
  }

  static let defaultConfigPaths = [
    "/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d",
  ]

  static func kernelRelease() -> String? {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer -> String? in
      guard let base = buffer.baseAddress, eb_kernel_release(base, buffer.count) == 0 else {
        return nil
      }
      return String(cString: base)
    }
  }

  deinit {
    if let context { kmod_unref(context) }
  }

  /// Why the context could not be set up, if it could not (creates it).
  public var setupError: String? {
    _ = currentContext()
    return creationError
  }

  /// Whether libkmod has been set up yet (it reads modprobe.d when it is).
  public var isSetUp: Bool { created }

  func currentContext() -> OpaquePointer? {
    if created { return context }
    created = true
    var directory = moduleDirectory
    var paths = configPaths
    if !root.isEmpty {
      directory = root + "/lib/modules/" + (Self.kernelRelease() ?? "unknown")
      paths = Self.defaultConfigPaths.map { root + $0 }
    }
    context = withCStrings(paths) { paths in
      if let directory {
        return directory.withCString { kmod_new($0, paths) }
      }
      return kmod_new(nil, paths)
    }
    if context == nil {
      creationError = "kmod_new failed"
    } else if kmod_load_resources(context) < 0 {
      creationError = "kmod_load_resources failed (no modules.dep?)"
    }
    return context
  }

  /// A NULL-terminated array of C strings for `strings` (nil: a NULL array).
  func withCStrings<R>(
    _ strings: [String]?, _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R
  ) -> R {
    guard let strings else { return body(nil) }
    let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: strings.count + 1)
    var owned: [UnsafeMutablePointer<CChar>] = []
    for (index, string) in strings.enumerated() {
      let bytes = Array(string.utf8)
      let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
      for (offset, byte) in bytes.enumerated() { copy[offset] = CChar(bitPattern: byte) }
      copy[bytes.count] = 0
      owned.append(copy)
      array[index] = UnsafePointer(copy)
    }
    array[strings.count] = nil
    defer {
      for copy in owned { copy.deallocate() }
      array.deallocate()
    }
    return body(UnsafePointer(array))
  }

  /// Where a module name resolves to for this module tree.
  public enum Availability: Hashable, Sendable {
    case module(path: String)
    case builtin
    case missing
  }

  /// Resolves `name` (a module name or alias) without loading anything.
  public func availability(of name: String) -> Availability {
    guard let context = currentContext() else { return .missing }
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
    guard let context = currentContext() else {
      return .failed(creationError ?? "no libkmod context")
    }
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
