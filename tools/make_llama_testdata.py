#!/usr/bin/python3
"""Writes tests/data/llama/: three small random Llama-architecture models, as
GGUF files and Hugging Face folders, with NumPy reference logits (issue #15).

Usage: /usr/bin/python3 tools/make_llama_testdata.py [OUT_DIR]
       (default OUT_DIR: tests/data/llama in this script's repository)
Needs only numpy (Debian's python3-numpy); deterministic (a fixed seed, no
time stamps: running it twice writes identical bytes); a few seconds.

The models (MODELS below; weights drawn in float32 from numpy's PCG64 with
each model's seed):

  model   vocab n_embd heads x dim kv heads ffn layers ctx  rms eps rope base embeddings
  tiny      64    32      4 x 8        2     96    2     64  1e-5    10000     untied
  tiny_b    72    96      6 x 16       2     32    3    128  1e-6    500000    tied
  tiny_c    64   256      4 x 64       1     64    1     64  1e-5    10000     untied

Every size and setting differs between the two (tiny_b's GQA group is 3,
tiny's 2; its head_dim 16, tiny's 8; tiny_b's FFN is narrower than n_embd;
tiny_b has no output.weight / lm_head.weight: the LM head is the token
embedding), so that hard-coded hyperparameters show. n_embd and ffn are
multiples of 32 so that every matrix can be Q8_0/Q4_0 (the quantized blocks
run along ggml's dims[0], the input dim); that is why tiny_b is 96 wide
(the narrowest width with 32 | n_embd and a GQA group of 3) and its FFN
only 32 (to keep the files small). tiny_c is 256 wide so that its Q4_0 file
has a Q6_K output.weight (Q6_K blocks are 256 values); it has that one file
only.

Weights: projections ~ N(0, g / sqrt(fan_in)) (g = 1.3 for q/k, 1 for
v/gate/up, out_gain for o_proj/ffn_down), norm weights ~ N(1, 0.2),
embedding and LM head ~ N(0, 2.5 / sqrt(n_embd)): logits have an RMS of
about 2.3 and a largest magnitude of about 9-11. The seeds and out_gain were
picked (by a search over seeds 0-39, not part of this script) so that the
greedy continuations are varied (12-16 distinct tokens), contain no EOS in
any file, and the top-2 gap stays above 0.05 x the step's logit RMS in the
F32/F16/BF16 files.

Files (README.md in OUT_DIR describes each one):

  tiny_f32.gguf tiny_f16.gguf tiny_q8_0.gguf tiny_q4_0.gguf
  tiny_b_f32.gguf tiny_b_f16.gguf tiny_b_q8_0.gguf tiny_c_q4_0.gguf
  tiny_hf/ (config.json, model.safetensors F32)
  tiny_b_hf/ (config.json, model.safetensors BF16, tied: no lm_head.weight)
  prompt_ids.npy, and per model file M: M_logits.npy, M_greedy_ids.npy,
  M_greedy_logits.npy, M_greedy_gap.npy; reference.json (a summary).

Conventions and their sources:

- HF layout: transformers' LlamaForCausalLM state dict: model.embed_tokens
  .weight [vocab, n_embd]; model.layers.N.self_attn.{q,k,v,o}_proj.weight and
  mlp.{gate,up,down}_proj.weight as nn.Linear weights [out, in];
  input_layernorm / post_attention_layernorm / model.norm weights [n_embd];
  lm_head.weight [vocab, n_embd] unless tie_word_embeddings. config.json
  keys as transformers' LlamaConfig writes them.
- safetensors (https://github.com/huggingface/safetensors, "Format"): u64
  little-endian header length, a JSON header {name: {dtype, shape,
  data_offsets [begin, end)}} plus "__metadata__" {"format": "pt"}, padded
  with spaces to a multiple of 8 bytes (as tlc's ir/Safetensors.cpp writer
  does), then the tensors packed back to back, in the header's (sorted) order.
- GGUF: tools/gguf_writer.py (v3, general.alignment 32 for tiny, 64 for
  tiny_b). A numpy array of shape [out, in] is written with ggml dims
  ne = [in, out] (dims[0] innermost), as llama.cpp stores these tensors
  (token_embd/output ne = [n_embd, vocab], attn_k ne = [n_embd, kv_heads *
  head_dim], ffn_down ne = [ffn, n_embd]). Metadata keys and tensor names
  as llama.cpp's convert_hf_to_gguf.py writes architecture "llama".
- Q/K rows: permuted as convert_hf_to_gguf.py's LlamaModel.permute does
  (q_proj with n_head, k_proj with n_head_kv):
  w.reshape(n, 2, d/2, in).swapaxes(1, 2).reshape(w.shape), so GGUF's rope
  pairs adjacent rows (ggml's normal rope mode) where HF's rotate_half pairs
  row j with row j + d/2. This script asserts that interleaved rope on the
  permuted weights gives HF's logits within 1e-10 (and that interleaved rope
  on unpermuted weights does not).
- Types: 2-D weights in the file's type; 1-D norm weights stay F32 in every
  GGUF file (llama.cpp keeps 1-D tensors F32). In tiny_q4_0.gguf,
  output.weight is Q8_0: llama.cpp's quantizer gives output.weight Q6_K in
  Q4_0 files, but falls back to Q8_0 when ne[0] (n_embd = 32) is not a
  multiple of Q6_K's 256 (llama_tensor_get_type in src/llama-quant.cpp);
  in tiny_c_q4_0.gguf (n_embd 256) it is Q6_K. Quantizers: tlc's naive
  Q8_0/Q4_0 (tools/gguf_writer.py, docs/gguf.md) and a naive Q6_K
  (tools/gguf_writer.py quantize_q6_k).
- Vocabulary (tiny only; tiny_b has none, to exercise --prompt-ids): 64
  tokens in tokenizer.ggml.* as a llama (SentencePiece BPE) vocabulary: ids
  0 <unk> (type 2 unknown), 1 <s> (BOS, type 3 control), 2 </s> (EOS, 3),
  then 11 byte tokens <0xNN> (type 6, type 1 being normal) in byte order
  (newline, ! , . ? and the UTF-8 bytes of \u00e9, \u2014 and \u2019), then 37
  merged pieces with scores -1, -2, ... in merge order, then 13 single
  characters (U+2581 and a d e h i l n o r s t w) with scores -1000, -1001,
  ... (llama's vocabulary orders them the same way); every merged piece is
  the concatenation of two pieces of the vocabulary (asserted); U+2581 is
  SentencePiece's space. Specials and bytes score 0. A real llama
  vocabulary has all 256 byte tokens; this one covers only the bytes above,
  so text with other characters (capitals, digits, c f g ...) is not
  encodable without <unk> (llama.cpp itself would fail on it).

The reference (tools/llama_reference.py) is computed from each file read
back (GGUF: its own minimal reader and dequantizers, Q/K unpermuted;
safetensors: its own reader), in float64, with the file's own epsilon and
rope base (GGUF stores them as float32): so the reference of a quantized
file is the reference on its dequantized weights, and that of an F16/BF16
file on the rounded weights. Prompt: PROMPT_TEXT encoded with the tiny
vocabulary (llama_reference.spm_encode): 17 ids, BOS first, all below 64 so
valid for both models. Greedy: 32 steps by full recomputation over prompt +
generated tokens; step t's logits are those the t-th token was chosen from.
"""
import json
import os
import re
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gguf_writer as gw  # noqa: E402
import llama_reference as ref  # noqa: E402

