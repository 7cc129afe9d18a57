#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark copy of the loop from the ArchWiki "vfio-pci-override.sh"
# (PCI passthrough via OVMF, "Using identical guest and host GPUs"),
# re-pointed at a synthetic tree:
#
#     busybox sh bench/archwiki-override.sh ROOT
#
# The logic is the wiki's: every display device whose boot_vga reads 0
# gets driver_override=vfio-pci, and so does the address made from the
# GPU's by replacing a trailing 0 with 1 (assumed to be its HDMI audio).
# Every path is prefixed with ROOT; the wiki's closing
# "modprobe -i vfio-pci" is left out (no module is ever loaded here).
# Some copies of the script also guess a USB-C function (.2) the same way;
# that guess is not reproduced.

root=${1:-}
case $root in
    "" | /)
        echo "usage: archwiki-override.sh ROOT  (a synthetic tree, never /)" >&2
        exit 2
        ;;
esac

for flag in "$root"/sys/bus/pci/devices/*/boot_vga; do
    if [ "$(cat "$flag")" -eq 0 ]; then
        gpu=${flag%/boot_vga}
        audio=$(echo "$gpu" | sed -e 's/0$/1/')
        echo vfio-pci > "$gpu/driver_override"
        if [ -d "$audio" ]; then
            echo vfio-pci > "$audio/driver_override"
        fi
    fi
done
