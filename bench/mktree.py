#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Synthetic sysfs trees for the earlybind benchmarks (stdlib only).

    mktree.py build ROOT N      N PCI functions under ROOT/sys, plus
                                ROOT/proc/cmdline, ROOT/dev/kmsg, ROOT/etc, ROOT/run
    mktree.py reset ROOT        every driver_override back to "(null)", kmsg,
                                drivers_probe and the binder's report emptied
    mktree.py overrides ROOT    "BDF value" for each driver_override that is set

The tree mimics what the binder and the shell loop look at on a real
machine: /sys/bus/pci/devices/<BDF> are symlinks into /sys/devices, each
device has modalias, class, vendor, device, driver_override ("(null)"),
an iommu_group link, boot_vga only when it is a VGA controller, and
secondary_bus_number when it is a bridge (the root ports lead to buses 01
and 02, so `path:01.1/00.0` names the second GPU; the filler's bridges all
claim bus ff, which no path rule here goes through). ROOT/proc/sys/kernel/
random/boot_id names the boot, as the binder records it.

The first seven functions are fixed, so what a `non-boot-vga` rule selects
is the same at every N (exactly 0000:02:00.0 and 0000:02:00.1):

    0000:00:00.0  host bridge
    0000:00:01.0  root port (to bus 01)
    0000:00:01.1  root port (to bus 02)
    0000:01:00.0  GPU, boot_vga=1      } the same vendor:device twice:
    0000:01:00.1  its HDMI audio       } the case ID-based binding cannot
    0000:02:00.0  GPU, boot_vga=0      } split
    0000:02:00.1  its HDMI audio

