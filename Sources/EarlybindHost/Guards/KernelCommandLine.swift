// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// /proc/cmdline as the kernel splits it (the core's `KernelParameters`),
/// with the lookups the root-device guard needs.
struct KernelCommandLine {
  var parameters: [KernelParameters.Parameter]

  init(_ text: String) {
    parameters = KernelParameters.split(Array(text.utf8))
  }

  /// The value of the last `key=` (the kernel lets a later one win).
  func value(of key: String) -> String? {
    parameters.last { $0.nameText == key && $0.valueText != nil }?.valueText
  }
}
