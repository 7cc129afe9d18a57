import EarlybindCore
import EarlybindPosix
import Foundation

/// One result of `earlybind check`.
struct Finding: Equatable {
  enum Level: String { case ok, warning, error }
  var level: Level
  var topic: String
  var message: String
}

/// The pre-flight checks, over injectable roots so tests run them on fake
/// trees. Each check says what is wrong and what to do about it.
struct HostCheck {
  var sysfs = "/sys"
  var proc = "/proc"
  var boot = "/boot"
  var modules = "/lib/modules"
  var config = ConfigFile.defaultPath
  /// Prefix for the hook locations ("" for the running system).
  var root = ""
  /// Controllers holding the host's filesystems, and what could not be traced.
  var rootGuard: () -> (addresses: [PCIAddress], warnings: [String]) = {
    let report = RootDeviceGuard.system().resolve()
    return (report.addresses, report.warnings)
  }
  /// The file list of an initramfs image; nil when it cannot be read.
  var listImage: (String) -> [String]? = HostCheck.listWithLsinitramfs

  var findings: [Finding] = []

  mutating func add(_ level: Finding.Level, _ topic: String, _ message: String) {
    findings.append(Finding(level: level, topic: topic, message: message))
  }

  mutating func run() -> [Finding] {
    checkIOMMU()
    checkInterruptRemapping()
    let kernels = Regenerator(run: { _, _ in 0 }, modulesDirectory: modules, bootDirectory: boot)
      .installedKernels()
    checkKernels(kernels)
    checkImages(kernels)
    checkRules()
    return findings
  }

  var cpuVendorAdvice: String {
    let cpuinfo = (try? String(contentsOfFile: proc + "/cpuinfo", encoding: .utf8)) ?? ""
    if cpuinfo.contains("AuthenticAMD") {
      return "enable AMD-Vi/IOMMU in the firmware and add amd_iommu=on iommu=pt"
    }
    if cpuinfo.contains("GenuineIntel") {
      return "enable VT-d in the firmware and add intel_iommu=on iommu=pt"
    }
    return "enable the IOMMU in the firmware and add intel_iommu=on (Intel) or amd_iommu=on (AMD)"
  }

  mutating func checkIOMMU() {
    let groups =
      (try? FileManager.default.contentsOfDirectory(atPath: sysfs + "/kernel/iommu_groups"))
      ?? []
    if groups.isEmpty {
      add(
        .error, "iommu",
        "IOMMU is off (no groups in \(sysfs)/kernel/iommu_groups): vfio-pci cannot hand devices "
          + "to a guest; " + cpuVendorAdvice + " to the kernel command line")
    } else {
      add(.ok, "iommu", "IOMMU is on: \(groups.count) groups")
    }
  }

  mutating func checkInterruptRemapping() {
    let interrupts = (try? String(contentsOfFile: proc + "/interrupts", encoding: .utf8)) ?? ""
    let unsafe =
      (try? String(
        contentsOfFile: sysfs + "/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
        encoding: .utf8))?.hasPrefix("Y") == true
    if interrupts.contains("IR-") {
      add(.ok, "interrupts", "interrupt remapping is on")
    } else {
      add(
        .warning, "interrupts",
        "no interrupt remapping seen in \(proc)/interrupts: vfio refuses devices unless "
          + "vfio_iommu_type1 allow_unsafe_interrupts=1, which lets a guest forge interrupts "
          + "(acceptable only for guests you trust)")
    }
    if unsafe {
      add(.warning, "interrupts", "vfio_iommu_type1 allow_unsafe_interrupts is on")
    }
  }

  mutating func checkKernels(_ kernels: [String]) {
    if kernels.isEmpty {
      add(.warning, "kernels", "no installed kernel found (\(modules)/K with \(boot)/vmlinuz-K)")
    }
    for kernel in kernels {
      let kmod = KmodModules(moduleDirectory: modules + "/" + kernel)
      let missing = ["vfio_pci", "vfio_iommu_type1"].filter {
        kmod.availability(of: $0) == .missing
      }
      if missing.isEmpty {
        add(.ok, "kernel \(kernel)", "vfio-pci and vfio_iommu_type1 available")
      } else {
        add(
          .error, "kernel \(kernel)",
          "missing " + missing.joined(separator: ", ") + ": this kernel cannot use vfio")
      }
    }
  }

