#!/usr/bin/env python3
"""Classify the Fashion-MNIST test set with a compiled tlc plan, from Python.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/classify.py \\
        [PLAN.tlp] [DATASET_DIR]

PLAN.tlp (default build/fashion_cnn.tlp) is models/fashion_cnn.yaml as
`make run` compiles it, for batches of 1 to 100 images:

    build/tlc compile models/fashion_cnn.yaml -o build/fashion_cnn.tlp \\
        --input-shape image=1..100x1x28x28

DATASET_DIR (default /usr/share/datasets/fashion-mnist) holds
t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz. Pixels / 255.0 go
in as float32 NCHW [B, 1, 28, 28], batches of 100; the plan's logits
[B, 10] give the classes. Prints the accuracy as tools/fashion_demo.cpp
does, and the device's memory allocations before and after the runs: the
plan allocated its memory when loaded, and runs allocate none.
"""

import gzip
import os
import sys

import numpy as np

import tlc


def read_idx(path):
    """An IDX file (big-endian header: magic, then one u32 per dim) as a
    uint8 array of those dims."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = np.frombuffer(data, dtype=">u4", count=ndim, offset=4)
    return np.frombuffer(data, dtype=np.uint8,
                         offset=4 + 4 * ndim).reshape(dims)


def main():
    plan_path = sys.argv[1] if len(sys.argv) > 1 else "build/fashion_cnn.tlp"
    dataset = (sys.argv[2] if len(sys.argv) > 2
               else "/usr/share/datasets/fashion-mnist")
    images = read_idx(os.path.join(dataset, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(dataset, "t10k-labels-idx1-ubyte.gz"))
    pixels = (images / 255.0).astype(np.float32)[:, None, :, :]  # NCHW

    with tlc.Device() as dev, dev.load(plan_path) as plan:
        print("device:", dev.name)
        print("plan:", plan_path, plan.inputs, "->", plan.outputs)
        before = dev.counters()
        correct = 0
        for start in range(0, len(pixels), 100):
            out = plan.run(image=pixels[start:start + 100])
            predicted = out["logits"].argmax(axis=1)
            correct += int((predicted == labels[start:start + 100]).sum())
        after = dev.counters()

    total = len(labels)
    print("accuracy: %.4f (%d/%d)" % (correct / total, correct, total))
    for when, c in (("before the runs", before), ("after the runs", after)):
        print("device memory %s: %d allocations, %d bytes"
              % (when, c["memory_allocations"], c["allocated_bytes"]))


if __name__ == "__main__":
    main()
