//===- tests/unit/RuntimeShapeRangesTest.cpp - Plans for a range of shapes ===//
//
// The runtime side of shape ranges (docs/shape-ranges.md, docs/runtime.md):
// hand-built plans whose dispatches read their dims from a uniform block and
// take their group counts from an indirect command, with the test shader
// tests/shaders/dims_scale.comp (y = SCALE * x + ROWS over TOTAL elements,
// the dyn-build convention). Results are compared with the same arithmetic
// on the CPU, on integer-valued floats so that the comparison is exact
// whether or not the driver fuses the multiply-add; every test asserts zero
// validation messages.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestUtil.h"

#include "runtime/DeviceImpl.h"
#include "runtime/Validation.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

using namespace tlc;
using namespace tlc::testing;

namespace {

/// The SPIR-V of test shader \p name (tests/shaders/NAME.comp).
std::vector<uint32_t> testShaderWords(const std::string &name) {
  std::string path = std::string(TLC_TEST_SHADER_DIR) + "/" + name + ".spv";
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf) {
    ADD_FAILURE() << path << ": " << buf.getError().message();
    return {};
  }
  std::vector<uint32_t> words((*buf)->getBufferSize() / 4);
  std::memcpy(words.data(), (*buf)->getBufferStart(), words.size() * 4);
  return words;
}

uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

constexpr int64_t kMinN = 1, kMaxN = 1000, kCols = 3;
constexpr int64_t kSym = int64_t(ExprOp::Symbol),
                  kConst = int64_t(ExprOp::Const);
constexpr int64_t kAdd = int64_t(ExprOp::Add), kMul = int64_t(ExprOp::Mul),
                  kFloorDiv = int64_t(ExprOp::FloorDiv),
                  kSub = int64_t(ExprOp::Sub), kMin = int64_t(ExprOp::Min),
                  kMax = int64_t(ExprOp::Max);

/// Builds plans with symbol N (index 0) in [kMinN, kMaxN] around
/// PlanBuilder.
class DynPlanBuilder {
public:
  explicit DynPlanBuilder(std::string name) : b(std::move(name)) {
    b.plan.symbols.push_back({"N", kMinN, kMaxN});
    n = expr({kSym, 0});
    cols = expr({kConst, kCols});
    one = expr({kConst, 1});
    total = expr({kSym, 0, kConst, kCols, kMul});
    // ceil(3N / 64) = floor((3N + 63) / 64)
    groups = expr({kSym, 0, kConst, kCols, kMul, kConst, 63, kAdd, kConst, 64,
                   kFloorDiv});
  }

  uint32_t expr(std::vector<int64_t> code) {
    b.plan.exprs.push_back({std::move(code)});
    return uint32_t(b.plan.exprs.size() - 1);
  }

  /// An f32 tensor of shape [N, 3] (bound [kMaxN, 3]) in a buffer of its own
  /// (inputs and outputs) or in \p buf.
  uint32_t nx3(const std::string &name, TensorRole role, int32_t buf = -1) {
    uint32_t t;
    if (buf < 0)
      t = b.ioTensor(name, role, kMaxN * kCols);
    else
      t = b.tensor(name, role, kMaxN * kCols, uint32_t(buf));
    b.plan.tensors[t].type.shape = {kMaxN, kCols};
    b.plan.tensors[t].dims = {n, cols};
    return t;
  }

  /// y = scale * x + N over the 3N elements of x, through dims_scale.
  uint32_t scale(uint32_t x, uint32_t y, float scaleBy, uint32_t step) {
    PlanCommand c;
    c.kind = CommandKind::Dispatch;
    c.step = step;
    c.label = "scale" + std::to_string(b.plan.commands.size());
    c.shader = shader();
    // Constant id 0 keeps TOTAL's upper bound, as codegen writes it; the
    // dyn build reads TOTAL from its block instead.
    c.specConstants = {uint32_t(kMaxN * kCols), floatBits(scaleBy)};
    c.bindings = {x, y};
    c.writes = {1};
    c.groups[0] = uint32_t((kMaxN * kCols + 63) / 64);
    c.dynamic = true;
    c.dimExprs = {total, n}; // TOTAL, ROWS: block order
    c.groupExprs[0] = groups;
    c.groupExprs[1] = one;
    c.groupExprs[2] = one;
    b.plan.commands.push_back(c);
    b.plan.numSteps = std::max(b.plan.numSteps, step + 1);
    return uint32_t(b.plan.commands.size() - 1);
  }

