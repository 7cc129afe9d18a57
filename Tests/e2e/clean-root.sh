#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package on a clean Debian 12 or 13: installed, used and purged with
# dpkg in a debootstrapped root that has no Swift toolchain, which is then
# booted in QEMU through the initramfs the package's trigger built, into the
# root's own systemd.
#
# Usage: Tests/e2e/clean-root.sh PKGDIR     (PKGDIR from scripts/build-packages.sh ... deb)
# Env:
#   E2E_ROOT_CACHE  where the debootstrapped root is kept as a tarball
#                   (default .build-clean-root at the top of the tree)
#   E2E_SUITE       bookworm (Debian 12, the default) or trixie (Debian 13)
#   E2E_GENERATOR   initramfs-tools (the default) or dracut: Debian's dracut
#                   package installed in the root with apt-get (it replaces
#                   initramfs-tools and rebuilds on the same dpkg trigger)
#   DEBIAN_MIRROR   for debootstrap (default http://deb.debian.org/debian)
#   E2E_ACCEL, E2E_TIMEOUT (default 300), E2E_JOBS, E2E_WORK as for run.sh
#
# The root: debootstrap --variant=minbase with linux-image-amd64,
# initramfs-tools, udev and systemd-sysv. The test adds what a QEMU host of
# this kind would have: an initramfs that loads the GPU and audio drivers
# (like a distribution's, through a hook as plymouth's does; MODULES=list
# keeps each rebuild at seconds), a second, older kernel (a copy of the
# first under another version) so that "every initramfs" means two, and a
# unit that prints the machine state on the serial console and powers off.
#
# In the root, through chroot (no /sys: the build machine's devices stay
# out of the root's tables): dpkg --unpack, earlybind add non-boot-vga,
# dpkg --configure (the trigger and postinst rebuild both images), an
# upgrade to a newer version, then (for the second boot) dpkg -r and
# dpkg --purge. The config also names a data disk's controller (a second
# virtio-blk at 00:07.0): Debian 12's kernel has virtio-pci as a module,
# which loads after the binder; Debian 13's has it built in, bound before
# the binder, which must then take the device from it. Boot 1 (installed):
# the boot GPU on bochs-drm, the twin and its audio and the data disk on
# vfio-pci, the GPU's functions never probed by their own drivers, the
# binder's report readable after switch_root, earlybind status --json exit
# 0, earlybind check runs. Boot 2 (purged): every device on its own driver,
# no binder in any image.
#
# Debian 13 with initramfs-tools also boots a unified kernel image, the way
# a Secure Boot host does (there is no Secure Boot here: the UKI's own
# command line is used because the boot loader passes none): after the
# upgrade, apt-get installs systemd-boot-efi and systemd-ukify (257) in the
# root, ukify builds a UKI of the root's kernel and image with the command
# line built in, and `earlybind uki-addon --for` (ukify again) writes its
# earlybind=off add-on into its .extra.d/. The installed boot and a third
# one, addon, boot from an ESP image (FAT, mkfs.vfat and mtools) with the
# root's systemd-boot as EFI/BOOT/BOOTX64.EFI and the UKI in EFI/Linux,
# through OVMF: installed without the add-on (the same assertions, plus
# the initrd from the stub and the command line from the UKI), addon with
# it (the command line ends in earlybind=off, the report says disabled,
# every device keeps its own driver).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
all_cases="installed purged addon"

parse_args "$all_cases" "$@"
pkgdir=$stage
version=$(sed -n 's/^  static let current = "\(.*\)"$/\1/p' "$repo/Sources/EarlybindHost/Environment/EarlybindVersion.swift")
deb=$pkgdir/earlybind_${version}_amd64.deb
[ -f "$deb" ] || { echo "$me: $deb missing (scripts/build-packages.sh $pkgdir deb)" >&2; exit 2; }
if [ "$(id -u)" -ne 0 ]; then
	echo "$me: run as root (debootstrap, chroot, dpkg in the root)" >&2
	exit 2
