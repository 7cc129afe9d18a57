// SPDX-License-Identifier: Apache-2.0
/// Reads the PCI devices from sysfs with as few calls as possible, through
/// one descriptor of the devices directory: one getdents64 listing, then
/// per device one `modalias` read (IDs and class in one file) relative to
/// it, `boot_vga` only for VGA-class devices and, when asked for the
/// tree, `secondary_bus_number` for bridges (what links functions into a
/// `DeviceTree`). Names, paths and contents
/// live in buffers allocated once per scan: nothing per device but its
/// entry in the result.
public struct SysfsScanner<FS: FileSystem>: DeviceTopology {
  public let fileSystem: FS
  public let layout: SysfsLayout

  public init(fileSystem: FS, layout: SysfsLayout) {
    self.fileSystem = fileSystem
    self.layout = layout
  }

  public struct Result {
    /// Sorted by address.
    public var devices: [PCIDevice]
    /// Entries that could not be read or parsed; logged, never fatal. At
    /// most `ProblemList.maximumKept`; the rest are counted in `droppedProblems`.
    public var problems: [String]
    public var droppedProblems = 0
  }

  /// `slots`, when given, limits the scan to the functions of these
  /// addresses' slots (see `Planner.scanScope(for:)`): they are opened by
  /// name, without a listing, and every other device costs nothing.
  ///
  /// `tree`: also read each bridge's secondary bus, which paths need (one
  /// read per bridge); without it `secondaryBus` stays nil.
  public func scan(slots: [PCIAddress]? = nil, tree: Bool = true) throws(SystemError) -> Result {
    let directory = try fileSystem.openDirectory(layout.devices)
    defer { directory.close() }
    var reader = AttributeReader()
    defer { reader.deallocate() }
    var devices: [PCIDevice] = []
    var problems = ProblemList()
    if let slots {
      var seen: [PCIAddress] = []
      for slot in slots where !seen.contains(where: { $0.sharesSlot(with: slot) }) {
        seen.append(slot)
        for function in UInt8(0)...7 {
          let address = PCIAddress(
            domain: slot.domain, bus: slot.bus, device: slot.device, function: function)
          reader.setName(address)
          // An absent function is no problem: most slots have one.
          if let device = read(
            address, directory, &reader, &problems, required: false, tree: tree)
          {
            devices.append(device)
          }
        }
      }
    } else {
      devices.reserveCapacity(256)
      try directory.forEachEntry { name in
        guard let address = PCIAddress(name: name) else {
          problems.append("ignoring " + ASCII.string(name) + ": not a PCI address")
          return
        }
        reader.setName(name)
        if let device = read(address, directory, &reader, &problems, required: true, tree: tree) {
          devices.append(device)
        }
      }
    }
    devices.sort { $0.address < $1.address }
    return Result(devices: devices, problems: problems.kept, droppedProblems: problems.dropped)
  }

  /// Reads the device whose name `reader` holds.
  func read(
    _ address: PCIAddress, _ directory: FS.Directory, _ reader: inout AttributeReader,
    _ problems: inout ProblemList, required: Bool, tree: Bool
  ) -> PCIDevice? {
    let identity: PCIIdentity?
    do {
      guard let count = try reader.read("modalias", from: directory) else {
        if required {
          problems.append(
            SystemError(
              syscall: "open", path: Paths.join(layout.device(address), "modalias"),
              errno: .noSuchFile
            ).description)
        }
        return nil
      }
      identity = reader.content(count) { PCIIdentity(modalias: $0) }
    } catch {
      problems.append(error.description)
      return nil
    }
    guard let identity else {
      problems.append(address.description + ": unreadable modalias")
      return nil
    }
    var flag = BootFlag.unknown
    if identity.isVGA {
      do {
        if let count = try reader.read("boot_vga", from: directory) {
          flag = reader.content(count) { BootFlag(attribute: $0) } ?? .unknown
        }
      } catch {
        problems.append(error.description)
      }
      if case .unknown = flag {
        problems.append(address.description + ": boot_vga is missing or reads neither 0 nor 1")
      }
    }
    var secondaryBus: UInt8? = nil
    if tree, identity.leadsToBus {
      // Missing (kernels before 4.13): nothing below it has a path, and a
      // path rule naming it selects nothing, which the plan reports.
      do {
        if let count = try reader.read("secondary_bus_number", from: directory) {
          secondaryBus = reader.content(count) { ASCII.parseDecimalByte($0) }
          if secondaryBus == nil {
            problems.append(address.description + ": secondary_bus_number is not a bus number")
          }
        }
      } catch {
        problems.append(error.description)
      }
    }
    return PCIDevice(
      address: address, identity: identity, bootFlag: flag, secondaryBus: secondaryBus)
  }

  /// `slots/NAME/address` reads `dddd:bb:dd` (or `dddd:bb` when the slot
  /// has no device number: no answer then).
  public func slotAddress(named name: SlotName) -> PCIAddress? {
    guard var bytes = try? fileSystem.readFile(layout.slotAddress(name.description), limit: 64)
    else { return nil }
    while let last = bytes.last, ASCII.isTrailing(last) { bytes.removeLast() }
    guard bytes.count >= 10, bytes.count <= 13 else { return nil }
    return PCIAddress(parsing: (bytes + Array(".0".utf8))[...])
  }

