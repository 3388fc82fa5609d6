# vtp entry points. On a fresh Debian 12 machine (as root, or a user with
# sudo) `make test` and `make demo` install what they need first.
BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CTEST_JOBS ?= 2

# Prerequisites run in the order written (deps before build).
.NOTPARALLEL:
.PHONY: deps build test demo cluster-demo bench clean

deps:
	scripts/install-deps.sh
	scripts/install-npm.sh

build:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DVTP_WERROR=ON
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: deps build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(CTEST_JOBS)

demo: deps build
	VTP=$(BUILD_DIR)/vtp scripts/demo.sh

# Distributed mode on loopback: PostgreSQL, Redis, s3rver, one API server,
# three workers (docs/distributed.md). Stop with scripts/cluster-demo.sh stop.
cluster-demo: deps build
	VTP=$(BUILD_DIR)/vtp scripts/cluster-demo.sh

bench: build
	VTP=$(BUILD_DIR)/vtp bench/ladder_bench.sh $(BENCH_ARGS)

clean:
	rm -rf $(BUILD_DIR) demo-out
