/// /proc/cmdline split the way the kernel splits it: on blanks, double
/// quotes grouping (`"root=LABEL=my disk"` or `root="LABEL=my disk"`), and
/// nothing after `--`, which belongs to init.
struct KernelCommandLine {
  var parameters: [String]

  init(_ text: String) {
    var parameters: [String] = []
    var current = ""
    var quoted = false
    var started = false
    for character in text {
      if character == "\"" {
        quoted.toggle()
        started = true
      } else if !quoted && (character == " " || character == "\t" || character == "\n") {
        if started { parameters.append(current) }
        current = ""
        started = false
      } else {
        current.append(character)
        started = true
      }
    }
    if started { parameters.append(current) }
    if let end = parameters.firstIndex(of: "--") { parameters.removeSubrange(end...) }
    self.parameters = parameters
  }

  /// The value of the last `key=` (the kernel lets a later one win).
  func value(of key: String) -> String? {
    let prefix = key + "="
    return parameters.last { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
  }
}
