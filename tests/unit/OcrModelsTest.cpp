//===- tests/unit/OcrModelsTest.cpp - PP-OCR models against onnxruntime ---===//
//
// The three PP-OCR models (tools/fetch_ocr_models.sh) compiled by tlc at
// fixed shapes and run on the default Vulkan device, compared with
// onnxruntime's outputs on the same inputs (tests/data/ocr/, made by
// tests/data/ocr/make_ocr_data.py from scikit-image's page.png):
//   det  ch_PP-OCRv4_det_infer           x: 1x3x640x640 -> 1x1x640x640
//   rec  ch_PP-OCRv4_rec_infer           x: 1x3x48x320  -> 1x40x6625
//   cls  ch_ppocr_mobile_v2.0_cls_infer  x: 1x3x48x192  -> 1x2
// Tolerance: relative L2 <= 1e-4 and max absolute error <= 1e-3.
//
// The models are not in the repository: every test skips, saying why, when
// third_party/ocr-models is absent, so that no test needs the network.
//
// The detector (opset 11) needs the importer's handling of omitted inputs
// (its Resize nodes pass an empty roi); the recognizer and classifier
// (opset 9) its rewrite of the old Softmax before the version converter.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"
#include "ir/Npy.h"
#include "ir/onnx/OnnxImporter.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace tlc;
using namespace llvm;

