# mod_redirect307 -- build, install, demo and tests.
#
#   make            build mod_redirect307.so with apxs
#   make install    install the module and Debian's redirect307.load/.conf
#   make run        private demo httpd on 127.0.0.1:$(PORT), foreground
#   make test       unit tests, integration tests against real apache2, and
#                   (as root) the Debian package installed and removed again
#   make deb        dist/libapache2-mod-redirect307_<version>_<arch>.deb
#   make fuzz       libFuzzer harnesses of the core, FUZZ_SECONDS (60) each
#   make test SANITIZE=1   unit and integration tests with ASan + UBSan
#   make valgrind   the integration suite with apache2 -X under memcheck
#   make stress     60 s of wrk at 256 connections, then 60 s more with a
#                   graceful restart every 5 s; writes bench/RESULTS.md
#   make bench      wrk against ours, mod_alias, mod_rewrite (and nginx if
#                   installed) on loopback; writes bench/RESULTS.md.  About
#                   15 minutes on an idle machine; QUICK=1 takes about 2.
#
# `make run` and `make test` first install missing Debian packages (as root
# with apt-get), or print the exact apt-get command to run.

APXS    ?= /usr/bin/apxs
APACHE2 ?= /usr/sbin/apache2
PYTHON  ?= /usr/bin/python3
PORT    ?= 8307

# Paths come from apxs, evaluated lazily so `make test` can install apxs first.
APXS_LIBEXECDIR = $(shell $(APXS) -q LIBEXECDIR)
APXS_SYSCONFDIR = $(shell $(APXS) -q SYSCONFDIR)

WARN    = -Wall -Wextra -Werror
CORE_SRC = src/r307_rule.c src/r307_match.c src/r307_location.c src/r307_upgrade.c src/r307_map.c src/r307_map_cache.c
CORE_HDR = src/r307_core.h src/r307_internal.h
MODULE  = .libs/mod_redirect307.so

