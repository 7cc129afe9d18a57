#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of earlybind with the real mkinitramfs and a QEMU guest.
#
# Usage: Tests/e2e/run.sh STAGE [CASE...]
#   STAGE  tree made by `make install DESTDIR=STAGE PREFIX=/usr`
#   CASE   image noconf badconf plain bind off dryrun corrupt kms uefi renumber (default:
#          all; uefi: the bind case booted through OVMF; renumber: two boots of a path rule,
#          before and after a card behind an earlier root port renumbers the buses)
# Env:
#   E2E_KVER     kernel (default: newest K with /boot/vmlinuz-K and /lib/modules/K)
#   E2E_ACCEL    kvm, tcg or auto (default: kvm only if a probe boot works)
#   E2E_TIMEOUT  seconds per boot (default 180)
#   E2E_JOBS     boots at once (default: CPUs, at most 4)
#   E2E_WORK     work dir (default: new dir in /tmp, removed after a clean run)
#
# Guest (boot.sh): q35 + intel-iommu; 00:03.0 VGA = firmware boot GPU;
# 00:05.0 an identical VGA with intel-hda at 00:05.1; root on virtio-blk; in the
# bind case also two qemu-xhci, 00:06.0 with a usb-kbd and 00:08.0 without, and
# two virtio-net NICs behind root ports, 01:00.0 named by ip= and 02:00.0.
# The config also takes every xHCI (class:0c0330, with a reset method qemu-xhci
# lacks: skipped, still bound) and every NIC (class:0200, reset-method=bus
# d3cold=off). The keyboard and network guards read the machine compile runs
# on, so the eb image carries a table compiled over a /sys and /proc/cmdline
# describing the guest (mount namespace, bind mounts); the guest prints its
# real input and network devices, and the bind case checks they sit where
# that view says.
# The initramfs carries bochs and snd_hda_intel like a distro image, so udev
# coldplug binds them unless earlybind got there first. The guest's
# /sbin/init (guest-init) prints a state block; the checks below read it.
# Prints "ok"/"FAIL" per check and "N passed, N failed"; exits 1 on failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
all_cases="image noconf badconf plain bind off dryrun corrupt kms uefi renumber"

parse_args "$all_cases" "$@"
for f in usr/sbin/earlybind usr/lib/earlybind/earlybind-init \
	usr/share/initramfs-tools/hooks/earlybind usr/share/initramfs-tools/scripts/init-top/earlybind; do
	[ -x "$stage/$f" ] || { echo "run.sh: $stage/$f missing or not executable" >&2; exit 2; }
done

# mkinitramfs reads /boot/config-K.
pick_kernel vmlinuz config
make_work e2e
write_configs
printf '%s\n' 'class:0c0330 reset-method=flr' 'class:0200 reset-method=bus d3cold=off' >>"$conf"
usb_kbd=0000:00:06.0 usb_free=0000:00:08.0 nic_boot=0000:01:00.0 nic_free=0000:02:00.0
boot_ip=ip=10.0.2.15::10.0.2.2:255.255.255.0:guest:eth0:off

# The guest's view for the guards: its usb-kbd's input device under 00:06.0,
# its eth0 on 01:00.0, and ip= naming eth0.
guest_table() {
	local g=$work/guest-sys kb nic
	kb=devices/pci0000:00/$usb_kbd/usb1/1-1/1-1:1.0/0003:0627:0001.0001/input/input1
	nic=devices/pci0000:00/0000:00:09.0/$nic_boot/virtio1
	mkdir -p "$g/$kb/capabilities" "$g/class/input" "$g/$nic/net/eth0" "$g/class/net"
	echo 120013 >"$g/$kb/capabilities/ev"
	echo '1000000000007 ff800000000007ff febeffdfffefffff fffffffffffffffe' >"$g/$kb/capabilities/key"
	echo 'QEMU QEMU USB Keyboard' >"$g/$kb/name"
	ln -sfn "../../$kb" "$g/class/input/input1"
	ln -sfn ../../../virtio1 "$g/$nic/net/eth0/device"
	ln -sfn "../../$nic/net/eth0" "$g/class/net/eth0"
	echo "root=/dev/vda $boot_ip" >"$work/guest-cmdline"
	# shellcheck disable=SC2016 # the inner script expands its own arguments
	unshare --mount --propagation private -- sh -c \
		'mount --bind "$1" /sys && mount --bind "$2" /proc/cmdline && shift 2 && exec "$@"' \
		sh "$g" "$work/guest-cmdline" "$stage/usr/sbin/earlybind" compile --config "$conf" \
		--kernel "$kver" --output "$work/guest.tbl" >"$work/guest-table.log" 2>&1
}

# --- accelerator probe, in the background while images build ----------------
start_accel_probe

