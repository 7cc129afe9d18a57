import ArgumentParser

public struct EarlybindCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "earlybind",
    abstract: "Hand chosen PCI devices to vfio-pci in the initramfs, before any GPU driver.",
    subcommands: [])
  public init() {}
}