  PlanBuilder b;
  uint32_t n = 0, cols = 0, one = 0, total = 0, groups = 0;

private:
  uint32_t shader() {
    for (uint32_t i = 0; i < b.plan.shaders.size(); ++i)
      if (b.plan.shaders[i].name == "dims_scale")
        return i;
    b.plan.shaders.push_back({"dims_scale", testShaderWords("dims_scale")});
    return uint32_t(b.plan.shaders.size() - 1);
  }
};

/// x [N,3] -> scale 2 -> t -> scale 3 -> y [N,3], so y = 6x + 4N; beside it
/// a static dispatch s [100] -> relu -> r [100].
Plan chainPlan() {
  DynPlanBuilder d("dims_chain");
  uint32_t x = d.nx3("x", TensorRole::Input);
  uint32_t s = d.b.ioTensor("s", TensorRole::Input, 100);
  uint32_t pool = d.b.buffer(BufferRole::Transient, kMaxN * kCols * 4);
  uint32_t t = d.nx3("t", TensorRole::Transient, int32_t(pool));
  uint32_t y = d.nx3("y", TensorRole::Output);
  uint32_t r = d.b.ioTensor("r", TensorRole::Output, 100);
  d.scale(x, t, 2.0f, 0);
  d.b.unary(UnaryOpCode::Relu, s, r, 0);
  d.b.barrier(1);
  d.scale(t, y, 3.0f, 1);
  d.b.release(t, 1);
  return d.b.plan;
}

/// Integer-valued floats in [-8, 8]: every sum and product below is exact.
std::vector<float> intValues(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 7;
  for (float &x : v) {
    s = s * 1664525u + 1013904223u;
    x = float(int((s >> 16) % 17) - 8);
  }
  return v;
}

/// The CPU computation of chainPlan's y.
std::vector<float> chainReference(const std::vector<float> &x, int64_t n) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    float t = 2.0f * x[i] + float(n);
    y[i] = 3.0f * t + float(n);
  }
  return y;
}

std::vector<int64_t> nx3Shape(int64_t n) { return {n, kCols}; }

class RuntimeShapeRangesTest : public ::testing::Test {
protected:
  void SetUp() override {
    device = makeTestDevice();
    ASSERT_NE(device, nullptr);
  }
  void TearDown() override {
    if (device) {
      EXPECT_EQ(device->counters().validationMessages, 0u);
    }
  }

  std::unique_ptr<LoadedPlan> load(const Plan &plan) {
    auto lp = LoadedPlan::load(*device, plan);
    if (!lp) {
      ADD_FAILURE() << llvm::toString(lp.takeError());
      return nullptr;
    }
    return std::move(*lp);
  }

  /// Sets x to intValues(3n, seed), runs, and checks y and its shape
  /// against the CPU.
  void runChainAt(LoadedPlan &lp, int64_t n, uint32_t seed) {
    std::vector<float> x = intValues(size_t(n * kCols), seed);
    llvm::Error e = lp.setInput(0, asBytes(x), nx3Shape(n));
    ASSERT_FALSE(bool(e)) << "N=" << n << ": " << llvm::toString(std::move(e));
    e = lp.run();
    ASSERT_FALSE(bool(e)) << "N=" << n << ": " << llvm::toString(std::move(e));
    EXPECT_EQ(lp.outputShape(0), nx3Shape(n));
    ASSERT_EQ(asFloats(lp.output(0)), chainReference(x, n)) << "N=" << n;
  }

  std::unique_ptr<Device> device;
};

TEST_F(RuntimeShapeRangesTest, OutputsMatchCpuForShapesAcrossTheRange) {
  auto lp = load(chainPlan());
  ASSERT_NE(lp, nullptr);
  EXPECT_GT(lp->parameterBytes(), 0u);
  std::vector<float> s = testValues(100, 5);
  ASSERT_FALSE(bool(lp->setInput(1, asBytes(s)))); // static: the old call
  // Min, max, around the 64-element workgroup edges (3N = 63, 64, 66, 192),
  // and back down: smaller shapes after larger ones must not see stale data.
  for (int64_t n :
       {kMinN, int64_t(2), int64_t(21), int64_t(22), int64_t(64), int64_t(333),
        int64_t(999), kMaxN, int64_t(500), kMinN, kMaxN, int64_t(7)}) {
    runChainAt(*lp, n, uint32_t(n));
    EXPECT_EQ(asFloats(lp->output(1)), reluReference(s)) << "N=" << n;
    EXPECT_EQ(lp->outputShape(1), std::vector<int64_t>{100});
    EXPECT_EQ(lp->inputShape(0), nx3Shape(n));
  }
}

