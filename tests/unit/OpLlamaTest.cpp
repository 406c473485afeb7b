//===- tests/unit/OpLlamaTest.cpp - RMSNormalization, RotaryEmbedding -----===//
//
// The two ops Llama-architecture decoders add to GPT-2's set (issue #15),
// with ONNX opset 23 semantics:
//   - the CPU references and the shaders, compiled for kernel targets "cpu"
//     and "gpu" and run on the default device (lavapipe, validation on),
//     against outputs computed by NumPy from the spec's formulas
//     (tools/make_llama_op_testdata.py -> tests/data/llama_ops/*.npy): both
//     interleaved modes, a rotary dim below the head size, 3-D and 4-D X,
//     non-trivial, broadcast and out-of-range (clamped) position ids, no
//     position_ids; RMS normalization of 3-D inputs over one and two axes
//     with broadcast scales and rows longer than a workgroup;
//   - fp16 storage builds against the CPU references;
//   - a model compiled once for a symbolic sequence length against plans
//     compiled for each length (tests/unit/RangeTestUtil.h);
//   - shape-rule errors for wrong ranks, dtypes, shapes and attributes.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"
#include "RangeTestUtil.h"

#include "ir/Npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::f32;
using tt::OpOperand;

namespace {

Attributes attrs(std::map<std::string, AttrValue> values) {
  Attributes a;
  a.values = std::move(values);
  return a;
}

void expectContains(const std::string &msg, StringRef part) {
  EXPECT_NE(msg.find(part.str()), std::string::npos)
      << "message: '" << msg << "', expected to contain '" << part.str()
      << "'";
}

/// tests/data/llama_ops/NAME.npy as a tensor (f32 or i64); a failed
/// gtest assertion and an empty tensor when it cannot be read.
HostTensor loadNpy(const std::string &name) {
  std::string path =
      std::string(TLC_SOURCE_DIR) + "/tests/data/llama_ops/" + name + ".npy";
  Expected<NpyArray> a = readNpy(path);
  if (!a) {
    ADD_FAILURE() << toString(a.takeError());
    return HostTensor();
  }
  std::optional<DType> dt = toDType(a->dtype);
  if (!dt) {
    ADD_FAILURE() << path << ": unexpected dtype";
    return HostTensor();
  }
  return HostTensor::fromBytes(TensorType{*dt, a->shape}, a->bytes);
}

/// Allowed differences from NumPy's float64 result rounded to f32. The CPU
/// references compute in double and round once, so they may differ from it
/// by an ulp (values here are below 8: 4.8e-7); the shaders compute in f32
/// (sums of squares in a tree, inversesqrt, possibly fused multiply-adds).
constexpr double kRefMaxAbs = 1e-6;
constexpr double kDeviceMaxAbs = 1e-5;

/// Runs \p op on \p operands through the CPU reference and through plans
/// compiled for the "cpu" and "gpu" kernel targets, expects the dispatched
/// shaders to be \p cpuShader and \p gpuShader, and compares each result
/// with \p want (NumPy's output). Prints the largest differences.
void expectMatchesNumpy(StringRef label, StringRef op, const Attributes &a,
                        const std::vector<OpOperand> &operands,
                        const HostTensor &want, StringRef cpuShader,
                        StringRef gpuShader) {
  SCOPED_TRACE(label.str());
  auto ref = tt::runReference(op, a, operands);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  ASSERT_EQ(ref->size(), 1u);
  ASSERT_EQ((*ref)[0].type, want.type);
  double refDiff = tt::maxAbsDiff((*ref)[0], want);
  EXPECT_LE(refDiff, kRefMaxAbs) << "CPU reference vs NumPy";
  char buf[64];
  std::snprintf(buf, sizeof buf, "reference %.3g", refDiff);
  std::string diffs = buf;
  for (auto [target, shader] : {std::pair{"cpu", cpuShader},
                                std::pair{"gpu", gpuShader}}) {
    Expected<Plan> plan = tt::compileOneNode(op, a, operands, target,
                                             DType::F32);
    ASSERT_TRUE(bool(plan)) << target << ": " << toString(plan.takeError());
    EXPECT_EQ(tt::dispatchShaders(*plan, false),
              std::vector<std::string>{shader.str()})
        << target;
    auto out = tt::runPlanOnDevice(*plan, operands);
    ASSERT_TRUE(bool(out)) << target << ": " << toString(out.takeError());
    ASSERT_EQ(out->size(), 1u);
    ASSERT_EQ((*out)[0].type, want.type);
    double diff = tt::maxAbsDiff((*out)[0], want);
    EXPECT_LE(diff, kDeviceMaxAbs) << target << " device vs NumPy";
    EXPECT_LE(tt::relativeL2((*out)[0], want), tt::kTolerance) << target;
    std::snprintf(buf, sizeof buf, ", %s %.3g", target, diff);
    diffs += buf;
  }
  std::printf("[ %s ] max |diff| vs NumPy: %s\n", label.str().c_str(),
              diffs.c_str());
}

//===-- RMSNormalization ---------------------------------------------------===//

/// The cases of tools/make_llama_op_testdata.py's RMS_CASES.
struct RMSCase {
  const char *name;
  int64_t axis;
  double epsilon;
};
const RMSCase kRMSCases[] = {
    {"rms_3d", -1, 1e-5},
    {"rms_axis", -2, 1e-3},
    {"rms_inner", 1, 1e-5},
    {"rms_wide", -1, 1e-6},
};

TEST(OpRMSNorm, MatchesNumpy) {
  for (const RMSCase &c : kRMSCases) {
    std::string n = c.name;
    HostTensor x = loadNpy(n + "_x"), scale = loadNpy(n + "_scale"),
               y = loadNpy(n + "_y");
    expectMatchesNumpy(n, "RMSNormalization",
                       attrs({{"axis", c.axis}, {"epsilon", c.epsilon}}),
                       {{x, false}, {scale, true}}, y, "rmsnorm",
                       "rmsnorm_subgroup");
  }
}

TEST(OpRMSNorm, ReferenceByHand) {
  // Row (3, 4): mean of squares 12.5, plus epsilon 0.25; row (0, 0) gives
  // 0 (epsilon keeps the divisor finite).
  HostTensor x = tt::tensor({2, 2}, {3, 4, 0, 0});
  HostTensor scale = tt::tensor({2}, {1, 2});
  auto out = tt::runReference("RMSNormalization", attrs({{"epsilon", 0.25}}),
                              {{x, false}, {scale, true}});
  ASSERT_TRUE(bool(out)) << toString(out.takeError());
  double inv = 1.0 / std::sqrt(12.5 + 0.25);
  std::vector<float> want = {float(3 * inv), float(8 * inv), 0, 0};
  EXPECT_EQ((*out)[0].f32().vec(), want);
}

TEST(OpRMSNorm, F16StorageMatchesReference) {
  HostTensor x = tt::roundedToF16(loadNpy("rms_3d_x"));
  HostTensor scale = tt::roundedToF16(loadNpy("rms_3d_scale"));
  std::vector<OpOperand> ops = {{x, false}, {scale, true}};
  auto ref = tt::runReference("RMSNormalization", {}, ops);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  for (const char *target : {"cpu", "gpu"}) {
    auto out = tt::runOnDeviceF16("RMSNormalization", {}, ops, target);
    ASSERT_TRUE(bool(out)) << target << ": " << toString(out.takeError());
    EXPECT_LE(tt::relativeL2((*out)[0], (*ref)[0]), tt::kToleranceF16)
        << target;
  }
}

TEST(OpRMSNorm, ShapeRuleErrors) {
  auto rule = [](const Attributes &a, std::vector<TensorType> t) {
    return tt::shapeRule("RMSNormalization", a, std::move(t));
  };
  expectContains(rule({}, {f32({2, 4}), f32({3})}),
                 "input 1 (scale) is 3xf32; dim 0 (3) must be 1 or equal "
                 "dim 1 of X");
  expectContains(rule({}, {f32({2, 4}), f32({2, 4})}),
                 "expected it broadcastable to the normalized dims of 2x4xf32 "
                 "(dims 1..1)");
  expectContains(rule(attrs({{"axis", int64_t(0)}}),
                      {f32({2, 3, 4}), f32({2, 1, 4})}),
                 "one contiguous block of the normalized dims");
  expectContains(rule(attrs({{"axis", int64_t(2)}}), {f32({2, 4}), f32({4})}),
                 "axis");
  expectContains(rule({}, {TensorType{DType::F32, {}}, f32({1})}),
                 "input 0 (X) must have rank >= 1, got a scalar");
  expectContains(rule(attrs({{"stash_type", int64_t(0)}}),
                      {f32({2, 4}), f32({4})}),
                 "attribute 'stash_type' is 0; only 1 (f32) is supported");
  expectContains(rule(attrs({{"epsilon", -1.0}}), {f32({2, 4}), f32({4})}),
                 "attribute 'epsilon' is -1.000000; expected a finite value "
                 ">= 0");
  expectContains(rule(attrs({{"axes", int64_t(1)}}), {f32({2, 4}), f32({4})}),
                 "unknown attribute 'axes'");
  expectContains(rule({}, {f32({2, 4})}), "expected 2 inputs, got 1");
  expectContains(rule({}, {f32({2, 4}), TensorType{DType::I64, {4}}}),
                 "input 1 (scale) has dtype i64");
  // Accepted: leading 1s, a single element, [H, D] for axis -2.
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("RMSNormalization", {}, {f32({2, 3, 4}),
                                                   f32({1, 1, 4})}, &out),
            "");
  EXPECT_EQ(out, std::vector<TensorType>{f32({2, 3, 4})});
  EXPECT_EQ(rule({}, {f32({2, 3, 4}), f32({1})}), "");
  EXPECT_EQ(rule(attrs({{"axis", int64_t(-2)}}),
                 {f32({2, 3, 4}), f32({3, 4})}),
            "");
}