PROMPT_TEXT = "hello world! is the sand on the tin? it is."
PROMPT_LEN = 17
GREEDY_STEPS = 32
BOS, EOS = 1, 2

MODELS = {
    "tiny": dict(vocab=64, n_embd=32, n_head=4, n_head_kv=2, ffn=96, n_layer=2,
                 ctx=64, rms_eps=1e-5, rope_base=10000.0, tied=False, alignment=32,
                 seed=24, out_gain=2.0,
                 types=["F32", "F16", "Q8_0", "Q4_0"], hf_dtype="F32", vocab_keys=True),
    "tiny_b": dict(vocab=72, n_embd=96, n_head=6, n_head_kv=2, ffn=32, n_layer=3,
                   ctx=128, rms_eps=1e-6, rope_base=500000.0, tied=True, alignment=64,
                   seed=39, out_gain=4.0,
                   types=["F32", "F16", "Q8_0"], hf_dtype="BF16", vocab_keys=False),
    # 256 wide so that output.weight is Q6_K in the Q4_0 file (as llama.cpp
    # makes it); Q4_0 only, no HF folder.
    "tiny_c": dict(vocab=64, n_embd=256, n_head=4, n_head_kv=1, ffn=64, n_layer=1,
                   ctx=64, rms_eps=1e-5, rope_base=10000.0, tied=False, alignment=32,
                   seed=51, out_gain=2.0,
                   types=["Q4_0"], hf_dtype=None, vocab_keys=False),
}

