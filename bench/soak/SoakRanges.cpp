//===- bench/soak/SoakRanges.cpp - A range plan under shape churn ---------===//
//
// The shape-churn check of docs/shape-ranges.md: compiles MODEL once for the
// ranges given (--input-shape with a range, --dim), loads it once, and runs
// it --runs times (default 10,000) in this one process with a shape drawn at
// random for each run, from --shapes points of the range (the corners, all
// symbols at min and all at max, and random values between), and random
// inputs of that shape. Every point also gets a plan compiled for exactly
// that shape, loaded on a second Device, run on the same inputs. It checks:
//   - the range plan's Device: memoryAllocations and allocatedBytes equal
//     after load and after the last run, and no pipeline created or
//     descriptor written after load;
//   - the resident set size after run 100 (a tenth of a shorter soak) and
//     after the last run equal within --tolerance (1%);
//   - every output has the fixed plan's shape and equals its output: bit
//     for bit, or within relative L2 1e-6 where the fixed plan picked
//     another kernel for its exact shape (the count of each is printed).
// It prints the figures and exits 1 when a check fails, 2 on a setup error.
//
//   cmake --build BUILD --target soak_ranges
//   BUILD/bench/soak/soak_ranges models/fashion_cnn.yaml --dim N=1..100
//   BUILD/bench/soak/soak_ranges ch_PP-OCRv4_rec_infer.onnx
//       --input-shape x=1x3x48x32..1280   (one command line)
//
//===----------------------------------------------------------------------===//
#include "bench/soak/Soak.h"
#include "codegen/Plan.h"
#include "driver/Pipeline.h"
#include "ir/ModelParser.h"
#include "ir/onnx/OnnxImporter.h"
#include "ops/KernelTarget.h"
#include "runtime/Runtime.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <random>

using namespace llvm;
using namespace tlc;

static cl::opt<std::string> ModelPath(cl::Positional, cl::Required,
                                      cl::desc("<model.yaml or model.onnx>"));
static cl::list<std::string>
    InputShapes("input-shape", cl::desc("NAME=DIMS, a range in any dim"),
                cl::value_desc("NAME=DIMS"));
static cl::list<std::string> Dims("dim", cl::desc("NAME=MIN..MAX"),
                                  cl::value_desc("NAME=MIN..MAX"));
static cl::opt<unsigned> Runs("runs", cl::desc("inferences to run"),
                              cl::init(10000));
static cl::opt<unsigned> Shapes("shapes",
                                cl::desc("distinct shapes drawn from (>= 2)"),
                                cl::init(24));
static cl::opt<unsigned> Seed("seed", cl::desc("random seed"), cl::init(1));
static cl::opt<std::string> Target("target",
                                   cl::desc("kernel target: cpu or gpu"),
                                   cl::init("cpu"));
static cl::opt<double> Tolerance(
    "tolerance", cl::desc("largest relative RSS change, run 100 to the end"),
    cl::init(0.01));
static cl::opt<int> IntHigh("int-high",
                            cl::desc("integer inputs are drawn in [0, N)"),
                            cl::init(10));

namespace {

Expected<Plan> compileModel(const ModelParseOptions &parse,
                            const CompileOptions &opts) {
  if (!sys::path::extension(ModelPath).equals_insensitive(".onnx"))
    return compileModelFile(ModelPath, parse, opts);
  Expected<Graph> g = importOnnxFile(ModelPath, parse);
  if (!g)
    return g.takeError();
  return compileGraph(std::move(*g), opts);
}

Expected<ModelParseOptions> rangeOptions() {
  ModelParseOptions o;
  for (const std::string &flag : InputShapes) {
    auto [name, dims] = StringRef(flag).split('=');
    Expected<ShapeSpec> s = parseShapeSpec(dims);
    if (!s)
      return s.takeError();
    o.inputShapes[name.str()] = *s;
  }
  if (Error e = parseDimFlags(std::vector<std::string>(Dims.begin(), Dims.end()),
                              o.dims))
    return std::move(e);
  return o;
}

/// Input \p i's shape at symbol values \p at (Plan::symbols order).
std::vector<int64_t> inputShapeAt(const Plan &plan, size_t i,
                                  ArrayRef<int64_t> at) {
  const PlanTensor &t = plan.tensors[plan.inputs[i]];
  std::vector<int64_t> shape(t.type.shape.begin(), t.type.shape.end());
  for (size_t d = 0; d < t.dims.size(); ++d)
    shape[d] = cantFail(evaluatePlanExpr(plan.exprs[t.dims[d]], at));
  return shape;
}

std::vector<uint8_t> randomBytes(DType dt, ArrayRef<int64_t> shape,
                                 std::mt19937 &rng) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::vector<uint8_t> b(size_t(n) * dtypeBytes(dt));
  for (int64_t k = 0; k < n; ++k) {
    if (dt == DType::F32) {
      float v = std::uniform_real_distribution<float>(-1, 1)(rng);
      std::memcpy(&b[size_t(k) * 4], &v, 4);
    } else if (dt == DType::I32) {
      int32_t v = int32_t(rng() % unsigned(IntHigh));
      std::memcpy(&b[size_t(k) * 4], &v, 4);
    } else {
      int64_t v = int64_t(rng() % unsigned(IntHigh));
      std::memcpy(&b[size_t(k) * 8], &v, 8);
    }
  }
  return b;
}

