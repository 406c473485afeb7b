//===- tests/unit/OpF16MatrixConvTest.cpp - GEMM/conv with fp16 storage ---===//
//
// The fp16-storage builds (`--precision=fp16`) of the GEMM, convolution,
// split-K and BatchNormalization kernels: gemm, gemm_tiled, gemm_warptile,
// conv2d, conv2d_igemm, conv2d_igemm_small, conv2d_depthwise,
// conv_transpose2d, splitk_reduce, splitk_reduce_ln and batchnorm. Each case
// rounds its inputs (and weights) to binary16, runs the op compiled with
// floatStorage = F16 (tt::runOnDeviceF16, which fails if any dispatch of
// the op ran an f32 build) and compares with the op's CPU reference on the
// same rounded inputs: relative L2 <= kToleranceF16. A compile of the same
// graph checks that the case reaches the intended shader and path (tiling,
// vec4 or scalar loads), so that no path is tested by accident or not at
// all. The "cpu" target selects gemm and conv2d, "gpu" the tiled,
// warp-tiled, implicit-GEMM, depthwise and split-K kernels; splitk_reduce_ln
// is reached through a Gemm -> Add -> LayerNormalization graph. Also: the
// conv lowerings must emit the same dispatches for F16-typed operands (what
// codegen sees after passes/F16Storage.cpp) as for F32 ones.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "OpTestUtil.h"

#include "ops/GemmKernel.h"
#include "ops/KernelTarget.h"
#include "driver/Pipeline.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::convAttrs;
using tt::gemmAttrs;
using tt::OpOperand;

