#!/usr/bin/env python3
"""Makes the small GPT-2 test model and its PyTorch reference outputs.

usage: make_gpt2_testdata.py OUT_DIR

Builds transformers' GPT2LMHeadModel from a small GPT2Config (2 layers, 2
heads, 64-wide, 512-token vocabulary, seeded random weights), exports it to
ONNX opset 17 with the same exporter settings as bench/gpu/export_models.py,
and saves 32 token ids and PyTorch's logits beside it:
  gpt2_tiny.onnx, gpt2_tiny_input_ids.npy (int64 [1,32]),
  gpt2_tiny_logits.npy (float32 [1,32,512]);
and the same model exported with a dynamic sequence length, 64 token ids and
PyTorch's logits for their prefixes of lengths SEQ_LENGTHS:
  gpt2_tiny_seq.onnx, gpt2_tiny_seq_input_ids.npy (int64 [1,64]),
  gpt2_tiny_seq_logits_<n>.npy (float32 [1,n,512]).
Needs torch, transformers and onnx (run it where they are installed; the
outputs are committed under tests/data/peer/).
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench", "gpu"))
import export_models  # noqa: E402


def main():
    from transformers import GPT2Config, GPT2LMHeadModel

    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    cfg = GPT2Config(n_layer=2, n_head=2, n_embd=64, vocab_size=512,
                     n_positions=64)
    cfg.use_cache = False
    try:
        m = GPT2LMHeadModel._from_config(cfg, attn_implementation="eager")
    except Exception:
        m = GPT2LMHeadModel(cfg)
    m.eval()

    class LogitsOnly(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, ids):
            mask = torch.ones_like(ids)
            return self.m(input_ids=ids, attention_mask=mask,
                          use_cache=False).logits

    model = LogitsOnly(m).eval()
    ids = torch.randint(0, cfg.vocab_size, (1, 32), dtype=torch.int64)
    with torch.no_grad():
        logits = model(ids)
    export_models.export("gpt2_tiny", model, (ids,), ["input_ids"], ["logits"],
                         os.path.join(out, "gpt2_tiny.onnx"))
    np.save(os.path.join(out, "gpt2_tiny_input_ids.npy"), ids.numpy())
    np.save(os.path.join(out, "gpt2_tiny_logits.npy"),
            logits.numpy().astype(np.float32))
    print("logits", tuple(logits.shape), "bytes",
          os.path.getsize(os.path.join(out, "gpt2_tiny.onnx")))

    # The same model with the sequence length a dim_param ("sequence"), and
    # PyTorch's logits for prefixes of 64 token ids at several lengths: the
    # reference of tlc's plan for a sequence range (docs/shape-ranges.md).
    export_models.export("gpt2_tiny_seq", model, (ids,), ["input_ids"],
                         ["logits"], os.path.join(out, "gpt2_tiny_seq.onnx"),
                         {"input_ids": {1: "sequence"},
                          "logits": {1: "sequence"}})
    ids64 = torch.randint(0, cfg.vocab_size, (1, 64), dtype=torch.int64)
    np.save(os.path.join(out, "gpt2_tiny_seq_input_ids.npy"), ids64.numpy())
    for n in SEQ_LENGTHS:
        with torch.no_grad():
            lg = model(ids64[:, :n])
        np.save(os.path.join(out, "gpt2_tiny_seq_logits_%d.npy" % n),
                lg.numpy().astype(np.float32))
    print("gpt2_tiny_seq bytes",
          os.path.getsize(os.path.join(out, "gpt2_tiny_seq.onnx")),
          "lengths", SEQ_LENGTHS)


#: Sequence lengths of the dynamic model's reference logits (n_positions 64).
SEQ_LENGTHS = [1, 7, 13, 32, 64]


if __name__ == "__main__":
    main()
