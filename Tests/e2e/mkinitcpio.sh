#!/bin/bash
# End-to-end test of earlybind's mkinitcpio hooks, without mkinitcpio (it is
# not packaged in Debian): Tests/e2e/mkinitcpio/build.sh implements the
# build-hook API that mkinitcpio(8) documents and builds images with it; its
# /init follows the documented busybox init order (early hooks, then the
# MODULES array, then hooks such as udev's coldplug) but is not mkinitcpio's
# own init. The images boot in the QEMU guest of boot.sh.
#
# Usage: Tests/e2e/mkinitcpio.sh STAGE [CASE...]
#   STAGE  tree made by `make install DESTDIR=STAGE PREFIX=/usr`
#   CASE   api noconf badconf systemd dropin lint bind kms off (default: all)
# Env: E2E_KVER, E2E_ACCEL, E2E_TIMEOUT, E2E_JOBS, E2E_WORK as for run.sh.
#
# The boot images list HOOKS=(base udev block filesystems e2e-drivers) and
# get earlybind from the installed drop-in, that is after udev. e2e-drivers
# adds bochs and snd_hda_intel, so udev's coldplug (or MODULES=(bochs) in
# the kms image) binds them unless earlybind got there first. The systemd
# case checks what the build adds for a systemd image; nothing boots systemd.
# Prints "ok"/"FAIL" per check and "N passed, N failed"; exits 1 on failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
lib=$here/mkinitcpio
all_cases="api noconf badconf systemd dropin lint bind kms off"

parse_args "$all_cases" "$@"
cli=$stage/usr/sbin/earlybind
binder=$stage/usr/lib/earlybind/earlybind-init
install_hook=$stage/usr/lib/initcpio/install/earlybind
run_hook=$stage/usr/lib/initcpio/hooks/earlybind
dropin=$stage/etc/mkinitcpio.conf.d/earlybind.conf
unit=$stage/usr/lib/earlybind/earlybind.service
for f in "$cli" "$binder" "$install_hook" "$run_hook" "$dropin"; do
	[ -f "$f" ] || { echo "mkinitcpio.sh: $f missing" >&2; exit 2; }
done

pick_kernel vmlinuz
make_work mkinitcpio
write_configs

# build NAME EARLYBIND_CONF 'HOOKS' 'MODULES' [-g]: builds $work/NAME/tree
# from a mkinitcpio.conf with these arrays plus the installed drop-in; the
# build-hook calls go to NAME/calls, the output to NAME/build.log.
build() {
	local name=$1 c=$2 hooks=$3 modules=$4 d=$work/$1
	local -a image=()
	[ "${5:-}" = -g ] && image=(-g "$d/image")
	rm -rf "$d"
	mkdir -p "$d/conf.d"
	printf 'MODULES=(%s)\nBINARIES=()\nFILES=()\nHOOKS=(%s)\n' "$modules" "$hooks" >"$d/mkinitcpio.conf"
	cp "$dropin" "$d/conf.d/"
	EARLYBIND_CONF=$c EARLYBIND=$cli EARLYBIND_INIT=$binder EARLYBIND_UNIT=$unit \
		"$lib/build.sh" -k "$kver" -c "$d/mkinitcpio.conf" -C "$d/conf.d" \
		-D "$stage/usr/lib/initcpio" -D "$lib" -t "$d/tree" -L "$d/calls" "${image[@]}" \
		>"$d/build.log" 2>&1
}
# called NAME 'HOOK CALLER FUNCTION ARGS': the exact line is in NAME/calls.
called() { grep -qxF -- "$2" "$work/$1/calls"; }
# earlybind_calls NAME: the calls of the earlybind build hook.
earlybind_calls() { grep '^earlybind ' "$work/$1/calls" 2>/dev/null; }
has_vfio_modules() { find "$1/usr/lib/modules/$kver" -name 'vfio*.ko*' 2>/dev/null | grep -q .; }
unit_runs_binder() {
	grep -q '^ExecStart=-\{0,1\}/usr/sbin/earlybind-init' "$unit" && test -x "$1/usr/sbin/earlybind-init"
}
unit_before() { grep '^Before=' "$unit" | grep -qw -- "$1"; }
lint_all() {
	(cd "$repo" && shellcheck "$@") >"$work/shellcheck.out" 2>&1 && return 0
	sed 's/^/    /' "$work/shellcheck.out"
	return 1
}
config_var() { sed -n "s/^$2=\"\\(.*\\)\"$/\\1/p" "$work/$1/tree/config"; }

