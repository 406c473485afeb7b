//===- examples/ocr/Image.h - RGB images: PNG, crops, resize ---*- C++ -*-===//
//
// The OCR example's image type and the few operations PP-OCR's preprocessing
// needs: PNG decoding (libpng, any bit depth and colour type converted to
// 8-bit RGB), axis-aligned crops, bilinear resizing and 180-degree rotation.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_EXAMPLES_OCR_IMAGE_H
#define TLC_EXAMPLES_OCR_IMAGE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace ocr {

/// An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B.
struct RgbImage {
  int width = 0;            // pixels
  int height = 0;           // pixels
  std::vector<uint8_t> rgb; // height * width * 3 bytes

  uint8_t at(int y, int x, int c) const {
    return rgb[(size_t(y) * width + x) * 3 + c];
  }
};

/// Decodes the PNG file at \p path with libpng; gray, palette, 16-bit and
/// alpha images are converted to 8-bit RGB (alpha dropped). Errors name the
/// file and carry libpng's message (bad signature, CRC error, truncation).
llvm::Expected<RgbImage> readPng(llvm::StringRef path);

/// The pixels of [x0, x1) x [y0, y1), clamped to the image; an empty image
/// when the clamped box is empty.
RgbImage crop(const RgbImage &img, int x0, int y0, int x1, int y1);

/// Bilinear resize to \p width x \p height with half-pixel centres (as
/// OpenCV's INTER_LINEAR and PIL's BILINEAR when enlarging). Both must be
/// >= 1; \p img must be non-empty.
RgbImage resizeBilinear(const RgbImage &img, int width, int height);

/// The image turned by 180 degrees.
RgbImage rotate180(const RgbImage &img);

} // namespace ocr

#endif // TLC_EXAMPLES_OCR_IMAGE_H