TEST(OpRMSNorm, RangePlanMatchesFixed) {
  // A symbolic sequence length S in the row count (axis -1, scale [8]) and
  // among the normalized dims (axis 1: scale [8] broadcast over S, and an
  // input scale [S, 8] matched elementwise).
  const char *yaml = R"(tlc: 1
name: rms
inputs:
  - {name: x, shape: [2, S, 8], dtype: f32}
  - {name: sc, shape: [S, 8], dtype: f32}
outputs: [a, b, c]
constants:
  - {name: g8, shape: [8], dtype: f32, values: [1, 0.5, -1, 2, 0.25, 1.5, 3, -0.75]}
nodes:
  - {op: RMSNormalization, in: [x, g8], out: a}
  - {op: RMSNormalization, in: [x, g8], out: b, attrs: {axis: 1, epsilon: 0.001}}
  - {op: RMSNormalization, in: [x, sc], out: c, attrs: {axis: -2}}
)";
  expectRangePlanMatchesFixed(yaml, {{"S", DimRange{1, 40}}},
                              pointsOf("S", {1, 40, 7, 23}));
}

//===-- RotaryEmbedding ----------------------------------------------------===//

/// The cases of tools/make_llama_op_testdata.py's ROPE_CASES.
struct RopeCase {
  const char *name;
  int64_t interleaved, rotaryDim, numHeads;
  bool hasPos;
};
const RopeCase kRopeCases[] = {
    {"rope_4d_half", 0, 0, 0, true},
    {"rope_4d_inter_partial", 1, 6, 0, true},
    {"rope_3d_half_partial", 0, 4, 2, true},
    {"rope_3d_inter_bcast", 1, 0, 2, true},
    {"rope_nopos", 0, 0, 0, false},
    {"rope_clamp", 1, 0, 0, true},
};

