//===- tests/unit/RMSNormGemmTest.cpp - Normalization + projections fused -===//
//
// RMSNormGemm (ops/RMSNormGemm.cpp) and the pass that makes it
// (passes/FuseNormProjections.cpp):
//   - its CPU reference against RMSNormalization's and Gemm's references
//     run one after the other;
//   - the device against that reference, for 1, 2 and 3 weights, one row
//     (shaders/gemv_norm.comp, every load width: K % 8 == 0, K % 4 == 0,
//     neither) and several rows (rmsnorm + one GEMM per weight), f32 and
//     fp16 storage; and with q8_0 and q4_0 weights (shaders/gemv_quant.comp
//     with rows 16-byte aligned and not, quant_gemm for several rows), the
//     reference then dequantizing with ir/GgufQuant.h;
//   - the pass on a Llama-style block over a token range: which kernels
//     run, and the range plan against plans compiled for each length
//     (which fuse at one row and not above);
//   - what the pass leaves alone, and shape-rule errors.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"
#include "RangeTestUtil.h"

#include "driver/Pipeline.h"
#include "ir/GgufQuant.h"
#include "ir/ModelParser.h"
#include "ops/KernelTarget.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace tlc;
namespace tt = tlc::testing;

namespace {

Attributes epsAttr(double eps) {
  Attributes a;
  a.values["epsilon"] = eps;
  return a;
}

/// The f32 matrix \p w [N, K] quantized by ir/GgufQuant.h (q8_0 or q4_0),
/// rows padded to 4 bytes: a u8 weight [N, row stride] as QuantizedGemm
/// and RMSNormGemm take it.
HostTensor quantizedWeight(GgmlType type, const HostTensor &w) {
  int64_t n = w.type.shape[0], k = w.type.shape[1];
  auto blocks = type == GgmlType::Q8_0 ? quantizeQ8_0(w.f32())
                                       : quantizeQ4_0(w.f32());
  std::vector<uint8_t> padded = llvm::cantFail(
      padQuantizedRows(type, n, k, llvm::cantFail(std::move(blocks))));
  int64_t stride = int64_t(*quantizedRowStride(type, k));
  return HostTensor::fromBytes(TensorType{DType::U8, {n, stride}}, padded);
}

/// X [rows, K], scale [K] and weights [N_j, K] (N = 13, 5, 8 as \p g
/// allows): operands of RMSNormGemm, weights compiled into the plan.
std::vector<tt::OpOperand> operands(int64_t rows, int64_t k, unsigned g,
                                    uint32_t seed) {
  std::vector<tt::OpOperand> ops = {
      {tt::randomTensor({rows, k}, seed, -2.0f, 2.0f), false},
      {tt::randomTensor({k}, seed + 1, 0.5f, 1.5f), true}};
  const int64_t n[3] = {13, 5, 8};
  for (unsigned j = 0; j < g; ++j)
    ops.push_back({tt::randomTensor({n[j], k}, seed + 2 + j), true});
  return ops;
}

/// The fp16-storage build of RMSNormGemm on \p ops (x and gamma rounded to
/// binary16 first, as the plan stores them) against the reference on the
/// same rounded operands: each of the \p outputs within kToleranceF16.
void expectF16MatchesReference(const Attributes &attrs,
                               const std::vector<tt::OpOperand> &ops,
                               size_t outputs) {
  std::vector<tt::OpOperand> rounded = ops;
  rounded[0].tensor = tt::roundedToF16(ops[0].tensor);
  rounded[1].tensor = tt::roundedToF16(ops[1].tensor);
  auto want16 = tt::runReference("RMSNormGemm", attrs, rounded);
  ASSERT_TRUE(bool(want16)) << llvm::toString(want16.takeError());
  auto got16 = tt::runOnDeviceF16("RMSNormGemm", attrs, rounded, "gpu");
  ASSERT_TRUE(bool(got16)) << llvm::toString(got16.takeError());
  for (size_t j = 0; j < outputs; ++j)
    EXPECT_LT(tt::relativeL2((*got16)[j], (*want16)[j]), tt::kToleranceF16)
        << "fp16 output " << j;
}

} // namespace

