#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Boots the e2e guest once and writes the serial console to LOG.
# Usage: boot.sh KVER INITRD ROOT.img LOG [EXTRA KERNEL ARGS...]
#        (INITRD "-": none, for a unified kernel image as E2E_VMLINUZ)
#        boot.sh --probe-accel     (prints kvm or tcg)
# Env: E2E_ACCEL=kvm|tcg|auto (default auto), E2E_TIMEOUT seconds (default 180),
#      E2E_VMLINUZ kernel image (default /boot/vmlinuz-KVER),
#      E2E_DATA_DISK a raw image attached as a second virtio-blk at 00:07.0,
#      E2E_FIRMWARE=uefi boots through OVMF (a fresh copy of its variables
#      beside LOG) instead of SeaBIOS,
#      E2E_TOPOLOGY=before|after adds PCIe root ports 00:08.0 and 00:09.0 with
#      a third identical VGA behind 00:09.0; "after" also puts a switch with
#      a fourth one behind 00:08.0, which enumerates first: the buses behind
#      00:09.0 move up by two (the VGA goes from 02:00.0 to 04:00.0),
#      E2E_ESP a raw disk image with an EFI system partition, attached to the
#      q35 chipset's AHCI controller (no PCI device added): OVMF boots its
#      boot loader (no -kernel, -initrd or -append; KVER and INITRD unused).
# PCI layout (q35): 00:03.0 VGA (firmware boot GPU), 00:04.0 virtio-blk root,
# 00:05.0 VGA + 00:05.1 intel-hda (one multifunction slot), [00:07.0 virtio-blk data],
# [with e2e.needs among the kernel args: 00:06.0 qemu-xhci with a usb-kbd, 00:08.0 a
# second qemu-xhci with nothing on it, and two virtio-net NICs behind root ports,
# 01:00.0 (the boot network's) and 02:00.0].
set -euo pipefail

kvm_works() {
	# /dev/kvm can exist and still hang (nested virtualisation): boot the
	# bare kernel into its "no root" panic, which takes ~1 s with working KVM.
	local kver log
	[ -w /dev/kvm ] || return 1
	kver=${1:-$(uname -r)}
	log=$(mktemp)
	timeout 10 qemu-system-x86_64 -accel kvm -machine q35 -m 256 -display none \
		-vga none -nic none -monitor none -serial "file:$log" -no-reboot \
		-kernel "${E2E_VMLINUZ:-/boot/vmlinuz-$kver}" -append "console=ttyS0 panic=-1" \
		>/dev/null 2>&1 || true
	grep -q 'Kernel panic' "$log" && rm -f "$log" && return 0
	rm -f "$log"
	return 1
}

if [ "${1:-}" = --probe-accel ]; then
	if kvm_works "${2:-}"; then echo kvm; else echo tcg; fi
	exit 0
fi

[ $# -ge 4 ] || { echo "usage: boot.sh KVER INITRD ROOT.img LOG [ARGS...]" >&2; exit 2; }
kver=$1 initrd=$2 root=$3 log=$4
shift 4

accel=${E2E_ACCEL:-auto}
if [ "$accel" = auto ]; then
	if kvm_works "$kver"; then accel=kvm; else accel=tcg; fi
fi
machine=q35
# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer test
# can miss its window and, with interrupt remapping on, panic the boot.
# With KVM's in-kernel irqchip, intel-iommu wants the split irqchip.
[ "$accel" = kvm ] && machine=q35,kernel-irqchip=split

data=()
if [ -n "${E2E_DATA_DISK:-}" ]; then
	# shellcheck disable=SC2054 # commas inside QEMU option values
	data=(-drive "file=$E2E_DATA_DISK,if=none,id=data,format=raw,snapshot=on"
		-device virtio-blk-pci,drive=data,bus=pcie.0,addr=0x7)
fi

needs=()
case " $* " in
*" e2e.needs "*)
	# shellcheck disable=SC2054 # commas inside QEMU option values
	needs=(-device qemu-xhci,id=kbdhost,bus=pcie.0,addr=0x6 -device usb-kbd,bus=kbdhost.0
		-device qemu-xhci,id=freehost,bus=pcie.0,addr=0x8
		-device pcie-root-port,id=rpboot,bus=pcie.0,addr=0x9,chassis=1
		-device virtio-net-pci,bus=rpboot,mac=52:54:00:00:00:01
		-device pcie-root-port,id=rpfree,bus=pcie.0,addr=0xa,chassis=2
		-device virtio-net-pci,bus=rpfree,mac=52:54:00:00:00:02)
	;;
esac
topology=()
case ${E2E_TOPOLOGY:-} in
before | after)
	# shellcheck disable=SC2054 # commas inside QEMU option values
	topology=(-device pcie-root-port,id=rp1,bus=pcie.0,addr=0x8,chassis=1,slot=1
		-device pcie-root-port,id=rp2,bus=pcie.0,addr=0x9,chassis=2,slot=2
		-device VGA,bus=rp2,addr=0x0)
	;;
esac
if [ "${E2E_TOPOLOGY:-}" = after ]; then
	# shellcheck disable=SC2054 # commas inside QEMU option values
	topology+=(-device x3130-upstream,id=up1,bus=rp1
		-device xio3130-downstream,id=dn1,bus=up1,chassis=3,slot=0
		-device VGA,bus=dn1,addr=0x0)
fi
kernel_args=(-kernel "${E2E_VMLINUZ:-/boot/vmlinuz-$kver}")
[ "$initrd" = - ] || kernel_args+=(-initrd "$initrd")
kernel_args+=(-append "console=ttyS0 intel_iommu=on no_timer_check root=/dev/vda rw panic=-1 $*")
if [ -n "${E2E_ESP:-}" ]; then
	E2E_FIRMWARE=uefi
	# shellcheck disable=SC2054 # commas inside QEMU option values
	kernel_args=(-drive "file=$E2E_ESP,if=none,id=esp,format=raw,snapshot=on"
		-device ide-hd,drive=esp,bus=ide.0,bootindex=0)
fi

firmware=()
if [ "${E2E_FIRMWARE:-bios}" = uefi ]; then
	cp /usr/share/OVMF/OVMF_VARS_4M.fd "$log.vars.fd"
	# shellcheck disable=SC2054 # commas inside QEMU option values
	firmware=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
		-drive "if=pflash,format=raw,file=$log.vars.fd")
fi

rm -f "$log"
set +e
timeout "${E2E_TIMEOUT:-180}" qemu-system-x86_64 \
	-machine "$machine" -accel "$accel" -m 1024 "${firmware[@]}" \
	-device intel-iommu \
	-display none -vga none -nic none -monitor none -serial "file:$log" -no-reboot \
	"${kernel_args[@]}" \
	-drive "file=$root,if=none,id=root,format=raw,snapshot=on" \
	-device virtio-blk-pci,drive=root,bus=pcie.0,addr=0x4 \
	-device VGA,bus=pcie.0,addr=0x3 \
	-device VGA,bus=pcie.0,addr=0x5,multifunction=on \
	-audiodev none,id=snd0 \
	-device intel-hda,bus=pcie.0,addr=0x5.1 -device hda-duplex,audiodev=snd0 \
	"${data[@]}" "${needs[@]}" "${topology[@]}" </dev/null 2>"$log.qemu"
rc=$?
set -e
[ "$rc" -eq 124 ] && echo "boot.sh: timed out after ${E2E_TIMEOUT:-180} s" >&2
exit "$rc"
