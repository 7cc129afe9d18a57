# SPDX-License-Identifier: Apache-2.0
# earlybind: `make` builds, `make test` runs every test, `make demo` boots
# the identical-GPU demo, `make install PREFIX=/usr DESTDIR=...` installs,
# `make packages` builds the Debian, Arch and RPM packages.

PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib/earlybind

SWIFT ?= swift
HOST_BIN = .build/release/earlybind
INIT_BIN = .build-embedded/earlybind-init
STAGE = .build-stage

.PHONY: all build deps install test unit-test lint e2e demo bench clean distclean \
	sources packages deb arch rpm package-test relink-test clean-root-test fuzz fuzz-build fuzz-replay

all: build

deps:
	scripts/deps.sh

# The host tool runs inside every initramfs build on users' machines, where
# no Swift toolchain is: the Swift runtime and FoundationEssentials are linked
# in (--static-swift-stdlib), RUNPATH stays empty (--disable-local-rpath), and
# it needs only libc, libstdc++, libkmod and libblkid. -Osize, lld's
# identical-code folding and, where glibc reads them (2.36 and later), packed
# relative relocations keep it small.
GLIBC_RELR := $(shell getconf GNU_LIBC_VERSION 2>/dev/null | \
	awk '{ split($$2, v, "."); if (v[1] > 2 || (v[1] == 2 && v[2] >= 36)) print "yes" }')
HOST_BUILD = $(SWIFT) build -c release --product earlybind --static-swift-stdlib \
	--disable-local-rpath -Xswiftc -Osize -Xswiftc -use-ld=lld -Xlinker --icf=all \
	$(if $(GLIBC_RELR),-Xlinker -z -Xlinker pack-relative-relocs)

build:
	$(HOST_BUILD)
	scripts/build-init.sh

DATADIR ?= $(PREFIX)/share/earlybind
MANDIR ?= $(PREFIX)/share/man
COMPLETIONS = $(DESTDIR)$(PREFIX)/share
# Debian's zsh reads vendor-completions; Arch, Fedora and openSUSE read site-functions.
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
TEMPLATES = initramfs-tools dracut mkinitcpio systemd
# The project's license and the notices of what the binaries link in, where
# the distribution keeps them: Arch and RPM pass /usr/share/licenses/earlybind;
# Debian installs the notices only (debian/copyright holds the license).
LICENSEDIR ?= $(PREFIX)/share/doc/earlybind
NOTICES ?= LICENSE THIRD-PARTY-NOTICES

# The hook files of every generator are placed by `earlybind install`, the
# same code users run, from the same template folders (installed under
# DATADIR for later `earlybind install` runs). A packaging install (DESTDIR
# set) writes no manifest: the package manager tracks the files.
install:
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DATADIR)
	install -m 755 $(HOST_BIN) $(DESTDIR)$(SBINDIR)/earlybind
	install -m 755 $(INIT_BIN) $(DESTDIR)$(LIBDIR)/earlybind-init
	cp -R $(TEMPLATES) $(DESTDIR)$(DATADIR)/
	install -D -m 644 man/earlybind.8 $(DESTDIR)$(MANDIR)/man8/earlybind.8
	install -D -m 644 man/earlybind.conf.5 $(DESTDIR)$(MANDIR)/man5/earlybind.conf.5
	install -d $(DESTDIR)$(LICENSEDIR)
	install -m 644 $(NOTICES) $(DESTDIR)$(LICENSEDIR)/
	install -d $(COMPLETIONS)/bash-completion/completions $(DESTDIR)$(ZSHCOMPDIR) \
		$(COMPLETIONS)/fish/vendor_completions.d
	$(HOST_BIN) --generate-completion-script bash > $(COMPLETIONS)/bash-completion/completions/earlybind
	$(HOST_BIN) --generate-completion-script zsh > $(DESTDIR)$(ZSHCOMPDIR)/_earlybind
	$(HOST_BIN) --generate-completion-script fish > $(COMPLETIONS)/fish/vendor_completions.d/earlybind.fish
	$(HOST_BIN) install --system all --destdir "$(if $(DESTDIR),$(DESTDIR),/)" \
		--prefix $(PREFIX) --sbindir $(SBINDIR) --libdir $(LIBDIR) \
		--templates $(CURDIR) $(if $(DESTDIR),--no-manifest,)

test: deps build unit-test fuzz-replay lint e2e packages package-test relink-test clean-root-test

unit-test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# libFuzzer targets (Fuzz/, FUZZING.md), built with -sanitize=fuzzer,address
# into one binary. `make fuzz` runs each target for FUZZ_TIME seconds, one
# after the other, with a memory and time limit per input; `make
# fuzz-replay` runs the seed corpora once.
FUZZ_DIR = .build-fuzz
FUZZ_TIME ?= 600
FUZZ_TARGETS = image-reader uki-reader table-decoder config-parser kernel-command-line report-reader

fuzz-build:
	Fuzz/build.sh $(FUZZ_DIR)

fuzz: fuzz-build
	Fuzz/run.sh $(FUZZ_DIR) $(FUZZ_TIME) $(FUZZ_TARGETS)

fuzz-replay: fuzz-build
	Fuzz/run.sh $(FUZZ_DIR) 0 $(FUZZ_TARGETS)

