#!/usr/bin/python3
"""Writes tests/data/llama_ops/*.npy: inputs and expected outputs of the
ONNX opset 23 ops RMSNormalization and RotaryEmbedding, computed with NumPy.

The unit tests (tests/unit/OpLlamaTest.cpp) run tlc's CPU references and its
shaders on these inputs and compare with these outputs. The formulas below
are written from the ONNX operator spec (https://onnx.ai/onnx/operators/,
RMSNormalization-23 and RotaryEmbedding-23), independently of tlc's code:

  RMSNormalization: Y = X / sqrt(mean(X^2 over axes [axis, rank)) + epsilon)
                    * scale, scale broadcast (numpy rules) to X.
  RotaryEmbedding:  per head of D elements and rotary dim R (0: D), with
                    c = cos_cache[p], s = sin_cache[p] for the token's row p
                    (position_ids[b, s], or (b, s) of [B, S, R/2] caches),
                    x1 = x[:R/2], x2 = x[R/2:R] (interleaved = 0) or
                    x1 = x[0:R:2], x2 = x[1:R:2] (interleaved = 1):
                    x1' = x1 c - x2 s, x2' = x1 s + x2 c; x[R:] unchanged.
                    X is [B, H, S, D], or [B, S, H * D] with num_heads = H.

Everything is computed in float64 from float32 inputs and rounded once to
float32. One case ("clamp") has position ids outside [0, P): the spec leaves
them undefined; tlc clamps them to [0, P - 1] (ops/RotaryEmbedding.cpp), and
so does this script for that case only.

The attributes of each case are listed in CASES below and must agree with
the table in tests/unit/OpLlamaTest.cpp (the test checks the shapes).

Usage: /usr/bin/python3 tools/make_llama_op_testdata.py [OUT_DIR]
       (default OUT_DIR: tests/data/llama_ops in this script's repository)
"""
import os
import sys

import numpy as np


def rms_norm(x, scale, axis, epsilon):
    """RMSNormalization-23 on float32 x and scale, in float64."""
    x64 = x.astype(np.float64)
    axes = tuple(range(axis % x.ndim, x.ndim))
    mean_sq = np.mean(x64 * x64, axis=axes, keepdims=True)
    y = x64 / np.sqrt(mean_sq + epsilon) * scale.astype(np.float64)
    return y.astype(np.float32)