Attributes ropeAttrs(int64_t interleaved, int64_t rotaryDim, int64_t heads) {
  return attrs({{"interleaved", interleaved},
                {"rotary_embedding_dim", rotaryDim},
                {"num_heads", heads}});
}

TEST(OpRotaryEmbedding, MatchesNumpy) {
  for (const RopeCase &c : kRopeCases) {
    std::string n = c.name;
    // X and position_ids are run-time inputs, the caches weights.
    std::vector<OpOperand> ops = {{loadNpy(n + "_x"), false},
                                  {loadNpy(n + "_cos"), true},
                                  {loadNpy(n + "_sin"), true}};
    if (c.hasPos)
      ops.push_back({loadNpy(n + "_pos"), false});
    expectMatchesNumpy(n, "RotaryEmbedding",
                       ropeAttrs(c.interleaved, c.rotaryDim, c.numHeads), ops,
                       loadNpy(n + "_y"), "rotary_embedding",
                       "rotary_embedding");
  }
}

TEST(OpRotaryEmbedding, ReferenceByHand) {
  // One head of 4, position 1 with angles (90, 0) degrees: halves rotate
  // (x0, x2) by 90 degrees and leave (x1, x3); pairs rotate (x0, x1).
  HostTensor x = tt::tensor({1, 1, 1, 4}, {1, 2, 3, 4});
  HostTensor cosC = tt::tensor({2, 2}, {1, 1, 0, 1});
  HostTensor sinC = tt::tensor({2, 2}, {0, 0, 1, 0});
  HostTensor pos = tt::ints({1, 1}, {1});
  std::vector<OpOperand> ops = {{x}, {cosC, true}, {sinC, true}, {pos}};
  auto half = tt::runReference("RotaryEmbedding", ropeAttrs(0, 0, 0), ops);
  ASSERT_TRUE(bool(half)) << toString(half.takeError());
  EXPECT_EQ((*half)[0].f32().vec(), (std::vector<float>{-3, 2, 1, 4}));
  auto pairs = tt::runReference("RotaryEmbedding", ropeAttrs(1, 0, 0), ops);
  ASSERT_TRUE(bool(pairs)) << toString(pairs.takeError());
  EXPECT_EQ((*pairs)[0].f32().vec(), (std::vector<float>{-2, 1, 3, 4}));
}

