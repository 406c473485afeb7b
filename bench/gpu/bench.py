#!/usr/bin/env python3
"""tlc against PyTorch eager on one GPU, in one run (bench/gpu/run.sh).

usage: bench.py --tlc PATH --out DIR [--models a,b] [--dry-run] [--budget S]
                [--elementwise N]

For each peer model (bench/gpu/export_models.py: resnet50,
mobilenet_v3_large, GPT-2 with 128 tokens; seeded weights) it
  1. exports the model to ONNX (opset 17) and saves its input as .npy,
  2. compiles it with tlc (--target=gpu, input shapes bound),
  3. runs tlc on the input and compares with PyTorch's output (relative L2,
     must be <= 1e-3),
  4. times tlc (`tlc bench --json`: median GPU time per inference) and
     PyTorch eager (CUDA events around each forward after warm-up, median of
     >= 100, fp32 with TF32 off),
  5. measures PyTorch's activation peak (max_memory_allocated during
     inference minus what was allocated before: weights and inputs) and reads
     tlc's planned transient bytes,
then prints one markdown table. Then: Add and Relu over --elementwise floats
against a device-to-device copy of the same bytes, and each plan's load time
with tlc's pipeline cache cold and warm. PP-OCR models in third_party/ocr-models are
compiled and timed too when present (no PyTorch model: onnxruntime on the
CPU is their reference). A model tlc cannot handle gets a row saying why.

--dry-run (no torch needed, e.g. on a machine without a GPU): the models come
from tests/data/peer/*.stripped.onnx with seeded random weights, onnxruntime
is not used and PyTorch columns stay empty; it checks everything but the
PyTorch part.
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
MIB = 1 << 20


def rel_l2(a, b):
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        return float("inf")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def sh(cmd, timeout, env=None):
    """Runs cmd; returns (ok, stdout, short error)."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return False, "", "timed out after %d s" % timeout
    if p.returncode != 0:
        err = (p.stderr.strip() or p.stdout.strip()).splitlines()
        return False, p.stdout, (err[-1] if err else "exit %d" % p.returncode)
    return True, p.stdout, ""


# --- PyTorch (GPU machine only) ---------------------------------------------

def torch_measure(model, args, iters=200, warmup=30):
    """PyTorch eager on CUDA, fp32, TF32 off: (output as numpy, median ms,
    activation peak MiB)."""
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    model = model.to(dev).eval()
    args = tuple(a.to(dev) for a in args)
    with torch.no_grad():
        for _ in range(warmup):
            model(*args)
        torch.cuda.synchronize()
        times = []
        for _ in range(iters):
            s = torch.cuda.Event(enable_timing=True)
            e = torch.cuda.Event(enable_timing=True)
            s.record()
            model(*args)
            e.record()
            e.synchronize()
            times.append(s.elapsed_time(e))
        torch.cuda.synchronize()
        held = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        out = model(*args)
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - held
    model.to("cpu")
    torch.cuda.empty_cache()
    return out.float().cpu().numpy(), float(np.median(times)), peak / MIB


def torch_copy(nbytes, iters=50):
    """PyTorch's device-to-device copy of nbytes (y.copy_(x) on CUDA, CUDA
    events, median after warm-up): (us, GB/s counting bytes read + written).
    None without CUDA."""
    try:
        import torch
        if not torch.cuda.is_available():
            return None
    except ImportError:
        return None
    x = torch.empty(nbytes // 4, dtype=torch.float32, device="cuda")
    y = torch.empty_like(x)
    for _ in range(5):
        y.copy_(x)
    times = []
    for _ in range(iters):
        s = torch.cuda.Event(enable_timing=True)
        e = torch.cuda.Event(enable_timing=True)
        s.record()
        y.copy_(x)
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e) * 1000.0)
    us = float(np.median(times))
    del x, y
    torch.cuda.empty_cache()
    return us, 2.0 * nbytes / us / 1000.0