TEST(OpRMSNormGemm, ReferenceIsNormalizationThenGemm) {
  for (unsigned g : {1u, 3u}) {
    std::vector<tt::OpOperand> ops = operands(3, 36, g, 5);
    auto fused = tt::runReference("RMSNormGemm", epsAttr(1e-3), ops);
    ASSERT_TRUE(bool(fused)) << llvm::toString(fused.takeError());
    ASSERT_EQ(fused->size(), g + 1);
    Attributes norm = epsAttr(1e-3);
    auto h = tt::runReference("RMSNormalization", norm, {ops[0], ops[1]});
    ASSERT_TRUE(bool(h)) << llvm::toString(h.takeError());
    EXPECT_EQ((*fused)[g].f32(), (*h)[0].f32()); // H, bit for bit
    for (unsigned j = 0; j < g; ++j) {
      auto y = tt::runReference("Gemm", tt::gemmAttrs(1.0, 1.0, 0, 1),
                                {{(*h)[0], false}, ops[2 + j]});
      ASSERT_TRUE(bool(y)) << llvm::toString(y.takeError());
      EXPECT_EQ((*fused)[j].f32(), (*y)[0].f32()) << "Y_" << j;
    }
  }
}

TEST(OpRMSNormGemm, DeviceMatchesReference) {
  for (unsigned g : {1u, 2u, 3u})
    for (int64_t k : {72, 36, 30})
      for (int64_t rows : {1, 3}) {
        SCOPED_TRACE("G = " + std::to_string(g) + ", K = " + std::to_string(k) +
                     ", rows = " + std::to_string(rows));
        std::vector<tt::OpOperand> ops = operands(rows, k, g, uint32_t(k + g));
        for (const char *target : {"cpu", "gpu"}) {
          auto plan = tt::compileOneNode("RMSNormGemm", epsAttr(1e-5), ops,
                                         target, DType::F32);
          ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
          std::vector<std::string> shaders = tt::dispatchShaders(*plan, false);
          std::string gemv = g == 1   ? "gemv_norm"
                             : g == 2 ? "gemv_norm_g2"
                                      : "gemv_norm_g3";
          if (rows == 1)
            EXPECT_EQ(shaders, std::vector<std::string>{gemv});
          else
            EXPECT_EQ(shaders.size(), size_t(1 + g)); // rmsnorm + GEMMs
        }
        tt::expectDeviceMatchesReference("RMSNormGemm", epsAttr(1e-5), ops);
      }
}

TEST(OpRMSNormGemm, F16StorageMatchesReference) {
  for (int64_t k : {72, 36})
    for (int64_t rows : {1, 3}) {
      SCOPED_TRACE("K = " + std::to_string(k) + ", rows = " +
                   std::to_string(rows));
      std::vector<tt::OpOperand> ops = operands(rows, k, 3, 9);
      for (tt::OpOperand &o : ops)
        o.tensor = tt::roundedToF16(o.tensor);
      auto want = tt::runReference("RMSNormGemm", epsAttr(1e-5), ops);
      ASSERT_TRUE(bool(want)) << llvm::toString(want.takeError());
      for (const char *target : {"cpu", "gpu"}) {
        auto got = tt::runOnDeviceF16("RMSNormGemm", epsAttr(1e-5), ops, target);
        ASSERT_TRUE(bool(got)) << llvm::toString(got.takeError());
        for (size_t j = 0; j < 4; ++j) // Y_0..Y_2, H
          EXPECT_LT(tt::relativeL2((*got)[j], (*want)[j]), tt::kToleranceF16)
              << target << " output " << j;
      }
    }
}

TEST(OpRMSNormGemm, QuantizedWeightsMatchReference) {
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q4_0})
    for (int64_t k : {64, 256, 512})
      for (int64_t rows : {1, 3}) {
        const char *quant = type == GgmlType::Q8_0 ? "q8_0" : "q4_0";
        SCOPED_TRACE(std::string(quant) + " K = " + std::to_string(k) +
                     ", rows = " + std::to_string(rows));
        std::vector<tt::OpOperand> ops = {
            {tt::randomTensor({rows, k}, uint32_t(k), -2.0f, 2.0f), false},
            {tt::randomTensor({k}, uint32_t(k + 1), 0.5f, 1.5f), true}};
        for (int64_t n : {13, 5, 8}) {
          ops.push_back({quantizedWeight(
                             type, tt::randomTensor({n, k}, uint32_t(n * k))),
                         true});
        }
        Attributes attrs = epsAttr(1e-5);
        attrs.values["quant"] = std::string(quant);
        for (const char *target : {"cpu", "gpu"}) {
          auto plan =
              tt::compileOneNode("RMSNormGemm", attrs, ops, target, DType::F32);
          ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
          std::vector<std::string> shaders = tt::dispatchShaders(*plan, false);
          if (rows == 1)
            EXPECT_EQ(shaders, std::vector<std::string>{"gemv_quant_g3"});
          else
            EXPECT_EQ(shaders.size(), 4u); // rmsnorm + three quant_gemm
        }
        tt::expectDeviceMatchesReference("RMSNormGemm", attrs, ops);
        expectF16MatchesReference(attrs, ops, 4);
      }
}

