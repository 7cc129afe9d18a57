// SPDX-License-Identifier: Apache-2.0
/// Fuzz target: the reader of the binder's report.json. Any input is
/// either refused with an error or decodes to a report that the binder's
/// writer (`jsonBytes`) turns into JSON this reader gives back unchanged.
enum ReportReaderTarget {
  static func run(_ bytes: [UInt8]) {
    guard let report = try? BindingReport.decoded(from: bytes) else { return }
    let written = report.jsonBytes()
    let again: BindingReport
    do {
      again = try BindingReport.decoded(from: written)
    } catch {
      fatalError("the writer's JSON does not read back: \(error)")
    }
    if again != report { fatalError("read(write(report)) != report") }
  }
}