  public func currentDriver(of address: PCIAddress) -> String? {
    fileSystem.linkName(layout.attribute(address, "driver"))
  }

  public func iommuGroup(of address: PCIAddress) -> String? {
    fileSystem.linkName(layout.attribute(address, "iommu_group"))
  }

  /// A loadable module's driver links to `/sys/module/NAME`, which has
  /// `initstate`; a built-in driver has either no link or a module
  /// directory without `initstate`. Anything unreadable counts as a loaded
  /// module: the binder then leaves the device where it is.
  public func origin(ofDriver name: String) -> DriverOrigin {
    let module: String
    do {
      module = Paths.lastComponent(try fileSystem.readLink(layout.driverModule(name)))
    } catch {
      return error.errno == .noSuchFile ? .builtIn : .loadedModule
    }
    do {
      _ = try fileSystem.readFile(layout.moduleInitState(module), limit: 32)
      return .loadedModule
    } catch {
      return error.errno == .noSuchFile ? .builtIn : .loadedModule
    }
  }

  public func members(ofGroup group: String) -> [PCIAddress] {
    guard let names = try? fileSystem.listDirectory(layout.groupDevices(group)) else { return [] }
    var members: [PCIAddress] = []
    for name in names {
      if let address = PCIAddress(name) { members.append(address) }
    }
    members.sort()
    return members
  }
}

/// Lookups the planner makes only for devices a rule selected.
public protocol DeviceTopology {
  func currentDriver(of address: PCIAddress) -> String?
  func iommuGroup(of address: PCIAddress) -> String?
  func members(ofGroup group: String) -> [PCIAddress]
  /// Asked only for drivers holding a device a rule selected.
  func origin(ofDriver name: String) -> DriverOrigin
  /// Function 0 of the device in the firmware's slot `name`; asked only
  /// for `slot:` rules.
  func slotAddress(named name: SlotName) -> PCIAddress?
}

/// The scanner's reusable buffers: `NAME/ATTRIBUTE\0` for openat(2), and
/// the attribute's content. Allocated once per scan.
struct AttributeReader {
  static let nameCapacity = 256
  let path = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: nameCapacity + 32)
  /// One byte more than any attribute read here: a file that fills it is
  /// too long to be one.
  let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128, alignment: 8)
  var nameLength = 0

  mutating func setName(_ name: UnsafeBufferPointer<UInt8>) {
    nameLength = min(name.count, Self.nameCapacity)
    for index in 0..<nameLength { path[index] = name[index] }
  }

  /// Writes `dddd:bb:dd.f`, as sysfs names a device.
  mutating func setName(_ address: PCIAddress) {
    nameLength = 0
    func put(_ value: UInt32, width: Int) {
      var digits = width
      var rest = value >> (4 * UInt32(width))
      while rest != 0 {
        digits += 1
        rest >>= 4
      }
      for index in 0..<digits {
        let nibble = (value >> (4 * UInt32(digits - 1 - index))) & 0xF
        path[nameLength + index] = UInt8(nibble < 10 ? 0x30 + nibble : 0x57 + nibble)
      }
      nameLength += digits
    }
    put(address.domain, width: 4)
    path[nameLength] = ASCII.colon
    nameLength += 1
    put(UInt32(address.bus), width: 2)
    path[nameLength] = ASCII.colon
    nameLength += 1
    put(UInt32(address.device), width: 2)
    path[nameLength] = ASCII.dot
    nameLength += 1
    put(UInt32(address.function), width: 1)
  }

  /// Reads `NAME/attribute` below `directory`: the byte count, or nil when
  /// there is no such file.
  mutating func read<D: DirectoryHandle>(_ attribute: StaticString, from directory: D)
    throws(SystemError) -> Int?
  {
    var end = nameLength
    path[end] = ASCII.slash
    end += 1
    attribute.withUTF8Buffer { bytes in
      for byte in bytes {
        path[end] = byte
        end += 1
      }
    }
    path[end] = 0
    let name = UnsafeRawPointer(path.baseAddress!).assumingMemoryBound(to: CChar.self)
    return try directory.read(name, into: buffer)
  }

  /// Hands the first `count` bytes read to `body`; a full buffer is nothing.
  func content<R>(_ count: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R?) -> R? {
    guard count < buffer.count else { return nil }
    return body(
      UnsafeBufferPointer(
        start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count))
  }

  func deallocate() {
    path.deallocate()
    buffer.deallocate()
  }
}

extension BootFlag {
  /// `boot_vga`'s content: "1\n" or "0\n"; anything else is no answer.
  init(attribute bytes: UnsafeBufferPointer<UInt8>) {
    var end = bytes.count
    while end > 0, ASCII.isTrailing(bytes[end - 1]) { end -= 1 }
    switch end == 1 ? bytes[0] : 0 {
    case 0x31: self = .set
    case 0x30: self = .clear
    default: self = .unknown
    }
  }
}
