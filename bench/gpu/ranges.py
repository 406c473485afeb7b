#!/usr/bin/env python3
"""Shape ranges on the GPU machine: the acceptance figures of the range plans
(docs/shape-ranges.md), in one run.

usage: ranges.py --tlc TLC --soak SOAK_RANGES --ocr OCR_EXAMPLE --out DIR
                 [--models third_party/ocr-models] [--runs 10000]
                 [--rounds 5] [--speed-only]

1. PP-OCRv4 recognizer, one plan for width 32..1280 (height 48, batch 1):
   tlc bench of the range plan at the bound (W=1280) and at a quarter of it
   (W=320) beside plans compiled for exactly those widths (--rounds
   alternating runs of each, medians); soak_ranges
   (--runs shape-churned runs against exact-shape plans); the OCR example on
   skimage's page.png with each line at its own width, every line's output
   compared with onnxruntime's (relative L2).
2. GPT-2 (GPT2Config(), no KV cache) exported with a dynamic sequence
   (export_models.py gpt2_seq), one plan for 1..512: logits against
   onnxruntime at lengths 1, 7, 128, 300, 512; tlc bench at 512 and 128
   beside exact-length plans (alternating rounds); soak_ranges.
--speed-only runs the two speed comparisons alone.
Prints markdown tables; writes DIR/ranges.json. Needs torch, transformers,
onnx and onnxruntime (CPU), as the GPU machine has.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def sh(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def bench(tlc, plan, shape=None, iters=200):
    cmd = [tlc, "bench", plan, "--json", "--warmup", "20",
           "--iterations", str(iters)]
    if shape:
        cmd += ["--input-shape", shape]
    r = json.loads(sh(cmd).stdout)
    return r["gpu_us"]["median"]


def bench_pair(tlc, fixed_plan, range_plan, shape, rounds, iters=200):
    """Medians of `rounds` alternating runs of the fixed plan and the range
    plan at `shape` (one run: a warmed-up `tlc bench` of `iters`
    iterations); alternating keeps clock and thermal drift out of the
    ratio. Returns (fixed_us, range_us, per-round ratios)."""
    f, r = [], []
    for _ in range(rounds):
        f.append(bench(tlc, fixed_plan, iters=iters))
        r.append(bench(tlc, range_plan, shape, iters=iters))
    return (float(np.median(f)), float(np.median(r)),
            [b / a for a, b in zip(f, r)])


def rel_l2(a, b):
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def save(a, res):
    with open(os.path.join(a.out, "ranges.json"), "w") as f:
        json.dump(res, f, indent=1)


def recognizer(a, res):
    import onnxruntime as ort
    rec = os.path.join(a.models, "ch_PP-OCRv4_rec_infer.onnx")
    w = a.work
    sh([a.tlc, "compile", rec, "--target", "gpu", "--input-shape",
        "x=1x3x48x32..1280", "-o", f"{w}/rec_range.tlp"])
    rows = []
    for width in (1280, 320):
        sh([a.tlc, "compile", rec, "--target", "gpu", "--input-shape",
            f"x=1x3x48x{width}", "-o", f"{w}/rec_{width}.tlp"])
        fixed, ranged, ratios = bench_pair(
            a.tlc, f"{w}/rec_{width}.tlp", f"{w}/rec_range.tlp",
            f"x=1x3x48x{width}", a.rounds)
        rows.append({"width": width, "fixed_us": fixed, "range_us": ranged,
                     "ratio": ranged / fixed, "round_ratios": ratios})
    res["rec_bench"] = rows
    save(a, res)
    if a.speed_only:
        return
    # The OCR example, each line at its own width; outputs against ORT.
    page = "/usr/lib/python3/dist-packages/skimage/data/page.png"
    if not os.path.exists(page):
        import skimage
        page = os.path.join(os.path.dirname(skimage.__file__), "data",
                            "page.png")
    keys = os.path.join(a.models, "ppocr_keys_v1.txt")
    det = os.path.join(a.models, "ch_PP-OCRv4_det_infer.onnx")
    txt = sh([a.ocr, page, "--keys", keys, "--det", det, "--rec", rec,
              "--dump-lines", f"{w}/lines", "--dump-scores", f"{w}/scores"])
    res["ocr_text"] = txt.stdout
    sess = ort.InferenceSession(rec, providers=["CPUExecutionProvider"])
    lines = []
    for f in sorted(os.listdir(f"{w}/lines")):
        x = np.load(f"{w}/lines/{f}")
        want = sess.run(None, {"x": x})[0]
        got = np.load(f"{w}/scores/{f}")
        lines.append({"line": f, "width": int(x.shape[3]),
                      "rel_l2": rel_l2(got, want),
                      "same_argmax": bool((got.argmax(-1) == want.argmax(-1)).all())})
    res["ocr_lines"] = lines
    # The same pipeline with onnxruntime doing every inference
    # (examples/ocr/check_ocr_tlc.sh's onnxruntime_text): the expected text.
    dsess = ort.InferenceSession(det, providers=["CPUExecutionProvider"])
    e = [a.ocr, page, "--keys", keys]
    sh(e + ["--dump-det-input", f"{w}/det_in.npy"])
    prob = dsess.run(None, {"x": np.load(f"{w}/det_in.npy")})[0]
    np.save(f"{w}/prob.npy", prob)
    sh(e + ["--probability-map", f"{w}/prob.npy", "--dump-lines",
            f"{w}/ort_lines"])
    os.makedirs(f"{w}/ort_scores", exist_ok=True)
    for f in sorted(os.listdir(f"{w}/ort_lines")):
        x = np.load(f"{w}/ort_lines/{f}")
        np.save(f"{w}/ort_scores/{f}", sess.run(None, {"x": x})[0])
    ort_text = sh(e + ["--probability-map", f"{w}/prob.npy", "--line-scores",
                       f"{w}/ort_scores"]).stdout
    res["ocr_ort_text"] = ort_text
    with open(os.path.join(a.out, "page_onnxruntime.txt"), "w") as f:
        f.write(ort_text)
    save(a, res)
    soak = sh([a.soak, rec, "--input-shape", "x=1x3x48x32..1280",
               "--target", "gpu", "--runs", str(a.runs), "--shapes", "12"])
    res["rec_soak"] = soak.stdout

def gpt2(a, res):
    import onnxruntime as ort
    w = a.work
    sh([sys.executable, os.path.join(HERE, "export_models.py"), w, "gpt2_seq"])
    model = f"{w}/gpt2_seq.onnx"
    sh([a.tlc, "compile", model, "--target", "gpu", "--input-shape",
        "input_ids=1x1..512", "-o", f"{w}/gpt2_range.tlp"])
    speed(a, res, model)
    if a.speed_only:
        return
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    ids512 = rng.integers(0, 50257, (1, 512), dtype=np.int64)
    acc = []
    for n in (1, 7, 128, 300, 512):
        ids = ids512[:, :n].copy()
        np.save(f"{w}/ids_{n}.npy", ids)
        want = sess.run(None, {"input_ids": ids})[0]
        sh([a.tlc, "run", f"{w}/gpt2_range.tlp", "--input",
            f"input_ids={w}/ids_{n}.npy", "--output-dir", f"{w}/out_{n}"])
        got = np.load(f"{w}/out_{n}/logits.npy")
        acc.append({"length": n, "shape": list(got.shape),
                    "rel_l2": rel_l2(got, want)})
        res["gpt2_accuracy"] = acc
        save(a, res)
    soak = sh([a.soak, model, "--input-shape", "input_ids=1x1..512",
               "--target", "gpu", "--runs", str(a.gpt2_runs), "--shapes", "3",
               "--int-high", "50257"])
    res["gpt2_soak"] = soak.stdout


def speed(a, res, model):
    """GPT-2's range plan against exact-length plans at 512 and 128."""
    w = a.work
    rows = []
    for n in (512, 128):
        sh([a.tlc, "compile", model, "--target", "gpu", "--input-shape",
            f"input_ids=1x{n}", "-o", f"{w}/gpt2_{n}.tlp"])
        fixed, ranged, ratios = bench_pair(
            a.tlc, f"{w}/gpt2_{n}.tlp", f"{w}/gpt2_range.tlp",
            f"input_ids=1x{n}", a.rounds, iters=100)
        rows.append({"length": n, "fixed_us": fixed, "range_us": ranged,
                     "ratio": ranged / fixed, "round_ratios": ratios})
        res["gpt2_bench"] = rows
        save(a, res)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tlc", required=True)
    p.add_argument("--soak", required=True)
    p.add_argument("--ocr", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--work", default="/tmp/tlc-ranges")
    p.add_argument("--models", default=os.path.join(ROOT, "third_party",
                                                    "ocr-models"))
    p.add_argument("--runs", type=int, default=10000)
    p.add_argument("--gpt2-runs", type=int, default=300)
    p.add_argument("--only", default="rec,gpt2")
    p.add_argument("--rounds", type=int, default=5,
                   help="alternating fixed/range bench runs per shape")
    p.add_argument("--speed-only", action="store_true",
                   help="only the speed comparison (no accuracy, OCR, soak)")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    res = {"gpu": subprocess.run(["nvidia-smi", "--query-gpu=name",
                                  "--format=csv,noheader"], text=True,
                                 capture_output=True).stdout.strip()}
    for part, fn in (("rec", recognizer), ("gpt2", gpt2)):
        if part not in a.only.split(","):
            continue
        t = time.time()
        try:
            fn(a, res)
        except subprocess.CalledProcessError as e:
            res[part + "_error"] = (e.stdout or "")[-3000:] + (e.stderr or "")[-3000:]
        res[part + "_seconds"] = time.time() - t
        save(a, res)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
