#!/usr/bin/python3
"""Trains the demo model of models/austen/: a small Llama-architecture
language model on Jane Austen's novels, written as GGUF for `tlc generate`.

What it does, end to end (fixed seeds, a fixed number of steps, one
thread by default):
 1. Corpus (tools/austen_corpus.py, Debian's r-cran-janeaustenr): the six
    novels, public domain. Persuasion is held out (never seen by the
    tokenizer or the model; its loss is reported as the validation loss);
    the five others are the training text. Each paragraph (the printed lines
    between empty lines) becomes one line of text: its lines joined by
    spaces, italics' underscores removed; title, "Chapter N" and "VOLUME"
    lines are dropped. A novel is its paragraphs joined by spaces, one long
    stream of text (no newlines: the model writes running prose).
 2. Tokenizer: a SentencePiece BPE vocabulary of VOCAB pieces with Llama's
    settings (byte fallback, so all 256 <0xNN> pieces; identity
    normalization; dummy prefix; <unk>=0 <s>=1 </s>=2), trained by Debian's
    python3-sentencepiece on the training novels' printed lines with
    tools/make_tokenizer_testdata.py's train() (seed 1234, one thread, no
    shuffling). Written as austen.model (sentencepiece's file) and as the
    tokenizer.ggml.* keys of the GGUF.
 3. Model (HP below: 4 layers, width 256, 8 query heads of 32 over 2
    key/value heads, SwiGLU width 704, context 256): token embedding tied to
    the LM head; pre-norm blocks of RMSNorm, grouped-query attention with
    rotary position embeddings, RMSNorm and a SwiGLU feed-forward; a final
    RMSNorm. Trained with Debian's PyTorch
    (python3-torch, 1.13) on the CPU: AdamW, linear warm-up then cosine
    decay, random windows of CTX tokens, each fed as <s> followed by the
    window's first CTX - 1 tokens (generation, too, starts from <s>).
 4. GGUF (tools/gguf_writer.py): llama.cpp's "llama" keys and tensor names,
    2-D weights F16, norm weights F32, Q and K rows permuted as llama.cpp's
    converter does (adjacent rotary pairs; tools/llama_reference.py
    permute), the vocabulary as tokenizer.ggml.* keys.
 5. Reference: the greedy continuations of the PROMPTS, computed by
    tools/llama_reference.py (float64 NumPy, independent of PyTorch and of
    tlc) from the GGUF file read back, decoded by sentencepiece; written to
    austen_reference.json with the smallest top-2 logit gap of each. The
    PyTorch model's own greedy ids (float32, unrounded weights) are printed
    beside them as a check of the export.

Run (12 minutes for the committed model, on one thread of a 2-core AMD
EPYC virtual machine that other jobs were sharing; models/austen/README.md
has its numbers; the export from a checkpoint, steps 4-5, writes the same
bytes every time):
    apt-get install python3-torch python3-sentencepiece python3-numpy \
        r-cran-janeaustenr libopenblas0-pthread
    /usr/bin/python3 tools/train_austen_llama.py     # writes models/austen/ and
                                                     # tests/data/austen/held_out_lines.txt
    /usr/bin/python3 tools/train_austen_llama.py --export-only CKPT  # 4-5 from a checkpoint
Options: --out DIR, --steps N, --lr X, --threads N (default 1; 2 is faster on
two free cores but sums floats in another order, so the model differs
slightly), --checkpoint FILE (default /tmp/austen_llama.pt),
--held-out-lines FILE. The script re-runs itself once with the environment
of run_environment() (OpenBLAS, passive OpenMP threads, glibc's malloc
keeping its memory); libopenblas0-pthread matters: with Debian's default
reference BLAS a step is about 10x slower.
PyTorch, sentencepiece and the corpus are needed only to train: `make run`
and `make test` use the committed files.

Architecture, from its sources:
 - Touvron et al. 2023, "LLaMA: Open and Efficient Foundation Language
   Models" (pre-normalization, SwiGLU, rotary embeddings, no biases);
 - Zhang & Sennrich 2019, "Root Mean Square Layer Normalization";
 - Su et al. 2021, "RoFormer: Enhanced Transformer with Rotary Position
   Embedding" (here in transformers' rotate_half layout, which pairs dim i
   with i + head_dim/2; the GGUF's permuted rows pair adjacent dims);
 - Shazeer 2020, "GLU Variants Improve Transformer" (SwiGLU);
 - Ainslie et al. 2023, "GQA: Training Generalized Multi-Query Transformer
   Models from Multi-Head Checkpoints" (query head h reads K/V head
   h // (n_head / n_head_kv)).
"""
import argparse
import glob
import json
import math
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import austen_corpus  # noqa: E402
import gguf_writer as gw  # noqa: E402
import llama_reference as ref  # noqa: E402
import make_tokenizer_testdata as mt  # noqa: E402

