//===- tests/unit/OpGemmLargeTest.cpp - shaders/gemm_warptile.comp -------===//
//
// The warp-tiled f32 GEMM (ops/GemmLarge.h) must compute what the op's naive
// CPU reference computes, on any device (lavapipe included, whose subgroups
// are 8 wide: the shader's subgroup layout is a performance choice only).
// Each case compiles a one-node Gemm/MatMul for the "gpu" profile, replaces
// its gemm_tiled dispatch with lowerGemmWarpTile's for the same
// GemmKernelArgs (read back from constants 0..22, which both shaders share),
// runs the plan with validation layers and compares (relative L2 <= 1e-5).
// Also unit tests of the tiling rules and of chooseGemmWarpTile.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "ops/GemmLarge.h"
#include "driver/Pipeline.h"
#include "spirv/EmbeddedShaders.h"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::gemmAttrs;
using tt::OpOperand;

namespace {

/// GemmKernelArgs of a gemm_tiled dispatch, from its constants 0..22
/// (shaders/gemm_tiled.comp's order).
GemmKernelArgs argsFromConstants(ArrayRef<uint32_t> c) {
  GemmKernelArgs a;
  a.m = c[0], a.n = c[1], a.k = c[2];
  a.transA = c[3], a.transB = c[4];
  float f;
  std::memcpy(&f, &c[5], 4);
  a.alpha = f;
  std::memcpy(&f, &c[6], 4);
  a.beta = f;
  a.hasC = c[7];
  a.cStrideM = c[8], a.cStrideN = c[9];
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i) {
    a.batchDims[i] = c[11 + i];
    a.aBatchStride[i] = c[15 + i];
    a.bBatchStride[i] = c[19 + i];
  }
  return a;
}

/// Compiles the op for "gpu" and moves its one gemm_tiled dispatch to
/// gemm_warptile with tiling \p cfg.
Expected<Plan> compileWithWarpTile(StringRef op, const Attributes &attrs,
                                   const std::vector<OpOperand> &operands,
                                   const GemmWarpTileConfig &cfg) {
  Expected<Graph> g = tt::buildOneNodeGraph(op, attrs, operands);
  if (!g)
    return g.takeError();
  CompileOptions copts;
  copts.planner = "pool";
  copts.target = cantFail(kernelTargetByName("gpu"));
  Expected<Plan> plan = compileGraph(std::move(*g), copts);
  if (!plan)
    return plan.takeError();
  const EmbeddedShader *s = findEmbeddedShader("gemm_warptile");
  if (!s)
    return createStringError(inconvertibleErrorCode(),
                             "gemm_warptile is not embedded");
  uint32_t shaderIndex = uint32_t(plan->shaders.size());
  plan->shaders.push_back(
      {"gemm_warptile",
       std::vector<uint32_t>(s->words, s->words + s->numWords)});
  unsigned moved = 0;
  for (PlanCommand &c : plan->commands) {
    if (c.kind != CommandKind::Dispatch || c.shader == shaderIndex ||
        plan->shaders[c.shader].name != "gemm_tiled")
      continue;
    GemmKernelArgs args = argsFromConstants(c.specConstants);
    if (!gemmWarpTileFits(args, cfg))
      return createStringError(inconvertibleErrorCode(),
                               "shape does not fit tiling %s",
                               cfg.str().c_str());
    // Operand indices 0..3 stand for the command's bindings 0..3.
    DispatchDesc d = lowerGemmWarpTile(args, cfg, 0, 1, 2, 3);
    if (d.operands[2] != 2)
      c.bindings[2] = c.bindings[0]; // no C: A is bound there, never read
    c.shader = shaderIndex;
    SmallVector<uint32_t, 24> words = specWords(d.specConstants);
    c.specConstants.assign(words.begin(), words.end());
    std::copy(std::begin(d.groups), std::end(d.groups), c.groups);
    ++moved;
  }
  if (moved != 1)
    return createStringError(inconvertibleErrorCode(),
                             "expected one gemm_tiled dispatch, found %u",
                             moved);
  return plan;
}

