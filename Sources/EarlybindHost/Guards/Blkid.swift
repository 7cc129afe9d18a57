// SPDX-License-Identifier: Apache-2.0
import CBlkid
import EarlybindCore

/// What libblkid read from one device or image file: `TYPE`, `UUID`,
/// `LABEL`, and for a partition `PART_ENTRY_UUID` and `PART_ENTRY_NAME`
/// (the values fstab calls `PARTUUID` and `PARTLABEL`).
struct BlockProbe: Hashable {
  var values: [String: String]

  var type: String? { values["TYPE"] }
  var uuid: String? { values["UUID"] }
  var label: String? { values["LABEL"] }
  var partitionUUID: String? { values["PART_ENTRY_UUID"] ?? values["PARTUUID"] }
  var partitionLabel: String? { values["PART_ENTRY_NAME"] ?? values["PARTLABEL"] }
}

/// The few libblkid calls the host needs, through `CBlkid`.
enum Blkid {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Probes a block device or a plain image file for a filesystem, swap or
  /// RAID signature and, on a partition, its partition-table entry.
  /// Returns nil when the device holds nothing libblkid recognises.
  static func probe(_ path: String) throws(Failure) -> BlockProbe? {
    guard let probe = blkid_new_probe_from_filename(path) else {
      let errno = Errno(rawValue: eb_blkid_errno())
      throw Failure(description: "cannot open " + path + ": " + errno.description)
    }
    defer { blkid_free_probe(probe) }
    blkid_probe_enable_superblocks(probe, 1)
    blkid_probe_set_superblocks_flags(
      probe, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE | BLKID_SUBLKS_SECTYPE)
    blkid_probe_enable_partitions(probe, 1)
    blkid_probe_set_partitions_flags(probe, BLKID_PARTS_ENTRY_DETAILS)
    switch blkid_do_safeprobe(probe) {
    case 0: break
    case 1: return nil
    case -2:
      throw Failure(description: path + " carries more than one signature (ambivalent probe)")
    default:
      throw Failure(description: "cannot probe " + path)
    }
    var values: [String: String] = [:]
    for index in 0..<blkid_probe_numof_values(probe) {
      var name: UnsafePointer<CChar>? = nil
      var data: UnsafePointer<CChar>? = nil
      var length = 0
      guard blkid_probe_get_value(probe, index, &name, &data, &length) == 0, let name, let data
      else { continue }
      values[String(cString: name)] = String(cString: data)
    }
    return BlockProbe(values: values)
  }

  /// libblkid's own answer for one tag (udev's /dev/disk/by-* links first,
  /// then a scan), or nil. It names a single device even when several match.
  static func evaluate(_ tag: BlockTag, cache: inout OpaquePointer?) -> String? {
    guard let found = blkid_evaluate_tag(tag.name, tag.value, &cache) else { return nil }
    defer { eb_blkid_free(found) }
    return String(cString: found)
  }

  /// Every block device of /proc/partitions (and device-mapper) probed
  /// afresh, with the tags libblkid keeps for it (`PARTUUID`, `PARTLABEL`
  /// under those names here). The cache is not read from or saved to disk.
  static func scanAll() throws(Failure) -> [(device: String, probe: BlockProbe)] {
    var cache: OpaquePointer? = nil
    guard blkid_get_cache(&cache, "/dev/null") == 0, let cache else {
      throw Failure(description: "libblkid cannot set up a device cache")
    }
    defer { blkid_put_cache(cache) }
    guard blkid_probe_all(cache) == 0 else {
      throw Failure(description: "libblkid cannot scan the block devices")
    }
    var found: [(device: String, probe: BlockProbe)] = []
    guard let devices = blkid_dev_iterate_begin(cache) else { return found }
    defer { blkid_dev_iterate_end(devices) }
    var device: OpaquePointer? = nil
    while blkid_dev_next(devices, &device) == 0, let current = device {
      guard let name = blkid_dev_devname(current) else { continue }
      var values: [String: String] = [:]
      if let tags = blkid_tag_iterate_begin(current) {
        var type: UnsafePointer<CChar>? = nil
        var value: UnsafePointer<CChar>? = nil
        while blkid_tag_next(tags, &type, &value) == 0 {
          if let type, let value { values[String(cString: type)] = String(cString: value) }
        }
        blkid_tag_iterate_end(tags)
      }
      found.append((String(cString: name), BlockProbe(values: values)))
    }
    return found
  }

  /// A cache for `evaluate` that never touches /run/blkid/blkid.tab.
  static func makeCache() -> OpaquePointer? {
    var cache: OpaquePointer? = nil
    return blkid_get_cache(&cache, "/dev/null") == 0 ? cache : nil
  }

  static func releaseCache(_ cache: OpaquePointer?) {
    if let cache { blkid_put_cache(cache) }
  }

  /// The library's version, e.g. `2.38.1`.
  static var version: String {
    var text: UnsafePointer<CChar>? = nil
    var date: UnsafePointer<CChar>? = nil
    _ = blkid_get_library_version(&text, &date)
    return text.map { String(cString: $0) } ?? "unknown"
  }
}
