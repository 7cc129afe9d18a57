# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# What the end-to-end tests run.sh, dracut.sh and mkinitcpio.sh have in
# common: the command line, kernel and work dir, the check counters, the
# e2e configs, the QEMU guest (mkroot.sh, boot.sh) and the checks on the
# state block its /sbin/init (guest-init) prints. The scripts set here
# (their directory) before sourcing it, case (the case being checked) for
# the messages and st (the state block of a boot) for its readers.

me=${0##*/}

# Guest layout (boot.sh): the firmware boot GPU, and an identical second
# GPU with an HDA audio function in the same slot.
boot_gpu=0000:00:03.0 guest_gpu=0000:00:05.0 guest_audio=0000:00:05.1
# vfio_extra: an address beside the second GPU's slot a script expects on vfio-pci.
vfio_extra=

passed=0 failed=0 case=
st=

# --- command line, kernel, work dir ----------------------------------------------
# parse_args ALL_CASES [STAGE [CASE...]]: sets stage and cases (default ALL_CASES); exits 2 on misuse.
parse_args() {
	local all=$1 c
	shift
	stage=${1:-}
	if [ -z "$stage" ] || [ ! -d "$stage" ]; then
		echo "usage: $0 STAGE [CASE...]   (cases: $all)" >&2
		exit 2
	fi
	stage=$(cd "$stage" && pwd)
	shift
	cases=${*:-$all}
	for c in $cases; do
		case " $all " in *" $c "*) ;; *) echo "$me: unknown case $c" >&2; exit 2 ;; esac
	done
	# E2E_SKIP: cases left out of the default "all" (named cases always run).
	if [ $# -eq 0 ] && [ -n "${E2E_SKIP:-}" ]; then
		cases=$(for c in $all; do case " $E2E_SKIP " in *" $c "*) ;; *) printf '%s ' "$c" ;; esac; done)
	fi
}

# pick_kernel FILE...: sets kver, E2E_KVER or the newest K in /lib/modules with a readable /boot/FILE-K for each FILE.
pick_kernel() {
	local k f
	kver=${E2E_KVER:-}
	if [ -z "$kver" ]; then
		for k in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V); do
			for f in "$@"; do [ -r "/boot/$f-$k" ] || continue 2; done
			kver=$k
		done
	fi
	[ -n "$kver" ] || { echo "$me: no kernel with /boot/vmlinuz-K and /lib/modules/K" >&2; exit 2; }
}

# make_work NAME: sets work (E2E_WORK or a new /tmp/earlybind-NAME.*) and jobs (E2E_JOBS or the CPUs, at most 4).
make_work() {
	work=${E2E_WORK:-$(mktemp -d "/tmp/earlybind-$1.XXXXXX")}
	mkdir -p "$work"
	work=$(cd "$work" && pwd)
	jobs=${E2E_JOBS:-$(nproc)}
	[ "$jobs" -le 4 ] || jobs=4
}

# upstream_tarball NAME: prints the path of an upstream release tarball: in
# E2E_UPSTREAM if set, else in ../shared/upstream beside the repository; fails
# with a message naming where it looked.
# shellcheck disable=SC2154 # here is set by the sourcing script
upstream_tarball() {
	local dir=${E2E_UPSTREAM:-$here/../../../shared/upstream}
	if [ ! -r "$dir/$1" ]; then
		echo "$me: upstream tarball $1 not found in $dir (set E2E_UPSTREAM to the folder that holds it)" >&2
		return 1
	fi
	echo "$(cd "$dir" && pwd)/$1"
}

# upstream_build_key TARBALL: names a build of TARBALL by the running script:
# the tarball's and the script's hashes, so a change to either rebuilds.
upstream_build_key() {
	echo "$(basename "$1") $(sha256sum <"$1" | cut -d' ' -f1) $(sha256sum <"$0" | cut -d' ' -f1)"
}

# upstream_built OUT KEY: whether OUT/root holds a finished build named KEY
# (the build scripts write OUT/root/.built last).
upstream_built() { [ "$(cat "$1/root/.built" 2>/dev/null)" = "$2" ]; }

# --- results ---------------------------------------------------------------------
# ok WHAT: counts and prints a passed check.
ok() { echo "ok   $case: $*"; passed=$((passed + 1)); }
# fail WHAT: counts and prints a failed check.
fail() { echo "FAIL $case: $*"; failed=$((failed + 1)); }
# check WHAT COMMAND...: passes if COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
# is WHAT ACTUAL EXPECTED: passes if the strings are equal, else shows both.
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', want '$3')"; fi
}
# not COMMAND...: negates COMMAND, for check.
not() { ! "$@"; }
# wants CASE: CASE was selected on the command line.
wants() { case " $cases " in *" $1 "*) return 0 ;; esac; return 1; }
# finish: after the summary line, removes the work dir of a clean run (unless E2E_WORK) or names it; fails if a check failed.
finish() {
	if [ "$failed" -eq 0 ] && [ -z "${E2E_WORK:-}" ]; then
		rm -rf "$work"
	elif [ "$failed" -ne 0 ]; then
		echo "# logs kept in $work"
	fi
	[ "$failed" -eq 0 ]
}

