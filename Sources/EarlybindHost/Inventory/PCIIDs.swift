// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Vendor and device names from the pci.ids database, when the system has
/// one. The file is over a megabyte: only the vendor blocks of the devices
/// present are decoded, and parsing stops once every wanted ID is named.
struct PCIIDs {
  var path: String
  var vendors: [UInt16: String] = [:]
  var devices: [PCIID: String] = [:]

  func vendorName(_ vendor: UInt16) -> String? { vendors[vendor] }

  func deviceName(_ id: PCIID) -> String? { devices[id] }

  /// The first of `candidates` that can be read; nil when none can (names
  /// are then simply left out).
  static func load(_ candidates: [String], wanted: [PCIIdentity], fileSystem: any HostFileSystem)
    -> PCIIDs?
  {
    for candidate in candidates {
      guard let bytes = try? fileSystem.readFile(candidate, limit: 64 << 20) else { continue }
      return parse(bytes, path: candidate, wanted: wanted)
    }
    return nil
  }

  /// Vendor lines are `vvvv  Name`, device lines `\tdddd  Name`, subsystem
  /// lines start with two tabs; the class section (`C xx`) ends the IDs.
  /// Comments also occur inside a vendor's block: they do not end it.
  static func parse(_ bytes: [UInt8], path: String = "", wanted: [PCIIdentity]) -> PCIIDs {
    var ids = PCIIDs(path: path)
    let wantedVendors = Set(wanted.map(\.id.vendor))
    let wantedDevices = Set(wanted.map(\.id))
    var remaining = wantedVendors.count + wantedDevices.count
    bytes.withUnsafeBufferPointer { all in
      var start = 0
      var vendor: UInt16? = nil
      while start < all.count, remaining > 0 {
        var end = start
        while end < all.count, all[end] != 0x0A { end += 1 }
        defer { start = end + 1 }
        let line = UnsafeBufferPointer(rebasing: all[start..<end])
        guard let first = line.first else { continue }
        if first == 0x09 {
          guard let vendor, line.count > 7, line[1] != 0x09, let device = hex4(line, at: 1) else {
            continue
          }
          let key = PCIID(vendor: vendor, device: device)
          if wantedDevices.contains(key), ids.devices[key] == nil {
            ids.devices[key] = name(line, from: 5)
            remaining -= 1
          }
        } else if first == 0x43, line.count > 1, line[1] == 0x20 {
          break
        } else if let id = hex4(line, at: 0), line.count > 6 {
          vendor = wantedVendors.contains(id) ? id : nil
          if let vendor, ids.vendors[vendor] == nil {
            ids.vendors[vendor] = name(line, from: 4)
            remaining -= 1
          }
        }
      }
    }
    return ids
  }

  static func hex4(_ line: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt16? {
    guard line.count >= offset + 4 else { return nil }
    var value: UInt16 = 0
    for byte in line[offset..<offset + 4] {
      let digit: UInt8
      switch byte {
      case 0x30...0x39: digit = byte - 0x30
      case 0x61...0x66: digit = byte - 0x61 + 10
      case 0x41...0x46: digit = byte - 0x41 + 10
      default: return nil
      }
      value = value << 4 | UInt16(digit)
    }
    return value
  }

  static func name(_ line: UnsafeBufferPointer<UInt8>, from offset: Int) -> String {
    Text.trimmed(String(decoding: line[offset...], as: UTF8.self))
  }
}
