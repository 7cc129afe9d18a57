// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

struct MissingModuleTree: Error, CustomStringConvertible {
  var description: String {
    "no kernel module tree with modules.dep.bin under /lib/modules:"
      + " install linux-image-amd64 (make test does)"
  }
}

/// Lookups against the module tree of the installed Debian kernel. Nothing
/// here loads a module.
@Suite("KmodModules on the installed kernel's module tree")
struct KmodModulesTests {
  static let modulesRoot = "/lib/modules"

  /// Numeric-aware comparison, so 6.10 sorts after 6.9.
  static func versionLess(_ lhs: String, _ rhs: String) -> Bool {
    func parts(_ text: String) -> [Int] {
      text.split { !$0.isNumber }.compactMap { Int($0) }
    }
    let left = parts(lhs)
    let right = parts(rhs)
    if left != right { return left.lexicographicallyPrecedes(right) }
    return lhs < rhs
  }

  /// The newest `/lib/modules/<release>` with a `modules.dep.bin`.
  static func moduleDirectory() throws -> String {
    let releases =
      (try? FileManager.default.contentsOfDirectory(atPath: modulesRoot)) ?? []
    let usable = releases.filter {
      FileManager.default.fileExists(atPath: modulesRoot + "/" + $0 + "/modules.dep.bin")
    }
    guard let newest = usable.sorted(by: versionLess).last else {
      throw MissingModuleTree()
    }
    return modulesRoot + "/" + newest
  }

  static func modules() throws -> KmodModules {
    let modules = KmodModules(moduleDirectory: try moduleDirectory())
    #expect(modules.setupError == nil)
    return modules
  }

  static let moduleSuffixes = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"]

  func modulePath(_ availability: KmodModules.Availability) -> String? {
    if case .module(let path) = availability { return path }
    return nil
  }

  @Test(arguments: ["vfio-pci", "vfio_pci"])
  func vfioPciIsAModuleFile(_ name: String) throws {
    let modules = try Self.modules()
    let path = try #require(modulePath(modules.availability(of: name)), "\(name)")
    #expect(Self.moduleSuffixes.contains { path.hasSuffix("/vfio-pci" + $0) }, "\(path)")
    #expect(FileManager.default.fileExists(atPath: path))
  }

  @Test(arguments: ["vfio", "vfio_iommu_type1", "vfio-iommu-type1"])
  func vfioBackendsAreModules(_ name: String) throws {
    let modules = try Self.modules()
    let path = try #require(modulePath(modules.availability(of: name)), "\(name)")
    let file = (path as NSString).lastPathComponent
    let stem = Self.moduleSuffixes.reduce(file) { name, suffix in
      name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : name
    }
    #expect(
      stem.replacingOccurrences(of: "-", with: "_")
        == name.replacingOccurrences(of: "-", with: "_"))
  }

  @Test func aBuiltinModuleIsBuiltin() throws {
    let directory = try Self.moduleDirectory()
    let list = try String(contentsOfFile: directory + "/modules.builtin", encoding: .utf8)
    let first = try #require(list.split(separator: "\n").first.map(String.init))
    var name = (first as NSString).lastPathComponent
    for suffix in Self.moduleSuffixes where name.hasSuffix(suffix) {
      name = String(name.dropLast(suffix.count))
    }
    name = name.replacingOccurrences(of: "-", with: "_")
    #expect(!name.isEmpty)
    #expect(KmodModules(moduleDirectory: directory).availability(of: name) == .builtin, "\(name)")
  }

  @Test func anUnknownNameIsMissing() throws {
    let modules = try Self.modules()
    #expect(modules.availability(of: "no_such_module_xyz") == .missing)
    #expect(modules.availability(of: "pci:v0000FFFEd0000FFFEsv*") == .missing)
  }

  @Test func aPCIModaliasResolvesToItsDriver() throws {
    let modules = try Self.modules()
    let path = try #require(
      modulePath(
        modules.availability(of: "pci:v00001234d00001111sv00001AF4sd00001100bc03sc00i00")))
    #expect(Self.moduleSuffixes.contains { path.hasSuffix("/bochs" + $0) }, "\(path)")
  }

  @Test func libkmodIsSetUpOnFirstUseOnly() throws {
    let modules = KmodModules(moduleDirectory: try Self.moduleDirectory())
    #expect(!modules.isSetUp)
    #expect(modules.availability(of: "vfio") != .missing)
    #expect(modules.isSetUp)
  }

  @Test func aMissingModuleTreeIsASetupError() throws {
    let directory = try TemporaryDirectory()
    let modules = KmodModules(moduleDirectory: directory.path + "/6.99.0-none")
    #expect(modules.setupError != nil)
  }
}