# --- configs ---------------------------------------------------------------------
# write_configs: conf hands the second GPU (and its audio function) to vfio-pci; bad_conf has a typo on line 2.
write_configs() {
	conf=$work/earlybind.conf
	printf '%s\n' '# e2e: hand the second GPU (and its audio function) to vfio-pci' \
		'non-boot-vga' >"$conf"
	bad_conf=$work/bad.conf
	printf '%s\n' '# e2e: line 2 has a typo' 'non-boot-vga functionz=all' >"$bad_conf"
	renumber_conf=$work/renumber.conf
	printf '%s\n' '# e2e: the VGA behind root port 00:09.0, by path and by its first address' \
		'path:09.0/00.0 expect=1234:1111' '0000:02:00.0 expect=1234:1111' >"$renumber_conf"
}

# --- the guest ---------------------------------------------------------------------
# start_accel_probe: sets accel (E2E_ACCEL, default auto); for auto, boot.sh probes it into $work/accel in the background (probe_pid).
# shellcheck disable=SC2154 # here is set by the sourcing script
start_accel_probe() {
	accel=${E2E_ACCEL:-auto}
	if [ "$accel" = auto ]; then
		"$here/boot.sh" --probe-accel "$kver" >"$work/accel" &
		probe_pid=$!
	fi
}
# wait_accel: waits for the accelerator probe and exports accel as E2E_ACCEL for boot.sh.
wait_accel() {
	if [ -n "${probe_pid:-}" ]; then
		wait "$probe_pid"
		accel=$(cat "$work/accel")
	fi
	export E2E_ACCEL=$accel
}

# build_root: makes the guest root $work/root.img (log root.build.log) if any case boots.
# shellcheck disable=SC2154 # here is set by the sourcing script
build_root() {
	if [ ${#boot_names[@]} -gt 0 ]; then
		"$here/mkroot.sh" "$kver" "$work/root.img" >"$work/root.build.log" 2>&1 ||
			{ case=build; fail "guest root image (see $work/root.build.log)"; }
	fi
}

boot_names=()
declare -A boot_image=() boot_args=()
# add_boot NAME IMAGE [ARG]: a boot NAME of image IMAGE, with ARG added to the kernel command line.
# shellcheck disable=SC2034 # the scripts read boot_image
add_boot() { boot_names+=("$1"); boot_image[$1]=$2; boot_args[$1]=${3:-}; }

# boot_guest NAME INITRD [ARG...]: boots INITRD with the guest root into NAME.log, .console (no CRs), .boot.rc, .time and .state.
# A NAME ending in "uefi" boots through OVMF; one ending in renumber-1 or renumber-2 has the
# root ports of boot.sh's E2E_TOPOLOGY before or after.
# shellcheck disable=SC2154 # here is set by the sourcing script
boot_guest() {
	local name=$1 initrd=$2 start end
	shift 2
	start=$(date +%s.%N)
	E2E_FIRMWARE=$(case $name in *uefi) echo uefi ;; *) echo bios ;; esac) \
		E2E_TOPOLOGY=$(case $name in *renumber-1) echo before ;; *renumber-2) echo after ;; esac) \
		"$here/boot.sh" "$kver" "$initrd" "$work/root.img" "$work/$name.log" \
		"$@" ${boot_args[$name]:+"${boot_args[$name]}"} 2>"$work/$name.boot.err"
	echo "$?" >"$work/$name.boot.rc"
	end=$(date +%s.%N)
	echo "$start $end" | awk '{ printf "%.1f\n", $2 - $1 }' >"$work/$name.time"
	tr -d '\r' <"$work/$name.log" >"$work/$name.console"
	sed -n '/^@@EARLYBIND-E2E-BEGIN@@$/,/^@@EARLYBIND-E2E-END@@$/p' "$work/$name.console" >"$work/$name.state"
}

# boot_all BOOTABLE BOOT: runs BOOT NAME in the background for each boot BOOTABLE NAME accepts, $jobs at once (the last ones still running).
boot_all() {
	local name running=0
	for name in "${boot_names[@]}"; do
		"$1" "$name" || continue
		if [ "$running" -ge "$jobs" ]; then
			wait -n
			running=$((running - 1))
		fi
		"$2" "$name" &
		running=$((running + 1))
	done
}

