#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of earlybind's mkinitcpio hooks with the real mkinitcpio v41
# (built from its release tarball by build-mkinitcpio.sh and run at Arch's
# paths by mkinitcpio-run.sh) and the QEMU guest of run.sh.
#
# Usage: Tests/e2e/mkinitcpio.sh STAGE [CASE...]
#   STAGE  tree made by `make install DESTDIR=STAGE PREFIX=/usr`
#   CASE   images noconf dropin lint
#          split modules off bind invalid                  (busybox init)
#          uefi                                            (split, booted through OVMF)
#          renumber   (a path rule, two boots: a card behind an earlier root port renumbers)
#          sd-split sd-modules sd-off sd-bind sd-invalid   (systemd init)
#          (default: all)
# Env: E2E_KVER, E2E_ACCEL, E2E_TIMEOUT, E2E_JOBS, E2E_WORK as for run.sh;
#   E2E_MKINITCPIO  a tree with usr/bin/mkinitcpio and usr/lib/initcpio
#                   (default: .build-mkinitcpio/root, built once by
#                   build-mkinitcpio.sh from E2E_UPSTREAM/mkinitcpio-41.tar.gz)
#
# Images are built as users build them: a mkinitcpio.conf with Arch's default
# HOOKS (busybox flavour; "sd-": the systemd flavour) and the drop-in directory
# beside it (MKINITCPIO_CONF=DIR/mkinitcpio.conf reads DIR/mkinitcpio.conf.d,
# where the staged earlybind.conf appends the hook); -D /usr/lib/initcpio
# leaves the machine's /etc/initcpio out. Two images per flavour boot:
#   fallback  built with -S autodetect, as Arch's fallback preset does: the
#             kms hook adds every DRM driver, so udev's coldplug binds bochs
#   modules   Arch's autodetect image with MODULES=(bochs): early KMS (its
#             root drivers are the build host's, virtio_blk and ext4 here,
#             which the guest's root needs too)
# and a third with an invalid config. Every boot loads snd_hda_intel in the
# guest's root afterwards (e2e.modprobe), as the real root's udev would.
# mkinitcpio v41 exits 1 on Debian 12 whatever the hooks do (known_errors
# below): a build is judged by its ERROR lines, which must be exactly those.
# Prints "ok"/"FAIL" per check and "N passed, N failed"; exits 1 on failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
all_cases="images noconf dropin lint split modules off bind invalid uefi sd-split sd-modules sd-off sd-bind sd-invalid renumber"

parse_args "$all_cases" "$@"
cli=$stage/usr/sbin/earlybind
binder=$stage/usr/lib/earlybind/earlybind-init
install_hook=$stage/usr/lib/initcpio/install/earlybind
run_hook=$stage/usr/lib/initcpio/hooks/earlybind
dropin=$stage/etc/mkinitcpio.conf.d/earlybind.conf
unit=$stage/usr/lib/earlybind/earlybind.service
for f in "$cli" "$binder" "$install_hook" "$run_hook" "$dropin" "$unit"; do
	[ -f "$f" ] || { echo "$me: $f missing" >&2; exit 2; }
done

if [ -n "${E2E_MKINITCPIO:-}" ]; then
	mkroot=$(cd "$E2E_MKINITCPIO" && pwd)
else
	mkdir -p "$repo/.build-mkinitcpio"
	"$here/build-mkinitcpio.sh" "$repo/.build-mkinitcpio" >"$repo/.build-mkinitcpio/build.log" 2>&1 || {
		echo "$me: building mkinitcpio failed (log: .build-mkinitcpio/build.log):" >&2
		tail -n 20 "$repo/.build-mkinitcpio/build.log" >&2
		exit 2
	}
	mkroot=$repo/.build-mkinitcpio/root
