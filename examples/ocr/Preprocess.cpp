//===- examples/ocr/Preprocess.cpp - PP-OCR input tensors -----------------===//
#include "examples/ocr/Preprocess.h"

#include <algorithm>
#include <cmath>

namespace ocr {

DetInput makeDetInput(const RgbImage &img, int side) {
  // ImageNet statistics, as PP-OCR's NormalizeImage defaults.
  static const float kMean[3] = {0.485f, 0.456f, 0.406f};
  static const float kStd[3] = {0.229f, 0.224f, 0.225f};
  float scale = float(side) / std::max(img.width, img.height);
  auto round32 = [&](int v) {
    return std::clamp(int(std::lround(v * scale / 32.0f)) * 32, 32, side);
  };
  DetInput in;
  in.validWidth = round32(img.width);
  in.validHeight = round32(img.height);
  RgbImage r = resizeBilinear(img, in.validWidth, in.validHeight);
  in.tensor.shape = {1, 3, side, side};
  in.tensor.data.assign(size_t(3) * side * side, 0.0f);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < r.height; ++y)
      for (int x = 0; x < r.width; ++x)
        in.tensor.data[(size_t(c) * side + y) * side + x] =
            (r.at(y, x, c) / 255.0f - kMean[c]) / kStd[c];
  return in;
}

int lineWidthAtHeight48(const RgbImage &line) {
  return int(std::ceil(48.0 * line.width / line.height));
}

Tensor makeLineInput(const RgbImage &line, int width) {
  int rw = std::clamp(lineWidthAtHeight48(line), 1, width);
  RgbImage r = resizeBilinear(line, rw, 48);
  Tensor t;
  t.shape = {1, 3, 48, width};
  t.data.assign(size_t(3) * 48 * width, 0.0f);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 48; ++y)
      for (int x = 0; x < rw; ++x)
        t.data[(size_t(c) * 48 + y) * width + x] =
            (r.at(y, x, c) / 255.0f - 0.5f) / 0.5f;
  return t;
}

} // namespace ocr
