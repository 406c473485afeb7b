#!/usr/bin/python3
"""Refills a weight-stripped ONNX graph with seeded random weights.

usage: fill_weights.py STRIPPED.onnx OUT.onnx [--input OUT_INPUT.npy] [--seed N]

The peer models in tests/data/peer/*.stripped.onnx keep every initializer's
dims and dtype but no data (bench/gpu/export_models.py --strip). This writes
OUT.onnx with data drawn from a seeded generator, scaled so activations stay
in a sane range through 50+ layers (He initialization, He et al. 2015,
"Delving Deep into Rectifiers", std = sqrt(2 / fan_in)):
  - rank >= 2 f32 tensors (Conv and Gemm weights): normal(0, sqrt(2/fan_in)),
    fan_in = product of every dim but the first (Gemm weights [out, in]);
  - rank <= 1 f32 tensors (biases): uniform(-0.1, 0.1).
Integer initializers cannot be guessed and are an error naming the tensor.
With --input, also writes a standard-normal input for the graph's first
input, shaped as the graph declares it (every dim must be static).
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def fill(model, rng):
    for t in model.graph.initializer:
        dims = list(t.dims)
        if t.data_type != onnx.TensorProto.FLOAT:
            sys.exit("%s: initializer '%s' has dtype %d; only FLOAT can be "
                     "refilled" % (sys.argv[1], t.name, t.data_type))
        if len(dims) >= 2:
            fan_in = int(np.prod(dims[1:]))
            a = rng.normal(0.0, np.sqrt(2.0 / fan_in), dims)
        else:
            a = rng.uniform(-0.1, 0.1, dims)
        t.CopyFrom(numpy_helper.from_array(a.astype(np.float32), t.name))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("stripped")
    p.add_argument("out")
    p.add_argument("--input", help="write a random input .npy here")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    model = onnx.load(args.stripped)
    rng = np.random.default_rng(args.seed)
    fill(model, rng)
    onnx.save(model, args.out)
    if args.input:
        shape = []
        for d in model.graph.input[0].type.tensor_type.shape.dim:
            if not d.HasField("dim_value"):
                sys.exit("%s: input '%s' has a dynamic dim" %
                         (args.stripped, model.graph.input[0].name))
            shape.append(d.dim_value)
        np.save(args.input, rng.standard_normal(shape).astype(np.float32))


if __name__ == "__main__":
    main()