fi
[ -x "$mkroot/usr/bin/mkinitcpio" ] || { echo "$me: no usr/bin/mkinitcpio in $mkroot" >&2; exit 2; }
mkinitcpio_version=$(sed -n "s/^declare -r version='\(.*\)'$/\1/p" "$mkroot/usr/bin/mkinitcpio")

pick_kernel vmlinuz
make_work mkinitcpio
write_configs

# Arch's default HOOKS (mkinitcpio.conf of v41, and with -Dsystemd_hooks).
busybox_hooks='base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck'
systemd_hooks='base systemd autodetect microcode modconf kms keyboard sd-vconsole block filesystems fsck'
# What every v41 build prints on Debian 12, whatever the hooks do (so it
# exits 1): udev and systemd add /etc/udev/hwdb.bin, which only exists after
# `systemd-hwdb update` (v41 lists it as required; fixed after v41); systemd
# 252 has no systemd-executor, systemd-validatefs nor 20-systemd-stub.conf
# (v41 expects a newer systemd), and Debian builds it without vconsole
# support (no systemd-vconsole-setup, which sd-vconsole adds).
known_busybox=("==> ERROR: file not found: '/etc/udev/hwdb.bin'")
known_systemd=("==> ERROR: file not found: '/usr/lib/systemd/systemd-executor'"
	"==> ERROR: file not found: '/usr/lib/systemd/systemd-validatefs'"
	"==> ERROR: file not found: '/usr/lib/tmpfiles.d/20-systemd-stub.conf'"
	"==> ERROR: file not found: '/etc/udev/hwdb.bin'"
	"==> ERROR: file not found: '/usr/lib/systemd/systemd-vconsole-setup'")
# earlybind's own ERROR lines for an invalid config.
earlybind_errors() {
	printf '%s\n' "==> ERROR: earlybind: cannot compile '$1' for kernel $kver; fix it or remove it" \
		"==> ERROR: earlybind: this image does not bind any device early"
}

# --- images: NAME -> config, MODULES, flavour, options -------------------------
declare -A image_conf=() image_modules=() image_flavour=() image_opts=()
add_image() { image_conf[$1]=$2; image_modules[$1]=$3; image_flavour[$1]=$4; image_opts[$1]=${5:-}; }
for sd in "" sd-; do
	flavour=busybox
	[ -n "$sd" ] && flavour=systemd
	add_image "${sd}fallback" "$conf" "" "$flavour" "-S autodetect"
	add_image "${sd}modules" "$conf" "bochs" "$flavour"
	add_image "${sd}invalid" "$bad_conf" "" "$flavour" "-S autodetect"
done
add_image noconf "$work/absent.conf" "" busybox
add_image renumber "$renumber_conf" "" busybox "-S autodetect"

# build NAME: $work/NAME/image.img from NAME/mkinitcpio.conf and the staged
# drop-in beside it; log NAME/build.log, exit code NAME/build.rc, the image
# unpacked into NAME/tree.
build() {
	local name=$1 d=$work/$1 rc hooks=$busybox_hooks
	[ "${image_flavour[$name]}" = systemd ] && hooks=$systemd_hooks
	rm -rf "$d"
	mkdir -p "$d/tree"
	printf 'MODULES=(%s)\nBINARIES=()\nFILES=()\nHOOKS=(%s)\n' "${image_modules[$name]}" "$hooks" >"$d/mkinitcpio.conf"
	cp -a "$stage/etc/mkinitcpio.conf.d" "$d/"
	# shellcheck disable=SC2086 # image_opts holds several options
	MKINITCPIO_CONF=$d/mkinitcpio.conf EARLYBIND_CONF=${image_conf[$name]} \
		"$here/mkinitcpio-run.sh" "$mkroot" "$stage" mkinitcpio -k "$kver" -D /usr/lib/initcpio \
		-t "$d" ${image_opts[$name]} -g "$d/image.img" >"$d/build.log" 2>&1
	rc=$?
	if [ -s "$d/image.img" ]; then
		(cd "$d/tree" && "$here/mkinitcpio-run.sh" "$mkroot" "$stage" lsinitcpio -x ../image.img) \
			>"$d/unpack.log" 2>&1
		echo "lsinitcpio -x: exit $?" >>"$d/unpack.log"
	fi
	echo "$rc" >"$d/build.rc"
}