HELD_OUT_BOOK = "persuasion"
VOCAB = 4096
HP = dict(vocab=VOCAB, n_embd=256, n_head=8, n_head_kv=2, ffn=704, n_layer=4,
          ctx=256, rms_eps=1e-5, rope_base=10000.0)
TRAIN = dict(steps=700, batch=8, lr=5e-3, min_lr_ratio=0.1, warmup=50,
             weight_decay=0.1, clip=1.0, seed=1234, threads=1, eval_every=100,
             eval_batches=4)
# (prompt, greedy steps): make run's and README's prompt, and
# tests/lit/austen-demo.test's (its smallest top-2 logit gap over the 16
# tokens, 0.065, leaves room for float32 rounding on a GPU or lavapipe; the
# gaps of greedy steps of this model are mostly a few hundredths).
PROMPTS = [("It is a truth universally acknowledged", 32),
           ("The young ladies", 16)]


# ---------------------------------------------------------------------------
# Corpus.

def is_heading(line):
    s = line.strip()
    if not s:
        return False
    words = s.split()
    if words[0].lower() in ("chapter", "volume") and len(words) <= 3:
        return True
    # Title and "By Jane Austen" lines: all capitals, or the author line.
    return s == "By Jane Austen" or (s.upper() == s and any(c.isalpha() for c in s)
                                     and len(words) <= 6 and not s.startswith('"'))


def paragraphs(lines):
    """The paragraphs of a novel's printed lines, each one line of text; a
    paragraph that is one heading line is dropped."""
    out, cur = [], []
    for line in lines + [""]:
        if line.strip():
            cur.append(line.strip())
        elif cur:
            if not (len(cur) == 1 and is_heading(cur[0])):
                out.append(" ".join(" ".join(cur).replace("_", "").split()))
            cur = []
    return out


def held_out_lines(books, n=200):
    """n printed lines of the held-out novel as they are (non-empty lines,
    evenly spaced, half a step after those of tests/data/tokenizer/
    cases.json), for the tokenizer's acceptance test."""
    lines = [line for line in books[HELD_OUT_BOOK] if line.strip()]
    step = len(lines) / n
    return [lines[int((i + 0.5) * step)] for i in range(n)]


def corpus(books):
    train = [n for n in austen_corpus.BOOKS if n != HELD_OUT_BOOK]
    return ({n: paragraphs(books[n]) for n in train},
            paragraphs(books[HELD_OUT_BOOK]))


# ---------------------------------------------------------------------------
# Tokenizer.

def train_tokenizer(train_paragraphs):
    """sentencepiece model bytes: trained on the training novels' text,
    one sentence per (cleaned) paragraph split at about 70 characters as the
    printed lines are (sentencepiece skips sentences over 4192 bytes)."""
    lines = []
    for paras in train_paragraphs.values():
        for p in paras:
            words, cur = p.split(" "), ""
            for w in words:
                if cur and len(cur) + 1 + len(w) > 70:
                    lines.append(cur)
                    cur = w
                else:
                    cur = w if not cur else cur + " " + w
            if cur:
                lines.append(cur)
    return mt.train(lines, VOCAB)


def encode_book(sp, paras):
    """A novel's ids: its paragraphs joined by spaces. Encoding paragraph by
    paragraph gives the same ids as encoding the joined text (every
    paragraph starts with the dummy prefix's U+2581, which is what the
    joining space becomes; no piece spans two words)."""
    ids = []
    for p in paras:
        ids += sp.encode(p)
    return np.array(ids, dtype=np.int64)


# ---------------------------------------------------------------------------
# The model (PyTorch).

