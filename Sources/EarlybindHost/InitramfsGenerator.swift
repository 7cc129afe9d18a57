/// The initramfs generators earlybind plugs into.
enum InitramfsGenerator: String, CaseIterable, Sendable {
  case initramfsTools = "initramfs-tools"
  case dracut
  case mkinitcpio

  /// A generator is present when its build command is.
  var commandCandidates: [String] {
    switch self {
    case .initramfsTools: return ["/usr/sbin/mkinitramfs", "/sbin/mkinitramfs"]
    case .dracut: return ["/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut"]
    case .mkinitcpio: return ["/usr/bin/mkinitcpio", "/usr/sbin/mkinitcpio"]
    }
  }
}