# --- boots: NAME -> image, kernel arguments ------------------------------------------
for sd in "" sd-; do
	wants "${sd}split" && add_boot "${sd}split" "${sd}fallback"
	wants "${sd}modules" && add_boot "${sd}modules" "${sd}modules"
	wants "${sd}off" && add_boot "${sd}off" "${sd}fallback" earlybind=off
	wants "${sd}bind" && add_boot "${sd}bind" "${sd}fallback" "earlybind.bind=$boot_gpu+allow-boot-vga"
	wants "${sd}invalid" && add_boot "${sd}invalid" "${sd}invalid"
done
wants uefi && add_boot uefi fallback
wants renumber && add_boot renumber-1 renumber && add_boot renumber-2 renumber

boot_one() { # NAME: waits for its image, boots it, extracts the state block
	local name=$1 img=${boot_image[$1]}
	while [ ! -e "$work/$img/build.rc" ]; do sleep 1; done
	[ -s "$work/$img/image.img" ] || return 0
	[ -s "$work/root.img" ] || return 0
	while [ ! -s "$work/accel" ]; do sleep 1; done
	# no_timer_check: see dracut.sh. snd_hda_intel is loaded in the root.
	E2E_ACCEL=$(cat "$work/accel") boot_guest "$name" "$work/$img/image.img" \
		no_timer_check e2e.modprobe=snd_hda_intel
}

start_accel_probe
[ "$accel" = auto ] || echo "$accel" >"$work/accel"

needed=()
need() { case " ${needed[*]} " in *" $1 "*) ;; *) needed+=("$1") ;; esac; }
for b in "${boot_names[@]}"; do need "${boot_image[$b]}"; done
if wants images; then for i in fallback modules sd-fallback sd-modules; do need "$i"; done; fi
wants noconf && need noconf

t0=$(date +%s)
build_root
# The table the host tool compiles outside mkinitcpio, to compare with the images'.
"$cli" compile --config "$conf" --kernel "$kver" --output "$work/host.tbl" --list-modules \
	>"$work/host.modules" 2>"$work/host.compile.log"
queue=()
for i in "${needed[@]}"; do queue+=("build $i"); done
for b in "${boot_names[@]}"; do queue+=("boot_one $b"); done
running() { jobs -rp | grep -cvx "${probe_pid:-none}"; }
for job in "${queue[@]}"; do
	while [ "$(running)" -ge "$jobs" ]; do wait -n; done
	# shellcheck disable=SC2086 # "function argument"
	$job &
done
wait # for the accelerator probe too
echo "# kernel $kver, accel $(cat "$work/accel"), mkinitcpio $mkinitcpio_version from $mkroot, work dir $work, all done in $(($(date +%s) - t0)) s"

