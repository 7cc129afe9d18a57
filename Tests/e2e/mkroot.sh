#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds the guest root filesystem: busybox-static, tests/e2e/guest-init as
# /sbin/init, the vfio modules (to check that vfio_pci loads) and the HDA
# audio driver (e2e.modprobe=snd_hda_intel loads it the way the real root's
# udev would, after the initramfs).
# Usage: mkroot.sh KVER OUT.img
set -euo pipefail

kver=${1:?usage: mkroot.sh KVER OUT.img}
out=${2:?usage: mkroot.sh KVER OUT.img}
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
	echo "mkroot: no static $busybox (install busybox-static)" >&2
	exit 1
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,etc,root}
cp "$busybox" "$dir/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
done
install -m 0755 "$here/guest-init" "$dir/sbin/init"
# systemd's switch-root (dracut with systemd) refuses a root without os-release.
printf '%s\n' 'NAME="earlybind e2e guest"' 'ID=earlybind-e2e' >"$dir/etc/os-release"

/sbin/modprobe --set-version="$kver" --show-depends -a vfio_pci vfio_iommu_type1 \
	snd_hda_intel snd_hda_codec_generic xhci_pci usbhid hid_generic virtio_net |
	awk '$1 == "insmod" { print $2 }' | sort -u | while read -r ko; do
	mkdir -p "$dir$(dirname "$ko")"
	cp "$ko" "$dir$ko"
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	cp "/lib/modules/$kver/$f" "$dir/lib/modules/$kver/"
done
depmod -b "$dir" "$kver"

rm -f "$out"
mkfs.ext4 -q -F -L e2eroot -d "$dir" "$out" 32M
