//===- examples/ocr/DbPostprocess.h - Text boxes from a DB map --*- C++ -*-===//
//
// Turns the probability map of a DB text detector (Liao et al., "Real-time
// Scene Text Detection with Differentiable Binarization", AAAI 2020) into
// text boxes, as PaddleOCR's DBPostProcess (ppocr/postprocess/
// db_postprocess.py) does, with axis-aligned boxes instead of minimum-area
// rotated rectangles (page text is upright):
//   1. binarise: p > threshold (0.3);
//   2. 8-connected components of the bitmap;
//   3. score: the mean probability of each component's pixels (as
//      PaddleOCR's score_mode "slow", which averages inside the contour: an
//      axis-aligned box around a slanted line would average in the
//      background); components under boxThreshold (0.6) or with a box side
//      under 3 pixels are dropped;
//   4. unclip: the shrunk kernel is grown back by d = area * ratio /
//      perimeter on every side (ratio 1.5; the paper's Eq. 10 with the
//      polygon's area and perimeter);
//   5. scaled from map to image pixels, clipped to the image, and sorted top
//      to bottom (lines within 10 image pixels vertically, left to right).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_EXAMPLES_OCR_DBPOSTPROCESS_H
#define TLC_EXAMPLES_OCR_DBPOSTPROCESS_H

#include <vector>

namespace ocr {

/// An axis-aligned box in image pixels, [x0, x1) x [y0, y1).
struct TextBox {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  float score = 0; // mean probability of the box, in [0, 1]
};

/// DB post-processing settings (PaddleOCR's defaults).
struct DbOptions {
  float threshold = 0.3f;
  float boxThreshold = 0.6f;
  float unclipRatio = 1.5f;
  int minSide = 3; // map pixels
};

/// Boxes from the probability map \p prob (mapHeight x mapWidth floats,
/// row-major) of which the top-left validWidth x validHeight region holds an
/// image of imageWidth x imageHeight pixels. Boxes are in image pixels,
/// sorted top to bottom.
std::vector<TextBox> boxesFromProbabilityMap(const std::vector<float> &prob,
                                             int mapWidth, int mapHeight,
                                             int validWidth, int validHeight,
                                             int imageWidth, int imageHeight,
                                             const DbOptions &opts = {});

} // namespace ocr

#endif // TLC_EXAMPLES_OCR_DBPOSTPROCESS_H
