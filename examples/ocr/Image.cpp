//===- examples/ocr/Image.cpp - RGB images: PNG decoding, crops, resize ---===//
//
// PNG decoding follows libpng's manual (libpng-manual.txt, "Simplified API"):
// png_image_begin_read_from_file + png_image_finish_read with PNG_FORMAT_RGB,
// which handles every colour type and bit depth.
//
//===----------------------------------------------------------------------===//
#include "examples/ocr/Image.h"

#include <png.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <string>

using namespace llvm;

namespace ocr {

Expected<RgbImage> readPng(StringRef path) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  std::string p = path.str();
  if (!png_image_begin_read_from_file(&image, p.c_str()))
    return createStringError(inconvertibleErrorCode(),
                             "%s: not a readable PNG: %s", p.c_str(),
                             static_cast<const char *>(image.message));
  if (image.width == 0 || image.height == 0 || image.width > 65536 ||
      image.height > 65536) {
    png_image_free(&image);
    return createStringError(inconvertibleErrorCode(),
                             "%s: image size %ux%u is outside 1..65536",
                             p.c_str(), image.width, image.height);
  }
  image.format = PNG_FORMAT_RGB;
  RgbImage out;
  out.width = int(image.width);
  out.height = int(image.height);
  out.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, /*background=*/nullptr, out.rgb.data(),
                             /*row_stride=*/0, /*colormap=*/nullptr)) {
    std::string msg = image.message;
    png_image_free(&image);
    return createStringError(inconvertibleErrorCode(),
                             "%s: PNG decoding failed: %s", p.c_str(),
                             msg.c_str());
  }
  return out;
}

RgbImage crop(const RgbImage &img, int x0, int y0, int x1, int y1) {
  x0 = std::clamp(x0, 0, img.width);
  x1 = std::clamp(x1, 0, img.width);
  y0 = std::clamp(y0, 0, img.height);
  y1 = std::clamp(y1, 0, img.height);
  RgbImage out;
  if (x1 <= x0 || y1 <= y0)
    return out;
  out.width = x1 - x0;
  out.height = y1 - y0;
  out.rgb.resize(size_t(out.width) * out.height * 3);
  for (int y = 0; y < out.height; ++y)
    std::memcpy(&out.rgb[size_t(y) * out.width * 3],
                &img.rgb[(size_t(y0 + y) * img.width + x0) * 3],
                size_t(out.width) * 3);
  return out;
}

RgbImage resizeBilinear(const RgbImage &img, int width, int height) {
  assert(width >= 1 && height >= 1 && img.width >= 1 && img.height >= 1);
  RgbImage out;
  out.width = width;
  out.height = height;
  out.rgb.resize(size_t(width) * height * 3);
  float sx = float(img.width) / width, sy = float(img.height) / height;
  for (int y = 0; y < height; ++y) {
    float fy = std::max(0.0f, (y + 0.5f) * sy - 0.5f);
    int y0 = std::min(int(fy), img.height - 1),
        y1 = std::min(y0 + 1, img.height - 1);
    float wy = fy - y0;
    for (int x = 0; x < width; ++x) {
      float fx = std::max(0.0f, (x + 0.5f) * sx - 0.5f);
      int x0 = std::min(int(fx), img.width - 1),
          x1 = std::min(x0 + 1, img.width - 1);
      float wx = fx - x0;
      for (int c = 0; c < 3; ++c) {
        float top = img.at(y0, x0, c) * (1 - wx) + img.at(y0, x1, c) * wx;
        float bottom = img.at(y1, x0, c) * (1 - wx) + img.at(y1, x1, c) * wx;
        float v = top * (1 - wy) + bottom * wy;
        out.rgb[(size_t(y) * width + x) * 3 + c] =
            uint8_t(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

RgbImage rotate180(const RgbImage &img) {
  RgbImage out = img;
  size_t n = size_t(img.width) * img.height;
  for (size_t i = 0; i < n; ++i)
    std::memcpy(&out.rgb[i * 3], &img.rgb[(n - 1 - i) * 3], 3);
  return out;
}

} // namespace ocr