TEST_F(RuntimeShapeRangesTest, ASymbolNoInputBindsIsSetByTheHost) {
  // A symbol no input carries (a KV cache's length) loads; run() refuses
  // until the host sets it, setSymbol checks the name, the range and that
  // no input gives the symbol.
  Plan plan = chainPlan();
  plan.symbols.push_back({"M", 1, 4}); // declared, bound by no input
  auto lp = LoadedPlan::load(*device, plan);
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  std::vector<float> x(3 * 7, 0.5f);
  ASSERT_FALSE(bool((*lp)->setInput(
      0, llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(x.data()),
                                 x.size() * 4),
      nx3Shape(7))));
  llvm::Error e = (*lp)->run();
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e))
                .find("symbol 'M' is no input's dim: set its value before "
                      "running"),
            std::string::npos);
  auto msg = [&](llvm::StringRef name, int64_t v) {
    llvm::Error err = (*lp)->setSymbol(name, v);
    return err ? llvm::toString(std::move(err)) : std::string();
  };
  EXPECT_EQ(msg("M", 5), "symbol 'M' = 5 is outside its range [1, 4]");
  EXPECT_EQ(msg("Q", 1), "the plan has no symbol 'Q'");
  EXPECT_NE(msg("N", 3).find("comes from that input's shape"),
            std::string::npos);
  EXPECT_EQ(msg("M", 2), "");
  llvm::Error ok = (*lp)->run();
  EXPECT_FALSE(bool(ok)) << llvm::toString(std::move(ok));
}

TEST_F(RuntimeShapeRangesTest, BeforeTheFirstRunShapesAreAtTheUpperBound) {
  auto lp = load(chainPlan());
  ASSERT_NE(lp, nullptr);
  EXPECT_EQ(lp->inputShape(0), nx3Shape(kMaxN));
  EXPECT_EQ(lp->outputShape(0), nx3Shape(kMaxN));
  EXPECT_EQ(lp->output(0).size(), size_t(kMaxN * kCols * 4));
  EXPECT_TRUE(lp->outputShape(2).empty());
  EXPECT_TRUE(lp->inputShape(2).empty());
  // Inputs never set run at the bound (zeros): y = 4N everywhere.
  ASSERT_FALSE(bool(lp->run()));
  EXPECT_EQ(asFloats(lp->output(0)),
            std::vector<float>(size_t(kMaxN * kCols), float(4 * kMaxN)));
}

TEST_F(RuntimeShapeRangesTest, ThousandRunsOfRandomShapesCreateNothing) {
  auto lp = load(chainPlan());
  ASSERT_NE(lp, nullptr);
  std::vector<float> s = testValues(100, 9);
  ASSERT_FALSE(bool(lp->setInput(1, asBytes(s))));
  RuntimeCounters before = device->counters();
  EXPECT_GT(before.memoryAllocations, 0u);
  EXPECT_GT(before.pipelinesCreated, 0u);
  EXPECT_GT(before.descriptorWrites, 0u);
  EXPECT_GT(before.commandBufferRecordings, 0u);
  EXPECT_EQ(before.parameterEvaluations, 1u); // at load, at the bound
  uint32_t state = 12345;
  int64_t last = kMaxN;
  uint64_t changes = 0;
  for (int i = 0; i < 1000; ++i) {
    state = state * 1664525u + 1013904223u;
    // Every 4th run repeats the last shape: no evaluation then.
    int64_t n =
        i % 4 == 3 ? last : kMinN + int64_t((state >> 8) % uint32_t(kMaxN));
    changes += n != last;
    last = n;
    runChainAt(*lp, n, uint32_t(i));
    if (HasFatalFailure())
      return;
  }
  RuntimeCounters after = device->counters();
  EXPECT_EQ(after.memoryAllocations, before.memoryAllocations);
  EXPECT_EQ(after.allocatedBytes, before.allocatedBytes);
  EXPECT_EQ(after.pipelinesCreated, before.pipelinesCreated);
  EXPECT_EQ(after.descriptorWrites, before.descriptorWrites);
  EXPECT_EQ(after.commandBufferRecordings, before.commandBufferRecordings);
  EXPECT_EQ(after.submits, before.submits + 1000);
  EXPECT_EQ(after.parameterEvaluations, before.parameterEvaluations + changes);
  EXPECT_GT(changes, 700u);
  EXPECT_EQ(asFloats(lp->output(1)), reluReference(s));
  lp.reset();
  EXPECT_EQ(device->counters().memoryAllocations, 0u);
  EXPECT_EQ(device->counters().allocatedBytes, 0u);
}

