import EarlybindCore

/// /proc/cmdline as the kernel splits it (the core's `KernelParameters`),
/// with the lookups the root-device guard needs.
struct KernelCommandLine {
  var parameters: [String]

  init(_ text: String) {
    parameters = KernelParameters.split(Array(text.utf8)).map(\.text)
  }

  /// The value of the last `key=` (the kernel lets a later one win).
  func value(of key: String) -> String? {
    let prefix = key + "="
    return parameters.last { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
  }
}
