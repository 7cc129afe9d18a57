// SPDX-License-Identifier: Apache-2.0
import Glibc

/// One libFuzzer binary for every target (one compile of the sources they
/// share); EARLYBIND_FUZZ_TARGET names the one this run exercises.
enum FuzzTargets {
  static let all: [String: ([UInt8]) -> Void] = [
    "table-decoder": TableDecoderTarget.run,
    "config-parser": ConfigParserTarget.run,
    "kernel-command-line": KernelCommandLineTarget.run,
    "report-reader": ReportReaderTarget.run,
    "image-reader": ImageReaderTarget.run,
    "uki-reader": UKIReaderTarget.run,
  ]

  static let selected: ([UInt8]) -> Void = {
    let name = getenv("EARLYBIND_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let run = all[name] else {
      fatalError(
        "set EARLYBIND_FUZZ_TARGET to one of " + all.keys.sorted().joined(separator: ", "))
    }
    return run
  }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  FuzzTargets.selected(bytes)
  return 0
}
