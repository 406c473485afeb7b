#!/usr/bin/python3
"""tlc's model-zoo check (issue #18): torchvision models through tlc on the
default Vulkan device, compared with PyTorch.

For each model: random weights (torch.manual_seed(0)), BatchNorm statistics
calibrated on three random batches so that activations do not vanish, an
opset-17 ONNX export (torch.onnx) of a 1x3xHxW input, then `tlc compile`
and `tlc run`; the output is compared with PyTorch's at relative L2
<= 1e-4. Prints one markdown row per model: the ops of the ONNX graph, the
plan's transient bytes against its lower bound (`tlc inspect`), the median
wall time of `tlc bench` (host side: submit + wait), and the verdict.

Usage (Debian's python3-torch and python3-torchvision):
    tools/zoo/zoo.py --tlc build/tlc --work /tmp/zoo [MODEL ...]
Without models: every classification and semantic-segmentation model of the
installed torchvision (segmentation outputs: the "out" map).
Exit status 1 when a model that exported does not match.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

# Input sizes other than 224 (the models' own minimums or defaults).
SIZES = {"inception_v3": 299}


def segmentation_models():
    import torchvision
    if not hasattr(torchvision.models, "list_models"):
        return []
    return sorted(torchvision.models.list_models(
        torchvision.models.segmentation))


def export(name, path, size):
    import torch
    import torchvision
    torch.manual_seed(0)
    kw = dict(weights=None)
    if name in segmentation_models():  # no download of backbone weights
        kw["weights_backbone"] = None
    m = torchvision.models.get_model(name, **kw) \
        if hasattr(torchvision.models, "get_model") \
        else getattr(torchvision.models, name)(**kw)
    # torchvision zero-initializes some output layers (the ViT head):
    # their output would be all zeros, which any kernel matches. Such
    # matrices get seeded N(0, 0.02) values instead.
    with torch.no_grad():
        for p in m.parameters():
            if p.dim() >= 2 and not p.any():
                p.normal_(0.0, 0.02)
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(torch.randn(2, 3, size, size))
    m.eval()
    x = torch.randn(1, 3, size, size)
    with torch.no_grad():
        y = m(x)
    if isinstance(y, (tuple, list)):
        y = y[0]
    if isinstance(y, dict):
        y = y["out"]
    kwargs = dict(opset_version=17, input_names=["x"], output_names=["y"])
    try:  # the TorchScript exporter (newer torch defaults to dynamo)
        torch.onnx.export(m, x, path, dynamo=False, **kwargs)
    except TypeError:
        torch.onnx.export(m, x, path, **kwargs)
    return x.numpy(), y.numpy()


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def first_error(text):
    for line in text.splitlines():
        if "error" in line:
            return line.strip()[:160]
    return text.strip()[-160:]


def check(tlc, work, name, bench_iterations=5):
    import onnx
    size = SIZES.get(name, 224)
    base = os.path.join(work, name)
    try:
        x, y = export(name, base + ".onnx", size)
    except Exception as e:  # the exporter's limits are not tlc's
        return dict(name=name, verdict="export failed: %s" % str(e)[:120])
    np.save(base + ".x.npy", x)
    g = onnx.load(base + ".onnx", load_external_data=False).graph
    ops = sorted({n.op_type for n in g.node} - {"Constant"})
    row = dict(name=name, ops=ops)
    rc, out = run([tlc, "compile", base + ".onnx", "-o", base + ".tlp"])
    if rc:
        row["verdict"] = "compile: " + first_error(out)
        return row
    rc, out = run([tlc, "inspect", base + ".tlp", "--format=json"])
    if rc == 0:
        info = json.loads(out)
        row["transient"] = info["transient_bytes"]
        row["lower_bound"] = info["lower_bound"]
    rc, out = run([tlc, "run", base + ".tlp", "--wait-timeout=900",
                   "--input", "x=" + base + ".x.npy",
                   "--output-dir", base + ".out"])
    if rc:
        row["verdict"] = "run: " + first_error(out)
        return row
    got = np.load(os.path.join(base + ".out", "y.npy"))
    ref = float(np.linalg.norm(y))
    if ref == 0.0:
        row["verdict"] = "PyTorch's output is all zeros: nothing to compare"
        return row
    rel = float(np.linalg.norm(got - y) / ref)
    row["rel_l2"] = rel
    rc, out = run([tlc, "bench", base + ".tlp", "--warmup=1", "--iterations",
                   str(bench_iterations),
                   "--wait-timeout=900"])
    for line in out.splitlines():
        if "gpu time per inference: median" in line:
            us = float(line.split("median")[1].split("us")[0])
            row["bench"] = "%.1f ms" % (us / 1000)
            break
    row["verdict"] = "matches" if rel <= 1e-4 else "MISMATCH"
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tlc", default="build/tlc")
    ap.add_argument("--work", default="/tmp/tlc-zoo")
    ap.add_argument("--bench-iterations", type=int, default=5,
                    help="tlc bench iterations per model (default 5)")
    ap.add_argument("--keep", action="store_true",
                    help="keep each model's .onnx and .tlp (large)")
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    models = args.models
    if not models:
        import torchvision
        models = sorted(torchvision.models.list_models(torchvision.models)) \
            if hasattr(torchvision.models, "list_models") else []
        models += segmentation_models()
    print("| model | verdict | rel. L2 | transient / lower bound (MiB) | "
          "time (median, device) | ops |")
    print("|---|---|---:|---:|---|---|")
    failed = 0
    for name in models:
        t0 = time.time()
        r = check(args.tlc, args.work, name, args.bench_iterations)
        mib = lambda b: "%.1f" % (b / 2**20)
        mem = "%s / %s" % (mib(r["transient"]), mib(r["lower_bound"])) \
            if "transient" in r else ""
        rel = "%.1e" % r["rel_l2"] if "rel_l2" in r else ""
        print("| %s | %s | %s | %s | %s | %s |" % (
            name, r["verdict"], rel, mem, r.get("bench", ""),
            ", ".join(r.get("ops", []))), flush=True)
        failed += r["verdict"] == "MISMATCH"
        if not args.keep:
            for ext in (".onnx", ".tlp"):
                path = os.path.join(args.work, name + ext)
                if os.path.exists(path):
                    os.remove(path)
        sys.stderr.write("%s: %.0f s\n" % (name, time.time() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
