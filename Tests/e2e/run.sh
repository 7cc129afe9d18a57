#!/bin/bash
# End-to-end test of earlybind with the real mkinitramfs and a QEMU guest.
#
# Usage: Tests/e2e/run.sh STAGE [CASE...]
#   STAGE  tree made by `make install DESTDIR=STAGE PREFIX=/usr`
#   CASE   image noconf badconf plain bind off dryrun corrupt kms (default: all)
# Env:
#   E2E_KVER     kernel (default: newest K with /boot/vmlinuz-K and /lib/modules/K)
#   E2E_ACCEL    kvm, tcg or auto (default: kvm only if a probe boot works)
#   E2E_TIMEOUT  seconds per boot (default 180)
#   E2E_JOBS     boots at once (default: CPUs, at most 4)
#   E2E_WORK     work dir (default: new dir in /tmp, removed after a clean run)
#
# Guest (boot.sh): q35 + intel-iommu; 00:03.0 VGA = firmware boot GPU;
# 00:05.0 an identical VGA with intel-hda at 00:05.1; root on virtio-blk.
# The initramfs carries bochs and snd_hda_intel like a distro image, so udev
# coldplug binds them unless earlybind got there first. The guest's
# /sbin/init (guest-init) prints a state block; the checks below read it.
# Prints "ok"/"FAIL" per check and "N passed, N failed"; exits 1 on failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
all_cases="image noconf badconf plain bind off dryrun corrupt kms"

stage=${1:-}
if [ -z "$stage" ] || [ ! -d "$stage" ]; then
	echo "usage: $0 STAGE [CASE...]   (cases: $all_cases)" >&2
	exit 2
fi
stage=$(cd "$stage" && pwd)
shift
cases=${*:-$all_cases}
for c in $cases; do
	case " $all_cases " in *" $c "*) ;; *) echo "run.sh: unknown case $c" >&2; exit 2 ;; esac
done
for f in usr/sbin/earlybind usr/lib/earlybind/earlybind-init \
	usr/share/initramfs-tools/hooks/earlybind usr/share/initramfs-tools/scripts/init-top/earlybind; do
	[ -x "$stage/$f" ] || { echo "run.sh: $stage/$f missing or not executable" >&2; exit 2; }
done

kver=${E2E_KVER:-}
if [ -z "$kver" ]; then
	for k in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V); do
		[ -r "/boot/vmlinuz-$k" ] && [ -e "/boot/config-$k" ] && kver=$k
	done
fi
[ -n "$kver" ] || { echo "run.sh: no kernel with /boot/vmlinuz-K and /lib/modules/K" >&2; exit 2; }

work=${E2E_WORK:-$(mktemp -d /tmp/earlybind-e2e.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
jobs=${E2E_JOBS:-$(nproc)}
[ "$jobs" -le 4 ] || jobs=4

boot_gpu=0000:00:03.0 guest_gpu=0000:00:05.0 guest_audio=0000:00:05.1

passed=0 failed=0 case=
ok() { echo "ok   $case: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $case: $*"; failed=$((failed + 1)); }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
# is WHAT ACTUAL EXPECTED
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', want '$3')"; fi
}
not() { ! "$@"; }
wants() { case " $cases " in *" $1 "*) return 0 ;; esac; return 1; }

# --- configs -----------------------------------------------------------------
conf=$work/earlybind.conf
printf '%s\n' '# e2e: hand the second GPU (and its audio function) to vfio-pci' \
	'non-boot-vga' >"$conf"
bad_conf=$work/bad.conf
printf '%s\n' '# e2e: line 2 has a typo' 'non-boot-vga functionz=all' >"$bad_conf"

# --- accelerator probe, in the background while images build ----------------
accel=${E2E_ACCEL:-auto}
if [ "$accel" = auto ]; then
	"$here/boot.sh" --probe-accel "$kver" >"$work/accel" &
	probe_pid=$!
fi

# --- images ------------------------------------------------------------------
# build NAME CONF [mkinitrd options]: $work/NAME.img, log in NAME.build.log
build() {
	local name=$1 c=$2
	shift 2
	"$here/mkinitrd.sh" "$@" "$stage" "$c" "$kver" "$work/$name.img" >"$work/$name.build.log" 2>&1
}
declare -A built=()
need_image() {
	local name=$1
	shift
	[ -n "${built[$name]:-}" ] && return "${built[$name]}"
	if build "$name" "$conf" "$@"; then built[$name]=0; else built[$name]=1; fi
	if [ "${built[$name]}" != 0 ]; then
		case=build
		fail "mkinitramfs for the $name image (see $work/$name.build.log)"
		tail -n 20 "$work/$name.build.log" | sed 's/^/    /'
	fi
	return "${built[$name]}"
}

boot_names=()
declare -A boot_image=() boot_args=()
add_boot() { boot_names+=("$1"); boot_image[$1]=$2; boot_args[$1]=${3:-}; }
wants plain && add_boot plain plain e2e.modprobe=vfio_pci
wants bind && add_boot bind eb
wants off && add_boot off eb earlybind=off
wants dryrun && add_boot dryrun eb earlybind.dry_run
wants corrupt && add_boot corrupt corrupt
wants kms && add_boot kms kms

