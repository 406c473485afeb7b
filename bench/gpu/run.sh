#!/bin/sh
# One GPU-machine run of the whole benchmark (bench/gpu/bench.py): exports the
# peer models, compiles, checks and times them with tlc and PyTorch, runs the
# elementwise bandwidth test and the pipeline-cache load times; prints the
# markdown tables. Models, plans and arrays stay in WORK; the logs, tables,
# bench JSON and profiles are copied to RESULTS.
#
# usage (repository root, Vulkan loader and driver set up as in
# docs/performance.md): bench/gpu/run.sh [TLC] [RESULTS] [WORK]
#   TLC      the tlc binary (default .device-bench/tlc, staged with
#            tools/stage-device.sh .device-bench build-runtime/tlc)
#   RESULTS  default $OUT/bench when OUT is set, else /tmp/tlc-bench/results
#   WORK     default /tmp/tlc-bench
# Extra bench.py flags go in BENCH_ARGS (e.g. BENCH_ARGS=--models=resnet50).
set -u
tlc=${1:-.device-bench/tlc}
results=${2:-${OUT:+$OUT/bench}}
results=${results:-/tmp/tlc-bench/results}
work=${3:-/tmp/tlc-bench}
mkdir -p "$results" "$work"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null |
  tee "$results/gpu.txt"
python3 bench/gpu/bench.py --tlc "$tlc" --out "$work" ${BENCH_ARGS:-} 2>&1 |
  tee "$results/bench.log"
(cd "$work" && find . -name '*.json' -size -8M) | while read -r f; do
  mkdir -p "$results/$(dirname "$f")" && cp "$work/$f" "$results/$f"
done
