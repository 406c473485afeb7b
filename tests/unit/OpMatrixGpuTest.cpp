//===- tests/unit/OpMatrixGpuTest.cpp - Gemm/MatMul, "gpu" kernels --------===//
//
// The "gpu" profile's matrix multiply (shaders/gemm_tiled.comp) must be
// correct on any device, lavapipe included. Each case builds a one-node
// graph, compiles it with --target=gpu, runs it on the default device (with
// validation layers) and compares with the op's naive CPU reference
// (relative L2 <= 1e-5). The tiling tests substitute every candidate tiling
// into the compiled dispatch, on shapes that are not multiples of any block
// (scalar loads, partial tiles) and on multiples of 4 (vec4 loads).
// Also unit tests of the tiling rules (isValidGemmTileConfig,
// chooseGemmTiles).
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "ops/GemmKernel.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"
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

/// Compiles the op for the "gpu" profile; with \p tiling, that tiling
/// replaces the chosen one in the (single) gemm_tiled dispatch.
Expected<Plan> compileForGpu(StringRef op, const Attributes &attrs,
                             const std::vector<OpOperand> &operands,
                             std::optional<GemmTileConfig> tiling) {
  Expected<Graph> g = tt::buildOneNodeGraph(op, attrs, operands);
  if (!g)
    return g.takeError();
  CompileOptions copts;
  copts.planner = "pool";
  Expected<KernelTarget> target = kernelTargetByName("gpu");
  if (!target)
    return target.takeError();
  copts.target = *target;
  Expected<Plan> plan = compileGraph(std::move(*g), copts);
  if (!plan)
    return plan.takeError();
  unsigned tiled = 0;
  for (PlanCommand &c : plan->commands) {
    if (c.kind != CommandKind::Dispatch ||
        plan->shaders[c.shader].name != "gemm_tiled")
      continue;
    ++tiled;
    if (!tiling)
      continue;
    // Constants 23..27 are the tiling and 30 the workgroup size
    // (shaders/gemm_tiled.comp); groups[0] covers N and groups[1] M.
    c.specConstants[23] = tiling->bm;
    c.specConstants[24] = tiling->bn;
    c.specConstants[25] = tiling->bk;
    c.specConstants[26] = tiling->tm;
    c.specConstants[27] = tiling->tn;
    c.specConstants[30] = tiling->threads();
    c.groups[0] = uint32_t(ceilDiv(c.specConstants[1], tiling->bn));
    c.groups[1] = uint32_t(ceilDiv(c.specConstants[0], tiling->bm));
  }
  if (tiled != 1)
    return createStringError(inconvertibleErrorCode(),
                             "expected one gemm_tiled dispatch, found %u",
                             tiled);
  return plan;
}

/// The op compiled for "gpu" (optionally with \p tiling) against its CPU
/// reference.
void expectGpuKernelMatches(StringRef op, const Attributes &attrs,
                            const std::vector<OpOperand> &operands,
                            std::optional<GemmTileConfig> tiling = {}) {
  std::string what = op.str() + (tiling ? " with tiling " + tiling->str()
                                        : " (chosen tiling)");
  auto ref = tt::runReference(op, attrs, operands);
  ASSERT_TRUE(bool(ref)) << what << ": " << toString(ref.takeError());
  auto plan = compileForGpu(op, attrs, operands, tiling);
  ASSERT_TRUE(bool(plan)) << what << ": " << toString(plan.takeError());
  auto outs = tt::runPlanOnDevice(*plan, operands);
  ASSERT_TRUE(bool(outs)) << what << ": " << toString(outs.takeError());
  ASSERT_EQ(outs->size(), 1u) << what;
  const HostTensor &out = (*outs)[0];
  EXPECT_EQ(out.type, (*ref)[0].type) << what;
  EXPECT_LE(tt::relativeL2(out, (*ref)[0]), tt::kTolerance)
      << what << ", max abs diff " << tt::maxAbsDiff(out, (*ref)[0]);
}

TEST(OpGemmGpu, TilingRules) {
  for (const GemmTileConfig &c : gemmTileCandidates())
    EXPECT_TRUE(isValidGemmTileConfig(c, 32768)) << c.str();
  // 128x128x8 slabs: 2 * 8 * (33 + 33) vec4s = 16896 bytes.
  EXPECT_EQ((GemmTileConfig{128, 128, 8, 8, 8}.sharedBytes()), 16896u);
  EXPECT_FALSE(isValidGemmTileConfig({128, 128, 8, 8, 8}, 16384));
  EXPECT_FALSE(isValidGemmTileConfig({128, 128, 8, 6, 8}, 32768)); // tm % 4
  EXPECT_FALSE(isValidGemmTileConfig({128, 128, 6, 8, 8}, 32768)); // bk % 4
  EXPECT_FALSE(isValidGemmTileConfig({16, 16, 4, 4, 4}, 32768));   // 16 thr.
  EXPECT_FALSE(isValidGemmTileConfig({64, 64, 4, 4, 4}, 32768));   // < 1 load

  KernelTarget gpu = cantFail(kernelTargetByName("gpu"));
  GemmKernelArgs big;
  big.m = big.n = big.k = 4096;
  EXPECT_EQ(chooseGemmTiles(big, gpu).str(), "128x128x8/8x8");
  // GPT-2's projection: 128 x 768 x 768 gives too few 128x128 blocks.
  GemmKernelArgs small;
  small.m = 128;
  small.n = small.k = 768;
  GemmTileConfig s = chooseGemmTiles(small, gpu);
  EXPECT_LT(s.bm * s.bn, 128u * 128u) << s.str();
  // A target with 16 KiB of shared memory never gets the 16.5 KiB tiling.
  KernelTarget tiny = gpu;
  tiny.maxSharedMemoryBytes = 16384;
  EXPECT_TRUE(isValidGemmTileConfig(chooseGemmTiles(big, tiny), 16384));
}