TEST_F(RuntimeShapeRangesTest, OutOfRangeOrMalformedInputsWriteNothing) {
  auto lp = load(chainPlan());
  ASSERT_NE(lp, nullptr);
  runChainAt(*lp, 10, 1);
  std::vector<float> want = asFloats(lp->output(0));
  RuntimeCounters before = device->counters();

  std::vector<float> big = intValues(size_t((kMaxN + 1) * kCols), 2);
  std::string e = errorText(lp->setInput(0, asBytes(big), nx3Shape(kMaxN + 1)));
  EXPECT_NE(e.find("input 0 ('x', Nx3xf32)"), std::string::npos) << e;
  EXPECT_NE(e.find("dim 0 is 1001, outside the range [1, 1000] of symbol "
                   "'N'"),
            std::string::npos)
      << e;
  e = errorText(lp->setInput(0, {}, nx3Shape(0)));
  EXPECT_NE(e.find("dim 0 is 0, outside the range [1, 1000] of symbol 'N'"),
            std::string::npos)
      << e;
  std::vector<float> x20 = intValues(20 * kCols, 3);
  e = errorText(lp->setInput(0, asBytes(x20), {20, 4}));
  EXPECT_NE(e.find("dim 1 is 4, expected 3"), std::string::npos) << e;
  e = errorText(lp->setInput(0, asBytes(x20), {20 * kCols}));
  EXPECT_NE(e.find("rank 1 (60), expected rank 2"), std::string::npos) << e;
  e = errorText(lp->setInput(0, asBytes(x20), nx3Shape(21)));
  EXPECT_NE(e.find("got 240 bytes, expected 252"), std::string::npos) << e;
  e = errorText(lp->setInput(0, asBytes(x20)));
  EXPECT_NE(e.find("has symbolic dims: pass its shape"), std::string::npos)
      << e;
  e = errorText(lp->setInput(1, asBytes(x20), {60}));
  EXPECT_NE(e.find("input 1 ('s', 100xf32): dim 0 is 60, expected 100"),
            std::string::npos)
      << e;
  e = errorText(lp->setInput(2, asBytes(x20), nx3Shape(20)));
  EXPECT_NE(e.find("input index 2 out of range"), std::string::npos) << e;

  // Nothing was written: the input keeps N=10 and its data, so does y.
  EXPECT_EQ(lp->inputShape(0), nx3Shape(10));
  EXPECT_EQ(lp->outputShape(0), nx3Shape(10));
  EXPECT_EQ(asFloats(lp->output(0)), want);
  ASSERT_FALSE(bool(lp->run()));
  EXPECT_EQ(lp->outputShape(0), nx3Shape(10));
  EXPECT_EQ(asFloats(lp->output(0)), want);
  EXPECT_EQ(device->counters().parameterEvaluations,
            before.parameterEvaluations); // same N: nothing evaluated
}

/// Inputs a, b and c, each [N,3] and scaled by 2 into y_a, y_b, y_c.
/// (An input dim is a constant or exactly one symbol: validatePlanStructure.)
Plan threeInputPlan() {
  DynPlanBuilder d("three_inputs");
  uint32_t a = d.nx3("a", TensorRole::Input);
  uint32_t b = d.nx3("b", TensorRole::Input);
  uint32_t c = d.nx3("c", TensorRole::Input);
  uint32_t ya = d.nx3("y_a", TensorRole::Output);
  uint32_t yb = d.nx3("y_b", TensorRole::Output);
  uint32_t yc = d.nx3("y_c", TensorRole::Output);
  d.scale(a, ya, 2.0f, 0);
  d.scale(b, yb, 2.0f, 0);
  d.scale(c, yc, 2.0f, 0);
  return d.b.plan;
}

