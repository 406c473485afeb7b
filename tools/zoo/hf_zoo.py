#!/usr/bin/env python3
"""Hugging Face families through tlc (issue #18), compared with PyTorch.

Runs where transformers is installed (the GPU machine). For each family
(BERT, DistilBERT, RoBERTa, GPT-2, ViT, Whisper's encoder, T5's encoder,
Llama) and each size:
  - "tiny": 2 layers, 64 wide, seeded random weights. Its ONNX file (with
    weights, a few hundred KiB), its inputs and PyTorch's output are written
    to OUT/<family>_tiny.onnx, OUT/<family>_tiny.<input>.npy and
    OUT/<family>_tiny.out.npy: tests/data/hf/ keeps them, and CI checks tlc
    on lavapipe against PyTorch's output.
  - "base": the family's usual base shape (BERT-base, GPT-2 124M, ViT-B/16,
    whisper-base's encoder, t5-base's encoder, a 2-layer TinyLlama-shaped
    Llama), seeded random weights. Its graph without weight data goes to
    OUT/<family>.stripped.onnx.
Each model is exported with torch.onnx at opset 17 (the TorchScript
exporter), then, with --tlc, compiled and run by tlc on the default Vulkan
device and compared with PyTorch (fp32 on the CPU) by relative L2 (must be
<= 1e-4). One markdown row per model on stdout; OUT/results.json.

usage: hf_zoo.py OUT [--work DIR] [--tlc PATH] [--sizes tiny,base] [FAMILY ...]
The large files (base models, plans, outputs) stay in --work.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "bench", "gpu"))
from export_models import strip  # noqa: E402  (the peer models' stripping)

SEQ = {"tiny": 16, "base": 128}


def ids(vocab, seq, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(3, vocab, (1, seq), generator=g, dtype=torch.int64)


def text_family(model_cls, cfg, mask=True, key="last_hidden_state"):
    """An encoder or decoder that takes token ids (and an all-ones mask)."""
    def build(size):
        torch.manual_seed(0)
        c = cfg(size)
        try:
            m = model_cls._from_config(c, attn_implementation="eager")
        except Exception:
            m = model_cls(c)
        m.eval()
        x = ids(c.vocab_size, SEQ[size])

        class Wrap(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask):
                out = self.m(input_ids=input_ids, attention_mask=attention_mask)
                return getattr(out, key) if hasattr(out, key) else out[0]

        class WrapNoMask(Wrap):
            def forward(self, input_ids):
                # The mask built inside: batch 1, no padding.
                return Wrap.forward(self, input_ids, torch.ones_like(input_ids))

        if mask:
            return Wrap(m).eval(), {"input_ids": x,
                                    "attention_mask": torch.ones_like(x)}
        return WrapNoMask(m).eval(), {"input_ids": x}
    return build


def bert_cfg(size):
    from transformers import BertConfig
    if size == "tiny":
        return BertConfig(vocab_size=512, hidden_size=64, num_hidden_layers=2,
                          num_attention_heads=2, intermediate_size=128,
                          max_position_embeddings=64)
    return BertConfig()


def distilbert_cfg(size):
    from transformers import DistilBertConfig
    if size == "tiny":
        return DistilBertConfig(vocab_size=512, dim=64, n_layers=2, n_heads=2,
                                hidden_dim=128, max_position_embeddings=64)
    return DistilBertConfig()


def roberta_cfg(size):
    from transformers import RobertaConfig
    if size == "tiny":
        return RobertaConfig(vocab_size=512, hidden_size=64,
                             num_hidden_layers=2, num_attention_heads=2,
                             intermediate_size=128, max_position_embeddings=66)
    return RobertaConfig(vocab_size=50265, max_position_embeddings=514)


def gpt2_cfg(size):
    from transformers import GPT2Config
    c = GPT2Config(n_layer=2, n_head=2, n_embd=64, vocab_size=512,
                   n_positions=64) if size == "tiny" else GPT2Config()
    c.use_cache = False
    return c


def t5_cfg(size):
    from transformers import T5Config
    if size == "tiny":
        return T5Config(vocab_size=512, d_model=64, d_kv=32, d_ff=128,
                        num_layers=2, num_heads=2)
    return T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072,
                    num_layers=12, num_heads=12)


def llama_cfg(size):
    from transformers import LlamaConfig
    if size == "tiny":
        c = LlamaConfig(vocab_size=512, hidden_size=64, intermediate_size=128,
                        num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=2, max_position_embeddings=64)
    else:  # TinyLlama's shape, 2 of its 22 layers (fits ONNX's 2 GiB)
        c = LlamaConfig(vocab_size=32000, hidden_size=2048,
                        intermediate_size=5632, num_hidden_layers=2,
                        num_attention_heads=32, num_key_value_heads=4,
                        max_position_embeddings=2048)
    c.use_cache = False
    return c


def vit_build(size):
    from transformers import ViTConfig, ViTForImageClassification
    torch.manual_seed(0)
    if size == "tiny":
        c = ViTConfig(hidden_size=64, num_hidden_layers=2,
                      num_attention_heads=2, intermediate_size=128,
                      image_size=32, patch_size=8, num_labels=10)
    else:
        c = ViTConfig(num_labels=1000)
    try:
        m = ViTForImageClassification._from_config(c, attn_implementation="eager")
    except Exception:
        m = ViTForImageClassification(c)
    m.eval()

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, pixel_values):
            return self.m(pixel_values=pixel_values).logits

    g = torch.Generator().manual_seed(1)
    x = torch.randn(1, 3, c.image_size, c.image_size, generator=g)
    return Wrap(m).eval(), {"pixel_values": x}


def whisper_build(size):
    from transformers import WhisperConfig, WhisperModel
    torch.manual_seed(0)
    if size == "tiny":
        c = WhisperConfig(vocab_size=512, d_model=64, encoder_layers=2,
                          encoder_attention_heads=2, decoder_layers=1,
                          decoder_attention_heads=2, encoder_ffn_dim=128,
                          decoder_ffn_dim=128, num_mel_bins=80,
                          max_source_positions=32, max_target_positions=32)
    else:  # whisper-base
        c = WhisperConfig(d_model=512, encoder_layers=6,
                          encoder_attention_heads=8, decoder_layers=6,
                          decoder_attention_heads=8, encoder_ffn_dim=2048,
                          decoder_ffn_dim=2048, num_mel_bins=80)
    try:
        m = WhisperModel._from_config(c, attn_implementation="eager")
    except Exception:
        m = WhisperModel(c)
    m.eval()

    class Wrap(torch.nn.Module):
        def __init__(self, enc):
            super().__init__()
            self.enc = enc

        def forward(self, input_features):
            return self.enc(input_features=input_features).last_hidden_state

    g = torch.Generator().manual_seed(1)
    x = torch.randn(1, c.num_mel_bins, 2 * c.max_source_positions, generator=g)
    return Wrap(m.get_encoder()).eval(), {"input_features": x}


def families():
    from transformers import (BertModel, DistilBertModel, GPT2LMHeadModel,
                              LlamaForCausalLM, RobertaModel, T5EncoderModel)
    return {
        "bert": text_family(BertModel, bert_cfg),
        "distilbert": text_family(DistilBertModel, distilbert_cfg),
        "roberta": text_family(RobertaModel, roberta_cfg),
        "gpt2": text_family(GPT2LMHeadModel, gpt2_cfg, key="logits"),
        "vit": vit_build,
        "whisper_encoder": whisper_build,
        "t5_encoder": text_family(T5EncoderModel, t5_cfg),
        "llama": text_family(LlamaForCausalLM, llama_cfg, key="logits"),
    }


def export(model, inputs, path):
    names = list(inputs)
    args = tuple(inputs[n] for n in names)
    kw = dict(opset_version=17, input_names=names, output_names=["y"],
              do_constant_folding=True)
    with torch.no_grad():
        try:
            torch.onnx.export(model, args, path, dynamo=False, **kw)
        except TypeError:
            torch.onnx.export(model, args, path, **kw)


def first_error(text):
    for line in text.splitlines():
        if "error" in line:
            return line.strip()[:300]
    return text.strip()[-300:]


def run_tlc(tlc, base, inputs, ref, timeout):
    row = {}
    t = time.time()
    r = subprocess.run([tlc, "compile", base + ".onnx", "-o", base + ".tlp"],
                       capture_output=True, text=True, timeout=timeout)
    row["compile_s"] = round(time.time() - t, 1)
    if r.returncode:
        row["verdict"] = "compile: " + first_error(r.stdout + r.stderr)
        return row
    cmd = [tlc, "run", base + ".tlp", "--output-dir", base + ".out"]
    for n in inputs:
        cmd += ["--input", "%s=%s.%s.npy" % (n, base, n)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode:
        row["verdict"] = "run: " + first_error(r.stdout + r.stderr)
        return row
    got = np.load(os.path.join(base + ".out", "y.npy"))
    if got.shape != ref.shape:
        row["verdict"] = "shape %s, PyTorch %s" % (got.shape, ref.shape)
        return row
    rel = float(np.linalg.norm(got.astype(np.float64) - ref) /
                np.linalg.norm(ref.astype(np.float64)))
    row["rel_l2"] = rel
    row["verdict"] = "matches" if rel <= 1e-4 else "MISMATCH"
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--work", default="/tmp/hf-zoo")
    ap.add_argument("--tlc")
    ap.add_argument("--sizes", default="tiny,base")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("families", nargs="*")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(a.work, exist_ok=True)
    import shutil
    import onnx
    import transformers
    print("torch", torch.__version__, "transformers", transformers.__version__,
          "onnx", onnx.__version__, flush=True)
    results = []
    for fam, build in families().items():
        if a.families and fam not in a.families:
            continue
        for size in a.sizes.split(","):
            name = fam + "_tiny" if size == "tiny" else fam
            base = os.path.join(a.work, name)
            row = {"model": name}
            t = time.time()
            try:
                model, inputs = build(size)
                with torch.no_grad():
                    ref = model(**inputs).float().numpy()
                export(model, inputs, base + ".onnx")
            except Exception as e:
                row["verdict"] = "export: %s: %s" % (type(e).__name__,
                                                     str(e)[:300])
                results.append(row)
                print(json.dumps(row), flush=True)
                continue
            row["export_s"] = round(time.time() - t, 1)
            for n, v in inputs.items():
                np.save("%s.%s.npy" % (base, n), v.numpy())
            np.save(base + ".out.npy", ref)
            g = onnx.load(base + ".onnx").graph
            ops = {}
            for n in g.node:
                ops[n.op_type] = ops.get(n.op_type, 0) + 1
            row["ops"] = ops
            row["params"] = int(sum(np.prod(t.dims) for t in g.initializer))
            if a.tlc:
                try:
                    row.update(run_tlc(a.tlc, base, inputs, ref, a.timeout))
                except subprocess.TimeoutExpired:
                    row["verdict"] = "timed out after %d s" % a.timeout
            if size == "tiny":
                for f in os.listdir(a.work):
                    if f.startswith(name + ".") and f.endswith((".onnx", ".npy")):
                        shutil.copy(os.path.join(a.work, f), a.out)
            else:
                strip(base + ".onnx", os.path.join(a.out, name + ".stripped.onnx"))
            results.append(row)
            print(json.dumps(row), flush=True)
            with open(os.path.join(a.out, "results.json"), "w") as f:
                json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
