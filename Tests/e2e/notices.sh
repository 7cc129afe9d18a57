#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Checks THIRD-PARTY-NOTICES and the license fields of the packages against
# what the build really links in.
#
# Usage: Tests/e2e/notices.sh TREE SOURCES
#   TREE     a checkout the binaries were built in (the packages' tree copy:
#            its .build holds the swift-argument-parser checkout SwiftPM used)
#   SOURCES  the Debian source packages the build took (make sources)
# Env: E2E_WORK as for packages.sh
#
# Checked: every source package scripts/build-static-deps.sh pins is in the
# notices and in debian/copyright with its pinned version, and no other
# version is; musl's version is the installed musl-dev's, the Swift one the
# toolchain's on PATH, swift-argument-parser's the one SwiftPM resolved;
# each license text is byte for byte the file its source ships; the
# License fields of the RPM spec, the PKGBUILD and debian/copyright name
# the same licenses as the notices (with earlybind's Apache-2.0), each a
# known SPDX identifier or a LicenseRef the notices define.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"

if [ $# -ne 2 ] || [ ! -f "$1/THIRD-PARTY-NOTICES" ] || [ ! -d "$2" ]; then
	echo "usage: $0 TREE SOURCES" >&2
	exit 2
fi
tree=$(cd "$1" && pwd)
sources=$(cd "$2" && pwd)
notices=$tree/THIRD-PARTY-NOTICES
make_work notices
case=notices

# field COMPONENT NAME: the NAME: line of COMPONENT's block.
field() {
	awk -v c="=== $1" -v f="$2: " '/^=== / { in_block = ($0 == c) }
		in_block && index($0, f) == 1 { print substr($0, length(f) + 1); exit }' "$notices"
}
# text COMPONENT: COMPONENT's license text, between the BEGIN and END lines.
text() {
	awk -v c="=== $1" '/^=== / { in_block = ($0 == c) }
		in_block && /^-----END LICENSE TEXT-----$/ { exit }
		in_block && copy { print }
		in_block && /^-----BEGIN LICENSE TEXT-----$/ { copy = 1 }' "$notices"
}
# same_text COMPONENT FILE: COMPONENT's license text is FILE's.
same_text() {
	if [ ! -f "$2" ]; then
		fail "$1: license text to compare with: $2 missing"
	elif cmp -s <(text "$1") "$2"; then
		ok "$1: license text is ${2#"$work/"}, byte for byte"
	else
		fail "$1: license text differs from $2"
		diff <(text "$1") "$2" | head -n 10 | sed 's/^/    /'
	fi
}

# --- versions ----------------------------------------------------------------
pins=$("$tree/scripts/build-static-deps.sh" --pins)
[ -n "$pins" ] || fail "scripts/build-static-deps.sh --pins printed nothing"
declare -A component=([kmod]=libkmod [libzstd]=libzstd [xz-utils]=liblzma)
for pin in $pins; do
	name=${pin%%=*} version=${pin#*=}
	c=${component[$name]:-}
	if [ -z "$c" ]; then
		fail "$name is pinned, but no component of the notices is built from it"
		continue
	fi
	is "$c: version is the pinned $name $version" "$(field "$c" Version)" "$version"
	check "$c: built from the Debian source package $name $version" \
		grep -q "^Debian source package $name $version " <<<"$(field "$c" Source)"
	check "debian/copyright names $name $version" grep -qF "$name $version" "$tree/debian/copyright"
done
musl=$(dpkg-query -W -f='${source:Version}' musl-dev 2>/dev/null)
is "musl: version is musl-dev's" "$(field musl Version)" "$musl"
check "debian/copyright names musl-dev $musl" grep -qF "musl-dev $musl" "$tree/debian/copyright"
swift=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9][0-9.]*\).*/\1/p' | head -n 1)
is "Swift: version is the toolchain's" "$(field 'Swift standard library and runtime' Version)" "$swift"
check "debian/copyright names Swift $swift" grep -qF "Swift $swift" "$tree/debian/copyright"
parser=$(sed -n '/"identity" *: *"swift-argument-parser"/,/}/s/.*"version" *: *"\(.*\)".*/\1/p' \
	"$tree/Package.resolved" 2>/dev/null)
