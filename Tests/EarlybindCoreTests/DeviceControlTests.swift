// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@Suite("DeviceControl on fake sysfs trees")
struct DeviceControlTests {
  func control(_ fake: FakeSysfs) -> DeviceControl<PosixFileSystem> {
    DeviceControl(fileSystem: PosixFileSystem(), layout: fake.layout)
  }

  @Test func overrideIsWrittenAndReadBack() throws {
    let fake = try Machine.build([Machine.guestGPU])
    let control = control(fake)
    #expect(control.override(of: address("0000:02:00.0")) == nil)
    try control.setOverride(address("0000:02:00.0"), to: "vfio-pci")
    #expect(fake.override(of: "0000:02:00.0") == "vfio-pci")
    #expect(control.override(of: address("0000:02:00.0")) == "vfio-pci")
    #expect(control.override(of: address("0000:42:00.0")) == nil)
  }

  @Test func clearingWritesALoneNewline() throws {
    let fake = try Machine.build([Machine.guestGPU])
    try control(fake).clearOverride(address("0000:02:00.0"))
    #expect(fake.override(of: "0000:02:00.0") == "\n")
    #expect(control(fake).override(of: address("0000:02:00.0")) == nil)
  }

  @Test func kernelsNullOverrideReadsAsNone() throws {
    let fake = try Machine.build([Machine.guestGPU])
    try fake.directory.write(
      "sys/devices/pci0000:00/0000:00:01.1/0000:02:00.0/driver_override", "(null)\n")
    #expect(control(fake).override(of: address("0000:02:00.0")) == nil)
  }

  @Test func unbindAndProbeWriteTheAddress() throws {
    let fake = try Machine.build([Machine.guestGPU.bound(to: "nouveau")])
    let control = control(fake)
    #expect(control.driver(of: address("0000:02:00.0")) == "nouveau")
    try control.unbind(address("0000:02:00.0"))
    #expect(fake.unbindRequests("nouveau") == "0000:02:00.0")
    try control.probe(address("02:00.0"))
    #expect(fake.probeRequests() == "0000:02:00.0")
  }

  @Test func writesToAMissingDeviceFail() throws {
    let fake = try Machine.build([Machine.guestGPU])
    let control = control(fake)
    #expect(throws: SystemError.self) { try control.setOverride(address("0000:42:00.0"), to: "x") }
    // No driver bound: there is no driver/unbind to write.
    let error = #expect(throws: SystemError.self) { try control.unbind(address("0000:02:00.0")) }
    #expect(error?.errno == .noSuchFile)
    #expect(control.driver(of: address("0000:02:00.0")) == nil)
  }
}
