# tlc: two commands do all set-up on a fresh Debian 12 machine.
#   make run   installs what is missing, builds tlc and the demo (nothing
#              else), and classifies the Fashion-MNIST test set on the
#              default Vulkan device with one plan compiled for batches
#              1..100, fed batches of random sizes; then generates text
#              with the small Llama model of models/austen/ (greedy).
#   make test  installs what is missing, builds everything, and runs the
#              test suite.
# After either, the CLI is $(BUILD)/tlc; `make install` puts it, the C API
# and the Python package under PREFIX (docs/embedding.md).
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps deps-run deps-test build build-demo run test install clean test-sanitize bench-planner fuzz test-zoo

all: build

deps:
	tools/install-deps.sh build
deps-run:
	tools/install-deps.sh run
deps-test:
	tools/install-deps.sh test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Only what `make run` needs: the CLI and the demo, not every test and tool
# (`make test` builds those).
build-demo: deps-run $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target tlc fashion_demo

# The text demo (models/austen/README.md): the plan keeps a KV cache of the
# model's whole context (256 tokens); each generated token runs alone.
run: build-demo
	$(BUILD)/tlc compile models/fashion_cnn.yaml -o $(BUILD)/fashion_cnn.tlp --input-shape image=1..100x1x28x28
	$(BUILD)/fashion_demo $(BUILD)/fashion_cnn.tlp /usr/share/datasets/fashion-mnist \
	  --reference tests/data/fashion_torch_pred.npy
	$(BUILD)/tlc compile models/austen/austen.gguf -o $(BUILD)/austen.tlp
	$(BUILD)/tlc generate $(BUILD)/austen.tlp --prompt "It is a truth universally acknowledged" \
	  --max-new-tokens 32

test: deps-test build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The tlc command, libtlc_runtime and libtlc_compiler with tlc/tlc.h, the
# CMake package and pkg-config files, and the Python package, under PREFIX
# (staged under DESTDIR when given): docs/embedding.md. Builds only what it
# installs.
PREFIX ?= /usr/local
install: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target tlc_installable
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# ASan+UBSan build of everything, all ctest tests (unit, lit, ONNX
# conformance) under lavapipe; CI runs it after `make test` (.ci/run,
# docs/hardening.md). Leak checking is off: lavapipe leaks at exit, and the
# loader has unloaded it by then, so its frames show as "<unknown module>"
# and tests/sanitize/lsan.supp cannot name them. abort_on_error=1: a report
# ends the process with SIGABRT, not exit code 1, so that lit's
# `not %tlc ...` (expects a plain error exit) fails on it instead of passing.
test-sanitize: deps-test
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitize/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1 \
	$(MAKE) BUILD=build-sanitize CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DTLC_SANITIZE=ON" test

# libFuzzer targets (fuzz/), each run FUZZ_SECONDS from the seeds in
# tests/fuzz-corpus/TARGET; new inputs go to FUZZ_BUILD/corpus/TARGET and
# crashing inputs to FUZZ_BUILD/artifacts/TARGET/ (docs/hardening.md).
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build-fuzz
FUZZ_TARGETS ?= model_parser safetensors npy plan gguf onnx capi_plan tlir
fuzz: deps-test
	test -f $(FUZZ_BUILD)/CMakeCache.txt || cmake -S . -B $(FUZZ_BUILD) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
	  -DCMAKE_CXX_COMPILER=clang++-14 -DTLC_FUZZ=ON -DTLC_BUILD_TESTS=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts/$$t; \
	  $(FUZZ_BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t/ \
	    $(FUZZ_BUILD)/corpus/$$t tests/fuzz-corpus/$$t; \
	done

# The model-zoo check (tools/zoo/zoo.py, docs/zoo.md): torchvision models
# exported at opset 17, compiled and run by tlc, compared with PyTorch.
# Not part of `make test` (an hour on 2 cores for every model); ZOO_MODELS
# picks some.
ZOO_MODELS ?=
test-zoo: build
	tools/install-deps.sh zoo
	python3 tools/zoo/zoo.py --tlc $(BUILD)/tlc --work $(BUILD)/zoo $(ZOO_MODELS)

# Every memory planner over ../shared/planner-bench, as one table.
bench-planner: build
	cmake --build $(BUILD) --target bench-planner

clean:
	rm -rf $(BUILD)
