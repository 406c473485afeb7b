//===- tests/unit/OpQuantizedGemmTest.cpp - GGUF blocks in the kernel -----===//
//
// QuantizedGemm (ops/QuantizedGemm.cpp): Y = A * dequant(W)^T with W in
// GGUF Q8_0, Q4_0 or Q6_K blocks.
//  - the CPU reference against products of matrices decoded independently
//    of it (ir/GgufQuant.h's dequantize of a whole GGUF tensor, the path
//    checked bit for bit against ggml) and against values worked out by
//    hand;
//  - the shaders (kernel targets cpu and gpu: shared-memory and subgroup
//    reductions) on lavapipe with validation on, against the reference, on
//    random blocks (every code, random scales of both signs) for each
//    type: M = 1, 3, 17 (rows of a tile, partial tiles), N not a multiple
//    of the 4 columns of a tile, rows padded to 4 bytes (an odd number of
//    Q4_0/Q8_0 blocks or Q6_K super-blocks), K longer than a workgroup's
//    units; one case also through the .tlp file (u8 weights);
//  - one plan compiled for a symbolic M over [1, 40] run at several M;
//  - shape-rule errors: wrong row bytes, K not a multiple of the block, an
//    unknown or missing quant, wrong dtypes and ranks, a symbolic K.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "driver/Pipeline.h"
#include "ir/GgufQuant.h"
#include "ir/Half.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::OpOperand;

namespace {

Attributes quantAttrs(const std::string &q) {
  Attributes a;
  a.values["quant"] = q;
  return a;
}

GgmlType typeOf(const std::string &q) {
  return q == "q8_0" ? GgmlType::Q8_0
                     : q == "q4_0" ? GgmlType::Q4_0 : GgmlType::Q6_K;
}

void expectContains(const std::string &msg, StringRef part) {
  EXPECT_NE(msg.find(part.str()), std::string::npos)
      << "message: '" << msg << "', expected to contain '" << part.str()
      << "'";
}

/// \p rows rows of \p k values of \p type in GGUF layout (unpadded): random
/// codes over their whole range and f16 scales of magnitude 2^-8..2^-3 and
/// both signs (Q6_K: random int8 sub-block scales too), from \p seed.
std::vector<uint8_t> randomBlocks(GgmlType type, int64_t rows, int64_t k,
                                  uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> mag(-8.0f, -3.0f);
  auto scale = [&] {
    float s = std::exp2(mag(rng));
    return floatToHalf(byte(rng) & 1 ? -s : s);
  };
  const GgmlTypeInfo *info = ggmlTypeInfo(uint32_t(type));
  std::vector<uint8_t> out;
  for (int64_t b = 0; b < rows * (k / info->blockElems); ++b) {
    size_t at = out.size();
    out.resize(at + info->blockBytes);
    uint8_t *p = out.data() + at;
    for (uint32_t i = 0; i < info->blockBytes; ++i)
      p[i] = uint8_t(byte(rng));
    uint16_t d = scale();
    size_t dAt = type == GgmlType::Q6_K ? 208 : 0;
    p[dAt] = uint8_t(d & 0xff);
    p[dAt + 1] = uint8_t(d >> 8);
  }
  return out;
}

/// W as QuantizedGemm takes it: u8 [rows, quantizedRowStride].
HostTensor weightTensor(GgmlType type, int64_t rows, int64_t k,
                        const std::vector<uint8_t> &gguf) {
  std::vector<uint8_t> padded = cantFail(padQuantizedRows(type, rows, k, gguf));
  int64_t stride = int64_t(*quantizedRowStride(type, k));
  return HostTensor::fromBytes(TensorType{DType::U8, {rows, stride}}, padded);
}

/// A * W^T with W decoded as one GGUF tensor of dims [k, rows] by
/// ir/GgufQuant.h's dequantize (not QuantizedGemm's per-block loop), in
/// double.
std::vector<float> independentProduct(GgmlType type, const HostTensor &a,
                                      int64_t rows, int64_t k,
                                      const std::vector<uint8_t> &gguf) {
  GgufTensor t;
  t.name = "w";
  t.type = type;
  t.dims = {uint64_t(k), uint64_t(rows)};
  t.numElements = uint64_t(k * rows);
  t.numBytes = gguf.size();
  t.data = gguf;
  std::vector<float> w = cantFail(dequantize(t));
  int64_t m = a.type.shape[0];
  std::vector<float> y(size_t(m * rows));
  ArrayRef<float> av = a.f32();
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < rows; ++c) {
      double s = 0;
      for (int64_t i = 0; i < k; ++i)
        s += double(av[size_t(r * k + i)]) * double(w[size_t(c * k + i)]);
      y[size_t(r * rows + c)] = float(s);
    }
  return y;
}

