//===- examples/ocr/main.cpp - Read the text lines of a page image --------===//
//
//   ocr_example PAGE.png --det DET.onnx --rec REC.onnx --keys KEYS.txt
//               [--cls CLS.onnx] [--device N]
//               [--probability-map MAP.npy] [--dump-lines DIR]
//               [--line-scores DIR]
//
// PP-OCR's three-stage pipeline (Du et al., "PP-OCR: A Practical Ultra
// Lightweight OCR System", 2020) with every model compiled and run by tlc:
// text detection (DB), optional direction classification of each line,
// recognition (CTC). Prints one line of text per detected line, top to
// bottom. The recognizer is compiled once for widths 32..1280 at height 48
// (docs/shape-ranges.md) and reads each line at its own width, as PP-OCR
// does at batch 1: no padding to the widest line, no plan per width.
//
// The debug flags replace a model by another runtime's outputs, so that the
// pre- and post-processing can be checked against onnxruntime
// (tools/ort/run.mjs) on their own: --dump-det-input writes the detector's
// input (without --det and --probability-map, it stops there);
// --probability-map takes the detector's 1x1xSxS output for this page
// (--dump-probability-map writes it);
// --dump-lines writes each line's recognizer input as DIR/line_<i>.npy (without
// --rec and --line-scores, it only dumps); --line-scores reads the recognizer's
// outputs DIR/line_<i>.npy (1xTxC) instead of running it.
//
//===----------------------------------------------------------------------===//
#include "examples/ocr/CtcDecode.h"
#include "examples/ocr/DbPostprocess.h"
#include "examples/ocr/Image.h"
#include "examples/ocr/Preprocess.h"
#include "examples/ocr/TlcModel.h"
#include "ir/AtomicFile.h"
#include "ir/Npy.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>

using namespace llvm;
using namespace ocr;

static cl::OptionCategory Cat("ocr_example options");
static cl::opt<std::string> PagePath(cl::Positional, cl::Required,
                                     cl::desc("<page.png>"), cl::cat(Cat));
static cl::opt<std::string> DetPath("det", cl::value_desc("DET.onnx"),
                                    cl::desc("Text detection model (DB)"),
                                    cl::cat(Cat));
static cl::opt<std::string> RecPath("rec", cl::value_desc("REC.onnx"),
                                    cl::desc("Text recognition model (CTC)"),
                                    cl::cat(Cat));
static cl::opt<std::string> ClsPath(
    "cls", cl::value_desc("CLS.onnx"),
    cl::desc("Text direction classifier (optional): lines it finds upside "
             "down (180 degrees, probability > 0.9) are turned first"),
    cl::cat(Cat));
static cl::opt<std::string> KeysPath("keys", cl::Required,
                                     cl::value_desc("ppocr_keys_v1.txt"),
                                     cl::desc("Recognizer character set"),
                                     cl::cat(Cat));
static cl::opt<int> DeviceIndex("device", cl::init(-1), cl::value_desc("N"),
                                cl::desc("Vulkan device index (tlc devices)"),
                                cl::cat(Cat));
static cl::opt<int> DetSide("det-size", cl::init(640), cl::value_desc("PIXELS"),
                            cl::desc("Detection input side, a multiple of 32"),
                            cl::cat(Cat));
static cl::opt<int> RecWidth(
    "rec-width", cl::init(0), cl::value_desc("PIXELS"),
    cl::desc("Recognition input width: pad every line to this width with a "
             "plan for that one shape (default 0: one plan for widths "
             "32..1280, each line at its own width at height 48)"),
    cl::cat(Cat));
static cl::opt<std::string> ProbMapPath(
    "probability-map", cl::value_desc("MAP.npy"),
    cl::desc("Debug: use this detector output (1x1xSxS f32) instead of "
             "running --det"),
    cl::cat(Cat));
static cl::opt<std::string> DumpDetInput(
    "dump-det-input", cl::value_desc("FILE.npy"),
    cl::desc("Debug: write the detector's input (1x3xSxS f32) to FILE.npy"),
    cl::cat(Cat));
static cl::opt<std::string> DumpProbMap(
    "dump-probability-map", cl::value_desc("FILE.npy"),
    cl::desc("Debug: write the detector's output (1x1xSxS f32) to FILE.npy"),
    cl::cat(Cat));
static cl::opt<std::string> DumpLinesDir(
    "dump-lines", cl::value_desc("DIR"),
    cl::desc("Debug: write each line's recognizer input as DIR/line_<i>.npy"),
    cl::cat(Cat));