  /// The images generators write for a kernel, in their usual names.
  func images(for kernel: String) -> [String] {
    ["initrd.img-" + kernel, "initramfs-" + kernel + ".img"].map { boot + "/" + $0 }
      .filter { FileManager.default.fileExists(atPath: $0) }
  }

  mutating func checkImages(_ kernels: [String]) {
    let installed = InitramfsGenerator.allCases.filter { generator in
      generator.installedHookFiles.contains { FileManager.default.fileExists(atPath: root + $0) }
    }
    if !installed.isEmpty {
      add(
        .ok, "hooks",
        "hooks installed for " + installed.map(\.rawValue).joined(separator: ", "))
    } else {
      add(.error, "hooks", "no initramfs hook installed: run earlybind install --regenerate")
    }
    for kernel in kernels {
      let found = images(for: kernel)
      if found.isEmpty {
        add(.warning, "image \(kernel)", "no initramfs image for \(kernel) in \(boot)")
      }
      for image in found {
        guard let files = listImage(image) else {
          add(.warning, "image \(kernel)", "cannot list \(image) (lsinitramfs missing?)")
          continue
        }
        let hasBinder = files.contains { $0.hasSuffix("usr/sbin/earlybind-init") }
        let hasTable = files.contains { $0.hasSuffix("etc/earlybind/bindings.tbl") }
        if hasBinder && hasTable {
          add(.ok, "image \(kernel)", "\(image) carries the binder and its table")
        } else {
          add(
            .error, "image \(kernel)",
            "\(image) has no " + (hasBinder ? "binding table" : "earlybind binder")
              + ": rebuild it (earlybind install --regenerate)")
        }
      }
    }
  }

  mutating func checkRules() {
    guard FileManager.default.fileExists(atPath: config) else {
      add(.warning, "config", "no \(config): the binder will do nothing")
      return
    }
    let rules: [Rule]
    do {
      rules = try ConfigFile.load(config)
    } catch {
      add(.error, "config", error.description)
      return
    }
    add(.ok, "config", "\(config) parses: \(rules.count) rule(s)")
    let guarded = rootGuard()
    for warning in guarded.warnings { add(.warning, "root device", warning) }
    // One scan and one plan serve the rule checks, the display count and
    // the group checks.
    let inventory: DeviceInventory
    do {
      inventory = try DeviceInventory.load(
        sysfs: sysfs, rules: rules, protected: guarded.addresses)
    } catch {
      add(.error, "devices", error.description)
      return
    }
    let plan = inventory.plan ?? Plan()
    for rule in plan.unmatchedRules {
      add(.warning, "rules", PlanText.unmatched(rule))
    }
    for refusal in plan.refusals {
      switch refusal.reason {
      case .protected:
        add(.error, "root device", PlanText.refusal(refusal) + "; remove it from the rule")
      case .bootVGA:
        add(.warning, "boot GPU", PlanText.refusal(refusal))
      default:
        add(.warning, "rules", PlanText.refusal(refusal))
      }
    }
    let displays = inventory.records.filter(\.identity.isDisplay)
    let kept = displays.filter { plan.target(at: $0.address) == nil }
    if !displays.isEmpty && kept.isEmpty {
      add(
        .error, "display",
        "every display device would go to a guest: the host keeps no console (boot with earlybind=off to recover)"
      )
    } else if !displays.isEmpty {
      add(
        .ok, "display", "the host keeps " + kept.map(\.address.description).joined(separator: ", "))
    }
    let groups = GroupReport(inventory: inventory, sysfs: sysfs, config: config)
    for check in groups.checks where !check.complete {
      add(.warning, "groups", check.message)
    }
    if !plan.targets.isEmpty && groups.checks.allSatisfy(\.complete) {
      add(.ok, "groups", "every target's IOMMU group goes with it")
    }
  }

  /// `lsinitramfs` reads any cpio initramfs (with early microcode parts).
  static func listWithLsinitramfs(_ image: String) -> [String]? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["lsinitramfs", image]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
  }
}