# --- build checks ---------------------------------------------------------------------
built() { [ -s "$work/$1/image.img" ] && [ -e "$work/$1/tree/init" ]; }
# errors_are NAME LINE...: the build's ERROR lines are exactly LINE... (in any order).
errors_are() {
	local name=$1 got want
	shift
	got=$(grep '==> ERROR:' "$work/$name/build.log" | LC_ALL=C sort)
	want=$(printf '%s\n' "$@" | LC_ALL=C sort)
	[ "$got" = "$want" ] && return 0
	diff <(echo "$want") <(echo "$got") | sed -n 's/^> /    unexpected: /p; s/^< /    missing:    /p'
	return 1
}
known_errors() { # NAME: errors_are with the flavour's known lines (and more lines)
	local name=$1
	shift
	if [ "${image_flavour[$name]}" = systemd ]; then
		errors_are "$name" "${known_systemd[@]}" "$@"
	else
		errors_are "$name" "${known_busybox[@]}" "$@"
	fi
}
# hooks_ran NAME: the build hooks mkinitcpio ran, in order.
hooks_ran() { sed -n 's/^  -> Running build hook: \[\(.*\)\]$/\1/p' "$work/$1/build.log" | paste -sd' '; }
expected_hooks() { # NAME: its flavour's HOOKS (less what -S skips) and earlybind
	local hooks=$busybox_hooks
	[ "${image_flavour[$1]}" = systemd ] && hooks=$systemd_hooks
	case " ${image_opts[$1]} " in *" -S autodetect "*) hooks=${hooks/autodetect /} ;; esac
	echo "$hooks earlybind"
}
# has_module NAME MODULE: MODULE (a glob; - and _ alike) is in the image.
has_module() {
	local glob=${2//[-_]/[-_]}
	find "$work/$1/tree/usr/lib/modules/$kver" -name "$glob.ko*" 2>/dev/null | grep -q .
}
config_var() { sed -n "s/^$2=\"\\(.*\\)\"$/\\1/p" "$work/$1/tree/config"; }
no_earlybind() { # NAME: nothing of earlybind in the image
	local t=$work/$1/tree
	check "no binder, table, runtime hook or unit in $1" \
		not test -e "$t/usr/bin/earlybind-init" -o -e "$t/etc/earlybind" -o -e "$t/hooks/earlybind" \
		-o -e "$t/usr/lib/systemd/system/earlybind.service"
	# Not "no vfio*": without autodetect the kms hook adds i915's kvmgt,
	# which needs vfio and vfio_iommu_type1.
	check "no vfio-pci module in $1" not has_module "$1" vfio-pci
}
image_checks() { # NAME: an image of the e2e config
	local name=$1 t=$work/$1/tree m
	if ! built "$name"; then
		fail "$name: no image (see $work/$name/build.log, unpack.log)"
		tail -n 5 "$work/$name/build.log" "$work/$name/unpack.log" | sed 's/^/    /'
		return
	fi
	echo "# $name image: mkinitcpio exit $(cat "$work/$name/build.rc"), $(($(stat -c %s "$work/$name/image.img") / 1048576)) MiB"
	check "$name: ERROR lines are exactly v41's known ones on Debian 12" known_errors "$name"
	check "$name: drop-in read" grep -qxF "==> Using drop-in configuration file: 'earlybind.conf'" "$work/$name/build.log"
	is "$name: build hooks, earlybind appended by the drop-in" "$(hooks_ran "$name")" "$(expected_hooks "$name")"
	check "$name: binder /usr/sbin/earlybind-init is the staged one" cmp -s "$t/usr/sbin/earlybind-init" "$binder"
	check "$name: table equals the host's compile of the same config" \
		cmp -s "$t/etc/earlybind/bindings.tbl" "$work/host.tbl"
	for m in vfio vfio_iommu_type1 vfio-pci $(cat "$work/host.modules"); do
		check "$name: module $m in the image" has_module "$name" "$m"
	done
	check "$name: bochs in the image" has_module "$name" bochs
	for m in virtio_blk ext4; do
		check "$name: $m in the image (the guest's root needs it)" has_module "$name" "$m"
	done
	check "$name: snd_hda_intel not in the image (the guest's root loads it)" not has_module "$name" snd_hda_intel
	if [ "${image_flavour[$name]}" = systemd ]; then
		check "$name: unit is the staged one" cmp -s "$t/usr/lib/systemd/system/earlybind.service" "$unit"
		is "$name: sysinit.target.wants link" \
			"$(readlink "$t/usr/lib/systemd/system/sysinit.target.wants/earlybind.service")" ../earlybind.service
		check "$name: no runtime hook (systemd runs none)" not test -e "$t/hooks/earlybind"
		check "$name: /init is systemd" test "$(readlink "$t/init")" = usr/lib/systemd/systemd
		if [ -n "${image_modules[$name]}" ]; then
			is "$name: MODULES became modules-load.d/MODULES.conf" "$(cat "$t/etc/modules-load.d/MODULES.conf" 2>/dev/null)" bochs
		fi
	else
		check "$name: /hooks/earlybind is the staged runtime hook" cmp -s "$t/hooks/earlybind" "$run_hook"
		is "$name: /config EARLYHOOKS (udev's starts udevd)" "$(config_var "$name" EARLYHOOKS)" "udev earlybind"
		is "$name: /config MODULES" "$(config_var "$name" MODULES)" "${image_modules[$name]}"
		check "$name: no unit" not test -e "$t/usr/lib/systemd/system/earlybind.service"
	fi
}

# --- boot checks ----------------------------------------------------------------------
bochs_initialized() { grep '^dmesg ' "$st" | grep -q 'Initialized bochs-drm'; }
all_to_vfio() { # the image's table plus earlybind.bind= for the boot GPU
	local d
	for d in "$boot_gpu" "$guest_gpu" "$guest_audio"; do
		is "$d on vfio-pci" "$(field "$d" driver)" vfio-pci
	done
	is "overrides on both GPUs and the audio function" "$(overrides)" \
		"$boot_gpu=vfio-pci $guest_gpu=vfio-pci $guest_audio=vfio-pci "
	check "binder logged $boot_gpu -> vfio-pci for earlybind.bind" \
		dmesg_has "$(log_line "$boot_gpu" 1234:1111) \\(earlybind\\.bind"
	check "binder logged $guest_gpu -> vfio-pci from the config" \
		dmesg_has "$(log_line "$guest_gpu" 1234:1111) \\(line 2"
	check "bochs-drm initialized no GPU" not bochs_initialized
	check "report status done" report_status "done"
}
without_binder() {
	own_drivers
	check "no earlybind kernel log line" not dmesg_has 'earlybind:'
	check "no report" grep -qx 'report none' "$st"
}

# root_loaded_audio: the guest's root loaded snd_hda_intel (else "never probed" proves nothing).
root_loaded_audio() { grep -qx 'modprobe snd_hda_intel=ok' "$st"; }

for case in $cases; do
	case $case in
	images)
		for img in fallback modules sd-fallback sd-modules; do image_checks "$img"; done
		;;
	noconf)
		built noconf || { fail "no image without a config (see $work/noconf/build.log)"; continue; }
		check "ERROR lines are exactly v41's known ones" known_errors noconf
		is "build hooks, earlybind appended" "$(hooks_ran noconf)" "$(expected_hooks noconf)"
		no_earlybind noconf
		check "/config without earlybind" not grep -q earlybind "$work/noconf/tree/config"
		;;
	dropin)
		# show MAIN: source MAIN, then the drop-in twice; print HOOKS.
		show() {
			bash -c '. "$1"; . "$2"; . "$2"
				if declare -p HOOKS >/dev/null 2>&1 && ((${#HOOKS[@]})); then printf "%s " "${HOOKS[@]}"; fi
				compgen -v | grep -q "^_earlybind" && printf "LEFTOVER"; :' \
				_ "$1" "$dropin"
		}
		sample() { printf '%s\n' 'MODULES=()' "$1" >"$work/sample.conf"; echo "$work/sample.conf"; }
		is "Arch default HOOKS: earlybind appended once, order kept" \
			"$(show "$(sample "HOOKS=($busybox_hooks)")")" "$busybox_hooks earlybind "
		is "systemd HOOKS: earlybind after systemd" \
			"$(show "$(sample "HOOKS=($systemd_hooks)")")" "$systemd_hooks earlybind "
		is "earlybind already listed: HOOKS unchanged" \
			"$(show "$(sample 'HOOKS=(base udev earlybind block filesystems)')")" "base udev earlybind block filesystems "
		is "old string form: split, then appended" \
			"$(show "$(sample 'HOOKS="base udev block filesystems"')")" "base udev block filesystems earlybind "
		is "empty HOOKS left empty" "$(show "$(sample 'HOOKS=()')")" ""
		is "no HOOKS left without HOOKS" "$(show "$(sample '# no HOOKS here')")" ""
		;;
	lint)
		command -v shellcheck >/dev/null || { fail "shellcheck not installed"; continue; }
		# One run from the top of the repository, so that sourced files are
		# followed (as make lint does).
		if (cd "$repo" && shellcheck -x mkinitcpio/install/earlybind mkinitcpio/hooks/earlybind \
			mkinitcpio/earlybind.conf Tests/e2e/mkinitcpio.sh Tests/e2e/mkinitcpio-run.sh \
			Tests/e2e/build-mkinitcpio.sh Tests/e2e/lib.sh) >"$work/shellcheck.out" 2>&1; then
			ok "shellcheck of the hooks, the drop-in and this harness"
		else
			fail "shellcheck of the hooks, the drop-in and this harness"
			sed 's/^/    /' "$work/shellcheck.out"
		fi
		;;
	renumber) renumber_checks renumber ;;
	invalid | sd-invalid)
		img=${case%invalid}invalid
		if built "$img"; then
			ok "an image is still written"
			mapfile -t eb_errors < <(earlybind_errors "$bad_conf")
			check "ERROR lines: v41's known ones and earlybind's two" known_errors "$img" "${eb_errors[@]}"
		else
			fail "no image (see $work/$img/build.log)"
			continue
		fi
		check "parser message bad.conf:2:COL: reaches the user" grep -Eq "bad\.conf:2:[0-9]+: " "$work/$img/build.log"
		no_earlybind "$img"
		state_of "$case" "$img" || continue
		check "the guest's root loaded snd_hda_intel" root_loaded_audio
		without_binder
		;;
	*)
		state_of "$case" "${boot_image[$case]}" || continue
		console=$work/$case.console
		check "the guest's root loaded snd_hda_intel" root_loaded_audio
		case $case in
		*off)
			own_drivers
			check "report status disabled" report_status disabled
			;;
		*bind) all_to_vfio ;;
		*) to_vfio ;;
		esac
		case $case in
		split | off | bind | uefi)
			check "early hook [earlybind] ran after early hook [udev] (udevd started)" \
				console_before "$console" ':: running early hook [udev]' ':: running early hook [earlybind]'
			check "early hook [earlybind] ran before udev's coldplug (hook [udev])" \
				console_before "$console" ':: running early hook [earlybind]' ':: running hook [udev]'
			;;
		modules)
			check "early hook [earlybind] ran before MODULES loaded bochs" \
				console_before "$console" ':: running early hook [earlybind]' 'Initialized bochs-drm'
			check "MODULES loaded bochs before udev's coldplug (hook [udev])" \
				console_before "$console" 'Initialized bochs-drm' ':: running hook [udev]'
			;;
		sd-*)
			check "systemd ran earlybind.service" dmesg_has 'systemd\[1\]: Finished earlybind\.service'
			unit_first "$console" systemd-udevd.service systemd-udev-trigger.service
			# MODULES=(bochs) makes systemd-modules-load run.
			if [ "$case" = sd-modules ]; then
				unit_first "$console" systemd-modules-load.service
			else
				unit_first "$console" --if-named systemd-modules-load.service
			fi
			;;
		esac
		case $case in
		sd-modules)
			check "systemd-modules-load loaded bochs (MODULES), for the boot GPU" \
				console_before "$console" 'Starting systemd-modules-load.service' 'Initialized bochs-drm'
			;;
		sd-*) ;;
		*) check "no systemd in the initramfs" not grep -q 'systemd\[1\]: ' "$console" ;;
		esac
		;;
	esac
done

echo "$passed passed, $failed failed (total $(($(date +%s) - t0)) s)"
finish
