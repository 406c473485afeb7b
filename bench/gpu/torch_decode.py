#!/usr/bin/env python3
"""PyTorch reference rows for decode at the memory-bandwidth limit (issue #16).

The TinyLlama-shaped F16 Hugging Face folder of bench/gpu/decode.py (made by
llama.make_model with the same hyperparameters and seed when missing), loaded
onto CUDA in float16. One decode step (batch 1, one token) at context C in
(128, 1024), i.e. the token at position C - 1 attending to C keys, timed as
  eager     a small gpt-fast-style Llama (HF Llama math: rotate_half rope,
            float32 RMS norm, GQA) with a static KV cache, run eagerly;
  compiled  the same step under torch.compile(mode="reduce-overhead")
            (Inductor + CUDA graphs); a failure becomes a row with
            ms_per_token null and the error;
  transformers_eager  LlamaForCausalLM.forward of one token on its own cache
            after a prefill of C - 1 random ids (only when transformers
            imports; its cache is cropped back to C - 1 after each step).
Each step: CUDA events around it, synchronised, so the time includes any GPU
idle time while the host launches kernels; warm-up, then the median of
--iterations steps, always at position C - 1 with the same token.
Caveats: the static cache holds 1200 positions (tlc's plan, compiled with
--max-context 1200) and is filled with random values instead of a prefill;
attention reads all 1200 rows and masks those past C - 1 (gpt-fast's scheme:
static shapes for CUDA graphs), about 27 MB a token, 1% of the weights.
Checks: relative L2 of compiled against eager logits of one step; and of
eager (real prefill of 15 tokens, then one step) against transformers' fp16
logits of the same 16 ids.
Prints one line per (mode, context) and writes OUT/torch_decode.json.

Usage (GPU machine): python3 bench/gpu/torch_decode.py --folder /tmp/tl/hf \
    --contexts 128,1024 --out $OUT [--iterations 100] [--no-compile]
"""
import argparse
import importlib
import json
import os
import random
import statistics
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def rms_norm(x, w, eps):
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return w * xf.to(x.dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Llama(torch.nn.Module):
    """Weights as frozen parameters, caches and tables as buffers (static
    addresses for CUDA graphs). forward(tok [T], pos [T]): int64 device
    tensors; writes K/V at pos, returns the last position's logits [vocab]."""

    def __init__(self, cfg, w, max_ctx):
        super().__init__()
        dev, dt = "cuda", torch.float16
        n, self.H = cfg["hidden_size"], cfg["num_attention_heads"]
        self.KV = cfg["num_key_value_heads"]
        self.hd = n // self.H
        self.G, self.eps = self.H // self.KV, cfg["rms_norm_eps"]
        kv = self.KV * self.hd
        self.split = [n, kv, kv]

        def P(t):
            return torch.nn.Parameter(t.to(dev, dt).contiguous(), requires_grad=False)
        self.emb = P(w.pop("model.embed_tokens.weight"))
        self.norm = P(w.pop("model.norm.weight"))
        self.head = P(w.pop("lm_head.weight")) if "lm_head.weight" in w else self.emb
        self.layers = torch.nn.ModuleList()
        for i in range(cfg["num_hidden_layers"]):
            p, m = "model.layers.%d." % i, torch.nn.Module()
            a, f = p + "self_attn.", p + "mlp."
            m.wqkv = P(torch.cat([w.pop(a + s + "_proj.weight") for s in "qkv"]))
            m.wo = P(w.pop(a + "o_proj.weight"))
            m.wg, m.wu = P(w.pop(f + "gate_proj.weight")), P(w.pop(f + "up_proj.weight"))
            m.wd = P(w.pop(f + "down_proj.weight"))
            m.attn_norm = P(w.pop(p + "input_layernorm.weight"))
            m.ffn_norm = P(w.pop(p + "post_attention_layernorm.weight"))
            shape = (1, self.KV, max_ctx, self.hd)
            m.register_buffer("k_cache", torch.zeros(shape, device=dev, dtype=dt))
            m.register_buffer("v_cache", torch.zeros(shape, device=dev, dtype=dt))
            self.layers.append(m)
        # HF's rotary tables: float32 angles, cast to the activations' type.
        inv = 1.0 / (cfg["rope_theta"] ** (
            torch.arange(0, self.hd, 2, device=dev).float() / self.hd))
        ang = torch.arange(max_ctx, device=dev).float()[:, None] * inv[None]
        ang = torch.cat((ang, ang), dim=-1)
        self.register_buffer("cos", ang.cos().to(dt))
        self.register_buffer("sin", ang.sin().to(dt))
        self.register_buffer("idx", torch.arange(max_ctx, device=dev))

    def forward(self, tok, pos):
        T, H, KV, G, hd = tok.shape[0], self.H, self.KV, self.G, self.hd
        cos, sin = self.cos[pos], self.sin[pos]  # [T, hd]
        # Query row g * T + t of KV head j is head j * G + g (repeat_kv's
        # order) at token t: GQA without copying K/V. True = attend.
        mask = (self.idx[None, :] <= pos[:, None]).repeat(G, 1)  # [G*T, max]
        x = self.emb[tok]  # [T, n]
        for m in self.layers:
            h = rms_norm(x, m.attn_norm, self.eps)
            q, k, v = F.linear(h, m.wqkv).split(self.split, dim=-1)
            q = q.view(T, H, hd).transpose(0, 1)[None]  # [1, H, T, hd]
            k = k.view(T, KV, hd).transpose(0, 1)[None]
            v = v.view(T, KV, hd).transpose(0, 1)[None]
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            m.k_cache[:, :, pos] = k
            m.v_cache[:, :, pos] = v
            o = F.scaled_dot_product_attention(
                q.reshape(1, KV, G * T, hd), m.k_cache, m.v_cache, attn_mask=mask)
            o = o.reshape(H, T, hd).transpose(0, 1).reshape(T, H * hd)
            x = x + F.linear(o, m.wo)
            h = rms_norm(x, m.ffn_norm, self.eps)
            x = x + F.linear(F.silu(F.linear(h, m.wg)) * F.linear(h, m.wu), m.wd)
        x = rms_norm(x[-1:], self.norm, self.eps)
        return F.linear(x, self.head)[0]


def step(model, tok, pos):
    return model(tok, pos)


def time_ms(fn, iters, before=None):
    """Median ms of fn() between CUDA events; before() runs outside them."""
    times = []
    for _ in range(iters):
        if before:
            before()
        s, e = (torch.cuda.Event(enable_timing=True) for _ in range(2))
        s.record()
        fn()
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e))
    return statistics.median(times)