static cl::opt<std::string> DumpScoresDir(
    "dump-scores", cl::value_desc("DIR"),
    cl::desc("Debug: write the recognizer's output for each line as "
             "DIR/line_<i>.npy (1xTxC f32)"),
    cl::cat(Cat));
static cl::opt<std::string> LineScoresDir(
    "line-scores", cl::value_desc("DIR"),
    cl::desc("Debug: read the recognizer's outputs DIR/line_<i>.npy (1xTxC "
             "f32) instead of running --rec"),
    cl::cat(Cat));

namespace {

/// The recognizer plan's width range at height 48: PP-OCR's narrowest input
/// (its 32-pixel stride) up to 1280 pixels (a 26:1 line), wider lines are
/// squeezed to it.
constexpr int kMinLineWidth = 32;
constexpr int kMaxLineWidth = 1280;

Error usageError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// Reads a float32 .npy of rank \p rank; errors name the file.
Expected<Tensor> readF32Npy(StringRef path, size_t rank) {
  Expected<tlc::NpyArray> a = tlc::readNpy(path);
  if (!a)
    return a.takeError();
  if (a->dtype != tlc::NpyDType::F32 || a->shape.size() != rank)
    return usageError(path + ": expected a rank-" + Twine(rank) +
                      " float32 array");
  Tensor t;
  t.shape.assign(a->shape.begin(), a->shape.end());
  t.data.resize(a->bytes.size() / 4);
  std::memcpy(t.data.data(), a->bytes.data(), a->bytes.size());
  return t;
}

Error writeF32Npy(StringRef path, const Tensor &t) {
  Expected<std::vector<uint8_t>> bytes = tlc::encodeNpy(
      tlc::NpyDType::F32, t.shape,
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(t.data.data()),
                        t.data.size() * 4));
  if (!bytes)
    return bytes.takeError();
  return tlc::writeFileAtomically(path, *bytes);
}

std::string linePath(StringRef dir, size_t i) {
  SmallString<128> p(dir);
  sys::path::append(p, "line_" + Twine(i) + ".npy");
  return std::string(p);
}

/// The Vulkan device, created on first use (debug runs may need none).
class LazyDevice {
public:
  Expected<tlc::Device &> get() {
    if (!device_) {
      tlc::DeviceOptions o;
      o.index = DeviceIndex;
      auto d = tlc::Device::create(o);
      if (!d)
        return d.takeError();
      device_ = std::move(*d);
    }
    return *device_;
  }

private:
  std::unique_ptr<tlc::Device> device_;
};

Error checkFlags() {
  if (ProbMapPath.empty() && DetPath.empty() && DumpDetInput.empty())
    return usageError("--det DET.onnx is required (or --probability-map, or "
                      "--dump-det-input)");
  if (LineScoresDir.empty() && RecPath.empty() && DumpLinesDir.empty() &&
      DumpDetInput.empty())
    return usageError(
        "--rec REC.onnx is required (or --line-scores, or --dump-lines)");
  if (DetSide < 32 || DetSide > 4096 || DetSide % 32)
    return usageError("--det-size " + Twine(DetSide.getValue()) +
                      ": expected a multiple of 32 in 32..4096");
  if (RecWidth < 0 || RecWidth > 4096)
    return usageError("--rec-width " + Twine(RecWidth.getValue()) +
                      ": expected 0 (each line at its own width) or 1..4096");
  return Error::success();
}

/// The detector's probability map for \p img: 1x1xSxS.
Expected<Tensor> detect(LazyDevice &dev, const DetInput &in) {
  if (!ProbMapPath.empty()) {
    Expected<Tensor> t = readF32Npy(ProbMapPath, 4);
    if (t && (t->shape[0] != 1 || t->shape[1] != 1 || t->shape[2] != DetSide ||
              t->shape[3] != DetSide))
      return usageError(ProbMapPath + ": expected shape 1x1x" +
                        Twine(DetSide.getValue()) + "x" +
                        Twine(DetSide.getValue()) + " (--det-size)");
    return t;
  }
  Expected<tlc::Device &> d = dev.get();
  if (!d)
    return d.takeError();
  auto m = TlcModel::create(
      *d, DetPath, tlc::Shape(in.tensor.shape.begin(), in.tensor.shape.end()));
  if (!m)
    return m.takeError();
  return (*m)->run(in.tensor);
}

