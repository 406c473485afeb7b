//===- tools/fashion_demo.cpp - Classify Fashion-MNIST with a compiled plan ===//
//
//   fashion_demo PLAN.tlp DATASET_DIR [--device N] [--limit N]
//                [--reference PRED.npy] [--seed N]
//
// The program behind `make run`: loads a compiled plan of
// models/fashion_cnn.yaml, runs the 10,000 Fashion-MNIST test images through
// it on a Vulkan device in batches of the plan's input batch size (a plan
// compiled for a batch range, N=1..100, gets batches of random sizes in its
// range, each run at its own size: one plan, no padding), and prints
// the accuracy, the throughput, the plan's memory figures and the runtime's
// allocation counters. Input preprocessing matches
// tools/train_fashion_cnn.py: pixels / 255.0 as f32, NCHW, no normalisation.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"
#include "ir/Npy.h"
#include "runtime/Runtime.h"
#include "tools/FashionMnist.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <random>
#include <set>

using namespace llvm;
using namespace tlc;

static cl::OptionCategory DemoCategory("fashion_demo options");
static cl::opt<std::string> PlanPath(cl::Positional, cl::Required,
                                     cl::desc("<plan.tlp>"),
                                     cl::cat(DemoCategory));
static cl::opt<std::string> DatasetDir(cl::Positional, cl::Required,
                                       cl::desc("<dataset dir>"),
                                       cl::cat(DemoCategory));
static cl::opt<int> DeviceIndex(
    "device", cl::init(-1), cl::value_desc("N"), cl::cat(DemoCategory),
    cl::desc("Vulkan physical device index as 'tlc devices' lists them "
             "(default: TLC_DEVICE, else the first discrete GPU, else any GPU, "
             "else the first device)"));
static cl::opt<unsigned> Limit(
    "limit", cl::init(0), cl::value_desc("N"), cl::cat(DemoCategory),
    cl::desc("Classify only the first N test images (default: all)"));

static cl::opt<std::string> ReferencePath(
    "reference", cl::value_desc("PRED.npy"), cl::cat(DemoCategory),
    cl::desc("Also report agreement with these predicted classes (int32 "
             ".npy, one per test image, e.g. tests/data/fashion_torch_pred.npy "
             "written by tools/train_fashion_cnn.py)"));

static cl::opt<unsigned> Seed(
    "seed", cl::init(1), cl::value_desc("N"), cl::cat(DemoCategory),
    cl::desc("Seed of the random batch sizes fed to a plan compiled for a "
             "batch range (default 1)"));

namespace {

Error demoError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// The shapes the demo needs from the plan: one f32 input [B,1,H,W] and one
/// f32 output [B,10].
struct PlanIO {
  int64_t batch = 0; // the largest batch (the bound for a batch range)
  /// A plan for a batch range: the smallest batch (dim 0 of the input is a
  /// symbol ranging over [minBatch, batch]); equal to batch otherwise.
  int64_t minBatch = 0;
  int64_t height = 0;
  int64_t width = 0;
};

/// Checks that \p plan classifies single-channel images into the 10 classes.
/// Errors name the plan file and the tensor that does not fit.
Expected<PlanIO> checkPlanIO(const Plan &plan, StringRef path) {
  if (plan.inputs.size() != 1 || plan.outputs.size() != 1)
    return demoError(path + ": the plan has " + Twine(plan.inputs.size()) +
                     " inputs and " + Twine(plan.outputs.size()) +
                     " outputs, expected 1 image input and 1 logits output");
  const PlanTensor &in = plan.tensors[plan.inputs[0]];
  const PlanTensor &out = plan.tensors[plan.outputs[0]];
  if (in.type.dtype != DType::F32 || in.type.shape.size() != 4 ||
      in.type.shape[1] != 1)
    return demoError(path + ": input '" + in.name + "' has type " +
                     in.type.str() + ", expected Bx1xHxWxf32");
  PlanIO io;
  io.batch = in.type.shape[0];
  io.minBatch = io.batch;
  io.height = in.type.shape[2];
  io.width = in.type.shape[3];
  for (size_t d = 1; d < in.dims.size(); ++d)
    if (in.dims[d] >= plan.exprs.size() ||
        plan.exprs[in.dims[d]].code.size() != 2 ||
        plan.exprs[in.dims[d]].code[0] != int64_t(ExprOp::Const))
      return demoError(path + ": input '" + in.name + "' has the symbolic "
                       "shape " + planShapeStr(plan, in) +
                       "; the demo takes a range in the batch dim only");
  if (!in.dims.empty()) {
    const PlanExpr &e = plan.exprs[in.dims[0]];
    if (e.code.size() == 2 && e.code[0] == int64_t(ExprOp::Symbol) &&
        e.code[1] >= 0 && size_t(e.code[1]) < plan.symbols.size())
      io.minBatch = plan.symbols[size_t(e.code[1])].min;
  }
  if (out.type.dtype != DType::F32 || out.type.shape.size() != 2 ||
      out.type.shape[0] != io.batch ||
      out.type.shape[1] != int64_t(fashion::kNumClasses))
    return demoError(path + ": output '" + out.name + "' has type " +
                     out.type.str() + ", expected " + Twine(io.batch) + "x" +
                     Twine(fashion::kNumClasses) + "xf32");
  return io;
}

/// Progress on stderr: one line redrawn with '\r' on a terminal, otherwise a
/// plain line at every quarter so that logs stay short.
class Progress {
public:
  explicit Progress(size_t total)
      : total(total), tty(sys::Process::StandardErrIsDisplayed()) {}