TEST(OpRMSNormGemm, SwigluMatchesReference) {
  // activation swiglu: A = silu(Y_0) * Y_1, the gate and up projections
  // interleaved in the one-row kernels (dense and quantized: q8_0 and
  // q4_0, rows 16-byte aligned (K = 256) and not (K = 64, 96), N not a
  // multiple of the workgroup's rows), and FusedElementwise after the GEMMs
  // for several rows; the quantized one-row kernel also in fp16 storage.
  struct Case {
    const char *quant; // nullptr: f32 weights
    int64_t k, n;
  };
  for (Case c : {Case{nullptr, 64, 10}, Case{"q4_0", 64, 10},
                 Case{"q4_0", 256, 21}, Case{"q8_0", 96, 10},
                 Case{"q8_0", 256, 21}})
    for (int64_t rows : {1, 3}) {
      SCOPED_TRACE(std::string(c.quant ? c.quant : "f32") + " K = " +
                   std::to_string(c.k) + ", rows = " + std::to_string(rows));
      int64_t k = c.k, n = c.n;
      std::vector<tt::OpOperand> ops = {
          {tt::randomTensor({rows, k}, 21, -2.0f, 2.0f), false},
          {tt::randomTensor({k}, 22, 0.5f, 1.5f), true}};
      Attributes attrs = epsAttr(1e-5);
      attrs.values["activation"] = std::string("swiglu");
      for (uint32_t seed : {23u, 24u}) {
        HostTensor w = tt::randomTensor({n, k}, seed);
        if (!c.quant) {
          ops.push_back({w, true});
          continue;
        }
        ops.push_back({quantizedWeight(std::string(c.quant) == "q8_0"
                                           ? GgmlType::Q8_0
                                           : GgmlType::Q4_0,
                                       w),
                       true});
      }
      if (c.quant)
        attrs.values["quant"] = std::string(c.quant);
      auto ref = tt::runReference("RMSNormGemm", attrs, ops);
      ASSERT_TRUE(bool(ref)) << llvm::toString(ref.takeError());
      ASSERT_EQ(ref->size(), 4u); // Y_0, Y_1, H, A
      for (size_t i = 0; i < size_t(rows * n); ++i) {
        double gate = (*ref)[0].f32()[i], up = (*ref)[1].f32()[i];
        EXPECT_NEAR((*ref)[3].f32()[i], gate / (1 + std::exp(-gate)) * up,
                    1e-5 * (1 + std::fabs(gate * up)));
      }
      auto plan = tt::compileOneNode("RMSNormGemm", attrs, ops, "gpu",
                                     DType::F32);
      ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
      if (rows == 1) {
        EXPECT_EQ(tt::dispatchShaders(*plan, false),
                  std::vector<std::string>{c.quant ? "gemv_quant_swiglu"
                                                   : "gemv_norm_swiglu"});
      }
      tt::expectDeviceMatchesReference("RMSNormGemm", attrs, ops);
      if (!c.quant || rows != 1)
        continue;
      expectF16MatchesReference(attrs, ops, 4); // Y_0, Y_1, H, A
    }
  EXPECT_NE(tt::shapeRule("RMSNormGemm",
                          [] {
                            Attributes a = epsAttr(1e-5);
                            a.values["activation"] = std::string("swiglu");
                            return a;
                          }(),
                          {tt::f32({2, 8}), tt::f32({8}), tt::f32({4, 8}),
                           tt::f32({5, 8})})
                .find("activation swiglu needs two weights of as many rows"),
            std::string::npos);
}

TEST(OpRMSNormGemm, ShapeRuleErrors) {
  auto rule = [](std::vector<TensorType> in) {
    return tt::shapeRule("RMSNormGemm", epsAttr(1e-5), std::move(in));
  };
  EXPECT_EQ(rule({tt::f32({2, 8}), tt::f32({8}), tt::f32({4, 8})}), "");
  EXPECT_NE(rule({tt::f32({2, 8}), tt::f32({8})}).find("expected 3 to 5 inputs, got 2"),
            std::string::npos);
  EXPECT_NE(rule({tt::f32({2, 8}), tt::f32({7}), tt::f32({4, 8})})
                .find("input 1 (scale) is 7xf32; expected [8]"),
            std::string::npos);
  EXPECT_NE(rule({tt::f32({2, 8}), tt::f32({8}), tt::f32({4, 9})})
                .find("input 2 (W_0) is 4x9xf32; expected [N, 8]"),
            std::string::npos);
  EXPECT_NE(rule({tt::f32({2, 8}), tt::f32({8}), tt::f32({4, 8}),
                  tt::f32({4, 8}), tt::f32({4, 8}), tt::f32({4, 8})})
                .find("expected 3 to 5 inputs, got 6"),
            std::string::npos);
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("RMSNormGemm", epsAttr(1e-5),
                          {tt::f32({1, 3, 8}), tt::f32({8}), tt::f32({4, 8}),
                           tt::f32({6, 8})},
                          &out),
            "");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].str(), "3x4xf32");
  EXPECT_EQ(out[1].str(), "3x6xf32");
  EXPECT_EQ(out[2].str(), "3x8xf32"); // H
}

