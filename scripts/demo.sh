#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The demo: a host with two identical GPUs (QEMU std VGA, 1234:1111) and an
# HDMI-style audio function beside the second one. It boots twice with a
# real initramfs made by mkinitramfs: once without earlybind, once with
# /etc/earlybind.conf saying `non-boot-vga`, and shows who drives what. It
# checks what it shows: if the twin is not on bochs-drm before or not on
# vfio-pci after, it says so and exits 1. Nothing installed on this machine
# (an /etc/earlybind.conf, earlybind's hooks) gets into either image: see
# Tests/e2e/mkinitrd.sh.
# Usage: scripts/demo.sh STAGE   (STAGE from `make install DESTDIR=STAGE PREFIX=/usr`)
set -euo pipefail

stage=$(cd "${1:?usage: demo.sh STAGE}" && pwd)
e2e=$(cd "$(dirname "$0")/../Tests/e2e" && pwd)
kver=$(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
work=$(mktemp -d /tmp/earlybind-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
boot_gpu=0000:00:03.0 twin=0000:00:05.0 twin_audio=0000:00:05.1

printf '%s\n' '# Give every GPU except the firmware boot GPU (and its audio) to vfio-pci.' \
	'non-boot-vga' >"$work/earlybind.conf"

echo "== /etc/earlybind.conf"
sed 's/^/   /' "$work/earlybind.conf"
echo "== building the guest root and two initramfs images for $kver (real mkinitramfs)"
# step LOG COMMAND...: runs COMMAND with its output in LOG; on failure shows the log and stops.
step() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		tail -n 20 "$log" | sed 's/^/   /' >&2
		echo "demo: FAILED: $* (log: $log)" >&2
		trap - EXIT
		exit 1
	fi
}
step "$work/root.log" "$e2e/mkroot.sh" "$kver" "$work/root.img"
step "$work/before.log" "$e2e/mkinitrd.sh" --plain "$stage" "$work/earlybind.conf" "$kver" "$work/before.img"
step "$work/after.log" "$e2e/mkinitrd.sh" "$stage" "$work/earlybind.conf" "$kver" "$work/after.img"
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
"$e2e/boot.sh" "$kver" "$work/after.img" "$work/root2.img" "$work/after.console" ||
	echo "   the AFTER boot ended with status $?"
wait "$before" || echo "   the BEFORE boot ended with status $?"

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

# driver CONSOLE BDF: the driver the guest reported for BDF (empty without a state block).
driver() {
	state "$1" | awk -v b="bdf=$2" '$1 == "pci" && $2 == b {
		for (i = 3; i <= NF; i++) if ($i ~ /^driver=/) print substr($i, 8) }'
}
wrong=0
# claim WHAT CONSOLE BDF DRIVER: what the demo says about BDF holds.
claim() {
	local got
	got=$(driver "$2" "$3")
	if [ "$got" = "$4" ]; then
		echo "   ok     $1: $3 on $4"
	else
		echo "   WRONG  $1: $3 on ${got:-nothing (no state from the guest)}, not $4"
		wrong=$((wrong + 1))
	fi
}
echo
echo "== does it hold?"
claim BEFORE "$work/before.console" "$boot_gpu" bochs-drm
claim BEFORE "$work/before.console" "$twin" bochs-drm
claim BEFORE "$work/before.console" "$twin_audio" snd_hda_intel
claim AFTER "$work/after.console" "$boot_gpu" bochs-drm
claim AFTER "$work/after.console" "$twin" vfio-pci
claim AFTER "$work/after.console" "$twin_audio" vfio-pci
if [ "$wrong" -ne 0 ]; then
	trap - EXIT
	for c in before after; do
		echo "-- end of the $c console ($work/$c.console):" >&2
		tr -d '\r' <"$work/$c.console" | tail -n 15 | sed 's/^/   /' >&2
	done
	echo "demo: FAILED: $wrong of the claims above do not hold (logs in $work)" >&2
	exit 1
fi
