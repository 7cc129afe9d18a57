#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fails, naming them, on tracked files without the project's SPDX license
# line in their first five lines. Formats that cannot hold a comment, and
# the files that state the licenses themselves, are listed below; so are
# the fuzzers' seed inputs (Fuzz/corpus), which are those formats' data.
set -eu
cd "$(dirname "$0")/.."

exempt='
.swift-format
LICENSE
THIRD-PARTY-NOTICES
debian/changelog
debian/copyright
debian/source/format
'

missing=$(git ls-files | while IFS= read -r file; do
	case "$exempt" in *"
$file
"*) continue ;; esac
	case "$file" in Fuzz/corpus/*) continue ;; esac
	[ -f "$file" ] || continue
	head -n 5 "$file" | grep -q 'SPDX-License-Identifier: Apache-2\.0' || echo "$file"
done)

if [ -n "$missing" ]; then
	echo "check-spdx.sh: no 'SPDX-License-Identifier: Apache-2.0' in the first 5 lines of:" >&2
	echo "$missing" | sed 's/^/  /' >&2
	exit 1
fi
