// SPDX-License-Identifier: Apache-2.0
/// Where the hook files of each generator go, and the paths rendered into
/// them. With prefix /usr (distribution packages) the vendor directories
/// are used; otherwise the local ones each generator reads from /etc.
struct InstallLayout: Sendable {
  var prefix: String
  var sbindir: String
  var libdir: String

  init(prefix: String = "/usr", sbindir: String? = nil, libdir: String? = nil) {
    self.prefix = prefix
    self.sbindir = sbindir ?? prefix + "/sbin"
    self.libdir = libdir ?? prefix + "/lib/earlybind"
  }

  var isVendor: Bool { prefix == "/usr" }

  var initramfsToolsDirectory: String {
    isVendor ? "/usr/share/initramfs-tools" : "/etc/initramfs-tools"
  }

  /// dracut reads modules only from its own tree.
  var dracutModulesDirectory: String { "/usr/lib/dracut/modules.d" }

  var mkinitcpioDirectory: String { isVendor ? "/usr/lib/initcpio" : "/etc/initcpio" }

  /// The placeholders the templates carry.
  func render(_ text: String) -> String {
    text.replacing("@SBINDIR@", with: sbindir).replacing("@LIBDIR@", with: libdir)
  }
}