void expectWarpTileMatches(StringRef op, const Attributes &attrs,
                           const std::vector<OpOperand> &operands,
                           const GemmWarpTileConfig &cfg) {
  std::string what = op.str() + " with warp tiling " + cfg.str();
  auto ref = tt::runReference(op, attrs, operands);
  ASSERT_TRUE(bool(ref)) << what << ": " << toString(ref.takeError());
  auto plan = compileWithWarpTile(op, attrs, operands, cfg);
  ASSERT_TRUE(bool(plan)) << what << ": " << toString(plan.takeError());
  auto outs = tt::runPlanOnDevice(*plan, operands);
  ASSERT_TRUE(bool(outs)) << what << ": " << toString(outs.takeError());
  ASSERT_EQ(outs->size(), 1u) << what;
  EXPECT_LE(tt::relativeL2((*outs)[0], (*ref)[0]), tt::kTolerance)
      << what << ", max abs diff " << tt::maxAbsDiff((*outs)[0], (*ref)[0]);
}

/// The candidates, a 64x64 block with 8-lane rows and 4-lane columns, and
/// a 32x32 block of two subgroups.
const GemmWarpTileConfig kTilings[] = {
    GemmWarpTileConfig(),
    {64, 128, 8, 64, 64, 16, 8, 4},
    {64, 64, 8, 32, 32, 4, 8, 4},
    {32, 32, 8, 32, 16, 4, 4, 8},
};

TEST(OpGemmLarge, TilingRules) {
  GemmWarpTileConfig def;
  EXPECT_EQ(def.str(), "128x128x8/64x64/16x8");
  EXPECT_EQ(def.threads(), 128u);
  // 2 slabs * 8 rows * ((128 + 4) + (128 + 4)) floats * 4 bytes.
  EXPECT_EQ(def.sharedBytes(), 16896u);
  for (const GemmWarpTileConfig &c : kTilings)
    EXPECT_TRUE(isValidGemmWarpTileConfig(c, 32768)) << c.str();
  EXPECT_FALSE(isValidGemmWarpTileConfig(def, 16384));
  GemmWarpTileConfig lanes = def;
  lanes.tn = 4; // 4 x 16 lanes: 64, not a subgroup
  EXPECT_FALSE(isValidGemmWarpTileConfig(lanes, 32768));
  GemmWarpTileConfig bk = def;
  bk.bk = 6;
  EXPECT_FALSE(isValidGemmWarpTileConfig(bk, 32768));
  GemmWarpTileConfig loads = def;
  loads.bk = 4; // 128 vec4s of each operand for 128 invocations: valid
  EXPECT_TRUE(isValidGemmWarpTileConfig(loads, 32768));
  loads.bk = 64; // 16 vec4s per invocation: over the staging limit
  EXPECT_FALSE(isValidGemmWarpTileConfig(loads, 1 << 20));

  GemmKernelArgs big;
  big.m = big.n = big.k = 4096;
  EXPECT_TRUE(gemmWarpTileFits(big, def));
  std::optional<GemmWarpTileConfig> chosen = chooseGemmWarpTile(big, 49152);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->str(), def.str());
  // 16 KiB of shared memory: only the 64x128 block (12.5 KiB) fits.
  chosen = chooseGemmWarpTile(big, 16384);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->str(), "64x128x8/64x64/16x8");
  EXPECT_FALSE(chooseGemmWarpTile(big, 8192).has_value());
  // 512 rows: 128 blocks of 128x128, 256 of 64x128.
  GemmKernelArgs wide = big;
  wide.m = 512;
  chosen = chooseGemmWarpTile(wide, 49152);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->str(), "64x128x8/64x64/16x8");
  for (const GemmWarpTileConfig &c : gemmWarpTileCandidates())
    EXPECT_TRUE(isValidGemmWarpTileConfig(c, 32768)) << c.str();
  // GPT-2's 128-row projections: too few blocks. The LM head: N = 50257.
  GemmKernelArgs gpt2;
  gpt2.m = 128;
  gpt2.n = gpt2.k = 768;
  EXPECT_TRUE(gemmWarpTileFits(gpt2, def));
  EXPECT_FALSE(chooseGemmWarpTile(gpt2, 49152).has_value());
  gpt2.n = 50257;
  EXPECT_FALSE(gemmWarpTileFits(gpt2, def));
  // A transposed A needs M % 4 == 0 (true here) and K a multiple of BK.
  GemmKernelArgs odd = big;
  odd.k = 4100;
  EXPECT_FALSE(gemmWarpTileFits(odd, def));
  odd = big;
  odd.aBatchStride[3] = 2; // batch offsets not vec4-aligned
  EXPECT_FALSE(gemmWarpTileFits(odd, def));
}