# --- images and the guest root, in the background ------------------------------
t0=$(date +%s)
start_accel_probe
boot_hooks='base udev block filesystems e2e-drivers'
pids=()
if wants api || wants bind || wants off; then
	(build eb "$conf" "$boot_hooks" '' -g; echo $? >"$work/eb.rc") &
	pids+=($!)
fi
if wants kms; then
	(build kms "$conf" "$boot_hooks" 'bochs' -g; echo $? >"$work/kms.rc") &
	pids+=($!)
fi
if wants bind || wants kms || wants off; then
	("$here/mkroot.sh" "$kver" "$work/root.img" >"$work/root.build.log" 2>&1; echo $? >"$work/root.rc") &
	pids+=($!)
fi
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
wait_accel
echo "# kernel $kver, accel $accel, work dir $work, images built in $(($(date +%s) - t0)) s"
built() { [ "$(cat "$work/$1.rc" 2>/dev/null)" = 0 ]; }

# --- boots, up to $jobs at once --------------------------------------------------
wants bind && add_boot bind eb
wants kms && add_boot kms kms
wants off && add_boot off eb earlybind=off
bootable() { built "${boot_image[$1]}" && built root; }
boot_one() { boot_guest "$1" "$work/${boot_image[$1]}/image"; }
boot_all bootable boot_one
# The build-only cases run while the guests boot.
(wants noconf && build noconf "$work/absent.conf" 'udev earlybind' ''; echo $? >"$work/noconf.rc")
(wants badconf && build badconf "$bad_conf" 'udev earlybind' ''; echo $? >"$work/badconf.rc")
if wants systemd; then
	(build systemd "$conf" 'systemd earlybind' ''; echo $? >"$work/systemd.rc")
	(build systemd-late "$conf" 'earlybind systemd' ''; echo $? >"$work/systemd-late.rc")
fi
wait