# shellcheck follows sourced files within one invocation.
lint:
	scripts/check-spdx.sh
	shellcheck -x .ci/run scripts/*.sh Fuzz/*.sh initramfs-tools/hooks/earlybind \
		initramfs-tools/scripts/init-top/earlybind dracut/52earlybind/*.sh \
		mkinitcpio/install/earlybind mkinitcpio/hooks/earlybind mkinitcpio/earlybind.conf \
		Tests/e2e/*.sh Tests/e2e/guest-init bench/*.sh debian/postinst debian/postrm \
		packaging/arch/PKGBUILD packaging/arch/earlybind.install
	$(SWIFT) format lint --strict -r Sources Tests Fuzz Package.swift

# The standalone host tool in a clean root, then one script per generator: initramfs-tools, Debian's dracut 059, dracut-ng
# and mkinitcpio (both built from ../shared/upstream into .build-*, once); then `earlybind check` on
# one image of each generator (after the scripts that fetch and build them).
E2E_SCRIPTS = standalone run hermetic dracut dracut-ng mkinitcpio image-check uki-addon

e2e:
	rm -rf $(STAGE)
	$(MAKE) install DESTDIR=$(CURDIR)/$(STAGE) PREFIX=/usr
	@rc=0; for t in $(E2E_SCRIPTS); do \
		start=$$(date +%s); \
		echo "== Tests/e2e/$$t.sh"; \
		Tests/e2e/$$t.sh $(STAGE) || rc=1; \
		echo "== Tests/e2e/$$t.sh: $$(($$(date +%s) - start)) s"; \
	done; exit $$rc

demo: deps build
	rm -rf $(STAGE)
	$(MAKE) install DESTDIR=$(CURDIR)/$(STAGE) PREFIX=/usr
	scripts/demo.sh $(STAGE)

# The binder, its syscall floor (bench/floor.c, static like the binder) and
# the ArchWiki shell loop side by side, for address, ID, class, non-boot-vga
# and path rules, and the binder's cost in a real boot (QEMU), into
# BENCHMARKS.md.
BENCH_DIR = .build-bench

bench: build
	mkdir -p $(BENCH_DIR)
	musl-gcc -static -O2 -Wall -Wextra -o $(BENCH_DIR)/floor bench/floor.c
	rm -rf $(STAGE)
	$(MAKE) install DESTDIR=$(CURDIR)/$(STAGE) PREFIX=/usr
	bench/boot-cost.sh $(STAGE) $(BENCH_DIR)/boot.json
	BENCH_BOOT=$(BENCH_DIR)/boot.json python3 bench/run.py
	bench/host.sh > $(BENCH_DIR)/host.md
	{ echo; cat $(BENCH_DIR)/host.md; } >> BENCHMARKS.md

# --- packages ----------------------------------------------------------------
# The Debian source packages the static binder's C libraries are built from
# (kmod, libzstd, xz-utils), downloaded once: builds without network use them
# with EARLYBIND_SOURCES=$(SOURCES). The package builds below always do.
SOURCES ?= .build-sources
PKG = .build-pkg

sources:
	scripts/build-static-deps.sh --download $(SOURCES)
	touch $(SOURCES)/.complete

# New pins in the script: download again.
$(SOURCES)/.complete: scripts/build-static-deps.sh
	$(MAKE) sources

# Each package is built from a copy of this checkout in $(PKG), as an
# unprivileged user when run as root (PKG_USER, default nobody).
packages: $(SOURCES)/.complete
	EARLYBIND_SOURCES=$(SOURCES) scripts/build-packages.sh $(PKG) deb arch rpm

deb arch rpm: $(SOURCES)/.complete
	EARLYBIND_SOURCES=$(SOURCES) scripts/build-packages.sh $(PKG) $@

# The tests of the packages `make packages` built: file lists against
# `make install`, package metadata, THIRD-PARTY-NOTICES and the license
# fields, lintian and rpmlint, the scripts under pacman and rpm; then the
# .deb on a debootstrapped Debian 12 and 13 (cached in
# .build-clean-root), booted in QEMU into its own systemd, before and after
# purge.
package-test:
	E2E_SOURCES=$(SOURCES) Tests/e2e/packages.sh $(PKG)

# earlybind-init relinked with a libkmod patched from the pinned kmod
# source, as the README tells users to, in its own folder (kept: a second
# run builds nothing).
RELINK = .build-relink

relink-test: $(SOURCES)/.complete
	Tests/e2e/relink.sh $(SOURCES) $(RELINK)

# Debian 12 beside the two Debian 13 runs (which share one debootstrapped
# root, so they run one after the other); each run's output in turn.
CLEAN_ROOT_LOGS = .build-clean-root/logs
clean-root-test:
	@mkdir -p $(CLEAN_ROOT_LOGS); rc=0; \
	Tests/e2e/clean-root.sh $(PKG) >$(CLEAN_ROOT_LOGS)/bookworm.log 2>&1 & bookworm=$$!; \
	E2E_SUITE=trixie Tests/e2e/clean-root.sh $(PKG) >$(CLEAN_ROOT_LOGS)/trixie.log 2>&1 || rc=1; \
	E2E_SUITE=trixie E2E_GENERATOR=dracut Tests/e2e/clean-root.sh $(PKG) \
		>$(CLEAN_ROOT_LOGS)/trixie-dracut.log 2>&1 || rc=1; \
	wait $$bookworm || rc=1; \
	for run in bookworm trixie trixie-dracut; do \
		echo "== Tests/e2e/clean-root.sh ($$run)"; cat $(CLEAN_ROOT_LOGS)/$$run.log; \
	done; exit $$rc

clean:
	rm -rf .build .build-embedded .build-static .build-dracut .build-dracut-ng .build-mkinitcpio .build-standalone \
		.build-bench .build-relink .build-fuzz $(STAGE) $(PKG)

# Also what was downloaded: the source packages and the debootstrapped root.
distclean: clean
	rm -rf $(SOURCES) .build-clean-root
