#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of earlybind's dracut module with dracut-ng 111, the dracut
# Fedora, Arch and openSUSE ship: builds it once from its release tarball
# (build-dracut-ng.sh, into .build-dracut-ng) and runs the cases of dracut.sh
# with it. By default all but two whose subject is not the generator:
# renumber (the binder's path rules, proven with dracut 059) and uki-uefi
# (uki-addon.sh boots a UKI made by dracut-ng --uefi).
# Usage: Tests/e2e/dracut-ng.sh STAGE [CASE...]   (cases and env: dracut.sh;
#        E2E_UPSTREAM: the folder with dracut-ng-111.tar.gz)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
log=$repo/.build-dracut-ng/build.log
mkdir -p "$repo/.build-dracut-ng"
if ! "$here/build-dracut-ng.sh" "$repo/.build-dracut-ng" >"$log" 2>&1; then
	echo "dracut-ng.sh: building dracut-ng failed (log: .build-dracut-ng/build.log):" >&2
	tail -n 20 "$log" >&2
	exit 2
fi
E2E_SKIP=${E2E_SKIP-renumber uki-uefi} E2E_DRACUT=$repo/.build-dracut-ng/root exec "$here/dracut.sh" "$@"