TEST(OpRotaryEmbedding, F16StorageMatchesReference) {
  const char *n = "rope_3d_half_partial";
  std::vector<OpOperand> ops = {
      {tt::roundedToF16(loadNpy(std::string(n) + "_x")), false},
      {tt::roundedToF16(loadNpy(std::string(n) + "_cos")), true},
      {tt::roundedToF16(loadNpy(std::string(n) + "_sin")), true},
      {loadNpy(std::string(n) + "_pos"), false}};
  Attributes a = ropeAttrs(0, 4, 2);
  auto ref = tt::runReference("RotaryEmbedding", a, ops);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  auto out = tt::runOnDeviceF16("RotaryEmbedding", a, ops);
  ASSERT_TRUE(bool(out)) << toString(out.takeError());
  EXPECT_LE(tt::relativeL2((*out)[0], (*ref)[0]), tt::kToleranceF16);
}

TEST(OpRotaryEmbedding, ConstantPositionsOutOfRangeAreAnError) {
  std::vector<OpOperand> ops = {{tt::randomTensor({1, 1, 2, 4}, 1)},
                                {tt::randomTensor({3, 2}, 2), true},
                                {tt::randomTensor({3, 2}, 3), true},
                                {tt::ints({1, 2}, {0, 3}), true}};
  auto out = tt::runReference("RotaryEmbedding", {}, ops);
  ASSERT_FALSE(bool(out));
  expectContains(toString(out.takeError()),
                 "position 3 (element 1 of input 3, position_ids) is out of "
                 "range for caches of 3 rows");
}