def build_model(torch):
    nn = torch.nn
    F = torch.nn.functional
    d, H, KV = HP["n_embd"], HP["n_head"], HP["n_head_kv"]
    hd = d // H

    class RMSNorm(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(d))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + HP["rms_eps"]) * self.weight

    def rotate_half(x):
        half = x.shape[-1] // 2
        return torch.cat([-x[..., half:], x[..., :half]], dim=-1)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn_norm = RMSNorm()
            self.q = nn.Linear(d, d, bias=False)
            self.k = nn.Linear(d, KV * hd, bias=False)
            self.v = nn.Linear(d, KV * hd, bias=False)
            self.o = nn.Linear(d, d, bias=False)
            self.ffn_norm = RMSNorm()
            self.gate = nn.Linear(d, HP["ffn"], bias=False)
            self.up = nn.Linear(d, HP["ffn"], bias=False)
            self.down = nn.Linear(HP["ffn"], d, bias=False)

        def forward(self, x, cos, sin, mask):
            B, S, _ = x.shape
            h = self.attn_norm(x)
            q = self.q(h).view(B, S, H, hd).transpose(1, 2)   # [B, H, S, hd]
            k = self.k(h).view(B, S, KV, hd).transpose(1, 2)  # [B, KV, S, hd]
            v = self.v(h).view(B, S, KV, hd).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            # Grouped-query attention without copying K and V: the G query
            # heads that share a KV head are stacked along the rows.
            G = H // KV
            q = q.reshape(B * KV, G * S, hd)
            k = k.reshape(B * KV, S, hd)
            v = v.reshape(B * KV, S, hd)
            att = torch.baddbmm(mask[:S, :S].repeat(G, 1), q, k.transpose(1, 2),
                                alpha=1.0 / math.sqrt(hd)).softmax(-1)
            y = (att @ v).view(B, KV, G, S, hd).permute(0, 3, 1, 2, 4).reshape(B, S, d)
            x = x + self.o(y)
            h = self.ffn_norm(x)
            return x + self.down(F.silu(self.gate(h)) * self.up(h))

    class Llama(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(HP["vocab"], d)
            self.blocks = nn.ModuleList([Block() for _ in range(HP["n_layer"])])
            self.norm = RMSNorm()
            inv = HP["rope_base"] ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
            ang = torch.outer(torch.arange(HP["ctx"], dtype=torch.float64), inv)
            ang = torch.cat([ang, ang], dim=-1)
            self.register_buffer("cos", ang.cos().float(), persistent=False)
            self.register_buffer("sin", ang.sin().float(), persistent=False)
            self.register_buffer("mask", torch.full((HP["ctx"], HP["ctx"]), float("-inf"))
                                 .triu(1), persistent=False)
            for name, p in self.named_parameters():
                if p.dim() == 2:
                    std = 0.02
                    if name.endswith("o.weight") or name.endswith("down.weight"):
                        std = 0.02 / math.sqrt(2 * HP["n_layer"])
                    nn.init.normal_(p, 0.0, std)

        def forward(self, ids):
            S = ids.shape[1]
            x = self.embed(ids)
            for b in self.blocks:
                x = b(x, self.cos[:S], self.sin[:S], self.mask)
            return self.norm(x) @ self.embed.weight.t()  # tied LM head

    return Llama()


def hf_weights(model):
    """The model's weights under transformers' LlamaForCausalLM names
    (float32 numpy; tied: no lm_head.weight)."""
    w = {"model.embed_tokens.weight": model.embed.weight,
         "model.norm.weight": model.norm.weight}
    for i, b in enumerate(model.blocks):
        n = ref.hf_layer_names(i)
        for key, p in (("attn_norm", b.attn_norm.weight), ("attn_q", b.q.weight),
                       ("attn_k", b.k.weight), ("attn_v", b.v.weight),
                       ("attn_output", b.o.weight), ("ffn_norm", b.ffn_norm.weight),
                       ("ffn_gate", b.gate.weight), ("ffn_up", b.up.weight),
                       ("ffn_down", b.down.weight)):
            w[n[key]] = p
    return {k: v.detach().cpu().numpy().astype(np.float32) for k, v in w.items()}


# ---------------------------------------------------------------------------
# Training.

def batches(torch, stream, gen, batch, bos):
    """A batch of (inputs, targets): windows of ctx tokens at random offsets,
    inputs <s> + window[:-1], targets the window."""
    ctx = HP["ctx"]
    starts = torch.randint(0, len(stream) - ctx, (batch,), generator=gen)
    y = torch.stack([stream[s:s + ctx] for s in starts.tolist()])
    x = torch.cat([torch.full((batch, 1), bos, dtype=torch.long), y[:, :-1]], dim=1)
    return x, y


def evaluate(torch, model, stream, bos, n_batches):
    """Mean loss over fixed windows spread over the stream."""
    F = torch.nn.functional
    ctx = HP["ctx"]
    starts = np.linspace(0, len(stream) - ctx - 1, n_batches * 8).astype(np.int64)
    total = 0.0
    model.eval()
    with torch.no_grad():
        for i in range(n_batches):
            s = starts[i * 8:(i + 1) * 8]
            y = torch.stack([stream[int(t):int(t) + ctx] for t in s])
            x = torch.cat([torch.full((len(s), 1), bos, dtype=torch.long), y[:, :-1]], 1)
            total += F.cross_entropy(model(x).flatten(0, 1), y.flatten()).item()
    model.train()
    return total / n_batches


def train(torch, train_ids, val_ids, bos, steps, log):
    F = torch.nn.functional
    torch.manual_seed(TRAIN["seed"])
    model = build_model(torch)
    n_params = sum(p.numel() for p in model.parameters())
    log("model: %d parameters (%s)" % (n_params, HP))
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": TRAIN["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=TRAIN["lr"], betas=(0.9, 0.95), eps=1e-8)
    gen = torch.Generator().manual_seed(TRAIN["seed"])
    stream = torch.from_numpy(train_ids)
    val = torch.from_numpy(val_ids)

    def lr_at(step):
        if step < TRAIN["warmup"]:
            return TRAIN["lr"] * (step + 1) / TRAIN["warmup"]
        t = (step - TRAIN["warmup"]) / max(1, steps - TRAIN["warmup"])
        r = TRAIN["min_lr_ratio"]
        return TRAIN["lr"] * (r + (1 - r) * 0.5 * (1 + math.cos(math.pi * t)))

    t0 = time.time()
    smooth = None
    history = []
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        x, y = batches(torch, stream, gen, TRAIN["batch"], bos)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), TRAIN["clip"])
        opt.step()
        smooth = loss.item() if smooth is None else 0.95 * smooth + 0.05 * loss.item()
        if step % 50 == 0 or step == steps - 1:
            el = time.time() - t0
            log("step %5d  loss %.3f (smoothed %.3f)  lr %.2e  %.0f s  %.0f tokens/s"
                % (step, loss.item(), smooth, lr_at(step), el,
                   (step + 1) * TRAIN["batch"] * HP["ctx"] / max(el, 1e-9)))
        if (step + 1) % TRAIN["eval_every"] == 0 or step == steps - 1:
            tr = evaluate(torch, model, stream, bos, TRAIN["eval_batches"])
            va = evaluate(torch, model, val, bos, TRAIN["eval_batches"])
            history.append({"step": step + 1, "train_loss": round(tr, 4),
                            "val_loss": round(va, 4), "seconds": round(time.time() - t0, 1)})
            log("eval step %d: train %.3f  held-out (Persuasion) %.3f" % (step + 1, tr, va))
    return model, history, time.time() - t0, n_params


