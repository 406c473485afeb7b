#!/usr/bin/env bash
# Installs the Debian 12 packages tlc needs, only those missing.
# Usage: tools/install-deps.sh [build|run|test|zoo|all]   (default: all)
set -euo pipefail
# libgtest-dev and libsentencepiece-dev are for the tests, which every build
# also builds; libsentencepiece is the tokenizer tests' reference, tlc itself
# does not link it (docs/tokenizer.md).
# pybind11-dev, python3-dev and python3-numpy build the Python package
# (python/, docs/embedding.md).
BUILD_PKGS="cmake g++ make pkg-config libvulkan-dev glslang-tools glslang-dev spirv-tools
  libyaml-cpp-dev llvm-dev llvm-14-dev llvm-14-tools libgtest-dev zlib1g-dev libonnx-dev libprotobuf-dev protobuf-compiler libpng-dev libsentencepiece-dev
  pybind11-dev python3-dev python3-numpy"
RUN_PKGS="mesa-vulkan-drivers dataset-fashion-mnist"
TEST_PKGS="vulkan-validationlayers python3 python3-pytest libonnx-testdata python3-onnx clang-14 libclang-rt-14-dev"
# make test-zoo (tools/zoo/zoo.py): PyTorch and torchvision export the models.
ZOO_PKGS="python3-torch python3-torchvision"
case "${1:-all}" in
  build) want="$BUILD_PKGS" ;;
  run)   want="$BUILD_PKGS $RUN_PKGS" ;;
  test)  want="$BUILD_PKGS $RUN_PKGS $TEST_PKGS" ;;
  zoo)   want="$BUILD_PKGS $RUN_PKGS $TEST_PKGS $ZOO_PKGS" ;;
  all)   want="$BUILD_PKGS $RUN_PKGS $TEST_PKGS" ;;
  *) echo "usage: $0 [build|run|test|zoo|all]" >&2; exit 2 ;;
esac
missing=()
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "tlc: installing missing packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
