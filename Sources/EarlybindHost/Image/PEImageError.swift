// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// A file that is not a PE image `check` can read.
struct PEImageError: Error {
  enum Reason {
    /// Not a PE image at all (what is wrong).
    case notPE(String)
    /// A header or section past the end of the file.
    case outside(String, offset: Int64, count: Int64, fileSize: Int64)
    case tooManySections(Int)
    case system(SystemError)
  }

  var reason: Reason

  init(_ reason: Reason) {
    self.reason = reason
  }

  var description: String {
    switch reason {
    case .notPE(let what): return "not a PE image: " + what
    case .outside(let what, let offset, let count, let fileSize):
      return "\(what) (\(count) bytes at offset \(offset)) ends past the end of the file "
        + "(\(fileSize) bytes)"
    case .tooManySections(let count):
      return "\(count) sections, more than the \(PEImage.maximumSections) systemd-stub reads"
    case .system(let error): return error.description
    }
  }
}