# ---------------------------------------------------------------------------
# GGUF and reference.

def write_gguf(path, sp, weights):
    n = sp.get_piece_size()
    w = gw.GgufWriter()
    w.add("general.architecture", gw.STRING, "llama")
    w.add("general.name", gw.STRING, "tlc demo: austen (Jane Austen, 5 novels)")
    w.add("general.file_type", gw.UINT32, 1)  # mostly F16
    w.add("llama.block_count", gw.UINT32, HP["n_layer"])
    w.add("llama.context_length", gw.UINT32, HP["ctx"])
    w.add("llama.embedding_length", gw.UINT32, HP["n_embd"])
    w.add("llama.feed_forward_length", gw.UINT32, HP["ffn"])
    w.add("llama.attention.head_count", gw.UINT32, HP["n_head"])
    w.add("llama.attention.head_count_kv", gw.UINT32, HP["n_head_kv"])
    w.add("llama.rope.freq_base", gw.FLOAT32, HP["rope_base"])
    w.add("llama.attention.layer_norm_rms_epsilon", gw.FLOAT32, HP["rms_eps"])
    w.add("llama.vocab_size", gw.UINT32, n)
    w.add("llama.rope.dimension_count", gw.UINT32, HP["n_embd"] // HP["n_head"])
    w.add("tokenizer.ggml.model", gw.STRING, "llama")
    w.add("tokenizer.ggml.tokens", gw.ARRAY, (gw.STRING, [sp.id_to_piece(i) for i in range(n)]))
    w.add("tokenizer.ggml.scores", gw.ARRAY, (gw.FLOAT32, [sp.get_score(i) for i in range(n)]))
    w.add("tokenizer.ggml.token_type", gw.ARRAY,
          (gw.INT32, [mt.token_type(sp, i) for i in range(n)]))
    w.add("tokenizer.ggml.bos_token_id", gw.UINT32, sp.bos_id())
    w.add("tokenizer.ggml.eos_token_id", gw.UINT32, sp.eos_id())
    w.add("tokenizer.ggml.unknown_token_id", gw.UINT32, sp.unk_id())
    w.add("tokenizer.ggml.add_bos_token", gw.BOOL, True)
    w.add("tokenizer.ggml.add_eos_token", gw.BOOL, False)
    names = ref.gguf_to_hf_names(HP["n_layer"])
    order = ["token_embd.weight"]
    for i in range(HP["n_layer"]):
        order += ["blk.%d.%s.weight" % (i, s) for s in
                  ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                   "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")]
    order += ["output_norm.weight"]  # tied: no output.weight
    for name in order:
        arr = weights[names[name]]
        if name.endswith("attn_q.weight"):
            arr = ref.permute(arr, HP["n_head"])
        elif name.endswith("attn_k.weight"):
            arr = ref.permute(arr, HP["n_head_kv"])
        w.add_tensor(name, arr, "F32" if arr.ndim == 1 else "F16")
    w.write(path)