TEST(OpGemmGpu, ChosenTilingOnOpTestShapes) {
  expectGpuKernelMatches(
      "Gemm", Attributes(),
      {{tt::randomTensor({7, 13}, 1)}, {tt::randomTensor({13, 5}, 2), true}});
  expectGpuKernelMatches("Gemm", gemmAttrs(0.5, -2.0, 1, 1),
                         {{tt::randomTensor({37, 19}, 3)},
                          {tt::randomTensor({23, 37}, 4), true},
                          {tt::randomTensor({1}, 5), true}});
  for (Shape cShape : {Shape{33}, Shape{17, 1}, Shape{17, 33}})
    expectGpuKernelMatches("Gemm", gemmAttrs(1.0, 0.75, 0, 1),
                           {{tt::randomTensor({17, 40}, 6)},
                            {tt::randomTensor({33, 40}, 7), true},
                            {tt::randomTensor(cShape, 8), true}});
  expectGpuKernelMatches("Gemm", gemmAttrs(1, 1, 0, 1),
                         {{tt::randomTensor({100, 3136}, 9)},
                          {tt::randomTensor({128, 3136}, 10), true},
                          {tt::randomTensor({128}, 11), true}});
  expectGpuKernelMatches("MatMul", Attributes(),
                         {{tt::randomTensor({2, 1, 3, 7, 13}, 14)},
                          {tt::randomTensor({4, 1, 13, 9}, 15), true}});
  expectGpuKernelMatches(
      "MatMul", Attributes(),
      {{tt::randomTensor({13}, 16)}, {tt::randomTensor({3, 13, 9}, 17)}});
  expectGpuKernelMatches(
      "MatMul", Attributes(),
      {{tt::randomTensor({3, 5, 13}, 18)}, {tt::randomTensor({13}, 19)}});
}

TEST(OpGemmGpu, ChosenTilingOnModelShapes) {
  // GPT-2's attention scores (batch of heads, aligned: vec4 paths with batch
  // offsets) and a 128-row projection, scaled down in K to keep lavapipe
  // fast.
  expectGpuKernelMatches("MatMul", Attributes(),
                         {{tt::randomTensor({1, 12, 128, 64}, 20)},
                          {tt::randomTensor({1, 12, 64, 128}, 21)}});
  expectGpuKernelMatches("MatMul", Attributes(),
                         {{tt::randomTensor({128, 96}, 22)},
                          {tt::randomTensor({96, 2304}, 23), true}});
}

TEST(OpGemmGpu, OneRowRunsTheGemv) {
  // resnet50's classifier (M = 1, transposed B, a bias): one gemv dispatch
  // (every weight read once), no split-K, against the CPU reference.
  std::vector<OpOperand> operands = {{tt::randomTensor({1, 2048}, 24)},
                                     {tt::randomTensor({1000, 2048}, 25), true},
                                     {tt::randomTensor({1000}, 26), true}};
  auto plan = tt::compileOneNode("Gemm", gemmAttrs(1, 1, 0, 1), operands,
                                 "gpu", DType::F32);
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  EXPECT_EQ(tt::dispatchShaders(*plan, false),
            std::vector<std::string>{"gemv"});
  tt::expectDeviceMatchesReference("Gemm", gemmAttrs(1, 1, 0, 1), operands);
}

TEST(OpGemmGpu, EveryTilingEveryTranspose) {
  for (const GemmTileConfig &cfg : gemmTileCandidates()) {
    for (int64_t ta = 0; ta < 2; ++ta)
      for (int64_t tb = 0; tb < 2; ++tb) {
        // Odd sizes: partial blocks, partial slabs, scalar loads and stores.
        int64_t m = 133, n = 70, k = 37;
        expectGpuKernelMatches(
            "Gemm", gemmAttrs(1.5, 0.5, ta, tb),
            {{tt::randomTensor(ta ? Shape{k, m} : Shape{m, k}, 30)},
             {tt::randomTensor(tb ? Shape{n, k} : Shape{k, n}, 31), true},
             {tt::randomTensor({n}, 32), true}},
            cfg);
        // Multiples of 4: vec4 loads of both operands and vec4 stores, with
        // a K that is not a multiple of the slab.
        m = 132, n = 68, k = 36;
        expectGpuKernelMatches(
            "Gemm", gemmAttrs(1, 0, ta, tb),
            {{tt::randomTensor(ta ? Shape{k, m} : Shape{m, k}, 33)},
             {tt::randomTensor(tb ? Shape{n, k} : Shape{k, n}, 34), true}},
            cfg);
      }
    // Batched with a broadcast operand (batch offsets 0 and m*k).
    expectGpuKernelMatches(
        "MatMul", Attributes(),
        {{tt::randomTensor({3, 20, 12}, 35)}, {tt::randomTensor({12, 44}, 36)}},
        cfg);
  }
}

} // namespace
