// MatMul over shape ranges (docs/shape-ranges.md, issue #14): symbolic M,
// N, K and batch dims, compiled once for the range and checked against
// plans compiled for each exact shape (tests/unit/RangeTestUtil.h), the
// kernel choice for symbolic sizes, and the refusal of a batch broadcast
// that depends on the values. The comparisons are bitwise: at these sizes
// the fixed plans take gemm_tiled / gemm too (no split-K or warp tiles),
// and every tiling sums k in the same order.
#include "RangeTestUtil.h"

#include "driver/Pipeline.h"
#include "ir/ModelParser.h"
#include "ops/GemmKernel.h"
#include "ops/OpDef.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {

/// Attention over a sequence S: scores = Q K^T ([2, S, S]: symbolic M and
/// N), out = scores V ([2, S, 4]: symbolic M and K). Also a 2-D projection
/// [S, 8] x [8, 5] (symbolic M only) and a vector times a [S, 4] matrix.
const char *kAttention = R"(tlc: 1
name: attention
inputs:
  - {name: q, shape: [2, S, 4], dtype: f32}
  - {name: k, shape: [2, S, 4], dtype: f32}
  - {name: v, shape: [2, S, 4], dtype: f32}
  - {name: x, shape: [S, 8], dtype: f32}
  - {name: s, shape: [S], dtype: f32}
outputs: [scores, out, proj, vec]
constants:
  - {name: w, shape: [8, 5], dtype: f32, values: [0.5, -1, 2, 0.25, 1.5, -0.75,
      3, 1, -2, 0.5, 1, 1, -1, 0.125, 2, 0.5, -0.5, 0.25, 1, -1.5, 2, 1, 0,
      -1, 0.5, 0.75, -0.25, 1, 2, -2, 1, 0.5, -1, 1.25, 0, 0.5, 1, -1, 2, 3]}
nodes:
  - {op: Transpose, in: [k], out: kt, attrs: {perm: [0, 2, 1]}}
  - {op: MatMul, in: [q, kt], out: scores}
  - {op: MatMul, in: [scores, v], out: out}
  - {op: MatMul, in: [x, w], out: proj}
  - {op: MatMul, in: [s, x], out: vec}
)";

} // namespace

TEST(SymbolicMatMulTest, AttentionRangePlanMatchesFixed) {
  expectRangePlanMatchesFixed(kAttention, {{"S", DimRange{1, 80}}},
                              pointsOf("S", {1, 80, 5, 8, 33, 64}), 0);
}

TEST(SymbolicMatMulTest, BatchedBroadcastRangePlanMatchesFixed) {
  // Rank 4 with a symbolic batch dim broadcast against 1, a static batch
  // dim, and a 2-D B broadcast over every batch; rank 3 against rank 4.
  const char *yaml = R"(tlc: 1
name: batched
inputs:
  - {name: a, shape: [N, 2, 3, 4], dtype: f32}
  - {name: b, shape: [1, 2, 4, 8], dtype: f32}
  - {name: c, shape: [4, 6], dtype: f32}
  - {name: d, shape: [2, 4, N], dtype: f32}
outputs: [ab, ac, ad]
nodes:
  - {op: MatMul, in: [a, b], out: ab}
  - {op: MatMul, in: [a, c], out: ac}
  - {op: MatMul, in: [a, d], out: ad}
)";
  expectRangePlanMatchesFixed(yaml, {{"N", DimRange{1, 12}}},
                              pointsOf("N", {1, 12, 3, 7}), 0);
}

