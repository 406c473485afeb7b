//===- tests/unit/RangeTestUtil.cpp - Range plans against fixed plans -----===//
#include "RangeTestUtil.h"
#include "OpTestUtil.h"

#include "driver/Pipeline.h"
#include "ir/ModelParser.h"
#include "ops/KernelTarget.h"
#include "passes/Passes.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

namespace tlc {
namespace {

std::string errText(llvm::Error e) { return llvm::toString(std::move(e)); }

llvm::Expected<Plan> compileText(llvm::StringRef yaml,
                                 const ModelParseOptions &parse,
                                 const CompileOptions &opts) {
  llvm::Expected<Graph> g = parseModelString(yaml, "test.yaml", ".", parse);
  if (!g)
    return g.takeError();
  return compileGraph(std::move(*g), opts);
}

/// Random bytes for a tensor of \p t's dtype with \p shape.
std::vector<uint8_t> randomInput(const TensorType &t,
                                 llvm::ArrayRef<int64_t> shape, int64_t intHigh,
                                 std::mt19937 &rng) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  std::vector<uint8_t> bytes(size_t(n) * dtypeBytes(t.dtype));
  for (int64_t i = 0; i < n; ++i) {
    if (t.dtype == DType::F32) {
      float v = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
      std::memcpy(bytes.data() + i * 4, &v, 4);
    } else if (t.dtype == DType::I32) {
      int32_t v = int32_t(rng() % uint64_t(intHigh));
      std::memcpy(bytes.data() + i * 4, &v, 4);
    } else {
      int64_t v = int64_t(rng() % uint64_t(intHigh));
      std::memcpy(bytes.data() + i * 8, &v, 8);
    }
  }
  return bytes;
}

/// Relative L2 distance of \p got from \p want, both of \p dtype (integers
/// compare exactly: 0 or 1).
double relL2(llvm::ArrayRef<uint8_t> got, llvm::ArrayRef<uint8_t> want,
             DType dtype) {
  if (dtype != DType::F32)
    return got == want ? 0.0 : 1.0;
  size_t n = want.size() / 4;
  double num = 0, den = 0;
  for (size_t k = 0; k < n; ++k) {
    float a, b;
    std::memcpy(&a, got.data() + k * 4, 4);
    std::memcpy(&b, want.data() + k * 4, 4);
    if (std::isnan(a) != std::isnan(b))
      return INFINITY;
    if (std::isnan(b))
      continue;
    num += (double(a) - b) * (double(a) - b);
    den += double(b) * b;
  }
  return den == 0 ? (num == 0 ? 0.0 : INFINITY) : std::sqrt(num / den);
}

} // namespace

void expectRangePlanMatchesFixed(llvm::StringRef yaml,
                                 const std::map<std::string, DimRange> &ranges,
                                 llvm::ArrayRef<SymbolValues> points,
                                 double tol, int64_t intHigh) {
  // The fixed plans load on a device of their own, so that the range plan's
  // counters show only what it does after load.
  auto device = Device::create(DeviceOptions());
  ASSERT_TRUE(bool(device)) << errText(device.takeError());
  auto refDevice = Device::create(DeviceOptions());
  ASSERT_TRUE(bool(refDevice)) << errText(refDevice.takeError());
  for (const char *target : {"cpu", "gpu"}) {
    SCOPED_TRACE(std::string("target ") + target);
    CompileOptions opts;
    opts.target = llvm::cantFail(kernelTargetByName(target));
    ModelParseOptions ranged;
    ranged.dims = ranges;
    auto plan = compileText(yaml, ranged, opts);
    ASSERT_TRUE(bool(plan)) << errText(plan.takeError());
    ASSERT_FALSE(plan->symbols.empty()) << "the range plan has no symbols";
    auto loaded = LoadedPlan::load(**device, *plan);
    ASSERT_TRUE(bool(loaded)) << errText(loaded.takeError());
    RuntimeCounters before = (*device)->counters();
    std::mt19937 rng(11);
    for (const SymbolValues &at : points) {
      std::string where;
      for (const auto &kv : at)
        where += kv.getKey().str() + "=" + std::to_string(kv.getValue()) + " ";
      SCOPED_TRACE("at " + where);
      ModelParseOptions fixed;
      for (const auto &kv : at)
        fixed.dims[kv.getKey().str()] = DimRange{kv.getValue(), kv.getValue()};
      auto fplan = compileText(yaml, fixed, opts);
      ASSERT_TRUE(bool(fplan)) << errText(fplan.takeError());
      auto floaded = LoadedPlan::load(**refDevice, *fplan);
      ASSERT_TRUE(bool(floaded)) << errText(floaded.takeError());
      for (size_t i = 0; i < fplan->inputs.size(); ++i) {
        const TensorType &t = fplan->tensors[fplan->inputs[i]].type;
        std::vector<uint8_t> bytes = randomInput(t, t.shape, intHigh, rng);
        ASSERT_FALSE(bool((*floaded)->setInput(i, bytes)));
        llvm::Error e = (*loaded)->setInput(i, bytes, t.shape);
        ASSERT_FALSE(bool(e)) << errText(std::move(e));
      }
      ASSERT_FALSE(bool((*floaded)->run()));
      llvm::Error e = (*loaded)->run();
      ASSERT_FALSE(bool(e)) << errText(std::move(e));
      for (size_t o = 0; o < fplan->outputs.size(); ++o) {
        const TensorType &t = fplan->tensors[fplan->outputs[o]].type;
        EXPECT_EQ((*loaded)->outputShape(o), std::vector<int64_t>(
                                                 t.shape.begin(), t.shape.end()))
            << "output " << o;
        llvm::ArrayRef<uint8_t> got = (*loaded)->output(o);
        llvm::ArrayRef<uint8_t> want = (*floaded)->output(o);
        ASSERT_EQ(got.size(), want.size()) << "output " << o;
        double d = relL2(got, want, t.dtype);
        if (tol == 0)
          EXPECT_TRUE(got == want) << "output " << o << " differs";
        else
          EXPECT_LE(d, tol) << "output " << o;
      }
    }
    RuntimeCounters after = (*device)->counters();
    EXPECT_EQ(after.allocatedBytes, before.allocatedBytes);
    EXPECT_EQ(after.memoryAllocations, before.memoryAllocations);
    EXPECT_EQ(after.pipelinesCreated, before.pipelinesCreated);
    EXPECT_EQ(after.descriptorWrites, before.descriptorWrites);
  }
}