is "swift-argument-parser: version is the one SwiftPM resolved" "$(field swift-argument-parser Version)" "$parser"
check "debian/copyright names swift-argument-parser $parser" \
	grep -qF "swift-argument-parser $parser" "$tree/debian/copyright"
# A version the build no longer uses would linger: only the pinned ones.
named=$(sed -n 's/^Source: Debian source package \([^ ]*\) \([^ ]*\) .*/\1=\2/p' "$notices" | grep -v '^musl=' | sort)
is "the notices name no Debian source package but the pinned ones" "$named" "$(sort <<<"$pins")"

# --- license texts -----------------------------------------------------------------
for pin in $pins; do
	name=${pin%%=*}
	rm -rf "${work:?}/$name"
	dpkg-source -x "$sources/${name}_${pin#*=}.dsc" "$work/$name" >"$work/$name.log" 2>&1 ||
		fail "dpkg-source -x ${name}_${pin#*=}.dsc (see $work/$name.log)"
done
same_text libkmod "$work/kmod/COPYING"
same_text libzstd "$work/libzstd/LICENSE"
same_text liblzma "$work/xz-utils/COPYING"
same_text 'Swift standard library and runtime' "$(dirname "$(command -v swift)")/../share/swift/LICENSE.txt"
same_text swift-argument-parser "$tree/.build/checkouts/swift-argument-parser/LICENSE.txt"
check "musl: license text is musl's MIT license" grep -q 'musl as a whole is licensed under the following standard MIT license' <(text musl)

# --- license fields --------------------------------------------------------------
# One SPDX expression a line, in order: what the notices name, plus earlybind's.
from_notices=$( { echo Apache-2.0; sed -n 's/^License: //p' "$notices"; } | sort -u)
from_rpm=$(sed -n 's/^License: *//p' "$tree/packaging/rpm/earlybind.spec" | sed 's/ AND /\n/g' | sort -u)
from_arch=$(bash -c 'source "$1" 2>/dev/null; printf "%s\n" "${license[@]}"' _ "$tree/packaging/arch/PKGBUILD" | sort -u)
# debian/copyright's header names licenses the DEP-5 way.
from_deb=$(sed -n '1,/^$/s/^License: //p' "$tree/debian/copyright" | sed 's/ and /\n/g' |
	sed -e 's/^Apache-2.0 with Swift exception$/Apache-2.0 WITH Swift-exception/' \
		-e 's/^LGPL-2.1+$/LGPL-2.1-or-later/' -e 's/^Expat$/MIT/' -e 's/^BSD-3-clause$/BSD-3-Clause/' \
		-e 's/^public-domain$/LicenseRef-public-domain/' | sort -u)
is "RPM License: the notices' licenses" "$(echo "$from_rpm" | tr '\n' ';')" "$(echo "$from_notices" | tr '\n' ';')"
is "PKGBUILD license=(): the notices' licenses" "$(echo "$from_arch" | tr '\n' ';')" "$(echo "$from_notices" | tr '\n' ';')"
is "debian/copyright License: the notices' licenses" "$(echo "$from_deb" | tr '\n' ';')" "$(echo "$from_notices" | tr '\n' ';')"
ids=/usr/share/nodejs/spdx-license-ids/index.json exceptions=/usr/share/nodejs/spdx-exceptions/index.json
unknown=$(while read -r expression; do
	license=${expression%% WITH *}
	case $license in
	LicenseRef-*) grep -q "^License: $license\$" "$notices" || echo "$license" ;;
	*) grep -qF "\"$license\"" "$ids" || echo "$license" ;;
	esac
	if [ "$license" != "$expression" ]; then
		grep -qF "\"${expression#* WITH }\"" "$exceptions" || echo "${expression#* WITH }"
	fi
done <<<"$from_notices")
is "every license a known SPDX identifier, exception or LicenseRef of the notices" "$unknown" ""

echo "$passed passed, $failed failed"
finish
