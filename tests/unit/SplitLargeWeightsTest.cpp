// passes/SplitLargeWeights.cpp: weights beyond one binding split into
// chunks. A model with a Gather over a weight table (token ids over a
// range, negative and out-of-range ones among them), a Gemm with transB and
// a bias, and a MatMul with B [K, N] is compiled once whole and once with a
// binding limit that splits every one of those weights; on lavapipe both
// plans give the same outputs (bitwise: each output element is computed by
// the same kernel over the same k in both; the whole plan is itself
// checked against the CPU references by the op tests), and the split plan binds no
// tensor above the limit. GatherRowChunks' kernel is also checked against
// its CPU reference.
#include "OpTestUtil.h"

#include "driver/Pipeline.h"
#include "ir/ModelParser.h"
#include "ops/KernelTarget.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace tlc;
using llvm::Expected;

namespace {

/// ids [1, S] -> table [100, 8] rows -> [1, S, 8]; x [S, 8] against
/// w [130, 8]^T + b, against m [8, 130] and against the table transposed
/// (a tied LM head).
std::string model() {
  return R"(tlc: 1
name: split
inputs:
  - {name: ids, shape: [1, S], dtype: i64}
  - {name: x, shape: [S, 8], dtype: f32}
outputs: [e, y, z, t]
constants:
  - {name: table, shape: [100, 8], dtype: f32, values: [)" +
         tlc::testing::patternValues(800, 1) + R"(]}
  - {name: w, shape: [130, 8], dtype: f32, values: [)" +
         tlc::testing::patternValues(1040, 2) + R"(]}
  - {name: b, shape: [130], dtype: f32, values: [)" +
         tlc::testing::patternValues(130, 3) + R"(]}
  - {name: m, shape: [8, 130], dtype: f32, values: [)" +
         tlc::testing::patternValues(1040, 4) + R"(]}
nodes:
  - {op: Gather, in: [table, ids], out: e, attrs: {axis: 0}}
  - {op: Gemm, in: [x, w, b], out: y, attrs: {transB: 1, alpha: 0.5}}
  - {op: MatMul, in: [x, m], out: z}
  - {op: Gemm, in: [x, table], out: t, attrs: {transB: 1}}
)";
}

Expected<Plan> compile(uint64_t maxBindingBytes) {
  ModelParseOptions parse;
  parse.dims = {{"S", DimRange{1, 6}}};
  Expected<Graph> g = parseModelString(model(), "split.yaml", ".", parse);
  if (!g)
    return g.takeError();
  CompileOptions opts;
  opts.target = llvm::cantFail(kernelTargetByName("cpu"));
  opts.maxBindingBytes = maxBindingBytes;
  return compileGraph(std::move(*g), opts);
}

/// Outputs of \p plan for \p s token ids \p ids and rows x.
std::vector<std::vector<uint8_t>> runPlan(Device &dev, const Plan &plan,
                                          const std::vector<int64_t> &ids) {
  auto lp = LoadedPlan::load(dev, plan);
  EXPECT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  if (!lp)
    return {};
  int64_t s = int64_t(ids.size());
  std::vector<float> x(size_t(s * 8));
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = float(int(i * 13 % 17) - 8) / 8.0f;
  EXPECT_FALSE(bool((*lp)->setInput(
      0, {reinterpret_cast<const uint8_t *>(ids.data()), ids.size() * 8},
      {1, s})));
  EXPECT_FALSE(bool((*lp)->setInput(
      1, {reinterpret_cast<const uint8_t *>(x.data()), x.size() * 4}, {s, 8})));
  llvm::Error e = (*lp)->run();
  EXPECT_FALSE(bool(e)) << llvm::toString(std::move(e));
  std::vector<std::vector<uint8_t>> out;
  for (unsigned i = 0; i < 4; ++i) {
    llvm::ArrayRef<uint8_t> o = (*lp)->output(i);
    out.emplace_back(o.begin(), o.end());
  }
  return out;
}

} // namespace

TEST(SplitLargeWeights, SplitPlanMatchesTheWholeOne) {
  Expected<Plan> whole = compile(kMaxBindingBytes);
  ASSERT_TRUE(bool(whole)) << llvm::toString(whole.takeError());
  // 1000 bytes: the table (3200 bytes) in 4 chunks (3 of 31 rows, one of
  // 7), w and m (4160 bytes each) in 5 slices of N.
  Expected<Plan> split = compile(1000);
  ASSERT_TRUE(bool(split)) << llvm::toString(split.takeError());
  std::vector<std::string> shaders =
      tlc::testing::dispatchShaders(*split, false);
  EXPECT_EQ(std::count(shaders.begin(), shaders.end(), "gather_dyn"), 4);
  // The Gemms' slices (5 of w, 4 of the table) each with their GEMV for
  // one row, the MatMul's (B not transposed: no GEMV) alone.
  EXPECT_EQ(std::count(shaders.begin(), shaders.end(), "gemv_dyn"), 5 + 4);
  EXPECT_EQ(std::count(shaders.begin(), shaders.end(), "gemm_dyn"),
            5 + 5 + 4);
  // The Gather and the tied Gemm share the table's 4 row chunks.
  int tableChunks = 0;
  for (const PlanTensor &t : split->tensors)
    if (t.role == TensorRole::Weight) {
      EXPECT_LE(t.bytes, 1000u) << t.name;
      tableChunks += llvm::StringRef(t.name).startswith("table.rows");
    }
  EXPECT_EQ(tableChunks, 4);

  DeviceOptions dopts;
  dopts.validation = true;
  auto dev = Device::create(dopts);
  ASSERT_TRUE(bool(dev)) << llvm::toString(dev.takeError());
  for (const std::vector<int64_t> &ids :
       {std::vector<int64_t>{3, 99, 31, 62, 93, 0},
        std::vector<int64_t>{-1, 100, -100, 40, -101, 7},
        std::vector<int64_t>{95}}) {
    SCOPED_TRACE(ids.size());
    std::vector<std::vector<uint8_t>> a = runPlan(**dev, *whole, ids);
    std::vector<std::vector<uint8_t>> b = runPlan(**dev, *split, ids);
    ASSERT_EQ(a.size(), 4u);
    ASSERT_EQ(b.size(), 4u);
    for (unsigned i = 0; i < 4; ++i)
      EXPECT_EQ(a[i], b[i]) << "output " << i;
  }
  EXPECT_EQ((*dev)->counters().validationMessages, 0u);
}

TEST(SplitLargeWeights, GatherRowChunksMatchesItsReference) {
  // Chunks of 5, 3 and 4 rows of 6 values; indices with negative and
  // out-of-range values.
  std::vector<tlc::testing::OpOperand> in = {
      {tlc::testing::ints({2, 4}, {0, 11, -1, 5, 12, -13, 7, 4}), false}};
  for (int64_t rows : {5, 3, 4})
    in.push_back({tlc::testing::randomTensor({rows, 6}, uint32_t(rows)), true});
  tlc::testing::expectDeviceMatchesReference("GatherRowChunks", {}, in);
}
