#!/usr/bin/env bash
# CTest check of the whole OCR example with tlc doing every inference: the
# text it prints for page.png must be identical to what the example prints
# with onnxruntime doing the inference (same pre- and post-processing), in
# both recognizer modes: every line padded to 768 pixels on a plan for that
# width (page_onnxruntime.txt), and each line at its own width on one plan
# for 32..1280 (page_onnxruntime_natural.txt, the example's default; written
# by bench/gpu/ranges.py, which runs onnxruntime's Python package on the GPU
# machine, since tools/ort cannot install without network access to nuget).
#
# The onnxruntime text is examples/ocr/page_onnxruntime.txt, written by
# running this script with --regenerate (needs node and tools/ort, see
# docs/ocr.md). When node and tools/ort/node_modules are present the script
# also re-runs onnxruntime and checks that it still prints that text.
# Without --cls: the example's onnxruntime pipeline has no classifier step,
# and the classifier (tlc and onnxruntime agree on it within 1.2e-6) finds
# some long lines of page.png upside down once squashed to 192 pixels
# (docs/ocr.md), so a run with --cls prints other text for both runtimes.
# Exits 77 (skipped) when the models or page.png are absent.
# Usage: check_ocr_tlc.sh OCR_EXAMPLE SOURCE_DIR [--regenerate]
set -euo pipefail
EXE="$1"
SRC="$2"
M="$SRC/third_party/ocr-models"
PAGE=/usr/lib/python3/dist-packages/skimage/data/page.png
EXPECTED="$SRC/examples/ocr/page_onnxruntime.txt"
for f in ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx \
         ch_ppocr_mobile_v2.0_cls_infer.onnx ppocr_keys_v1.txt; do
  [ -f "$M/$f" ] || { echo "skipped: $M/$f is absent (tools/fetch_ocr_models.sh)"; exit 77; }
done
[ -f "$PAGE" ] || { echo "skipped: $PAGE is absent (apt-get install python3-skimage)"; exit 77; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
E=("$EXE" "$PAGE" --keys "$M/ppocr_keys_v1.txt")

# The same pipeline with onnxruntime doing the inference (docs/ocr.md).
onnxruntime_text() {
  local run=(node "$SRC/tools/ort/run.mjs")
  "${E[@]}" --dump-det-input "$TMP/det_in.npy" 2>/dev/null
  "${run[@]}" "$M/ch_PP-OCRv4_det_infer.onnx" --input x="$TMP/det_in.npy" \
    --output-dir "$TMP/det" > /dev/null
  "${E[@]}" --probability-map "$TMP/det/sigmoid_0.tmp_0.npy" \
    --dump-lines "$TMP/lines" --rec-width 768 2>/dev/null
  mkdir -p "$TMP/scores"
  for f in "$TMP"/lines/*.npy; do
    "${run[@]}" "$M/ch_PP-OCRv4_rec_infer.onnx" --input x="$f" \
      --output-dir "$TMP/o" > /dev/null
    mv "$TMP/o/softmax_11.tmp_0.npy" "$TMP/scores/$(basename "$f")"
  done
  "${E[@]}" --probability-map "$TMP/det/sigmoid_0.tmp_0.npy" \
    --line-scores "$TMP/scores" --rec-width 768 2>/dev/null
}

if [ "${3:-}" = --regenerate ]; then
  onnxruntime_text > "$EXPECTED"
  echo "wrote $EXPECTED"; cat "$EXPECTED"; exit 0
fi
if command -v node > /dev/null && [ -d "$SRC/tools/ort/node_modules" ]; then
  onnxruntime_text > "$TMP/ort.txt"
  diff -u "$EXPECTED" "$TMP/ort.txt"
  echo "ok: onnxruntime prints $EXPECTED"
fi

# page_onnxruntime.txt was read with every line padded to the widest (768
# pixels), the example's default before one recognizer plan served every
# width; --rec-width 768 reproduces that input exactly.
"${E[@]}" --det "$M/ch_PP-OCRv4_det_infer.onnx" \
  --rec "$M/ch_PP-OCRv4_rec_infer.onnx" --rec-width 768 > "$TMP/tlc.txt"
cat "$TMP/tlc.txt"
diff -u "$EXPECTED" "$TMP/tlc.txt"
echo "ok: tlc prints the same $(wc -l < "$EXPECTED") lines as onnxruntime (lines padded to 768)"

# Each line at its own width, one recognizer plan for every width.
NATURAL="$SRC/examples/ocr/page_onnxruntime_natural.txt"
"${E[@]}" --det "$M/ch_PP-OCRv4_det_infer.onnx" \
  --rec "$M/ch_PP-OCRv4_rec_infer.onnx" > "$TMP/tlc_natural.txt"
cat "$TMP/tlc_natural.txt"
diff -u "$NATURAL" "$TMP/tlc_natural.txt"
echo "ok: tlc prints the same $(wc -l < "$NATURAL") lines as onnxruntime (each line at its width)"
