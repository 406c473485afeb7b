//===- tests/unit/FashionMnistTest.cpp - The Fashion-MNIST model and data -===//
//
// Checks, in order of independence from tlc:
//   1. the IDX reader of the demo (tools/FashionMnist.h) on good and bad files;
//   2. the committed PyTorch reference data (tests/data/fashion_*.npy) is
//      well formed and consistent with the dataset and with itself;
//   3. the committed weights (models/fashion_cnn.safetensors) reproduce the
//      PyTorch logits through a naive CPU forward pass written here;
//   4. the model compiled by tlc's pipeline and run on the default Vulkan
//      device reproduces the PyTorch logits (relative L2 <= 1e-4, same argmax
//      on >= 255 of 256 images) with no validation-layer message.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"
#include "ir/Npy.h"
#include "ir/Safetensors.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"
#include "tools/FashionMnist.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

using namespace llvm;
using namespace tlc;

namespace {

constexpr const char *kDatasetDir = "/usr/share/datasets/fashion-mnist";
constexpr int64_t kRefImages = 256;

std::string sourcePath(StringRef rel) {
  SmallString<256> p(TLC_SOURCE_DIR);
  sys::path::append(p, rel);
  return std::string(p);
}

std::string errorText(Error e) { return toString(std::move(e)); }

/// Elements of \p bytes as T (little-endian host assumed, as tlc does).
template <typename T> std::vector<T> elementsAs(ArrayRef<uint8_t> bytes) {
  std::vector<T> v(bytes.size() / sizeof(T));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
  return v;
}

//===----------------------------------------------------------------------===//
// A naive CPU forward pass of the network in models/fashion_cnn.yaml, written
// here independently of tlc's ops (ONNX semantics: Conv with pads 1, MaxPool
// 2x2 stride 2, Flatten axis 1, Gemm with transB = 1).
//===----------------------------------------------------------------------===//

/// A weight as f32 values with its dims.
struct Weight {
  Shape shape;
  std::vector<float> data;
};

/// x [C,H,W] -> [F,H,W]; w [F,C,3,3], zero padding 1, stride 1.
std::vector<float> conv3x3(const std::vector<float> &x, int64_t c, int64_t h,
                           int64_t wd, const Weight &w, const Weight &b) {
  int64_t f = w.shape[0];
  std::vector<float> y(size_t(f * h * wd));
  for (int64_t o = 0; o < f; ++o)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < wd; ++j) {
        double acc = b.data[size_t(o)];
        for (int64_t k = 0; k < c; ++k)
          for (int64_t di = 0; di < 3; ++di)
            for (int64_t dj = 0; dj < 3; ++dj) {
              int64_t yi = i + di - 1, xj = j + dj - 1;
              if (yi < 0 || yi >= h || xj < 0 || xj >= wd)
                continue;
              acc += double(x[size_t((k * h + yi) * wd + xj)]) *
                     w.data[size_t(((o * c + k) * 3 + di) * 3 + dj)];
            }
        y[size_t((o * h + i) * wd + j)] = float(acc);
      }
  return y;
}

/// Relu then 2x2 max pool stride 2: [C,H,W] -> [C,H/2,W/2].
std::vector<float> reluPool(const std::vector<float> &x, int64_t c, int64_t h,
                            int64_t w) {
  std::vector<float> y(size_t(c * (h / 2) * (w / 2)));
  for (int64_t k = 0; k < c; ++k)
    for (int64_t i = 0; i < h / 2; ++i)
      for (int64_t j = 0; j < w / 2; ++j) {
        float m = 0.0f; // relu(max) == max(relu)
        for (int64_t di = 0; di < 2; ++di)
          for (int64_t dj = 0; dj < 2; ++dj)
            m = std::max(m, x[size_t((k * h + 2 * i + di) * w + 2 * j + dj)]);
        y[size_t((k * (h / 2) + i) * (w / 2) + j)] = m;
      }
  return y;
}

/// y = x W^T + b for W [out,in].
std::vector<float> gemmTransB(const std::vector<float> &x, const Weight &w,
                              const Weight &b, bool relu) {
  int64_t out = w.shape[0], in = w.shape[1];
  std::vector<float> y(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    double acc = b.data[size_t(o)];
    for (int64_t i = 0; i < in; ++i)
      acc += double(x[size_t(i)]) * w.data[size_t(o * in + i)];
    y[size_t(o)] = relu ? std::max(float(acc), 0.0f) : float(acc);
  }
  return y;
}

