# SonoTag: the README's two commands are `make demo` and `make test`.
SWIFT      ?= swift
CONFIG     ?= release
BUILDFLAGS ?= -c $(CONFIG) -Xswiftc -enable-testing
BIN        := .build/$(CONFIG)/sonotag

.PHONY: setup build demo test test-cuda bench clean format lint-format

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

# The GPU tests (target SonoCUDATests) run only where nvidia-smi lists a GPU, so a CPU machine
# reports 0 skipped tests and says in one line what it left out; `make test-cuda` runs them alone.
HAS_GPU := $(shell nvidia-smi -L 2>/dev/null | grep -q GPU && echo yes)
test: setup
	@bash scripts/build_stamp.sh
	$(SWIFT) build $(BUILDFLAGS) --build-tests
ifeq ($(HAS_GPU),yes)
	$(SWIFT) test $(BUILDFLAGS) --skip-build
else
	@echo "make test: no GPU visible (nvidia-smi): the CUDA tests (SonoCUDATests) are not run; 'make test-cuda' runs them"
	$(SWIFT) test $(BUILDFLAGS) --skip-build --skip SonoCUDATests
endif

test-cuda: setup
	@bash scripts/build_stamp.sh
	$(SWIFT) build $(BUILDFLAGS) --build-tests
	$(SWIFT) test $(BUILDFLAGS) --skip-build --filter SonoCUDATests

bench: build
	bash Benchmarks/run.sh $(BIN)

clean:
	rm -rf .build

# swift-format (in the Swift toolchain) with the repository's .swift-format: `make format`
# rewrites the Swift sources in place, `make lint-format` only reports what it would change.
SWIFT_FORMAT ?= swift format
FORMAT_PATHS ?= Package.swift Sources Tests Benchmarks
format:
	$(SWIFT_FORMAT) format --in-place --parallel --recursive --configuration .swift-format $(FORMAT_PATHS)

lint-format:
	$(SWIFT_FORMAT) lint --parallel --recursive --configuration .swift-format $(FORMAT_PATHS)

include mk/fuzz.mk