def rotary(x, cos_cache, sin_cache, position_ids, interleaved, rotary_dim,
           num_heads, clamp=False):
    """RotaryEmbedding-23 on float32 inputs, in float64."""
    if x.ndim == 3:
        b, s, hidden = x.shape
        heads = x.reshape(b, s, num_heads, hidden // num_heads)
        heads = heads.transpose(0, 2, 1, 3)  # [B, H, S, D]
    else:
        heads = x
    d = heads.shape[3]
    r = rotary_dim if rotary_dim else d
    half = r // 2
    if position_ids is None:
        c, s_ = cos_cache, sin_cache  # [B, S, R/2]
    else:
        p = position_ids
        if clamp:
            p = np.clip(p, 0, cos_cache.shape[0] - 1)
        c, s_ = cos_cache[p], sin_cache[p]  # [B or 1, S, R/2]
    c = c.astype(np.float64)[:, None, :, :]  # broadcast over heads
    s_ = s_.astype(np.float64)[:, None, :, :]
    if interleaved:
        first, second = np.arange(half) * 2, np.arange(half) * 2 + 1
    else:
        first, second = np.arange(half), np.arange(half) + half
    h64 = heads.astype(np.float64)
    x1, x2 = h64[..., first], h64[..., second]
    out = h64.copy()
    out[..., first] = x1 * c - x2 * s_
    out[..., second] = x1 * s_ + x2 * c
    if x.ndim == 3:
        out = out.transpose(0, 2, 1, 3).reshape(x.shape)
    return out.astype(np.float32)


def llama_caches(positions, half, base=10000.0):
    """cos and sin of position * base^(-i / half), i < half, as float32
    [positions, half]: the tables of Llama's RoPE."""
    inv_freq = base ** (-np.arange(half, dtype=np.float64) / half)
    angles = np.arange(positions, dtype=np.float64)[:, None] * inv_freq
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


# RMSNormalization: name -> (X shape, scale shape, axis, epsilon).
RMS_CASES = {
    # Llama's case on a 3-D input: last axis, scale [hidden].
    "rms_3d": ((2, 3, 20), (20,), -1, 1e-5),
    # Two normalized dims, scale broadcast over the first ([5] vs [3, 5]).
    "rms_axis": ((2, 3, 5), (5,), -2, 1e-3),
    # Two normalized dims, scale broadcast over the last ([3, 1] vs [3, 5]).
    "rms_inner": ((2, 3, 5), (3, 1), 1, 1e-5),
    # Rows longer than the shader's workgroup (128).
    "rms_wide": ((2, 160), (160,), -1, 1e-6),
}

# RotaryEmbedding: name -> (X shape, interleaved, rotary_embedding_dim,
# num_heads, cache rows P (None: no position_ids), position_ids).
ROPE_CASES = {
    # 4-D [B, H, S, D], halves, whole head.
    "rope_4d_half": ((2, 3, 5, 8), 0, 0, 0, 16,
                     [[0, 1, 2, 3, 4], [7, 3, 11, 0, 15]]),
    # 4-D, adjacent pairs, rotary dim 6 of a head of 10.
    "rope_4d_inter_partial": ((1, 2, 4, 10), 1, 6, 0, 12, [[5, 2, 9, 0]]),
    # 3-D [B, S, H * D], halves, rotary dim 4 of 6; num_heads given.
    "rope_3d_half_partial": ((2, 3, 12), 0, 4, 2, 10,
                             [[3, 4, 5], [9, 0, 1]]),
    # 3-D, adjacent pairs, whole head; position_ids [1, S] for both rows.
    "rope_3d_inter_bcast": ((2, 4, 16), 1, 0, 2, 8, [[6, 1, 7, 2]]),
    # 4-D without position_ids: caches [B, S, R/2].
    "rope_nopos": ((2, 2, 3, 4), 0, 0, 0, None, None),
    # Position ids outside [0, P): clamped (tlc's choice; see above).
    "rope_clamp": ((1, 1, 4, 4), 1, 0, 0, 6, [[-3, 6, 100, 5]]),
}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "tests", "data", "llama_ops")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20240523)
    arrays = {}

    for name, (xs, ss, axis, eps) in RMS_CASES.items():
        # An offset mean: RMS normalization does not subtract it.
        x = rng.uniform(-1.5, 2.5, size=xs).astype(np.float32)
        scale = rng.uniform(0.5, 1.5, size=ss).astype(np.float32)
        arrays[name + "_x"] = x
        arrays[name + "_scale"] = scale
        arrays[name + "_y"] = rms_norm(x, scale, axis, eps)

    for name, (xs, inter, rdim, heads, rows, pos) in ROPE_CASES.items():
        x = rng.uniform(-2.0, 2.0, size=xs).astype(np.float32)
        d = xs[3] if len(xs) == 4 else xs[2] // heads
        half = (rdim if rdim else d) // 2
        if rows is None:
            # [B, S, R/2] caches: cos and sin of random angles.
            b, s = xs[0], xs[2] if len(xs) == 4 else xs[1]
            angles = rng.uniform(-np.pi, np.pi, size=(b, s, half))
            cos_c = np.cos(angles).astype(np.float32)
            sin_c = np.sin(angles).astype(np.float32)
            p = None
        else:
            cos_c, sin_c = llama_caches(rows, half)
            p = np.array(pos, dtype=np.int64)
            arrays[name + "_pos"] = p
        arrays[name + "_x"] = x
        arrays[name + "_cos"] = cos_c
        arrays[name + "_sin"] = sin_c
        arrays[name + "_y"] = rotary(x, cos_c, sin_c, p, inter, rdim, heads,
                                     clamp=name == "rope_clamp")

    for name, a in arrays.items():
        path = os.path.join(out, name + ".npy")
        a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
        np.save(path, a)
        b = np.load(path)
        assert b.dtype == a.dtype and b.shape == a.shape and (a == b).all(), name
    print("wrote", len(arrays), "files to", out)


if __name__ == "__main__":
    main()