UNIT_BIN = tests/unit/test_core
UNIT_SRC = $(wildcard tests/unit/*.c)

# SANITIZE=1 (`make test SANITIZE=1`, `make integration SANITIZE=1`): the
# module and the unit tests are built with AddressSanitizer and
# UndefinedBehaviorSanitizer, and the integration suite runs every apache2
# with the ASan runtime preloaded (tests/sanitize/apache2) and fails on any
# report.  .build-flavor records which kind of build .libs/ holds, so
# switching between SANITIZE=1 and a plain build always rebuilds.
ifeq ($(SANITIZE),1)
SANITIZE_CFLAGS  = -fsanitize=address -fsanitize=undefined \
                   -fsanitize-recover=address -fno-omit-frame-pointer -O1 -g
SANITIZE_LDFLAGS = -Wl,-fsanitize=address -Wl,-fsanitize=undefined
export R307_SANITIZE = 1
BUILD_FLAVOR = sanitize
else
BUILD_FLAVOR = plain
endif

.PHONY: all build install deps run test unit integration browser-test \
        test-deb deb bench fuzz stress stress-quick valgrind clean FORCE

all: build

build: $(MODULE)

.build-flavor: FORCE
	@[ "$$(cat $@ 2>/dev/null)" = "$(BUILD_FLAVOR)" ] || echo $(BUILD_FLAVOR) > $@

$(MODULE): mod_redirect307.c $(CORE_SRC) $(CORE_HDR) .build-flavor
	$(APXS) -c -o mod_redirect307.la -Isrc \
	    $(foreach w,$(WARN) $(SANITIZE_CFLAGS),-Wc,$(w)) \
	    $(SANITIZE_LDFLAGS) -lpcre2-8 mod_redirect307.c $(CORE_SRC)

install: build
	$(APXS) -i -n redirect307 mod_redirect307.la
	@if [ -d $(APXS_SYSCONFDIR)/mods-available ]; then \
	    install -m 644 conf/redirect307.load conf/redirect307.conf \
	        $(APXS_SYSCONFDIR)/mods-available/ && \
	    echo "installed; enable with: a2enmod redirect307 && apache2ctl graceful"; \
	else \
	    echo "no $(APXS_SYSCONFDIR)/mods-available: add to httpd.conf:"; \
	    echo "  LoadModule redirect307_module $(APXS_LIBEXECDIR)/mod_redirect307.so"; \
	fi

deps:
	@sh scripts/ensure-deps.sh

run: deps
	@$(MAKE) --no-print-directory build
	@$(PYTHON) scripts/demo.py --port $(PORT) --module $(CURDIR)/$(MODULE)

test: deps
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration
ifeq ($(BUILD_FLAVOR),plain)
	@$(MAKE) --no-print-directory stress-quick
	@$(MAKE) --no-print-directory browser-test
	@$(MAKE) --no-print-directory test-deb
else
	@echo "SANITIZE=1: stress-quick, browser-test and test-deb skipped (they run apache2 without the ASan runtime, or build their own module)"
endif

$(UNIT_BIN): $(UNIT_SRC) $(CORE_SRC) $(CORE_HDR) .build-flavor
	$(CC) $(WARN) -g -O1 $(SANITIZE_CFLAGS) -Isrc $$(pkg-config --cflags apr-1 libpcre2-8) \
	    -o $@ $(UNIT_SRC) $(CORE_SRC) \
	    $$(pkg-config --libs apr-1 libpcre2-8) -lcmocka

unit: $(UNIT_BIN)
	./$(UNIT_BIN)

integration: build
	R307_MODULE=$(CURDIR)/$(MODULE) APACHE2=$(APACHE2) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

# valgrind memcheck over the integration suite, servers as `apache2 -X`
# under valgrind (about 5 minutes; tests/valgrind/run.sh says what and why).
# Always a plain build: valgrind and ASan do not mix.
valgrind:
	@command -v valgrind >/dev/null || sh scripts/ensure-deps.sh valgrind
	@$(MAKE) --no-print-directory build SANITIZE=
	R307_MODULE=$(CURDIR)/$(MODULE) APACHE2=$(APACHE2) PYTHON=$(PYTHON) \
	    sh tests/valgrind/run.sh

# The demo page in headless Chromium (Debian's chromium driven by
# playwright-core from npm). node/npm are looked for as commands: a
# NodeSource nodejs brings its own npm, which Debian's npm package would
# conflict with.
browser-test: build
	@command -v node >/dev/null && command -v npm >/dev/null \
	    || sh scripts/ensure-deps.sh nodejs npm
	@[ -x /usr/bin/chromium ] || sh scripts/ensure-deps.sh chromium
	R307_MODULE=$(CURDIR)/$(MODULE) sh tests/browser/run.sh

deb: deps
	@sh scripts/build-deb.sh

# Installs the package on this machine and removes it again (root only;
# skipped otherwise); the system apache2 service is never started.
test-deb:
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/package

# Load and graceful restarts (bench/stress.py): fails on any socket error,
# 5xx, or memory growth >= 5 %.  STRESS_SECONDS=N changes each phase.
stress: build
	@command -v wrk >/dev/null || sh scripts/ensure-deps.sh wrk
	$(PYTHON) bench/stress.py --module $(CURDIR)/$(MODULE) \
	    $(if $(STRESS_SECONDS),--seconds $(STRESS_SECONDS)) $(STRESS_ARGS)

# The ~15 s version `make test` runs: 5 s, then 5 s with a restart every
# 2 s; memory is printed but not judged, RESULTS.md is not written.
stress-quick: build
	@command -v wrk >/dev/null || sh scripts/ensure-deps.sh wrk
	$(PYTHON) bench/stress.py --module $(CURDIR)/$(MODULE) --quick

FUZZ_SECONDS ?= 60

# Not part of `make test`: a fuzzing run is only as good as its length.
fuzz:
	@sh scripts/ensure-deps.sh clang libclang-rt-14-dev
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

# Not part of `make test`: figures are only worth what the idle machine
# they were measured on is.
bench: build
	@command -v wrk >/dev/null || sh scripts/ensure-deps.sh wrk
	$(PYTHON) bench/run.py --module $(CURDIR)/$(MODULE) $(if $(QUICK),--quick) \
	    $(BENCH_ARGS)

clean:
	rm -rf .libs src/.libs *.la *.lo *.slo *.o src/*.la src/*.lo src/*.slo \
	    .build-flavor src/*.o $(UNIT_BIN) tests/integration/__pycache__ \
	    tests/package/__pycache__ dist tests/browser/out tests/fuzz/build
