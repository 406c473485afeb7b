//===- tools/FashionMnist.h - gzip'd IDX files of Fashion-MNIST -*- C++ -*-===//
//
// Header-only reader for the IDX format of MNIST and Fashion-MNIST
// (http://yann.lecun.com/exdb/mnist/, section "FILE FORMATS FOR THE MNIST
// DATABASE"; https://github.com/zalandoresearch/fashion-mnist uses the same
// format). All integers in the header are 32-bit big-endian:
//   images: magic 2051 (0x00000803), count, rows, cols, then count*rows*cols
//           unsigned bytes (pixels, 0 = background), row-major;
//   labels: magic 2049 (0x00000801), count, then count unsigned bytes.
// Files are read through zlib's gzopen/gzread, which also accepts files that
// are not compressed. Header-only so that the demo program (tools/
// fashion_demo.cpp) and the unit tests share it without a library of its own;
// every user links zlib (LLVMSupport brings it along).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_FASHIONMNIST_H
#define TLC_TOOLS_FASHIONMNIST_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/Path.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace tlc {
namespace fashion {

/// IDX magic numbers (big-endian u32 at byte 0): 0x08 = unsigned byte data,
/// low byte = number of dimensions.
constexpr uint32_t kImagesMagic = 2051; // 0x00000803
constexpr uint32_t kLabelsMagic = 2049; // 0x00000801
/// Number of classes in (Fashion-)MNIST; labels must be below it.
constexpr unsigned kNumClasses = 10;
/// Largest decompressed file accepted, in bytes (the 60,000-image training
/// set is 47 MB); a guard against decompression bombs.
constexpr uint64_t kMaxFileBytes = uint64_t(1) << 30;

/// Decoded image file: \p count images of rows x cols unsigned bytes each,
/// row-major, image after image.
struct IdxImages {
  uint32_t count = 0;
  uint32_t rows = 0;
  uint32_t cols = 0;
  std::vector<uint8_t> pixels; // count * rows * cols bytes

  /// Pixels of image \p i (rows * cols bytes).
  llvm::ArrayRef<uint8_t> image(size_t i) const {
    size_t n = size_t(rows) * cols;
    return llvm::ArrayRef<uint8_t>(pixels).slice(i * n, n);
  }
};

/// Decoded label file: one class index (< kNumClasses) per item.
struct IdxLabels {
  std::vector<uint8_t> labels;
};

/// The Fashion-MNIST test split, images and labels checked to match.
struct TestSet {
  IdxImages images;
  IdxLabels labels;
};

/// Builds an error "<file>: byte <offset>: <message>".
inline llvm::Error idxError(llvm::StringRef file, uint64_t offset,
                            const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 llvm::Twine(file) + ": byte " +
                                     llvm::Twine(offset) + ": " + message);
}

/// Reads the whole of \p path, decompressing it when gzip'd. Errors when the
/// file cannot be opened, the stream is corrupt or truncated (zlib's message),
/// or it decompresses to more than kMaxFileBytes bytes.
inline llvm::Expected<std::vector<uint8_t>> readGzipFile(llvm::StringRef path) {
  std::string p = path.str();
  errno = 0;
  gzFile f = gzopen(p.c_str(), "rb");
  if (!f)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(), "%s: cannot open: %s", p.c_str(),
        errno ? std::strerror(errno) : "out of memory");
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  for (;;) {
    int n = gzread(f, chunk, sizeof(chunk));
    if (n < 0) {
      int code = 0;
      std::string msg = gzerror(f, &code);
      uint64_t at = bytes.size();
      gzclose(f);
      return idxError(path, at, "cannot decompress: " + msg);
    }
    if (n == 0)
      break;
    if (bytes.size() + uint64_t(n) > kMaxFileBytes) {
      gzclose(f);
      return idxError(path, kMaxFileBytes,
                      "file decompresses to more than " +
                          llvm::Twine(kMaxFileBytes) + " bytes");
    }
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  // gzread returns 0 both at a clean end and on a truncated gzip stream;
  // gzclose reports the latter as Z_BUF_ERROR.
  int rc = gzclose(f);
  if (rc != Z_OK)
    return idxError(path, bytes.size(),
                    "gzip stream is truncated or corrupt (zlib error " +
                        llvm::Twine(rc) + ")");
  return bytes;
}

/// Big-endian u32 at byte \p offset of \p bytes; the caller checked the size.
inline uint32_t readBigEndian32(llvm::ArrayRef<uint8_t> bytes, size_t offset) {
  return (uint32_t(bytes[offset]) << 24) | (uint32_t(bytes[offset + 1]) << 16) |
         (uint32_t(bytes[offset + 2]) << 8) | uint32_t(bytes[offset + 3]);
}

