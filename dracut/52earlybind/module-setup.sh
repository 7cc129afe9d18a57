#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# dracut module: adds the earlybind binder, its compiled binding table and
# the vfio modules to the image, and runs the binder before anything loads
# drivers: a cmdline hook that sorts before 01-parse-kernel.sh (rd.driver.pre,
# force_drivers) without systemd, a unit ordered before systemd-modules-load,
# dracut-pre-udev and udev with it. Without /etc/earlybind.conf it adds nothing.
#
# dracut sources this file and sets the variables below.
# shellcheck disable=SC2154 # initdir kernel moddir systemdsystemunitdir SYSTEMCTL

EARLYBIND_CONF=${EARLYBIND_CONF:-/etc/earlybind.conf}
EARLYBIND=${EARLYBIND:-@SBINDIR@/earlybind}
EARLYBIND_INIT=${EARLYBIND_INIT:-@LIBDIR@/earlybind-init}

# Only when asked for (add_dracutmodules+=" earlybind ", --add earlybind).
check() {
	return 255
}

depends() {
	return 0
}

# earlybind_compile: checks the config against this image's kernel, writes
# the table into the image and prints the modules it loads, one per line.
earlybind_compile() {
	mkdir -p "$initdir/etc/earlybind" || return 1
	"$EARLYBIND" compile --config "$EARLYBIND_CONF" --kernel "$kernel" \
		--output "$initdir/etc/earlybind/bindings.tbl" --list-modules
}

installkernel() {
	local modules
	[[ -e $EARLYBIND_CONF ]] || return 0
	# install() has already stopped the build on a bad config; with
	# --kernel-only it did not run, and a non-zero return stops dracut here.
	if ! modules=$(earlybind_compile); then
		dfatal "earlybind: cannot compile $EARLYBIND_CONF for kernel $kernel; fix it or remove it"
		return 1
	fi
	[[ $modules ]] || return 0
	# Every name the compiler lists exists for $kernel (module or built in);
	# hostonly='' keeps them in host-only images, where nothing uses vfio yet.
	# shellcheck disable=SC2086 # one module name per word
	hostonly='' instmods -c $modules
}

install() {
	[[ -e $EARLYBIND_CONF ]] || return 0
	# dracut ignores what install() returns: a broken config must stop the
	# build here, or the image would boot without the bindings.
	if ! inst_binary "$EARLYBIND_INIT" /usr/sbin/earlybind-init; then
		dfatal "earlybind: cannot install $EARLYBIND_INIT"
		exit 1
	fi
	if ! earlybind_compile >/dev/null; then
		dfatal "earlybind: cannot compile $EARLYBIND_CONF for kernel $kernel; fix it or remove it"
		exit 1
	fi
	if dracut_module_included systemd; then
		# Hooks run from dracut-*.service units, which nothing orders before
		# systemd-modules-load.service: the binder gets a unit of its own.
		if ! inst_simple "$moddir/earlybind.service" "$systemdsystemunitdir/earlybind.service" ||
			! $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target earlybind.service; then
			dfatal "earlybind: cannot install and enable earlybind.service"
			exit 1
		fi
	else
		inst_hook cmdline 00 "$moddir/earlybind-cmdline.sh"
	fi
}
