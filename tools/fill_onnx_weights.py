#!/usr/bin/python3
"""Refills a weight-stripped ONNX model (*.stripped.onnx) with seeded weights.

usage: fill_onnx_weights.py STRIPPED.onnx OUT.onnx [--seed N]

The peer models in tests/data/peer/ keep every initializer's dims and dtype
but no data. This writes OUT.onnx with data drawn from numpy's seeded
generator, scaled as GPT-2 initializes its weights (Radford et al. 2019;
transformers' GPT2PreTrainedModel._init_weights, initializer_range 0.02):
  - FLOAT tensors of rank >= 2 (embeddings, Gemm/MatMul/Conv weights):
    normal(0, 0.02);
  - FLOAT tensors of rank <= 1 whose name ends in "weight" or "scale"
    (LayerNorm / BatchNorm scales): 1; BatchNorm running variances ("var"):
    1; other rank <= 1 FLOAT tensors (biases, means): 0;
  - INT64 / INT32 tensors must keep their data (they are shapes and axes):
    an initializer of those types without data is an error naming it.
Stripped models carry no data at all, so any initializer that already holds
data is kept as is. The file is written with the data inside (no external
data); models over 2 GiB cannot be saved that way and are an error.
Generate the result into a git-ignored path or /tmp: it is large.
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def has_data(t):
    return bool(t.raw_data) or len(t.float_data) or len(t.int64_data) or \
        len(t.int32_data) or len(t.double_data)


def fill_tensor(t, rng):
    """Returns the numpy array that replaces initializer t."""
    dims = tuple(t.dims)
    if t.data_type != onnx.TensorProto.FLOAT:
        sys.exit("initializer '%s' has dtype %s and no data; only FLOAT "
                 "weights can be made up" %
                 (t.name, onnx.TensorProto.DataType.Name(t.data_type)))
    if len(dims) >= 2:
        return (rng.standard_normal(dims, dtype=np.float32) *
                np.float32(0.02))
    name = t.name.lower()
    if name.endswith(("weight", "scale", "var", "running_var")):
        return np.ones(dims, dtype=np.float32)
    return np.zeros(dims, dtype=np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stripped")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    try:
        model = onnx.load(args.stripped)
    except Exception as e:  # protobuf raises DecodeError and others
        sys.exit("%s: cannot load the ONNX model: %s" % (args.stripped, e))
    rng = np.random.default_rng(args.seed)
    total = 0
    for i, t in enumerate(model.graph.initializer):
        if t.data_location == onnx.TensorProto.EXTERNAL:
            sys.exit("%s: initializer '%s' has external data" %
                     (args.stripped, t.name))
        if has_data(t):
            continue
        arr = fill_tensor(t, rng)
        model.graph.initializer[i].CopyFrom(numpy_helper.from_array(arr, t.name))
        total += arr.nbytes
    if total + model.ByteSize() >= 2 ** 31:
        sys.exit("%s: %d bytes of weights do not fit one protobuf file" %
                 (args.out, total))
    onnx.save_model(model, args.out)
    print("%s: %d bytes of weights from seed %d" % (args.out, total, args.seed))


if __name__ == "__main__":
    main()