struct Case {
  const char *quant;
  int64_t m, n, k;
};

// Padded rows: q4_0 K = 32 (18 -> 20 bytes), q8_0 K = 96 (102 -> 104),
// q6_k K = 256 (210 -> 212). Long K: q8_0 2048 and q6_k 2560 give 256 and
// 160 units per row (more than the 128 invocations).
const Case kCases[] = {
    {"q8_0", 1, 5, 64},    {"q8_0", 3, 7, 96},   {"q8_0", 17, 9, 64},
    {"q8_0", 1, 3, 2048},  {"q4_0", 1, 6, 32},   {"q4_0", 3, 5, 64},
    {"q4_0", 17, 11, 160}, {"q4_0", 2, 3, 1024}, {"q6_k", 1, 5, 256},
    {"q6_k", 3, 7, 512},   {"q6_k", 17, 4, 256}, {"q6_k", 1, 3, 2560},
    {"q4_0", 1, 9, 512}, // rows 288 bytes: 16-byte loads in gemv_quant
};

std::string caseName(const Case &c) {
  return std::string(c.quant) + " M=" + std::to_string(c.m) +
         " N=" + std::to_string(c.n) + " K=" + std::to_string(c.k);
}

} // namespace

TEST(OpQuantizedGemm, ReferenceMatchesIndependentDequantization) {
  uint32_t seed = 1;
  for (const Case &c : kCases) {
    SCOPED_TRACE(caseName(c));
    GgmlType type = typeOf(c.quant);
    std::vector<uint8_t> gguf = randomBlocks(type, c.n, c.k, seed++);
    HostTensor a = tt::randomTensor({c.m, c.k}, seed++);
    auto ref = tt::runReference(
        "QuantizedGemm", quantAttrs(c.quant),
        {{a}, {weightTensor(type, c.n, c.k, gguf), true}});
    ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
    ASSERT_EQ((*ref)[0].type, (TensorType{DType::F32, {c.m, c.n}}));
    std::vector<float> want = independentProduct(type, a, c.n, c.k, gguf);
    EXPECT_EQ((*ref)[0].f32().vec(), want);
  }
}

TEST(OpQuantizedGemm, ReferenceByHand) {
  // Q8_0, one block, d = 0.5, q = i - 16: the row is 0.5 * (i - 16).
  std::vector<uint8_t> q8(34);
  q8[0] = 0x00, q8[1] = 0x38; // 0.5
  for (int i = 0; i < 32; ++i)
    q8[2 + i] = uint8_t(int8_t(i - 16));
  // Q4_0, one block, d = -0.25, byte j = j | (15 - j) << 4: value j is
  // -0.25 * (j - 8), value j + 16 is -0.25 * (7 - j).
  std::vector<uint8_t> q4(18);
  q4[0] = 0x00, q4[1] = 0xb4; // -0.25
  for (int j = 0; j < 16; ++j)
    q4[2 + j] = uint8_t(j | ((15 - j) << 4));
  // A: one row of ones and one of e_3 + e_20.
  std::vector<float> av(64, 0.0f);
  for (int i = 0; i < 32; ++i)
    av[size_t(i)] = 1.0f;
  av[32 + 3] = 1.0f, av[32 + 20] = 1.0f;
  HostTensor a = tt::tensor({2, 32}, av);
  auto y8 = tt::runReference("QuantizedGemm", quantAttrs("q8_0"),
                             {{a}, {weightTensor(GgmlType::Q8_0, 1, 32, q8),
                                    true}});
  ASSERT_TRUE(bool(y8)) << toString(y8.takeError());
  // sum 0.5 (i - 16) = 0.5 * (496 - 512) = -8; 0.5 (-13 + 4) = -4.5.
  EXPECT_EQ((*y8)[0].f32().vec(), (std::vector<float>{-8.0f, -4.5f}));
  auto y4 = tt::runReference("QuantizedGemm", quantAttrs("q4_0"),
                             {{a}, {weightTensor(GgmlType::Q4_0, 1, 32, q4),
                                    true}});
  ASSERT_TRUE(bool(y4)) << toString(y4.takeError());
  // Codes 0..15 and 15..0: sum of (code - 8) = 2 * (120 - 128) = -16, times
  // -0.25 = 4; e_3 -> code 3, e_20 -> code 15 - 4 = 11: -0.25 (-5 + 3).
  EXPECT_EQ((*y4)[0].f32().vec(), (std::vector<float>{4.0f, 0.5f}));
}