/// Turns lines the classifier finds upside down.
Error classify(LazyDevice &dev, std::vector<RgbImage> &lines) {
  if (ClsPath.empty() || lines.empty())
    return Error::success();
  Expected<tlc::Device &> d = dev.get();
  if (!d)
    return d.takeError();
  auto m = TlcModel::create(*d, ClsPath, tlc::Shape{1, 3, 48, 192});
  if (!m)
    return m.takeError();
  for (RgbImage &line : lines) {
    Expected<Tensor> p = (*m)->run(makeLineInput(line, 192));
    if (!p)
      return p.takeError();
    if (p->data.size() == 2 && p->data[1] > p->data[0] && p->data[1] > 0.9f)
      line = rotate180(line);
  }
  return Error::success();
}

Error runOcr() {
  if (Error e = checkFlags())
    return e;
  Expected<CharacterSet> chars = loadCharacterSet(KeysPath);
  if (!chars)
    return chars.takeError();
  Expected<RgbImage> page = readPng(PagePath);
  if (!page)
    return page.takeError();
  LazyDevice dev;
  DetInput in = makeDetInput(*page, DetSide);
  if (!DumpDetInput.empty())
    if (Error e = writeF32Npy(DumpDetInput, in.tensor))
      return e;
  if (ProbMapPath.empty() && DetPath.empty()) {
    errs() << "ocr_example: wrote the detector input to " << DumpDetInput
           << "\n";
    return Error::success();
  }
  Expected<Tensor> prob = detect(dev, in);
  if (!prob)
    return prob.takeError();
  if (!DumpProbMap.empty())
    if (Error e = writeF32Npy(DumpProbMap, *prob))
      return e;
  std::vector<TextBox> boxes =
      boxesFromProbabilityMap(prob->data, DetSide, DetSide, in.validWidth,
                              in.validHeight, page->width, page->height);

  std::vector<RgbImage> lines;
  for (const TextBox &b : boxes)
    lines.push_back(crop(*page, b.x0, b.y0, b.x1, b.y1));
  if (Error e = classify(dev, lines))
    return e;

  std::unique_ptr<TlcModel> rec;
  bool recognize = !LineScoresDir.empty() || !RecPath.empty();
  if (LineScoresDir.empty() && !RecPath.empty() && !lines.empty()) {
    Expected<tlc::Device &> d = dev.get();
    if (!d)
      return d.takeError();
    tlc::ShapeSpec shape({1, 3, 48, kMaxLineWidth});
    if (RecWidth) {
      shape.dims[3].size = RecWidth;
    } else {
      shape.dims[3].kind = tlc::DimSpec::Range;
      shape.dims[3].min = kMinLineWidth;
      shape.dims[3].max = kMaxLineWidth;
    }
    auto m = TlcModel::create(*d, RecPath, shape);
    if (!m)
      return m.takeError();
    rec = std::move(*m);
  }
  for (const std::string &dir : {DumpLinesDir.getValue(),
                                 DumpScoresDir.getValue()})
    if (!dir.empty())
      if (std::error_code ec = sys::fs::create_directories(dir))
        return usageError(dir + ": " + ec.message());
  for (size_t i = 0; i < lines.size(); ++i) {
    // A line's own width at height 48, within the recognizer plan's range;
    // or every line padded to --rec-width.
    int width = RecWidth ? RecWidth.getValue()
                         : std::clamp(lineWidthAtHeight48(lines[i]),
                                      kMinLineWidth, kMaxLineWidth);
    Tensor x = makeLineInput(lines[i], width);
    if (!DumpLinesDir.empty())
      if (Error e = writeF32Npy(linePath(DumpLinesDir, i), x))
        return e;
    if (!recognize)
      continue;
    Expected<Tensor> scores =
        rec ? rec->run(x) : readF32Npy(linePath(LineScoresDir, i), 3);
    if (!scores)
      return scores.takeError();
    if (!DumpScoresDir.empty() && rec)
      if (Error e = writeF32Npy(linePath(DumpScoresDir, i), *scores))
        return e;
    if (scores->shape.size() != 3)
      return usageError("the recognizer's output has rank " +
                        Twine(scores->shape.size()) + ", expected 1xTxC");
    Expected<Decoded> text = ctcGreedyDecode(
        scores->data, int(scores->shape[1]), int(scores->shape[2]), *chars);
    if (!text)
      return usageError(KeysPath + ": " + toString(text.takeError()));
    outs() << text->text << "\n";
  }
  if (!recognize)
    errs() << "ocr_example: wrote " << lines.size() << " line inputs (1x3x48xW) to "
           << DumpLinesDir << "\n";
  return Error::success();
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(Cat);
  cl::ParseCommandLineOptions(argc, argv,
                              "PP-OCR on tlc: prints a page's text lines\n");
  if (Error e = runOcr()) {
    WithColor::error(errs(), "ocr_example") << toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
