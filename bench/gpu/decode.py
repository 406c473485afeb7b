#!/usr/bin/env python3
"""Decode time per token against the memory-bandwidth bound (issue #16).

The TinyLlama-shaped model of bench/gpu/llama.py (same scheme and seed:
22 layers, hidden 2048, 32 heads, 4 KV heads, FFN 5632, vocabulary 32000,
random weights) as an F16 Hugging Face folder and as Q8_0 and Q4_0 GGUF
files (llama.cpp's choice of Q6_K for the Q4_0 file's output.weight),
compiled with --precision=fp16 --target=gpu and a context of 1200. For each
weight type and context C in (128, 1024): `tlc bench` of one decode step
(sequence = 1 after C - 1 cached positions). The bound comes from the
device-to-device copy rate (bytes read + written per second) of a CUDA copy
of 1 GiB measured by PyTorch in the same run (median of 20, CUDA events;
vkCmdCopyBuffer reaches a fraction of it on NVIDIA's driver,
docs/performance.md, so `tlc bench --copy-baseline` serves only where
PyTorch is missing):
  bytes a token reads = weights - token embedding + one embedding row
                        + K and V cache rows read (C x layers x 2 x
                          kv_heads x head size x 2 bytes)
  bound = bytes / copy rate
Prints one row per (type, context) and writes OUT/decode.json.

Usage (GPU machine, tlc staged as in ../shared/GPU.md):
  python3 bench/gpu/decode.py --tlc .device-ranges/tlc --out $OUT
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
sys.path.insert(0, HERE)
import make_llama_testdata as mk  # noqa: E402
import llama  # noqa: E402


def run(cmd):
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout[-3000:], r.stderr[-3000:], flush=True)
        raise SystemExit("command failed: %s" % " ".join(cmd))
    print("+ %s (%.1f s)" % (" ".join(cmd[:3]), time.time() - t0), flush=True)
    return r.stdout


def cuda_copy_gbps(nbytes=1 << 30, reps=20):
    """bytes read + written per second of a CUDA device-to-device copy, in
    GB/s; None without PyTorch or CUDA."""
    try:
        import torch
        if not torch.cuda.is_available():
            return None
    except ImportError:
        return None
    x = torch.empty(nbytes // 4, dtype=torch.float32, device="cuda")
    y = torch.empty_like(x)
    times = []
    for i in range(reps + 3):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        y.copy_(x)
        b.record()
        torch.cuda.synchronize()
        if i >= 3:
            times.append(a.elapsed_time(b) / 1e3)
    del x, y
    torch.cuda.empty_cache()
    return 2 * nbytes / float(np.median(times)) / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tlc", required=True)
    ap.add_argument("--work", default="/tmp/tl")
    ap.add_argument("--out", default=".")
    ap.add_argument("--layers", type=int, default=22)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--types", default="F16,Q8_0,Q4_0")
    ap.add_argument("--contexts", default="128,1024")
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--profile", action="store_true",
                    help="also write OUT/decode_TYPE_CTX.trace.json, one "
                    "profiled step (a slice per dispatch)")
    a = ap.parse_args()

    hp = dict(vocab=a.vocab, n_embd=2048, n_head=32, n_head_kv=4, ffn=5632,
              n_layer=a.layers, ctx=2048, rms_eps=1e-5, rope_base=10000.0,
              tied=False, out_gain=1.0, hf_dtype="F16", alignment=32,
              vocab_keys=False)
    os.makedirs(a.work, exist_ok=True)
    folder = os.path.join(a.work, "hf")
    llama.make_model(folder, hp, seed=7)
    weights = None
    rows = []
    copy_gbps = cuda_copy_gbps()
    print("CUDA copy: %s GB/s" % ("%.0f" % copy_gbps if copy_gbps else "n/a"),
          flush=True)
    for ty in a.types.split(","):
        plan = os.path.join(a.work, "decode_%s.tlp" % ty.lower())
        if ty == "F16":
            src = folder
        else:
            src = os.path.join(a.work, "tinyllama_%s.gguf" % ty.lower())
            if not os.path.exists(src):
                if weights is None:
                    weights = mk.make_weights(np.random.default_rng(7), hp)
                t0 = time.time()
                mk.write_gguf(src, "tinyllama", hp, weights, ty)
                print("%s written in %.0f s" % (src, time.time() - t0),
                      flush=True)
        if not os.path.exists(plan):
            run([a.tlc, "compile", src, "-o", plan, "--max-context", "1200",
                 "--precision", "fp16", "--target", "gpu"])
        info = json.loads(run([a.tlc, "inspect", plan, "--format", "json"]))
        emb = next(t for t in info["tensors"] if t["name"] == "token_embd.weight")
        emb_row = emb["bytes"] // a.vocab
        for ctx in map(int, a.contexts.split(",")):
            b = json.loads(run([a.tlc, "bench", plan, "--input-shape",
                                "input_ids=1x1", "--dim", "past=%d" % (ctx - 1),
                                "--iterations", str(a.iterations),
                                "--copy-baseline", "--json"] +
                               (["--profile", os.path.join(
                                   a.out, "decode_%s_%d.trace.json" %
                                   (ty.lower(), ctx))] if a.profile else [])))
            kv = ctx * a.layers * 2 * 4 * 64 * 2
            read = b["weight_bytes"] - emb["bytes"] + emb_row + kv
            rate = copy_gbps or b["copy"]["gbps"]
            copy_bps = rate * 1e9
            bound_ms = read / copy_bps * 1e3
            ms = b["gpu_us"]["median"] / 1e3
            row = dict(type=ty, context=ctx, ms_per_token=ms,
                       bytes_per_token=read, copy_gbps=rate,
                       copy_source="cuda" if copy_gbps else "vkCmdCopyBuffer",
                       vk_copy_gbps=b["copy"]["gbps"],
                       bound_ms=bound_ms, ratio_to_bound=ms / bound_ms,
                       dispatches_recorded=b["dispatches"],
                       barriers=b["barriers"], device=b["device"])
            rows.append(row)
            print("%-5s ctx %5d: %.3f ms/token, bound %.3f ms (%.2f GB at "
                  "%.0f GB/s), %.2fx; %d dispatches, %d barriers recorded" % (
                      ty, ctx, ms, bound_ms, read / 1e9, rate,
                      ms / bound_ms, b["dispatches"], b["barriers"]),
                  flush=True)
            with open(os.path.join(a.out, "decode.json"), "w") as f:
                json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