/// Logits [10] of one image [1,28,28].
std::vector<float> naiveForward(std::map<std::string, Weight> &wt,
                                const float *image) {
  std::vector<float> x(image, image + 28 * 28);
  x = reluPool(conv3x3(x, 1, 28, 28, wt["conv1.weight"], wt["conv1.bias"]),
               16, 28, 28);
  x = reluPool(conv3x3(x, 16, 14, 14, wt["conv2.weight"], wt["conv2.bias"]),
               32, 14, 14);
  x = gemmTransB(x, wt["fc1.weight"], wt["fc1.bias"], /*relu=*/true);
  return gemmTransB(x, wt["fc2.weight"], wt["fc2.bias"], /*relu=*/false);
}

double relativeL2(ArrayRef<float> a, ArrayRef<float> b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

unsigned argmax10(const float *v) {
  unsigned best = 0;
  for (unsigned k = 1; k < 10; ++k)
    if (v[k] > v[best])
      best = k;
  return best;
}

/// Same argmax count over rows of 10.
unsigned sameArgmax(ArrayRef<float> a, ArrayRef<float> b) {
  unsigned same = 0;
  for (size_t r = 0; r + 10 <= a.size(); r += 10)
    same += argmax10(a.data() + r) == argmax10(b.data() + r);
  return same;
}

/// The reference files, loaded once per test.
struct RefData {
  NpyArray images, logits, pred;
};

Expected<RefData> loadRefData() {
  RefData d;
  auto images = readNpy(sourcePath("tests/data/fashion_ref_images.npy"));
  if (!images)
    return images.takeError();
  auto logits = readNpy(sourcePath("tests/data/fashion_ref_logits.npy"));
  if (!logits)
    return logits.takeError();
  auto pred = readNpy(sourcePath("tests/data/fashion_torch_pred.npy"));
  if (!pred)
    return pred.takeError();
  d.images = std::move(*images);
  d.logits = std::move(*logits);
  d.pred = std::move(*pred);
  return d;
}

/// Writes \p bytes gzip'd to a new temporary file and returns its path.
std::string writeTempGzip(ArrayRef<uint8_t> bytes) {
  SmallString<128> path;
  EXPECT_FALSE(sys::fs::createTemporaryFile("fashion-idx", "gz", path));
  gzFile f = gzopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  if (!bytes.empty()) {
    EXPECT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())),
              int(bytes.size()));
  }
  gzclose(f);
  return std::string(path);
}

std::vector<uint8_t> idxHeader(std::initializer_list<uint32_t> words) {
  std::vector<uint8_t> out;
  for (uint32_t w : words)
    for (int s = 24; s >= 0; s -= 8)
      out.push_back(uint8_t(w >> s));
  return out;
}

} // namespace

//===----------------------------------------------------------------------===//
// 1. IDX reader
//===----------------------------------------------------------------------===//

TEST(FashionIdx, ParsesImagesAndLabels) {
  std::vector<uint8_t> img = idxHeader({2051, 2, 2, 3});
  for (uint8_t v = 0; v < 12; ++v)
    img.push_back(v * 20);
  auto images = fashion::parseIdxImages(img, "img");
  ASSERT_TRUE(bool(images)) << errorText(images.takeError());
  EXPECT_EQ(images->count, 2u);
  EXPECT_EQ(images->rows, 2u);
  EXPECT_EQ(images->cols, 3u);
  EXPECT_EQ(images->image(1)[0], 120);

  std::vector<uint8_t> lab = idxHeader({2049, 3});
  lab.insert(lab.end(), {0, 9, 4});
  auto labels = fashion::parseIdxLabels(lab, "lab");
  ASSERT_TRUE(bool(labels)) << errorText(labels.takeError());
  EXPECT_EQ(labels->labels, (std::vector<uint8_t>{0, 9, 4}));
}

TEST(FashionIdx, RejectsBadFilesWithOffsets) {
  // Wrong magic: a label file given as an image file.
  std::vector<uint8_t> lab = idxHeader({2049, 1, 1, 1});
  auto e1 = fashion::parseIdxImages(lab, "x.idx");
  ASSERT_FALSE(bool(e1));
  std::string m1 = errorText(e1.takeError());
  EXPECT_NE(m1.find("x.idx: byte 0:"), std::string::npos) << m1;
  EXPECT_NE(m1.find("2051"), std::string::npos) << m1;

  // Truncated pixel data.
  std::vector<uint8_t> img = idxHeader({2051, 2, 28, 28});
  img.resize(16 + 28 * 28 + 5);
  auto e2 = fashion::parseIdxImages(img, "t.idx");
  ASSERT_FALSE(bool(e2));
  std::string m2 = errorText(e2.takeError());
  EXPECT_NE(m2.find("byte 805"), std::string::npos) << m2;
  EXPECT_NE(m2.find("1568 pixel bytes"), std::string::npos) << m2;

  // Short header, zero count, label out of range, trailing bytes.
  auto e3 = fashion::parseIdxImages(ArrayRef<uint8_t>(img).take_front(7), "s");
  EXPECT_NE(errorText(e3.takeError()).find("byte 7"), std::string::npos);
  auto e4 = fashion::parseIdxLabels(idxHeader({2049, 0}), "z");
  EXPECT_NE(errorText(e4.takeError()).find("byte 4"), std::string::npos);
  std::vector<uint8_t> badLab = idxHeader({2049, 2});
  badLab.insert(badLab.end(), {3, 10});
  auto e5 = fashion::parseIdxLabels(badLab, "l");
  EXPECT_NE(errorText(e5.takeError()).find("byte 9"), std::string::npos);
  badLab.back() = 1;
  badLab.push_back(0);
  auto e6 = fashion::parseIdxLabels(badLab, "l");
  EXPECT_NE(errorText(e6.takeError()).find("found 3"), std::string::npos);
}