namespace {

/// \p operands with every tensor rounded to binary16.
std::vector<OpOperand> rounded(std::vector<OpOperand> operands) {
  for (OpOperand &o : operands)
    o.tensor = tt::roundedToF16(std::move(o.tensor));
  return operands;
}

/// The dispatches of \p plan that ran shader \p name.
std::vector<const PlanCommand *> dispatchesOf(const Plan &plan,
                                              StringRef name) {
  std::vector<const PlanCommand *> r;
  for (const PlanCommand &c : plan.commands)
    if (c.kind == CommandKind::Dispatch && plan.shaders[c.shader].name == name)
      r.push_back(&c);
  return r;
}

/// The shaders of \p plan's dispatches, in order, for failure messages.
std::string shaderList(const Plan &plan) {
  std::string r;
  for (const PlanCommand &c : plan.commands)
    if (c.kind == CommandKind::Dispatch)
      r += (r.empty() ? "" : " ") + plan.shaders[c.shader].name;
  return r;
}

/// A check of the dispatch of the expected shader (its specialization
/// constants select the path: vec4 loads, tiling).
using DispatchCheck = std::function<void(const PlanCommand &)>;

/// Rounds \p operands to binary16, checks that the fp16 compile of \p op for
/// \p target dispatches \p shader's fp16 build exactly once (and passes
/// \p check on it), runs the op with runOnDeviceF16 and compares every
/// output with the CPU reference on the rounded operands.
void expectF16Matches(StringRef op, const Attributes &attrs,
                      std::vector<OpOperand> operands, StringRef target,
                      StringRef shader, DispatchCheck check = nullptr) {
  std::string what =
      op.str() + " on " + target.str() + " (" + shader.str() + "_f16)";
  SCOPED_TRACE(what);
  operands = rounded(std::move(operands));
  auto ref = tt::runReference(op, attrs, operands);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  auto plan = tt::compileOneNode(op, attrs, operands, target, DType::F16);
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  std::vector<const PlanCommand *> ds =
      dispatchesOf(*plan, shader.str() + "_f16");
  ASSERT_EQ(ds.size(), 1u) << "dispatches of " << shader.str()
                           << "_f16; the plan runs " << shaderList(*plan);
  if (check)
    check(*ds[0]);
  auto outs = tt::runOnDeviceF16(op, attrs, operands, target);
  ASSERT_TRUE(bool(outs)) << toString(outs.takeError());
  ASSERT_EQ(outs->size(), ref->size());
  for (size_t i = 0; i < ref->size(); ++i) {
    EXPECT_EQ((*outs)[i].type, (*ref)[i].type) << "output " << i;
    EXPECT_LE(tt::relativeL2((*outs)[i], (*ref)[i]), tt::kToleranceF16)
        << "output " << i << ", max abs diff "
        << tt::maxAbsDiff((*outs)[i], (*ref)[i]);
  }
}

/// Gemm operands: A [M,K] (or [K,M]), weight B [K,N] (or [N,K]), bias [N].
std::vector<OpOperand> gemmOperands(int64_t m, int64_t n, int64_t k, bool ta,
                                    bool tb, bool bias, uint32_t seed) {
  std::vector<OpOperand> r = {
      {tt::randomTensor(ta ? Shape{k, m} : Shape{m, k}, seed)},
      {tt::randomTensor(tb ? Shape{n, k} : Shape{k, n}, seed + 1), true}};
  if (bias)
    r.push_back({tt::randomTensor({n}, seed + 2), true});
  return r;
}

// gemm_tiled constants (shaders/gemm_tiled.comp): 28 VEC_A, 29 VEC_B,
// 31 VEC_Y, 33 KSLICE.
DispatchCheck tiledVec(bool vec, uint32_t kSlice = 0) {
  return [=](const PlanCommand &c) {
    ASSERT_GT(c.specConstants.size(), 33u);
    EXPECT_EQ(c.specConstants[28], uint32_t(vec)) << "VEC_A";
    EXPECT_EQ(c.specConstants[29], uint32_t(vec)) << "VEC_B";
    EXPECT_EQ(c.specConstants[31], uint32_t(vec)) << "VEC_Y";
    EXPECT_EQ(c.specConstants[33] != 0, kSlice != 0) << "KSLICE";
  };
}

// splitk_reduce constant 8 is VEC4.
DispatchCheck reduceVec(bool vec) {
  return [=](const PlanCommand &c) {
    ASSERT_GT(c.specConstants.size(), 8u);
    EXPECT_EQ(c.specConstants[8], uint32_t(vec)) << "VEC4";
  };
}

//===--- gemm.comp ("cpu") ------------------------------------------------===//

TEST(OpF16Gemm, CpuKernelEveryTranspose) {
  uint32_t seed = 1;
  for (int64_t ta = 0; ta < 2; ++ta)
    for (int64_t tb = 0; tb < 2; ++tb) {
      // Partial 32x32 tiles (clamped reads), bias broadcast along rows.
      expectF16Matches("Gemm", gemmAttrs(1.5, 0.5, ta, tb),
                       gemmOperands(37, 45, 29, ta, tb, true, seed), "cpu",
                       "gemm");
      seed += 3;
    }
}

TEST(OpF16Gemm, CpuBatchedMatMulWithBroadcast) {
  expectF16Matches("MatMul", Attributes(),
                   {{tt::randomTensor({2, 3, 7, 13}, 10)},
                    {tt::randomTensor({3, 13, 9}, 11), true}},
                   "cpu", "gemm");
}

TEST(OpF16Gemm, CpuGemmResidual) {
  // gemm with Z as C, then splitk_reduce adds the bias in place.
  int64_t m = 37, n = 22, k = 29;
  expectF16Matches("GemmResidual", gemmAttrs(1, -0.5, 0, 1),
                   {{tt::randomTensor({m, k}, 12)},
                    {tt::randomTensor({n, k}, 13), true},
                    {tt::randomTensor({1, m, n}, 14)},
                    {tt::randomTensor({n}, 15), true}},
                   "cpu", "gemm");
}

//===--- gemm_tiled.comp ("gpu") ------------------------------------------===//

TEST(OpF16GemmTiled, ScalarAndVec4LoadsEveryTranspose) {
  uint32_t seed = 20;
  for (int64_t ta = 0; ta < 2; ++ta)
    for (int64_t tb = 0; tb < 2; ++tb) {
      // Odd sizes: scalar loads and stores, partial blocks and slabs.
      expectF16Matches("Gemm", gemmAttrs(1.5, 0.5, ta, tb),
                       gemmOperands(133, 70, 37, ta, tb, true, seed), "gpu",
                       "gemm_tiled", tiledVec(false));
      // Multiples of 4: f16vec4 loads of A and B and f16vec4 stores of Y.
      expectF16Matches("Gemm", gemmAttrs(1, 0, ta, tb),
                       gemmOperands(132, 68, 36, ta, tb, false, seed + 3),
                       "gpu", "gemm_tiled", tiledVec(true));
      seed += 6;
    }
}

TEST(OpF16GemmTiled, EveryTiling) {
  // The chosen tiling depends on the shape; substitute each candidate into
  // the compiled fp16 dispatch (as OpMatrixGpuTest does for f32).
  for (bool vec : {false, true}) {
    int64_t m = vec ? 132 : 133, n = vec ? 68 : 70, k = vec ? 36 : 37;
    std::vector<OpOperand> in =
        rounded(gemmOperands(m, n, k, false, true, true, 40));
    Attributes attrs = gemmAttrs(1.5, 0.5, 0, 1);
    auto ref = tt::runReference("Gemm", attrs, in);
    ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
    for (const GemmTileConfig &cfg : gemmTileCandidates()) {
      SCOPED_TRACE(cfg.str() + (vec ? " vec4" : " scalar"));
      auto plan = tt::compileOneNode("Gemm", attrs, in, "gpu", DType::F16);
      ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
      unsigned tiled = 0;
      for (PlanCommand &c : plan->commands) {
        if (c.kind != CommandKind::Dispatch ||
            plan->shaders[c.shader].name != "gemm_tiled_f16")
          continue;
        ++tiled;
        EXPECT_EQ(c.specConstants[28], uint32_t(vec));
        // Constants 23..27 are the tiling, 30 the workgroup size; groups[0]
        // covers N and groups[1] M.
        c.specConstants[23] = cfg.bm;
        c.specConstants[24] = cfg.bn;
        c.specConstants[25] = cfg.bk;
        c.specConstants[26] = cfg.tm;
        c.specConstants[27] = cfg.tn;
        c.specConstants[30] = cfg.threads();
        c.groups[0] = uint32_t(ceilDiv(c.specConstants[1], cfg.bn));
        c.groups[1] = uint32_t(ceilDiv(c.specConstants[0], cfg.bm));
      }
      ASSERT_EQ(tiled, 1u);
      auto outs = tt::runPlanOnDevice(*plan, in);
      ASSERT_TRUE(bool(outs)) << toString(outs.takeError());
      EXPECT_LE(tt::relativeL2((*outs)[0], (*ref)[0]), tt::kToleranceF16);
    }
  }
}

TEST(OpF16GemmTiled, BatchedMatMulWithBroadcast) {
  // Batch offsets 0 and m*k, multiples of 4: vec4 loads.
  expectF16Matches(
      "MatMul", Attributes(),
      {{tt::randomTensor({3, 20, 12}, 50)}, {tt::randomTensor({12, 44}, 51)}},
      "gpu", "gemm_tiled", tiledVec(true));
}

TEST(OpF16GemmTiled, GpuGemmResidual) {
  int64_t m = 37, n = 24, k = 29;
  expectF16Matches("GemmResidual", gemmAttrs(1.5, 1, 0, 0),
                   {{tt::randomTensor({m, k}, 52)},
                    {tt::randomTensor({k, n}, 53), true},
                    {tt::randomTensor({1, m, n}, 54)}},
                   "gpu", "gemm_tiled");
}

//===--- split-K: gemm_tiled (KSLICE) + splitk_reduce ---------------------===//

TEST(OpF16SplitK, GemmSplitKOp) {
  // Short slices, odd sizes (scalar loads) and a short last slice.
  Attributes at = gemmAttrs(0.5, 1, 0, 1);
  at.values.erase("beta");
  at.values["k_slice"] = int64_t(5);
  expectF16Matches("GemmSplitK", at,
                   gemmOperands(33, 19, 37, false, true, false, 60), "gpu",
                   "gemm_tiled", tiledVec(false, 5));
  // Multiples of 4: vec4 loads through the slice strides.
  Attributes v;
  v.values["k_slice"] = int64_t(48);
  expectF16Matches(
      "GemmSplitK", v,
      {{tt::randomTensor({64, 160}, 63)}, {tt::randomTensor({160, 96}, 64)}},
      "gpu", "gemm_tiled", tiledVec(true, 48));
}

TEST(OpF16SplitK, SplitKReduceOp) {
  for (int64_t n : {20, 19}) { // vec4 and scalar paths
    SCOPED_TRACE("N " + std::to_string(n));
    int64_t s = 3, m = 7;
    HostTensor p = tt::randomTensor({s, m, n}, 70);
    Attributes at;
    at.values["beta"] = 0.5;
    at.values["residual"] = int64_t(1);
    // Bias, residual and the partial products all in fp16 storage.
    expectF16Matches("SplitKReduce", at,
                     {{p},
                      {tt::randomTensor({n}, 71), true},
                      {tt::randomTensor({1, m, n}, 72)}},
                     "gpu", "splitk_reduce", reduceVec(n % 4 == 0));
    expectF16Matches("SplitKReduce", Attributes(), {{p}}, "cpu",
                     "splitk_reduce", reduceVec(n % 4 == 0));
  }
}

TEST(OpF16SplitK, SmallMGemmIsSplitOnGpu) {
  // M 16 with K >= 256: the split-K pass turns the Gemm into GemmSplitK +
  // SplitKReduce (2 slices of 160); both dispatches must run fp16 builds.
  for (int64_t n : {40, 37}) {
    SCOPED_TRACE("N " + std::to_string(n));
    bool vec = n % 4 == 0;
    std::vector<OpOperand> in =
        rounded(gemmOperands(16, n, 320, false, false, true, 80));
    Attributes attrs = gemmAttrs(1, 1, 0, 0);
    auto plan = tt::compileOneNode("Gemm", attrs, in, "gpu", DType::F16);
    ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
    auto gemms = dispatchesOf(*plan, "gemm_tiled_f16");
    auto reduces = dispatchesOf(*plan, "splitk_reduce_f16");
    ASSERT_EQ(gemms.size(), 1u);
    ASSERT_EQ(reduces.size(), 1u);
    EXPECT_EQ(gemms[0]->specConstants[33], 160u) << "KSLICE";
    EXPECT_EQ(gemms[0]->specConstants[28], 1u) << "VEC_A (K % 4 == 0)";
    EXPECT_EQ(gemms[0]->specConstants[29], uint32_t(vec)) << "VEC_B";
    EXPECT_EQ(reduces[0]->specConstants[8], uint32_t(vec)) << "VEC4";
    auto ref = tt::runReference("Gemm", attrs, in);
    ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
    auto outs = tt::runOnDeviceF16("Gemm", attrs, in, "gpu");
    ASSERT_TRUE(bool(outs)) << toString(outs.takeError());
    EXPECT_LE(tt::relativeL2((*outs)[0], (*ref)[0]), tt::kToleranceF16);
  }
}

//===--- splitk_reduce_ln (passes/FuseReduceLayerNorm.cpp) ----------------===//

TEST(OpF16SplitKReduceLn, ResidualProjectionAndLayerNorm) {
  // A transformer's residual projection, as in FuseReduceLayerNormTest:
  // x [M, K] -> Gemm(W, b) -> Reshape [1, M, N] -> Add(r) = h (output) ->
  // LayerNormalization(gamma[, beta]) = ln (output), on the gpu target: a
  // multi-node graph, so compiled here with floatStorage = F16. Weights and
  // inputs are binary16-exact.
  for (int64_t n : {256, 250}) { // vec4 and scalar paths of the LN reduce
    for (bool lnBias : {true, false}) {
      SCOPED_TRACE("N " + std::to_string(n) + (lnBias ? " with" : " without") +
                   " LayerNorm bias");
      int64_t m = 64, k = n == 256 ? 1536 : 1000;
      tt::GraphBuilder b;
      ValueId x = b.input("x", {m, k});
      ValueId r = b.input("r", {1, m, n});
      ValueId w = b.weight(
          "w", tt::roundedToF16(tt::randomTensor({k, n}, 90, -0.1f, 0.1f)));
      ValueId bias =
          b.weight("bias", tt::roundedToF16(tt::randomTensor({n}, 91)));
      ValueId y = b.node("Gemm", {x, w, bias}, "proj");
      Value shape;
      shape.name = "shape";
      shape.kind = ValueKind::Weight;
      shape.type = TensorType{DType::I64, {3}};
      shape.hasType = true;
      std::vector<int64_t> dims = {1, m, n};
      shape.data.resize(dims.size() * sizeof(int64_t));
      std::memcpy(shape.data.data(), dims.data(), shape.data.size());
      ValueId shapeId = cantFail(b.graph().addValue(std::move(shape)));
      y = b.node("Reshape", {y, shapeId}, "proj3");
      ValueId h = b.node("Add", {y, r}, "h");
      std::vector<ValueId> lnIn = {
          h, b.weight("gamma",
                      tt::roundedToF16(tt::randomTensor({n}, 93, 0.5f, 1.5f)))};
      if (lnBias)
        lnIn.push_back(
            b.weight("beta", tt::roundedToF16(tt::randomTensor({n}, 94))));
      Attributes a;
      a.values["axis"] = int64_t(-1);
      a.values["epsilon"] = 1e-5;
      ValueId ln = b.node("LayerNormalization", lnIn, "ln", a);
      b.output(h);
      b.output(ln);
      Graph g = b.take();

      std::vector<HostTensor> in = {
          tt::roundedToF16(tt::randomTensor({m, k}, 95)),
          tt::roundedToF16(tt::randomTensor({1, m, n}, 96, -2.0f, 2.0f))};
      auto ref = tt::runGraphReference(g, in);
      ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
      auto plan = tt::compileWithF16Storage(g, "gpu");
      ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
      // Split-K with the LayerNorm in its reduction, both fp16 builds, and
      // no f32 build of any kernel.
      auto lnd = dispatchesOf(*plan, "splitk_reduce_ln_f16");
      ASSERT_EQ(lnd.size(), 1u);
      EXPECT_EQ(lnd[0]->specConstants[8], uint32_t(n % 4 == 0)) << "VEC4";
      EXPECT_EQ(dispatchesOf(*plan, "gemm_tiled_f16").size(), 1u);
      for (const PlanCommand &c : plan->commands) {
        if (c.kind != CommandKind::Dispatch)
          continue;
        StringRef s = plan->shaders[c.shader].name;
        EXPECT_TRUE(s.endswith("_f16") || s.startswith("storage_cast"))
            << "f32 build " << s.str();
      }
      auto dev =
          tt::runPlanOnDevice(*plan, {OpOperand{in[0]}, OpOperand{in[1]}});
      ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
      ASSERT_EQ(dev->size(), ref->size());
      for (size_t i = 0; i < ref->size(); ++i)
        EXPECT_LE(tt::relativeL2((*dev)[i], (*ref)[i]), tt::kToleranceF16)
            << "output " << i << ", max abs diff "
            << tt::maxAbsDiff((*dev)[i], (*ref)[i]);
    }
  }
}

//===--- gemm_warptile.comp ("gpu", large dividing shapes) ----------------===//

TEST(OpF16GemmWarpTile, SmallestShapeTheChooserAccepts) {
  // 1024 x 2048 outputs: 128 blocks of 128x128 (fewer than 256), 256 of
  // 64x128; K = 8 is one slab. Once: lavapipe is slow at this size.
  expectF16Matches("Gemm", gemmAttrs(1, 1, 0, 0),
                   gemmOperands(1024, 2048, 8, false, false, true, 100), "gpu",
                   "gemm_warptile", [](const PlanCommand &c) {
                     ASSERT_GT(c.specConstants.size(), 24u);
                     EXPECT_EQ(c.specConstants[23], 64u) << "BM";
                     EXPECT_EQ(c.specConstants[24], 128u) << "BN";
                   });
}

//===--- convolution kernels ----------------------------------------------===//


/// Conv operands: X, weight W, bias B [M].
std::vector<OpOperand> convOperands(Shape x, Shape w, uint32_t seed) {
  return {{tt::randomTensor(x, seed)},
          {tt::randomTensor(w, seed + 1), true},
          {tt::randomTensor({w[0]}, seed + 2), true}};
}

// conv2d_igemm constants 22, 23: the tile BM x BN.
DispatchCheck igemmTile(uint32_t bm, uint32_t bn) {
  return [=](const PlanCommand &c) {
    ASSERT_GT(c.specConstants.size(), 23u);
    EXPECT_EQ(c.specConstants[22], bm) << "BM";
    EXPECT_EQ(c.specConstants[23], bn) << "BN";
  };
}

/// The dispatch commands of \p op (StorageCasts left out) compiled as a
/// one-node plan with float storage \p storage for kernel target \p target;
/// operand 0 is a graph input, the others weights.
std::vector<PlanCommand> compiledDispatches(StringRef op,
                                            const Attributes &attrs,
                                            const std::vector<TensorType> &in,
                                            DType storage, StringRef target) {
  std::vector<tt::OpOperand> operands;
  for (size_t i = 0; i < in.size(); ++i)
    operands.push_back({tt::randomTensor(in[i].shape, 11 + i), i != 0});
  Expected<Plan> plan =
      tt::compileOneNode(op, attrs, operands, target, storage);
  EXPECT_TRUE(bool(plan)) << toString(plan.takeError());
  if (!plan)
    return {};
  std::vector<PlanCommand> out;
  for (PlanCommand &c : plan->commands)
    if (c.kind == CommandKind::Dispatch &&
        !StringRef(plan->shaders[c.shader].name).startswith("storage_cast")) {
      c.label = plan->shaders[c.shader].name; // compare shader names
      out.push_back(c);
    }
  return out;
}

TEST(OpF16Conv, LoweringIgnoresStorageDtype) {
  // After passes/F16Storage.cpp the operands of an fp16 node are typed F16;
  // codegen lowers the node with the f32 types they stand for and appends
  // "_f16" to each shader. The dispatches (shader choice, constants, grid)
  // must be the f32 plan's, which the pass chose the storage for (the conv
  // lowerings re-parse their types and would otherwise fall back to
  // defaults).
  struct Case {
    const char *op;
    Attributes attrs;
    std::vector<TensorType> in, out;
    const char *target;
  };
  Attributes convT;
  convT.values["strides"] = std::vector<int64_t>{2, 2};
  const Case cases[] = {
      {"Conv",
       convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
       {tt::f32({2, 3, 13, 7}), tt::f32({5, 3, 3, 3}), tt::f32({5})},
       {tt::f32({2, 5, 13, 7})},
       "cpu"},
      {"Conv",
       convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
       {tt::f32({2, 3, 13, 7}), tt::f32({5, 3, 3, 3}), tt::f32({5})},
       {tt::f32({2, 5, 13, 7})},
       "gpu"},
      {"FusedConv",
       convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
       {tt::f32({1, 64, 7, 7}), tt::f32({96, 64, 3, 3}), tt::f32({96}),
        tt::f32({1, 96, 7, 7})},
       {tt::f32({1, 96, 7, 7})},
       "gpu"},
      {"ConvTranspose",
       convT,
       {tt::f32({1, 6, 4, 5}), tt::f32({6, 4, 3, 3})},
       {tt::f32({1, 4, 9, 11})},
       "cpu"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(std::string(c.op) + " on " + c.target);
    std::vector<PlanCommand> d32 =
        compiledDispatches(c.op, c.attrs, c.in, DType::F32, c.target);
    std::vector<PlanCommand> d16 =
        compiledDispatches(c.op, c.attrs, c.in, DType::F16, c.target);
    ASSERT_FALSE(d32.empty());
    ASSERT_EQ(d16.size(), d32.size());
    for (size_t i = 0; i < d32.size(); ++i) {
      EXPECT_EQ(d16[i].label, d32[i].label + "_f16");
      EXPECT_EQ(d16[i].specConstants, d32[i].specConstants);
      for (unsigned k = 0; k < 3; ++k)
        EXPECT_EQ(d16[i].groups[k], d32[i].groups[k]);
    }
  }
}

TEST(OpF16Conv, CpuDirectKernel) {
  expectF16Matches("Conv", convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
                   convOperands({2, 3, 13, 7}, {5, 3, 3, 3}, 200), "cpu",
                   "conv2d");
  expectF16Matches("Conv", convAttrs({2, 3}, {0, 2, 1, 1}, {2, 1}, 1),
                   convOperands({3, 5, 9, 11}, {4, 5, 3, 2}, 203), "cpu",
                   "conv2d");
  expectF16Matches("Conv", convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 3),
                   convOperands({1, 6, 9, 11}, {9, 2, 3, 3}, 206), "cpu",
                   "conv2d");
}

TEST(OpF16Conv, GpuImplicitGemmEveryTile) {
  // Small outputs take 32x32 tiles; larger ones (as in OpFusedConvTest)
  // 64x64, 64x32 and 32x64.
  expectF16Matches("Conv", convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
                   convOperands({2, 3, 13, 7}, {5, 3, 3, 3}, 210), "gpu",
                   "conv2d_igemm", igemmTile(32, 32));
  expectF16Matches("Conv", convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 3),
                   convOperands({1, 6, 9, 11}, {9, 2, 3, 3}, 213), "gpu",
                   "conv2d_igemm", igemmTile(32, 32));
  expectF16Matches("Conv", convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
                   convOperands({1, 5, 96, 96}, {40, 5, 3, 3}, 216), "gpu",
                   "conv2d_igemm", igemmTile(64, 64));
  expectF16Matches("Conv", convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
                   convOperands({1, 5, 72, 72}, {40, 5, 3, 3}, 219), "gpu",
                   "conv2d_igemm", igemmTile(64, 32));
  expectF16Matches("Conv", convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
                   convOperands({1, 3, 100, 100}, {20, 3, 3, 3}, 222), "gpu",
                   "conv2d_igemm", igemmTile(32, 64));
}

