//===- bench/soak/SoakFashion.cpp - 10,000 Fashion-MNIST inferences -------===//
//
// The long-run check of docs/hardening.md: compiles models/fashion_cnn.yaml
// for batch 1, loads it once, and runs it --runs times (default 10,000) in
// this one process, cycling through the 256 reference images of
// tests/data/fashion_ref_images.npy. It then checks that
//   - the resident set size (/proc/self/statm) and the runtime's counters
//     memoryAllocations and allocatedBytes after run 100 and after the last
//     run are equal within 1% (--tolerance),
//   - every run's logits are bit-identical to the first run of that image,
//   - those first logits match PyTorch's (tests/data/fashion_ref_logits.npy)
//     within a relative L2 error of 1e-4 per image.
// It prints the figures and exits 1 when a check fails, 2 on a setup error.
//
//   cmake --build BUILD --target soak_fashion && BUILD/bench/soak/soak_fashion
//
//===----------------------------------------------------------------------===//
#include "bench/soak/Soak.h"
#include "codegen/Plan.h"
#include "ir/ModelParser.h"
#include "ir/Npy.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstring>

using namespace llvm;
using namespace tlc;

static cl::opt<unsigned> Runs("runs", cl::desc("inferences to run"),
                              cl::init(10000));
static cl::opt<double>
    Tolerance("tolerance",
              cl::desc("largest relative change allowed between run 100 "
                       "and the last run (fraction)"),
              cl::init(0.01));
static cl::opt<std::string> Model("model", cl::desc("model.yaml"),
                                  cl::init(TLC_SOURCE_DIR
                                           "/models/fashion_cnn.yaml"));
static cl::opt<std::string>
    Images("images", cl::desc("N x 1 x 28 x 28 float32 .npy"),
           cl::init(TLC_SOURCE_DIR "/tests/data/fashion_ref_images.npy"));
static cl::opt<std::string>
    Logits("logits", cl::desc("N x 10 float32 .npy (PyTorch's logits)"),
           cl::init(TLC_SOURCE_DIR "/tests/data/fashion_ref_logits.npy"));

static int fail(Error e) {
  WithColor::error(errs(), "soak_fashion") << toString(std::move(e)) << "\n";
  return 2;
}

/// |a - b| / max(|a|, 1) as a fraction.
static double relChange(uint64_t a, uint64_t b) {
  double d = std::fabs(double(b) - double(a));
  return d / std::max(1.0, double(a));
}

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv, "tlc soak: repeated inference\n");
  if (Runs < 100) {
    errs() << "soak_fashion: --runs must be at least 100\n";
    return 2;
  }
  Expected<NpyArray> images = readNpy(Images);
  if (!images)
    return fail(images.takeError());
  Expected<NpyArray> logits = readNpy(Logits);
  if (!logits)
    return fail(logits.takeError());
  if (images->shape.size() != 4 || images->dtype != NpyDType::F32 ||
      logits->shape.size() != 2 || logits->shape[0] != images->shape[0] ||
      logits->dtype != NpyDType::F32)
    return fail(createStringError(inconvertibleErrorCode(),
                                  "%s, %s: expected Nx1x28x28 and Nx10 F32",
                                  Images.c_str(), Logits.c_str()));
  size_t n = size_t(images->shape[0]);
  size_t imageBytes = images->bytes.size() / n;
  size_t logitBytes = logits->bytes.size() / n;
  std::vector<std::vector<uint8_t>> inputs(n);
  for (size_t i = 0; i < n; ++i)
    inputs[i].assign(images->bytes.begin() + i * imageBytes,
                     images->bytes.begin() + (i + 1) * imageBytes);

  ModelParseOptions parse;
  parse.inputShapes["image"] = Shape{1, 1, 28, 28};
  Expected<Plan> plan = compileModelFile(Model, parse, CompileOptions());
  if (!plan)
    return fail(plan.takeError());
  Expected<std::unique_ptr<Device>> device = Device::create(DeviceOptions());
  if (!device)
    return fail(device.takeError());
  Expected<std::unique_ptr<LoadedPlan>> loaded =
      LoadedPlan::load(**device, *plan);
  if (!loaded)
    return fail(loaded.takeError());

  auto start = std::chrono::steady_clock::now();
  uint64_t sampleAt[] = {100, Runs};
  Expected<soak::Result> result =
      soak::run(**device, **loaded, inputs, Runs, sampleAt);
  if (!result)
    return fail(result.takeError());
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();

  // The first logits of each image against PyTorch's.
  unsigned badImages = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::vector<uint8_t> &out = result->firstOutputs[i];
    if (out.size() != logitBytes) {
      ++badImages;
      continue;
    }
    const float *got = reinterpret_cast<const float *>(out.data());
    const float *want =
        reinterpret_cast<const float *>(logits->bytes.data() + i * logitBytes);
    double num = 0, den = 0;
    for (size_t k = 0; k < logitBytes / sizeof(float); ++k) {
      num += (double(got[k]) - want[k]) * (double(got[k]) - want[k]);
      den += double(want[k]) * want[k];
    }
    if (std::sqrt(num) > 1e-4 * std::max(std::sqrt(den), 1e-12))
      ++badImages;
  }

  const soak::Sample &a = result->samples[0], &b = result->samples[1];
  outs() << "device: " << (*device)->info().name << "\n"
         << "runs: " << Runs << " in " << format("%.1f", seconds) << " s ("
         << format("%.1f", 1e6 * seconds / Runs) << " us per run)\n";
  auto row = [&](StringRef what, uint64_t x, uint64_t y) {
    double rel = relChange(x, y);
    outs() << format("%-18s run %-6llu %12llu  run %-6llu %12llu  change %.4f%%",
                     what.str().c_str(), (unsigned long long)a.run,
                     (unsigned long long)x, (unsigned long long)b.run,
                     (unsigned long long)y, 100 * rel)
           << (rel <= Tolerance ? "" : "  FAIL") << "\n";
    return rel <= Tolerance;
  };
  bool ok = true;
  ok &= row("resident bytes", a.residentBytes, b.residentBytes);
  ok &= row("memoryAllocations", a.counters.memoryAllocations,
            b.counters.memoryAllocations);
  ok &= row("allocatedBytes", a.counters.allocatedBytes,
            b.counters.allocatedBytes);
  outs() << "submits: " << b.counters.submits
         << ", validation messages: " << b.counters.validationMessages << "\n"
         << "runs whose logits differ from the image's first run: "
         << result->mismatchedRuns << "\n"
         << "images whose logits differ from PyTorch's (rel. L2 > 1e-4): "
         << badImages << " of " << n << "\n";
  ok &= result->mismatchedRuns == 0 && badImages == 0;
  outs() << (ok ? "PASS" : "FAIL") << "\n";
  return ok ? 0 : 1;
}