TEST_F(RuntimeShapeRangesTest, InputsDisagreeingOnASymbolAreRefusedAtRun) {
  auto lp = load(threeInputPlan());
  ASSERT_NE(lp, nullptr);
  auto setAll = [&](int64_t na, int64_t nb, int64_t nc) {
    std::vector<float> a = intValues(size_t(na * kCols), 1),
                       b = intValues(size_t(nb * kCols), 2),
                       c = intValues(size_t(nc * kCols), 3);
    EXPECT_FALSE(bool(lp->setInput(0, asBytes(a), nx3Shape(na))));
    EXPECT_FALSE(bool(lp->setInput(1, asBytes(b), nx3Shape(nb))));
    EXPECT_FALSE(bool(lp->setInput(2, asBytes(c), nx3Shape(nc))));
  };
  auto expectOutputsFor = [&](int64_t n) {
    for (size_t o = 0; o < 3; ++o) {
      std::vector<float> in = intValues(size_t(n * kCols), uint32_t(o + 1));
      std::vector<float> want(in.size());
      for (size_t i = 0; i < in.size(); ++i)
        want[i] = 2.0f * in[i] + float(n);
      EXPECT_EQ(asFloats(lp->output(o)), want) << "output " << o;
    }
    EXPECT_EQ(lp->outputShape(0), nx3Shape(n));
    EXPECT_EQ(lp->outputShape(2), nx3Shape(n));
  };
  setAll(5, 5, 5);
  ASSERT_FALSE(bool(lp->run()));
  expectOutputsFor(5);

  uint64_t submits = device->counters().submits;
  setAll(5, 7, 5);
  std::string e = errorText(lp->run());
  EXPECT_NE(e.find("plan 'three_inputs' cannot run: inputs disagree on "
                   "symbol 'N': input 0 ('a') dim 0 is 5 (shape 5x3), input 1 "
                   "('b') dim 0 is 7 (shape 7x3)"),
            std::string::npos)
      << e;
  setAll(5, 5, 6);
  e = errorText(lp->run());
  EXPECT_NE(e.find("inputs disagree on symbol 'N': input 0 ('a') dim 0 is 5 "
                   "(shape 5x3), input 2 ('c') dim 0 is 6 (shape 6x3)"),
            std::string::npos)
      << e;
  EXPECT_EQ(device->counters().submits, submits); // nothing ran
  expectOutputsFor(5);                            // nor changed

  setAll(8, 8, 8);
  ASSERT_FALSE(bool(lp->run()));
  expectOutputsFor(8);
}

TEST_F(RuntimeShapeRangesTest, TimedAndProfiledRunsTakeTheShape) {
  auto lp = load(chainPlan());
  ASSERT_NE(lp, nullptr);
  std::vector<float> x = intValues(100 * kCols, 4);
  ASSERT_FALSE(bool(lp->setInput(0, asBytes(x), nx3Shape(100))));
  auto timing = lp->runTimed();
  ASSERT_TRUE(bool(timing)) << llvm::toString(timing.takeError());
  EXPECT_EQ(asFloats(lp->output(0)), chainReference(x, 100));
  if (!lp->hasGpuTimestamps())
    GTEST_SKIP() << lp->timestampsUnavailableReason().str();
  x = intValues(7 * kCols, 5);
  ASSERT_FALSE(bool(lp->setInput(0, asBytes(x), nx3Shape(7))));
  auto profile = lp->runProfiled();
  ASSERT_TRUE(bool(profile)) << llvm::toString(profile.takeError());
  EXPECT_EQ(profile->size(), 3u); // two dynamic dispatches, one static
  EXPECT_EQ(lp->outputShape(0), nx3Shape(7));
  EXPECT_EQ(asFloats(lp->output(0)), chainReference(x, 7));
  // And back to the plain command buffer at another shape.
  runChainAt(*lp, 999, 6);
}

/// kGated dispatches from x [N,3] to outputs y0..y(kGated-1) [N,3]: yk =
/// (k + 1) * x + N, gated to run only when N > k (its group count times
/// min(1, max(0, N - k)), the form of ops/OpDef.h's runWhenAboveOne), each
/// behind a barrier. N = 1..kGated give kGated sets of gated-out
/// dispatches: more command-buffer variants than the runtime keeps.
constexpr int64_t kGated = 10;
Plan gatedPlan() {
  DynPlanBuilder d("gated");
  uint32_t x = d.nx3("x", TensorRole::Input);
  for (int64_t k = 0; k < kGated; ++k) {
    uint32_t y = d.nx3("y" + std::to_string(k), TensorRole::Output);
    if (k > 0)
      d.b.barrier(uint32_t(k));
    uint32_t c = d.scale(x, y, float(k + 1), uint32_t(k));
    std::vector<int64_t> g = d.b.plan.exprs[d.groups].code;
    g.insert(g.end(),
             {kConst, 1, kConst, 0, kSym, 0, kConst, k, kSub, kMax, kMin, kMul});
    d.b.plan.commands[c].groupExprs[0] = d.expr(g);
  }
  return d.b.plan;
}

