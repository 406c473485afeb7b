#!/usr/bin/python3
"""Trains the small Fashion-MNIST CNN that `make run` classifies with tlc.

Writes, relative to the repository root:
  models/fashion_cnn.safetensors     weights, f32 little-endian, safetensors
  tests/data/fashion_ref_images.npy  first 256 test images, f32 [256,1,28,28]
  tests/data/fashion_ref_logits.npy  PyTorch logits for them, f32 [256,10]
  tests/data/fashion_torch_pred.npy  PyTorch argmax for all test images,
                                     int32 [10000]

The network uses only ONNX ops tlc implements (Conv 3x3 pads 1, Relu,
MaxPool 2x2 stride 2, Flatten, Gemm transB=1); models/fashion_cnn.yaml is
the same network in tlc's model format. Input is pixels / 255.0 as f32 with
no mean/std normalisation, exactly what tools/fashion_demo.cpp feeds.

Deterministic: fixed seeds for torch, numpy and random, 2 CPU threads,
torch.use_deterministic_algorithms(True).

Usage: /usr/bin/python3 tools/train_fashion_cnn.py [--data DIR] [--epochs N]
           [--out-dir DIR]
"""

import argparse
import gzip
import json
import os
import random
import struct
import sys
import time

# Idle OpenMP threads sleep instead of spinning: on a shared 2-core machine
# spinning threads starve each other and training slows down many times.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

SEED = 20261121
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NUM_REF_IMAGES = 256


def read_idx(path, expected_magic):
    """Reads a gzip'd IDX file (http://yann.lecun.com/exdb/mnist/ format).

    Returns a uint8 numpy array shaped by the header's dims. Raises
    ValueError naming the file and byte offset on a bad magic or size.
    """
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: byte 0: file too short for an IDX header")
    magic, = struct.unpack(">I", raw[:4])
    if magic != expected_magic:
        raise ValueError(f"{path}: byte 0: magic {magic}, expected "
                         f"{expected_magic}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    dims = struct.unpack(">" + "I" * ndim, raw[4:header])
    count = int(np.prod(dims))
    if len(raw) != header + count:
        raise ValueError(f"{path}: byte {header}: expected {count} data bytes, "
                         f"found {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def load_split(data_dir, prefix):
    """Returns (images f32 [N,1,28,28] in [0,1], labels int64 [N])."""
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"),
                      2051)
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"),
                      2049)
    if images.shape[0] != labels.shape[0] or images.shape[1:] != (28, 28):
        raise ValueError(f"{prefix}: images {images.shape} and labels "
                         f"{labels.shape} do not match")
    x = (images.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


class FashionCNN(nn.Module):
    """Conv(1->16) Relu MaxPool Conv(16->32) Relu MaxPool Flatten
    Gemm(1568->128) Relu Gemm(128->10). Input [N,1,28,28], output [N,10]."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), kernel_size=2, stride=2)
        x = F.max_pool2d(F.relu(self.conv2(x)), kernel_size=2, stride=2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def predict(model, x, batch=1000):
    """Logits f32 [N,10] for images x [N,1,28,28], in eval mode."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            out.append(model(x[i:i + batch]))
    return torch.cat(out)


def write_safetensors(path, tensors):
    """Writes {name: f32 tensor} in the safetensors format
    (https://github.com/huggingface/safetensors#format): u64 LE header size
    N, N bytes of JSON (padded with spaces to a multiple of 8), then the data
    with offsets relative to the first byte after the header."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--out-dir", default=REPO,
                    help="root under which models/ and tests/data/ are "
                         "written (default: this repository)")
    args = ap.parse_args()

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    torch.set_flush_denormal(True)  # denormal arithmetic is very slow on x86

    x_train, y_train = load_split(args.data, "train")
    x_test, y_test = load_split(args.data, "t10k")
    print(f"train {tuple(x_train.shape)}  test {tuple(x_test.shape)}")

    model = FashionCNN()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    # Cosine decay of the learning rate to 0 over all steps (Loshchilov and
    # Hutter, "SGDR", ICLR 2017, without restarts).
    steps_per_epoch = (x_train.shape[0] + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=args.epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(SEED)
    start = time.perf_counter()
    cpu_start = time.process_time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(x_train.shape[0], generator=gen)
        total = 0.0
        for i in range(0, x_train.shape[0], args.batch):
            idx = perm[i:i + args.batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * idx.shape[0]
        acc = (predict(model, x_test).argmax(1) == y_test).float().mean()
        print(f"epoch {epoch + 1}: loss {total / x_train.shape[0]:.4f}  "
              f"test accuracy {acc.item():.4f}  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)
    train_s = time.perf_counter() - start
    cpu_s = time.process_time() - cpu_start

    logits = predict(model, x_test)
    pred = logits.argmax(1)
    acc = (pred == y_test).float().mean().item()
    print(f"training time {train_s:.1f} s wall, {cpu_s:.1f} s CPU; "
          f"final test accuracy {acc:.4f}")
    if acc < 0.91:
        print("warning: test accuracy below 0.91", file=sys.stderr)

    os.makedirs(os.path.join(args.out_dir, "models"), exist_ok=True)
    write_safetensors(os.path.join(args.out_dir, "models",
                                   "fashion_cnn.safetensors"),
                      {name: p for name, p in model.state_dict().items()})
    data = os.path.join(args.out_dir, "tests", "data")
    os.makedirs(data, exist_ok=True)
    np.save(os.path.join(data, "fashion_ref_images.npy"),
            np.ascontiguousarray(x_test[:NUM_REF_IMAGES].numpy(), dtype="<f4"))
    np.save(os.path.join(data, "fashion_ref_logits.npy"),
            np.ascontiguousarray(logits[:NUM_REF_IMAGES].numpy(), dtype="<f4"))
    np.save(os.path.join(data, "fashion_torch_pred.npy"),
            np.ascontiguousarray(pred.numpy(), dtype="<i4"))
    print(f"wrote models/fashion_cnn.safetensors and tests/data/fashion_*.npy")


if __name__ == "__main__":
    main()