TEST(OpRotaryEmbedding, ShapeRuleErrors) {
  auto rule = [](const Attributes &a, std::vector<TensorType> t) {
    return tt::shapeRule("RotaryEmbedding", a, std::move(t));
  };
  TensorType i64bs{DType::I64, {2, 5}};
  // Wrong ranks.
  expectContains(rule({}, {f32({2, 5, 4, 3, 8}), f32({16, 4}), f32({16, 4}),
                           i64bs}),
                 "input 0 (X) is 2x5x4x3x8xf32; expected rank 3 [batch, seq, "
                 "hidden] or 4 [batch, heads, seq, head_size]");
  expectContains(rule({}, {f32({2, 3, 5, 8}), f32({16, 4, 1}), f32({16, 4, 1}),
                           i64bs}),
                 "input 1 (cos_cache) is 16x4x1xf32; expected [max_position "
                 "+ 1, 4] (rotary dim / 2) with position_ids");
  expectContains(rule({}, {f32({2, 3, 5, 8}), f32({16, 4}), f32({16, 4}),
                           TensorType{DType::I64, {10}}}),
                 "input 3 (position_ids) is 10xi64; expected [batch, seq] = "
                 "[2, 5] (or [1, 5])");
  expectContains(rule({}, {f32({2, 3, 5, 8}), f32({16, 4}), f32({16, 4})}),
                 "input 1 (cos_cache) is 16x4xf32; expected [batch, seq, "
                 "rotary dim / 2] = [2, 5, 4] without position_ids");
  // Dtypes, and the caches' types against each other.
  expectContains(rule({}, {f32({2, 3, 5, 8}), f32({16, 4}), f32({16, 4}),
                           TensorType{DType::I32, {2, 5}}}),
                 "input 3 (position_ids) has dtype i32; expected i64");
  expectContains(rule({}, {f32({2, 3, 5, 8}), f32({16, 4}), f32({15, 4}),
                           i64bs}),
                 "input 2 (sin_cache) is 15x4xf32; expected the type of "
                 "input 1 (cos_cache), 16x4xf32");
  // Attributes.
  expectContains(rule({}, {f32({2, 5, 24}), f32({16, 4}), f32({16, 4}),
                           i64bs}),
                 "a 3-D X 2x5x24xf32 [batch, seq, hidden] needs attribute "
                 "'num_heads'");
  expectContains(rule(ropeAttrs(0, 0, 5), {f32({2, 5, 24}), f32({16, 4}),
                                           f32({16, 4}), i64bs}),
                 "the hidden size 24 of X 2x5x24xf32 is not a multiple of "
                 "num_heads = 5");
  expectContains(rule(ropeAttrs(0, 0, 4), {f32({2, 3, 5, 8}), f32({16, 4}),
                                           f32({16, 4}), i64bs}),
                 "attribute 'num_heads' is 4 but X 2x3x5x8xf32");
  expectContains(rule(ropeAttrs(0, 10, 0), {f32({2, 3, 5, 8}), f32({16, 5}),
                                            f32({16, 5}), i64bs}),
                 "attribute 'rotary_embedding_dim' is 10; expected <= the "
                 "head size 8");
  expectContains(rule(ropeAttrs(0, 5, 0), {f32({2, 3, 5, 8}), f32({16, 2}),
                                           f32({16, 2}), i64bs}),
                 "the rotary dim is 5; expected an even number");
  expectContains(rule(ropeAttrs(0, 0, 0), {f32({2, 3, 5, 7}), f32({16, 3}),
                                           f32({16, 3}), i64bs}),
                 "the rotary dim is 7 (the head size); expected an even "
                 "number");
  expectContains(rule(ropeAttrs(2, 0, 0), {f32({2, 3, 5, 8}), f32({16, 4}),
                                           f32({16, 4}), i64bs}),
                 "attribute 'interleaved' is 2; expected 0 or 1");
  expectContains(rule(ropeAttrs(0, -2, 0), {f32({2, 3, 5, 8}), f32({16, 4}),
                                            f32({16, 4}), i64bs}),
                 "attribute 'rotary_embedding_dim' is -2; expected >= 0");
  expectContains(rule(attrs({{"scale", 1.0}}), {f32({2, 3, 5, 8}),
                                               f32({16, 4}), f32({16, 4}),
                                               i64bs}),
                 "unknown attribute 'scale'");
  expectContains(rule({}, {f32({2, 3, 5, 8}), f32({16, 4})}),
                 "expected 3 or 4 inputs, got 2");
  // Accepted: the output has X's type.
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("RotaryEmbedding", ropeAttrs(1, 6, 2),
                          {f32({2, 5, 20}), f32({16, 3}), f32({16, 3}),
                           TensorType{DType::I64, {1, 5}}},
                          &out),
            "");
  EXPECT_EQ(out, std::vector<TensorType>{f32({2, 5, 20})});
}