# llama_ftype numbers (llama.h) for general.file_type.
FILE_TYPE = {"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 7}

# ---------------------------------------------------------------------------
# Weights.


def make_weights(rng, hp):
    """HF-named float32 weights. Projections ~ N(0, g / sqrt(in)) so that
    activations keep unit scale through the pre-norm blocks and attention is
    neither uniform nor one-hot; norm weights ~ N(1, 0.2); the LM head (or
    the tied embedding) is scaled so that logits have an RMS of about 2-3."""
    n, hd = hp["n_embd"], hp["n_embd"] // hp["n_head"]
    kv = hp["n_head_kv"] * hd

    def normal(std, shape):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    def norm_w():
        return (1.0 + rng.standard_normal(n) * 0.2).astype(np.float32)

    w = {"model.embed_tokens.weight": normal(2.5 / np.sqrt(n), (hp["vocab"], n))}
    for i in range(hp["n_layer"]):
        names = ref.hf_layer_names(i)
        w[names["attn_norm"]] = norm_w()
        w[names["attn_q"]] = normal(1.3 / np.sqrt(n), (n, n))
        w[names["attn_k"]] = normal(1.3 / np.sqrt(n), (kv, n))
        w[names["attn_v"]] = normal(1.0 / np.sqrt(n), (kv, n))
        w[names["attn_output"]] = normal(hp["out_gain"] / np.sqrt(n), (n, n))
        w[names["ffn_norm"]] = norm_w()
        w[names["ffn_gate"]] = normal(1.0 / np.sqrt(n), (hp["ffn"], n))
        w[names["ffn_up"]] = normal(1.0 / np.sqrt(n), (hp["ffn"], n))
        w[names["ffn_down"]] = normal(hp["out_gain"] / np.sqrt(hp["ffn"]), (n, hp["ffn"]))
    w["model.norm.weight"] = norm_w()
    if not hp["tied"]:
        w["lm_head.weight"] = normal(2.5 / np.sqrt(n), (hp["vocab"], n))
    return w


def hf_config(hp):
    return {"n_layer": hp["n_layer"], "n_head": hp["n_head"], "n_head_kv": hp["n_head_kv"],
            "rms_eps": hp["rms_eps"], "rope_base": hp["rope_base"]}


# ---------------------------------------------------------------------------
# The tiny vocabulary.

SPACE = "\u2581"
BYTES = [0x0A, 0x21, 0x2C, 0x2E, 0x3F, 0x80, 0x94, 0x99, 0xA9, 0xC3, 0xE2]
MERGES = ["\u2581t", "he", "\u2581a", "in", "er", "\u2581w", "on", "\u2581the", "ll", "or",
          "\u2581s", "\u2581h", "an", "\u2581an", "\u2581and", "en", "es", "st", "\u2581in",
          "\u2581he", "llo", "\u2581hello", "ld", "\u2581wor", "\u2581world", "re", "at",
          "\u2581on", "is", "\u2581is", "it", "\u2581it", "nd", "\u2581st", "\u2581at", "ed",
          "\u2581to"]
CHARS = [SPACE] + list("adehilnorstw")


def vocabulary():
    """(tokens, scores, token types) of the tiny model's 64-token vocabulary."""
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in BYTES] + MERGES + CHARS
    scores = [0.0] * (3 + len(BYTES)) + [-float(1 + i) for i in range(len(MERGES))] \
        + [-float(1000 + i) for i in range(len(CHARS))]
    types = [2, 3, 3] + [6] * len(BYTES) + [1] * (len(MERGES) + len(CHARS))
    assert len(tokens) == 64 and len(set(tokens)) == 64
    # Every merged piece splits into two pieces of the vocabulary (so that a
    # SentencePiece BPE tokenizer can build it by merging).
    pieces = set(MERGES) | set(CHARS)
    for m in MERGES:
        assert any(m[:k] in pieces and m[k:] in pieces for k in range(1, len(m))), m
    return tokens, scores, types