Every other function is a non-display device (NVMe, NICs, USB, SATA,
bridges, SMBus, ...), one per slot, starting at bus 03.
"""

import json
import os
import shutil
import sys

FIXED = [
    # (bdf, vendor, device, subvendor, subdevice, class, boot_vga or None)
    ("0000:00:00.0", 0x1022, 0x1480, 0x1022, 0x1480, 0x060000, None),
    ("0000:00:01.0", 0x1022, 0x1483, 0x0000, 0x0000, 0x060400, None),
    ("0000:00:01.1", 0x1022, 0x1483, 0x0000, 0x0000, 0x060400, None),
    ("0000:01:00.0", 0x10DE, 0x1B80, 0x1458, 0x3702, 0x030000, 1),
    ("0000:01:00.1", 0x10DE, 0x10F0, 0x1458, 0x3702, 0x040300, None),
    ("0000:02:00.0", 0x10DE, 0x1B80, 0x1458, 0x3702, 0x030000, 0),
    ("0000:02:00.1", 0x10DE, 0x10F0, 0x1458, 0x3702, 0x040300, None),
]

# Devices no `non-boot-vga` rule touches, in the order they are dealt out.
FILLER = [
    (0x144D, 0xA808, 0x144D, 0xA801, 0x010802),  # Samsung NVMe
    (0x8086, 0x1533, 0x8086, 0x0001, 0x020000),  # Intel I210 NIC
    (0x1022, 0x43EE, 0x1B21, 0x1142, 0x0C0330),  # AMD xHCI
    (0x1022, 0x1483, 0x0000, 0x0000, 0x060400),  # PCIe bridge / root port
    (0x15B3, 0x1017, 0x15B3, 0x0007, 0x020000),  # Mellanox ConnectX-5
    (0x1987, 0x5018, 0x1987, 0x5018, 0x010802),  # Phison NVMe
    (0x1022, 0x7901, 0x1022, 0x7901, 0x010601),  # AMD SATA AHCI
    (0x8086, 0x1572, 0x8086, 0x0007, 0x020000),  # Intel X710 NIC
    (0x1022, 0x790B, 0x1022, 0x790B, 0x0C0500),  # AMD SMBus
    (0x1022, 0x1498, 0x1022, 0x1498, 0x108000),  # AMD PSP (crypto)
    (0x8086, 0xA36D, 0x8086, 0x7270, 0x0C0330),  # Intel xHCI
    (0x1022, 0x148A, 0x1022, 0x148A, 0x130000),  # AMD dummy function
    (0x1022, 0x1487, 0x1022, 0xD102, 0x040300),  # onboard HD audio
    (0x1B21, 0x1182, 0x0000, 0x0000, 0x060400),  # ASMedia switch port
]

SELECTED = ["0000:02:00.0", "0000:02:00.1"]


def filler_address(index):
    """Slot `index` of the filler: function 0 of consecutive slots from bus 03."""
    slot = index + 3 * 32
    domain, rest = divmod(slot, 256 * 32)
    bus, device = divmod(rest, 32)
    if domain > 0xFFFF:
        raise SystemExit("too many devices")
    return "%04x:%02x:%02x.0" % (domain, bus, device)


def devices(count):
    if count < len(FIXED):
        raise SystemExit("N must be at least %d" % len(FIXED))
    result = list(FIXED)
    for index in range(count - len(FIXED)):
        vendor, device, subvendor, subdevice, cls = FILLER[index % len(FILLER)]
        result.append((filler_address(index), vendor, device, subvendor, subdevice, cls, None))
    return result


def write(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def build(root, count):
    if os.path.lexists(root):
        if not os.path.isdir(root) or os.listdir(root):
            raise SystemExit("refusing to build into non-empty %s" % root)
    sysfs = os.path.join(root, "sys")
    bus_devices = os.path.join(sysfs, "bus/pci/devices")
    groups = os.path.join(sysfs, "kernel/iommu_groups")
    for path in (bus_devices, os.path.join(sysfs, "bus/pci/drivers"), groups,
                 os.path.join(root, "proc"), os.path.join(root, "dev"),
                 os.path.join(root, "etc/earlybind"), os.path.join(root, "run")):
        os.makedirs(path, exist_ok=True)
    write(os.path.join(sysfs, "bus/pci/drivers_probe"), "")
    write(os.path.join(root, "proc/cmdline"),
          "BOOT_IMAGE=/boot/vmlinuz root=UUID=0b7c3d5e-9f0a-4e5b-8c61-2f3d4a5b6c7d ro quiet\n")
    write(os.path.join(root, "dev/kmsg"), "")
    os.makedirs(os.path.join(root, "proc/sys/kernel/random"))
    write(os.path.join(root, "proc/sys/kernel/random/boot_id"),
          "0b7c3d5e-9f0a-4e5b-8c61-2f3d4a5b6c7d\n")

    group_of_slot = {}
    for bdf, vendor, device, subvendor, subdevice, cls, boot_vga in devices(count):
        domain, bus = bdf.split(":")[0:2]
        parent = "pci%s:%s" % (domain, bus)
        directory = os.path.join(sysfs, "devices", parent, bdf)
        os.makedirs(directory)
        os.symlink("../../../devices/%s/%s" % (parent, bdf), os.path.join(bus_devices, bdf))
        write(os.path.join(directory, "modalias"),
              "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n"
              % (vendor, device, subvendor, subdevice, cls >> 16, (cls >> 8) & 0xFF, cls & 0xFF))
        write(os.path.join(directory, "class"), "0x%06x\n" % cls)
        write(os.path.join(directory, "vendor"), "0x%04x\n" % vendor)
        write(os.path.join(directory, "device"), "0x%04x\n" % device)
        write(os.path.join(directory, "subsystem_vendor"), "0x%04x\n" % subvendor)
        write(os.path.join(directory, "subsystem_device"), "0x%04x\n" % subdevice)
        write(os.path.join(directory, "driver_override"), "(null)\n")
        if cls >> 8 == 0x0300:
            write(os.path.join(directory, "boot_vga"), "%d\n" % (boot_vga or 0))
        if cls >> 8 == 0x0604:
            secondary = {"0000:00:01.0": 1, "0000:00:01.1": 2}.get(bdf, 0xFF)
            write(os.path.join(directory, "secondary_bus_number"), "%d\n" % secondary)
        # One IOMMU group per slot: the functions of a GPU share theirs.
        slot = bdf.rsplit(".", 1)[0]
        group = group_of_slot.setdefault(slot, str(len(group_of_slot)))
        group_devices = os.path.join(groups, group, "devices")
        os.makedirs(group_devices, exist_ok=True)
        os.symlink("../../../kernel/iommu_groups/" + group,
                   os.path.join(directory, "iommu_group"))
        os.symlink("../../../../devices/%s/%s" % (parent, bdf),
                   os.path.join(group_devices, bdf))
    summary = {"root": root, "devices": count, "selected": len(SELECTED),
               "non_matching": count - len(SELECTED), "expected": SELECTED}
    print(json.dumps(summary))


def device_directories(root):
    bus_devices = os.path.join(root, "sys/bus/pci/devices")
    for name in sorted(os.listdir(bus_devices)):
        yield name, os.path.join(bus_devices, name)


def reset(root):
    for _, directory in device_directories(root):
        path = os.path.join(directory, "driver_override")
        with open(path, "r+") as handle:
            if handle.read() != "(null)\n":
                handle.seek(0)
                handle.truncate()
                handle.write("(null)\n")
    write(os.path.join(root, "dev/kmsg"), "")
    write(os.path.join(root, "sys/bus/pci/drivers_probe"), "")
    shutil.rmtree(os.path.join(root, "run/earlybind"), ignore_errors=True)


def overrides(root):
    for name, directory in device_directories(root):
        with open(os.path.join(directory, "driver_override")) as handle:
            value = handle.read().strip()
        if value != "(null)":
            print(name, value)


def main(argv):
    if len(argv) == 4 and argv[1] == "build":
        build(argv[2], int(argv[3]))
    elif len(argv) == 3 and argv[1] == "reset":
        reset(argv[2])
    elif len(argv) == 3 and argv[1] == "overrides":
        overrides(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