TEST(SymbolicMatMulTest, SymbolicSizesTakeTheGeneralKernels) {
  // Large bounds would pick the warp-tiled kernel or split-K for a static
  // shape; a symbolic one runs gemm_tiled (gpu) / gemm (cpu) with run-time
  // sizes, vec4 only where every value is a multiple of 4.
  const char *yaml = R"(tlc: 1
name: big
inputs:
  - {name: a, shape: [S, 768], dtype: f32}
  - {name: b, shape: [768, S], dtype: f32}
outputs: [y]
nodes:
  - {op: MatMul, in: [a, b], out: y}
)";
  for (const char *target : {"cpu", "gpu"}) {
    SCOPED_TRACE(target);
    ModelParseOptions parse;
    parse.dims["S"] = DimRange{1, 4096};
    llvm::Expected<Graph> g = parseModelString(yaml, "t.yaml", ".", parse);
    ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
    CompileOptions opts;
    opts.target = llvm::cantFail(kernelTargetByName(target));
    llvm::Expected<Plan> p = compileGraph(std::move(*g), opts);
    ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
    std::vector<std::string> shaders;
    for (const PlanCommand &c : p->commands)
      if (c.kind == CommandKind::Dispatch) {
        EXPECT_TRUE(c.dynamic);
        shaders.push_back(p->shaders[c.shader].name);
      }
    EXPECT_EQ(shaders, std::vector<std::string>{std::string(target) == "gpu"
                                                    ? "gemm_tiled_dyn"
                                                    : "gemm_dyn"});
  }
}

TEST(SymbolicMatMulTest, StaticShapesKeepTheirKernels) {
  // A static problem that takes the warp-tiled kernel still does.
  GemmKernelArgs args;
  args.m = args.n = args.k = 4096;
  DispatchDesc d = lowerGemmKernel(args, 0, 1, 0, 2,
                                   llvm::cantFail(kernelTargetByName("gpu")));
  EXPECT_EQ(d.shader, "gemm_warptile");
  EXPECT_FALSE(d.isDynamic());
}

TEST(SymbolicMatMulTest, RefusesABroadcastThatDependsOnTheValues) {
  const char *yaml = R"(tlc: 1
name: bad
inputs:
  - {name: a, shape: [N, 3, 4], dtype: f32}
  - {name: b, shape: [2, 4, 5], dtype: f32}
outputs: [y]
nodes:
  - {op: MatMul, in: [a, b], out: y}
)";
  ModelParseOptions parse;
  parse.dims["N"] = DimRange{1, 4};
  llvm::Expected<Graph> g = parseModelString(yaml, "t.yaml", ".", parse);
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  llvm::Error e = inferShapes(*g);
  ASSERT_TRUE(bool(e));
  std::string msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("node 'y' (MatMul)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("would need N and 2"), std::string::npos) << msg;
}

