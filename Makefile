# tlc: two commands do all set-up on a fresh Debian 12 machine.
#   make run   installs what is missing, builds, and classifies the
#              Fashion-MNIST test set on the default Vulkan device.
#   make test  installs what is missing, builds, and runs the test suite.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps deps-run deps-test build run test clean test-sanitize

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

run: deps-run build
	$(BUILD)/tlc compile models/fashion_cnn.yaml -o $(BUILD)/fashion_cnn.tlp --input-shape image=100x1x28x28
	$(BUILD)/fashion_demo $(BUILD)/fashion_cnn.tlp /usr/share/datasets/fashion-mnist

test: deps-test build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-sanitize: deps-test
	$(MAKE) BUILD=build-sanitize CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DTLC_SANITIZE=ON" test

clean:
	rm -rf $(BUILD)