fi
export E2E_TIMEOUT=${E2E_TIMEOUT:-300}
suite=${E2E_SUITE:-bookworm}
case $suite in
bookworm | trixie) ;;
*) echo "$me: E2E_SUITE must be bookworm or trixie, not $suite" >&2; exit 2 ;;
esac
# Debian 13's systemd boots take longer under TCG.
[ "$suite" = trixie ] && export E2E_TIMEOUT=${E2E_TIMEOUT_TRIXIE:-600}
generator=${E2E_GENERATOR:-initramfs-tools}
case $generator in
initramfs-tools | dracut) ;;
*) echo "$me: E2E_GENERATOR must be initramfs-tools or dracut, not $generator" >&2; exit 2 ;;
esac
# uki: boot a UKI through systemd-boot (Debian 13, initramfs-tools only).
uki=
if [ "$suite" = trixie ] && [ "$generator" = initramfs-tools ]; then
	uki=1
else
	cases=$(tr ' ' '\n' <<<"$cases" | grep -vx addon | paste -sd' ')
fi
make_work "clean-root-$suite-$generator"
t0=$(date +%s)
data_disk=0000:00:07.0
vfio_extra=$data_disk

# --- the root, debootstrapped once ----------------------------------------------
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
include=linux-image-amd64,initramfs-tools,udev,systemd-sysv
cache=${E2E_ROOT_CACHE:-$repo/.build-clean-root}
tarball=$cache/$suite-minbase-$(echo "$suite $include $mirror" | cksum | cut -d' ' -f1).tar.zst
if [ ! -s "$tarball" ]; then
	echo "# debootstrap $suite (minbase + $include) into $tarball"
	mkdir -p "$cache"
	if ! debootstrap --variant=minbase --include="$include" "$suite" "$work/debootstrap" "$mirror" \
		>"$work/debootstrap.log" 2>&1; then
		case=root
		fail "debootstrap (see $work/debootstrap.log)"
		tail -n 20 "$work/debootstrap.log" | sed 's/^/    /'
		finish
		exit 1
	fi
	tar -C "$work/debootstrap" --numeric-owner --xattrs -cpf - . | zstd -q -T2 -3 >"$tarball.tmp" &&
		mv "$tarball.tmp" "$tarball"
	rm -rf "$work/debootstrap"
fi
root=$work/root
rm -rf "$root" && mkdir -p "$root"
zstd -dcq "$tarball" | tar -C "$root" --numeric-owner --xattrs -xpf -
echo "# root from $tarball ready after $(($(date +%s) - t0)) s"

# in_root COMMAND...: runs COMMAND in the root, chrooted, in a private mount
# namespace with /proc and /dev, a clean environment and no /sys.
# shellcheck disable=SC2016 # the inner script expands its own arguments
in_root() {
	unshare --mount --propagation private -- sh -c '
		r=$1
		shift
		mount -t proc proc "$r/proc" && mount --bind /dev "$r/dev" &&
			exec chroot "$r" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
				PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"' sh "$root" "$@"
}
# package_status [version]: earlybind's dpkg status in the root ("ii ", "rc "; empty if
# unknown), with its version after it if asked.
# shellcheck disable=SC2016 # dpkg-query's format
package_status() {
	local format='${db:Status-Abbrev}'
	[ "${1:-}" = version ] && format+='${Version}'
	in_root dpkg-query -W -f "$format" earlybind 2>/dev/null
}
# image_has KVER PATTERN: the root's initramfs of KVER lists a path matching PATTERN.
image_has() { grep -Eq "$2" <<<"$(lsinitramfs "$root/boot/initrd.img-$1")"; }