/// Parses an IDX image file held in \p bytes (decompressed); \p name is the
/// file name used in errors. Errors (with the byte offset) on a short header,
/// a magic other than 2051, a zero count/rows/cols, or a data size other than
/// count * rows * cols.
inline llvm::Expected<IdxImages> parseIdxImages(llvm::ArrayRef<uint8_t> bytes,
                                                llvm::StringRef name) {
  if (bytes.size() < 16)
    return idxError(name, bytes.size(),
                    "file ends inside the 16-byte IDX image header");
  uint32_t magic = readBigEndian32(bytes, 0);
  if (magic != kImagesMagic)
    return idxError(name, 0,
                    "IDX magic number is " + llvm::Twine(magic) +
                        ", expected " + llvm::Twine(kImagesMagic) +
                        " (unsigned-byte images, 3 dimensions)");
  IdxImages out;
  out.count = readBigEndian32(bytes, 4);
  out.rows = readBigEndian32(bytes, 8);
  out.cols = readBigEndian32(bytes, 12);
  if (out.count == 0)
    return idxError(name, 4, "image count is 0, expected at least 1");
  if (out.rows == 0 || out.rows > 4096)
    return idxError(name, 8, "row count is " + llvm::Twine(out.rows) +
                                 ", expected 1..4096");
  if (out.cols == 0 || out.cols > 4096)
    return idxError(name, 12, "column count is " + llvm::Twine(out.cols) +
                                  ", expected 1..4096");
  uint64_t want = uint64_t(out.count) * out.rows * out.cols;
  uint64_t have = bytes.size() - 16;
  if (have != want)
    return idxError(name, 16 + std::min(have, want),
                    "expected " + llvm::Twine(want) + " pixel bytes (" +
                        llvm::Twine(out.count) + " images of " +
                        llvm::Twine(out.rows) + "x" + llvm::Twine(out.cols) +
                        "), found " + llvm::Twine(have));
  out.pixels.assign(bytes.begin() + 16, bytes.end());
  return out;
}

/// Parses an IDX label file held in \p bytes (decompressed); \p name is the
/// file name used in errors. Errors (with the byte offset) on a short header,
/// a magic other than 2049, a zero count, a data size other than count, or a
/// label >= kNumClasses.
inline llvm::Expected<IdxLabels> parseIdxLabels(llvm::ArrayRef<uint8_t> bytes,
                                                llvm::StringRef name) {
  if (bytes.size() < 8)
    return idxError(name, bytes.size(),
                    "file ends inside the 8-byte IDX label header");
  uint32_t magic = readBigEndian32(bytes, 0);
  if (magic != kLabelsMagic)
    return idxError(name, 0,
                    "IDX magic number is " + llvm::Twine(magic) +
                        ", expected " + llvm::Twine(kLabelsMagic) +
                        " (unsigned-byte labels, 1 dimension)");
  uint32_t count = readBigEndian32(bytes, 4);
  if (count == 0)
    return idxError(name, 4, "label count is 0, expected at least 1");
  uint64_t have = bytes.size() - 8;
  if (have != count)
    return idxError(name, 8 + std::min<uint64_t>(have, count),
                    "expected " + llvm::Twine(count) + " label bytes, found " +
                        llvm::Twine(have));
  IdxLabels out;
  out.labels.assign(bytes.begin() + 8, bytes.end());
  for (size_t i = 0; i < out.labels.size(); ++i)
    if (out.labels[i] >= kNumClasses)
      return idxError(name, 8 + i,
                      "label " + llvm::Twine(unsigned(out.labels[i])) +
                          " of item " + llvm::Twine(i) + " is not below " +
                          llvm::Twine(kNumClasses));
  return out;
}

/// Reads t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from
/// \p dir. Errors from either file, or when their counts differ.
inline llvm::Expected<TestSet> loadTestSet(llvm::StringRef dir) {
  llvm::SmallString<256> imagesPath(dir), labelsPath(dir);
  llvm::sys::path::append(imagesPath, "t10k-images-idx3-ubyte.gz");
  llvm::sys::path::append(labelsPath, "t10k-labels-idx1-ubyte.gz");
  auto imageBytes = readGzipFile(imagesPath);
  if (!imageBytes)
    return imageBytes.takeError();
  auto images = parseIdxImages(*imageBytes, imagesPath);
  if (!images)
    return images.takeError();
  auto labelBytes = readGzipFile(labelsPath);
  if (!labelBytes)
    return labelBytes.takeError();
  auto labels = parseIdxLabels(*labelBytes, labelsPath);
  if (!labels)
    return labels.takeError();
  if (labels->labels.size() != images->count)
    return idxError(labelsPath, 4,
                    "holds " + llvm::Twine(labels->labels.size()) +
                        " labels but " + imagesPath + " holds " +
                        llvm::Twine(images->count) + " images");
  return TestSet{std::move(*images), std::move(*labels)};
}

} // namespace fashion
} // namespace tlc

#endif // TLC_TOOLS_FASHIONMNIST_H