TEST(OpGemmLarge, EveryTilingEveryTranspose) {
  for (const GemmWarpTileConfig &cfg : kTilings)
    for (int64_t ta = 0; ta < 2; ++ta)
      for (int64_t tb = 0; tb < 2; ++tb) {
        int64_t m = 128, n = 128, k = 16;
        expectWarpTileMatches(
            "Gemm", gemmAttrs(1.5, 0.5, ta, tb),
            {{tt::randomTensor(ta ? Shape{k, m} : Shape{m, k}, 40)},
             {tt::randomTensor(tb ? Shape{n, k} : Shape{k, n}, 41), true},
             {tt::randomTensor({n}, 42), true}},
            cfg);
      }
}

TEST(OpGemmLarge, BatchedWithBroadcastAndBias) {
  const GemmWarpTileConfig &cfg = kTilings[2];
  // Batch dims [2, 3] with B broadcast over the first (batch offsets 0 and
  // k * n), as GPT-2's attention products are batched.
  expectWarpTileMatches("MatMul", Attributes(),
                        {{tt::randomTensor({2, 3, 64, 32}, 43)},
                         {tt::randomTensor({3, 32, 128}, 44), true}},
                        cfg);
  // A bias of shape [M, 1] (C strides 1, 0).
  expectWarpTileMatches("Gemm", gemmAttrs(1, 1, 0, 0),
                        {{tt::randomTensor({128, 64}, 45)},
                         {tt::randomTensor({64, 192}, 46), true},
                         {tt::randomTensor({128, 1}, 47), true}},
                        cfg);
}

} // namespace

namespace {

/// \p op over \p operands compiled for "gpu" with the real lowering.
Expected<Plan> compileForGpu(StringRef op, const Attributes &attrs,
                             const std::vector<OpOperand> &operands) {
  Expected<Graph> g = tt::buildOneNodeGraph(op, attrs, operands);
  if (!g)
    return g.takeError();
  CompileOptions copts;
  copts.target = cantFail(kernelTargetByName("gpu"));
  return compileGraph(std::move(*g), copts);
}

/// The shaders of \p plan's dispatches, comma-separated.
std::string dispatchShaders(const Plan &plan) {
  std::string shader;
  for (const PlanCommand &c : plan.commands)
    if (c.kind == CommandKind::Dispatch)
      shader += (shader.empty() ? "" : ",") + plan.shaders[c.shader].name;
  return shader;
}

TEST(OpGemmLarge, LoweringPicksWarpTileForLargeDividingShapes) {
  // 2048 x 2048 outputs: 256 blocks of 128x128, K a multiple of 8.
  std::vector<OpOperand> large = {{tt::randomTensor({2048, 16}, 50)},
                                  {tt::randomTensor({16, 2048}, 51), true},
                                  {tt::randomTensor({2048}, 52), true}};
  Attributes attrs = gemmAttrs(1, 1, 0, 0);
  Expected<Plan> plan = compileForGpu("Gemm", attrs, large);
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  EXPECT_EQ(dispatchShaders(*plan), "gemm_warptile");
  // The real lowering computes the product.
  auto ref = tt::runReference("Gemm", attrs, large);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  auto outs = tt::runPlanOnDevice(*plan, large);
  ASSERT_TRUE(bool(outs)) << toString(outs.takeError());
  EXPECT_LE(tt::relativeL2((*outs)[0], (*ref)[0]), tt::kTolerance);
  // One row fewer no longer divides the block: gemm_tiled.
  std::vector<OpOperand> ragged = {{tt::randomTensor({2047, 16}, 53)},
                                   {tt::randomTensor({16, 2048}, 54), true},
                                   {tt::randomTensor({2048}, 55), true}};
  Expected<Plan> raggedPlan = compileForGpu("Gemm", attrs, ragged);
  ASSERT_TRUE(bool(raggedPlan)) << toString(raggedPlan.takeError());
  EXPECT_EQ(dispatchShaders(*raggedPlan), "gemm_tiled");
}

} // namespace
