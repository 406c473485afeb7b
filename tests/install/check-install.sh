#!/usr/bin/env bash
# `make install`'s tree used as an application uses it (docs/embedding.md):
#  1. cmake --install BUILD into a DESTDIR stage, prefix /usr;
#  2. examples/c/classify.c built against the stage twice, with
#     `pkg-config --cflags --libs tlc` and as a CMake project with
#     find_package(tlc); both classify the Fashion-MNIST test set with the
#     demo plan (compiled by the staged tlc) and must print the accuracy line
#     of fashion_demo (what `make run` prints);
#  3. the staged libraries export only the C API, and libtlc_runtime holds
#     nothing of the compiler;
#  4. `import tlc` from the staged Python package, when it was installed.
# Usage: check-install.sh SOURCE_DIR BUILD_DIR   (exit 77: no dataset)
set -euo pipefail
src=$1 build=$2
data=/usr/share/datasets/fashion-mnist
[ -f "$data/t10k-images-idx3-ubyte.gz" ] || { echo "no $data: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/stage
DESTDIR=$stage cmake --install "$build" --prefix /usr >/dev/null
runtime_lib=$(find "$stage/usr" -name libtlc_runtime.so | head -1)
libdir=$(dirname "$runtime_lib")
echo "staged: $(cd "$stage" && find . -type f | sort | tr '\n' ' ')"

plan=$work/fashion.tlp
"$stage/usr/bin/tlc" compile "$src/models/fashion_cnn.yaml" -o "$plan" \
  --input-shape image=1..100x1x28x28
expected=$("$build/fashion_demo" "$plan" "$data" 2>/dev/null | grep '^accuracy:')
echo "fashion_demo: $expected"

flags=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs tlc)
echo "pkg-config --cflags --libs tlc: $flags"
cc -std=c99 -Wall -o "$work/classify_pc" "$src/examples/c/classify.c" $flags -lz
got=$(LD_LIBRARY_PATH=$libdir "$work/classify_pc" "$plan" "$data")
echo "pkg-config build: $got"
[ "$got" = "$expected" ] || { echo "FAIL: pkg-config build differs"; exit 1; }

cmake -S "$src/examples/c" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$stage/usr" >/dev/null
cmake --build "$work/cmake" >/dev/null
got=$("$work/cmake/classify" "$plan" "$data")
echo "find_package(tlc) build: $got"
[ "$got" = "$expected" ] || { echo "FAIL: CMake build differs"; exit 1; }

for lib in "$runtime_lib" "$libdir/libtlc_compiler.so"; do
  other=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^tlc_' || true)
  [ -z "$other" ] || { echo "FAIL: $lib exports $other"; exit 1; }
done
# (nm into files: `nm | grep -q` would fail under pipefail when grep quits
# early.)
compiler_markers='tlc::(compileGraph|inferShapes|fuse[A-Z]|lower[A-Z])'
nm -C "$runtime_lib" > "$work/runtime.nm"
nm -C "$libdir/libtlc_compiler.so" > "$work/compiler.nm"
if grep -E "$compiler_markers" "$work/runtime.nm"; then
  echo "FAIL: libtlc_runtime carries compiler code"; exit 1
fi
grep -qE "$compiler_markers" "$work/compiler.nm" ||
  { echo "FAIL: libtlc_compiler lacks compileGraph (check above is void)"; exit 1; }
echo "libtlc_runtime needs: $(readelf -d "$runtime_lib" | grep NEEDED | sed 's/.*\[\(.*\)\]/\1/' | tr '\n' ' ')"

pkg=$(find "$stage/usr" -path '*/tlc/__init__.py' | head -1)
if [ -n "$pkg" ]; then
  PYTHONPATH=$(dirname "$(dirname "$pkg")") /usr/bin/python3 -c \
    'import tlc, sys; print("import tlc from the stage:", tlc.__file__)'
fi
echo "install check passed"
