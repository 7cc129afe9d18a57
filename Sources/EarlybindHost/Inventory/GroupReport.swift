// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// The groups and the whole-group checks, computed once for both outputs.
struct GroupReport {
  struct Group {
    var name: String
    var members: [DeviceRecord]
  }

  /// One group holding targets: what else would have to go with them.
  struct Check {
    var group: String
    var targets: [DeviceRecord]
    /// Endpoints left on the host: the guest cannot use the group.
    var missing: [DeviceRecord]
    /// Bridges stay with the host by design.
    var bridges: [DeviceRecord]

    var complete: Bool { missing.isEmpty }
    var lines: [Int] { Set(targets.compactMap { $0.selection?.rule.line }).sorted() }

    var message: String {
      let head = "group " + group + ": " + Text.list(targets.map(\.address.description))
      let they = targets.count == 1 ? "it" : "them"
      var text = head + (targets.count == 1 ? " is a target" : " are targets")
      if complete {
        text += "; the whole group goes with " + they
        if !bridges.isEmpty {
          text +=
            " (" + Text.list(bridges.map(\.address.description))
            + (bridges.count == 1 ? " is a bridge and stays" : " are bridges and stay")
            + " with the host)"
        }
        return text
      }
      text += "; " + Text.list(missing.map(Self.describe))
      text += missing.count == 1 ? " is not" : " are not"
      text +=
        ": the guest will not get the group until " + (missing.count == 1 ? "it does" : "they do")
      // Adding 'group' helps only when no member is guarded (refused).
      let taken = targets.contains { $0.selection?.rule.group == true }
      let guarded = missing.contains { $0.selection?.role == .refused }
      if !taken, !guarded, let line = lines.first {
        text += " — add 'group' to line \(line) or "
        text += missing.count == 1 ? "a rule for it" : "rules for them"
      }
      return text
    }

    /// `0000:02:00.0 [8086:1533] (Ethernet, igb)`, with a refusal when there is one.
    static func describe(_ record: DeviceRecord) -> String {
      var details = record.className + ", " + (record.driver ?? "no driver")
      if let selection = record.selection, selection.role == .refused {
        details += ", refused by " + selection.rule.origin
      }
      return record.address.description + " " + record.identity.id.bracketed + " (" + details + ")"
    }
  }

  var iommuOn: Bool
  var groupsPath: String
  var groups: [Group] = []
  var checks: [Check] = []
  var config: String?
  var problems: [String]

  /// The groups come from the records, which carry each device's group:
  /// no IOMMU group on any device means the IOMMU is off.
  init(inventory: DeviceInventory, sysfs: String, config: String?) {
    self.groupsPath = SysfsLayout(sysfs: sysfs).iommuGroups
    self.config = config
    self.problems = inventory.problems
    var members: [String: [DeviceRecord]] = [:]
    for record in inventory.records {
      if let group = record.iommuGroup { members[group, default: []].append(record) }
    }
    self.iommuOn = !members.isEmpty
    for name in members.keys.sorted(by: Self.numericOrder) {
      groups.append(Group(name: name, members: members[name] ?? []))
    }
    guard config != nil else { return }
    for group in groups {
      let targets = group.members.filter { record in
        guard let role = record.selection?.role else { return false }
        return role != .refused
      }
      guard !targets.isEmpty else { continue }
      let others = group.members.filter { record in
        !targets.contains { $0.address == record.address }
      }
      checks.append(
        Check(
          group: group.name, targets: targets, missing: others.filter { !$0.identity.isBridge },
          bridges: others.filter(\.identity.isBridge)))
    }
  }

  static func numericOrder(_ lhs: String, _ rhs: String) -> Bool {
    switch (Int(lhs), Int(rhs)) {
    case (let left?, let right?): return left < right
    case (nil, nil): return lhs < rhs
    case (_?, nil): return true
    case (nil, _?): return false
    }
  }

  func text(colour: Bool) -> String {
    guard iommuOn else {
      return "IOMMU is off: " + groupsPath + " is empty or absent, so no device can be given"
        + " to a guest.\nEnable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup;"
        + " on Intel, also boot with intel_iommu=on.\n"
    }
    var headers = ["GROUP", "ADDRESS", "CLASS", "ID", "DRIVER"]
    if config != nil { headers.append("RULE") }
    var table = TextTable(headers: headers)
    for group in groups {
      for (index, record) in group.members.enumerated() {
        typealias Cell = TextTable.Cell
        var row = [
          Cell(index == 0 ? group.name : ""), Cell(record.address.description),
          Cell(record.classLabel),
          Cell(record.identity.id.description),
          Cell(record.driver ?? "-", record.driver == Rule.defaultDriver ? .green : .plain),
        ]
        if config != nil {
          if let selection = record.selection {
            row.append(Cell(selection.summary, selection.role == .refused ? .red : .green))
          } else {
            row.append(Cell("-"))
          }
        }
        table.add(row)
      }
    }
    var out = table.render(colour: colour)
    guard config != nil else { return out }
    out += "\n"
    if checks.isEmpty { out += "No rule targets a device in an IOMMU group.\n" }
    for check in checks {
      let style: TextTable.Style = check.complete ? .green : .yellow
      out += TextTable.paint(TextTable.Cell(check.message, style), colour: colour) + "\n"
    }
    return out
  }
}