TEST(FashionIdx, ReadsGzipAndRejectsTruncatedStreams) {
  std::vector<uint8_t> payload = idxHeader({2049, 1000});
  for (unsigned i = 0; i < 1000; ++i)
    payload.push_back(uint8_t(i % 10));
  std::string path = writeTempGzip(payload);
  auto bytes = fashion::readGzipFile(path);
  ASSERT_TRUE(bool(bytes)) << errorText(bytes.takeError());
  EXPECT_EQ(*bytes, payload);

  // Cut the compressed file in half: zlib must report it.
  {
    auto whole = MemoryBuffer::getFile(path);
    ASSERT_TRUE(bool(whole));
    StringRef half = (*whole)->getBuffer();
    half = half.take_front(half.size() / 2);
    std::error_code ec;
    raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << half;
  }
  auto cut = fashion::readGzipFile(path);
  ASSERT_FALSE(bool(cut));
  std::string m = errorText(cut.takeError());
  EXPECT_NE(m.find(path), std::string::npos) << m;
  sys::fs::remove(path);

  auto missing = fashion::readGzipFile("/nonexistent/t10k.gz");
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(errorText(missing.takeError()).find("/nonexistent/t10k.gz"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// 2. Reference data
//===----------------------------------------------------------------------===//

TEST(FashionReference, FilesHaveTheDocumentedShapes) {
  auto ref = loadRefData();
  ASSERT_TRUE(bool(ref)) << errorText(ref.takeError());
  EXPECT_EQ(ref->images.dtype, NpyDType::F32);
  EXPECT_EQ(ref->images.shape, (Shape{kRefImages, 1, 28, 28}));
  EXPECT_EQ(ref->logits.dtype, NpyDType::F32);
  EXPECT_EQ(ref->logits.shape, (Shape{kRefImages, 10}));
  EXPECT_EQ(ref->pred.dtype, NpyDType::I32);
  EXPECT_EQ(ref->pred.shape, (Shape{10000}));

  // Images are pixels / 255: in [0, 1] and on the 1/255 grid.
  for (float v : elementsAs<float>(ref->images.bytes)) {
    ASSERT_GE(v, 0.0f);
    ASSERT_LE(v, 1.0f);
    float q = std::round(v * 255.0f);
    ASSERT_EQ(v, q / 255.0f);
  }
  // The stored predictions of the first 256 images are the logits' argmax.
  std::vector<float> logits = elementsAs<float>(ref->logits.bytes);
  std::vector<int32_t> pred = elementsAs<int32_t>(ref->pred.bytes);
  for (int64_t i = 0; i < kRefImages; ++i)
    EXPECT_EQ(int32_t(argmax10(logits.data() + i * 10)), pred[size_t(i)])
        << "image " << i;
  for (int32_t p : pred)
    ASSERT_TRUE(p >= 0 && p < 10) << p;
}

TEST(FashionReference, MatchesTheDatasetAndReachesTheDocumentedAccuracy) {
  if (!sys::fs::exists(kDatasetDir))
    GTEST_SKIP() << kDatasetDir << " is not installed";
  auto ref = loadRefData();
  ASSERT_TRUE(bool(ref)) << errorText(ref.takeError());
  auto test = fashion::loadTestSet(kDatasetDir);
  ASSERT_TRUE(bool(test)) << errorText(test.takeError());
  ASSERT_EQ(test->images.count, 10000u);

  // The reference images are the first 256 test images, divided by 255.
  std::vector<float> images = elementsAs<float>(ref->images.bytes);
  for (size_t i = 0; i < images.size(); ++i)
    ASSERT_EQ(images[i], float(test->images.pixels[i]) / 255.0f) << i;

  // PyTorch's predictions reach the accuracy docs/training.md promises.
  std::vector<int32_t> pred = elementsAs<int32_t>(ref->pred.bytes);
  size_t correct = 0;
  for (size_t i = 0; i < pred.size(); ++i)
    correct += pred[i] == int32_t(test->labels.labels[i]);
  EXPECT_GE(double(correct) / double(pred.size()), 0.91);
}

//===----------------------------------------------------------------------===//
// 3. Weights against the logits, through a naive forward pass
//===----------------------------------------------------------------------===//

TEST(FashionReference, WeightsReproduceLogitsOnTheCpu) {
  auto ref = loadRefData();
  ASSERT_TRUE(bool(ref)) << errorText(ref.takeError());
  auto file = readSafetensors(sourcePath("models/fashion_cnn.safetensors"));
  ASSERT_TRUE(bool(file)) << errorText(file.takeError());
  std::map<std::string, Weight> weights;
  for (const SafetensorsTensor &t : file->tensors) {
    ASSERT_EQ(t.dtype, DType::F32) << t.name;
    weights[t.name] = Weight{t.shape, elementsAs<float>(t.data)};
  }
  const std::map<std::string, Shape> expected = {
      {"conv1.weight", {16, 1, 3, 3}}, {"conv1.bias", {16}},
      {"conv2.weight", {32, 16, 3, 3}}, {"conv2.bias", {32}},
      {"fc1.weight", {128, 1568}},     {"fc1.bias", {128}},
      {"fc2.weight", {10, 128}},       {"fc2.bias", {10}}};
  ASSERT_EQ(weights.size(), expected.size());
  for (const auto &[name, shape] : expected) {
    auto it = weights.find(name);
    ASSERT_NE(it, weights.end()) << name;
    EXPECT_EQ(it->second.shape, shape) << name;
  }

  std::vector<float> images = elementsAs<float>(ref->images.bytes);
  std::vector<float> logits = elementsAs<float>(ref->logits.bytes);
  std::vector<float> mine;
  for (int64_t i = 0; i < kRefImages; ++i) {
    std::vector<float> l = naiveForward(weights, images.data() + i * 784);
    mine.insert(mine.end(), l.begin(), l.end());
  }
  EXPECT_LE(relativeL2(mine, logits), 1e-5);
  EXPECT_EQ(sameArgmax(mine, logits), unsigned(kRefImages));
}

//===----------------------------------------------------------------------===//
// 4. The compiled model on the device
//===----------------------------------------------------------------------===//

TEST(FashionModel, CompiledPlanReproducesPyTorchLogits) {
  auto ref = loadRefData();
  ASSERT_TRUE(bool(ref)) << errorText(ref.takeError());

  ModelParseOptions parse;
  parse.inputShapes["image"] = Shape{kRefImages, 1, 28, 28};
  auto compiled = compileModelFile(sourcePath("models/fashion_cnn.yaml"),
                                   parse, CompileOptions());
  ASSERT_TRUE(bool(compiled)) << errorText(compiled.takeError());

  // Through the .tlp format, as `make run` does.
  SmallString<128> planPath;
  ASSERT_FALSE(sys::fs::createTemporaryFile("fashion_cnn", "tlp", planPath));
  ASSERT_FALSE(bool(writePlanFile(*compiled, planPath)));
  auto plan = readPlanFile(planPath);
  sys::fs::remove(planPath);
  ASSERT_TRUE(bool(plan)) << errorText(plan.takeError());
  ASSERT_EQ(plan->inputs.size(), 1u);
  ASSERT_EQ(plan->outputs.size(), 1u);

  DeviceOptions devOpts;
  devOpts.validation = true;
  auto device = Device::create(devOpts);
  ASSERT_TRUE(bool(device)) << errorText(device.takeError());
  auto loaded = LoadedPlan::load(**device, *plan);
  ASSERT_TRUE(bool(loaded)) << errorText(loaded.takeError());

  Error setErr = (*loaded)->setInput(0, ref->images.bytes);
  ASSERT_FALSE(bool(setErr)) << errorText(std::move(setErr));
  Error runErr = (*loaded)->run();
  ASSERT_FALSE(bool(runErr)) << errorText(std::move(runErr));
  ArrayRef<uint8_t> out = (*loaded)->output(0);
  ASSERT_EQ(out.size(), ref->logits.bytes.size());
  std::vector<float> logits(out.size() / sizeof(float));
  std::memcpy(logits.data(), out.data(), out.size());

  std::vector<float> torchLogits = elementsAs<float>(ref->logits.bytes);
  EXPECT_LE(relativeL2(logits, torchLogits), 1e-4);
  EXPECT_GE(sameArgmax(logits, torchLogits), unsigned(kRefImages - 1));
  EXPECT_EQ((*device)->counters().validationMessages, 0u);
}
