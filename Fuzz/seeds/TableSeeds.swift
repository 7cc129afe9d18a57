// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Writes a few binding tables, encoded as `earlybind compile` writes them,
/// into the directory given as the first argument: the table decoder's
/// seeds (Fuzz/corpus.sh builds and runs this).
@main
enum TableSeeds {
  static func main() throws {
    let directory = CommandLine.arguments[1]
    let configs = [
      "non-boot-vga\n",
      "0000:03:00.0 expect=10de:13c2\n10de:13c2:1458:3702 driver=pci-stub functions=all\n",
      "class:0c0330 group rebind allow-boot-vga functions=none\n03:00.1 driver=vfio-pci\n",
      "path:1c.0/00.0/00.0 expect=10de:1b80:1458:3702\nslot:5-1 driver=pci-stub expect=1002:73bf\n",
      "path:10000:e0:1d.0/00.0/01.0/00.0/00.1 group\n04:00.0 expect=8086:1533:8086:0001\n",
    ]
    for (index, config) in configs.enumerated() {
      let rules = try RuleParser.parseConfig(Array(config.utf8), file: "seed")
      let protected = index == 2 ? [PCIAddress(domain: 0, bus: 1, device: 0, function: 0)] : []
      let table = BindingTable(
        rules: rules, modules: BindingTable.modules(for: rules), protectedAddresses: protected)
      let bytes = try BindingTableCodec.encode(table)
      let path = directory + "/table-\(index)"
      guard let file = fopen(path, "wb") else { fatalError("cannot write " + path) }
      _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
      fclose(file)
    }
  }
}