def export_peer_models(out):
    """Builds and exports the peer models; returns {name: (onnx path,
    {input name: array}, torch model, torch args)}."""
    sys.path.insert(0, HERE)
    import export_models
    models = {}
    for name, (model, args, ins, outs) in export_models.build().items():
        path = os.path.join(out, name + ".onnx")
        t0 = time.time()
        export_models.export(name, model, args, ins, outs, path)
        print("exported %s in %.1f s" % (name, time.time() - t0), flush=True)
        feeds = {n: a.numpy() for n, a in zip(ins, args)}
        models[name] = (path, feeds, model, args)
    return models


# --- Without PyTorch (--dry-run) --------------------------------------------

def filled_peer_models(out, only):
    """tests/data/peer/*.stripped.onnx with seeded random weights (the models
    named in only, all when it is empty)."""
    import onnx
    from onnx import numpy_helper
    rng = np.random.default_rng(0)
    models = {}
    for name, shape_in in (("resnet50", None), ("mobilenet_v3_large", None),
                           ("gpt2", None)):
        src = os.path.join(ROOT, "tests/data/peer", name + ".stripped.onnx")
        if not os.path.exists(src) or (only and name not in only):
            continue
        m = onnx.load(src)
        for i, t in enumerate(m.graph.initializer):
            dt = onnx.helper.tensor_dtype_to_np_dtype(t.data_type) \
                if hasattr(onnx.helper, "tensor_dtype_to_np_dtype") \
                else onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[t.data_type]
            shape = tuple(t.dims)
            if np.issubdtype(dt, np.floating):
                a = (rng.standard_normal(shape) * 0.02).astype(dt)
            else:
                a = np.zeros(shape, dtype=dt)  # shape-like constants
            t.CopyFrom(numpy_helper.from_array(a, t.name))
        path = os.path.join(out, name + ".onnx")
        onnx.save(m, path)
        feeds = {}
        for inp in m.graph.input:
            dims = [d.dim_value for d in inp.type.tensor_type.shape.dim]
            if inp.type.tensor_type.elem_type == onnx.TensorProto.INT64:
                feeds[inp.name] = rng.integers(0, 1000, dims).astype(np.int64)
            else:
                feeds[inp.name] = rng.standard_normal(dims).astype(np.float32)
        models[name] = (path, feeds, None, None)
    return models


# --- tlc --------------------------------------------------------------------

def tlc_model(tlc, name, path, feeds, out, ref, args, precision="fp32"):
    """Compiles (--precision and --target from PRECISION, "fp16" or
    "fp16@gpu-nv"; the target defaults to gpu), runs and times one model
    with tlc; returns a row dict."""
    precision, _, target = precision.partition("@")
    target = target or "gpu"
    tag = precision if target == "gpu" else precision + "@" + target
    row = {"model": name if tag == "fp32" else "%s (%s)" % (name, tag),
           "precision": precision}
    d = os.path.join(out, name if tag == "fp32" else
                     name + "_" + tag.replace("@", "_"))
    os.makedirs(d, exist_ok=True)
    flags = []
    for n, a in feeds.items():
        f = os.path.join(d, "input_%s.npy" % n)
        np.save(f, a)
        flags.append("--input=%s=%s" % (n, f))
    shapes = ["--input-shape=%s=%s" % (n, "x".join(str(s) for s in a.shape))
              for n, a in feeds.items()]
    plan = os.path.join(d, name + ".tlp")
    t0 = time.time()
    ok, _, err = sh([tlc, "compile", path, "-o", plan, "--target=" + target,
                     "--precision=" + precision] + shapes,
                    timeout=args.step_timeout)
    row["compile_s"] = time.time() - t0
    if not ok:
        row["error"] = "compile: " + err
        return row
    ok, _, err = sh([tlc, "run", plan, "--output-dir", d] + flags,
                    timeout=args.step_timeout)
    if not ok:
        row["error"] = "run: " + err
        return row
    outs = sorted(f for f in os.listdir(d)
                  if f.endswith(".npy") and not f.startswith("input_"))
    if ref is not None and outs:
        got = np.load(os.path.join(d, outs[0]))
        row["rel_l2"] = rel_l2(got, ref)
        # Dynamic range: binary16 holds magnitudes from 6e-8 to 65504.
        row["ref_absmax"] = float(np.abs(ref).max())
        row["out_absmax"] = float(np.abs(got).max())
    ok, text, err = sh([tlc, "bench", plan, "--json", "--warmup=20",
                        "--iterations=%d" % args.iterations,
                        "--profile=" + os.path.join(d, "profile.json")] +
                       flags, timeout=args.step_timeout)
    if not ok:
        row["error"] = "bench: " + err
        return row
    b = json.loads(text)
    with open(os.path.join(d, "bench.json"), "w") as f:
        f.write(text)
    row["tlc_ms"] = (b["gpu_us"] or b["host_us"])["median"] / 1000.0
    row["timed_by"] = "gpu" if b["gpu_us"] else "host"
    row["tlc_mib"] = b["transient_bytes"] / MIB
    row["load_ms"] = b["load_ms"]
    row["device"] = b["device"]
    return row