namespace {

std::string dataPath(StringRef name) {
  return (Twine(TLC_SOURCE_DIR) + "/tests/data/ocr/" + name).str();
}

std::string modelsDir() {
  return (Twine(TLC_SOURCE_DIR) + "/third_party/ocr-models").str();
}

std::string modelPath(StringRef name) { return modelsDir() + "/" + name.str(); }

/// Why the OCR tests cannot run here, or "" when they can.
std::string missingModels() {
  for (const char *f :
       {"ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx",
        "ch_ppocr_mobile_v2.0_cls_infer.onnx", "ppocr_keys_v1.txt"})
    if (!sys::fs::exists(modelPath(f)))
      return modelPath(f) + " is absent (run tools/fetch_ocr_models.sh)";
  return "";
}

std::vector<float> floats(const NpyArray &a) {
  std::vector<float> f(a.bytes.size() / 4);
  std::memcpy(f.data(), a.bytes.data(), f.size() * 4);
  return f;
}

double relativeL2(const std::vector<float> &a, const std::vector<float> &b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += double(a[i] - b[i]) * (a[i] - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

double maxAbsDiff(const std::vector<float> &a, const std::vector<float> &b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    m = std::max(m, double(std::fabs(a[i] - b[i])));
  return m;
}

/// The detector input: det_image.npy (uint8 HxWx3, the page resized) as
/// make_ocr_data.py's det_input does it, in float32: (x/255 - mean) / std,
/// NCHW, zero-padded to 640x640.
std::vector<float> detInput(const NpyArray &img) {
  const float mean[3] = {0.485f, 0.456f, 0.406f};
  const float stdev[3] = {0.229f, 0.224f, 0.225f};
  int64_t h = img.shape[0], w = img.shape[1];
  std::vector<float> x(size_t(3) * 640 * 640, 0.0f);
  for (int c = 0; c < 3; ++c)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t i = 0; i < w; ++i)
        x[(size_t(c) * 640 + y) * 640 + i] =
            (float(img.bytes[(y * w + i) * 3 + c]) / 255.0f - mean[c]) /
            stdev[c];
  return x;
}

/// Imports, compiles and runs \p model (a name in third_party/ocr-models, or
/// an absolute path) with input x of \p shape on the default device
/// (validation on); returns output 0.
void compileAndRun(StringRef model, const Shape &shape,
                   const std::vector<float> &input, std::vector<float> &out) {
  ModelParseOptions parse;
  parse.inputShapes["x"] = shape;
  std::string path =
      sys::path::is_absolute(model) ? model.str() : modelPath(model);
  Expected<Graph> g = importOnnxFile(path, parse);
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  Expected<Plan> plan = compileGraph(std::move(*g), CompileOptions());
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  ASSERT_EQ(plan->inputs.size(), 1u);
  DeviceOptions opts;
  opts.validation = true;
  auto device = Device::create(opts);
  ASSERT_TRUE(bool(device)) << toString(device.takeError());
  auto loaded = LoadedPlan::load(**device, *plan);
  ASSERT_TRUE(bool(loaded)) << toString(loaded.takeError());
  Error setErr = (*loaded)->setInput(
      0, ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(input.data()),
                           input.size() * 4));
  ASSERT_FALSE(bool(setErr)) << toString(std::move(setErr));
  Error runErr = (*loaded)->run();
  ASSERT_FALSE(bool(runErr)) << toString(std::move(runErr));
  ArrayRef<uint8_t> bytes = (*loaded)->output(0);
  out.resize(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  EXPECT_EQ((*device)->counters().validationMessages, 0u);
}

/// Compares tlc's output of \p model on \p input with onnxruntime's
/// \p reference .npy.
void checkModel(StringRef model, const Shape &shape,
                const std::vector<float> &input, StringRef reference) {
  Expected<NpyArray> ref = readNpy(dataPath(reference));
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  std::vector<float> want = floats(*ref), got;
  compileAndRun(model, shape, input, got);
  if (::testing::Test::HasFatalFailure())
    return;
  ASSERT_EQ(got.size(), want.size());
  double rel = relativeL2(got, want), maxAbs = maxAbsDiff(got, want);
  std::printf("%s: relative L2 %.3g, max abs %.3g against onnxruntime\n",
              model.str().c_str(), rel, maxAbs);
  EXPECT_LE(rel, 1e-4);
  EXPECT_LE(maxAbs, 1e-3);
}

/// Greedy CTC decoding (blank 0, keys 1..N, space N+1), independent of the
/// example's decoder.
std::string ctcDecode(const std::vector<float> &p, size_t steps, size_t classes,
                      const std::vector<std::string> &keys) {
  std::string text;
  size_t prev = 0;
  for (size_t t = 0; t < steps; ++t) {
    size_t best = 0;
    for (size_t c = 0; c < classes; ++c)
      if (p[t * classes + c] > p[t * classes + best])
        best = c;
    if (best != 0 && best != prev)
      text += best <= keys.size() ? keys[best - 1] : std::string(" ");
    prev = best;
  }
  return text;
}

// The committed onnxruntime outputs say what the page says: the recognizer
// reads the title line, the classifier finds it upright, the detector marks
// its text and nothing in the zero padding.
TEST(OcrModels, ReferenceOutputsAreMeaningful) {
  std::string missing = missingModels();
  if (!missing.empty())
    GTEST_SKIP() << missing;
  auto keysBuf = MemoryBuffer::getFile(modelPath("ppocr_keys_v1.txt"));
  ASSERT_TRUE(bool(keysBuf));
  std::vector<std::string> keys;
  SmallVector<StringRef, 0> lines;
  (*keysBuf)->getBuffer().split(lines, '\n', -1, false);
  for (StringRef l : lines)
    keys.push_back(l.rtrim('\r').str());
  ASSERT_EQ(keys.size(), 6623u);

  Expected<NpyArray> rec = readNpy(dataPath("rec_output.npy"));
  ASSERT_TRUE(bool(rec)) << toString(rec.takeError());
  ASSERT_EQ(rec->shape, Shape({1, 40, 6625}));
  EXPECT_EQ(ctcDecode(floats(*rec), 40, 6625, keys),
            "Region-based segmentation");

  Expected<NpyArray> cls = readNpy(dataPath("cls_output.npy"));
  ASSERT_TRUE(bool(cls)) << toString(cls.takeError());
  ASSERT_EQ(cls->shape, Shape({1, 2}));
  EXPECT_GT(floats(*cls)[0], 0.9f);

  Expected<NpyArray> det = readNpy(dataPath("det_output.npy"));
  ASSERT_TRUE(bool(det)) << toString(det.takeError());
  ASSERT_EQ(det->shape, Shape({1, 1, 640, 640}));
  std::vector<float> p = floats(*det);
  size_t text = 0, padText = 0;
  for (size_t y = 0; y < 640; ++y)
    for (size_t x = 0; x < 640; ++x) {
      ASSERT_GE(p[y * 640 + x], 0.0f);
      ASSERT_LE(p[y * 640 + x], 1.0f);
      bool on = p[y * 640 + x] > 0.3f;
      text += on;
      padText += on && y >= 320; // the page fills rows 0..319
    }
  EXPECT_GT(text, 20000u);
  EXPECT_EQ(padText, 0u);
}

TEST(OcrModels, DetectionMatchesOnnxruntime) {
  std::string missing = missingModels();
  if (!missing.empty())
    GTEST_SKIP() << missing;
  Expected<NpyArray> img = readNpy(dataPath("det_image.npy"));
  ASSERT_TRUE(bool(img)) << toString(img.takeError());
  ASSERT_EQ(img->dtype, NpyDType::U8);
  ASSERT_EQ(img->shape, Shape({320, 640, 3}));
  checkModel("ch_PP-OCRv4_det_infer.onnx", {1, 3, 640, 640}, detInput(*img),
             "det_output.npy");
}

TEST(OcrModels, RecognitionMatchesOnnxruntime) {
  std::string missing = missingModels();
  if (!missing.empty())
    GTEST_SKIP() << missing;
  Expected<NpyArray> in = readNpy(dataPath("rec_input.npy"));
  ASSERT_TRUE(bool(in)) << toString(in.takeError());
  ASSERT_EQ(in->shape, Shape({1, 3, 48, 320}));
  checkModel("ch_PP-OCRv4_rec_infer.onnx", in->shape, floats(*in),
             "rec_output.npy");
}

TEST(OcrModels, ClassificationMatchesOnnxruntime) {
  std::string missing = missingModels();
  if (!missing.empty())
    GTEST_SKIP() << missing;
  Expected<NpyArray> in = readNpy(dataPath("cls_input.npy"));
  ASSERT_TRUE(bool(in)) << toString(in.takeError());
  ASSERT_EQ(in->shape, Shape({1, 3, 48, 192}));
  checkModel("ch_ppocr_mobile_v2.0_cls_infer.onnx", in->shape, floats(*in),
             "cls_output.npy");
}

} // namespace

namespace {

// The errors a user of the real models meets first: the dynamic input dims
// left unbound, a wrong rank, and a truncated download. Each names the file
// and the field; none crashes.
TEST(OcrModels, BadUsesOfTheRealModelsAreClearErrors) {
  std::string missing = missingModels();
  if (!missing.empty())
    GTEST_SKIP() << missing;
  std::string det = modelPath("ch_PP-OCRv4_det_infer.onnx");
  Expected<Graph> unbound = importOnnxFile(det);
  ASSERT_FALSE(bool(unbound));
  EXPECT_EQ(toString(unbound.takeError()),
            det + ": input 'x': dimension 0 ('p2o.DynamicDimension.0') is "
                  "dynamic; bind it with --dim p2o.DynamicDimension.0=MIN..MAX "
                  "(a range) or --input-shape x=DIMS (e.g. 1x3x224x224, or "
                  "1x3x48x32..1280 for a range)");

  ModelParseOptions rank3;
  rank3.inputShapes["x"] = {3, 48, 320};
  std::string rec = modelPath("ch_PP-OCRv4_rec_infer.onnx");
  Expected<Graph> badRank = importOnnxFile(rec, rank3);
  ASSERT_FALSE(bool(badRank));
  EXPECT_EQ(toString(badRank.takeError()),
            rec + ": --input-shape x: rank 3 differs from the model's rank 4");

  auto bytes = MemoryBuffer::getFile(rec, false, false);
  ASSERT_TRUE(bool(bytes));
  ArrayRef<uint8_t> all(
      reinterpret_cast<const uint8_t *>((*bytes)->getBufferStart()),
      (*bytes)->getBufferSize());
  ModelParseOptions bound;
  bound.inputShapes["x"] = {1, 3, 48, 320};
  for (size_t keep : {size_t(0), all.size() / 2, all.size() - 1}) {
    Expected<Graph> cut =
        importOnnxBytes(all.take_front(keep), "rec.onnx", bound);
    ASSERT_FALSE(bool(cut)) << keep << " bytes";
    std::string msg = toString(cut.takeError());
    EXPECT_EQ(msg.rfind("rec.onnx: ", 0), 0u) << msg;
  }
}

} // namespace
