# SonoTag: the README's two commands are `make demo` and `make test`.
SWIFT      ?= swift
CONFIG     ?= release
BUILDFLAGS ?= -c $(CONFIG) -Xswiftc -enable-testing
BIN        := .build/$(CONFIG)/sonotag

.PHONY: setup build demo test bench clean

setup:
	@bash scripts/setup.sh

# Two executables: `sonotag` (no libtorch: starts in milliseconds) hands training commands to
# `sonotag-train` beside it.
build: setup
	@bash scripts/build_stamp.sh
	$(SWIFT) build $(BUILDFLAGS) --product sonotag
	$(SWIFT) build $(BUILDFLAGS) --product sonotag-train

demo: build
	bash scripts/demo.sh $(BIN)

test: setup
	@bash scripts/build_stamp.sh
	$(SWIFT) build $(BUILDFLAGS) --build-tests
	$(SWIFT) test $(BUILDFLAGS) --skip-build

bench: build
	bash Benchmarks/run.sh $(BIN)

clean:
	rm -rf .build

include mk/fuzz.mk