def real_ocr_input(kind):
    """The crops of page.png in tests/data/ocr (make_ocr_data.py), or None.

    A uniform random image drives the detector's sigmoid map to ~1e-7
    everywhere, where a relative L2 only measures the rounding of exp() at
    -15; the real page exercises the model as it is used."""
    d = os.path.join(ROOT, "tests/data/ocr")
    try:
        if kind == "det":
            img = np.load(os.path.join(d, "det_image.npy"))
            mean = np.array([0.485, 0.456, 0.406], np.float32)
            std = np.array([0.229, 0.224, 0.225], np.float32)
            x = (img.astype(np.float32) / np.float32(255) - mean) / std
            out = np.zeros((1, 3, 640, 640), np.float32)
            out[0, :, :img.shape[0], :img.shape[1]] = x.transpose(2, 0, 1)
            return out
        return np.load(os.path.join(d, "%s_input.npy" % kind))
    except OSError:
        return None


def ocr_models(tlc, out, args):
    """PP-OCR models of third_party/ocr-models: tlc against onnxruntime, on
    the crops of page.png of tests/data/ocr (random input without them)."""
    src = os.path.join(ROOT, "third_party/ocr-models")
    shapes = {"det": (1, 3, 640, 640), "rec": (1, 3, 48, 320),
              "cls": (1, 3, 48, 192)}
    rows = []
    if not os.path.isdir(src):
        return rows, "PP-OCR models skipped: third_party/ocr-models absent"
    rng = np.random.default_rng(1)
    for f in sorted(os.listdir(src)):
        if not f.endswith(".onnx"):
            continue
        kind = next((k for k in shapes if "_%s_" % k in f), None)
        if kind is None:
            continue
        import onnx
        m = onnx.load(os.path.join(src, f))
        inp = [i.name for i in m.graph.input
               if i.name not in {t.name for t in m.graph.initializer}][0]
        x = real_ocr_input(kind)
        if x is None:
            x = rng.random(shapes[kind], dtype=np.float32)
        ref = None
        try:
            import onnxruntime as ort
            s = ort.InferenceSession(os.path.join(src, f),
                                     providers=["CPUExecutionProvider"])
            ref = s.run(None, {inp: x})[0]
        except Exception as e:  # no onnxruntime here: no accuracy column
            print("onnxruntime:", e, file=sys.stderr)
        rows.append(tlc_model(tlc, f[:-5], os.path.join(src, f), {inp: x},
                              out, ref, args))
        rows[-1]["reference"] = "onnxruntime (CPU)"
    return rows, ""