double relL2(ArrayRef<uint8_t> got, ArrayRef<uint8_t> want) {
  double num = 0, den = 0;
  for (size_t k = 0; k + 4 <= want.size(); k += 4) {
    float a, b;
    std::memcpy(&a, &got[k], 4);
    std::memcpy(&b, &want[k], 4);
    num += (double(a) - b) * (double(a) - b);
    den += double(b) * b;
  }
  return den == 0 ? (num == 0 ? 0 : INFINITY) : std::sqrt(num / den);
}

/// A shape of the range and the plan compiled for exactly it.
struct Point {
  std::vector<int64_t> values; // per Plan::symbols
  std::unique_ptr<LoadedPlan> fixed;
  Plan fixedPlan;
};

int soakRanges() {
  Expected<ModelParseOptions> ranged = rangeOptions();
  if (!ranged) {
    WithColor::error(errs(), "soak_ranges") << toString(ranged.takeError()) << "\n";
    return 2;
  }
  CompileOptions opts;
  Expected<KernelTarget> target = kernelTargetByName(Target);
  if (!target) {
    WithColor::error(errs(), "soak_ranges") << toString(target.takeError()) << "\n";
    return 2;
  }
  opts.target = *target;
  Expected<Plan> plan = compileModel(*ranged, opts);
  if (!plan) {
    WithColor::error(errs(), "soak_ranges") << toString(plan.takeError()) << "\n";
    return 2;
  }
  if (plan->symbols.empty()) {
    WithColor::error(errs(), "soak_ranges")
        << "the plan has static shapes: give a range (--input-shape with "
           "MIN..MAX, or --dim)\n";
    return 2;
  }
  auto device = Device::create(DeviceOptions());
  auto refDevice = Device::create(DeviceOptions());
  if (!device || !refDevice) {
    WithColor::error(errs(), "soak_ranges")
        << (device ? toString(refDevice.takeError())
                   : toString(device.takeError()))
        << "\n";
    return 2;
  }

  // The shapes: all symbols at min, all at max, then random values.
  std::mt19937 rng(Seed);
  std::vector<Point> points(std::max(2u, unsigned(Shapes)));
  for (size_t p = 0; p < points.size(); ++p)
    for (const PlanSymbol &s : plan->symbols)
      points[p].values.push_back(
          p == 0   ? s.min
          : p == 1 ? s.max
                   : std::uniform_int_distribution<int64_t>(s.min, s.max)(rng));
  auto compileStart = std::chrono::steady_clock::now();
  for (Point &pt : points) {
    ModelParseOptions fixed;
    for (size_t i = 0; i < plan->inputs.size(); ++i)
      fixed.inputShapes[plan->tensors[plan->inputs[i]].name] =
          ShapeSpec(inputShapeAt(*plan, i, pt.values));
    for (size_t s = 0; s < plan->symbols.size(); ++s)
      fixed.dims[plan->symbols[s].name] = DimRange{pt.values[s], pt.values[s]};
    Expected<Plan> fp = compileModel(fixed, opts);
    if (!fp) {
      WithColor::error(errs(), "soak_ranges")
          << "fixed plan: " << toString(fp.takeError()) << "\n";
      return 2;
    }
    pt.fixedPlan = std::move(*fp);
    auto lp = LoadedPlan::load(**refDevice, pt.fixedPlan);
    if (!lp) {
      WithColor::error(errs(), "soak_ranges") << toString(lp.takeError()) << "\n";
      return 2;
    }
    pt.fixed = std::move(*lp);
  }
  double compileSeconds = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - compileStart)
                              .count();

  RuntimeCounters beforeLoad = (*device)->counters();
  auto loaded = LoadedPlan::load(**device, *plan);
  if (!loaded) {
    WithColor::error(errs(), "soak_ranges") << toString(loaded.takeError()) << "\n";
    return 2;
  }
  RuntimeCounters afterLoad = (*device)->counters();

  uint64_t bitwise = 0, close = 0, failed = 0, shapeMismatches = 0;
  double worst = 0;
  // The early RSS sample: after run 100, or a tenth of a shorter soak.
  const unsigned earlyRun = std::min(100u, std::max(1u, unsigned(Runs) / 10));
  uint64_t rss100 = 0;
  std::map<size_t, uint64_t> runsPerPoint;
  auto start = std::chrono::steady_clock::now();
  for (unsigned r = 0; r < Runs; ++r) {
    size_t which = size_t(rng() % points.size());
    Point &pt = points[which];
    ++runsPerPoint[which];
    for (size_t i = 0; i < plan->inputs.size(); ++i) {
      std::vector<int64_t> shape = inputShapeAt(*plan, i, pt.values);
      std::vector<uint8_t> bytes = randomBytes(
          plan->tensors[plan->inputs[i]].type.dtype, shape, rng);
      if (Error e = (*loaded)->setInput(i, bytes, shape)) {
        WithColor::error(errs(), "soak_ranges")
            << "run " << r + 1 << ": " << toString(std::move(e)) << "\n";
        return 1;
      }
      if (Error e = pt.fixed->setInput(i, bytes)) {
        WithColor::error(errs(), "soak_ranges")
            << "run " << r + 1 << ": " << toString(std::move(e)) << "\n";
        return 1;
      }
    }
    if (Error e = (*loaded)->run()) {
      WithColor::error(errs(), "soak_ranges")
          << "run " << r + 1 << ": " << toString(std::move(e)) << "\n";
      return 1;
    }
    if (Error e = pt.fixed->run()) {
      WithColor::error(errs(), "soak_ranges")
          << "run " << r + 1 << ": " << toString(std::move(e)) << "\n";
      return 1;
    }
    for (size_t o = 0; o < plan->outputs.size(); ++o) {
      ArrayRef<uint8_t> got = (*loaded)->output(o), want = pt.fixed->output(o);
      if ((*loaded)->outputShape(o) != pt.fixed->outputShape(o)) {
        ++shapeMismatches;
        continue;
      }
      if (got.size() == want.size() &&
          std::memcmp(got.data(), want.data(), got.size()) == 0) {
        ++bitwise;
        continue;
      }
      bool isFloat =
          plan->tensors[plan->outputs[o]].type.dtype == DType::F32;
      double d = isFloat && got.size() == want.size() ? relL2(got, want)
                                                      : INFINITY;
      worst = std::max(worst, d);
      (d <= 1e-6 ? close : failed) += 1;
    }
    if (r + 1 == earlyRun)
      rss100 = soak::residentBytes();
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  RuntimeCounters end = (*device)->counters();
  uint64_t rssEnd = soak::residentBytes();

  outs() << "model: " << ModelPath << " (target " << Target << ")\n";
  outs() << "symbols:";
  for (const PlanSymbol &s : plan->symbols)
    outs() << " " << s.name << " in [" << s.min << ", " << s.max << "]";
  outs() << "\nshapes: " << points.size() << " (fixed plans compiled in "
         << format("%.1f", compileSeconds) << " s), runs: " << Runs << " in "
         << format("%.1f", seconds) << " s\n";
  outs() << "device after load: " << afterLoad.memoryAllocations
         << " allocations, " << afterLoad.allocatedBytes << " bytes ("
         << (afterLoad.allocatedBytes - beforeLoad.allocatedBytes)
         << " by the plan); after the last run: " << end.memoryAllocations
         << " allocations, " << end.allocatedBytes << " bytes\n";
  outs() << "after load: " << (end.pipelinesCreated - afterLoad.pipelinesCreated)
         << " pipelines created, "
         << (end.descriptorWrites - afterLoad.descriptorWrites)
         << " descriptor writes, "
         << (end.commandBufferRecordings - afterLoad.commandBufferRecordings)
         << " command-buffer recordings, "
         << (end.parameterEvaluations - afterLoad.parameterEvaluations)
         << " parameter evaluations\n";
  double rssChange =
      rss100 ? (double(rssEnd) - double(rss100)) / double(rss100) : 0.0;
  outs() << "resident set: " << rss100 << " bytes after run " << earlyRun
         << ", " << rssEnd
         << " after run " << Runs << " ("
         << format("%+.3f", 100 * rssChange) << "%)\n";
  outs() << "outputs vs the plan compiled for each exact shape: " << bitwise
         << " bitwise, " << close << " within relative L2 1e-6 (worst "
         << format("%.2e", worst) << "), " << failed << " worse, "
         << shapeMismatches << " of another shape\n";

  bool ok = end.memoryAllocations == afterLoad.memoryAllocations &&
            end.allocatedBytes == afterLoad.allocatedBytes &&
            end.pipelinesCreated == afterLoad.pipelinesCreated &&
            end.descriptorWrites == afterLoad.descriptorWrites &&
            std::fabs(rssChange) <= Tolerance &&
            failed == 0 && shapeMismatches == 0;
  outs() << (ok ? "PASS" : "FAIL") << "\n";
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(
      argc, argv,
      "soak_ranges: a plan for a range of shapes under random shape churn, "
      "against plans compiled for each exact shape\n");
  return soakRanges();
}
