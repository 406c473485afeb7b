#!/usr/bin/env python3
"""A TinyLlama-shaped model on the GPU: tlc against transformers (issue #15).

The model: TinyLlama-1.1B's shape (22 layers, hidden 2048, 32 heads of 64,
4 KV heads, FFN 5632, vocabulary 32000), random weights drawn by
tools/make_llama_testdata.py's scheme (projections N(0, g/sqrt(fan_in)),
norms N(1, 0.2): unit-scale activations and logits with an RMS of about 2,
so greedy choices are not near-ties), written as a Hugging Face folder
(config.json + model.safetensors, F16: 2.2 GB) and never committed. The
same folder is what tlc compiles and what transformers loads.

Checks, each printed and written to OUT/llama.json:
  1. logits: a 17-token prompt, then 64 greedy steps. transformers'
     LlamaForCausalLM in float32 on the GPU (TF32 off) on the F16 weights
     is the reference; tlc runs the plan compiled with --precision=fp16.
     Per step: relative L2 of tlc's logits against the reference's, and the
     tokens, compared until the first step where they differ; a difference
     at a near-tie (top-2 gap below 10 x 1e-2 x the RMS of the logits) is
     allowed, after which the sequences are not compared (issue #15's rule).
  2. the documents' scenario: a 1000-token prompt, then 100 decoded tokens,
     10 times in one process (tlc generate --repeat 10): prefill time, time
     per decoded token, device allocations during generation, host
     allocations per decoded token, resident memory after each generation;
     the plan's transient bytes against their lower bound (tlc inspect).
  3. beside it, transformers' own fp16 eager generation of the same prompt
     and length (model.generate, greedy): ms per decoded token.

Usage (on the GPU machine, tlc staged as in ../shared/GPU.md):
  python3 bench/gpu/llama.py --tlc .device-ranges/tlc --out $OUT
Options shrink the model for a dry run (--layers 2 --vocab 4096).
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
import make_llama_testdata as mk  # noqa: E402


def sh(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        print(r.stdout[-4000:], r.stderr[-4000:], flush=True)
        raise SystemExit("command failed: %s" % " ".join(cmd))
    print("  (%.1f s)" % (time.time() - t0), flush=True)
    return r.stdout


def tinyllama_hparams(layers, vocab):
    """TinyLlama-1.1B's shape (tools/make_llama_testdata.py's hp keys) with
    `layers` layers and a vocabulary of `vocab`, F16 in the HF folder,
    untied; alignment and vocab_keys for a GGUF file of the same weights."""
    return dict(vocab=vocab, n_embd=2048, n_head=32, n_head_kv=4, ffn=5632,
                n_layer=layers, ctx=2048, rms_eps=1e-5, rope_base=10000.0,
                tied=False, out_gain=1.0, hf_dtype="F16", alignment=32,
                vocab_keys=False)


def make_model(folder, hp, seed):
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return
    t0 = time.time()
    rng = np.random.default_rng(seed)
    w = mk.make_weights(rng, hp)
    mk.write_hf(folder, hp, w)
    print("model written: %.1f GB in %.0f s" % (
        os.path.getsize(os.path.join(folder, "model.safetensors")) / 1e9,
        time.time() - t0), flush=True)


def rel_l2(a, b):
    return float(np.linalg.norm(a.astype(np.float64) - b) /
                 max(np.linalg.norm(b.astype(np.float64)), 1e-30))


def reference_greedy(folder, prompt, steps):
    """transformers float32 greedy decoding with its KV cache: ids, logits."""
    import torch
    from transformers import LlamaForCausalLM
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = LlamaForCausalLM.from_pretrained(folder, torch_dtype=torch.float32)
    model = model.cuda().eval()
    ids, logits = [], []
    with torch.no_grad():
        x = torch.tensor([prompt], device="cuda")
        past = None
        for _ in range(steps):
            out = model(input_ids=x, past_key_values=past, use_cache=True)
            past = out.past_key_values
            row = out.logits[0, -1].float().cpu().numpy()
            logits.append(row)
            ids.append(int(row.argmax()))
            x = torch.tensor([[ids[-1]]], device="cuda")
    del model
    torch.cuda.empty_cache()
    return ids, np.stack(logits)


def transformers_decode_ms(folder, prompt, new_tokens):
    """transformers fp16 eager greedy generation: ms per decoded token,
    from the difference between generating new_tokens and 1 token."""
    import torch
    from transformers import LlamaForCausalLM
    model = LlamaForCausalLM.from_pretrained(folder, torch_dtype=torch.float16)
    model = model.cuda().eval()
    x = torch.tensor([prompt], device="cuda")
    times = {}
    with torch.no_grad():
        for n in (1, new_tokens, 1, new_tokens):
            torch.cuda.synchronize()
            t0 = time.time()
            model.generate(x, max_new_tokens=n, min_new_tokens=n,
                           do_sample=False, pad_token_id=0)
            torch.cuda.synchronize()
            times.setdefault(n, []).append((time.time() - t0) * 1000)
    del model
    torch.cuda.empty_cache()
    return (min(times[new_tokens]) - min(times[1])) / (new_tokens - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tlc", required=True)
    ap.add_argument("--work", default="/tmp/tinyllama")
    ap.add_argument("--out", default=".")
    ap.add_argument("--layers", type=int, default=22)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--context", type=int, default=1200,
                    help="tlc compile --max-context")
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--prompt-len", type=int, default=1000)
    ap.add_argument("--decode", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--skip-torch", action="store_true",
                    help="tlc only (no reference, no transformers timing)")
    a = ap.parse_args()

    hp = tinyllama_hparams(a.layers, a.vocab)
    folder = os.path.join(a.work, "hf")
    make_model(folder, hp, seed=7)
    plan = os.path.join(a.work, "tinyllama.tlp")
    sh([a.tlc, "compile", folder, "-o", plan, "--max-context", str(a.context),
        "--precision", "fp16", "--target", "gpu"])
    res = {"layers": a.layers, "vocab": a.vocab, "context": a.context}

    def save():
        # After every stage, so a run cut off by a time limit keeps what it saw.
        with open(os.path.join(a.out, "llama.json"), "w") as f:
            json.dump(res, f, indent=1)
    res["inspect"] = sh([a.tlc, "inspect", plan]).split("\ntensors:")[0]
    print(res["inspect"])

    rng = np.random.default_rng(11)
    prompt = [1] + [int(t) for t in rng.integers(3, a.vocab, 16)]
    # 1. Logits and tokens against transformers float32.
    if not a.skip_torch:
        ref_ids, ref_logits = reference_greedy(folder, prompt, a.steps)
    lpath = os.path.join(a.work, "tlc_logits.npy")
    out = sh([a.tlc, "generate", plan, "--prompt-ids",
              ",".join(map(str, prompt)), "--max-new-tokens", str(a.steps),
              "--json", "--logits", lpath])
    got = json.loads(out)
    tl = np.load(lpath)
    if not a.skip_torch:
        errs, compared, parted = [], 0, None
        for t in range(a.steps):
            errs.append(rel_l2(tl[t], ref_logits[t]))
            compared = t + 1
            if got["generated_ids"][t] != ref_ids[t]:
                top = np.sort(ref_logits[t])[-2:]
                rms = float(np.sqrt(np.mean(ref_logits[t].astype(np.float64) ** 2)))
                parted = dict(step=t, gap=float(top[1] - top[0]),
                              near_tie_limit=10 * 1e-2 * rms)
                break
        res["logits"] = dict(steps_compared=compared,
                             max_rel_l2=max(errs), median_rel_l2=float(np.median(errs)),
                             tokens_equal=got["generated_ids"][:compared] == ref_ids[:compared],
                             parted=parted)
        print("logits vs transformers f32:", json.dumps(res["logits"]), flush=True)
    save()

    # 2. The documents' scenario.
    long_prompt = [1] + [int(t) for t in rng.integers(3, a.vocab, a.prompt_len - 1)]
    out = sh([a.tlc, "generate", plan, "--prompt-ids",
              ",".join(map(str, long_prompt)), "--max-new-tokens",
              str(a.decode), "--repeat", str(a.repeat), "--json"])
    s = json.loads(out)
    s.pop("text", None)
    s.pop("prompt_ids", None)
    rss = s["rss_kib_after_each_generation"]
    s["rss_change_first_to_last_percent"] = 100.0 * (rss[-1] - rss[0]) / rss[0]
    res["scenario"] = s
    print("scenario:", json.dumps({k: v for k, v in s.items()
                                   if k != "generated_ids"}), flush=True)
    save()

    # 3. transformers fp16 eager, same prompt and length.
    if not a.skip_torch:
        res["transformers_fp16_eager_ms_per_token"] = transformers_decode_ms(
            folder, long_prompt, a.decode)
        print("transformers fp16 eager ms/token: %.2f" %
              res["transformers_fp16_eager_ms_per_token"], flush=True)
    save()


if __name__ == "__main__":
    main()