TEST(OpF16Conv, GpuImplicitGemmSmallOutputs) {
  expectF16Matches("Conv", convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
                   convOperands({1, 64, 7, 7}, {96, 64, 3, 3}, 230), "gpu",
                   "conv2d_igemm_small");
  // K = 67 * 9 not a multiple of 16, partial 16x16 tiles.
  expectF16Matches("Conv", convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
                   convOperands({1, 67, 9, 11}, {70, 67, 3, 3}, 233), "gpu",
                   "conv2d_igemm_small");
}

TEST(OpF16Conv, GpuDepthwise) {
  expectF16Matches("Conv", convAttrs({1, 2}, {2, 2, 2, 2}, {2, 2}, 4),
                   convOperands({2, 4, 7, 13}, {8, 1, 3, 3}, 240), "gpu",
                   "conv2d_depthwise");
  expectF16Matches("Conv", convAttrs({2, 2}, {1, 1, 1, 1}, {1, 1}, 32),
                   convOperands({1, 32, 15, 15}, {32, 1, 3, 3}, 243), "gpu",
                   "conv2d_depthwise");
}

TEST(OpF16Conv, FusedConvResidualAndActivationEveryKernel) {
  // The epilogue's Z (a graph input here) and activation, through each conv
  // kernel's fp16 build.
  struct Case {
    Shape x, w;
    Attributes attrs;
    const char *target, *shader, *act;
  };
  const Case cases[] = {
      {{2, 3, 13, 7},
       {5, 3, 3, 3},
       convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
       "cpu",
       "conv2d",
       "Relu"},
      {{2, 3, 13, 7},
       {5, 3, 3, 3},
       convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
       "gpu",
       "conv2d_igemm",
       "HardSwish"},
      {{1, 64, 7, 7},
       {96, 64, 3, 3},
       convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
       "gpu",
       "conv2d_igemm_small",
       "Sigmoid"},
      {{2, 4, 7, 13},
       {8, 1, 3, 3},
       convAttrs({1, 2}, {2, 2, 2, 2}, {2, 2}, 4),
       "gpu",
       "conv2d_depthwise",
       "Relu"},
  };
  uint32_t seed = 250;
  for (const Case &c : cases) {
    std::vector<TensorType> out;
    ASSERT_EQ(
        tt::shapeRule("Conv", c.attrs, {tt::f32(c.x), tt::f32(c.w)}, &out), "");
    std::vector<OpOperand> in = convOperands(c.x, c.w, seed);
    in.push_back({tt::randomTensor(out[0].shape, seed + 3)});
    Attributes a = c.attrs;
    a.values["activation"] = std::string(c.act);
    expectF16Matches("FusedConv", a, in, c.target, c.shader);
    seed += 4;
  }
}

