/// The release, as `earlybind --version` prints it.
enum EarlybindVersion {
  static let current = "0.1.0"
}
