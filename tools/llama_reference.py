#!/usr/bin/python3
"""An independent NumPy reference of the Llama architecture, in float64.

Used by tools/make_llama_testdata.py to compute the expected logits of the
small test models in tests/data/llama/, and importable by other scripts
(needs only numpy, e.g. Debian's python3-numpy). Nothing here comes from
tlc's C++ code; the formulas are written from these descriptions:

- transformers' LlamaForCausalLM (src/transformers/models/llama/
  modeling_llama.py): LlamaRMSNorm, LlamaRotaryEmbedding + rotate_half +
  apply_rotary_pos_emb, repeat_kv (grouped-query attention), eager attention
  with scale head_dim^-0.5 and a causal mask, LlamaMLP
  (down(silu(gate(x)) * up(x))), pre-norm residual blocks, final norm,
  lm_head (tied to embed_tokens when tie_word_embeddings).
- llama.cpp's convert_hf_to_gguf.py (LlamaModel.permute, applied to q_proj
  with n_head and to k_proj with n_head_kv) and ggml's "normal" rope mode
  (adjacent pairs (2i, 2i+1) rotated by pos * base^(-2i/n_dims)), which is
  what llama.cpp runs for architecture "llama".
- GGUF block layouts (ggml's docs/gguf.md and src/ggml-common.h, restated
  in tlc's docs/gguf.md) for the dequantizers.

Weights are a dict of HF tensor names (see HF_NAMES) to numpy arrays in HF
shapes ([out, in] for projections), any float dtype; everything is computed
in float64. A config is a dict with keys n_layer, n_head, n_head_kv,
rms_eps, rope_base (head_dim = n_embd / n_head, taken from the weights).
"""
import struct

import numpy as np

# ---------------------------------------------------------------------------
# Tensor names.

def hf_layer_names(i):
    p = "model.layers.%d." % i
    return {
        "attn_norm": p + "input_layernorm.weight",
        "attn_q": p + "self_attn.q_proj.weight",
        "attn_k": p + "self_attn.k_proj.weight",
        "attn_v": p + "self_attn.v_proj.weight",
        "attn_output": p + "self_attn.o_proj.weight",
        "ffn_norm": p + "post_attention_layernorm.weight",
        "ffn_gate": p + "mlp.gate_proj.weight",
        "ffn_up": p + "mlp.up_proj.weight",
        "ffn_down": p + "mlp.down_proj.weight",
    }


def gguf_to_hf_names(n_layer):
    """GGUF tensor name -> HF tensor name (llama.cpp's tensor mapping)."""
    m = {"token_embd.weight": "model.embed_tokens.weight",
         "output_norm.weight": "model.norm.weight",
         "output.weight": "lm_head.weight"}
    for i in range(n_layer):
        for short, hf in hf_layer_names(i).items():
            m["blk.%d.%s.weight" % (i, short)] = hf
    return m


# ---------------------------------------------------------------------------
# llama.cpp's Q/K row permutation.

