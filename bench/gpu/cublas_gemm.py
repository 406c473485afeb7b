#!/usr/bin/env python3
"""cuBLAS reference for bench/gpu/gemm_bench: TFLOP/s of PyTorch's matmul.

usage: cublas_gemm.py [N]   (default 4096; square N x N x N)

Prints fp32 with TF32 off, TF32, and fp16 TFLOP/s: CUDA events, median of 30
after 10 warm-up products. Needs torch with CUDA (the GPU machine has it).
"""
import statistics
import sys

import torch


def tflops(n, dtype, tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    a = torch.randn(n, n, device="cuda", dtype=dtype)
    b = torch.randn(n, n, device="cuda", dtype=dtype)
    for _ in range(10):
        a @ b
    times = []
    for _ in range(30):
        s, e = torch.cuda.Event(True), torch.cuda.Event(True)
        s.record()
        a @ b
        e.record()
        torch.cuda.synchronize()
        times.append(s.elapsed_time(e) / 1000.0)
    return 2.0 * n ** 3 / statistics.median(times) / 1e12


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    print(torch.cuda.get_device_name())
    print("cuBLAS fp32 (TF32 off) %dx%dx%d: %.1f TFLOP/s" %
          (n, n, n, tflops(n, torch.float32, False)))
    print("cuBLAS TF32: %.1f TFLOP/s" % tflops(n, torch.float32, True))
    print("cuBLAS fp16: %.1f TFLOP/s" % tflops(n, torch.float16, False))


if __name__ == "__main__":
    main()