def elementwise(tlc, out, n, args):
    """Add and Relu over n floats: tlc's GPU time against a device copy of
    the same bytes (read + written), timed the same way (tlc bench
    --copy-baseline). Returns markdown lines."""
    import onnx
    from onnx import TensorProto, helper
    lines = ["| kernel | elements | bytes moved | tlc us | tlc GB/s | "
             "vkCmdCopyBuffer us | GB/s | CUDA copy us | GB/s | "
             "tlc / CUDA copy |", "|---|---|---|---|---|---|---|---|---|---|"]
    graphs = {
        "add": helper.make_graph(
            [helper.make_node("Add", ["a", "b"], ["y"])], "add",
            [helper.make_tensor_value_info(x, TensorProto.FLOAT, [n])
             for x in "ab"],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n])]),
        "relu": helper.make_graph(
            [helper.make_node("Relu", ["x"], ["y"])], "relu",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n])]),
    }
    for name, g in graphs.items():
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        path = os.path.join(out, "elementwise_%s.onnx" % name)
        onnx.save(m, path)
        plan = path[:-5] + ".tlp"
        ok, _, err = sh([tlc, "compile", path, "-o", plan, "--target=gpu"],
                        timeout=args.step_timeout)
        if ok:
            ok, text, err = sh([tlc, "bench", plan, "--json", "--warmup=10",
                                "--iterations=50", "--copy-baseline"],
                               timeout=args.step_timeout)
        if not ok:
            lines.append("| %s | %d | | %s | | | | | | |" % (name, n, err))
            continue
        b = json.loads(text)
        with open(path[:-5] + ".bench.json", "w") as f:
            f.write(text)
        c = b["copy"]
        cuda = torch_copy(c["bytes"])
        lines.append("| %s | %d | %d | %.1f | %.0f | %.1f | %.0f | %s | %s "
                     "| %s |" % (
                         name, n, b["traffic_bytes"], b["gpu_us"]["median"],
                         b["gbps"], c["gpu_us"]["median"], c["gbps"],
                         fmt(cuda and cuda[0], ".1f"),
                         fmt(cuda and cuda[1], ".0f"),
                         fmt(cuda and b["gbps"] / cuda[1], ".2f")))
    return lines


def pipeline_cache_loads(tlc, out, names, args):
    """Load time of each plan with an empty, then a filled tlc pipeline
    cache (the driver's own disk caches off). Returns markdown lines."""
    lines = ["| plan | load ms, cold cache | load ms, warm cache | hit |",
             "|---|---|---|---|"]
    for name in names:
        plan = os.path.join(out, name, name + ".tlp")
        if not os.path.exists(plan):
            continue
        cache = os.path.join(out, "pipeline-cache-" + name)
        env = dict(os.environ, TLC_PIPELINE_CACHE=cache,
                   __GL_SHADER_DISK_CACHE="0",
                   MESA_SHADER_CACHE_DISABLE="true")
        loads = []
        for _ in range(2):
            ok, text, err = sh([tlc, "bench", plan, "--json", "--warmup=0",
                                "--iterations=1"], args.step_timeout, env)
            if not ok:
                loads.append(None)
                break
            b = json.loads(text)
            loads.append((b["load_ms"], b["pipeline_cache"]["hit"]))
        if len(loads) == 2 and all(loads):
            lines.append("| %s | %.1f | %.1f | %s |" % (
                name, loads[0][0], loads[1][0], loads[1][1]))
        else:
            lines.append("| %s | failed: %s | | |" % (name, err))
    return lines


def fmt(v, spec):
    return "" if v is None else format(v, spec)


