//===- examples/ocr/DbPostprocess.cpp - Text boxes from a DB map ----------===//
#include "examples/ocr/DbPostprocess.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>

namespace ocr {

namespace {

/// A component's bounding box in map pixels, inclusive, and the sum of the
/// probabilities of its pixels.
struct MapBox {
  int x0, y0, x1, y1;
  double sum = 0;
  int64_t pixels = 0;
};

/// Bounding boxes of the 8-connected components of prob > threshold within
/// the valid region (iterative flood fill; no recursion on large blobs).
std::vector<MapBox> components(const std::vector<float> &prob, int mapWidth,
                               int validWidth, int validHeight,
                               float threshold) {
  std::vector<uint8_t> seen(size_t(validWidth) * validHeight, 0);
  std::vector<MapBox> boxes;
  std::vector<int> stack;
  auto on = [&](int x, int y) {
    return prob[size_t(y) * mapWidth + x] > threshold;
  };
  for (int y = 0; y < validHeight; ++y)
    for (int x = 0; x < validWidth; ++x) {
      if (seen[size_t(y) * validWidth + x] || !on(x, y))
        continue;
      MapBox b{x, y, x, y, 0.0, 0};
      seen[size_t(y) * validWidth + x] = 1;
      stack.push_back(y * validWidth + x);
      while (!stack.empty()) {
        int cy = stack.back() / validWidth, cx = stack.back() % validWidth;
        stack.pop_back();
        b.sum += prob[size_t(cy) * mapWidth + cx];
        ++b.pixels;
        b.x0 = std::min(b.x0, cx);
        b.x1 = std::max(b.x1, cx);
        b.y0 = std::min(b.y0, cy);
        b.y1 = std::max(b.y1, cy);
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            int nx = cx + dx, ny = cy + dy;
            if (nx < 0 || ny < 0 || nx >= validWidth || ny >= validHeight)
              continue;
            size_t k = size_t(ny) * validWidth + nx;
            if (seen[k] || !on(nx, ny))
              continue;
            seen[k] = 1;
            stack.push_back(ny * validWidth + nx);
          }
      }
      boxes.push_back(b);
    }
  return boxes;
}

} // namespace

std::vector<TextBox> boxesFromProbabilityMap(const std::vector<float> &prob,
                                             int mapWidth, int mapHeight,
                                             int validWidth, int validHeight,
                                             int imageWidth, int imageHeight,
                                             const DbOptions &opts) {
  assert(prob.size() == size_t(mapWidth) * mapHeight);
  validWidth = std::clamp(validWidth, 0, mapWidth);
  validHeight = std::clamp(validHeight, 0, mapHeight);
  std::vector<TextBox> out;
  if (validWidth == 0 || validHeight == 0)
    return out;
  float sx = float(imageWidth) / validWidth,
        sy = float(imageHeight) / validHeight;
  for (const MapBox &b :
       components(prob, mapWidth, validWidth, validHeight, opts.threshold)) {
    int w = b.x1 - b.x0 + 1, h = b.y1 - b.y0 + 1;
    if (std::min(w, h) < opts.minSide)
      continue;
    float score = float(b.sum / double(b.pixels));
    if (score < opts.boxThreshold)
      continue;
    // Unclip: grow by d = A * r / L (DB paper, Eq. 10).
    double d = double(w) * h * opts.unclipRatio / (2.0 * (w + h));
    if (std::min(w, h) + 2 * d < opts.minSide + 2)
      continue;
    TextBox t;
    t.x0 = std::clamp(int(std::floor((b.x0 - d) * sx)), 0, imageWidth);
    t.x1 = std::clamp(int(std::ceil((b.x1 + 1 + d) * sx)), 0, imageWidth);
    t.y0 = std::clamp(int(std::floor((b.y0 - d) * sy)), 0, imageHeight);
    t.y1 = std::clamp(int(std::ceil((b.y1 + 1 + d) * sy)), 0, imageHeight);
    t.score = score;
    if (t.x1 > t.x0 && t.y1 > t.y0)
      out.push_back(t);
  }
  // Top to bottom; boxes on one line (tops within 10 px) left to right, as
  // PaddleOCR's sorted_boxes.
  std::sort(out.begin(), out.end(), [](const TextBox &a, const TextBox &b) {
    return a.y0 != b.y0 ? a.y0 < b.y0 : a.x0 < b.x0;
  });
  for (size_t i = 1; i < out.size(); ++i)
    for (size_t j = i; j > 0 && std::abs(out[j].y0 - out[j - 1].y0) < 10 &&
                       out[j].x0 < out[j - 1].x0;
         --j)
      std::swap(out[j], out[j - 1]);
  return out;
}

} // namespace ocr
