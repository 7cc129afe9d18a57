#!/bin/bash
# The demo: a host with two identical GPUs (QEMU std VGA, 1234:1111) and an
# HDMI-style audio function beside the second one. It boots twice with a
# real initramfs made by mkinitramfs: once without earlybind, once with
# /etc/earlybind.conf saying `non-boot-vga`, and shows who drives what.
# Usage: scripts/demo.sh STAGE   (STAGE from `make install DESTDIR=STAGE PREFIX=/usr`)
set -euo pipefail

stage=$(cd "${1:?usage: demo.sh STAGE}" && pwd)
e2e=$(cd "$(dirname "$0")/../Tests/e2e" && pwd)
kver=$(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
work=$(mktemp -d /tmp/earlybind-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

printf '%s\n' '# Give every GPU except the firmware boot GPU (and its audio) to vfio-pci.' \
	'non-boot-vga' >"$work/earlybind.conf"

echo "== /etc/earlybind.conf"
sed 's/^/   /' "$work/earlybind.conf"
echo "== building the guest root and two initramfs images for $kver (real mkinitramfs)"
"$e2e/mkroot.sh" "$kver" "$work/root.img" >"$work/root.log" 2>&1
"$e2e/mkinitrd.sh" --plain "$stage" "$work/earlybind.conf" "$kver" "$work/before.img" \
	>"$work/before.log" 2>&1
"$e2e/mkinitrd.sh" "$stage" "$work/earlybind.conf" "$kver" "$work/after.img" \
	>"$work/after.log" 2>&1
echo "   initramfs with earlybind: $(lsinitramfs "$work/after.img" | grep -c earlybind) earlybind files," \
	"init-top order: $(unmkinitramfs "$work/after.img" "$work/x" >/dev/null 2>&1 &&
		sed -n 's|^/scripts/init-top/\([^ ]*\).*|\1|p' \
			"$(find "$work/x" -path '*init-top/ORDER' | head -n 1)" | tr '\n' ' ')"

accel=$("$e2e/boot.sh" --probe-accel "$kver")
export E2E_ACCEL=$accel
echo "== booting both under QEMU ($accel), q35 + intel-iommu"
"$e2e/boot.sh" "$kver" "$work/before.img" "$work/root.img" "$work/before.console" &
before=$!
cp "$work/root.img" "$work/root2.img"
"$e2e/boot.sh" "$kver" "$work/after.img" "$work/root2.img" "$work/after.console"
wait "$before"

state() {
	tr -d '\r' <"$1" | sed -n '/@@EARLYBIND-E2E-BEGIN@@/,/@@EARLYBIND-E2E-END@@/p'
}
table() {
	state "$1" | awk '$1 == "pci" {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (f["class"] ~ /^0x03/ || f["class"] ~ /^0x04/)
			printf "   %-13s %-10s %-9s boot_vga=%-2s %-14s override=%s\n",
				f["bdf"], f["id"], f["class"], f["boot_vga"], f["driver"], f["override"]
	}'
}
echo
echo "== BEFORE (no earlybind): udev coldplug gives both identical GPUs to bochs-drm"
table "$work/before.console"
echo
echo "== AFTER (earlybind in the initramfs)"
table "$work/after.console"
echo
echo "== what the binder logged (guest dmesg)"
state "$work/after.console" | grep -o 'earlybind: .*' | sed 's/^/   /'
