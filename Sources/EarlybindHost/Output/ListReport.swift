// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// What `earlybind list` shows, computed once for the table and for JSON.
struct ListReport {
  var records: [DeviceRecord]
  var config: String?
  var pciIDs: String?
  /// Entries the scanner skipped.
  var problems: [String]
  /// Only the usual passthrough classes (no --all).
  var filtered: Bool
  /// For standard error: the scanner's problems and what could not be read.
  var warnings: [String]

  func text(colour: Bool) -> String {
    if records.isEmpty {
      return filtered
        ? "No display, audio, USB, storage or network controller found (--all lists every device).\n"
        : "No PCI device found.\n"
    }
    // Slots only where the firmware reports any.
    let slots = records.contains { $0.slot != nil }
    var headers = ["ADDRESS", "PATH"]
    if slots { headers.append("SLOT") }
    headers += [
      "BOOT", "CLASS", "ID", "SUBSYSTEM", "GROUP", "RESET", "DRIVER", "OVERRIDE",
    ]
    if config != nil { headers.append("RULE") }
    if pciIDs != nil { headers.append("NAME") }
    var table = TextTable(headers: headers)
    var notes: [String] = []
    for record in records {
      typealias Cell = TextTable.Cell
      var row = [Cell(record.address.description), Cell(record.path?.description ?? "-")]
      if slots { row.append(Cell(record.slot?.description ?? "-")) }
      row += [
        record.device.isBootVGA ? Cell("yes", .yellow) : Cell("-"),
        Cell(record.classLabel),
        Cell(record.identity.id.description), Cell(record.identity.subsystem.description),
        Cell(record.iommuGroup ?? "-"),
        Cell(
          record.resetMethod?.replacing(" ", with: ",") ?? (record.resettable ? "yes" : "no")),
        Cell(record.driver ?? "-", record.driver == Rule.defaultDriver ? .green : .plain),
        record.driverOverride.map { Cell($0, .cyan) } ?? Cell("-"),
      ]
      if config != nil {
        if let selection = record.selection {
          row.append(Cell(selection.summary, selection.role == .refused ? .red : .green))
          if let reason = selection.reason {
            notes.append(record.address.description + ": " + selection.rule.origin + ": " + reason)
          }
        } else {
          row.append(Cell("-"))
        }
      }
      if pciIDs != nil {
        let name = [record.vendorName, record.deviceName].compactMap { $0 }
        row.append(Cell(name.isEmpty ? "-" : name.joined(separator: " ")))
      }
      table.add(row)
    }
    var out = table.render(colour: colour)
    if !notes.isEmpty {
      out += "\nRefused:\n" + notes.map { "  " + $0 + "\n" }.joined()
    }
    return out
  }
}
