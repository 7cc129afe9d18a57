#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The way out when a UKI's command line is locked: `earlybind uki-addon`
# with Debian 13's systemd-stub 257, booted through OVMF from an ESP with
# Debian 13's systemd-boot.
#
# Usage: Tests/e2e/uki-addon.sh STAGE [CASE...]
#   STAGE  tree made by `make install DESTDIR=STAGE PREFIX=/usr`
#   CASE   addon (the UKI and its add-on: binder off)
#          no-addon (the same UKI alone: binder on) (default: both)
# Env: E2E_KVER, E2E_ACCEL, E2E_TIMEOUT, E2E_WORK as for dracut.sh;
#      DEBIAN_MIRROR (default http://deb.debian.org/debian)
#
# Debian 13's systemd-boot-efi (systemd-boot, the UKI stub and the add-on
# stub, 257) is downloaded with apt-get from trixie's lists, kept apart
# from the machine's, and unpacked into .build-uki-trixie once. The UKI:
# dracut-ng 111 (build-dracut-ng.sh) --uefi with that stub, the
# kernel and the initrd of the e2e guest (earlybind's module, the config
# that hands the second GPU to vfio-pci), its command line built in. The
# add-on: `earlybind uki-addon --for UKI --stub` Debian 13's add-on stub
# (objcopy: there is no ukify here), into UKI.extra.d/, then signed with
# sbsign (a key made for the test) as earlybind(8) says. Each ESP is a FAT
# image (mkfs.vfat, mtools) with systemd-boot as EFI/BOOT/BOOTX64.EFI and
# the UKI in EFI/Linux, which systemd-boot boots by itself; OVMF boots it
# from the chipset's AHCI disk. Asserted: with the add-on, the kernel's
# command line ends in earlybind=off, the report says disabled and every
# device keeps its own driver; without it, the split. Both: the initrd is
# the UKI's (systemd-stub's initrd device path), `earlybind check --root`
# on the ESP tree names the add-on and its effect, or nothing.
# Prints "ok"/"FAIL" per check and "N passed, N failed"; exits 1 on failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
all_cases="addon no-addon"

parse_args "$all_cases" "$@"
cli=$stage/usr/sbin/earlybind
[ -x "$cli" ] || { echo "$me: $cli missing or not executable" >&2; exit 2; }
pick_kernel vmlinuz
make_work uki-addon
write_configs
for c in $cases; do add_boot "$c" uki; done
start_accel_probe
t0=$(date +%s)

# --- Debian 13's systemd-boot-efi, once ---------------------------------------------
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=$repo/.build-uki-trixie
efi=$cache/root/usr/lib/systemd/boot/efi
fetch_boot_efi() {
	local apt=$cache/apt opts
	rm -rf "$cache"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$cache/debs" "$cache/root"
	echo "deb $mirror trixie main" >"$apt/sources.list"
	opts=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Architectures=amd64)
	# apt-get download drops privileges to _apt, which must be able to write there.
	chown _apt "$cache/debs" 2>/dev/null || true
	apt-get "${opts[@]}" update >"$cache/apt.log" 2>&1 &&
		(cd "$cache/debs" && apt-get "${opts[@]}" download systemd-boot-efi) >>"$cache/apt.log" 2>&1 &&
		dpkg -x "$cache"/debs/systemd-boot-efi_*.deb "$cache/root" || return 1
	rm -rf "$apt"
}
case=build
if [ ! -s "$efi/addonx64.efi.stub" ]; then
	fetch_boot_efi || fail "Debian 13's systemd-boot-efi (see $cache/apt.log)"
fi
echo "# $(basename "$cache"/debs/systemd-boot-efi_*.deb)"

# --- the UKI, the add-on and the ESPs ------------------------------------------------
# dracut-ng places the sections after the stub's; dracut 059 puts them at
# fixed addresses below the image base of stub 257, which cannot load.
droot=$repo/.build-dracut-ng/root
"$here/build-dracut-ng.sh" "$repo/.build-dracut-ng" >"$work/dracut-ng.build.log" 2>&1 ||
	fail "building dracut-ng (see $work/dracut-ng.build.log)"
build_root
base=$work/dracut
rm -rf "$base" "$work/dracut.conf.d" "$work/dtmp"
cp -a "$droot/usr/lib/dracut" "$base"
rm -rf "$base/modules.d/52earlybind"
cp -a "$stage/usr/lib/dracut/modules.d/52earlybind" "$base/modules.d/52earlybind"
mkdir -p "$work/dracut.conf.d" "$work/dtmp"
cp "$stage/etc/dracut.conf.d/earlybind.conf" "$work/dracut.conf.d/"
uki=$work/uki.efi
EARLYBIND_CONF=$conf EARLYBIND=$cli EARLYBIND_INIT=$stage/usr/lib/earlybind/earlybind-init \
	dracutbasedir=$base bash "$droot/usr/bin/dracut" --conf /dev/null --confdir "$work/dracut.conf.d" \
	--tmpdir "$work/dtmp" --kver "$kver" --no-hostonly --no-hostonly-cmdline --omit systemd \
	--add-drivers "bochs snd_hda_intel snd_hda_codec_generic virtio_pci virtio_blk ext4" \
	--compress "zstd -1 -q -T0" --uefi --uefi-stub "$efi/linuxx64.efi.stub" \
	--kernel-image "/boot/vmlinuz-$kver" \
	--kernel-cmdline "console=ttyS0 intel_iommu=on no_timer_check root=/dev/vda rw panic=-1" \
	--force "$uki" >"$work/uki.build.log" 2>&1 || fail "dracut --uefi (see $work/uki.build.log)"