def prompt_ids():
    tokens, scores, types = vocabulary()
    ids = ref.spm_encode(PROMPT_TEXT, tokens, scores, types, BOS)
    assert len(ids) == PROMPT_LEN and ids[0] == BOS, ids
    return ids


# Encodings of the tiny vocabulary (spm_encode), recorded in reference.json
# for a tokenizer test; the texts use only covered characters.
TOKENIZER_EXAMPLES = ["hello world", PROMPT_TEXT, "the sand is on the tin.",
                      "it\u2019s th\u00e9!\n", "a st\u2014and, it is! hello?"]


# ---------------------------------------------------------------------------
# Writers.


def gguf_tensor_type(name, file_type, n_embd):
    """The ggml type of tensor name in a file of file_type (llama.cpp's
    choices for these shapes; see the module docstring)."""
    if name.endswith("_norm.weight"):
        return "F32"
    if file_type == "Q4_0" and name == "output.weight":
        return "Q6_K" if n_embd % 256 == 0 else "Q8_0"
    return file_type


def write_gguf(path, model, hp, weights, file_type):
    w = gw.GgufWriter()
    w.add("general.architecture", gw.STRING, "llama")
    w.add("general.name", gw.STRING, "tlc test model %s" % model)
    w.add("general.alignment", gw.UINT32, hp["alignment"])
    w.add("llama.block_count", gw.UINT32, hp["n_layer"])
    w.add("llama.context_length", gw.UINT32, hp["ctx"])
    w.add("llama.embedding_length", gw.UINT32, hp["n_embd"])
    w.add("llama.feed_forward_length", gw.UINT32, hp["ffn"])
    w.add("llama.attention.head_count", gw.UINT32, hp["n_head"])
    w.add("llama.attention.head_count_kv", gw.UINT32, hp["n_head_kv"])
    w.add("llama.rope.freq_base", gw.FLOAT32, hp["rope_base"])
    w.add("llama.attention.layer_norm_rms_epsilon", gw.FLOAT32, hp["rms_eps"])
    w.add("general.file_type", gw.UINT32, FILE_TYPE[file_type])
    w.add("llama.vocab_size", gw.UINT32, hp["vocab"])
    w.add("llama.rope.dimension_count", gw.UINT32, hp["n_embd"] // hp["n_head"])
    if hp["vocab_keys"]:
        tokens, scores, types = vocabulary()
        w.add("tokenizer.ggml.model", gw.STRING, "llama")
        w.add("tokenizer.ggml.tokens", gw.ARRAY, (gw.STRING, tokens))
        w.add("tokenizer.ggml.scores", gw.ARRAY, (gw.FLOAT32, scores))
        w.add("tokenizer.ggml.token_type", gw.ARRAY, (gw.INT32, types))
        w.add("tokenizer.ggml.bos_token_id", gw.UINT32, BOS)
        w.add("tokenizer.ggml.eos_token_id", gw.UINT32, EOS)
        w.add("tokenizer.ggml.unknown_token_id", gw.UINT32, 0)
        w.add("tokenizer.ggml.add_bos_token", gw.BOOL, True)
        w.add("tokenizer.ggml.add_eos_token", gw.BOOL, False)
    if file_type in ("Q8_0", "Q4_0"):
        w.add("general.quantization_version", gw.UINT32, 2)

    names = ref.gguf_to_hf_names(hp["n_layer"])
    order = ["token_embd.weight"]
    for i in range(hp["n_layer"]):
        order += ["blk.%d.%s.weight" % (i, s) for s in
                  ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                   "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")]
    order += ["output_norm.weight"] + ([] if hp["tied"] else ["output.weight"])
    for name in order:
        arr = weights[names[name]]
        if name.endswith("attn_q.weight"):
            arr = ref.permute(arr, hp["n_head"])
        elif name.endswith("attn_k.weight"):
            arr = ref.permute(arr, hp["n_head_kv"])
        w.add_tensor(name, arr, gguf_tensor_type(name, file_type, hp["n_embd"]))  # dims = reversed(shape)
    w.write(path)