TEST(OpRotaryEmbedding, RangePlanMatchesFixed) {
  // A symbolic sequence length S in Llama's layouts: Q as [1, S, H*D]
  // (halves, whole head), K as [2, H, S, D] (pairs, rotary dim 6 of 8,
  // position_ids [1, S] for both rows), and caches [1, S, 4] without
  // position_ids. Positions are random in [0, 10), inside the 12 rows.
  const char *yaml = R"(tlc: 1
name: rope
inputs:
  - {name: q, shape: [1, S, 16], dtype: f32}
  - {name: k, shape: [2, 2, S, 8], dtype: f32}
  - {name: pos, shape: [1, S], dtype: i64}
  - {name: cos4, shape: [12, 4], dtype: f32}
  - {name: sin4, shape: [12, 4], dtype: f32}
  - {name: cos3, shape: [12, 3], dtype: f32}
  - {name: sin3, shape: [12, 3], dtype: f32}
  - {name: cosq, shape: [1, S, 4], dtype: f32}
  - {name: sinq, shape: [1, S, 4], dtype: f32}
outputs: [a, b, c]
nodes:
  - {op: RotaryEmbedding, in: [q, cos4, sin4, pos], out: a, attrs: {num_heads: 2}}
  - {op: RotaryEmbedding, in: [k, cos3, sin3, pos], out: b, attrs: {interleaved: 1, rotary_embedding_dim: 6}}
  - {op: RotaryEmbedding, in: [q, cosq, sinq], out: c, attrs: {num_heads: 2}}
)";
  expectRangePlanMatchesFixed(yaml, {{"S", DimRange{1, 40}}},
                              pointsOf("S", {1, 40, 7, 23}));
}

} // namespace

TEST(OpRotaryEmbedding, PositionOffsetEqualsConsecutivePositionIds) {
  // position_offset = 3 (a decoder's tokens after 3 cached positions) reads
  // table rows 3 .. 3 + S - 1, exactly as position_ids [[3, 4, 5, 6]] do;
  // past the tables it clamps like ids. Both modes, reference and device.
  for (int64_t offset : {int64_t(3), int64_t(7)}) {
    SCOPED_TRACE("offset " + std::to_string(offset));
    HostTensor x = tt::randomTensor({1, 4, 2 * 6}, 91);
    HostTensor cosC = tt::randomTensor({9, 3}, 92),
               sinC = tt::randomTensor({9, 3}, 93);
    std::vector<int64_t> ids;
    for (int64_t s = 0; s < 4; ++s)
      ids.push_back(std::min<int64_t>(offset + s, 8));
    HostTensor pos = tt::ints({1, 4}, ids);
    for (int64_t interleaved : {0, 1}) {
      Attributes withIds = ropeAttrs(interleaved, 0, 2);
      Attributes withOffset = withIds;
      withOffset.values["position_offset"] = std::vector<int64_t>{offset};
      auto a = tt::runReference("RotaryEmbedding", withIds,
                                {{x}, {cosC, true}, {sinC, true}, {pos}});
      ASSERT_TRUE(bool(a)) << toString(a.takeError());
      std::vector<OpOperand> ops = {{x}, {cosC, true}, {sinC, true}};
      auto b = tt::runReference("RotaryEmbedding", withOffset, ops);
      ASSERT_TRUE(bool(b)) << toString(b.takeError());
      EXPECT_EQ((*a)[0].f32().vec(), (*b)[0].f32().vec());
      auto dev = tt::runOnDevice("RotaryEmbedding", withOffset, ops);
      ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
      EXPECT_LE(tt::relativeL2((*dev)[0], (*b)[0]), tt::kTolerance);
    }
  }
  // With position_ids too, or a negative offset: refused.
  Attributes both = ropeAttrs(0, 0, 2);
  both.values["position_offset"] = std::vector<int64_t>{1};
  auto e = tt::runReference("RotaryEmbedding", both,
                            {{tt::randomTensor({1, 4, 12}, 1)},
                             {tt::randomTensor({9, 3}, 2), true},
                             {tt::randomTensor({9, 3}, 3), true},
                             {tt::ints({1, 4}, {0, 1, 2, 3})}});
  ASSERT_FALSE(bool(e));
  expectContains(toString(e.takeError()), "exclude each other");
}