def rel_l2(a, b):
    a, b = a.double().flatten(), b.double().flatten()
    return float((a - b).norm() / b.norm().clamp_min(1e-30))


def check_transformers(model, hf, vocab, n=16):
    """Our eager prefill of n - 1 ids + one step against transformers'."""
    rng = random.Random(11)
    ids = torch.tensor([1] + [rng.randrange(3, vocab) for _ in range(n - 1)],
                       device="cuda")
    for m in model.layers:
        m.k_cache.zero_()
        m.v_cache.zero_()
    model(ids[:-1], torch.arange(n - 1, device="cuda"))
    ours = model(ids[-1:], torch.tensor([n - 1], device="cuda"))
    out = hf(input_ids=ids[None, :-1], use_cache=True)
    ref = hf(input_ids=ids[None, -1:], past_key_values=out.past_key_values,
             use_cache=True).logits[0, -1]
    return dict(context=n, rel_l2=rel_l2(ours, ref))


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folder", default="/tmp/tl/hf")
    ap.add_argument("--contexts", default="128,1024")
    ap.add_argument("--out", default=".")
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--max-context", type=int, default=1200)
    ap.add_argument("--layers", type=int, default=22)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--no-compile", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.folder, "model.safetensors")):
        sys.path.insert(0, HERE)
        import llama  # noqa: E402 (numpy + tools/make_llama_testdata.py)
        llama.make_model(a.folder, llama.tinyllama_hparams(a.layers, a.vocab), seed=7)
    from safetensors.torch import load_file
    with open(os.path.join(a.folder, "config.json")) as f:
        cfg = json.load(f)
    contexts = [int(c) for c in a.contexts.split(",")]
    assert max(contexts) <= a.max_context, "context above --max-context"
    model = Llama(cfg, load_file(os.path.join(a.folder, "model.safetensors")),
                  a.max_context).eval()
    torch.cuda.empty_cache()
    device = torch.cuda.get_device_name()
    mark = getattr(getattr(torch, "compiler", None), "cudagraph_mark_step_begin",
                   lambda: None)
    tok = torch.tensor([1000 % cfg["vocab_size"]], device="cuda")
    pos = torch.zeros(1, dtype=torch.long, device="cuda")
    rows, compiled, fullgraph = [], None, True

    def save(row):
        row.update(device=device, torch=torch.__version__)
        rows.append(row)
        ms = row["ms_per_token"]
        print("torch %s ctx %d: %s" % (row["mode"], row["context"], "%.3f ms/token"
              % ms if ms is not None else "failed: " + row.get("error", "")),
              flush=True)
        write()

    def write():
        with open(os.path.join(a.out, "torch_decode.json"), "w") as f:
            json.dump(rows, f, indent=1)

    def fill(ctx):  # random "past" standing for C - 1 tokens, the same per C
        torch.manual_seed(ctx)
        for m in model.layers:
            m.k_cache.normal_()
            m.v_cache.normal_()
        pos.fill_(ctx - 1)

    eager = lambda: model(tok, pos)  # noqa: E731
    refs = {}
    for ctx in contexts:
        fill(ctx)
        for _ in range(a.warmup):
            eager()
        ms = time_ms(eager, a.iterations, before=lambda: pos.fill_(ctx - 1))
        refs[ctx] = eager().float()
        save(dict(mode="eager", context=ctx, ms_per_token=ms))

    def run():
        mark()
        return compiled(model, tok, pos)
    for ctx in ([] if a.no_compile else contexts):
        row = dict(mode="compiled", context=ctx, ms_per_token=None)
        try:
            fill(ctx)
            for _ in range(2):
                try:
                    if compiled is None:
                        compiled = torch.compile(step, mode="reduce-overhead",
                                                 fullgraph=fullgraph)
                    for _ in range(max(3, a.warmup)):  # compile, record, replay
                        run()
                    break
                except Exception as e:  # a graph break: retry without fullgraph
                    if not fullgraph:
                        raise
                    row["fullgraph_error"] = repr(e)[:300]
                    importlib.import_module("torch._dynamo").reset()
                    compiled, fullgraph = None, False
            pos.fill_(ctx - 1)
            row["rel_l2_vs_eager"] = rel_l2(run().float(), refs[ctx])
            row["ms_per_token"] = time_ms(run, a.iterations,
                                          before=lambda: pos.fill_(ctx - 1))
            row["fullgraph"] = fullgraph
            try:  # > 0: Inductor ran without CUDA graphs (its log says why)
                row["cudagraph_skips"] = importlib.import_module(
                    "torch._dynamo.utils").counters["inductor"]["cudagraph_skips"]
            except Exception:
                pass
        except Exception as e:
            row["error"] = repr(e)[:300]
        save(row)

    try:  # ImportError, a broken install or a failed load: no transformers rows
        from transformers import LlamaForCausalLM
        hf = LlamaForCausalLM.from_pretrained(
            a.folder, torch_dtype=torch.float16).cuda().eval()
    except Exception as e:
        print("transformers: not available (%r)" % e, flush=True)
        return
    for ctx in contexts:
        row = dict(mode="transformers_eager", context=ctx, ms_per_token=None)
        try:
            ids = torch.randint(3, cfg["vocab_size"], (1, ctx - 1), device="cuda")
            past = hf(input_ids=ids, use_cache=True).past_key_values
            x = tok[None]

            def crop():  # DynamicCache grows in place; legacy tuples do not
                if hasattr(past, "crop"):
                    past.crop(ctx - 1)
            for _ in range(a.warmup):
                hf(input_ids=x, past_key_values=past, use_cache=True)
                crop()
            row["ms_per_token"] = time_ms(
                lambda: hf(input_ids=x, past_key_values=past, use_cache=True),
                a.iterations, before=crop)
        except Exception as e:
            row["error"] = repr(e)[:300]
        save(row)
    try:
        chk = check_transformers(model, hf, cfg["vocab_size"])
    except Exception as e:
        chk = dict(error=repr(e)[:300])
    print("eager vs transformers fp16:", json.dumps(chk), flush=True)
    for r in rows:
        if r["mode"] == "eager":
            r["check_vs_transformers"] = chk
    write()


if __name__ == "__main__":
    main()