TEST_F(RuntimeShapeRangesTest, GatedOutDispatchesAreLeftOutOfTheRun) {
  auto lp = load(gatedPlan());
  ASSERT_NE(lp, nullptr);
  // Load records the variants of the maxima (all run) and the minima (only
  // y0 runs).
  RuntimeCounters atLoad = device->counters();
  RecordedCommands before = lp->lastRunCommands();
  EXPECT_EQ(before.dispatches, uint32_t(kGated));
  EXPECT_EQ(before.skipped, 0u);
  EXPECT_EQ(before.barriers, uint32_t(kGated - 1));
  uint64_t recordings = 0;
  for (int pass = 0; pass < 3; ++pass)
    for (int64_t n = 1; n <= kGated + 1; ++n) {
      std::vector<float> x = intValues(size_t(n * kCols), uint32_t(n + pass));
      ASSERT_FALSE(bool(lp->setInput(0, asBytes(x), nx3Shape(n))));
      uint64_t r0 = device->counters().commandBufferRecordings;
      llvm::Error e = lp->run();
      ASSERT_FALSE(bool(e)) << "N=" << n << ": " << llvm::toString(std::move(e));
      recordings += device->counters().commandBufferRecordings - r0;
      int64_t running = std::min(n, kGated);
      RecordedCommands rc = lp->lastRunCommands();
      EXPECT_EQ(rc.dispatches, uint32_t(running)) << "N=" << n;
      EXPECT_EQ(rc.skipped, uint32_t(kGated - running)) << "N=" << n;
      EXPECT_EQ(rc.barriers, uint32_t(running - 1)) << "N=" << n;
      // The dispatches that ran wrote this run's values; the others' outputs
      // are not looked at (they keep an earlier run's).
      for (int64_t k = 0; k < running; ++k) {
        std::vector<float> want(x.size());
        for (size_t i = 0; i < x.size(); ++i)
          want[i] = float(k + 1) * x[i] + float(n);
        ASSERT_EQ(asFloats(lp->output(size_t(k))), want)
            << "N=" << n << " y" << k;
      }
      // Running the same shape again records nothing.
      uint64_t r1 = device->counters().commandBufferRecordings;
      ASSERT_FALSE(bool(lp->run()));
      EXPECT_EQ(device->counters().commandBufferRecordings, r1);
    }
  // 10 distinct variants (N >= 10 runs all), 8 kept, least recently used
  // freed first: the first pass records N = 2..9, and N = 10 (the maxima's
  // variant from load was freed at N = 8; N = 11 then finds it); cycling
  // through 10 with 8 kept, every later pass records N = 1..10 again.
  EXPECT_EQ(recordings, 9u + 10u + 10u);
  EXPECT_EQ(device->counters().memoryAllocations, atLoad.memoryAllocations);
  if (!lp->hasGpuTimestamps())
    return;
  // A profiled run times only the dispatches that run.
  std::vector<float> x = intValues(size_t(3 * kCols), 1);
  ASSERT_FALSE(bool(lp->setInput(0, asBytes(x), nx3Shape(3))));
  auto profile = lp->runProfiled();
  ASSERT_TRUE(bool(profile)) << llvm::toString(profile.takeError());
  EXPECT_EQ(profile->size(), 3u);
}

/// One dynamic dispatch whose dims word or group count, fine at both ends
/// of N's range, is far too large in the middle: k(N) = min(N-1, 1000-N) is
/// 0 at N = 1 and N = 1000 and 499 at N = 500.
Plan peakPlan(bool inGroups) {
  DynPlanBuilder d(inGroups ? "peak_groups" : "peak_word");
  uint32_t x = d.nx3("x", TensorRole::Input);
  uint32_t y = d.nx3("y", TensorRole::Output);
  uint32_t c = d.scale(x, y, 2.0f, 0);
  std::vector<int64_t> k = {kSym, 0,    kConst, 1,    kSub, kConst,
                            1000, kSym, 0,      kSub, kMin};
  std::vector<int64_t> big = k;
  big.insert(big.end(), {kConst, int64_t(1) << 33, kMul});
  PlanCommand &cmd = d.b.plan.commands[c];
  if (inGroups) {
    // max(ceil(3N/64), k(N) * 2^33)
    std::vector<int64_t> g = d.b.plan.exprs[d.groups].code;
    g.insert(g.end(), big.begin(), big.end());
    g.push_back(kMax);
    cmd.groupExprs[0] = d.expr(g);
  } else {
    // ROWS = N + k(N) * 2^33
    std::vector<int64_t> w = {kSym, 0};
    w.insert(w.end(), big.begin(), big.end());
    w.push_back(kAdd);
    cmd.dimExprs[1] = d.expr(w);
  }
  return d.b.plan;
}

