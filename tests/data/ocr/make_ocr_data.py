#!/usr/bin/python3
"""Makes the PP-OCR test inputs from scikit-image's page.png and runs
onnxruntime (tools/ort/run.mjs) on them for the reference outputs.

Preprocessing follows PaddleOCR (ppocr/data/imaug/operators.py and
tools/infer/predict_rec.py):
  det: RGB/255, normalised with mean [0.485, 0.456, 0.406] and std
       [0.229, 0.224, 0.225]; the page is resized (bilinear) so that its
       longer side is 640 and the other a multiple of 32, then zero-padded
       (after normalisation) at the bottom/right to 640x640.
  rec: one text line, resized (bilinear) to height 48 keeping its aspect
       (width capped at 320), (x/255 - 0.5)/0.5, zero-padded on the right to
       48x320.
  cls: the same line at 48x192.

Writes into tests/data/ocr/:
  det_image.npy   uint8 320x640x3: the resized page, before normalisation
                  (the 1x3x640x640 float input is 4.9 MB; tests rebuild it)
  rec_input.npy   float32 1x3x48x320
  cls_input.npy   float32 1x3x48x192
  det_output.npy  float32 1x1x640x640 (onnxruntime)
  rec_output.npy  float32 1x40x6625 (onnxruntime)
  cls_output.npy  float32 1x2 (onnxruntime)

Usage: /usr/bin/python3 tests/data/ocr/make_ocr_data.py [MODELS_DIR]
(MODELS_DIR defaults to third_party/ocr-models; tools/fetch_ocr_models.sh
fetches it; tools/ort needs `npm ci --ignore-scripts`.)
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "data", "ocr")
PAGE = "/usr/lib/python3/dist-packages/skimage/data/page.png"
# The title line "Region-based segmentation" in page.png (x0, y0, x1, y1).
LINE_BOX = (2, 6, 298, 40)
DET_SIZE = 640


def det_image(page):
    """The page resized as PP-OCR's DetResizeForTest does, as uint8 HxWx3."""
    w, h = page.size
    scale = DET_SIZE / max(w, h)
    rw = max(32, int(round(w * scale / 32)) * 32)
    rh = max(32, int(round(h * scale / 32)) * 32)
    return np.asarray(page.convert("RGB").resize((rw, rh), Image.BILINEAR))


def det_input(img):
    """uint8 HxWx3 -> float32 1x3x640x640, normalised and zero-padded."""
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)
    x = (img.astype(np.float32) / np.float32(255) - mean) / std
    out = np.zeros((1, 3, DET_SIZE, DET_SIZE), np.float32)
    out[0, :, :img.shape[0], :img.shape[1]] = x.transpose(2, 0, 1)
    return out


def line_input(crop, width):
    """A text line as PaddleOCR's resize_norm_img: float32 1x3x48xwidth."""
    w, h = crop.size
    rw = min(width, int(np.ceil(48 * w / h)))
    x = np.asarray(crop.convert("RGB").resize((rw, 48), Image.BILINEAR))
    x = (x.astype(np.float32) / np.float32(255) - np.float32(0.5)) / np.float32(0.5)
    out = np.zeros((1, 3, 48, width), np.float32)
    out[0, :, :, :rw] = x.transpose(2, 0, 1)
    return out


def run_ort(model, inp, name):
    """Runs tools/ort/run.mjs on one input; returns its only output."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "x.npy")
        np.save(src, inp)
        subprocess.run(["node", os.path.join(ROOT, "tools", "ort", "run.mjs"),
                        model, "--input", "x=" + src, "--output-dir", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        outs = [f for f in os.listdir(tmp) if f != "x.npy"]
        assert len(outs) == 1, outs
        shutil.copy(os.path.join(tmp, outs[0]), os.path.join(OUT, name))


def main():
    models = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "third_party", "ocr-models")
    page = Image.open(PAGE)
    img = det_image(page)
    np.save(os.path.join(OUT, "det_image.npy"), img)
    line = page.crop(LINE_BOX)
    rec = line_input(line, 320)
    cls = line_input(line, 192)
    np.save(os.path.join(OUT, "rec_input.npy"), rec)
    np.save(os.path.join(OUT, "cls_input.npy"), cls)
    run_ort(os.path.join(models, "ch_PP-OCRv4_det_infer.onnx"), det_input(img),
            "det_output.npy")
    run_ort(os.path.join(models, "ch_PP-OCRv4_rec_infer.onnx"), rec,
            "rec_output.npy")
    run_ort(os.path.join(models, "ch_ppocr_mobile_v2.0_cls_infer.onnx"), cls,
            "cls_output.npy")


if __name__ == "__main__":
    main()