TEST(OpQuantizedGemm, DeviceMatchesReference) {
  uint32_t seed = 100;
  for (const Case &c : kCases) {
    SCOPED_TRACE(caseName(c));
    GgmlType type = typeOf(c.quant);
    std::vector<OpOperand> ops = {
        {tt::randomTensor({c.m, c.k}, seed++)},
        {weightTensor(type, c.n, c.k, randomBlocks(type, c.n, c.k, seed++)),
         true}};
    auto ref = tt::runReference("QuantizedGemm", quantAttrs(c.quant), ops);
    ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
    for (auto [target, shader] :
         {std::pair{"cpu", "quant_gemm"},
          std::pair{"gpu", "quant_gemm_subgroup"}}) {
      SCOPED_TRACE(target);
      Expected<Plan> plan = tt::compileOneNode(
          "QuantizedGemm", quantAttrs(c.quant), ops, target, DType::F32);
      ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
      // One row of q8_0 or q4_0: shaders/gemv_quant.comp's plain build.
      bool gemv = c.m == 1 && type != GgmlType::Q6_K;
      EXPECT_EQ(tt::dispatchShaders(*plan, false),
                std::vector<std::string>{gemv ? "gemv_quant_plain" : shader});
      auto out = tt::runPlanOnDevice(*plan, ops);
      ASSERT_TRUE(bool(out)) << toString(out.takeError());
      ASSERT_EQ((*out)[0].type, (*ref)[0].type);
      EXPECT_LE(tt::relativeL2((*out)[0], (*ref)[0]), tt::kTolerance);
    }
  }
}

TEST(OpQuantizedGemm, ResidualMatchesReference) {
  // Input Z (FuseEpilogues' residual) added to the product: the one-row
  // GEMV adds it before its store, the tiled kernel is followed by an
  // in-place add; the reference adds it in double.
  uint32_t seed = 500;
  for (const char *quant : {"q8_0", "q4_0", "q6_k"})
    for (int64_t m : {1, 3}) {
      GgmlType type = typeOf(quant);
      int64_t k = type == GgmlType::Q6_K ? 256 : 64, n = 6;
      SCOPED_TRACE(std::string(quant) + " M=" + std::to_string(m));
      std::vector<OpOperand> ops = {
          {tt::randomTensor({m, k}, seed++)},
          {weightTensor(type, n, k, randomBlocks(type, n, k, seed++)), true},
          {tt::randomTensor({m, n}, seed++)}};
      auto withZ = tt::runReference("QuantizedGemm", quantAttrs(quant), ops);
      auto without = tt::runReference("QuantizedGemm", quantAttrs(quant),
                                      {ops[0], ops[1]});
      ASSERT_TRUE(bool(withZ) && bool(without));
      for (int64_t i = 0; i < m * n; ++i)
        EXPECT_FLOAT_EQ((*withZ)[0].f32()[size_t(i)],
                        (*without)[0].f32()[size_t(i)] +
                            ops[2].tensor.f32()[size_t(i)]);
      tt::expectDeviceMatchesReference("QuantizedGemm", quantAttrs(quant), ops);
    }
  EXPECT_NE(tt::shapeRule("QuantizedGemm", quantAttrs("q8_0"),
                          {tt::f32({2, 32}), TensorType{DType::U8, {3, 36}},
                           tt::f32({2, 4})})
                .find("Z 2x4xf32 has 8 elements; expected M * N = 6"),
            std::string::npos);
}

