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
of 1 GiB measured by PyTorch in the same run (bench.py's torch_copy:
median of 20, CUDA events;
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
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
sys.path.insert(0, HERE)
import bench  # noqa: E402
import make_llama_testdata as mk  # noqa: E402
import llama  # noqa: E402


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

    hp = llama.tinyllama_hparams(a.layers, a.vocab)
    os.makedirs(a.work, exist_ok=True)
    folder = os.path.join(a.work, "hf")
    llama.make_model(folder, hp, seed=7)
    weights = None
    rows = []
    copy = bench.torch_copy(1 << 30, iters=20)  # (us, GB/s) or None
    copy_gbps = copy[1] if copy else None
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
            llama.sh([a.tlc, "compile", src, "-o", plan, "--max-context",
                      "1200", "--precision", "fp16", "--target", "gpu"])
        info = json.loads(llama.sh([a.tlc, "inspect", plan, "--format",
                                    "json"]))
        emb = next(t for t in info["tensors"] if t["name"] == "token_embd.weight")
        emb_row = emb["bytes"] // a.vocab
        for ctx in map(int, a.contexts.split(",")):
            cmd = [a.tlc, "bench", plan, "--input-shape", "input_ids=1x1",
                   "--dim", "past=%d" % (ctx - 1), "--iterations",
                   str(a.iterations), "--copy-baseline", "--json"]
            if a.profile:
                cmd += ["--profile", os.path.join(
                    a.out, "decode_%s_%d.trace.json" % (ty.lower(), ctx))]
            b = json.loads(llama.sh(cmd))
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
