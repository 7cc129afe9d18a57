#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What earlybind costs a real boot: the binder's own wall time, from the
# report it writes at boot (elapsed_us), and what it adds to the initramfs.
# Builds two images with the real mkinitramfs exactly as the e2e tests do
# (Tests/e2e/mkinitrd.sh, the e2e config: non-boot-vga), one with and one
# without earlybind, and boots the first in QEMU, one boot at a time.
#
# Usage: bench/boot-cost.sh STAGE OUT.json
#   STAGE     tree made by `make install DESTDIR=STAGE PREFIX=/usr`
#   OUT.json  written for bench/run.py (BENCH_BOOT), which puts it in
#             BENCHMARKS.md
# Env: BOOT_RUNS (boots, default 5), and the e2e scripts' E2E_KVER,
#      E2E_ACCEL, E2E_TIMEOUT, E2E_WORK.
set -euo pipefail

here=$(cd "$(dirname "$0")/../Tests/e2e" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"

[ $# -eq 2 ] || { echo "usage: boot-cost.sh STAGE OUT.json" >&2; exit 2; }
stage=$(cd "$1" && pwd)
out=$2
binder=$stage/usr/lib/earlybind/earlybind-init
[ -x "$binder" ] || { echo "boot-cost: $binder missing (make install DESTDIR=STAGE)" >&2; exit 2; }
runs=${BOOT_RUNS:-5}

pick_kernel vmlinuz config
make_work boot-cost
write_configs
start_accel_probe
for i in $(seq 1 "$runs"); do add_boot "boot$i" eb; done
build_root
"$here/mkinitrd.sh" --plain "$stage" "$conf" "$kver" "$work/plain.img" >"$work/plain.build.log" 2>&1 ||
	{ echo "boot-cost: mkinitramfs without earlybind failed ($work/plain.build.log)" >&2; exit 1; }
"$here/mkinitrd.sh" "$stage" "$conf" "$kver" "$work/eb.img" >"$work/eb.build.log" 2>&1 ||
	{ echo "boot-cost: mkinitramfs with earlybind failed ($work/eb.build.log)" >&2; exit 1; }
wait_accel

# One boot at a time: guests running side by side would share the CPUs
# and stretch each other's times.
elapsed=()
for name in "${boot_names[@]}"; do
	boot_guest "$name" "$work/eb.img"
	case=$name
	state_of "$name" >/dev/null || { echo "boot-cost: $name gave no state block (see $work)" >&2; exit 1; }
	# Count only boots that did the work: the second GPU bound, status done.
	if [ "$(field "$guest_gpu" driver)" != vfio-pci ] || ! report_status "done"; then
		echo "boot-cost: $name did not bind $guest_gpu (see $work/$name.console)" >&2
		exit 1
	fi
	elapsed+=("$(sed -n 's/^report .*"elapsed_us":\([0-9]*\).*/\1/p' "$st")")
done

# mkinitramfs compresses with COMPRESS and COMPRESSLEVEL from initramfs.conf
# (mkinitrd.sh copies /etc/initramfs-tools); zstd's default level there is 9.
compress=$(sed -n 's/^COMPRESS=//p' /etc/initramfs-tools/initramfs.conf | tail -n 1)
level=$(sed -n 's/^COMPRESSLEVEL=//p' /etc/initramfs-tools/initramfs.conf | tail -n 1)
[ "${compress:-zstd}" = zstd ] || { echo "boot-cost: expects COMPRESS=zstd, found $compress" >&2; exit 1; }
level=${level:-9}
binder_zstd=$(zstd -q "-$level" -c "$binder" | wc -c)

{
	printf '{"kernel": "%s", "accel": "%s", "compression": "zstd -%s",\n' "$kver" "$accel" "$level"
	printf ' "plain_bytes": %d, "earlybind_bytes": %d, "binder_compressed_bytes": %d,\n' \
		"$(stat -c %s "$work/plain.img")" "$(stat -c %s "$work/eb.img")" "$binder_zstd"
	printf ' "elapsed_us": [%s]}\n' "$(IFS=,; echo "${elapsed[*]}")"
} >"$out"
cat "$out"
[ -n "${E2E_WORK:-}" ] || rm -rf "$work"
