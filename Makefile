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
	sources packages deb arch rpm package-test clean-root-test

all: build

deps:
	scripts/deps.sh

build:
	$(SWIFT) build -c release --product earlybind --static-swift-stdlib --disable-local-rpath
	scripts/build-init.sh

DATADIR ?= $(PREFIX)/share/earlybind
MANDIR ?= $(PREFIX)/share/man
COMPLETIONS = $(DESTDIR)$(PREFIX)/share
# Debian's zsh reads vendor-completions; Arch, Fedora and openSUSE read site-functions.
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
TEMPLATES = initramfs-tools dracut mkinitcpio systemd

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
	install -d $(COMPLETIONS)/bash-completion/completions $(DESTDIR)$(ZSHCOMPDIR) \
		$(COMPLETIONS)/fish/vendor_completions.d
	$(HOST_BIN) --generate-completion-script bash > $(COMPLETIONS)/bash-completion/completions/earlybind
	$(HOST_BIN) --generate-completion-script zsh > $(DESTDIR)$(ZSHCOMPDIR)/_earlybind
	$(HOST_BIN) --generate-completion-script fish > $(COMPLETIONS)/fish/vendor_completions.d/earlybind.fish
	$(HOST_BIN) install --system all --destdir "$(if $(DESTDIR),$(DESTDIR),/)" \
		--prefix $(PREFIX) --sbindir $(SBINDIR) --libdir $(LIBDIR) \
		--templates $(CURDIR) $(if $(DESTDIR),--no-manifest,)

test: deps build unit-test lint e2e packages package-test clean-root-test

unit-test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# shellcheck follows sourced files within one invocation.
lint:
	shellcheck -x scripts/*.sh initramfs-tools/hooks/earlybind \
		initramfs-tools/scripts/init-top/earlybind dracut/52earlybind/*.sh \
		mkinitcpio/install/earlybind mkinitcpio/hooks/earlybind mkinitcpio/earlybind.conf \
		Tests/e2e/*.sh Tests/e2e/guest-init Tests/e2e/mkinitcpio/build.sh \
		Tests/e2e/mkinitcpio/functions Tests/e2e/mkinitcpio/init \
		Tests/e2e/mkinitcpio/init_functions Tests/e2e/mkinitcpio/install/* \
		Tests/e2e/mkinitcpio/hooks/* bench/*.sh debian/postinst debian/postrm \
		packaging/arch/PKGBUILD packaging/arch/earlybind.install
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

e2e:
	rm -rf $(STAGE)
	$(MAKE) install DESTDIR=$(CURDIR)/$(STAGE) PREFIX=/usr
	Tests/e2e/run.sh $(STAGE)
	Tests/e2e/hermetic.sh $(STAGE)
	Tests/e2e/dracut.sh $(STAGE)
	Tests/e2e/mkinitcpio.sh $(STAGE)

demo: deps build
	rm -rf $(STAGE)
	$(MAKE) install DESTDIR=$(CURDIR)/$(STAGE) PREFIX=/usr
	scripts/demo.sh $(STAGE)

# Two runs: a class-based rule (every device's class must be read) and an
# address rule selecting the same GPU (unrelated devices cost nothing).
bench: build
	mkdir -p .build-bench
	BENCH_OUTPUT=.build-bench/class.md bench/run.sh
	BENCH_RULE=0000:02:00.0 BENCH_OUTPUT=.build-bench/address.md bench/run.sh
	{ cat .build-bench/class.md; echo; sed -e '1s/.*/\# The same GPU selected by address/' -e 's/^#/##/' .build-bench/address.md; } > BENCHMARKS.md

# --- packages ----------------------------------------------------------------
# The Debian source packages the static binder's C libraries are built from
# (kmod, libzstd, xz-utils), downloaded once: builds without network use them
# with EARLYBIND_SOURCES=$(SOURCES). The package builds below always do.
SOURCES ?= .build-sources
PKG = .build-pkg

sources:
	scripts/build-static-deps.sh --download $(SOURCES)
	touch $(SOURCES)/.complete

$(SOURCES)/.complete:
	$(MAKE) sources

# Each package is built from a copy of this checkout in $(PKG), as an
# unprivileged user when run as root (PKG_USER, default nobody).
packages: $(SOURCES)/.complete
	EARLYBIND_SOURCES=$(SOURCES) scripts/build-packages.sh $(PKG) deb arch rpm

deb arch rpm: $(SOURCES)/.complete
	EARLYBIND_SOURCES=$(SOURCES) scripts/build-packages.sh $(PKG) $@

# The tests of the packages `make packages` built: file lists against
# `make install`, package metadata, lintian, the scripts under pacman and
# rpm; then the .deb on a debootstrapped Debian 12 (cached in
# .build-clean-root), booted in QEMU into its own systemd, before and after
# purge.
package-test:
	Tests/e2e/packages.sh $(PKG)

clean-root-test:
	Tests/e2e/clean-root.sh $(PKG)

clean:
	rm -rf .build .build-embedded .build-static .build-dracut .build-bench $(STAGE) $(PKG)

# Also what was downloaded: the source packages and the debootstrapped root.
distclean: clean
	rm -rf $(SOURCES) .build-clean-root
