#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Puts a bench tree back as it was before a run of the binder, its floor or
# the shell loop (they write overrides only on 0000:02:00.0 and 0000:02:00.1,
# which bench/run.py checks once per rule and size); run before every timed
# run, untimed. Only shell builtins and one rm, so that it costs little.
#
#     bench/reset.sh ROOT
set -eu
root=${1:?usage: reset.sh ROOT}
for bdf in 0000:02:00.0 0000:02:00.1; do
	printf '(null)\n' >"$root/sys/bus/pci/devices/$bdf/driver_override"
done
: >"$root/dev/kmsg"
: >"$root/sys/bus/pci/drivers_probe"
rm -rf "$root/run/earlybind"
