// The GEMV a GEMM takes at M = 1 over a token range (ops/GemmKernel.h:
// gemvApplies, shaders/gemv.comp): a plan for rows S in [1, 9] runs gemv
// for one row and the tiled GEMM for more, gated on S, and matches plans
// compiled for each exact S (which run gemm / gemm_tiled at S = 1, a
// kernel checked against the CPU reference in OpMatrixTest). Sums run in
// another order, so within relative L2 1e-5. Covers every load width of
// the shader (K % 8 == 0, K % 4 == 0, neither), N not a multiple of the
// rows per workgroup, alpha and beta, a bias, and a fused residual (in
// place over Z).
#include "OpTestUtil.h"
#include "RangeTestUtil.h"

#include "driver/Pipeline.h"
#include "ir/ModelParser.h"
#include "ops/KernelTarget.h"

#include <gtest/gtest.h>

using namespace tlc;
using llvm::Expected;

namespace {

/// x [S, K] times w [N, K]^T with bias b [N] (Gemm, alpha 0.5, beta 2),
/// then the residual relu(r) [S, N] added (FuseEpilogues makes a
/// GemmResidual, which writes z over the dying relu(r) in place), through a Sigmoid.
std::string projection(int64_t k, int64_t n) {
  std::string ks = std::to_string(k), ns = std::to_string(n);
  return R"(tlc: 1
name: gemv
inputs:
  - {name: x, shape: [S, )" + ks + R"(], dtype: f32}
  - {name: r, shape: [S, )" + ns + R"(], dtype: f32}
outputs: [y, o]
constants:
  - {name: w, shape: [)" + ns + ", " + ks + R"(], dtype: f32, values: [)" +
         tlc::testing::patternValues(n * k, 1) + R"(]}
  - {name: b, shape: [)" + ns + R"(], dtype: f32, values: [)" +
         tlc::testing::patternValues(n, 2) + R"(]}
nodes:
  - {op: Gemm, in: [x, w, b], out: y, attrs: {transB: 1, alpha: 0.5, beta: 2.0}}
  - {op: Relu, in: [r], out: rr}
  - {op: Gemm, in: [x, w], out: p, attrs: {transB: 1}}
  - {op: Add, in: [p, rr], out: z}
  - {op: Sigmoid, in: [z], out: o}
)";
}

Expected<Plan> compileRange(const std::string &yaml, const char *target) {
  ModelParseOptions parse;
  parse.dims = {{"S", DimRange{1, 9}}};
  Expected<Graph> g = parseModelString(yaml, "gemv.yaml", ".", parse);
  if (!g)
    return g.takeError();
  CompileOptions opts;
  opts.target = llvm::cantFail(kernelTargetByName(target));
  return compileGraph(std::move(*g), opts);
}

} // namespace

TEST(GemvTest, RangePlanMatchesFixedPlansAtEveryLoadWidth) {
  for (int64_t k : {72, 36, 30}) {
    SCOPED_TRACE("K = " + std::to_string(k));
    std::string yaml = projection(k, 13);
    expectRangePlanMatchesFixed(yaml, {{"S", DimRange{1, 9}}},
                                pointsOf("S", {1, 4, 9, 1}), 1e-5);
  }
}

TEST(GemvTest, OneRowRunsTheGemvAndMoreTheTiledGemm) {
  std::string yaml = projection(72, 13);
  // The bias Gemm, then the GemmResidual: each a gemv gated to S = 1 and
  // the general kernel gated to S >= 2 (static N and K, weight [N, K]).
  EXPECT_EQ(rangePlanShaders(yaml, {{"S", DimRange{1, 9}}}, "cpu"),
            (std::vector<std::string>{"gemv_dyn", "gemm_dyn", "unary_dyn",
                                      "gemv_dyn", "gemm_dyn", "unary_dyn"}));
  EXPECT_EQ(rangePlanShaders(yaml, {{"S", DimRange{1, 9}}}, "gpu"),
            (std::vector<std::string>{"gemv_dyn", "gemm_tiled_dyn",
                                      "unary_dyn", "gemv_dyn",
                                      "gemm_tiled_dyn", "unary_dyn"}));
  // A range that does not reach 1, and static shapes, keep one kernel.
  EXPECT_EQ(rangePlanShaders(yaml, {{"S", DimRange{2, 9}}}, "cpu"),
            (std::vector<std::string>{"gemm_dyn", "unary_dyn", "gemm_dyn", "unary_dyn"}));
}

TEST(GemvTest, AlternativesShareTheirBarrier) {
  Expected<Plan> plan = compileRange(projection(72, 13), "cpu");
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  // The first Gemm's two alternatives write y with no barrier between
  // them; the GemmResidual's tiled GEMM reads z's bytes, which its gemv
  // writes, so a barrier separates those (the validation layer cannot see
  // that an indirect dispatch ran no workgroups).
  std::string kinds;
  for (const PlanCommand &c : plan->commands)
    if (c.kind != CommandKind::Release)
      kinds += c.kind == CommandKind::Barrier ? "| " : c.label + " ";
  // relu(r) runs beside the first Gemm; the GemmResidual's gemv waits for
  // it (it reads relu(r) as Z).
  EXPECT_EQ(kinds, "y y rr | p | p | o ");
}