TEST_F(RuntimeShapeRangesTest, RunTimeValuesBeyondTheDeviceAreRefused) {
  for (bool inGroups : {false, true}) {
    SCOPED_TRACE(inGroups ? "group count" : "dims word");
    auto lp = load(peakPlan(inGroups));
    ASSERT_NE(lp, nullptr);
    auto runAt = [&](int64_t n, uint32_t seed) {
      std::vector<float> x = intValues(size_t(n * kCols), seed);
      ASSERT_FALSE(bool(lp->setInput(0, asBytes(x), nx3Shape(n))));
      llvm::Error e = lp->run();
      ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
      std::vector<float> want(x.size());
      for (size_t i = 0; i < x.size(); ++i)
        want[i] = 2.0f * x[i] + float(n);
      EXPECT_EQ(lp->outputShape(0), nx3Shape(n));
      EXPECT_EQ(asFloats(lp->output(0)), want);
    };
    runAt(1, 1); // fine: k(1) = 0
    std::vector<float> before = asFloats(lp->output(0));
    uint64_t submits = device->counters().submits;
    std::vector<float> x = intValues(500 * kCols, 2);
    ASSERT_FALSE(bool(lp->setInput(0, asBytes(x), nx3Shape(500))));
    std::string e = errorText(lp->run());
    if (inGroups)
      EXPECT_NE(e.find("commands[0] ('scale0'): 4286377361408 workgroups in "
                       "dimension 0"),
                std::string::npos)
          << e;
    else
      EXPECT_NE(e.find("commands[0] ('scale0'): run-time dim word 1"),
                std::string::npos)
          << e;
    EXPECT_NE(e.find("for N=500"), std::string::npos) << e;
    EXPECT_EQ(device->counters().submits, submits);
    EXPECT_EQ(asFloats(lp->output(0)), before);
    EXPECT_EQ(lp->outputShape(0), nx3Shape(1));
    // Shapes inside the limits run again, re-evaluating everything.
    runAt(1000, 3);
    runAt(1, 4);
  }
}

TEST_F(RuntimeShapeRangesTest, StaticPlanHasNoParametersBuffer) {
  // The plan of RuntimeTest: x -> relu -> t -> copy -> y, no symbols.
  PlanBuilder b("static");
  uint32_t x = b.ioTensor("x", TensorRole::Input, 4096);
  uint32_t pool = b.buffer(BufferRole::Transient, 4096 * 4);
  uint32_t t = b.tensor("t", TensorRole::Transient, 4096, pool);
  uint32_t y = b.ioTensor("y", TensorRole::Output, 4096);
  b.unary(UnaryOpCode::Relu, x, t, 0);
  b.barrier(1);
  b.unary(UnaryOpCode::Copy, t, y, 1);
  auto lp = load(b.plan);
  ASSERT_NE(lp, nullptr);
  EXPECT_EQ(lp->parameterBytes(), 0u);
  RuntimeCounters c = device->counters();
  // One allocation per plan buffer and per input/output staging: no
  // parameters buffer, no evaluation, one recording.
  EXPECT_EQ(c.memoryAllocations, 3u + 2u);
  EXPECT_EQ(c.parameterEvaluations, 0u);
  EXPECT_EQ(c.commandBufferRecordings, 1u);
  EXPECT_EQ(c.pipelinesCreated, 2u);
  std::vector<float> in = testValues(4096, 1);
  ASSERT_FALSE(bool(lp->setInput(0, asBytes(in))));
  ASSERT_FALSE(bool(lp->setInput(0, asBytes(in), {4096})));
  ASSERT_FALSE(bool(lp->run()));
  EXPECT_EQ(asFloats(lp->output(0)), reluReference(in));
  EXPECT_EQ(lp->outputShape(0), std::vector<int64_t>{4096});
  EXPECT_EQ(device->counters().parameterEvaluations, 0u);
  lp.reset();

  // The dynamic plan: its buffers and stagings, plus the parameters buffer
  // and its staging copy.
  Plan dyn = chainPlan();
  auto dl = load(dyn);
  ASSERT_NE(dl, nullptr);
  EXPECT_EQ(device->counters().memoryAllocations, dyn.buffers.size() + 4 + 2);
  // Two slices, each at least its 16-byte dims block + 12-byte command.
  EXPECT_GE(dl->parameterBytes(), 16u + 16 + 12);
}