def table(rows):
    lines = ["| model | PyTorch ms | tlc ms | ratio (tlc/PyTorch) | rel L2 | "
             "PyTorch activation MiB | tlc transient MiB |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append("| %s | %s | not compiled/run: %s | | | %s | |" % (
                r["model"], fmt(r.get("torch_ms"), ".2f"),
                r["error"].replace("|", "/")[:160],
                fmt(r.get("torch_mib"), ".1f")))
            continue
        ratio = (r["tlc_ms"] / r["torch_ms"]) if r.get("torch_ms") else None
        l2 = fmt(r.get("rel_l2"), ".1e")
        if r.get("reference"):
            l2 += " (vs %s)" % r["reference"]
        elif r.get("rel_l2") is not None and r["rel_l2"] > (
                1e-3 if r.get("precision", "fp32") == "fp32" else 1e-2):
            l2 += " (FAILS %s)" % ("1e-3" if r.get("precision", "fp32") ==
                                   "fp32" else "1e-2")
        lines.append("| %s | %s | %.2f%s | %s | %s | %s | %.1f |" % (
            r["model"], fmt(r.get("torch_ms"), ".2f"), r["tlc_ms"],
            "" if r.get("timed_by") == "gpu" else " (host)",
            fmt(ratio, ".2f"), l2, fmt(r.get("torch_mib"), ".1f"),
            r["tlc_mib"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlc", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default="")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--step-timeout", type=int, default=120)
    ap.add_argument("--elementwise", type=int, default=64 << 20,
                    help="elements of the Add/Relu bandwidth test (0: skip)")
    ap.add_argument("--precision", default="fp32",
                    help="comma-separated tlc --precision values per model "
                         "(fp32, fp16), each optionally @TARGET (default "
                         "gpu; fp16@gpu-nv: tensor cores); fp16 rows are "
                         "checked at 1e-2")
    ap.add_argument("--budget", type=float, default=1e9,
                    help="stop starting new models after S seconds")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()
    only = [m for m in args.models.split(",") if m]
    models = filled_peer_models(args.out, only) if args.dry_run \
        else export_peer_models(args.out)
    extra = []
    if args.elementwise:
        # First: cheap, and independent of whether the models compile.
        extra += ["", "Elementwise kernels against a device copy:", ""]
        extra += elementwise(args.tlc, args.out, args.elementwise, args)
        print("\n".join(extra), flush=True)
    rows = []
    for name, (path, feeds, model, targs) in models.items():
        if only and name not in only:
            continue
        if time.time() - t_start > args.budget:
            rows.append({"model": name, "error": "skipped: time budget"})
            continue
        ref = torch_ms = torch_mib = None
        if model is not None:
            try:
                ref, torch_ms, torch_mib = torch_measure(model, targs,
                                                         args.iterations)
            except Exception as e:
                print("PyTorch %s: %s" % (name, e), file=sys.stderr)
        for precision in args.precision.split(","):
            row = tlc_model(args.tlc, name, path, feeds, args.out, ref, args,
                            precision)
            row.update(torch_ms=torch_ms, torch_mib=torch_mib)
            rows.append(row)
            print(json.dumps(row), flush=True)
    note = ""
    if time.time() - t_start > args.budget:
        note = "PP-OCR models skipped: time budget"
    elif not only or any("ocr" in m for m in only):
        ocr, note = ocr_models(args.tlc, args.out, args)
        for r in ocr:
            print(json.dumps(r), flush=True)
        rows += ocr
    extra += ["", "Plan load time (pipeline creation) with tlc's pipeline "
              "cache empty, then filled:", ""]
    extra += pipeline_cache_loads(args.tlc, args.out,
                                  [r["model"] for r in rows], args)
    with open(os.path.join(args.out, "rows.json"), "w") as f:
        json.dump(rows, f, indent=1)
    device = next((r["device"] for r in rows if r.get("device")), "?")
    print("\ndevice: %s; %s" % (device, time.strftime("%Y-%m-%d %H:%M UTC",
                                                       time.gmtime())))
    print(table(rows))
    if note:
        print("\n" + note)
    print("\n".join(extra))


if __name__ == "__main__":
    main()
