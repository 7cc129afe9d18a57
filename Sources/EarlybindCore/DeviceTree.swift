// SPDX-License-Identifier: Apache-2.0
/// The PCI tree as the scan saw it: each function's parent is the bridge
/// whose secondary bus is the function's bus (in the same domain); a
/// function no bridge leads to sits on a root bus. Built from one scan, so
/// parent, path and lookup by path all agree with the devices planned on.
public struct DeviceTree {
  public let devices: [PCIDevice]
  /// (domain, bus) -> index of the bridge whose secondary bus it is; nil
  /// value when two bridges claim the same bus (then nothing below it has
  /// a path: a guess could name the wrong card).
  var bridgeOf: [BusKey: Int?] = [:]
  var indexOf: [PCIAddress: Int] = [:]
  /// Per domain, the lowest bus holding a bridge whose secondary bus is
  /// unknown: it may lead to any higher bus, so no bus above it can be
  /// taken for a root bus.
  var unknownFloor: [UInt32: UInt8] = [:]

  struct BusKey: Hashable {
    var domain: UInt32
    var bus: UInt8
  }

  public init(devices: [PCIDevice]) {
    self.devices = devices
    for (index, device) in devices.enumerated() {
      indexOf[device.address] = index
      guard device.identity.leadsToBus else { continue }
      // A bridge leads to a bus above its own.
      guard let secondary = device.secondaryBus, secondary > device.address.bus else {
        let domain = device.address.domain
        unknownFloor[domain] = min(unknownFloor[domain] ?? 0xFF, device.address.bus)
        continue
      }
      let key = BusKey(domain: device.address.domain, bus: secondary)
      if bridgeOf[key] != nil {
        bridgeOf[key] = .some(nil)
      } else {
        bridgeOf[key] = index
      }
    }
  }

  /// Whether some bridge leads to `bus`, and which one (nil when two do,
  /// or when a bridge of unknown secondary bus might).
  func bridge(leadingTo domain: UInt32, bus: UInt8) -> (known: Bool, index: Int?) {
    guard let entry = bridgeOf[BusKey(domain: domain, bus: bus)] else {
      if let floor = unknownFloor[domain], bus > floor { return (true, nil) }
      return (false, nil)
    }
    return (true, entry)
  }

  public func device(at address: PCIAddress) -> PCIDevice? {
    indexOf[address].map { devices[$0] }
  }

  /// The bridge above `address`; nil on a root bus or when unknown.
  public func parent(of address: PCIAddress) -> PCIDevice? {
    bridge(leadingTo: address.domain, bus: address.bus).index.map { devices[$0] }
  }

  /// The function's path from its root bus; nil when the chain up is
  /// broken (two bridges claim one bus, a loop, or deeper than any path).
  public func path(of address: PCIAddress) -> PCIPath? {
    var hops: [UInt8] = [address.device << 3 | address.function]
    var current = address
    while true {
      let above = bridge(leadingTo: current.domain, bus: current.bus)
      guard above.known else { break }
      guard let index = above.index, hops.count < PCIPath.maximumHops else { return nil }
      current = devices[index].address
      hops.append(current.device << 3 | current.function)
    }
    hops.reverse()
    return PCIPath(domain: current.domain, rootBus: current.bus, hops: hops)
  }

  /// The function `path` names now; nil when nothing is there, or when a
  /// hop before the last is not a bridge with a secondary bus.
  public func address(of path: PCIPath) -> PCIAddress? {
    // A root bus is one no bridge leads to.
    guard !path.hops.isEmpty, !bridge(leadingTo: path.domain, bus: path.rootBus).known
    else { return nil }
    var bus = path.rootBus
    for (index, hop) in path.hops.enumerated() {
      let address = PCIAddress(
        domain: path.domain, bus: bus, device: hop >> 3, function: hop & 7)
      guard let found = indexOf[address] else { return nil }
      if index == path.hops.count - 1 { return address }
      guard let secondary = devices[found].secondaryBus,
        bridge(leadingTo: path.domain, bus: secondary).index == found
      else { return nil }
      bus = secondary
    }
    return nil
  }
}