# --- guest console ----------------------------------------------------------------
# console_before CONSOLE FIRST SECOND: a line matching FIRST (fixed string)
# comes before the first line matching SECOND.
console_before() {
	local a b
	a=$(grep -nF -- "$2" "$1" | head -n1 | cut -d: -f1)
	b=$(grep -nF -- "$3" "$1" | head -n1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}
# --- checks ------------------------------------------------------------------------
for case in $cases; do
	case $case in
	api)
		d=$work/eb
		built eb || { fail "build failed (see $d/build.log)"; tail -n 15 "$d/build.log" | sed 's/^/    /'; continue; }
		ok "image builds (HOOKS from mkinitcpio.conf + drop-in)"
		is "build hooks ran in HOOKS order, earlybind appended last" \
			"$(sed -n 's|.*Running build hook: \[.*/\([^/]*\)\]$|\1|p' "$d/build.log" | tr '\n' ' ')" \
			"base udev block filesystems e2e-drivers earlybind "
		check "installed files carry no @SBINDIR@/@LIBDIR@" \
			not grep -q '@SBINDIR@\|@LIBDIR@' "$install_hook" "$run_hook" "$dropin"
		check "add_binary of the binder to /usr/sbin/earlybind-init" \
			called eb "earlybind build add_binary $binder /usr/sbin/earlybind-init"
		listed=$("$cli" compile --config "$conf" --kernel "$kver" --output "$work/list.tbl" --list-modules)
		for m in $listed; do
			check "add_module $m? (from compile --list-modules)" called eb "earlybind build add_module $m?"
		done
		check "add_runscript" called eb "earlybind build add_runscript "
		check "no add_checked_modules, no add_systemd_unit" \
			not grep -Eq '^earlybind [^ ]+ (add_checked_modules|add_systemd_unit) ' "$d/calls"
		check "binder at /usr/sbin/earlybind-init" test -x "$d/tree/usr/sbin/earlybind-init"
		check "table at /etc/earlybind/bindings.tbl" test -s "$d/tree/etc/earlybind/bindings.tbl"
		check "table equals the host compile of the same config" \
			cmp -s "$d/tree/etc/earlybind/bindings.tbl" "$work/list.tbl"
		check "/hooks/earlybind is the installed runtime hook" cmp -s "$d/tree/hooks/earlybind" "$run_hook"
		is "/hooks/earlybind mode" "$(stat -c %a "$d/tree/hooks/earlybind")" 755
		for m in vfio vfio_iommu_type1 vfio-pci; do
			check "module $m.ko in the image" test -n "$(find "$d/tree/usr/lib/modules/$kver" -name "$m.ko*")"
		done
		check "modules.dep.bin generated" test -s "$d/tree/usr/lib/modules/$kver/modules.dep.bin"
		is "/config EARLYHOOKS (udev starts udevd, then earlybind)" "$(config_var eb EARLYHOOKS)" "udev earlybind"
		is "/config HOOKS (earlybind has no run_hook)" "$(config_var eb HOOKS)" "udev"
		;;
	noconf)
		d=$work/noconf
		if built noconf; then ok "image builds without a config"; else fail "image builds without a config (see $d/build.log)"; fi
		is "earlybind made no add_* call" "$(earlybind_calls noconf | wc -l)" 0
		check "no binder, no table, no runtime hook" \
			not test -e "$d/tree/usr/sbin/earlybind-init" -o -e "$d/tree/etc/earlybind" -o -e "$d/tree/hooks/earlybind"
		check "no vfio modules" not has_vfio_modules "$d/tree"
		check "EARLYHOOKS without earlybind" not grep -q earlybind "$d/tree/config"
		;;
	badconf)
		d=$work/badconf
		if built badconf; then
			fail "build fails on a bad config"
		else
			ok "build fails on a bad config (exit $(cat "$work/badconf.rc"))"
		fi
		check "parser message bad.conf:2:COL: reaches the user" grep -Eq "bad\.conf:2:[0-9]+: " "$d/build.log"
		check "earlybind's ERROR line" grep -q '==> ERROR: earlybind: cannot compile' "$d/build.log"
		check "counted as a build error (failing add_earlybind_table)" \
			grep -q 'add_earlybind_table@earlybind' "$d/build.log"
		check "nothing of earlybind in the image" \
			not test -e "$d/tree/usr/sbin/earlybind-init" -o -e "$d/tree/etc/earlybind/bindings.tbl" -o -e "$d/tree/hooks/earlybind"
		check "no vfio modules" not has_vfio_modules "$d/tree"
		;;
	systemd)
		d=$work/systemd
		[ -f "$unit" ] || { fail "$unit missing from the stage"; continue; }
		if built systemd; then ok "build with HOOKS=(systemd earlybind)"; else fail "build with HOOKS=(systemd earlybind) (see $d/build.log)"; fi
		check "unit added from the stage with add_file" called systemd \
			"earlybind build add_file $unit /usr/lib/systemd/system/earlybind.service 644"
		check "enabled with add_symlink into sysinit.target.wants" called systemd \
			"earlybind build add_symlink /usr/lib/systemd/system/sysinit.target.wants/earlybind.service ../earlybind.service"
		check "no add_runscript (systemd runs no run_* hook)" not grep -q '^earlybind build add_runscript' "$d/calls"
		check "unit in the image equals the shared unit" \
			cmp -s "$d/tree/usr/lib/systemd/system/earlybind.service" "$unit"
		is "wants link" "$(readlink "$d/tree/usr/lib/systemd/system/sysinit.target.wants/earlybind.service")" \
			../earlybind.service
		check "wants link resolves in the image" test -f "$d/tree/usr/lib/systemd/system/sysinit.target.wants/earlybind.service"
		check "unit runs /usr/sbin/earlybind-init, which the image has" unit_runs_binder "$d/tree"
		for u in systemd-modules-load.service systemd-udevd.service systemd-udev-trigger.service; do
			check "unit is ordered before $u" unit_before "$u"
		done
		check "table in the image" test -s "$d/tree/etc/earlybind/bindings.tbl"
		check "vfio modules in the image" has_vfio_modules "$d/tree"
		d=$work/systemd-late
		if built systemd-late; then ok "build with HOOKS=(earlybind systemd)"; else fail "build with HOOKS=(earlybind systemd)"; fi
		check "earlybind before systemd: add_systemd_unit not defined yet, no unit added" \
			not test -e "$d/tree/usr/lib/systemd/system/earlybind.service"
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
			"$(show "$(sample 'HOOKS=(base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck)')")" \
			"base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck earlybind "
		is "systemd HOOKS: earlybind after systemd" \
			"$(show "$(sample 'HOOKS=(base systemd autodetect microcode modconf kms keyboard sd-vconsole block filesystems fsck)')")" \
			"base systemd autodetect microcode modconf kms keyboard sd-vconsole block filesystems fsck earlybind "
		is "earlybind already listed: HOOKS unchanged" \
			"$(show "$(sample 'HOOKS=(base udev earlybind block filesystems)')")" "base udev earlybind block filesystems "
		is "old string form: split, then appended" \
			"$(show "$(sample 'HOOKS="base udev block filesystems"')")" "base udev block filesystems earlybind "
		is "empty HOOKS left empty" "$(show "$(sample 'HOOKS=()')")" ""
		is "no HOOKS left without HOOKS" "$(show "$(sample '# no HOOKS here')")" ""
		;;
	lint)
		if ! command -v shellcheck >/dev/null; then
			fail "shellcheck not installed"
			continue
		fi
		# One run over all of them, from the top of the repository, so that
		# the files sourced by others are followed (as make lint does).
		files=(mkinitcpio/install/earlybind mkinitcpio/hooks/earlybind mkinitcpio/earlybind.conf
			Tests/e2e/mkinitcpio.sh Tests/e2e/lib.sh Tests/e2e/mkinitcpio/build.sh Tests/e2e/mkinitcpio/functions
			Tests/e2e/mkinitcpio/init Tests/e2e/mkinitcpio/init_functions)
		for f in "$repo"/Tests/e2e/mkinitcpio/install/* "$repo"/Tests/e2e/mkinitcpio/hooks/*; do
			files+=("${f#"$repo"/}")
		done
		check "shellcheck of ${#files[@]} files (hooks, drop-in, harness)" lint_all "${files[@]}"
		;;
	bind | kms | off)
		state_of "$case" || continue
		console=$work/$case.console
		check "the harness init reached the root (no rescue shell)" not grep -q '@@E2E-INIT-SHELL@@' "$console"
		case $case in
		bind)
			to_vfio
			check "early hook [earlybind] ran after early hook [udev] (udevd started)" \
				console_before "$console" ':: running early hook [udev]' ':: running early hook [earlybind]'
			check "early hook [earlybind] ran before udev's coldplug (hook [udev])" \
				console_before "$console" ':: running early hook [earlybind]' ':: running hook [udev]'
			;;
		kms)
			to_vfio
			is "/config MODULES (early KMS)" "$(config_var kms MODULES)" bochs
			check "MODULES loaded after the early hooks" \
				console_before "$console" ':: running early hook [earlybind]' ':: loading MODULES (early KMS):'
			check "bochs-drm bound $boot_gpu from MODULES, before udev's coldplug" \
				console_before "$console" "Initialized bochs-drm" ':: running hook [udev]'
			;;
		off)
			own_drivers
			check "report status disabled" report_status disabled
			;;
		esac
		;;
	esac
done

echo "$passed passed, $failed failed (total $(($(date +%s) - t0)) s)"
finish