def permute(w, n_head):
    """convert_hf_to_gguf.py LlamaModel.permute: within each head, HF row
    h * (d/2) + j (half h of the rotate_half layout, j < d/2) moves to row
    2j + h, so that rotate_half's pair (j, j + d/2) becomes the adjacent
    pair (2j, 2j + 1) that ggml's normal rope rotates."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def unpermute(w, n_head):
    """The inverse of permute (GGUF rows back to HF's order)."""
    return (w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


# ---------------------------------------------------------------------------
# The forward pass.

def rms_norm(x, w, eps):
    x = x.astype(np.float64)
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w.astype(np.float64)


def rope_angles(n_pos, head_dim, base):
    """[n_pos, head_dim / 2] angles pos * base^(-2i / head_dim), float64."""
    inv_freq = float(base) ** (-np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    return np.outer(np.arange(n_pos, dtype=np.float64), inv_freq)


def rope_rotate_half(x, angles):
    """HF: x [S, H, d]; cos/sin of cat(freqs, freqs); x * cos + rotate_half(x) * sin
    with rotate_half(x) = cat(-x[d/2:], x[:d/2])."""
    emb = np.concatenate([angles, angles], axis=-1)[:, None, :]
    half = x.shape[-1] // 2
    rot = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * np.cos(emb) + rot * np.sin(emb)


def rope_interleaved(x, angles):
    """ggml normal mode: pair (2i, 2i + 1) rotated by angles[:, i]."""
    c = np.cos(angles)[:, None, :]
    s = np.sin(angles)[:, None, :]
    x0, x1 = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x0 * c - x1 * s
    out[..., 1::2] = x0 * s + x1 * c
    return out


def silu(x):
    return x / (1.0 + np.exp(-x))


def forward(weights, cfg, ids, rope="rotate_half"):
    """Logits [len(ids), vocab] (float64) of token ids at positions 0..n-1.

    rope: "rotate_half" for HF-layout q/k weights, "interleaved" for weights
    in GGUF's permuted row order (the convention check uses both)."""
    f64 = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
    emb = f64["model.embed_tokens.weight"]
    head = f64.get("lm_head.weight", emb)  # tied when absent
    n_head, n_kv = cfg["n_head"], cfg["n_head_kv"]
    n_embd = emb.shape[1]
    hd = n_embd // n_head
    group = n_head // n_kv
    ids = np.asarray(ids, dtype=np.int64)
    n = ids.size
    angles = rope_angles(n, hd, cfg["rope_base"])
    apply_rope = {"rotate_half": rope_rotate_half, "interleaved": rope_interleaved}[rope]
    causal = np.tril(np.ones((n, n), dtype=bool))

    x = emb[ids]  # [n, n_embd]
    for i in range(cfg["n_layer"]):
        w = {k: f64[v] for k, v in hf_layer_names(i).items()}
        h = rms_norm(x, w["attn_norm"], cfg["rms_eps"])
        q = (h @ w["attn_q"].T).reshape(n, n_head, hd)
        k = (h @ w["attn_k"].T).reshape(n, n_kv, hd)
        v = (h @ w["attn_v"].T).reshape(n, n_kv, hd)
        q = apply_rope(q, angles)
        k = apply_rope(k, angles)
        att = np.empty((n, n_head, hd))
        for qh in range(n_head):
            kh = qh // group  # repeat_kv: query head qh reads kv head qh // group
            scores = (q[:, qh, :] @ k[:, kh, :].T) / np.sqrt(hd)  # [n, n]
            scores = np.where(causal, scores, -np.inf)
            scores -= scores.max(axis=-1, keepdims=True)
            p = np.exp(scores)
            p /= p.sum(axis=-1, keepdims=True)
            att[:, qh, :] = p @ v[:, kh, :]
        x = x + att.reshape(n, n_embd) @ w["attn_output"].T
        h = rms_norm(x, w["ffn_norm"], cfg["rms_eps"])
        x = x + (silu(h @ w["ffn_gate"].T) * (h @ w["ffn_up"].T)) @ w["ffn_down"].T
    x = rms_norm(x, f64["model.norm.weight"], cfg["rms_eps"])
    return x @ head.T


def greedy(weights, cfg, prompt, steps, rope="rotate_half"):
    """Greedy continuation by full recomputation: (ids [steps], logits
    [steps, vocab] float64), logits[t] being the last position's logits of
    prompt + ids[:t], from which ids[t] = argmax was chosen."""
    seq = list(int(t) for t in prompt)
    out_ids, out_logits = [], []
    for _ in range(steps):
        row = forward(weights, cfg, seq, rope)[-1]
        t = int(np.argmax(row))
        out_ids.append(t)
        out_logits.append(row)
        seq.append(t)
    return np.array(out_ids, dtype=np.int64), np.stack(out_logits)


def top2_gap(logits):
    """Per row: largest minus second-largest logit."""
    s = np.sort(np.asarray(logits, dtype=np.float64), axis=-1)
    return s[..., -1] - s[..., -2]


# ---------------------------------------------------------------------------
# GGUF: a minimal reader and the dequantizers (independent of
# tools/gguf_writer.py, so that reading back what it wrote checks it).

GGML_TYPE_NAMES = {0: "F32", 1: "F16", 2: "Q4_0", 8: "Q8_0", 14: "Q6_K", 30: "BF16"}
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f",
            7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def _f16(raw):
    return np.frombuffer(raw, dtype="<f2").astype(np.float64)


def dequantize(raw, type_name, n):
    """n values of GGUF tensor data raw (bytes) of type type_name, float64."""
    if type_name == "F32":
        return np.frombuffer(raw, dtype="<f4", count=n).astype(np.float64)
    if type_name == "F16":
        return np.frombuffer(raw, dtype="<f2", count=n).astype(np.float64)
    if type_name == "BF16":
        u = np.frombuffer(raw, dtype="<u2", count=n).astype(np.uint32) << 16
        return u.view(np.float32).astype(np.float64)
    if type_name == "Q8_0":  # per 32 values: f16 d, int8 q[32]; value = d * q
        b = np.frombuffer(raw, dtype=np.uint8, count=n // 32 * 34).reshape(-1, 34)
        d = _f16(b[:, :2].tobytes())
        q = b[:, 2:].view(np.int8).astype(np.float64)
        return (d[:, None] * q).reshape(-1)
    if type_name == "Q4_0":  # per 32: f16 d, 16 bytes; low nibbles 0..15, high 16..31
        b = np.frombuffer(raw, dtype=np.uint8, count=n // 32 * 18).reshape(-1, 18)
        d = _f16(b[:, :2].tobytes())
        qs = b[:, 2:]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float64) - 8.0
        return (d[:, None] * q).reshape(-1)
    if type_name == "Q6_K":  # per 256: ql[128], qh[64], int8 scales[16], f16 d
        b = np.frombuffer(raw, dtype=np.uint8, count=n // 256 * 210).reshape(-1, 210)
        ql, qh = b[:, :128].astype(np.int64), b[:, 128:192].astype(np.int64)
        sc = b[:, 192:208].view(np.int8).astype(np.float64)
        d = _f16(b[:, 208:210].tobytes())
        # Value i: half h, quarter k, position l (dequantize_row_q6_K).
        i = np.arange(256)
        h, k, l = i // 128, (i % 128) // 32, i % 32
        low = ql[:, 64 * h + 32 * (k % 2) + l]
        low = np.where(k < 2, low & 15, low >> 4)
        high = (qh[:, 32 * h + l] >> (2 * k)) & 3
        q = (low | (high << 4)).astype(np.float64) - 32.0
        return (d[:, None] * sc[:, i // 16] * q).reshape(-1)
    raise ValueError("cannot dequantize %s" % type_name)


def read_gguf(path):
    """(metadata {key: value}, tensors {name: (type name, numpy shape
    outermost-first, float64 array)}) of a little-endian GGUF v2/v3 file."""
    with open(path, "rb") as f:
        buf = f.read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def string():
        nonlocal pos
        n = take("<Q")
        s = buf[pos:pos + n].decode("utf-8")
        pos += n
        return s

    def value(vtype):
        if vtype == 8:
            return string()
        if vtype == 9:
            et, count = take("<I"), take("<Q")
            return [value(et) for _ in range(count)]
        return take(_SCALARS[vtype])

    assert buf[:4] == b"GGUF", path
    pos = 4
    version, n_tensors, n_kv = take("<I"), take("<Q"), take("<Q")
    assert version in (2, 3), (path, version)
    meta = {}
    for _ in range(n_kv):
        key = string()
        meta[key] = value(take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        nd = take("<I")
        dims = [take("<Q") for _ in range(nd)]
        infos.append((name, dims, take("<I"), take("<Q")))
    align = meta.get("general.alignment", 32)
    data = (pos + align - 1) // align * align
    tensors = {}
    for name, dims, t, off in infos:
        assert off % align == 0, (path, name, off)
        n = int(np.prod(dims))
        tname = GGML_TYPE_NAMES[t]
        shape = tuple(reversed(dims))  # ggml dims[0] is the innermost
        tensors[name] = (tname, shape, dequantize(buf[data + off:], tname, n).reshape(shape))
    return meta, tensors


def gguf_config(meta):
    a = meta["general.architecture"]
    assert a == "llama", a
    return {"n_layer": meta["llama.block_count"],
            "n_head": meta["llama.attention.head_count"],
            "n_head_kv": meta["llama.attention.head_count_kv"],
            "rms_eps": float(meta["llama.attention.layer_norm_rms_epsilon"]),
            "rope_base": float(meta["llama.rope.freq_base"])}


def gguf_to_hf_weights(meta, tensors, unpermute_qk=True):
    """GGUF tensors (read_gguf) as HF-named float64 weights, Q and K rows
    returned to HF's order unless unpermute_qk is False."""
    cfg = gguf_config(meta)
    names = gguf_to_hf_names(cfg["n_layer"])
    out = {}
    for name, (_, _, arr) in tensors.items():
        hf = names[name]
        if unpermute_qk and name.endswith("attn_q.weight"):
            arr = unpermute(arr, cfg["n_head"])
        elif unpermute_qk and name.endswith("attn_k.weight"):
            arr = unpermute(arr, cfg["n_head_kv"])
        out[hf] = arr
    return out


# ---------------------------------------------------------------------------
# safetensors: a minimal reader (F32, F16, BF16).

def read_safetensors(path):
    import json
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack_from("<Q", buf, 0)[0]
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = buf[8 + n + b:8 + n + end]
        count = int(np.prod(e["shape"], dtype=np.int64))
        out[name] = dequantize(raw, e["dtype"], count).reshape(e["shape"])
    return out


# ---------------------------------------------------------------------------
# A llama (SentencePiece BPE) encoder for the test vocabularies: written from
# the description of llama.cpp's SPM tokenizer (llm_tokenizer_spm): the text,
# with spaces as U+2581 and one U+2581 prepended, is split into characters;
# the adjacent pair whose concatenation is a normal token of the highest
# score is merged, the leftmost on equal scores, until no pair merges; a
# symbol that is not a token becomes its UTF-8 bytes' <0xNN> tokens.

def spm_encode(text, tokens, scores, types, bos_id=1, add_bos=True):
    normal = {t: i for i, t in enumerate(tokens) if types[i] == 1}
    index = {t: i for i, t in enumerate(tokens)}
    syms = list("\u2581" + text.replace(" ", "\u2581"))
    while True:
        best = None
        for i in range(len(syms) - 1):
            j = normal.get(syms[i] + syms[i + 1])
            if j is not None and (best is None or scores[j] > best[0]):
                best = (scores[j], i)
        if best is None:
            break
        i = best[1]
        syms[i:i + 2] = [syms[i] + syms[i + 1]]
    ids = [bos_id] if add_bos else []
    for s in syms:
        if s in normal:
            ids.append(normal[s])
        else:
            ids += [index["<0x%02X>" % b] for b in s.encode("utf-8")]  # KeyError: not covered
    return ids