def torch_greedy(torch, model, prompt_ids, steps):
    seq = list(prompt_ids)
    model.eval()
    with torch.no_grad():
        for _ in range(steps):
            seq.append(int(model(torch.tensor([seq]))[0, -1].argmax()))
    return seq[len(prompt_ids):]


def export(torch, model, sp, out_dir, log):
    gguf = os.path.join(out_dir, "austen.gguf")
    write_gguf(gguf, sp, hf_weights(model))
    meta, tensors = ref.read_gguf(gguf)
    weights = ref.gguf_to_hf_weights(meta, tensors)  # F16-rounded, Q/K unpermuted
    cfg = ref.gguf_config(meta)
    refs = []
    for prompt, steps in PROMPTS:
        prompt_ids = [sp.bos_id()] + sp.encode(prompt)
        ids, logits = ref.greedy(weights, cfg, prompt_ids, steps)
        ids = [int(t) for t in ids]
        gaps = ref.top2_gap(logits)
        if sp.eos_id() in ids:
            ids = ids[:ids.index(sp.eos_id()) + 1]
        tids = torch_greedy(torch, model, prompt_ids, len(ids))
        agree = next((i for i, (a, b) in enumerate(zip(ids, tids)) if a != b), len(ids))
        text = sp.decode([t for t in ids if t != sp.eos_id()])
        refs.append({"prompt": prompt, "prompt_ids": prompt_ids, "greedy_ids": ids,
                     "text": text, "min_gap": round(float(gaps[:len(ids)].min()), 4),
                     "torch_f32_agrees_for": agree})
        log("%r -> %r\n  min top-2 gap %.3f; PyTorch (f32 weights) agrees for %d of %d"
            % (prompt, text, gaps[:len(ids)].min(), agree, len(ids)))
    with open(os.path.join(out_dir, "austen_reference.json"), "w") as f:
        f.write("{\n \"about\": \"Greedy continuations of models/austen/austen.gguf by "
                "tools/llama_reference.py (float64 NumPy on the file's weights), "
                "prompt ids and text by sentencepiece (austen.model); written by "
                "tools/train_austen_llama.py\",\n \"references\": [\n")
        f.write(",\n".join("  " + json.dumps(r, ensure_ascii=True) for r in refs))
        f.write("\n ]\n}\n")
    return gguf, refs


