#!/usr/bin/env bash
# CTest check of ocr_example's pre- and post-processing without any model
# run: PNG decoding, the detector input, DB post-processing of onnxruntime's
# committed probability map for page.png (tests/data/ocr/det_output.npy),
# and the line crops. page.png has 7 text lines (title, five paragraph lines,
# one code line); the example must find exactly those, in a 1x3x48xW batch.
# Exits 77 (skipped) when the keys file or page.png is absent.
# Usage: check_postprocess.sh OCR_EXAMPLE SOURCE_DIR
set -euo pipefail
EXE="$1"
SRC="$2"
KEYS="$SRC/third_party/ocr-models/ppocr_keys_v1.txt"
PAGE=/usr/lib/python3/dist-packages/skimage/data/page.png
[ -f "$KEYS" ] || { echo "skipped: $KEYS is absent (tools/fetch_ocr_models.sh)"; exit 77; }
[ -f "$PAGE" ] || { echo "skipped: $PAGE is absent (apt-get install python3-skimage)"; exit 77; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$EXE" "$PAGE" --keys "$KEYS" --probability-map "$SRC/tests/data/ocr/det_output.npy" \
  --dump-lines "$TMP/lines" --dump-det-input "$TMP/det.npy" 2> "$TMP/log"
cat "$TMP/log"
grep -q "wrote 7 line inputs (1x3x48x768)" "$TMP/log"
[ "$(ls "$TMP/lines" | wc -l)" -eq 7 ]
# The detector input: 64-byte .npy header + 3x640x640 float32.
[ "$(stat -c %s "$TMP/det.npy")" -eq $((128 + 3 * 640 * 640 * 4)) ]
echo "ok: 7 lines"