TEST(OpF16ConvTranspose, StridesPadsGroupsDilations) {
  Attributes a;
  a.values["strides"] = std::vector<int64_t>{2, 2};
  a.values["pads"] = std::vector<int64_t>{1, 0, 1, 1};
  a.values["output_padding"] = std::vector<int64_t>{1, 0};
  expectF16Matches("ConvTranspose", a,
                   {{tt::randomTensor({2, 6, 5, 7}, 300)},
                    {tt::randomTensor({6, 4, 3, 3}, 301), true},
                    {tt::randomTensor({4}, 302), true}},
                   "cpu", "conv_transpose2d");
  Attributes g;
  g.values["strides"] = std::vector<int64_t>{3, 2};
  g.values["dilations"] = std::vector<int64_t>{2, 1};
  g.values["group"] = int64_t(3);
  expectF16Matches("ConvTranspose", g,
                   {{tt::randomTensor({1, 6, 4, 5}, 303)},
                    {tt::randomTensor({6, 1, 2, 3}, 304), true}},
                   "gpu", "conv_transpose2d");
}

//===--- batchnorm.comp ---------------------------------------------------===//

/// BatchNormalization operands X, scale, B, mean, var. All are graph
/// inputs: with constant parameters passes/FoldBatchNorm.cpp turns the node
/// into Mul/Add (fused_elementwise) and batchnorm.comp would not run.
std::vector<OpOperand> bnOperands(Shape x, uint32_t seed, float xRange,
                                  float varLo, float varHi) {
  int64_t c = x[1];
  return {{tt::randomTensor(x, seed, -xRange, xRange)},
          {tt::randomTensor({c}, seed + 1, 0.5f, 2.0f)},
          {tt::randomTensor({c}, seed + 2)},
          {tt::randomTensor({c}, seed + 3)},
          {tt::randomTensor({c}, seed + 4, varLo, varHi)}};
}

TEST(OpF16BatchNorm, MatchesReference) {
  expectF16Matches("BatchNormalization", Attributes(),
                   bnOperands({3, 5, 9, 11}, 400, 1.0f, 0.1f, 3.0f), "cpu",
                   "batchnorm");
  Attributes eps;
  eps.values["epsilon"] = 1.0;
  expectF16Matches("BatchNormalization", eps,
                   bnOperands({7, 13}, 405, 1.0f, 0.1f, 3.0f), "gpu",
                   "batchnorm");
}

TEST(OpF16BatchNorm, VarianceBeyondBinary16StaysF32) {
  // Activations up to 600 (binary16-exact range) with variances of 7e4 to
  // 1e5, beyond binary16's 65504: the f16 build keeps var in f32 storage,
  // so the result is finite and accurate.
  expectF16Matches("BatchNormalization", Attributes(),
                   bnOperands({2, 4, 5, 6}, 410, 600.0f, 7e4f, 1e5f), "cpu",
                   "batchnorm");
}

} // namespace
