#!/bin/sh
# Installs what building, testing and the demo need, from Debian's archive.
# The static libkmod is built from Debian's kmod source package, so a
# deb-src entry is added when the system has none.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root (apt-get)" >&2
	exit 1
fi

if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	cat >/etc/apt/sources.list.d/earlybind-src.sources <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046 # one package name per line
apt-get install -y -qq --no-install-recommends $(grep -v '^#' "$here/packages.txt") >/dev/null
