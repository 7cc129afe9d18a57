import Foundation

/// Stable JSON for scripts: sorted keys, explicit nulls.
enum JSONText {
  static func orNull(_ value: String?) -> Any { value ?? NSNull() }

  static func render(_ object: Any) -> String {
    guard
      let data = try? JSONSerialization.data(
        withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    else { return "{}\n" }
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