TEST(OpQuantizedGemm, OneRowGemvAtEveryRowLayout) {
  // shaders/gemv_quant.comp's plain build: rows 16-byte aligned (K % 256
  // == 0: units of 8 blocks, 16-byte loads) and not (4-byte aligned,
  // padded rows: units of 2 blocks, an odd number of blocks leaving a last
  // unit of one), 1 to 22 invocations a row (K = 5632: 5 rows a workgroup),
  // N not a multiple of the workgroup's rows, with and without the residual
  // Z, f32 and fp16 storage (the reference then reads the rounded A and Z).
  uint32_t seed = 700;
  for (const char *quant : {"q8_0", "q4_0"})
    for (int64_t k : {32, 96, 160, 256, 480, 2048, 5632})
      for (bool residual : {false, true}) {
        GgmlType type = typeOf(quant);
        int64_t n = k >= 2048 ? 37 : 13;
        SCOPED_TRACE(std::string(quant) + " K=" + std::to_string(k) +
                     (residual ? " with Z" : ""));
        std::vector<OpOperand> ops = {
            {tt::randomTensor({1, k}, seed++)},
            {weightTensor(type, n, k, randomBlocks(type, n, k, seed++)),
             true}};
        if (residual)
          ops.push_back({tt::randomTensor({1, n}, seed++)});
        auto plan = tt::compileOneNode("QuantizedGemm", quantAttrs(quant), ops,
                                       "gpu", DType::F32);
        ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
        EXPECT_EQ(tt::dispatchShaders(*plan, false),
                  std::vector<std::string>{"gemv_quant_plain"});
        tt::expectDeviceMatchesReference("QuantizedGemm", quantAttrs(quant),
                                         ops);
        std::vector<OpOperand> rounded = ops;
        rounded[0].tensor = tt::roundedToF16(ops[0].tensor);
        if (residual)
          rounded[2].tensor = tt::roundedToF16(ops[2].tensor);
        auto want = tt::runReference("QuantizedGemm", quantAttrs(quant),
                                     rounded);
        ASSERT_TRUE(bool(want)) << toString(want.takeError());
        auto got = tt::runOnDeviceF16("QuantizedGemm", quantAttrs(quant),
                                      rounded, "gpu");
        ASSERT_TRUE(bool(got)) << toString(got.takeError());
        EXPECT_LT(tt::relativeL2((*got)[0], (*want)[0]), tt::kToleranceF16);
      }
}

TEST(OpQuantizedGemm, ThroughThePlanFile) {
  // The default pipeline with the .tlp round trip: u8 weights in a plan.
  std::vector<OpOperand> ops = {
      {tt::randomTensor({3, 32}, 7)},
      {weightTensor(GgmlType::Q4_0, 5, 32,
                    randomBlocks(GgmlType::Q4_0, 5, 32, 8)),
       true}};
  tt::expectDeviceMatchesReference("QuantizedGemm", quantAttrs("q4_0"), ops);
}

