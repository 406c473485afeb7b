#!/usr/bin/python3
"""Checks gemm_bench's dumped products against NumPy.

usage: gemm_check.py DIR

For each PREFIX in f32, f16 with DIR/PREFIX_{a,b,y}.npy present (written by
`gemm_bench --dump=DIR`), prints the relative L2 error ||Y - A @ B|| / ||A @ B||
with A @ B computed by NumPy in float64 (batched over the leading dim). The
f16 inputs were dumped after rounding to fp16, so the error measures only the
kernel's fp32 accumulation. Exits 1 if any error exceeds 1e-4.
"""
import os
import sys

import numpy as np


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    worst = 0.0
    for prefix in ("f32", "f16"):
        paths = [os.path.join(d, f"{prefix}_{x}.npy") for x in "aby"]
        if not all(os.path.exists(p) for p in paths):
            continue
        a, b, y = (np.load(p) for p in paths)
        ref = np.matmul(a.astype(np.float64), b.astype(np.float64))
        err = np.linalg.norm(y - ref) / max(np.linalg.norm(ref), 1e-30)
        print(f"numpy check {prefix} {'x'.join(map(str, y.shape))}: "
              f"rel L2 {err:.3e}")
        worst = max(worst, err)
    sys.exit(1 if worst > 1e-4 else 0)


if __name__ == "__main__":
    main()