t0=$(date +%s)
if [ ${#boot_names[@]} -gt 0 ]; then
	"$here/mkroot.sh" "$kver" "$work/root.img" >"$work/root.build.log" 2>&1 ||
		{ case=build; fail "guest root image (see $work/root.build.log)"; }
fi
for name in plain eb corrupt kms; do
	use=
	for b in "${boot_names[@]}"; do [ "${boot_image[$b]}" = "$name" ] && use=1; done
	[ "$name" = eb ] && wants image && use=1
	[ -n "$use" ] || continue
	case $name in
	plain) need_image plain --plain ;;
	eb) need_image eb ;;
	corrupt) need_image corrupt --corrupt ;;
	kms) need_image kms --kms ;;
	esac
done
if [ -n "${probe_pid:-}" ]; then
	wait "$probe_pid"
	accel=$(cat "$work/accel")
fi
export E2E_ACCEL=$accel
echo "# kernel $kver, accel $accel, work dir $work, images built in $(($(date +%s) - t0)) s"

# --- boots, up to $jobs at once ------------------------------------------------
boot_one() {
	local name=$1 start end
	start=$(date +%s.%N)
	"$here/boot.sh" "$kver" "$work/${boot_image[$name]}.img" "$work/root.img" \
		"$work/$name.log" ${boot_args[$name]:+"${boot_args[$name]}"} 2>"$work/$name.boot.err"
	echo "$?" >"$work/$name.rc"
	end=$(date +%s.%N)
	echo "$start $end" | awk '{ printf "%.1f\n", $2 - $1 }' >"$work/$name.time"
	tr -d '\r' <"$work/$name.log" |
		sed -n '/^@@EARLYBIND-E2E-BEGIN@@$/,/^@@EARLYBIND-E2E-END@@$/p' >"$work/$name.state"
}
running=0
for name in "${boot_names[@]}"; do
	[ "${built[${boot_image[$name]}]:-1}" = 0 ] || continue
	[ -s "$work/root.img" ] || continue
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	boot_one "$name" &
	running=$((running + 1))
done
wait

# --- state block accessors -----------------------------------------------------
st=
field() { # BDF KEY
	awk -v b="bdf=$1" -v k="$2=" '$1 == "pci" && $2 == b {
		for (i = 3; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$st"
}
dmesg_has() { grep -Eq "^dmesg .*$1" "$st"; }
# bochs-drm names the BDF when it probes ("Initialized bochs-drm ... for BDF");
# snd_hda_intel does not, but its codec lines (hdaudioC0D0) follow a probe of
# the guest's only HDA controller.
gpu_probed() { grep '^dmesg ' "$st" | grep -v 'earlybind:' | grep -F "$guest_gpu" | grep -q bochs; }
audio_probed() {
	grep '^dmesg ' "$st" | grep -v 'earlybind:' | grep -Eq "snd_hda_intel $guest_audio|hdaudioC[0-9]"
}
report_status() { grep -q "^report .*\"status\":\"$1\"" "$st"; }
log_line() { printf 'earlybind: %s \\[%s\\] -> vfio-pci' "${1//./\\.}" "$2"; }

overrides() { grep '^pci ' "$st" | grep -v 'override=(null)' | sed 's/.*bdf=\([^ ]*\).* override=\([^ ]*\).*/\1=\2/' | tr '\n' ' '; }
own_drivers() {
	is "boot GPU $boot_gpu on bochs-drm" "$(field "$boot_gpu" driver)" bochs-drm
	is "second GPU $guest_gpu on bochs-drm" "$(field "$guest_gpu" driver)" bochs-drm
	is "audio $guest_audio on snd_hda_intel" "$(field "$guest_audio" driver)" snd_hda_intel
	check "snd_hda_intel probed $guest_audio (codec lines)" audio_probed
	is "no driver_override written" "$(overrides)" ""
}
to_vfio() {
	is "boot GPU $boot_gpu on bochs-drm" "$(field "$boot_gpu" driver)" bochs-drm
	is "second GPU $guest_gpu on vfio-pci" "$(field "$guest_gpu" driver)" vfio-pci
	is "audio $guest_audio on vfio-pci" "$(field "$guest_audio" driver)" vfio-pci
	is "overrides only on the second GPU's slot" "$(overrides)" \
		"$guest_gpu=vfio-pci $guest_audio=vfio-pci "
	check "binder logged $guest_gpu -> vfio-pci" dmesg_has "$(log_line "$guest_gpu" 1234:1111)"
	check "binder logged $guest_audio -> vfio-pci" dmesg_has "$(log_line "$guest_audio" 8086:2668)"
	check "bochs-drm never probed $guest_gpu" not gpu_probed
	check "snd_hda_intel never probed $guest_audio" not audio_probed
	check "report status done" report_status "done"
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
	*)
		st=$work/$case.state
		if ! grep -q '^@@EARLYBIND-E2E-END@@$' "$st" 2>/dev/null; then
			fail "no state block (rc $(cat "$work/$case.rc" 2>/dev/null), console $work/$case.log)"
			tail -n 25 "$work/$case.log" 2>/dev/null | tr -d '\r' | sed 's/^/    /'
			continue
		fi
		echo "# $case: boot $(cat "$work/$case.time") s wall, init at $(sed -n 's/^uptime //p' "$st") s guest uptime"
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
		bind | kms)
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
if [ "$failed" -eq 0 ] && [ -z "${E2E_WORK:-}" ]; then
	rm -rf "$work"
elif [ "$failed" -ne 0 ]; then
	echo "# logs kept in $work"
fi
[ "$failed" -eq 0 ]