TEST_F(RuntimeShapeRangesTest, LoadRefusesPlansTheShaderOrInputsDoNotFit) {
  auto refuse = [&](const Plan &plan, const std::string &what) {
    auto lp = LoadedPlan::load(*device, plan);
    ASSERT_FALSE(bool(lp)) << "loaded; expected: " << what;
    std::string e = llvm::toString(lp.takeError());
    EXPECT_NE(e.find(what), std::string::npos) << e;
  };
  {
    Plan p = chainPlan();
    p.commands[0].dimExprs.push_back(p.commands[0].dimExprs[0]);
    refuse(p, "commands[0] ('scale0'): passes 3 run-time dims, but the uniform "
              "block of shader 'dims_scale' at binding 2 has 2 members");
  }
  {
    Plan p = chainPlan();
    p.commands[0].dynamic = false; // the dyn build in a static dispatch
    p.commands[0].dimExprs.clear();
    refuse(p, "commands[0] ('scale0'): binds 2 tensors but shader "
              "'dims_scale' uses bindings 0..2");
  }
  {
    Plan p = chainPlan();
    p.commands[1].dynamic = true; // a static build in a dynamic dispatch
    p.commands[1].dimExprs = {0};
    for (unsigned d = 0; d < 3; ++d) { // group counts the plan check accepts
      p.exprs.push_back({{kConst, int64_t(p.commands[1].groups[d])}});
      p.commands[1].groupExprs[d] = uint32_t(p.exprs.size() - 1);
    }
    refuse(p, "commands[1] ('unary1'): binds 2 tensors and its run-time dims "
              "at binding 2, but shader 'unary' uses bindings 0..1");
  }
  {
    Plan p = chainPlan();
    p.commands[0].groupExprs[1] = uint32_t(p.exprs.size());
    refuse(p, "commands[0].groupExprs[1]: expression");
  }
  {
    Plan p = chainPlan(); // y's dim 0 is N+1, beyond its bound 1000 at N=1000
    p.exprs.push_back({{kSym, 0, kConst, 1, kAdd}});
    p.tensors[p.outputs[0]].dims[0] = uint32_t(p.exprs.size() - 1);
    refuse(p, "tensors[3].dims[0]: exprs[5] = N+1 is 1001 at N=1000; "
              "expected 0 to the bound 1000");
  }
}

TEST(RuntimeShapeRangesFaults, OutOfMemoryAtEveryAllocationCleansUp) {
  // chainPlan's 5 plan buffers, 4 staging buffers, the parameters buffer
  // and its staging copy: each allocation fails in turn.
  uint64_t before = processValidationMessages();
  {
    auto device = makeTestDevice();
    ASSERT_NE(device, nullptr);
    Plan plan = chainPlan();
    int failures = 0;
    for (int k = 1; k < 100; ++k) {
      device->impl().failAllocationCountdown = k;
      auto lp = LoadedPlan::load(*device, plan);
      device->impl().failAllocationCountdown = 0;
      if (lp)
        break;
      ++failures;
      std::string e = llvm::toString(lp.takeError());
      EXPECT_NE(e.find("vkAllocateMemory failed: "
                       "VK_ERROR_OUT_OF_DEVICE_MEMORY"),
                std::string::npos)
          << e;
      EXPECT_EQ(device->counters().memoryAllocations, 0u) << "k = " << k;
      EXPECT_EQ(device->counters().allocatedBytes, 0u) << "k = " << k;
    }
    EXPECT_EQ(failures, 11);
    EXPECT_EQ(device->counters().memoryAllocations, 0u);
    EXPECT_EQ(device->counters().validationMessages, 0u);
  }
  // Nothing leaked at vkDestroyDevice either.
  EXPECT_EQ(processValidationMessages(), before);
}

} // namespace