TEST(OpQuantizedGemm, SymbolicRowsMatchTheReference) {
  // A [M, K] with M a symbol over [1, 40]: one plan, run at several M, each
  // result against the reference on the same rows.
  DeviceOptions dopts;
  dopts.validation = true;
  Expected<std::unique_ptr<Device>> dev = Device::create(dopts);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  uint32_t seed = 300;
  for (const char *quant : {"q8_0", "q4_0", "q6_k"}) {
    GgmlType type = typeOf(quant);
    int64_t k = type == GgmlType::Q6_K ? 256 : 96, n = 7;
    HostTensor w = weightTensor(type, n, k, randomBlocks(type, n, k, seed++));
    for (const char *target : {"cpu", "gpu"}) {
      SCOPED_TRACE(std::string(quant) + " " + target);
      Graph g;
      g.name = "qgemm";
      DimSymbol s{"M", 1, 40};
      g.symbols.push_back(s);
      Value av;
      av.name = "a";
      av.kind = ValueKind::Input;
      av.type = TensorType::withDims(DType::F32, {DimExpr::symbol(s), k});
      av.hasType = true;
      ValueId aId = cantFail(g.addValue(std::move(av)));
      g.inputs.push_back(aId);
      Value wv;
      wv.name = "w";
      wv.kind = ValueKind::Weight;
      wv.type = w.type;
      wv.hasType = true;
      wv.data.assign(w.bytes().begin(), w.bytes().end());
      ValueId wId = cantFail(g.addValue(std::move(wv)));
      Value yv;
      yv.name = "y";
      ValueId yId = cantFail(g.addValue(std::move(yv)));
      Node node;
      node.op = "QuantizedGemm";
      node.name = "y";
      node.inputs = {aId, wId};
      node.outputs = {yId};
      node.attrs = quantAttrs(quant);
      g.addNode(std::move(node));
      g.outputs.push_back(yId);
      CompileOptions copts;
      copts.target = cantFail(kernelTargetByName(target));
      Expected<Plan> plan = compileGraph(std::move(g), copts);
      ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
      std::string want = std::string(target) == "gpu"
                             ? "quant_gemm_subgroup_dyn"
                             : "quant_gemm_dyn";
      // M = 1 (a decoded token) has its own dispatch: the GEMV of
      // gemv_quant.comp for q8_0 and q4_0, one-row tiles for q6_k.
      std::string one = type == GgmlType::Q6_K ? want : "gemv_quant_plain_dyn";
      EXPECT_EQ(tt::dispatchShaders(*plan, false),
                (std::vector<std::string>{one, want}));
      Expected<std::unique_ptr<LoadedPlan>> lp = LoadedPlan::load(**dev, *plan);
      ASSERT_TRUE(bool(lp)) << toString(lp.takeError());
      for (int64_t m : {1, 3, 17, 40, 8, 1}) {
        SCOPED_TRACE("M = " + std::to_string(m));
        HostTensor a = tt::randomTensor({m, k}, seed++);
        ASSERT_FALSE(bool((*lp)->setInput(0, a.bytes(), {m, k})));
        Error e = (*lp)->run();
        ASSERT_FALSE(bool(e)) << toString(std::move(e));
        EXPECT_EQ((*lp)->outputShape(0), (std::vector<int64_t>{m, n}));
        auto ref = tt::runReference("QuantizedGemm", quantAttrs(quant),
                                    {{a}, {w, true}});
        ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
        HostTensor got = HostTensor::fromBytes((*ref)[0].type,
                                               (*lp)->output(0));
        EXPECT_LE(tt::relativeL2(got, (*ref)[0]), tt::kTolerance);
      }
    }
  }
  EXPECT_EQ((*dev)->counters().validationMessages, 0u);
}