def run_environment(threads):
    """Re-runs this script once with the settings under which Debian's
    PyTorch trains at a usable speed; returns when they are in place:
     - BLAS: Debian's PyTorch calls whatever libblas.so.3 the alternatives
       system selects, by default the reference BLAS (about 10x slower
       here); with libopenblas0-pthread installed, its libblas.so.3 is put
       first on LD_LIBRARY_PATH (the system's alternative is not changed);
     - OpenMP threads wait passively (OMP_WAIT_POLICY): on a machine whose
       cores are shared, spinning threads made a step 2-4x slower;
     - glibc keeps freed memory (mmap and trim thresholds): otherwise every
       large activation is a fresh mmap and pays its page faults again."""
    if os.environ.get("TLC_AUSTEN_ENV") == "1":
        return
    env = dict(os.environ, TLC_AUSTEN_ENV="1", OMP_WAIT_POLICY="PASSIVE",
               OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               GLIBC_TUNABLES="glibc.malloc.mmap_threshold=33554432:"
                              "glibc.malloc.trim_threshold=4294967296")
    openblas = sorted(glob.glob("/usr/lib/*-linux-gnu/openblas-pthread"))
    if openblas:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            [openblas[0]] + [p for p in env.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p])
    else:
        print("note: libopenblas0-pthread is not installed; PyTorch uses the reference "
              "BLAS and trains about 10x slower", file=sys.stderr)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "austen"))
    ap.add_argument("--steps", type=int, default=TRAIN["steps"])
    ap.add_argument("--checkpoint", default="/tmp/austen_llama.pt")
    ap.add_argument("--export-only", metavar="CKPT",
                    help="skip training: export the checkpoint CKPT")
    ap.add_argument("--austen-dir", default=austen_corpus.DEFAULT_DIR)
    ap.add_argument("--held-out-lines", metavar="FILE",
                    default=os.path.join(ROOT, "tests", "data", "austen", "held_out_lines.txt"),
                    help="where to write 200 held-out lines for the tokenizer test")
    ap.add_argument("--threads", type=int, default=TRAIN["threads"])
    ap.add_argument("--lr", type=float, default=TRAIN["lr"])
    args = ap.parse_args()
    run_environment(args.threads)

    import sentencepiece as spm
    import torch
    torch.set_num_threads(args.threads)
    TRAIN["threads"], TRAIN["lr"] = args.threads, args.lr
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()

    def log(msg):
        print("[%6.1f s] %s" % (time.time() - t_start, msg), flush=True)

    books = austen_corpus.read_books(args.austen_dir)
    train_paras, held_out = corpus(books)
    os.makedirs(os.path.dirname(args.held_out_lines), exist_ok=True)
    with open(args.held_out_lines, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in held_out_lines(books)))
    model_path = os.path.join(args.out, "austen.model")
    if args.export_only:
        model_bytes = open(model_path, "rb").read()
    else:
        model_bytes = train_tokenizer(train_paras)
        with open(model_path, "wb") as f:
            f.write(model_bytes)
    sp = spm.SentencePieceProcessor(model_proto=model_bytes)
    mt.check_field_numbers(model_bytes, sp)
    assert (sp.unk_id(), sp.bos_id(), sp.eos_id()) == (0, 1, 2)
    assert sum(sp.is_byte(i) for i in range(sp.get_piece_size())) == 256
    log("tokenizer: %d pieces" % sp.get_piece_size())

    if args.export_only:
        model = build_model(torch)
        model.load_state_dict(torch.load(args.export_only))
        info = None
    else:
        train_ids = np.concatenate([encode_book(sp, p) for p in train_paras.values()])
        val_ids = encode_book(sp, held_out)
        log("corpus: %d training tokens (%d characters), %d held-out tokens"
            % (len(train_ids), sum(len(p) + 1 for ps in train_paras.values() for p in ps),
               len(val_ids)))
        model, history, seconds, n_params = train(torch, train_ids, val_ids,
                                                  sp.bos_id(), args.steps, log)
        torch.save(model.state_dict(), args.checkpoint)
        info = {"parameters": n_params, "train_seconds": round(seconds, 1),
                "steps": args.steps, "tokens_seen": args.steps * TRAIN["batch"] * HP["ctx"],
                "training_tokens": int(len(train_ids)), "held_out_tokens": int(len(val_ids)),
                "hp": HP, "train": TRAIN, "history": history}
        with open(os.path.join(args.out, "training_log.json"), "w") as f:
            json.dump(info, f, indent=1)
            f.write("\n")
        log("trained in %.0f s; checkpoint %s" % (seconds, args.checkpoint))
    gguf, _ = export(torch, model, sp, args.out, log)
    log("wrote %s (%d bytes)" % (gguf, os.path.getsize(gguf)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