def encode_st(arr, dtype):
    if dtype == "F32":
        return np.ascontiguousarray(arr, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.ascontiguousarray(arr, dtype="<f2").tobytes()
    if dtype == "BF16":
        return gw.bf16_bits(arr).astype("<u2").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, weights, dtype):
    """weights {name: float32 array}, all written as dtype, sorted by name."""
    header = {"__metadata__": {"format": "pt"}}
    blobs, offset = [], 0
    for name in sorted(weights):
        data = encode_st(weights[name], dtype)
        header[name] = {"dtype": dtype, "shape": list(weights[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_hf(folder, hp, weights):
    os.makedirs(folder, exist_ok=True)
    torch_dtype = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[hp["hf_dtype"]]
    config = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": BOS,
        "eos_token_id": EOS,
        "head_dim": hp["n_embd"] // hp["n_head"],
        "hidden_act": "silu",
        "hidden_size": hp["n_embd"],
        "initializer_range": 0.02,
        "intermediate_size": hp["ffn"],
        "max_position_embeddings": hp["ctx"],
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": hp["n_head"],
        "num_hidden_layers": hp["n_layer"],
        "num_key_value_heads": hp["n_head_kv"],
        "pretraining_tp": 1,
        "rms_norm_eps": hp["rms_eps"],
        "rope_scaling": None,
        "rope_theta": hp["rope_base"],
        "tie_word_embeddings": hp["tied"],
        "torch_dtype": torch_dtype,
        "use_cache": True,
        "vocab_size": hp["vocab"],
    }
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    write_safetensors(os.path.join(folder, "model.safetensors"), weights, hp["hf_dtype"])


def save_npy(path, arr):
    # np.save writes no time stamps: identical arrays give identical bytes.
    np.save(path, arr, allow_pickle=False)


# ---------------------------------------------------------------------------
# Checks.


def check_gguf_readback(path, hp, weights, file_type):
    """Reads the file back; checks metadata, dims, types and (F32) values."""
    meta, tensors = ref.read_gguf(path)
    cfg = ref.gguf_config(meta)
    assert cfg["n_layer"] == hp["n_layer"] and cfg["n_head"] == hp["n_head"]
    assert cfg["n_head_kv"] == hp["n_head_kv"]
    assert meta["llama.rope.dimension_count"] == hp["n_embd"] // hp["n_head"]
    assert ("output.weight" in tensors) == (not hp["tied"])
    names = ref.gguf_to_hf_names(hp["n_layer"])
    for name, (tname, shape, arr) in tensors.items():
        src = weights[names[name]]
        assert shape == src.shape, (path, name, shape, src.shape)
        assert tname == gguf_tensor_type(name, file_type, hp["n_embd"]), (path, name, tname)
        back = arr
        if name.endswith("attn_q.weight"):
            back = ref.unpermute(arr, hp["n_head"])
        elif name.endswith("attn_k.weight"):
            back = ref.unpermute(arr, hp["n_head_kv"])
        # Error per 32-value block against the block's largest magnitude:
        # F16 rounding 2^-11; Q8_0 d/2 = amax/254 (+ d's f16 rounding);
        # Q4_0 up to d = amax/8 (the +8 code clamped to 15), both plus d's rounding. A wrong nibble
        # order or a wrong permutation would give errors of order amax.
        src = src.astype(np.float64)
        blocks = src.reshape(-1, 32) if src.size % 32 == 0 else src.reshape(1, -1)
        err = np.abs(back.reshape(blocks.shape) - blocks).max(axis=1)
        amax = np.abs(blocks).max(axis=1)
        bound = {"F32": 0.0, "F16": 2.0 ** -11, "Q8_0": 0.0045, "Q4_0": 0.126,
                 "Q6_K": 0.05}[tname]
        assert np.all(err <= bound * amax), (path, name, tname, np.max(err / amax))
    return meta, tensors


def convention_check(hp, weights, prompt):
    """HF weights + rotate_half vs permuted weights + interleaved rope."""
    cfg = hf_config(hp)
    permuted = dict(weights)
    for i in range(hp["n_layer"]):
        names = ref.hf_layer_names(i)
        permuted[names["attn_q"]] = ref.permute(weights[names["attn_q"]], hp["n_head"])
        permuted[names["attn_k"]] = ref.permute(weights[names["attn_k"]], hp["n_head_kv"])
    a = ref.forward(weights, cfg, prompt, "rotate_half")
    b = ref.forward(permuted, cfg, prompt, "interleaved")
    wrong = ref.forward(weights, cfg, prompt, "interleaved")
    same = float(np.max(np.abs(a - b)))
    differs = float(np.max(np.abs(a - wrong)))
    assert same <= 1e-10, same
    assert differs > 1e-2, differs
    # permute and unpermute are inverses, and permute moves HF row h*d/2 + j
    # of each head to row 2j + h.
    hd = hp["n_embd"] // hp["n_head"]
    rows = np.arange(hp["n_embd"], dtype=np.float64)[:, None]
    p = ref.permute(rows, hp["n_head"])[:, 0]
    for head in range(hp["n_head"]):
        for j in range(hd // 2):
            for h in range(2):
                assert p[head * hd + 2 * j + h] == head * hd + h * hd // 2 + j
    assert np.array_equal(ref.unpermute(ref.permute(rows, hp["n_head"]), hp["n_head"]), rows)
    return same, differs


# ---------------------------------------------------------------------------


def reference_outputs(out, label, w64, cfg, prompt, summary):
    logits = ref.forward(w64, cfg, prompt)
    ids, steps = ref.greedy(w64, cfg, prompt, GREEDY_STEPS)
    assert np.allclose(steps[0], logits[-1], rtol=0, atol=1e-12)
    gap = ref.top2_gap(steps)
    # The f32 rows keep the argmax (no tie created by the rounding).
    assert np.array_equal(np.argmax(steps.astype(np.float32), axis=1), ids)
    save_npy(os.path.join(out, label + "_logits.npy"), logits.astype(np.float32))
    save_npy(os.path.join(out, label + "_greedy_ids.npy"), ids)
    save_npy(os.path.join(out, label + "_greedy_logits.npy"), steps.astype(np.float32))
    save_npy(os.path.join(out, label + "_greedy_gap.npy"), gap.astype(np.float32))
    rms = np.sqrt(np.mean(steps ** 2, axis=1))
    summary[label] = {
        "greedy_ids": [int(t) for t in ids],
        "eos_in_greedy": bool(EOS in ids),
        "max_abs_logit": round(float(max(np.abs(logits).max(), np.abs(steps).max())), 4),
        "prompt_logits_rms": round(float(np.sqrt(np.mean(logits ** 2))), 4),
        "greedy_gap_min": round(float(gap.min()), 5),
        "greedy_gap_median": round(float(np.median(gap)), 5),
        "greedy_gap_over_rms_min": round(float((gap / rms).min()), 5),
        "greedy_steps_gap_below_0.1_rms": [int(i) for i in np.nonzero(gap < 0.1 * rms)[0]],
    }
    return logits, ids, steps


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(HERE, "..", "tests", "data", "llama")
    os.makedirs(out, exist_ok=True)
    prompt = np.array(prompt_ids(), dtype=np.int64)
    save_npy(os.path.join(out, "prompt_ids.npy"), prompt)

    tokens, scores, types = vocabulary()
    summary = {"prompt_text": PROMPT_TEXT, "prompt_ids": [int(t) for t in prompt],
               "models": {}, "files": {},
               "tokenizer_examples": [
                   {"text": t, "ids": ref.spm_encode(t, tokens, scores, types, BOS)}
                   for t in TOKENIZER_EXAMPLES]}
    for model, hp in MODELS.items():
        weights = make_weights(np.random.Generator(np.random.PCG64(hp["seed"])), hp)
        same, differs = convention_check(hp, weights, prompt)
        info = {k: hp[k] for k in ("vocab", "n_embd", "n_head", "n_head_kv", "ffn",
                                   "n_layer", "ctx", "rms_eps", "rope_base", "tied")}
        info["head_dim"] = hp["n_embd"] // hp["n_head"]
        info["permutation_check_max_abs_diff"] = float("%.2g" % same)
        info["unpermuted_interleaved_max_abs_diff"] = round(differs, 4)
        summary["models"][model] = info
        print("%s: permuted+interleaved vs HF+rotate_half: max |diff| %.3g "
              "(interleaved on unpermuted weights: %.3g)" % (model, same, differs))

        ref_f32 = None
        if "F32" not in hp["types"]:  # the f32 weights' logits, HF layout
            w64 = {k: v.astype(np.float64) for k, v in weights.items()}
            ref_f32 = ref.forward(w64, hf_config(hp), prompt, "rotate_half")
        for t in hp["types"]:
            label = "%s_%s" % (model, t.lower())
            path = os.path.join(out, label + ".gguf")
            write_gguf(path, model, hp, weights, t)
            meta, tensors = check_gguf_readback(path, hp, weights, t)
            w64 = ref.gguf_to_hf_weights(meta, tensors)
            logits, _, _ = reference_outputs(out, label, w64, ref.gguf_config(meta),
                                             prompt, summary["files"])
            if t == "F32":
                ref_f32 = logits
                # The same file without unpermuting, with interleaved rope.
                raw = ref.gguf_to_hf_weights(meta, tensors, unpermute_qk=False)
                d = np.max(np.abs(ref.forward(raw, ref.gguf_config(meta), prompt,
                                              "interleaved") - logits))
                assert d <= 1e-10, d
            rel = np.linalg.norm(logits - ref_f32) / np.linalg.norm(ref_f32)
            summary["files"][label]["prompt_logits_rel_l2_vs_f32"] = float("%.3g" % rel)

        if hp["hf_dtype"] is None:
            continue
        label = model + "_hf"
        folder = os.path.join(out, label)
        write_hf(folder, hp, weights)
        w64 = ref.read_safetensors(os.path.join(folder, "model.safetensors"))
        assert set(w64) == set(weights), sorted(set(w64) ^ set(weights))
        with open(os.path.join(folder, "config.json")) as f:
            c = json.load(f)
        cfg = {"n_layer": c["num_hidden_layers"], "n_head": c["num_attention_heads"],
               "n_head_kv": c["num_key_value_heads"], "rms_eps": c["rms_norm_eps"],
               "rope_base": c["rope_theta"]}
        logits, _, _ = reference_outputs(out, label, w64, cfg, prompt, summary["files"])
        rel = np.linalg.norm(logits - ref_f32) / np.linalg.norm(ref_f32)
        summary["files"][label]["prompt_logits_rel_l2_vs_f32"] = float("%.3g" % rel)

    text = json.dumps(summary, indent=1, sort_keys=True, ensure_ascii=True)
    # Lists of numbers on one line each.
    text = re.sub(r"\[\s+([-0-9.,\se]+?)\s+\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                  text)
    with open(os.path.join(out, "reference.json"), "w") as f:
        f.write(text + "\n")
    for label, s in summary["files"].items():
        print("%-12s max|logit| %6.3f  rms %5.3f  gap min %.4f median %.4f  "
              "min gap/rms %.4f  rel_l2 vs f32 %.2g  eos %s"
              % (label, s["max_abs_logit"], s["prompt_logits_rms"], s["greedy_gap_min"],
                 s["greedy_gap_median"], s["greedy_gap_over_rms_min"],
                 s["prompt_logits_rel_l2_vs_f32"], s["eos_in_greedy"]))
        print("             steps with gap < 0.1 rms", s["greedy_steps_gap_below_0.1_rms"])
        print("             greedy", s["greedy_ids"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