TEST(OpQuantizedGemm, ShapeRuleErrors) {
  auto rule = [](const Attributes &a, std::vector<TensorType> t) {
    return tt::shapeRule("QuantizedGemm", a, std::move(t));
  };
  auto u8 = [](Shape s) { return TensorType{DType::U8, std::move(s)}; };
  using tt::f32;
  expectContains(rule(quantAttrs("q8_0"), {f32({2, 64}), u8({4, 70})}),
                 "input 1 (W) is 4x70xu8; expected [N, 68]: rows of K = 64 "
                 "q8_0 values are 2 blocks of 34 bytes (68)");
  expectContains(rule(quantAttrs("q4_0"), {f32({2, 32}), u8({4, 18})}),
                 "input 1 (W) is 4x18xu8; expected [N, 20]: rows of K = 32 "
                 "q4_0 values are 1 blocks of 18 bytes (18), padded to a "
                 "multiple of 4 bytes");
  expectContains(rule(quantAttrs("q8_0"), {f32({2, 40}), u8({4, 44})}),
                 "K = 40 (dim 1 of input 0, A 2x40xf32) is not a multiple of "
                 "q8_0's block of 32 values");
  expectContains(rule(quantAttrs("q6_k"), {f32({2, 128}), u8({4, 108})}),
                 "K = 128 (dim 1 of input 0, A 2x128xf32) is not a multiple "
                 "of q6_k's block of 256 values");
  expectContains(rule(quantAttrs("q5_k"), {f32({2, 64}), u8({4, 68})}),
                 "attribute 'quant' is 'q5_k'; expected q8_0, q4_0 or q6_k");
  expectContains(rule({}, {f32({2, 64}), u8({4, 68})}),
                 "attribute 'quant' is missing; expected q8_0, q4_0 or q6_k");
  expectContains(rule(quantAttrs("q8_0"), {f32({2, 64}), f32({4, 68})}),
                 "input 1 (W) has dtype f32");
  expectContains(rule(quantAttrs("q8_0"),
                      {TensorType{DType::F16, {2, 64}}, u8({4, 68})}),
                 "input 0 (A) has dtype f16");
  expectContains(rule(quantAttrs("q8_0"), {f32({2, 2, 64}), u8({4, 68})}),
                 "input 0 (A) must have rank 2");
  expectContains(rule(quantAttrs("q8_0"), {f32({2, 64}), u8({272})}),
                 "input 1 (W) must have rank 2");
  expectContains(rule(quantAttrs("q8_0"), {f32({2, 64})}),
                 "expected 2 or 3 inputs, got 1");
  Attributes extra = quantAttrs("q8_0");
  extra.values["transB"] = int64_t(1);
  expectContains(rule(extra, {f32({2, 64}), u8({4, 68})}),
                 "unknown attribute 'transB'");
  DimSymbol s{"S", 1, 4};
  expectContains(
      rule(quantAttrs("q8_0"),
           {TensorType::withDims(DType::F32, {2, DimExpr::symbol(s) * 32}),
            u8({4, 68})}),
      "K (dim 1 of input 0, A");
  // Accepted: [M, N] f32, a symbolic M kept.
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("QuantizedGemm", quantAttrs("q6_k"),
                          {f32({3, 512}), u8({5, 420})}, &out),
            "");
  EXPECT_EQ(out, std::vector<TensorType>{f32({3, 5})});
  TensorType symA =
      TensorType::withDims(DType::F32, {DimExpr::symbol(s), 64});
  EXPECT_EQ(tt::shapeRule("QuantizedGemm", quantAttrs("q8_0"),
                          {symA, u8({5, 68})}, &out),
            "");
  EXPECT_EQ(out, std::vector<TensorType>{
                     TensorType::withDims(DType::F32, {DimExpr::symbol(s), 5})});
}

TEST(OpQuantizedGather, DeviceDecodesTheRowsOfTheReference) {
  // QuantizedGather (a token embedding kept as GGUF blocks) shares the
  // block decoders of QuantizedGemm (shaders/ggml_blocks.glsl; the
  // reference's ir/GgufQuant.h decoders are checked against an independent
  // dequantization above). Rows 0, 8, -1 (8), 4 and two indices outside
  // [-9, 9), which give zero rows; the decoded values are exact (one f32
  // product each), so the device must match bitwise, in f32 and in fp16
  // storage (a binary16 rounding of each value).
  uint32_t seed = 500;
  for (const char *quant : {"q8_0", "q4_0", "q6_k"}) {
    SCOPED_TRACE(quant);
    GgmlType type = typeOf(quant);
    int64_t k = type == GgmlType::Q6_K ? 256 : 96, rows = 9;
    std::vector<OpOperand> ops = {
        {weightTensor(type, rows, k, randomBlocks(type, rows, k, seed++)),
         true},
        {tt::ints({2, 3}, {0, 8, -1, 4, 9, -10})}};
    auto ref = tt::runReference("QuantizedGather", quantAttrs(quant), ops);
    ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
    ASSERT_EQ((*ref)[0].type.shape, (Shape{2, 3, k}));
    ArrayRef<float> r = (*ref)[0].f32();
    for (int64_t i = 0; i < k; ++i) {
      EXPECT_EQ(r[size_t(k + i)], r[size_t(2 * k + i)]) << "rows 8 and -1";
      EXPECT_EQ(r[size_t(4 * k + i)], 0.0f) << "index 9";
      EXPECT_EQ(r[size_t(5 * k + i)], 0.0f) << "index -10";
    }
    auto out = tt::runOnDevice("QuantizedGather", quantAttrs(quant), ops);
    ASSERT_TRUE(bool(out)) << toString(out.takeError());
    EXPECT_EQ(tt::maxAbsDiff((*out)[0], (*ref)[0]), 0.0);
    auto half = tt::runOnDeviceF16("QuantizedGather", quantAttrs(quant), ops,
                                   "cpu");
    ASSERT_TRUE(bool(half)) << toString(half.takeError());
    EXPECT_EQ(tt::maxAbsDiff((*half)[0], tt::roundedToF16((*ref)[0])), 0.0);
  }
}
