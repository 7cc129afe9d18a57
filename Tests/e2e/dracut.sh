#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of earlybind's dracut module with the real dracut and the
# QEMU guest of run.sh.
#
# Usage: Tests/e2e/dracut.sh STAGE [CASE...]
#   STAGE  tree made by `make install DESTDIR=STAGE PREFIX=/usr`
#   CASE   images noconf badconf
#          bind pre off hostonly force                      (dracut without systemd)
#          uefi                                             (bind, booted through OVMF)
#          renumber   (a path rule, two boots: a card behind an earlier root port renumbers)
#          uki-uefi                                         (bind, a UKI made by dracut --uefi
#                                                            with systemd-stub, OVMF's -kernel)
#          sd-bind sd-pre sd-off sd-hostonly sd-force        (dracut with systemd)
#          (default: all)
# Env:
#   E2E_KVER          kernel (default: newest K with /boot/vmlinuz-K and /lib/modules/K)
#   E2E_ACCEL         kvm, tcg or auto (default: kvm only if a probe boot works)
#   E2E_TIMEOUT       seconds per boot (default 180)
#   E2E_JOBS          builds and boots at once (default: CPUs, at most 4)
#   E2E_WORK          work dir (default: new dir in /tmp, removed after a clean run)
#   E2E_DRACUT        unpacked dracut tree with usr/bin/dracut and usr/lib/dracut
#                     (default: Debian's dracut and dracut-core, downloaded with
#                     apt-get download and unpacked into .build-dracut/ once;
#                     dracut-ng.sh sets it to dracut-ng built from its tarball)
#
# The checks hold for dracut 059 and dracut-ng alike: dracut-ng keeps hooks in
# /var/lib/dracut/hooks (059: /lib/dracut/hooks), has renumbered its modules
# (01-parse-kernel.sh comes from 80base; third parties keep 50-59) and split
# systemd into modules (systemd-modules-load is one), and builds hostonly
# images by default (every image here says --hostonly or --no-hostonly).
#
# dracut is run from its unpacked package (Debian's dracut conflicts with
# initramfs-tools): dracutbasedir points at a private copy of its tree with
# the staged 52earlybind module added; the staged dracut.conf.d/earlybind.conf
# is the only config. Images: generic (--no-hostonly), hostonly (--hostonly)
# and force (generic plus force_drivers+=" bochs "), each without systemd
# (--omit systemd) and with it (--add systemd, "-sd"); all carry bochs and
# snd_hda_intel like a distro image, so udev coldplug (or rd.driver.pre,
# force_drivers) binds them unless earlybind got there first.
# Prints "ok"/"FAIL" per check and "N passed, N failed"; exits 1 on failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
all_cases="images noconf badconf bind pre off hostonly force uefi uki-uefi sd-bind sd-pre sd-off sd-hostonly sd-force renumber"

parse_args "$all_cases" "$@"
module=$stage/usr/lib/dracut/modules.d/52earlybind
for f in usr/sbin/earlybind usr/lib/earlybind/earlybind-init \
	usr/lib/dracut/modules.d/52earlybind/module-setup.sh \
	usr/lib/dracut/modules.d/52earlybind/earlybind-cmdline.sh; do
	[ -x "$stage/$f" ] || { echo "dracut.sh: $stage/$f missing or not executable" >&2; exit 2; }
done
for f in usr/lib/dracut/modules.d/52earlybind/earlybind.service etc/dracut.conf.d/earlybind.conf; do
	[ -f "$stage/$f" ] || { echo "dracut.sh: $stage/$f missing" >&2; exit 2; }
done

pick_kernel vmlinuz

