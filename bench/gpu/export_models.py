#!/usr/bin/env python3
"""Builds the peer models with seeded random weights and exports them to ONNX.

usage: export_models.py OUT_DIR [NAME...] [--strip]

Writes OUT_DIR/{resnet50,mobilenet_v3_large,gpt2,gpt2_seq}.onnx (opset 17,
batch 1; GPT-2 takes 128 token ids, no KV cache; gpt2_seq is the same GPT-2
with the sequence length a dim_param, "sequence") and, with --strip, also
OUT_DIR/<name>.stripped.onnx: the same graph with every initializer's data
removed (dims and dtype kept), small enough to copy around; tlc's tests can
refill such a graph with random weights (tools/fill_onnx_weights.py).
Needs torch, torchvision, transformers and onnx (the GPU machine has them).
"""
import os
import sys

import onnx
import torch


def build():
    import torchvision
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    models = {}
    models["resnet50"] = (torchvision.models.resnet50(weights=None).eval(),
                          (torch.randn(1, 3, 224, 224),), ["input"], ["logits"])
    models["mobilenet_v3_large"] = (
        torchvision.models.mobilenet_v3_large(weights=None).eval(),
        (torch.randn(1, 3, 224, 224),), ["input"], ["logits"])
    cfg = GPT2Config()
    cfg.use_cache = False
    try:
        gpt2 = GPT2LMHeadModel._from_config(cfg, attn_implementation="eager")
    except Exception:  # older transformers
        gpt2 = GPT2LMHeadModel(cfg)
    gpt2.eval()

    class LogitsOnly(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, ids):
            # An explicit all-ones mask: batch 1, no padding. Without it the
            # mask code looks for packed sequences with torch.diff, which the
            # TorchScript exporter cannot export.
            mask = torch.ones_like(ids)
            return self.m(input_ids=ids, attention_mask=mask,
                          use_cache=False).logits

    ids = torch.randint(0, cfg.vocab_size, (1, 128), dtype=torch.int64)
    models["gpt2"] = (LogitsOnly(gpt2).eval(), (ids,), ["input_ids"], ["logits"])
    # The same model with the sequence length a dim_param ("sequence"): one
    # tlc plan for lengths 1..512 (docs/shape-ranges.md).
    models["gpt2_seq"] = (LogitsOnly(gpt2).eval(), (ids,), ["input_ids"],
                          ["logits"])
    return models


#: Per model: the dims exported as dim_params.
DYNAMIC_AXES = {"gpt2_seq": {"input_ids": {1: "sequence"},
                             "logits": {1: "sequence"}}}


def export(name, model, args, inputs, outputs, path, dynamic_axes=None):
    """dynamic_axes (torch.onnx.export's): e.g. {"input_ids": {1: "sequence"}}
    makes that dim an ONNX dim_param, so tlc can plan it as a range."""
    with torch.no_grad():
        kw = dict(opset_version=17, input_names=inputs, output_names=outputs,
                  do_constant_folding=True)
        if dynamic_axes:
            kw["dynamic_axes"] = dynamic_axes
        try:
            torch.onnx.export(model, args, path, dynamo=False, **kw)
        except TypeError:  # torch without the dynamo switch
            torch.onnx.export(model, args, path, **kw)


def strip(path, out):
    m = onnx.load(path)
    for t in m.graph.initializer:
        t.ClearField("raw_data")
        for f in ("float_data", "int32_data", "int64_data", "double_data"):
            t.ClearField(f)
        t.doc_string = "data stripped"
    onnx.save(m, out)


def main():
    out = sys.argv[1]
    only = [a for a in sys.argv[2:] if not a.startswith("--")]
    os.makedirs(out, exist_ok=True)
    print("torch", torch.__version__, "onnx", onnx.__version__)
    for name, (model, args, ins, outs) in build().items():
        if only and name not in only:
            continue
        path = os.path.join(out, name + ".onnx")
        export(name, model, args, ins, outs, path, DYNAMIC_AXES.get(name))
        m = onnx.load(path)
        ops = {}
        for n in m.graph.node:
            ops[n.op_type] = ops.get(n.op_type, 0) + 1
        print(name, "opset", [o.version for o in m.opset_import],
              "nodes", len(m.graph.node), "bytes", os.path.getsize(path))
        print("  ops", dict(sorted(ops.items())))
        if "--strip" in sys.argv:
            strip(path, os.path.join(out, name + ".stripped.onnx"))


if __name__ == "__main__":
    main()