  void update(size_t done) {
    if (tty) {
      constexpr unsigned kWidth = 40;
      unsigned filled = unsigned(done * kWidth / total);
      errs() << "\r[" << std::string(filled, '#')
             << std::string(kWidth - filled, '.') << "] " << done << "/"
             << total << " images";
      if (done == total)
        errs() << "\n";
      errs().flush();
      return;
    }
    unsigned quarter = unsigned(done * 4 / total);
    if (quarter > lastQuarter) {
      lastQuarter = quarter;
      errs() << "progress: " << done << "/" << total << " images\n";
    }
  }

private:
  size_t total;
  bool tty;
  unsigned lastQuarter = 0;
};

/// Reads the reference predictions (int32, rank 1, at least \p count of
/// them, each below kNumClasses). Errors name the file and what is wrong.
Expected<std::vector<int32_t>> readReference(StringRef path, size_t count) {
  Expected<NpyArray> npy = readNpy(path);
  if (!npy)
    return npy.takeError();
  if (npy->dtype != NpyDType::I32 || npy->shape.size() != 1 ||
      npy->shape[0] < int64_t(count))
    return demoError(path + ": expected an int32 array of shape (" +
                     Twine(count) + ",) or longer, found " +
                     npyDescr(npy->dtype) + " of rank " +
                     Twine(npy->shape.size()));
  std::vector<int32_t> pred(size_t(npy->shape[0]));
  std::memcpy(pred.data(), npy->bytes.data(), pred.size() * sizeof(int32_t));
  for (size_t i = 0; i < pred.size(); ++i)
    if (pred[i] < 0 || pred[i] >= int32_t(fashion::kNumClasses))
      return demoError(path + ": element " + Twine(i) + " is " +
                       Twine(pred[i]) + ", expected a class 0..9");
  return pred;
}

/// Index of the largest of \p logits (the first one on ties).
unsigned argmax(const float *logits, unsigned n) {
  unsigned best = 0;
  for (unsigned k = 1; k < n; ++k)
    if (logits[k] > logits[best])
      best = k;
  return best;
}

/// Prints the memory plan summary: planner, slots per pool key, peak
/// transient bytes against the lower bound and against no reuse.
void printMemoryPlan(const Plan &plan, raw_ostream &os) {
  // Transient tensors per pool key, from the tensor table; the slot counts
  // come from plan.stats when the planner recorded them.
  std::map<std::string, std::pair<unsigned, std::set<int32_t>>> perKey;
  unsigned transients = 0, aliases = 0;
  for (const PlanTensor &t : plan.tensors) {
    aliases += t.role == TensorRole::Alias;
    if (t.role != TensorRole::Transient)
      continue;
    ++transients;
    auto &entry = perKey[t.poolKey];
    ++entry.first;
    if (t.slot >= 0)
      entry.second.insert(t.slot);
  }
  os << "memory plan: planner "
     << (plan.stats.planner.empty() ? std::string("(unknown)")
                                    : plan.stats.planner)
     << ", schedule " << scheduleDescription(plan.stats.schedule) << ", "
     << transients << " transient tensors, " << aliases
     << " aliases (views or in-place results sharing their bytes)\n";
  std::vector<std::pair<std::string, uint32_t>> slots = plan.stats.slotsPerKey;
  if (slots.empty())
    for (const auto &kv : perKey)
      if (!kv.second.second.empty())
        slots.emplace_back(kv.first, uint32_t(kv.second.second.size()));
  // As `tlc inspect`: only where the pool planner placed the tensors (an
  // arena plan's tensors have no slots).
  bool pooled = std::any_of(plan.tensors.begin(), plan.tensors.end(),
                            [](const PlanTensor &t) { return t.slot >= 0; });
  if (pooled && !slots.empty()) {
    os << "  slots per pool key (key -> slots, tensors):\n";
    for (const auto &[key, n] : slots) {
      auto it = perKey.find(key);
      unsigned tensors = it == perKey.end() ? 0 : it->second.first;
      os << "    " << key << " -> " << n << " slots, " << tensors
         << " tensors\n";
    }
  }
  auto mib = [](uint64_t bytes) { return double(bytes) / (1024.0 * 1024.0); };
  const PlanStats &s = plan.stats;
  os << "  peak transient bytes: " << s.transientBytes << " ("
     << format("%.2f", mib(s.transientBytes)) << " MiB)\n";
  os << "  lower bound:          " << s.lowerBound << " ("
     << format("%.2f", mib(s.lowerBound)) << " MiB)";
  if (s.lowerBound > 0)
    os << format(", peak/bound %.3f", double(s.transientBytes) /
                                          double(s.lowerBound));
  os << "\n";
  os << "  without reuse:        " << s.noReuseBytes << " ("
     << format("%.2f", mib(s.noReuseBytes)) << " MiB)";
  if (s.transientBytes > 0)
    os << format(", no-reuse/peak %.2fx", double(s.noReuseBytes) /
                                              double(s.transientBytes));
  os << "\n";
}

/// Loads everything, classifies the test set and prints the report.
Error runDemo() {
  Expected<Plan> plan = readPlanFile(PlanPath);
  if (!plan)
    return plan.takeError();
  Expected<PlanIO> io = checkPlanIO(*plan, PlanPath);
  if (!io)
    return io.takeError();

  Expected<fashion::TestSet> data = fashion::loadTestSet(DatasetDir);
  if (!data)
    return data.takeError();
  const fashion::IdxImages &images = data->images;
  if (int64_t(images.rows) != io->height || int64_t(images.cols) != io->width)
    return demoError(DatasetDir + ": images are " + Twine(images.rows) + "x" +
                     Twine(images.cols) + " but " + PlanPath + " expects " +
                     Twine(io->height) + "x" + Twine(io->width));
  size_t total = images.count;
  if (Limit > 0 && Limit < total)
    total = Limit;

  std::vector<int32_t> reference;
  if (!ReferencePath.empty()) {
    Expected<std::vector<int32_t>> ref = readReference(ReferencePath, total);
    if (!ref)
      return ref.takeError();
    reference = std::move(*ref);
  }

  DeviceOptions devOpts;
  devOpts.index = DeviceIndex;
  Expected<std::unique_ptr<Device>> device = Device::create(devOpts);
  if (!device)
    return device.takeError();
  Expected<std::unique_ptr<LoadedPlan>> loaded =
      LoadedPlan::load(**device, *plan);
  if (!loaded)
    return loaded.takeError();
  const DeviceInfo &info = (*device)->info();
  outs() << "device: " << info.name << " (" << info.type << ")\n";
  outs().flush();

  const size_t maxBatch = size_t(io->batch);
  const bool ranged = io->minBatch < io->batch;
  const size_t pixelsPerImage = size_t(io->height) * size_t(io->width);
  std::vector<float> input(maxBatch * pixelsPerImage);
  size_t correct = 0, agree = 0, batches = 0;
  size_t smallest = maxBatch, largest = 0;
  std::mt19937 rng(Seed);
  std::uniform_int_distribution<int64_t> batchSize(io->minBatch, io->batch);
  const RuntimeCounters before = (*device)->counters();
  Progress progress(total);
  auto start = std::chrono::steady_clock::now();
  for (size_t first = 0; first < total;) {
    // A fixed plan pads a partial last batch with zeros; a range plan runs
    // each batch at its own size, drawn at random (the last one clipped to
    // what is left, and to the range's minimum at least).
    size_t batch =
        ranged ? std::max<size_t>(size_t(io->minBatch),
                                  std::min<size_t>(size_t(batchSize(rng)),
                                                   total - first))
               : maxBatch;
    size_t rows = std::min(batch, total - first);
    // pixels / 255.0 exactly as in training.
    for (size_t r = 0; r < rows; ++r) {
      ArrayRef<uint8_t> img = images.image(first + r);
      float *dst = input.data() + r * pixelsPerImage;
      for (size_t p = 0; p < pixelsPerImage; ++p)
        dst[p] = float(img[p]) / 255.0f;
    }
    std::fill(input.begin() + rows * pixelsPerImage,
              input.begin() + batch * pixelsPerImage, 0.0f);
    ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(input.data()),
                            batch * pixelsPerImage * sizeof(float));
    if (Error e = ranged ? (*loaded)->setInput(
                               0, bytes,
                               {int64_t(batch), 1, io->height, io->width})
                         : (*loaded)->setInput(0, bytes))
      return e;
    if (Error e = (*loaded)->run())
      return e;
    ArrayRef<uint8_t> out = (*loaded)->output(0);
    if (out.size() != batch * fashion::kNumClasses * sizeof(float))
      return demoError("output 0 holds " + Twine(out.size()) +
                       " bytes, expected " +
                       Twine(batch * fashion::kNumClasses * sizeof(float)));
    ++batches;
    smallest = std::min(smallest, batch);
    largest = std::max(largest, batch);
    std::vector<float> logits(batch * fashion::kNumClasses);
    std::memcpy(logits.data(), out.data(), out.size());
    for (size_t r = 0; r < rows; ++r) {
      unsigned cls = argmax(logits.data() + r * fashion::kNumClasses,
                            fashion::kNumClasses);
      correct += cls == data->labels.labels[first + r];
      if (!reference.empty())
        agree += int32_t(cls) == reference[first + r];
    }
    first += rows;
    progress.update(first);
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  if (ranged)
    outs() << "images: " << total << " (one plan for batches " << io->minBatch
           << ".." << io->batch << "; " << batches
           << " batches of random sizes " << smallest << ".." << largest
           << ", seed " << Seed << ")\n";
  else
    outs() << "images: " << total << " (batch " << maxBatch << ", " << batches
           << " batches)\n";
  outs() << "accuracy: " << format("%.4f", double(correct) / double(total))
         << " (" << correct << "/" << total << ")\n";
  if (!reference.empty())
    outs() << "agreement with " << ReferencePath << ": "
           << format("%.4f", double(agree) / double(total)) << " (" << agree
           << "/" << total << ")\n";
  outs() << "throughput: " << format("%.1f", double(total) / seconds)
         << " images/s (" << format("%.3f", seconds)
         << " s wall for the inference loop, host copies included)\n";
  printMemoryPlan(*plan, outs());
  RuntimeCounters c = (*device)->counters();
  outs() << "runtime after the run: " << c.memoryAllocations
         << " memory allocations, " << c.allocatedBytes << " bytes ("
         << format("%.2f", double(c.allocatedBytes) / (1024.0 * 1024.0))
         << " MiB), " << c.submits << " submits; during the run: "
         << (int64_t(c.memoryAllocations) - int64_t(before.memoryAllocations))
         << " allocations, "
         << (int64_t(c.allocatedBytes) - int64_t(before.allocatedBytes))
         << " bytes, " << (c.submits - before.submits) << " submits\n";
  return Error::success();
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(DemoCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "fashion_demo: classifies the Fashion-MNIST test set with a compiled "
      "tlc plan\n\n"
      "  fashion_demo PLAN.tlp DATASET_DIR [--device N] [--limit N]\n"
      "               [--reference PRED.npy] [--seed N]\n\n"
      "DATASET_DIR holds t10k-images-idx3-ubyte.gz and "
      "t10k-labels-idx1-ubyte.gz.\n");
  if (Error e = runDemo()) {
    handleAllErrors(std::move(e), [](const ErrorInfoBase &info) {
      WithColor::error(errs(), "fashion_demo") << info.message() << "\n";
    });
    return 1;
  }
  return 0;
}
