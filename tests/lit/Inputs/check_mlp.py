"""Independent numpy reference for tests/lit/Inputs/mlp.yaml.

Usage: check_mlp.py X.npy Y.npy [TOLERANCE] (relative L2, default 1e-6)."""
import sys
import numpy as np

x = np.load(sys.argv[1])
y = np.load(sys.argv[2])
w1 = np.array([0.1, 0.2, 0.3, 0.4, -0.5, 0.6, -0.7, 0.8, 0.9, -1.0, 1.1, -1.2],
              np.float32).reshape(3, 4)
b1 = np.array([0.01, -0.02, 0.03], np.float32)
w2 = np.array([1, -1, 2, -2, 0.5, 0.25], np.float32).reshape(3, 2)
h = x @ w1.T + b1
m = np.maximum(h, 0) @ w2
ref = np.maximum(m, 0) + m
assert y.shape == ref.shape and y.dtype == np.float32, (y.shape, y.dtype)
err = np.linalg.norm(y - ref) / np.linalg.norm(ref)
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-6
assert err < tol, f"relative L2 error {err}"
print(f"mlp output matches numpy (relative L2 {err:.2e})")