TEST(SymbolicMatMulTest, OcrRecognizerAttentionBlockMatchesFixed) {
  // The shape of PP-OCRv4 rec's SVTR attention over T = W/8 columns:
  // qkv [1, T, 360] -> Reshape [1, T, 3, 8, 15] -> Transpose to
  // [3, 1, 8, T, 15] -> Slice q, k, v on axis 0 -> Reshape away the 1 ->
  // q K^T [1, 8, T, T] -> (scores) V [1, 8, T, 15] -> Transpose back ->
  // Reshape [1, T, 120] -> projection [120, 6]. The scale and the softmax
  // are left out (elementwise and reduction ops, converted separately).
  std::string w;
  for (int i = 0; i < 720; ++i)
    w += (i ? ", " : "") + std::to_string((i % 17) * 0.125 - 1);
  std::string yaml = R"(tlc: 1
name: svtr
inputs:
  - {name: x, shape: [1, T, 360], dtype: f32}
outputs: [y]
constants:
  - {name: heads, shape: [5], dtype: i64, values: [0, -1, 3, 8, 15]}
  - {name: s0, shape: [1], dtype: i64, values: [0]}
  - {name: s1, shape: [1], dtype: i64, values: [1]}
  - {name: s2, shape: [1], dtype: i64, values: [2]}
  - {name: s3, shape: [1], dtype: i64, values: [3]}
  - {name: ax0, shape: [1], dtype: i64, values: [0]}
  - {name: sq, shape: [4], dtype: i64, values: [1, 8, -1, 15]}
  - {name: flat, shape: [3], dtype: i64, values: [0, -1, 120]}
  - {name: proj, shape: [120, 6], dtype: f32, values: [)" +
                     w + R"(]}
nodes:
  - {op: Reshape, in: [x, heads], out: qkv}
  - {op: Transpose, in: [qkv], out: t, attrs: {perm: [2, 0, 3, 1, 4]}}
  - {op: Slice, in: [t, s0, s1, ax0], out: q5}
  - {op: Slice, in: [t, s1, s2, ax0], out: k5}
  - {op: Slice, in: [t, s2, s3, ax0], out: v5}
  - {op: Reshape, in: [q5, sq], out: q}
  - {op: Reshape, in: [k5, sq], out: k}
  - {op: Reshape, in: [v5, sq], out: v}
  - {op: Transpose, in: [k], out: kt, attrs: {perm: [0, 1, 3, 2]}}
  - {op: MatMul, in: [q, kt], out: scores}
  - {op: MatMul, in: [scores, v], out: o}
  - {op: Transpose, in: [o], out: ot, attrs: {perm: [0, 2, 1, 3]}}
  - {op: Reshape, in: [ot, flat], out: of}
  - {op: MatMul, in: [of, proj], out: y}
)";
  // W = 32..1280 gives T = 4..160.
  expectRangePlanMatchesFixed(yaml, {{"T", DimRange{4, 160}}},
                              pointsOf("T", {4, 160, 5, 40, 97}), 0);
}

TEST(SymbolicMatMulTest, SplitKOverARangeMatchesFixedPlans) {
  // Rows S in 1..96 against K = 512: on the gpu target a quarter of the
  // bound (24 rows, 8 column blocks) has too few workgroups, so the range
  // plan splits K (GemmSplitK on gemm_tiled, SplitKReduce) with run-time
  // rows, as the plan for exactly 24 rows does; the bias, residual and
  // LayerNormalization follow as in fixed plans. Fixed plans choose their
  // own slices, so sums differ in order: relative L2 within 1e-5.
  std::string w, bias, g;
  for (int i = 0; i < 512 * 256; ++i)
    w += (i ? ", " : "") + std::to_string(((i * 37) % 23) * 0.01 - 0.11);
  for (int i = 0; i < 256; ++i) {
    bias += (i ? ", " : "") + std::to_string((i % 7) * 0.25 - 0.75);
    g += (i ? ", " : "") + std::to_string(1.0 + (i % 5) * 0.125);
  }
  std::string yaml = R"(tlc: 1
name: proj
inputs:
  - {name: x, shape: [1, S, 512], dtype: f32}
  - {name: r, shape: [1, S, 256], dtype: f32}
outputs: [y, n]
constants:
  - {name: w, shape: [512, 256], dtype: f32, values: [)" +
                     w + R"(]}
  - {name: b, shape: [256], dtype: f32, values: [)" +
                     bias + R"(]}
  - {name: g, shape: [256], dtype: f32, values: [)" +
                     g + R"(]}
nodes:
  - {op: MatMul, in: [x, w], out: xw}
  - {op: Add, in: [xw, b], out: xb}
  - {op: Add, in: [xb, r], out: y}
  - {op: LayerNormalization, in: [y, g, b], out: n, attrs: {axis: -1}}
)";
  expectRangePlanMatchesFixed(yaml, {{"S", DimRange{1, 96}}},
                              pointsOf("S", {1, 96, 24, 7, 50}), 1e-5);
  std::vector<std::string> shaders =
      rangePlanShaders(yaml, {{"S", DimRange{1, 96}}}, "gpu");
  ASSERT_EQ(shaders.size(), 4u);
  EXPECT_EQ(shaders[0], "gemm_tiled_dyn");
  EXPECT_EQ(shaders[1], "splitk_reduce_dyn");
}