std::string compileError(llvm::StringRef yaml,
                         const std::map<std::string, DimRange> &ranges) {
  ModelParseOptions parse;
  parse.dims = ranges;
  llvm::Expected<Plan> p = compileText(yaml, parse, CompileOptions());
  return p ? std::string() : llvm::toString(p.takeError());
}

std::vector<std::string>
rangePlanShaders(llvm::StringRef yaml,
                 const std::map<std::string, DimRange> &ranges,
                 llvm::StringRef target) {
  ModelParseOptions parse;
  parse.dims = ranges;
  CompileOptions opts;
  opts.target = llvm::cantFail(kernelTargetByName(target));
  llvm::Expected<Plan> p = compileText(yaml, parse, opts);
  EXPECT_TRUE(bool(p)) << llvm::toString(p.takeError());
  if (!p)
    return {};
  return testing::dispatchShaders(*p, /*skipStorageCasts=*/false);
}

std::vector<SymbolValues> pointsOf(const char *name,
                                   std::initializer_list<int64_t> values) {
  std::vector<SymbolValues> points;
  for (int64_t v : values) {
    SymbolValues at;
    at[name] = v;
    points.push_back(at);
  }
  return points;
}

namespace {
Graph inferred(llvm::StringRef yaml, const ModelParseOptions &opts) {
  llvm::Expected<Graph> g = parseModelString(yaml, "test.yaml", ".", opts);
  EXPECT_TRUE(bool(g)) << llvm::toString(g.takeError());
  if (!g)
    return Graph();
  if (llvm::Error e = inferShapes(*g))
    ADD_FAILURE() << llvm::toString(std::move(e));
  return std::move(*g);
}
} // namespace

void expectShapesMatchStatic(llvm::StringRef yaml, const char *name,
                             int64_t lo, int64_t hi) {
  ModelParseOptions ranged;
  ranged.dims[name] = DimRange{lo, hi};
  Graph sym = inferred(yaml, ranged);
  ASSERT_EQ(sym.symbols.size(), 1u);
  for (int64_t x = lo; x <= hi; ++x) {
    ModelParseOptions fixed;
    fixed.dims[name] = DimRange{x, x};
    Graph st = inferred(yaml, fixed);
    ASSERT_EQ(st.values.size(), sym.values.size());
    SymbolValues at;
    at[name] = x;
    for (size_t v = 0; v < st.values.size(); ++v) {
      if (!st.values[v].hasType)
        continue;
      const TensorType &s = sym.values[v].type, &t = st.values[v].type;
      ASSERT_TRUE(t.isStatic());
      ASSERT_EQ(s.rank(), t.rank()) << sym.values[v].name;
      for (size_t d = 0; d < t.rank(); ++d) {
        auto got = s.dim(d).evaluate(at);
        ASSERT_TRUE(bool(got)) << llvm::toString(got.takeError());
        EXPECT_EQ(*got, t.shape[d])
            << sym.values[v].name << " dim " << d << " = " << s.dim(d).str()
            << " at " << name << "=" << x;
        EXPECT_LE(t.shape[d], s.shape[d]) << "bound below a value";
      }
    }
  }
}

} // namespace tlc