# --- the real dracut -------------------------------------------------------------
fetch_dracut() { # DIR: Debian's dracut packages, unpacked once
	local dir=$1 deb
	[ -e "$dir/root/.unpacked" ] && return 0
	rm -rf "$dir/debs" "$dir/root"
	mkdir -p "$dir/debs" "$dir/root"
	# apt-get download drops privileges to _apt, which must be able to write here.
	chown _apt "$dir/debs" 2>/dev/null || true
	if ! (cd "$dir/debs" && apt-get download -qq dracut dracut-core); then
		echo "dracut.sh: apt-get download failed; updating the package lists once" >&2
		apt-get update -qq && (cd "$dir/debs" && apt-get download -qq dracut dracut-core) || return 1
	fi
	for deb in "$dir"/debs/*.deb; do
		dpkg -x "$deb" "$dir/root" || return 1
		# shellcheck disable=SC2016 # dpkg-deb's own ${field} syntax
		dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb" >>"$dir/root/.unpacked"
	done
}
if [ -n "${E2E_DRACUT:-}" ]; then
	droot=$(cd "$E2E_DRACUT" && pwd)
else
	fetch_dracut "$repo/.build-dracut" || { echo "dracut.sh: cannot get dracut" >&2; exit 2; }
	droot=$repo/.build-dracut/root
fi
if [ ! -f "$droot/usr/bin/dracut" ] || [ ! -d "$droot/usr/lib/dracut/modules.d" ]; then
	echo "dracut.sh: no usr/bin/dracut and usr/lib/dracut/modules.d in $droot" >&2
	exit 2
fi

make_work dracut

# dracut reads modules only from $dracutbasedir/modules.d: a private copy of
# the tree with the staged module added, as `make install` puts it.
base=$work/dracut
rm -rf "$base"
cp -a "$droot/usr/lib/dracut" "$base"
rm -rf "$base/modules.d/52earlybind"
cp -a "$module" "$base/modules.d/52earlybind"
confdir=$work/dracut.conf.d
rm -rf "$confdir" "$work/force.conf.d" "$work/tmp"
mkdir -p "$confdir" "$work/force.conf.d" "$work/tmp"
cp "$stage/etc/dracut.conf.d/earlybind.conf" "$confdir/"
cp "$stage/etc/dracut.conf.d/earlybind.conf" "$work/force.conf.d/"
printf '%s\n' 'force_drivers+=" bochs "' >"$work/force.conf.d/e2e-force.conf"

lsinitrd() { dracutbasedir=$base bash "$droot/usr/bin/lsinitrd" "$@"; }

write_configs

# --- accelerator probe, in the background while images build ----------------
start_accel_probe

# --- images and boots: one queue, $jobs at once -----------------------------------
# Images: NAME -> "CONF CONFDIR dracut options".
declare -A image_conf=() image_confdir=() image_opts=()
add_image() { image_conf[$1]=$2; image_confdir[$1]=$3; image_opts[$1]=$4; }
add_image generic "$conf" "$confdir" "--no-hostonly --omit systemd"
add_image hostonly "$conf" "$confdir" "--hostonly --omit systemd"
add_image force "$conf" "$work/force.conf.d" "--no-hostonly --omit systemd"
add_image generic-sd "$conf" "$confdir" "--no-hostonly --add systemd"
add_image hostonly-sd "$conf" "$confdir" "--hostonly --add systemd"
add_image force-sd "$conf" "$work/force.conf.d" "--no-hostonly --add systemd"
add_image noconf "$work/absent.conf" "$confdir" "--no-hostonly --omit systemd"
add_image badconf "$bad_conf" "$confdir" "--no-hostonly --omit systemd"
add_image renumber "$renumber_conf" "$confdir" "--no-hostonly --omit systemd"
# A unified kernel image: the generic image, the kernel and Debian's
# systemd-stub (systemd-boot-efi) in one PE file, the command line left to
# the boot loader (QEMU's -append), as the stub takes it without Secure Boot.
add_image generic-uki "$conf" "$confdir" "--no-hostonly --omit systemd --uefi \
--uefi-stub /usr/lib/systemd/boot/efi/linuxx64.efi.stub --kernel-image /boot/vmlinuz-$kver"

# What a distro image carries; the root is virtio-blk + ext4 whatever the
# build host uses (hostonly images would otherwise carry the host's drivers).
drivers="bochs snd_hda_intel snd_hda_codec_generic virtio_pci virtio_blk ext4"
# dracut's default (gzip -9) takes most of a minute for a generic image.
compress=(--compress "gzip -1")
command -v zstd >/dev/null && compress=(--compress "zstd -1 -q -T0")

build() { # NAME: $work/NAME.img, log NAME.build.log, exit code NAME.build.rc
	local name=$1 rc t0
	t0=$(date +%s)
	# shellcheck disable=SC2086 # image_opts holds several options
	EARLYBIND_CONF=${image_conf[$name]} EARLYBIND=$stage/usr/sbin/earlybind \
		EARLYBIND_INIT=$stage/usr/lib/earlybind/earlybind-init dracutbasedir=$base \
		bash "$droot/usr/bin/dracut" --conf /dev/null --confdir "${image_confdir[$name]}" \
		--tmpdir "$work/tmp" --kver "$kver" --no-hostonly-cmdline ${image_opts[$name]} \
		--add-drivers "$drivers" "${compress[@]}" --force "$work/$name.img" \
		>"$work/$name.build.log" 2>&1
	rc=$?
	echo "$(($(date +%s) - t0))" >"$work/$name.build.time"
	[ "$rc" = 0 ] && lsinitrd "$work/$name.img" >"$work/$name.list" 2>&1
	echo "$rc" >"$work/$name.build.rc"
}

for sd in "" sd-; do
	wants "${sd}bind" && add_boot "${sd}bind" "generic${sd:+-sd}"
	wants "${sd}pre" && add_boot "${sd}pre" "generic${sd:+-sd}" rd.driver.pre=bochs
	wants "${sd}off" && add_boot "${sd}off" "generic${sd:+-sd}" earlybind=off
	wants "${sd}hostonly" && add_boot "${sd}hostonly" "hostonly${sd:+-sd}"
	wants "${sd}force" && add_boot "${sd}force" "force${sd:+-sd}"
done
wants uefi && add_boot uefi generic
wants renumber && add_boot renumber-1 renumber && add_boot renumber-2 renumber
wants uki-uefi && add_boot uki-uefi generic-uki

boot_one() { # NAME: waits for its image, boots it, extracts the state block
	local name=$1 img=${boot_image[$1]}
	while [ ! -e "$work/$img.build.rc" ]; do sleep 1; done
	[ "$(cat "$work/$img.build.rc")" = 0 ] || return 0
	[ -s "$work/root.img" ] || return 0
	while [ ! -s "$work/accel" ]; do sleep 1; done
	# no_timer_check: a starved TCG vCPU can fail the kernel's IO-APIC timer
	# test behind intel-iommu interrupt remapping ("timer doesn't work
	# through Interrupt-remapped IO-APIC") and panic before the initramfs.
	case $img in
	*-uki)
		# The UKI is the kernel; its .initrd section is the initrd.
		E2E_VMLINUZ=$work/$img.img E2E_ACCEL=$(cat "$work/accel") boot_guest "$name" - no_timer_check
		;;
	*) E2E_ACCEL=$(cat "$work/accel") boot_guest "$name" "$work/$img.img" no_timer_check ;;
	esac
}
[ "$accel" = auto ] || echo "$accel" >"$work/accel"

# Images the selected cases need, the first boots' images first; the
# images case checks every image built; noconf and badconf go last.
needed=()
need() { case " ${needed[*]} " in *" $1 "*) ;; *) needed+=("$1") ;; esac; }
for b in "${boot_names[@]}"; do need "${boot_image[$b]}"; done
if wants images; then for i in generic hostonly force generic-sd hostonly-sd force-sd; do need "$i"; done; fi

t0=$(date +%s)
build_root
queue=()
for i in "${needed[@]}"; do queue+=("build $i"); done
for b in "${boot_names[@]}"; do queue+=("boot_one $b"); done
wants noconf && queue+=("build noconf")
wants badconf && queue+=("build badconf")
running() { jobs -rp | grep -cvx "${probe_pid:-none}"; }
for job in "${queue[@]}"; do
	while [ "$(running)" -ge "$jobs" ]; do wait -n; done
	# shellcheck disable=SC2086 # "function argument"
	$job &
done
wait # for the accelerator probe too
echo "# kernel $kver, accel $(cat "$work/accel"), $(paste -sd, "$droot/.unpacked" 2>/dev/null || echo "dracut from $droot"), work dir $work, all done in $(($(date +%s) - t0)) s"

for i in "${needed[@]}"; do
	case=build
	if [ "$(cat "$work/$i.build.rc")" = 0 ]; then
		echo "# $i image built in $(cat "$work/$i.build.time") s, $(($(stat -c %s "$work/$i.img") / 1048576)) MiB"
	else
		fail "dracut for the $i image (see $work/$i.build.log)"
		tail -n 20 "$work/$i.build.log" | sed 's/^/    /'
	fi
done

# --- dmesg order ---------------------------------------------------------------------
# Kernel time of the first dmesg line matching a pattern.
first_time() { grep '^dmesg ' "$st" | grep -E "$1" | head -n 1 | sed -n 's/^dmesg \[ *\([0-9.]*\)\].*/\1/p'; }
binder_before_bochs() {
	local eb bochs
	eb=$(first_time 'earlybind: [0-9]+ bound') bochs=$(first_time 'bochs-drm |Found bochs')
	[ -n "$eb" ] && [ -n "$bochs" ] && awk -v a="$eb" -v b="$bochs" 'BEGIN { exit !(a < b) }'
}
# to_vfio also checks that the binder was done before bochs loaded.
more_vfio_checks() { check "binder finished before bochs loaded (dmesg order)" binder_before_bochs; }

# --- image checks ------------------------------------------------------------------
list=
has() { grep -Eq "$1" <<<"$list"; }
path_of() { grep -v '^l' <<<"$list" | grep -Eo "[^ ]*$1\$" | head -n 1; }
image_common() { # IMAGE
	local img=$1 m
	check "$img: binder /usr/sbin/earlybind-init (executable)" has '^-rwx.* usr/sbin/earlybind-init$'
	check "$img: table /etc/earlybind/bindings.tbl" has ' etc/earlybind/bindings\.tbl$'
	for m in vfio vfio_iommu_type1 vfio-pci bochs snd-hda-intel; do
		check "$img: module $m.ko" has "/$m\\.ko(\\.[a-z]+)?$"
	done
}
image_plain_init() { # IMAGE: dracut's own init runs the hooks
	local img=$1 hooks first
	# dracut 059: (usr/)lib/dracut/hooks; dracut-ng: var/lib/dracut/hooks.
	hooks=$(grep -Eo '(var/|usr/)?lib/dracut/hooks/cmdline/[^/ ]+$' <<<"$list" | sed 's|.*/||' | LC_ALL=C sort)
	first=$(head -n 1 <<<"$hooks")
	is "$img: first cmdline hook (of: $(paste -sd' ' <<<"$hooks"))" "$first" 00-earlybind-cmdline.sh
	check "$img: 01-parse-kernel.sh is a later cmdline hook" grep -qx 01-parse-kernel.sh <<<"$hooks"
	check "$img: 01-parse-kernel.sh is what loads rd.driver.pre" \
		grep -q 'getargs rd.driver.pre' <<<"$(lsinitrd -f "$(path_of '/hooks/cmdline/01-parse-kernel\.sh')" "$work/$img.img")"
	check "$img: no earlybind.service" not has '/earlybind\.service$'
}
image_systemd() { # IMAGE
	local img=$1 unit before
	unit=$(lsinitrd -f "$(path_of 'systemd/system/earlybind\.service')" "$work/$img.img")
	check "$img: earlybind.service installed" test -n "$unit"
	check "$img: sysinit.target.wants/earlybind.service" has 'sysinit\.target\.wants/earlybind\.service( ->|$)'
	check "$img: DefaultDependencies=no" grep -qx 'DefaultDependencies=no' <<<"$unit"
	before=" $(sed -n 's/^Before=//p' <<<"$unit" | tr '\n' ' ') "
	for u in systemd-modules-load.service dracut-pre-udev.service systemd-udevd.service \
		systemd-udev-trigger.service sysinit.target; do
		check "$img: earlybind.service Before=$u" grep -q " $u " <<<"$before"
	done
	for u in systemd-modules-load dracut-pre-udev systemd-udev-trigger; do
		check "$img: $u.service in the image" has "systemd/system/$u\\.service\$"
	done
	check "$img: dracut-pre-udev is what loads rd.driver.pre" \
		grep -q 'getargs rd.driver.pre' <<<"$(lsinitrd -f "$(path_of 'bin/dracut-pre-udev')" "$work/$img.img")"
	check "$img: no cmdline hook of earlybind" not has '/hooks/cmdline/[0-9]+-earlybind'
	check "$img: no 01-parse-kernel.sh" not has '/hooks/cmdline/01-parse-kernel\.sh$'
}

# --- checks --------------------------------------------------------------------
for case in $cases; do
	case $case in
	images)
		for img in generic hostonly force generic-sd hostonly-sd force-sd; do
			[ "$(cat "$work/$img.build.rc" 2>/dev/null)" = 0 ] || { fail "$img: no image"; continue; }
			list=$(cat "$work/$img.list")
			image_common "$img"
			case $img in
			*-sd) image_systemd "$img" ;;
			*) image_plain_init "$img" ;;
			esac
			case $img in
			force*)
				check "$img: force_drivers became rd.driver.pre=bochs in etc/cmdline.d" grep -qx 'rd.driver.pre=bochs' \
					<<<"$(lsinitrd -f etc/cmdline.d/20-force_drivers.conf "$work/$img.img")"
				;;
			esac
		done
		;;
	noconf)
		if [ "$(cat "$work/noconf.build.rc" 2>/dev/null)" = 0 ]; then
			ok "image builds without a config"
			list=$(cat "$work/noconf.list")
			check "no binder, no table" not has 'earlybind-init|bindings\.tbl'
			check "no earlybind hook or unit" not has 'earlybind-cmdline|earlybind\.service'
			check "no vfio modules" not has '/vfio'
		else
			fail "image builds without a config (see $work/noconf.build.log)"
		fi
		;;
	renumber) renumber_checks renumber ;;
	badconf)
		if [ "$(cat "$work/badconf.build.rc" 2>/dev/null)" = 0 ]; then
			fail "dracut fails on a bad config"
		else
			ok "dracut fails on a bad config (exit $(cat "$work/badconf.build.rc"))"
			check "parser message bad.conf:2:COL: reaches the user" \
				grep -Eq "bad\.conf:2:[0-9]+: " "$work/badconf.build.log"
			check "dracut names earlybind and the config" \
				grep -q "earlybind: cannot compile $bad_conf" "$work/badconf.build.log"
			check "no image written" test ! -e "$work/badconf.img"
		fi
		;;
	*)
		state_of "$case" "${boot_image[$case]}" || continue
		case $case in
		*off)
			own_drivers
			check "report status disabled" report_status disabled
			;;
		*)
			to_vfio
			case $case in
			sd-*)
				check "systemd ran earlybind.service" dmesg_has 'systemd\[1\]: .*earlybind\.service'
				unit_first "$work/$case.console" systemd-udevd.service systemd-udev-trigger.service
				# rd.driver.pre (force_drivers too) makes dracut-pre-udev run.
				case $case in
				sd-pre | sd-force) unit_first "$work/$case.console" dracut-pre-udev.service ;;
				*) unit_first "$work/$case.console" --if-named dracut-pre-udev.service ;;
				esac
				unit_first "$work/$case.console" --if-named systemd-modules-load.service
				;;
			*) check "no systemd in the initramfs" not dmesg_has 'systemd\[1\]: ' ;;
			esac
			# QEMU was given no initrd: systemd-stub handed over its .initrd.
			[ "$case" != uki-uefi ] || check "the initrd is the UKI's, from systemd-stub" \
				grep -q 'EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID' "$work/$case.console"
			;;
		esac
		;;
	esac
done

echo "$passed passed, $failed failed"
finish
