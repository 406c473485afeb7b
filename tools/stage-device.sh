#!/bin/sh
# Stages tlc binaries for a machine that has a Vulkan driver but not Debian's
# libraries (see docs/runtime.md, "Running on another machine"): copies the
# given executables and the non-base shared libraries they need into DEST/lib,
# and the Khronos validation layer into DEST/layer. DEST must be git-ignored
# (the pattern /.device*/ is). Keep DEST small: only what the run needs.
#
# usage: tools/stage-device.sh DEST EXECUTABLE...
# then on the target:  export LD_LIBRARY_PATH=$PWD/DEST/lib VK_LAYER_PATH=$PWD/DEST/layer
set -eu
[ $# -ge 2 ] || { echo "usage: $0 DEST EXECUTABLE..." >&2; exit 2; }
dest=$1; shift
mkdir -p "$dest/lib" "$dest/layer"
for exe in "$@"; do
  [ -x "$exe" ] || { echo "$0: $exe: not an executable" >&2; exit 1; }
  cp -f "$exe" "$dest/"
  # Libraries outside glibc/libstdc++/libvulkan (the target has those).
  ldd "$exe" | awk '/=> \// {print $3}' |
    grep -E 'libyaml-cpp|libonnx|libprotobuf|libpng' |
    while read -r lib; do cp -fL "$lib" "$dest/lib/"; done
done
layer=/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json
if [ -f "$layer" ]; then
  cp -f /usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so "$dest/layer/"
  sed 's#"library_path": *"[^"]*"#"library_path": "./libVkLayer_khronos_validation.so"#' \
    "$layer" > "$dest/layer/VkLayer_khronos_validation.json"
fi
du -sh "$dest"