namespace {

/// A Llama-style attention input over S tokens: x [1, S, K] normalized,
/// viewed as [S, K] and projected three ways (q, k, v), each then read by a
/// Sigmoid so that the outputs are the graph's. \p extraReader adds an Add
/// of the normalized tensor (the pass must then leave it alone).
std::string block(int64_t k, bool extraReader) {
  std::string ks = std::to_string(k);
  std::string yaml = R"(tlc: 1
name: normproj
inputs:
  - {name: x, shape: [1, S, )" + ks + R"(], dtype: f32}
outputs: [q, k, v)" + std::string(extraReader ? ", e" : "") + R"(]
constants:
  - {name: g, shape: [)" + ks + R"(], dtype: f32, values: [)" +
                     tt::patternValues(k, 3) + R"(]}
  - {name: rows, shape: [2], dtype: i64, values: [-1, )" + ks + R"(]}
  - {name: wq, shape: [12, )" + ks + R"(], dtype: f32, values: [)" +
                     tt::patternValues(12 * k, 1) + R"(]}
  - {name: wk, shape: [4, )" + ks + R"(], dtype: f32, values: [)" +
                     tt::patternValues(4 * k, 2) + R"(]}
  - {name: wv, shape: [4, )" + ks + R"(], dtype: f32, values: [)" +
                     tt::patternValues(4 * k, 4) + R"(]}
nodes:
  - {op: RMSNormalization, in: [x, g], out: n, attrs: {epsilon: 0.00001}}
  - {op: Reshape, in: [n, rows], out: h}
  - {op: Gemm, in: [h, wq], out: pq, attrs: {transB: 1}}
  - {op: Gemm, in: [h, wk], out: pk, attrs: {transB: 1}}
  - {op: Gemm, in: [h, wv], out: pv, attrs: {transB: 1}}
  - {op: Sigmoid, in: [pq], out: q}
  - {op: Sigmoid, in: [pk], out: k}
  - {op: Sigmoid, in: [pv], out: v}
)";
  if (extraReader)
    yaml += "  - {op: Add, in: [h, h], out: e}\n";
  return yaml;
}

} // namespace

TEST(FuseNormProjections, DecodeRunsOneDispatchForNormAndProjections) {
  std::map<std::string, DimRange> range = {{"S", DimRange{1, 9}}};
  // One gemv_norm for one row; the normalization and three tiled GEMMs for
  // more; each run executes one of the two paths.
  EXPECT_EQ(rangePlanShaders(block(72, false), range, "gpu"),
            (std::vector<std::string>{"gemv_norm_g3_dyn", "rmsnorm_subgroup_dyn",
                                      "gemm_tiled_dyn", "gemm_tiled_dyn",
                                      "gemm_tiled_dyn", "unary_dyn",
                                      "unary_dyn", "unary_dyn"}));
  // Another reader of the normalized rows: nothing fused.
  std::vector<std::string> unfused =
      rangePlanShaders(block(72, true), range, "gpu");
  EXPECT_EQ(std::count(unfused.begin(), unfused.end(), "rmsnorm_subgroup_dyn"),
            1);
  EXPECT_EQ(std::count(unfused.begin(), unfused.end(), "gemv_dyn"), 3);
  // A range that never has one row: nothing to gain, nothing fused.
  std::vector<std::string> many =
      rangePlanShaders(block(72, false), {{"S", DimRange{2, 9}}}, "gpu");
  EXPECT_EQ(std::count(many.begin(), many.end(), "rmsnorm_subgroup_dyn"), 1);
  // The cpu target (lavapipe) keeps the unfused kernels.
  std::vector<std::string> cpu =
      rangePlanShaders(block(72, false), range, "cpu");
  EXPECT_EQ(std::count(cpu.begin(), cpu.end(), "rmsnorm_dyn"), 1);
  EXPECT_EQ(std::count(cpu.begin(), cpu.end(), "gemv_dyn"), 3);
}

TEST(FuseNormProjections, RangePlanMatchesFixedPlans) {
  // For the gpu target, fixed S = 1 plans fuse (one gemv_norm), fixed
  // S > 1 plans do not; the range plan runs the fused kernel at S = 1 and
  // the unfused ones above (the cpu target's plans do not fuse).
  for (int64_t k : {72, 30}) {
    SCOPED_TRACE("K = " + std::to_string(k));
    expectRangePlanMatchesFixed(block(k, false), {{"S", DimRange{1, 9}}},
                                pointsOf("S", {1, 5, 9, 1}), 1e-5);
  }
}

namespace {

/// A Llama FFN over S tokens: x [1, S, K] normalized, viewed as [S, K],
/// gate and up projections, silu(gate) * up (Sigmoid, Mul, Mul: one
/// FusedElementwise after fuse-elementwise), the down projection.
std::string ffn(int64_t k) {
  std::string ks = std::to_string(k);
  return R"(tlc: 1
name: ffn
inputs:
  - {name: x, shape: [1, S, )" + ks + R"(], dtype: f32}
outputs: [y]
constants:
  - {name: g, shape: [)" + ks + R"(], dtype: f32, values: [)" +
         tt::patternValues(k, 3) + R"(]}
  - {name: rows, shape: [2], dtype: i64, values: [-1, )" + ks + R"(]}
  - {name: wg, shape: [12, )" + ks + R"(], dtype: f32, values: [)" +
         tt::patternValues(12 * k, 1) + R"(]}
  - {name: wu, shape: [12, )" + ks + R"(], dtype: f32, values: [)" +
         tt::patternValues(12 * k, 2) + R"(]}
  - {name: wd, shape: [)" + ks + R"(, 12], dtype: f32, values: [)" +
         tt::patternValues(12 * k, 4) + R"(]}
nodes:
  - {op: RMSNormalization, in: [x, g], out: n, attrs: {epsilon: 0.00001}}
  - {op: Reshape, in: [n, rows], out: h}
  - {op: Gemm, in: [h, wg], out: pg, attrs: {transB: 1}}
  - {op: Gemm, in: [h, wu], out: pu, attrs: {transB: 1}}
  - {op: Sigmoid, in: [pg], out: sg}
  - {op: Mul, in: [pg, sg], out: silu}
  - {op: Mul, in: [silu, pu], out: act}
  - {op: Gemm, in: [act, wd], out: y, attrs: {transB: 1}}
)";
}

} // namespace

TEST(FuseNormProjections, FfnTakesTheSwigluIn) {
  std::map<std::string, DimRange> range = {{"S", DimRange{1, 9}}};
  EXPECT_EQ(rangePlanShaders(ffn(72), range, "gpu"),
            (std::vector<std::string>{
                "gemv_norm_swiglu_dyn", "rmsnorm_subgroup_dyn",
                "gemm_tiled_dyn", "gemm_tiled_dyn", "fused_elementwise_dyn",
                "gemv_dyn", "gemm_tiled_dyn"}));
  for (int64_t k : {72, 30}) {
    SCOPED_TRACE("K = " + std::to_string(k));
    expectRangePlanMatchesFixed(ffn(k), range, pointsOf("S", {1, 4, 9, 1}),
                                1e-5);
  }
}

TEST(FuseNormProjections, CountsWhatItFuses) {
  ModelParseOptions parse;
  parse.dims = {{"S", DimRange{1, 9}}};
  for (bool extra : {false, true}) {
    auto g = parseModelString(block(36, extra), "normproj.yaml", ".", parse);
    ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
    ASSERT_FALSE(bool(inferShapes(*g)));
    KernelTarget gpu = llvm::cantFail(kernelTargetByName("gpu"));
    KernelTarget cpu = llvm::cantFail(kernelTargetByName("cpu"));
    EXPECT_EQ(fuseNormProjections(*g, cpu, kMaxBindingBytes), 0u);
    EXPECT_EQ(fuseNormProjections(*g, gpu, kMaxBindingBytes),
              extra ? 0u : 1u);
    // Weights over the limit stay as they are.
    if (!extra) {
      auto g2 = parseModelString(block(36, false), "normproj.yaml", ".", parse);
      ASSERT_TRUE(bool(g2));
      ASSERT_FALSE(bool(inferShapes(*g2)));
      EXPECT_EQ(fuseNormProjections(*g2, gpu, 12 * 36 * 4 - 1), 0u);
    }
  }
}
