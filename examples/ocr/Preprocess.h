//===- examples/ocr/Preprocess.h - PP-OCR input tensors ---------*- C++ -*-===//
//
// Builds the NCHW float tensors PP-OCR's models take, as PaddleOCR does
// (ppocr/data/imaug/operators.py DetResizeForTest and NormalizeImage;
// tools/infer/predict_rec.py resize_norm_img):
//   detection:   RGB/255 normalised with ImageNet's mean and std, the image
//                resized so that its longer side is the model side and both
//                sides multiples of 32, zero-padded at the bottom and right;
//   recognition and direction classification: a text line resized to height
//                48 keeping its aspect (width capped), (x/255 - 0.5)/0.5,
//                zero-padded on the right.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_EXAMPLES_OCR_PREPROCESS_H
#define TLC_EXAMPLES_OCR_PREPROCESS_H

#include "examples/ocr/Image.h"

#include <cstdint>
#include <vector>

namespace ocr {

/// A dense float tensor, row-major.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// The detection input and where the image lies in it.
struct DetInput {
  Tensor tensor;       // 1x3xSIDExSIDE
  int validWidth = 0;  // columns [0, validWidth) hold the resized image
  int validHeight = 0; // rows [0, validHeight) hold the resized image
};

/// The detection input of \p img for a square model input of \p side pixels
/// (a multiple of 32, e.g. 640).
DetInput makeDetInput(const RgbImage &img, int side);

/// The recognition (or classification) input of one text line: 1x3x48xwidth,
/// the line resized to height 48 and width min(\p width, ceil(48 * w / h)).
Tensor makeLineInput(const RgbImage &line, int width);

/// The width a line needs at height 48 without squeezing: ceil(48 * w / h).
int lineWidthAtHeight48(const RgbImage &line);

} // namespace ocr

#endif // TLC_EXAMPLES_OCR_PREPROCESS_H
