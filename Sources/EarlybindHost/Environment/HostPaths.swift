// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// Where the machine's state is read and written. Tests point every path
/// into a temp tree.
struct HostPaths: Sendable {
  var sysfs = "/sys"
  var proc = "/proc"
  var boot = "/boot"
  /// The kernels' module trees, one folder per release.
  var modules = "/lib/modules"
  var config = "/etc/earlybind.conf"
  var table = InstalledPaths.table
  var report = InstalledPaths.report
  /// The PCI functions of this and the previous boot, kept by `status`.
  var inventory = "/var/lib/earlybind/inventory.json"
  var fstab = "/etc/fstab"
  /// Device paths from the mount tables (`/dev/mapper/root`) are looked up here.
  var dev = "/dev"
  /// Prefix of the hook locations (`/usr/share/initramfs-tools/...`).
  var root = ""
  /// pci.ids where Debian and Fedora/Arch put it; the first one found is read.
  var pciIDs = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"]
}
