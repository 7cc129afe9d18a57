// SPDX-License-Identifier: Apache-2.0
import EarlybindHostOS
import EarlybindPosix

/// The kernels installed on a machine: a module tree and an image in /boot.
enum InstalledKernels {
  static func list(modules: String, boot: String, fileSystem: any HostFileSystem) -> [String] {
    let names = (try? fileSystem.listDirectory(modules)) ?? []
    return names.filter { fileSystem.exists(boot + "/vmlinuz-" + $0) }.sorted()
  }
}