# --- the state block -----------------------------------------------------------------
# state_of CASE [IMAGE]: sets st to CASE's state block and notes the boot times; without one, fails and shows the console's end.
state_of() {
	st=$work/$1.state
	if ! grep -q '^@@EARLYBIND-E2E-END@@$' "$st" 2>/dev/null; then
		fail "no state block (rc $(cat "$work/$1.boot.rc" 2>/dev/null), console $work/$1.log)"
		tail -n 25 "$work/$1.console" 2>/dev/null | sed 's/^/    /'
		return 1
	fi
	echo "# $1: ${2:+$2 image, }boot $(cat "$work/$1.time") s wall, init at $(sed -n 's/^uptime //p' "$st") s guest uptime"
}
# field BDF KEY: the value of KEY in the pci record of BDF.
field() {
	awk -v b="bdf=$1" -v k="$2=" '$1 == "pci" && $2 == b {
		for (i = 3; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$st"
}
# dmesg_has ERE: a kernel log line matches ERE.
dmesg_has() { grep -Eq "^dmesg .*$1" "$st"; }
# gpu_probed: bochs-drm probed the second GPU (it names the BDF in "Initialized bochs-drm ... for BDF").
gpu_probed() { grep '^dmesg ' "$st" | grep -v 'earlybind:' | grep -F "$guest_gpu" | grep -q bochs; }
# audio_probed: snd_hda_intel probed the audio function (it names no BDF, but codec lines follow a probe of the only HDA controller).
audio_probed() {
	grep '^dmesg ' "$st" | grep -v 'earlybind:' | grep -Eq "snd_hda_intel $guest_audio|hdaudioC[0-9]"
}
# report_status STATUS: the binder's report has this status.
report_status() { grep -q "^report .*\"status\":\"$1\"" "$st"; }
# log_line BDF ID: an ERE for the binder's kernel log line binding BDF (vendor:device ID) to vfio-pci.
log_line() { printf 'earlybind: %s \\[%s\\] -> vfio-pci' "${1//./\\.}" "$2"; }
# overrides: the driver_override values written, as "BDF=DRIVER " each.
overrides() {
	grep '^pci ' "$st" | grep -v 'override=(null)' |
		sed 's/.*bdf=\([^ ]*\).* override=\([^ ]*\).*/\1=\2/' | tr '\n' ' '
}

# console_before CONSOLE FIRST SECOND: a line of CONSOLE containing FIRST (a
# fixed string) comes before the first line containing SECOND.
console_before() {
	local a b
	a=$(grep -nF -- "$2" "$1" | head -n1 | cut -d: -f1)
	b=$(grep -nF -- "$3" "$1" | head -n1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}
# unit_first CONSOLE [--if-named] UNIT...: earlybind.service finished before
# systemd first named each UNIT on the console (started it, or skipped it for
# unmet conditions). Its status lines cut unit names to 17 characters and "…".
# A skip after journald has started is not on the console: with --if-named, a
# UNIT the console never names is only noted, not checked.
unit_first() {
	local console=$1 u optional=
	shift
	[ "${1:-}" = --if-named ] && { optional=1; shift; }
	for u in "$@"; do
		if [ -n "$optional" ] && ! grep -qF -- "${u:0:17}" "$console"; then
			echo "# $case: $u not named on the console (skipped, or not in the image)"
			continue
		fi
		check "earlybind.service finished before systemd started (or skipped) $u" \
			console_before "$console" 'systemd[1]: Finished earlybind.service' "${u:0:17}"
	done
}

# own_drivers: checks that every device kept its own driver and nothing was overridden.
own_drivers() {
	is "boot GPU $boot_gpu on bochs-drm" "$(field "$boot_gpu" driver)" bochs-drm
	is "second GPU $guest_gpu on bochs-drm" "$(field "$guest_gpu" driver)" bochs-drm
	is "audio $guest_audio on snd_hda_intel" "$(field "$guest_audio" driver)" snd_hda_intel
	check "snd_hda_intel probed $guest_audio (codec lines)" audio_probed
	is "no driver_override written" "$(overrides)" ""
}
# more_vfio_checks: what to_vfio checks before the report status besides the drivers and logs; a script may define it.
more_vfio_checks() { :; }
# to_vfio: checks that the binder gave the second GPU's slot to vfio-pci before its own drivers could probe it.
to_vfio() {
	is "boot GPU $boot_gpu on bochs-drm" "$(field "$boot_gpu" driver)" bochs-drm
	is "second GPU $guest_gpu on vfio-pci" "$(field "$guest_gpu" driver)" vfio-pci
	is "audio $guest_audio on vfio-pci" "$(field "$guest_audio" driver)" vfio-pci
	is "overrides only on the second GPU's slot${vfio_extra:+ and $vfio_extra}" "$(overrides)" \
		"$guest_gpu=vfio-pci $guest_audio=vfio-pci ${vfio_extra:+$vfio_extra=vfio-pci }"
	check "binder logged $guest_gpu -> vfio-pci" dmesg_has "$(log_line "$guest_gpu" 1234:1111)"
	check "binder logged $guest_audio -> vfio-pci" dmesg_has "$(log_line "$guest_audio" 8086:2668)"
	check "bochs-drm never probed $guest_gpu" not gpu_probed
	check "snd_hda_intel never probed $guest_audio" not audio_probed
	case $case in *uefi) uefi_checks ;; esac
	more_vfio_checks
	check "report status done" report_status "done"
}
# uefi_checks: the boot went through UEFI, whose framebuffer sits on the boot GPU, and the kernel
# still names the same boot GPU as under BIOS.
uefi_checks() {
	check "UEFI: efifb took the boot GPU's framebuffer" dmesg_has "$boot_gpu: BAR 0: assigned to efifb"
	is "UEFI: boot_vga on $boot_gpu" "$(field "$boot_gpu" boot_vga)" 1
	is "UEFI: boot_vga on $guest_gpu" "$(field "$guest_gpu" boot_vga)" 0
}

# --- renumbering (renumber_conf, boots NAME-1 and NAME-2) ----------------------------------
# The VGA behind root port 00:09.0 is 02:00.0 in the first boot and 04:00.0 in the second,
# where a switch behind 00:08.0 holds a fourth identical VGA at 03:00.0 and the old address
# holds the switch's downstream port.
renumber_target_before=0000:02:00.0 renumber_target_after=0000:04:00.0 renumber_twin=0000:03:00.0
# renumber_checks NAME: the path rule takes the same VGA in both boots and nothing else; the
# address rule refuses the port now at its address and, among identical cards, does not guess;
# `earlybind status` on the two reports shows the VGA moved and the newcomers added.
# shellcheck disable=SC2154 # stage and work are set by the sourcing script
renumber_checks() {
	local name=$1 out
	state_of "$name-1" || return
	is "first boot: $renumber_target_before on vfio-pci" "$(field "$renumber_target_before" driver)" vfio-pci
	is "first boot: overrides only on $renumber_target_before" "$(overrides)" "$renumber_target_before=vfio-pci "
	is "first boot: $guest_gpu keeps bochs-drm" "$(field "$guest_gpu" driver)" bochs-drm
	sed -n 's/^report //p' "$st" >"$work/$name-1.report.json"
	state_of "$name-2" || return
	is "second boot: $renumber_target_after on vfio-pci (the same VGA, by path)" \
		"$(field "$renumber_target_after" driver)" vfio-pci
	is "second boot: the identical newcomer $renumber_twin keeps bochs-drm" "$(field "$renumber_twin" driver)" bochs-drm
	is "second boot: overrides only on $renumber_target_after" "$(overrides)" "$renumber_target_after=vfio-pci "
	check "second boot: the address rule refused the port now at $renumber_target_before" \
		dmesg_has "earlybind: ${renumber_target_before//./\\.} \\[104c:8233\\] skipped: the rule expects \\[1234:1111\\]"
	check "second boot: the binder did not guess among identical cards" \
		dmesg_has "earlybind: rule '0000:02:00\\.0 expect=1234:1111' .*identical cards\\); not guessing"
	check "second boot: report status done" report_status "done"
	sed -n 's/^report //p' "$st" >"$work/$name-2.report.json"
	rm -f "$work/$name.inventory.json"
	for b in 1 2; do
		out=$("$stage/usr/sbin/earlybind" status --report "$work/$name-$b.report.json" \
			--inventory "$work/$name.inventory.json" --config "$work/absent.conf" \
			--sysfs "$work/no-sysfs" 2>"$work/$name-$b.status.err")
		printf '%s\n' "$out" >"$work/$name-$b.status"
	done
	check "status after the first boot: no previous boot to compare" \
		not grep -q '^hardware' "$work/$name-1.status"
	check "status: the VGA moved from $renumber_target_before to $renumber_target_after at path 09.0/00.0" \
		grep -qF "  moved: $renumber_target_before [1234:1111] (path:09.0/00.0) -> $renumber_target_after [1234:1111] (path:09.0/00.0)" "$work/$name-2.status"
	check "status: the binder's word on the refused address rule" \
		grep -qF "  at boot: rule '0000:02:00.0 expect=1234:1111' (line 3): 3 devices [1234:1111] are elsewhere" "$work/$name-2.status"
	check "status: the newcomer $renumber_twin added behind the switch" \
		grep -qF "  added: $renumber_twin [1234:1111] (path:08.0/00.0/00.0/00.0)" "$work/$name-2.status"
}
