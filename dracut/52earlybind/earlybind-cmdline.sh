#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# dracut cmdline hook 00 (images without systemd), sourced by /init: runs the
# earlybind binder before 01-parse-kernel.sh loads rd.driver.pre and
# force_drivers and before udev coldplug, so driver_override is set before
# any driver probes. The boot must go on whatever happens here.
if [ -x /usr/sbin/earlybind-init ]; then
	/usr/sbin/earlybind-init || :
fi