# section NAME FILE: the bytes of a PE section.
section() { objcopy -O binary --only-section="$1" "$2" "$work/section" 2>/dev/null && cat "$work/section"; }
check "the UKI's stub is systemd-stub 257" grep -q 'systemd-stub 257' <<<"$(section .sdmagic "$uki")"

# esp_tree NAME: the ESP's files in $work/NAME.esp-tree; with_addon adds the add-on.
esp_tree() {
	local tree=$work/$1.esp-tree
	rm -rf "$tree"
	mkdir -p "$tree/EFI/BOOT" "$tree/EFI/Linux"
	cp "$efi/systemd-bootx64.efi" "$tree/EFI/BOOT/BOOTX64.EFI"
	cp "$uki" "$tree/EFI/Linux/debian-$kver.efi"
}
# esp_image NAME: the FAT image of NAME's tree.
esp_image() {
	local tree=$work/$1.esp-tree img=$work/$1.esp.img
	rm -f "$img"
	mkfs.vfat -F 32 -n ESP -C "$img" $((256 * 1024)) >"$work/$1.esp.log" 2>&1 &&
		(cd "$tree" && MTOOLS_SKIP_CHECK=1 mcopy -s -i "$img" EFI ::/) >>"$work/$1.esp.log" 2>&1
}
# tree_findings NAME: `earlybind check --root` on the tree, as the ESP at /efi.
tree_findings() {
	local root=$work/$1.root
	rm -rf "$root"
	mkdir -p "$root"
	ln -s "$work/$1.esp-tree" "$root/efi"
	"$cli" check --root "$root" --modules /lib/modules --config "$conf" | grep ' uki '
}

for c in $cases; do
	case=$c
	esp_tree "$c"
	addon=$work/$c.esp-tree/EFI/Linux/debian-$kver.efi.extra.d/earlybind-off.addon.efi
	if [ "$c" = addon ]; then
		"$cli" uki-addon --for "$work/$c.esp-tree/EFI/Linux/debian-$kver.efi" \
			--stub "$efi/addonx64.efi.stub" >"$work/$c.addon.log" 2>&1 ||
			fail "earlybind uki-addon (see $work/$c.addon.log)"
		is "the add-on's command line" \
			"$(section .cmdline "$addon")" earlybind=off
		# Signed as earlybind(8) says, with a key made for the test (no
		# Secure Boot here: the firmware does not check it, but the signed
		# file must still load).
		if ! { openssl req -new -x509 -newkey rsa:2048 -nodes -subj /CN=earlybind-e2e -days 1 \
			-keyout "$work/db.key" -out "$work/db.crt" &&
			sbsign --key "$work/db.key" --cert "$work/db.crt" --output "$addon" "$addon"; } \
			>"$work/sign.log" 2>&1; then
			fail "sbsign the add-on (see $work/sign.log)"
		fi
		check "sbverify accepts the signed add-on" sbverify --cert "$work/db.crt" "$addon"
		found=$work/$c.root/efi/EFI/Linux/debian-$kver.efi
		check "check names the add-on and that the binder is off" grep -qF \
			"$found.extra.d/earlybind-off.addon.efi turns the binder off for $found (earlybind=off)" \
			<<<"$(tree_findings "$c")"
	else
		check "check finds the binder, and no add-on" not grep -q 'turns the binder off' \
			<<<"$(tree_findings "$c")"
	fi
	esp_image "$c" || fail "the FAT ESP image (see $work/$c.esp.log)"
done

# --- boots -----------------------------------------------------------------------------
wait_accel
boot_one() { E2E_ESP=$work/$1.esp.img boot_guest "$1" -; }
boot_all true boot_one
wait

for c in $cases; do
	case=$c
	state_of "$c" || continue
	cmdline=$(grep -m1 'Kernel command line:' "$work/$c.console")
	check "the initrd is the UKI's, from systemd-stub" \
		grep -q 'EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID' "$work/$c.console"
	check "the command line is the UKI's, from systemd-boot (no -append)" grep -q 'root=/dev/vda' <<<"$cmdline"
	if [ "$c" = addon ]; then
		check "the add-on appended earlybind=off" grep -Eq ' earlybind=off *$' <<<"$cmdline"
		own_drivers
		check "report status disabled" report_status disabled
	else
		check "no earlybind=off" not grep -q 'earlybind=off' <<<"$cmdline"
		to_vfio
	fi
done

echo "# kernel $kver, accel $(cat "$work/accel" 2>/dev/null || echo "$accel"), work dir $work, all done in $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
finish
