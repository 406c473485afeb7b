"""Checks tlc's output for Inputs/concat-slices.yaml against numpy.

Usage: check_concat_slices.py X.npy Y.npy
The model: a = Conv1x1(x, wa); ar = 0.5 * a; b = sigmoid(x);
cat = concat([ar, b], axis=1); y = Conv1x1(cat, wy). Exits 1 when the
relative L2 error exceeds 1e-5.
"""
import sys

import numpy as np

x = np.load(sys.argv[1]).astype(np.float64)
y = np.load(sys.argv[2]).astype(np.float64)
wa = np.array([0.5, -0.25, 0.75, 1.0]).reshape(2, 2)
wy = np.array([0.1, -0.2, 0.3, 0.4]).reshape(1, 4)
a = np.einsum("oc,nchw->nohw", wa, x)
cat = np.concatenate([0.5 * a, 1.0 / (1.0 + np.exp(-x))], axis=1)
ref = np.einsum("oc,nchw->nohw", wy, cat)
err = np.linalg.norm(y - ref) / np.linalg.norm(ref)
print("relative L2 error %.3g" % err)
sys.exit(0 if y.shape == ref.shape and err <= 1e-5 else 1)