# --- images ------------------------------------------------------------------
# build NAME CONF [mkinitrd options]: $work/NAME.img, log in NAME.build.log
build() {
	local name=$1 c=$2
	shift 2
	"$here/mkinitrd.sh" "$@" "$stage" "$c" "$kver" "$work/$name.img" >"$work/$name.build.log" 2>&1
}
declare -A built=()
need_image() {
	local name=$1 c=$conf
	shift
	[ "$name" = renumber ] && c=$renumber_conf
	[ -n "${built[$name]:-}" ] && return "${built[$name]}"
	if build "$name" "$c" "$@"; then built[$name]=0; else built[$name]=1; fi
	if [ "${built[$name]}" != 0 ]; then
		case=build
		fail "mkinitramfs for the $name image (see $work/$name.build.log)"
		tail -n 20 "$work/$name.build.log" | sed 's/^/    /'
	fi
	return "${built[$name]}"
}

wants plain && add_boot plain plain e2e.modprobe=vfio_pci
wants bind && add_boot bind eb "e2e.needs $boot_ip"
wants off && add_boot off eb earlybind=off
wants dryrun && add_boot dryrun eb earlybind.dry_run
wants corrupt && add_boot corrupt corrupt
wants kms && add_boot kms kms
wants uefi && add_boot uefi eb
wants renumber && add_boot renumber-1 renumber && add_boot renumber-2 renumber

t0=$(date +%s)
build_root
for name in plain eb corrupt kms renumber; do
	use=
	for b in "${boot_names[@]}"; do [ "${boot_image[$b]}" = "$name" ] && use=1; done
	[ "$name" = eb ] && wants image && use=1
	[ -n "$use" ] || continue
	case $name in
	plain) need_image plain --plain ;;
	eb)
		case=build
		if guest_table; then
			check "compile in the guest's view guards the keyboard's controller and the boot NIC" \
				grep -q "guards \[keyboard $usb_kbd, network $nic_boot\]" "$work/guest-table.log"
			need_image eb --table "$work/guest.tbl"
		else
			fail "compile in the guest's view (see $work/guest-table.log)"
		fi
		;;
	corrupt) need_image corrupt --corrupt ;;
	kms) need_image kms --kms ;;
	renumber) need_image renumber ;;
	esac
done
wait_accel
echo "# kernel $kver, accel $accel, work dir $work, images built in $(($(date +%s) - t0)) s"

# --- boots, up to $jobs at once ------------------------------------------------
bootable() { [ "${built[${boot_image[$1]}]:-1}" = 0 ] && [ -s "$work/root.img" ]; }
boot_one() { boot_guest "$1" "$work/${boot_image[$1]}.img"; }
boot_all bootable boot_one
wait

# The keyboard and network guards and the device settings, in the bind case's guest.
needs_checks() {
	local report
	check "the guest's keyboard sits under $usb_kbd, as the compiled view says" \
		grep -Eq "^input input[0-9]+ path=/sys/devices/pci0000:00/$usb_kbd/.* key=.*fffffffffffffffe" "$st"
	check "the guest's eth0 is $nic_boot, as the compiled view says" \
		grep -Eq "^net eth0 device=/sys/devices/pci0000:00/0000:00:09.0/$nic_boot/virtio[0-9]+$" "$st"
	is "keyboard controller $usb_kbd has no override" "$(field "$usb_kbd" override)" "(null)"
	is "keyboard controller $usb_kbd on xhci_hcd" "$(field "$usb_kbd" driver)" xhci_hcd
	check "binder refused $usb_kbd for its keyboard" \
		dmesg_has "earlybind: ${usb_kbd//./\\.} \\[1b36:000d\\] skipped: a keyboard is behind it"
	is "free controller $usb_free on vfio-pci" "$(field "$usb_free" driver)" vfio-pci
	is "boot NIC $nic_boot has no override" "$(field "$nic_boot" override)" "(null)"
	is "boot NIC $nic_boot on virtio-pci" "$(field "$nic_boot" driver)" virtio-pci
	check "binder refused $nic_boot for the boot network" \
		dmesg_has "earlybind: ${nic_boot//./\\.} \\[1af4:1041\\] skipped: the boot's own network runs on it"
	is "free NIC $nic_free on vfio-pci" "$(field "$nic_free" driver)" vfio-pci
	is "d3cold_allowed on $nic_free (d3cold=off)" "$(field "$nic_free" d3cold)" 0
	is "d3cold_allowed on $nic_boot (untouched)" "$(field "$nic_boot" d3cold)" 1
	is "reset_method on $nic_free (reset-method=bus)" "$(field "$nic_free" reset_method)" bus
	check "reset_method on $nic_boot (untouched) is the kernel's longer list" \
		grep -Eq "^pci bdf=$nic_boot .* reset_method=[a-z_]+,[a-z_,]*bus " "$st"
	report=$(sed -n 's/^report //p' "$st")
	check "report: settings written on $nic_free" grep -qF \
		"\"address\":\"$nic_free\",\"id\":\"[1af4:1041]\",\"driver\":\"vfio-pci\",\"reason\":\"line 4\",\"outcome\":\"bound\",\"detail\":\"\",\"settings\":[\"reset_method=bus\",\"d3cold_allowed=0\"]" <<<"$report"
	check "report: the reset method qemu-xhci lacks skipped on $usb_free, still bound" grep -qF \
		"\"outcome\":\"bound\",\"detail\":\"\",\"settings\":[\"reset_method=flr skipped: no such attribute\"]" <<<"$report"
}

