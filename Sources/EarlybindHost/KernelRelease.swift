#if canImport(Glibc)
  import Glibc
#endif

/// The running kernel's release, as `uname -r` prints it.
enum KernelRelease {
  static var running: String {
    var name = utsname()
    guard uname(&name) == 0 else { return "" }
    return withUnsafeBytes(of: &name.release) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
  }
}
