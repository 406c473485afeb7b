#!/usr/bin/python3
"""Writes a tiny random Llama model that carries a real vocabulary, for
`tlc generate --prompt TEXT` tests: tests/data/llama/tiny_text.gguf.

The vocabulary is that of tests/data/tokenizer/tiny_tok.gguf (a 512-piece
SentencePiece BPE with byte fallback trained on Jane Austen, see
tools/make_tokenizer_testdata.py); the weights are random (tools/
make_llama_testdata.py's make_weights: vocab 512, n_embd 32, 4 heads of 8
over 2 KV heads, FFN 64, 2 layers, context 64), written as F32 GGUF with Q
and K rows permuted as llama.cpp's converter does. The reference continuation
comes from the float64 NumPy forward pass (tools/llama_reference.py) on the
prompt's ids as sentencepiece (python3-sentencepiece, loading
tests/data/tokenizer/tiny_tok.model) encodes them, decoded by sentencepiece
too; it is written to tests/data/llama/tiny_text_reference.json:
{"prompt", "prompt_ids", "greedy_ids", "text", "min_gap"}.

Usage: /usr/bin/python3 tools/make_llama_text_testdata.py   (deterministic)
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gguf_writer as gw  # noqa: E402
import llama_reference as ref  # noqa: E402
import make_llama_testdata as mk  # noqa: E402

PROMPT = "It was a truth universally"
STEPS = 12
HP = dict(vocab=512, n_embd=32, n_head=4, n_head_kv=2, ffn=64, n_layer=2,
          ctx=64, rms_eps=1e-5, rope_base=10000.0, tied=False, alignment=32,
          seed=5, out_gain=2.0, vocab_keys=False)


def main():
    import sentencepiece as spm
    data = os.path.join(ROOT, "tests", "data")
    meta, _ = ref.read_gguf(os.path.join(data, "tokenizer", "tiny_tok.gguf"))
    sp = spm.SentencePieceProcessor(
        model_file=os.path.join(data, "tokenizer", "tiny_tok.model"))
    assert sp.get_piece_size() == HP["vocab"]
    weights = mk.make_weights(np.random.default_rng(HP["seed"]), HP)

    out = os.path.join(data, "llama", "tiny_text.gguf")
    mk.write_gguf(out, "tiny_text", HP, weights, "F32")
    # Append the vocabulary: rewrite with the tokenizer keys of tiny_tok.
    w = gw.GgufWriter()
    names = ref.gguf_to_hf_names(HP["n_layer"])
    for key, value in [("general.architecture", (gw.STRING, "llama")),
                       ("general.alignment", (gw.UINT32, HP["alignment"])),
                       ("llama.block_count", (gw.UINT32, HP["n_layer"])),
                       ("llama.context_length", (gw.UINT32, HP["ctx"])),
                       ("llama.embedding_length", (gw.UINT32, HP["n_embd"])),
                       ("llama.feed_forward_length", (gw.UINT32, HP["ffn"])),
                       ("llama.attention.head_count", (gw.UINT32, HP["n_head"])),
                       ("llama.attention.head_count_kv",
                        (gw.UINT32, HP["n_head_kv"])),
                       ("llama.attention.layer_norm_rms_epsilon",
                        (gw.FLOAT32, HP["rms_eps"]))]:
        w.add(key, *value)
    for key in sorted(k for k in meta if k.startswith("tokenizer.ggml.")):
        v = meta[key]
        if isinstance(v, list):
            et = {"tokenizer.ggml.tokens": gw.STRING,
                  "tokenizer.ggml.scores": gw.FLOAT32,
                  "tokenizer.ggml.token_type": gw.INT32}[key]
            w.add(key, gw.ARRAY, (et, v))
        elif isinstance(v, str):
            w.add(key, gw.STRING, v)
        elif isinstance(v, bool):
            w.add(key, gw.BOOL, v)
        else:
            w.add(key, gw.UINT32, int(v))
    order = ["token_embd.weight"]
    for i in range(HP["n_layer"]):
        order += ["blk.%d.%s.weight" % (i, s) for s in
                  ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                   "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")]
    order += ["output_norm.weight", "output.weight"]
    for name in order:
        arr = weights[names[name]]
        if name.endswith("attn_q.weight"):
            arr = ref.permute(arr, HP["n_head"])
        elif name.endswith("attn_k.weight"):
            arr = ref.permute(arr, HP["n_head_kv"])
        w.add_tensor(name, arr, "F32")
    w.write(out)

    prompt_ids = [sp.bos_id()] + sp.encode(PROMPT)
    ids, logits = ref.greedy(weights, mk.hf_config(HP), prompt_ids, STEPS)
    gap = ref.top2_gap(logits)
    eos = sp.eos_id()
    cut = [int(t) for t in ids]
    if eos in cut:
        cut = cut[:cut.index(eos) + 1]
    text = sp.decode([t for t in cut if t != eos])
    with open(os.path.join(data, "llama", "tiny_text_reference.json"), "w") as f:
        json.dump({"prompt": PROMPT, "prompt_ids": prompt_ids,
                   "greedy_ids": cut, "text": text,
                   "min_gap": float(gap[:len(cut)].min())}, f, indent=1)
        f.write("\n")
    print("prompt ids", prompt_ids, "greedy", cut, repr(text),
          "min gap %.3f" % gap[:len(cut)].min())


if __name__ == "__main__":
    main()
