# earlybind: `make` builds, `make test` runs every test, `make demo` boots
# the identical-GPU demo, `make install PREFIX=/usr DESTDIR=...` installs.

PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib/earlybind
# initramfs-tools reads hooks only from /usr/share/initramfs-tools and /etc.
ifeq ($(PREFIX),/usr)
INITRAMFS_TOOLS_DIR ?= /usr/share/initramfs-tools
else
INITRAMFS_TOOLS_DIR ?= /etc/initramfs-tools
endif

SWIFT ?= swift
HOST_BIN = .build/release/earlybind
INIT_BIN = .build-embedded/earlybind-init
STAGE = .build-stage

.PHONY: all build deps install test unit-test lint e2e demo bench clean

all: build

deps:
	scripts/deps.sh

build:
	$(SWIFT) build -c release --product earlybind
	scripts/build-init.sh

# Hook files are rendered from the top-level folders: only the install
# paths are filled in.
define render
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' $(1) > $(2).tmp
	chmod 755 $(2).tmp
	mv $(2).tmp $(2)
endef

install:
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INITRAMFS_TOOLS_DIR)/hooks $(DESTDIR)$(INITRAMFS_TOOLS_DIR)/scripts/init-top
	install -m 755 $(HOST_BIN) $(DESTDIR)$(SBINDIR)/earlybind
	install -m 755 $(INIT_BIN) $(DESTDIR)$(LIBDIR)/earlybind-init
	$(call render,initramfs-tools/hooks/earlybind,$(DESTDIR)$(INITRAMFS_TOOLS_DIR)/hooks/earlybind)
	$(call render,initramfs-tools/scripts/init-top/earlybind,$(DESTDIR)$(INITRAMFS_TOOLS_DIR)/scripts/init-top/earlybind)

test: deps build unit-test lint e2e

unit-test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

lint:
	shellcheck scripts/*.sh initramfs-tools/hooks/earlybind \
		initramfs-tools/scripts/init-top/earlybind Tests/e2e/*.sh Tests/e2e/guest-init \
		bench/*.sh
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

e2e:
	rm -rf $(STAGE)
	$(MAKE) install DESTDIR=$(CURDIR)/$(STAGE) PREFIX=/usr
	Tests/e2e/run.sh $(STAGE)

demo: deps build
	rm -rf $(STAGE)
	$(MAKE) install DESTDIR=$(CURDIR)/$(STAGE) PREFIX=/usr
	scripts/demo.sh $(STAGE)

bench: build
	bench/run.sh

clean:
	rm -rf .build .build-embedded .build-static $(STAGE)