# --- checks --------------------------------------------------------------------
for case in $cases; do
	case $case in
	image)
		[ "${built[eb]:-1}" = 0 ] || { fail "no image"; continue; }
		x=$work/eb.unpacked
		rm -rf "$x"
		unmkinitramfs "$work/eb.img" "$x" || { fail "unmkinitramfs"; continue; }
		[ -d "$x/main" ] && x=$x/main
		check "binder at /usr/sbin/earlybind-init" test -x "$x/usr/sbin/earlybind-init"
		check "table at /etc/earlybind/bindings.tbl" test -s "$x/etc/earlybind/bindings.tbl"
		check "boot script scripts/init-top/earlybind" test -x "$x/scripts/init-top/earlybind"
		for m in vfio vfio_iommu_type1 vfio-pci; do
			check "module $m.ko" grep -q "/$m\.ko" <<<"$(find "$x/usr/lib/modules/$kver" -name '*.ko*')"
		done
		order=$x/scripts/init-top/ORDER
		eb_line=$(grep -n '/earlybind ' "$order" | cut -d: -f1)
		udev_line=$(grep -n '/udev ' "$order" | cut -d: -f1)
		if [ -n "$eb_line" ] && [ -n "$udev_line" ] && [ "$eb_line" -lt "$udev_line" ]; then
			ok "init-top ORDER runs earlybind before udev"
		else
			fail "init-top ORDER runs earlybind before udev (lines '$eb_line' and '$udev_line')"
		fi
		;;
	noconf)
		if build noconf "$work/absent.conf"; then
			ok "image builds without a config"
			list=$(lsinitramfs "$work/noconf.img")
			check "no binder, no table" not grep -Eq "earlybind-init|bindings\.tbl" <<<"$list"
			check "no vfio modules" not grep -q "/vfio" <<<"$list"
		else
			fail "image builds without a config (see $work/noconf.build.log)"
		fi
		;;
	badconf)
		if build badconf "$bad_conf"; then
			fail "mkinitramfs fails on a bad config"
		else
			ok "mkinitramfs fails on a bad config"
			check "parser message bad.conf:2:COL: reaches the user" \
				grep -Eq "bad\.conf:2:[0-9]+: " "$work/badconf.build.log"
		fi
		;;
	renumber) renumber_checks renumber ;;
	*)
		state_of "$case" || continue
		case $case in
		plain)
			is "boot_vga on $boot_gpu" "$(field "$boot_gpu" boot_vga)" 1
			is "boot_vga on $guest_gpu" "$(field "$guest_gpu" boot_vga)" 0
			own_drivers
			groups=$(sed -n 's/^iommu_groups //p' "$st")
			check "IOMMU groups exist ($groups)" test "${groups:-0}" -gt 0
			is "$guest_audio in the IOMMU group of $guest_gpu" \
				"$(field "$guest_audio" iommu_group)" "$(field "$guest_gpu" iommu_group)"
			check "vfio_pci module loads" grep -q '^modprobe vfio_pci=ok' "$st"
			check "no earlybind in the image" not dmesg_has "earlybind:"
			;;
		bind)
			vfio_extra="$usb_free=vfio-pci $nic_free"
			to_vfio
			vfio_extra=
			needs_checks
			;;
		kms | uefi)
			to_vfio
			if [ "$case" = kms ]; then
				rm -rf "$work/kms.unpacked"
				unmkinitramfs "$work/kms.img" "$work/kms.unpacked"
				modules=$work/kms.unpacked/conf/modules
				[ -e "$modules" ] || modules=$work/kms.unpacked/main/conf/modules
				check "image loads bochs early (conf/modules)" grep -Eq "^bochs( |$)" "$modules"
			fi
			;;
		off)
			own_drivers
			check "report status disabled" report_status disabled
			;;
		dryrun)
			own_drivers
			check "binder logged the decision for $guest_gpu" \
				dmesg_has "$(log_line "$guest_gpu" 1234:1111).*dry.run"
			check "report status dry-run" report_status dry-run
			;;
		corrupt)
			own_drivers
			check "binder logged the table error" dmesg_has 'earlybind: .*table'
			check "report status table-error" report_status table-error
			;;
		esac
		;;
	esac
done

echo "$passed passed, $failed failed"
finish