kver=$(find "$root/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
older=${kver%%-*}-0-amd64

# --- what the test adds to the root ------------------------------------------------
case=root
if [ "$generator" = dracut ]; then
	if in_root apt-get install -y -q --no-install-recommends dracut >"$work/dracut.install.log" 2>&1; then
		ok "apt-get install dracut in the root ($(in_root dpkg-query -W -f "\${Version}" dracut))"
	else
		fail "apt-get install dracut in the root (see $work/dracut.install.log)"
	fi
	check "dracut replaced initramfs-tools" test ! -e "$root/usr/sbin/update-initramfs"
	# A generic image with just the drivers this guest needs: its udev
	# loads the display and audio drivers, as a distribution's image would.
	cat >"$root/etc/dracut.conf.d/e2e.conf" <<'CONF'
hostonly="no"
drivers+=" virtio_pci virtio_blk ext4 bochs snd_hda_intel snd_hda_codec_generic "
CONF
else
	sed -i 's/^MODULES=.*/MODULES=list/' "$root/etc/initramfs-tools/initramfs.conf"
	printf '%s\n' virtio_pci virtio_blk ext4 >>"$root/etc/initramfs-tools/modules"
	cat >"$root/etc/initramfs-tools/hooks/e2e-drivers" <<'HOOK'
#!/bin/sh
# The display and audio drivers in the initramfs, as a distribution's has
# them: udev coldplug there loads them for the matching PCI devices.
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
manual_add_modules bochs snd_hda_intel snd_hda_codec_generic
HOOK
	chmod 755 "$root/etc/initramfs-tools/hooks/e2e-drivers"
fi
# make_image KVER: builds the root's image of KVER with its generator, as its kernel hook would.
make_image() {
	if [ "$generator" = dracut ]; then
		in_root dracut -q --force "/boot/initrd.img-$1" "$1"
	else
		in_root update-initramfs -c -k "$1"
	fi
}
# The older kernel: the same files under a version that sorts first.
for f in vmlinuz config System.map; do cp "$root/boot/$f-$kver" "$root/boot/$f-$older"; done
cp -al "$root/lib/modules/$kver" "$root/lib/modules/$older"
# The reporter: prints what earlybind says, then guest-init's state block, and powers off.
mkdir -p "$root/usr/local/lib/e2e"
install -m 755 "$here/guest-init" "$root/usr/local/lib/e2e/guest-init"
cat >"$root/usr/local/lib/e2e/report" <<'REPORT'
#!/bin/sh
echo 1 >/proc/sys/kernel/printk
udevadm settle --timeout=60
echo "@@EARLYBIND-HOST-BEGIN@@"
if command -v earlybind >/dev/null; then
	out=$(earlybind status --json 2>&1)
	echo "status-rc $?"
	printf '%s\n' "$out" | sed 's/^/status /'
	out=$(earlybind check 2>&1)
	echo "check-rc $?"
	printf '%s\n' "$out" | sed 's/^/check /'
else
	echo "earlybind absent"
fi
echo "@@EARLYBIND-HOST-END@@"
exec /usr/local/lib/e2e/guest-init
REPORT
chmod 755 "$root/usr/local/lib/e2e/report"
cat >"$root/etc/systemd/system/e2e-report.service" <<'UNIT'
[Unit]
Description=earlybind e2e: print the machine state on the serial console, power off
After=systemd-udev-trigger.service systemd-modules-load.service local-fs.target

[Service]
Type=oneshot
ExecStart=/usr/local/lib/e2e/report
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0

[Install]
WantedBy=multi-user.target
UNIT
ln -s ../e2e-report.service "$root/etc/systemd/system/multi-user.target.wants/e2e-report.service"
# No login prompt on the console the state block is printed on.
ln -s /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
rm -f "$root/boot/initrd.img-$kver"
if make_image "$older" >"$work/root.initramfs.log" 2>&1 &&
	make_image "$kver" >>"$work/root.initramfs.log" 2>&1; then
	ok "images for $kver and $older without earlybind"
else
	fail "$generator in the root (see $work/root.initramfs.log)"
fi
# has_swift: a Swift compiler or /opt/swift in the root.
has_swift() { in_root sh -c 'command -v swift || command -v swiftc || ls -d /opt/swift' >/dev/null 2>&1; }
check "no Swift toolchain in the root" not has_swift
check "no Swift runtime library in the root" \
	test -z "$(find "$root" -xdev -name 'libswift*' -print -quit)"

# --- install: unpack, write the config, configure (the trigger runs) -----------------
case=install
cp "$deb" "$root/tmp/"
in_root dpkg --unpack "/tmp/${deb##*/}" >"$work/install.log" 2>&1
is "earlybind --version in the root" "$(in_root earlybind --version 2>&1)" "$version"
check "the host tool finds every library" not grep -q 'not found' <(in_root ldd /usr/sbin/earlybind)
in_root earlybind add non-boot-vga >>"$work/install.log" 2>&1
in_root earlybind add "$data_disk" >>"$work/install.log" 2>&1
check "earlybind add wrote /etc/earlybind.conf" grep -qx 'non-boot-vga' "$root/etc/earlybind.conf"
check "earlybind add wrote the data disk's rule" grep -qx "$data_disk" "$root/etc/earlybind.conf"
in_root dpkg --configure earlybind >>"$work/install.log" 2>&1
is "dpkg status" "$(package_status)" "ii "
check "the trigger rebuilt the initramfs of $kver" grep -q "Generating /boot/initrd.img-$kver" "$work/install.log"
check "the initramfs of $older was rebuilt too" grep -q "Generating /boot/initrd.img-$older" "$work/install.log"
for k in "$kver" "$older"; do
	check "image of $k has the binder" image_has "$k" '^usr/sbin/earlybind-init$'
	check "image of $k has the table" image_has "$k" '^etc/earlybind/bindings\.tbl$'
done

# --- upgrade: a newer version of the same package ---------------------------------
case=upgrade
conf_sum=$(sha256sum <"$root/etc/earlybind.conf")
echo '# edited by the administrator' >>"$root/etc/dracut.conf.d/earlybind.conf"
rm -rf "$work/newer" && dpkg-deb -R "$deb" "$work/newer"
sed -i "s/^Version: .*/Version: $version+e2e1/" "$work/newer/DEBIAN/control"
dpkg-deb --root-owner-group -b "$work/newer" "$root/tmp/newer.deb" >/dev/null
in_root dpkg -i /tmp/newer.deb >"$work/upgrade.log" 2>&1
is "dpkg status after the upgrade" \
	"$(package_status version)" "ii $version+e2e1"
is "/etc/earlybind.conf byte for byte as before" "$(sha256sum <"$root/etc/earlybind.conf")" "$conf_sum"
check "the edited dracut drop-in (a conffile) is kept" \
	grep -q '^# edited by the administrator' "$root/etc/dracut.conf.d/earlybind.conf"
check "the trigger rebuilt the initramfs of $kver" grep -q "Generating /boot/initrd.img-$kver" "$work/upgrade.log"
check "image of $kver still has the binder" image_has "$kver" '^usr/sbin/earlybind-init$'

# --- Debian 13: a UKI, its add-on, and systemd-boot ----------------------------------
uki_path=/efi/EFI/Linux/debian-$kver.efi
if [ -n "$uki" ]; then
	case=uki
	if in_root apt-get install -y -q --no-install-recommends systemd-boot-efi systemd-ukify \
		>"$work/uki.install.log" 2>&1; then
		ok "apt-get install systemd-boot-efi systemd-ukify in the root ($(in_root dpkg-query -W -f "\${Version}" systemd-ukify))"
	else
		fail "apt-get install systemd-boot-efi systemd-ukify in the root (see $work/uki.install.log)"
	fi
	mkdir -p "$root/efi/EFI/Linux"
	in_root ukify build --linux="/boot/vmlinuz-$kver" --initrd="/boot/initrd.img-$kver" \
		--cmdline="console=ttyS0 intel_iommu=on no_timer_check root=/dev/vda rw panic=-1 systemd.show_status=false" \
		--output="$uki_path" >"$work/ukify.log" 2>&1 || fail "ukify build (see $work/ukify.log)"
	in_root earlybind uki-addon --for "$uki_path" >"$work/uki-addon.log" 2>&1 ||
		fail "earlybind uki-addon --for (see $work/uki-addon.log)"
	check "uki-addon built it with the root's ukify" grep -q "built with /usr/bin/ukify" "$work/uki-addon.log"
	addon=$uki_path.extra.d/earlybind-off.addon.efi
	check "the add-on is in the UKI's .extra.d" test -s "$root$addon"
	check "earlybind check in the root names the add-on and what it does" grep -qF \
		"$addon turns the binder off for $uki_path (earlybind=off)" <<<"$(in_root earlybind check 2>&1)"
fi
# esp_image NAME [ADDON]: $work/NAME.esp.img, a FAT ESP with the root's
# systemd-boot and the UKI, and with ADDON its add-on.
esp_image() {
	local tree=$work/$1.esp-tree
	rm -rf "$tree" "$work/$1.esp.img"
	mkdir -p "$tree/EFI/BOOT" "$tree/EFI/Linux"
	cp "$root/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$tree/EFI/BOOT/BOOTX64.EFI"
	cp "$root$uki_path" "$tree/EFI/Linux/"
	if [ -n "${2:-}" ]; then
		# The root's /efi is the ESP's top.
		mkdir -p "$tree${uki_path#/efi}.extra.d"
		cp "$root$addon" "$tree${uki_path#/efi}.extra.d/"
	fi
	mkfs.vfat -F 32 -n ESP -C "$work/$1.esp.img" $((256 * 1024)) >"$work/$1.esp.log" 2>&1 &&
		(cd "$tree" && MTOOLS_SKIP_CHECK=1 mcopy -s -i "$work/$1.esp.img" EFI ::/) >>"$work/$1.esp.log" 2>&1
}

# --- the disk images, and the boots -------------------------------------------------
# disk_image NAME: an ext4 image of the root as it is now, with mke2fs -d.
disk_image() {
	local mb
	mb=$(du -sm --apparent-size "$root" | cut -f1)
	mke2fs -q -F -t ext4 -L root -d "$root" "$work/$1.img" "$((mb + mb / 4 + 256))M" >/dev/null
}
# boot NAME: boots $work/NAME.img with the root's kernel and newest image (lib.sh file names).
boot() {
	local name=$1 start
	start=$(date +%s.%N)
	local esp=
	[ -n "$uki" ] && [ "$name" != purged ] && esp=$work/$name.esp.img
	E2E_ESP=$esp E2E_DATA_DISK=$work/data.img E2E_VMLINUZ=$work/$name.vmlinuz "$here/boot.sh" "$kver" "$work/$name.initrd" "$work/$name.img" \
		"$work/$name.log" systemd.show_status=false 2>"$work/$name.boot.err"
	echo "$?" >"$work/$name.boot.rc"
	echo "$start $(date +%s.%N)" | awk '{ printf "%.1f\n", $2 - $1 }' >"$work/$name.time"
	tr -d '\r' <"$work/$name.log" >"$work/$name.console"
	sed -n '/^@@EARLYBIND-E2E-BEGIN@@$/,/^@@EARLYBIND-E2E-END@@$/p' "$work/$name.console" >"$work/$name.state"
	sed -n '/^@@EARLYBIND-HOST-BEGIN@@$/,/^@@EARLYBIND-HOST-END@@$/p' "$work/$name.console" >"$work/$name.host"
}
# prepare_boot NAME: the disk image and a copy of the kernel and image booted from it.
prepare_boot() {
	cp "$root/boot/vmlinuz-$kver" "$work/$1.vmlinuz"
	cp "$root/boot/initrd.img-$kver" "$work/$1.initrd"
	disk_image "$1"
}

truncate -s 16M "$work/data.img"
E2E_VMLINUZ=$root/boot/vmlinuz-$kver start_accel_probe
wait_accel
echo "# kernel $kver, accel $accel, work dir $work; packages installed after $(($(date +%s) - t0)) s"
case=boot
prepare_boot installed || fail "disk image of the installed root"
boot_addon=
if [ -n "$uki" ]; then
	esp_image installed || fail "the ESP image (see $work/installed.esp.log)"
	if wants addon; then
		prepare_boot addon || fail "disk image of the installed root"
		esp_image addon with-addon || fail "the ESP image with the add-on (see $work/addon.esp.log)"
		boot addon &
		boot_addon=$!
	fi
fi
boot installed &
boot_installed=$!

# --- remove, then purge, while the first boot runs -------------------------------------
case=remove
in_root dpkg -r earlybind >"$work/remove.log" 2>&1
is "dpkg status after remove" "$(package_status)" "rc "
check "dpkg -r and the image rebuilds it triggered reported no error" \
	not grep -q "Errors were encountered" "$work/remove.log"
is "remove keeps /etc/earlybind.conf byte for byte" "$(sha256sum <"$root/etc/earlybind.conf")" "$conf_sum"
check "remove takes the tool and the hooks" test ! -e "$root/usr/sbin/earlybind" \
	-a ! -e "$root/usr/share/initramfs-tools/hooks/earlybind"
for k in "$kver" "$older"; do
	check "image of $k rebuilt without the binder" not image_has "$k" 'earlybind'
done
case=purge
in_root dpkg --purge earlybind >"$work/purge.log" 2>&1
is "dpkg no longer knows earlybind" "$(package_status)" ""
check "purge deletes /etc/earlybind.conf" test ! -e "$root/etc/earlybind.conf"
check "purge deletes the dracut and mkinitcpio drop-ins" test ! -e "$root/etc/dracut.conf.d/earlybind.conf" \
	-a ! -e "$root/etc/mkinitcpio.conf.d/earlybind.conf"
check "nothing of earlybind left in the root" \
	test -z "$(find "$root" -xdev -name '*earlybind*' ! -path '*/tmp/*' -print -quit)"
for k in "$kver" "$older"; do
	check "image of $k without the binder" not image_has "$k" 'earlybind'
done

case=boot
prepare_boot purged || fail "disk image of the purged root"
boot purged
wait "$boot_installed"
[ -z "$boot_addon" ] || wait "$boot_addon"

# --- what the boots showed -------------------------------------------------------------
# host_field KEY: the value of the KEY record in the host block of $case.
host_field() { sed -n "s/^$1 //p" "$work/$case.host"; }
for case in $cases; do
	state_of "$case" "$case" || continue
	check "booted into the root's systemd (reporter unit ran)" grep -q '^@@EARLYBIND-HOST-END@@$' "$work/$case.host"
	cmdline=$(grep -m1 'Kernel command line:' "$work/$case.console")
	if [ -n "$uki" ] && [ "$case" != purged ]; then
		check "systemd-boot started the UKI, whose stub handed over its initrd" \
			grep -q 'EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID' "$work/$case.console"
		check "the command line is the UKI's (systemd.show_status=false built in)" \
			grep -q 'root=/dev/vda rw panic=-1 systemd.show_status=false' <<<"$cmdline"
	fi
	case $case in
	addon)
		check "the add-on appended earlybind=off" grep -Eq ' earlybind=off *$' <<<"$cmdline"
		own_drivers
		is "data disk $data_disk on virtio-pci" "$(field "$data_disk" driver)" virtio-pci
		check "report status disabled" report_status disabled
		;;
	installed)
		[ -z "$uki" ] || check "no earlybind=off" not grep -q 'earlybind=off' <<<"$cmdline"
		to_vfio
		if grep -qx 'kernel/drivers/virtio/virtio_pci.ko' "$root/lib/modules/$kver/modules.builtin"; then
			check "the binder took $data_disk from virtio-pci, built into $kver" \
				dmesg_has "earlybind: $data_disk .*taken from virtio-pci \\(built into the kernel"
		else
			check "virtio-pci is a module in $kver: nothing taken from a built-in driver" \
				not dmesg_has 'taken from'
		fi
		is "earlybind status --json exits 0" "$(host_field status-rc)" 0
		status=$(host_field status)
		if python3 -c 'import json, sys; json.load(sys.stdin)' <<<"$status" 2>/dev/null; then
			ok "earlybind status --json prints JSON"
		else
			fail "earlybind status --json prints JSON"
		fi
		for bdf in "$guest_gpu" "$guest_audio"; do
			check "status reports $bdf" grep -q "\"$bdf\"" <<<"$status"
		done
		check "status reports vfio-pci" grep -q '"vfio-pci"' <<<"$status"
		rc=$(host_field check-rc)
		check "earlybind check runs (exit $rc: 0, 1 or 2)" grep -qx '[012]' <<<"$rc"
		check "earlybind check printed its findings" test "$(host_field check | wc -l)" -gt 3
		;;
	purged)
		own_drivers
		is "data disk $data_disk on virtio-pci" "$(field "$data_disk" driver)" virtio-pci
		check "no earlybind in the root" grep -qx 'earlybind absent' "$work/$case.host"
		check "no binder ran" not dmesg_has 'earlybind:'
		check "no binder report" grep -qx 'report none' "$st"
		;;
	esac
done

echo "$passed passed, $failed failed (total $(($(date +%s) - t0)) s)"
finish
