#!/usr/bin/python3
"""Writes the reference .npy files of tests/data/npy/ with NumPy.

The unit tests (tests/unit/NpyTest.cpp) read these files with tlc's own .npy
reader and compare them with values they compute themselves from the same
formulas as below, so the two implementations check each other.

Usage: /usr/bin/python3 tools/make_npy_testdata.py [OUT_DIR]
       (default OUT_DIR: tests/data/npy next to this script's repository)
"""
import os
import sys

import numpy as np


def ramp(n, dtype, scale=1.0, bias=0.0):
    """Element i is i * scale + bias, converted to dtype."""
    return (np.arange(n, dtype=np.float64) * scale + bias).astype(dtype)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "data", "npy")
    os.makedirs(out, exist_ok=True)

    arrays = {
        # name: (array, format version or None for np.save's default)
        "f32_2x3": (ramp(6, "<f4", 0.5, -1.0).reshape(2, 3), None),
        "f32_scalar": (np.array(3.25, dtype="<f4"), None),
        "f32_1x3x4x5": (ramp(60, "<f4", 0.25, -7.5).reshape(1, 3, 4, 5), None),
        "f16_4": (np.array([1.0, -2.5, 65504.0, 0.5], dtype="<f2"), None),
        "i32_3x1x2": (ramp(6, "<i4", -3.0, 100.0).reshape(3, 1, 2), None),
        "i64_5": (ramp(5, "<i8", 1e12, -2e12), None),
        "u8_2x2": (np.array([[0, 1], [254, 255]], dtype="|u1"), None),
        "i8_3": (np.array([-128, 0, 127], dtype="|i1"), None),
        "f32_2x3_v2": (ramp(6, "<f4", 0.5, -1.0).reshape(2, 3), (2, 0)),
        "f32_2x3_v3": (ramp(6, "<f4", 0.5, -1.0).reshape(2, 3), (3, 0)),
    }
    for name, (a, version) in arrays.items():
        path = os.path.join(out, name + ".npy")
        with open(path, "wb") as f:
            if version is None:
                np.save(f, a)
            else:
                np.lib.format.write_array(f, a, version=version)
        # Sanity check: NumPy reads back what it wrote.
        b = np.load(path)
        assert b.dtype == a.dtype and b.shape == a.shape and (a == b).all(), name
        print("wrote", path)


if __name__ == "__main__":
    main()
