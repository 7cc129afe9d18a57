#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs what building, testing, the demo and the benchmark need, from
# Debian's archive. (The static binder's kmod, zstd and xz sources are
# fetched by build-static-deps.sh, which needs no deb-src entry.)
set -eu

here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root (apt-get)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046 # one package name per line
apt-get install -y -qq --no-install-recommends $(grep -v '^#' "$here/packages.txt") >/dev/null
