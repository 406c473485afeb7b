#!/usr/bin/python3
"""Writes a copy of PP-OCRv4's detector that tlc's ONNX importer accepts
today, to check tlc's detector against onnxruntime before the importer
handles the original (docs/ocr.md, "With tlc").

The exporter gives each of the four Resize nodes an empty `roi` tensor (a
Constant with dims [0]); the importer refuses empty tensors and omitted inputs
before present ones. roi is read only when coordinate_transformation_mode is
"tf_crop_and_resize" (ONNX Resize, opset 11+); these nodes use "asymmetric",
so a dummy 8-element roi leaves the model's outputs unchanged. The model is
also brought to opset 17 with ONNX's version converter, and the unused empty
Constants are dropped.

Usage: /usr/bin/python3 tests/data/ocr/det_with_roi.py IN.onnx OUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper, version_converter


def main():
    src, dst = sys.argv[1], sys.argv[2]
    m = onnx.load(src)
    empty = {n.output[0] for n in m.graph.node if n.op_type == "Constant"
             and 0 in list(n.attribute[0].t.dims)}
    m.graph.initializer.append(numpy_helper.from_array(
        np.array([0, 0, 0, 0, 1, 1, 1, 1], np.float32), "tlc_dummy_roi"))
    for n in m.graph.node:
        if n.op_type == "Resize":
            attrs = {a.name: a.s for a in n.attribute}
            assert attrs.get("coordinate_transformation_mode") != b"tf_crop_and_resize"
            if len(n.input) > 1 and n.input[1] in empty:
                n.input[1] = "tlc_dummy_roi"
    used = {x for n in m.graph.node for x in n.input}
    keep = [n for n in m.graph.node
            if not (n.op_type == "Constant" and n.output[0] not in used)]
    del m.graph.node[:]
    m.graph.node.extend(keep)
    m = version_converter.convert_version(m, 17)
    onnx.checker.check_model(m)
    onnx.save(m, dst)


if __name__ == "__main__":
    main()
