//===- tests/unit/OpF16ElementwiseTest.cpp - fp16-storage builds ----------===//
//
// The fp16-storage builds (`--precision=fp16`, shaders/storage.glsl) of the
// elementwise, reduction, layout and attention kernels: unary, unary_math,
// clip, fused_elementwise, global_avgpool, layernorm, softmax, reduce
// (and their subgroup builds), pool2d, resize, slice, strided_copy, gather
// and attention. Each op runs through tt::runOnDeviceF16, which fails when
// a dispatch of the op's node ran an f32 build, on float inputs already
// rounded to binary16, so the only difference from the op's CPU reference
// on the same inputs is the kernel's own: f32 arithmetic, then one rounding
// of each stored output. Relative L2 <= kToleranceF16. The "gpu" target's
// choice of the subgroup_f16 builds is checked on the compiled plans.
// Shapes reach each code path of the f32 tests of these ops: vec4 and
// scalar accesses, several items per invocation, broadcast and splat
// operands, shared-memory ("cpu" target) and subgroup ("gpu") reductions,
// row lengths below, at and above the workgroup size. Operands that the
// kernels keep in f32 storage (Resize's scales, FusedAttention's additive
// mask, whose -3.4e38 binary16 cannot hold) are passed unrounded.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "ops/FusedAttention.h"
#include "ops/FusedElementwiseProgram.h"
#include "ops/KernelTarget.h"
#include "driver/Pipeline.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::OpOperand;

namespace {

Attributes attrs(std::map<std::string, AttrValue> values) {
  Attributes a;
  a.values = std::move(values);
  return a;
}

/// A 1-D i64 weight holding \p v (shapes, starts, split lengths).
OpOperand i64s(std::vector<int64_t> v) {
  HostTensor t(TensorType{DType::I64, {int64_t(v.size())}});
  for (size_t i = 0; i < v.size(); ++i)
    t.setInt(int64_t(i), v[i]);
  return {t, true};
}

/// An integer tensor of \p dtype (values exact as floats below 2^24).
HostTensor ints(DType dtype, Shape shape, std::vector<float> values) {
  HostTensor t(TensorType{dtype, std::move(shape)});
  for (size_t i = 0; i < values.size(); ++i)
    t.setInt(int64_t(i), int64_t(values[i]));
  return t;
}

/// An f32 weight holding \p v, 1-D.
OpOperand f32Weight(std::vector<float> v) {
  int64_t n = int64_t(v.size()); // before v is moved from
  return {tt::tensor({n}, std::move(v)), true};
}

/// Rounds every f32 operand of \p ops to binary16, except those at the
/// indices in \p keepF32; runs \p op with fp16 storage for \p target and
/// through its CPU reference on the same operands; every output must match
/// within kToleranceF16.
void expectF16Matches(StringRef op, const Attributes &a,
                      std::vector<OpOperand> ops, StringRef target = "cpu",
                      std::set<size_t> keepF32 = {}) {
  SCOPED_TRACE(op.str() + " on target " + target.str());
  for (size_t i = 0; i < ops.size(); ++i)
    if (ops[i].tensor.type.dtype == DType::F32 && !keepF32.count(i))
      ops[i].tensor = tt::roundedToF16(std::move(ops[i].tensor));
  auto ref = tt::runReference(op, a, ops);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  auto dev = tt::runOnDeviceF16(op, a, ops, target);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  ASSERT_EQ(dev->size(), ref->size());
  for (size_t i = 0; i < ref->size(); ++i) {
    ASSERT_EQ((*dev)[i].type, (*ref)[i].type) << "output " << i;
    EXPECT_LE(tt::relativeL2((*dev)[i], (*ref)[i]), tt::kToleranceF16)
        << "output " << i << ", max abs diff "
        << tt::maxAbsDiff((*dev)[i], (*ref)[i]);
  }
}

/// Both kernel targets: "cpu" (shared-memory reductions) and "gpu"
/// (subgroup builds where the op has them).
void expectF16MatchesBothTargets(StringRef op, const Attributes &a,
                                 const std::vector<OpOperand> &ops,
                                 std::set<size_t> keepF32 = {}) {
  for (const char *target : {"cpu", "gpu"})
    expectF16Matches(op, a, ops, target, keepF32);
}

//===-- unary.comp, unary_math.comp, clip.comp -----------------------------===//

TEST(OpF16Unary, EveryOpVec4AndScalar) {
  // 4 * 33 * 8 elements: vec4; 3 * 7 * 5: one float per invocation.
  for (Shape s : {Shape{4, 33, 8}, Shape{3, 7, 5}}) {
    for (const char *op : {"Relu", "Sigmoid", "Tanh", "Erf", "HardSwish"})
      expectF16Matches(op, Attributes(), {{tt::randomTensor(s, 1, -4.0f, 4.0f)}});
    expectF16Matches("Sqrt", Attributes(),
                     {{tt::randomTensor(s, 2, 0.0f, 9.0f)}});
    expectF16Matches("HardSigmoid",
                     attrs({{"alpha", 0.25}, {"beta", 0.375}}),
                     {{tt::randomTensor(s, 3, -5.0f, 5.0f)}});
    // ops/UnaryMath.cpp: the same shader's other codes.
    for (const char *op : {"Neg", "Abs", "Floor", "Sign", "Sin", "Atan",
                           "Softsign", "Softplus", "Elu", "Selu", "Celu"})
      expectF16Matches(op, Attributes(), {{tt::randomTensor(s, 4, -3.0f, 3.0f)}});
    expectF16Matches("Log", Attributes(), {{tt::randomTensor(s, 5, 0.1f, 8.0f)}});
    expectF16Matches("LeakyRelu", attrs({{"alpha", 0.125}}),
                     {{tt::randomTensor(s, 6, -3.0f, 3.0f)}});
    expectF16Matches("Shrink", attrs({{"bias", 0.5}, {"lambd", 1.0}}),
                     {{tt::randomTensor(s, 7, -3.0f, 3.0f)}});
  }
}

TEST(OpF16Unary, SeveralItemsPerInvocation) {
  // 2^22 elements = 2^20 vec4s, and 2^20 + 3 scalars: two items per
  // invocation (ops/Unary.cpp, elementwiseItemsPerInvocation).
  expectF16Matches("Sigmoid", Attributes(),
                   {{tt::randomTensor({4, 1 << 20}, 4, -6.0f, 6.0f)}});
  expectF16Matches("Relu", Attributes(),
                   {{tt::randomTensor({(1 << 20) + 3}, 5)}});
}

TEST(OpF16Clip, BoundsAsWeightsInputsOrAbsent) {
  OpOperand x{tt::randomTensor({5, 7, 9}, 6, -2.0f, 2.0f)};
  OpOperand lo{tt::tensor({}, {-0.5f}), true}, hi{tt::tensor({}, {0.75f}), true};
  expectF16Matches("Clip", Attributes(), {x, lo, hi});
  expectF16Matches("Clip", Attributes(), {x, lo});
  // Computed bounds (graph inputs), lo > hi: hi wins.
  expectF16Matches("Clip", Attributes(),
                   {x, {tt::tensor({1}, {0.3f})}, {tt::tensor({1}, {-0.2f})}});
  // No bounds: a copy (unary.comp, vec4 and scalar).
  expectF16Matches("Clip", Attributes(), {x});
  expectF16Matches("Clip", Attributes(), {{tt::randomTensor({4, 6}, 7)}});
}

//===-- fused_elementwise.comp ---------------------------------------------===//

/// Every opcode, over three inputs: x, a bias row and a column.
FusedProgram everyOpcodeProgram() {
  using Op = FusedOpcode;
  FusedProgram p;
  p.numInputs = 3;
  auto add = [&](Op op, int64_t a, int64_t b, float p0 = 0.0f,
                 float p1 = 0.0f) {
    p.code.push_back({op, a, b, p0, p1});
    return int64_t(p.numInputs + p.code.size() - 1);
  };
  const int64_t imm = kFusedImmOperand;
  int64_t t = add(Op::Add, 0, 1);            // x + bias
  int64_t u = add(Op::Mul, t, 2);            // * column
  int64_t v = add(Op::Tanh, u, imm);
  int64_t w = add(Op::Erf, u, imm);
  int64_t s = add(Op::Sigmoid, t, imm);
  int64_t r = add(Op::Relu, u, imm);
  int64_t q = add(Op::Sqrt, r, imm);
  int64_t h = add(Op::HardSwish, t, imm);
  int64_t g = add(Op::HardSigmoid, u, imm, 0.2f, 0.5f);
  int64_t c2 = add(Op::Pow, t, imm, 2.0f);   // x^2 by multiplication
  int64_t c3 = add(Op::Pow, u, imm, 3.0f);   // x^3, negative bases too
  int64_t pw = add(Op::Pow, s, g);           // positive base, any exponent
  int64_t a1 = add(Op::Sub, v, w);
  int64_t a2 = add(Op::Add, a1, q);
  int64_t a3 = add(Op::Mul, a2, h);
  int64_t a4 = add(Op::Div, a3, imm, 1.5f);
  int64_t a5 = add(Op::Sub, a4, c2);
  int64_t a6 = add(Op::Add, a5, c3);
  int64_t a7 = add(Op::Add, a6, pw);
  add(Op::Clip, a7, imm, -3.0f, 3.0f);
  return p;
}

TEST(OpF16FusedElementwise, Vec4WithBroadcastRowAndSplatColumn) {
  // Merged dims [12, 8]: x and the bias row read as vec4s, the column
  // (innermost stride 0) splatted.
  Attributes a;
  writeFusedProgram(everyOpcodeProgram(), a);
  for (const char *target : {"cpu", "gpu"})
    expectF16Matches("FusedElementwise", a,
                     {{tt::randomTensor({2, 6, 8}, 8, -2.0f, 2.0f)},
                      {tt::randomTensor({8}, 9), true},
                      {tt::randomTensor({2, 6, 1}, 10)}},
                     target);
}

TEST(OpF16FusedElementwise, ScalarPath) {
  Attributes a;
  writeFusedProgram(everyOpcodeProgram(), a);
  expectF16Matches("FusedElementwise", a,
                   {{tt::randomTensor({3, 5, 7}, 11, -2.0f, 2.0f)},
                    {tt::randomTensor({7}, 12)},
                    {tt::randomTensor({3, 5, 1}, 13), true}});
}

TEST(OpF16FusedElementwise, FourInputsSeveralItemsPerInvocation) {
  // [2^10, 2^12]: 2^20 vec4 units, two per invocation; a row, a column
  // and a scalar broadcast into it.
  FusedProgram p;
  p.numInputs = 4;
  p.code.push_back({FusedOpcode::Mul, 0, 1});
  p.code.push_back({FusedOpcode::Add, 4, 2});
  p.code.push_back({FusedOpcode::Sub, 5, 3});
  Attributes a;
  writeFusedProgram(p, a);
  expectF16Matches("FusedElementwise", a,
                   {{tt::randomTensor({1 << 10, 1 << 12}, 14)},
                    {tt::randomTensor({1 << 12}, 15)},
                    {tt::randomTensor({1 << 10, 1}, 16)},
                    {tt::randomTensor({}, 17)}});
}

//===-- Reductions: global_avgpool, layernorm, softmax, reduce -------------===//

TEST(OpF16Reduction, GlobalAveragePool) {
  for (Shape s : {Shape{1, 5, 7, 7}, Shape{2, 3, 40, 31}, Shape{1, 2, 1, 1},
                  Shape{2, 7, 131}})
    expectF16MatchesBothTargets("GlobalAveragePool", Attributes(),
                                {{tt::randomTensor(s, 20, -1.0f, 3.0f)}});
}

TEST(OpF16Reduction, LayerNormalization) {
  // Row lengths: 1, below a subgroup, not a multiple of 32, the workgroup
  // size (128), GPT-2's 768 and well above.
  for (int64_t cols : {1, 7, 45, 128, 768, 5001}) {
    uint32_t seed = uint32_t(cols);
    expectF16MatchesBothTargets(
        "LayerNormalization", attrs({{"axis", int64_t(-1)}, {"epsilon", 1e-5}}),
        {{tt::randomTensor({3, cols}, seed, -2.0f, 3.0f)},
         {tt::randomTensor({cols}, seed + 1), true},
         {tt::randomTensor({cols}, seed + 2), true}});
  }
  // No bias; scale as a graph input; normalized over the last two dims.
  expectF16MatchesBothTargets(
      "LayerNormalization", attrs({{"axis", int64_t(-2)}, {"epsilon", 1e-3}}),
      {{tt::randomTensor({4, 6, 50}, 30, -5.0f, 5.0f)},
       {tt::randomTensor({6, 50}, 31)}});
}

TEST(OpF16Reduction, Softmax) {
  struct Case {
    Shape shape;
    int64_t axis;
  };
  // Last axis (GPT-2's scores), an inner axis (strided rows), rows of one
  // element and rows longer than the workgroup (64).
  for (const Case &c : {Case{{2, 12, 128}, -1}, Case{{4, 33, 5}, 1},
                        Case{{6, 1}, -1}, Case{{2, 1000}, -1},
                        Case{{3, 4, 5}, 0}})
    expectF16MatchesBothTargets("Softmax", attrs({{"axis", c.axis}}),
                                {{tt::randomTensor(c.shape, 40, -8.0f, 8.0f)}});
}

TEST(OpF16Reduction, ReduceMean) {
  auto reduce = [](std::vector<int64_t> axes, int64_t keep) {
    return attrs({{"axes", axes}, {"keepdims", keep}});
  };
  // A wide strided box (33 x 20: the "gpu" target's subgroup build), small
  // boxes (one invocation per output on both), everything, and inner axes.
  OpOperand wide{tt::randomTensor({2, 33, 20, 3}, 50, -1.0f, 2.0f)};
  expectF16MatchesBothTargets("ReduceMean", reduce({1, 2}, 1), {wide});
  expectF16MatchesBothTargets("ReduceMean", reduce({-1}, 0),
                              {{tt::randomTensor({64, 7}, 51)}});
  OpOperand x{tt::randomTensor({3, 5, 9, 11}, 52)};
  expectF16MatchesBothTargets("ReduceMean", Attributes(), {x});
  expectF16MatchesBothTargets("ReduceMean", reduce({0, 2}, 0), {x});
  expectF16MatchesBothTargets("ReduceMean", reduce({2, 3}, 1), {x});
}

/// Shaders of the Dispatch commands of the one-node graph compiled with
/// fp16 storage for \p target, StorageCasts left out.
std::vector<std::string> f16Shaders(StringRef op, const Attributes &a,
                                    const std::vector<OpOperand> &ops,
                                    StringRef target) {
  Expected<Plan> plan = tt::compileOneNode(op, a, ops, target, DType::F16);
  EXPECT_TRUE(bool(plan)) << toString(plan.takeError());
  return plan ? tt::dispatchShaders(*plan, /*skipStorageCasts=*/true)
              : std::vector<std::string>();
}

TEST(OpF16Reduction, TargetsPickSubgroupOrSharedMemoryF16Builds) {
  // The tests above reach both builds of each reduction only if the "gpu"
  // target picks the subgroup_f16 one and "cpu" the shared-memory one.
  using Strings = std::vector<std::string>;
  std::vector<OpOperand> ln = {{tt::randomTensor({3, 45}, 1)},
                               {tt::randomTensor({45}, 2), true},
                               {tt::randomTensor({45}, 3), true}};
  Attributes lnAttrs = attrs({{"axis", int64_t(-1)}});
  std::vector<OpOperand> x = {{tt::randomTensor({2, 33, 20, 3}, 4)}};
  Attributes wide = attrs({{"axes", std::vector<int64_t>{1, 2}}});
  for (const char *target : {"cpu", "gpu"}) {
    SCOPED_TRACE(target);
    std::string sg = StringRef(target) == "gpu" ? "_subgroup" : "";
    EXPECT_EQ(f16Shaders("LayerNormalization", lnAttrs, ln, target),
              Strings{"layernorm" + sg + "_f16"});
    EXPECT_EQ(f16Shaders("Softmax", Attributes(), x, target),
              Strings{"softmax" + sg + "_f16"});
    EXPECT_EQ(f16Shaders("GlobalAveragePool", Attributes(), x, target),
              Strings{"global_avgpool" + sg + "_f16"});
    EXPECT_EQ(f16Shaders("ReduceMean", wide, x, target),
              Strings{"reduce" + sg + "_f16"});
  }
}

//===-- pool2d.comp, resize.comp -------------------------------------------===//

Attributes poolAttrs(std::vector<int64_t> kernel, std::vector<int64_t> strides,
                     std::vector<int64_t> pads, int64_t ceilMode = 0) {
  return attrs({{"kernel_shape", kernel},
                {"strides", strides},
                {"pads", pads},
                {"ceil_mode", ceilMode}});
}

TEST(OpF16Pool, MaxPool) {
  expectF16Matches("MaxPool", poolAttrs({2, 2}, {2, 2}, {0, 0, 0, 0}),
                   {{tt::randomTensor({2, 3, 13, 7}, 60)}});
  Attributes a = poolAttrs({3, 2}, {2, 3}, {1, 0, 2, 1}, 1);
  a.values["dilations"] = std::vector<int64_t>{2, 1};
  expectF16Matches("MaxPool", a, {{tt::randomTensor({3, 5, 9, 11}, 61)}});
}

TEST(OpF16Pool, AveragePool) {
  for (int64_t includePad : {0, 1})
    for (int64_t ceilMode : {0, 1}) {
      Attributes a = poolAttrs({3, 3}, {2, 2}, {1, 1, 1, 1}, ceilMode);
      a.values["count_include_pad"] = includePad;
      expectF16Matches("AveragePool", a,
                       {{tt::randomTensor({3, 5, 9, 11}, 62)}});
    }
}

TEST(OpF16Resize, EveryModeWithF32Scales) {
  // The scales (operand 2) keep f32 storage: 0.6 and 1.75 unrounded.
  OpOperand roi{tt::tensor({1}, {0.0f}), true};
  OpOperand x{tt::randomTensor({2, 3, 5, 7}, 70)};
  for (const char *mode : {"nearest", "linear"})
    for (const char *ctm :
         {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"}) {
      Attributes a = attrs({{"mode", std::string(mode)},
                            {"coordinate_transformation_mode", std::string(ctm)}});
      expectF16Matches("Resize", a, {x, roi, f32Weight({1, 1, 2, 3})}, "cpu",
                       {1, 2});
      expectF16Matches("Resize", a, {x, roi, f32Weight({1, 1, 1.5f, 0.6f})},
                       "cpu", {1, 2});
    }
  for (const char *nm :
       {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"})
    expectF16Matches("Resize", attrs({{"nearest_mode", std::string(nm)}}),
                     {x, roi, f32Weight({1, 1, 2.5f, 1.75f})}, "cpu", {1, 2});
}

// With sizes and no scales, ops/Resize.cpp binds X again to the scales
// binding (declared f32 in resize_f16) and marks it unread, so the node
// still runs its f16 build.
TEST(OpF16Resize, SizesWithoutScales) {
  OpOperand roi{tt::tensor({1}, {0.0f}), true};
  OpOperand sizes = i64s({2, 3, 9, 4});
  for (const char *mode : {"nearest", "linear"})
    expectF16Matches("Resize", attrs({{"mode", std::string(mode)}}),
                     {{tt::randomTensor({2, 3, 5, 7}, 71)}, roi,
                      f32Weight({1, 1, 1, 1}), sizes},
                     "cpu", {1, 2});
}

//===-- Layout: slice.comp, strided_copy.comp, unary.comp (copies) ---------===//

TEST(OpF16Layout, Slice) {
  OpOperand x{tt::randomTensor({7, 9, 11}, 80)};
  expectF16Matches("Slice", Attributes(), {x, i64s({1, -5}), i64s({6, 1000})});
  expectF16Matches("Slice", Attributes(),
                   {x, i64s({-1, 100, 2}), i64s({-1000, 0, 9}),
                    i64s({2, 0, -2}), i64s({-3, -2, 3})});
  expectF16Matches("Slice", Attributes(), {x, i64s({3}), i64s({7}), i64s({-1})});
  expectF16Matches("Slice", Attributes(),
                   {{tt::randomTensor({3, 2, 5, 4, 3, 7}, 81)}, i64s({1, 1}),
                    i64s({3, 6}), i64s({0, 5}), i64s({1, 2})});
}

TEST(OpF16Layout, Transpose) {
  expectF16Matches("Transpose", Attributes(),
                   {{tt::randomTensor({3, 5, 9, 11}, 82)}});
  expectF16Matches("Transpose", attrs({{"perm", std::vector<int64_t>{0, 2, 3, 1}}}),
                   {{tt::randomTensor({3, 5, 9, 11}, 83)}});
  expectF16Matches("Transpose",
                   attrs({{"perm", std::vector<int64_t>{5, 0, 4, 1, 3, 2}}}),
                   {{tt::randomTensor({2, 3, 1, 5, 4, 3}, 84)}});
}

TEST(OpF16Layout, Concat) {
  for (int64_t axis : {0, 1, -1, 2})
    expectF16Matches("Concat", attrs({{"axis", axis}}),
                     {{tt::randomTensor({3, 5, 7, 9}, 85)},
                      {tt::randomTensor({3, 5, 7, 9}, 86), true},
                      {tt::randomTensor({3, 5, 7, 9}, 87)}});
  expectF16Matches("Concat", attrs({{"axis", int64_t(1)}}),
                   {{tt::randomTensor({3, 5, 7}, 88)},
                    {tt::randomTensor({3, 2, 7}, 89)},
                    {tt::randomTensor({3, 11, 7}, 90)}});
}

TEST(OpF16Layout, Split) {
  // GPT-2's Q/K/V split at odd sizes, and uneven pieces of an inner axis.
  expectF16Matches("Split", attrs({{"axis", int64_t(2)}}),
                   {{tt::randomTensor({1, 7, 39}, 91)}, i64s({13, 13, 13})});
  expectF16Matches("Split", attrs({{"axis", int64_t(-2)}}),
                   {{tt::randomTensor({3, 9, 5}, 92)}, i64s({2, 4, 1, 2})});
}

// Reshape, Flatten, Squeeze and Unsqueeze are not tested here: with fp16
// storage their output is never a graph output (a StorageCast back to f32
// follows), so they are always views and dispatch nothing. Their copy
// (unary.comp, Copy) is the f16 build tested through Clip without bounds.

//===-- gather.comp ---------------------------------------------------------===//

TEST(OpF16Gather, EmbeddingAndInnerAxis) {
  // Only data and output are f16; i64 and i32 indices are unchanged.
  HostTensor table = tt::randomTensor({37, 13}, 100);
  expectF16Matches("Gather", Attributes(),
                   {{table, true},
                    {ints(DType::I64, {1, 7}, {0, 36, 5, -1, 17, 5, 2})}});
  expectF16Matches("Gather", Attributes(),
                   {{table, false},
                    {ints(DType::I32, {2, 3}, {3, -37, 36, 1, 1, 0})}});
  expectF16Matches("Gather", attrs({{"axis", int64_t(-2)}}),
                   {{tt::randomTensor({3, 11, 5}, 101)},
                    {ints(DType::I64, {2, 3}, {10, 0, -2, 4, 4, 7}), true}});
  // An out-of-range run-time index gives 0.
  expectF16Matches("Gather", Attributes(),
                   {{tt::randomTensor({2, 2}, 102), true},
                    {ints(DType::I64, {3}, {1, 2, -3})}});
}

//===-- attention.comp ------------------------------------------------------===//

struct AttentionCase {
  Shape q, k, v;
  Shape mask; // empty: no mask
  double scale;
};

/// Q, K, V (f16) and the mask (operand 3, kept f32), on both targets.
void expectAttentionF16(const Attributes &a, const std::vector<OpOperand> &ops) {
  expectF16MatchesBothTargets("FusedAttention", a, ops, {3});
}

const AttentionCase kAttentionCases[] = {
    // Sq != Sk; D not a multiple of 4.
    {{1, 2, 5, 7}, {1, 2, 9, 7}, {1, 2, 9, 7}, {1, 2, 5, 9}, 0.3},
    // Sk not a multiple of the key block; a broadcast mask.
    {{2, 3, 33, 13}, {2, 3, 70, 13}, {2, 3, 70, 13}, {1, 1, 33, 70}, 0.25},
    // Dv != D, rank 3, a full mask.
    {{4, 17, 6}, {4, 40, 6}, {4, 40, 5}, {4, 17, 40}, 1.0},
    // Rank 2, one query row, a mask over the keys only.
    {{1, 3}, {65, 3}, {65, 9}, {65}, 0.5},
    // D = Dv = 200: tiles shrink to fit shared memory.
    {{1, 2, 19, 200}, {1, 2, 23, 200}, {1, 2, 23, 200}, {19, 23}, 0.07},
};

/// Case \p c on both targets, with its mask (a weight) when \p withMask.
void expectAttentionCase(const AttentionCase &c, bool withMask) {
  std::vector<OpOperand> ops = {{tt::randomTensor(c.q, 110)},
                                {tt::randomTensor(c.k, 111)},
                                {tt::randomTensor(c.v, 112)}};
  if (withMask)
    ops.push_back({tt::randomTensor(c.mask, 113, -3.0f, 3.0f), true});
  expectAttentionF16(attrs({{"scale", c.scale}}), ops);
}

TEST(OpF16Attention, ShapesWithMasks) {
  for (size_t i = 0; i < std::size(kAttentionCases); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    expectAttentionCase(kAttentionCases[i], true);
  }
}

// Without a mask, ops/FusedAttention.cpp binds Q again to the mask binding
// (declared f32 in attention_f16) and marks it unread, so the node still
// runs its f16 build.
TEST(OpF16Attention, ShapesWithoutMask) {
  for (size_t i = 0; i < std::size(kAttentionCases); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    expectAttentionCase(kAttentionCases[i], false);
  }
}

/// A [1, 1, S, S] causal mask of -3.4e38 (beyond binary16's range).
HostTensor causalMask(int64_t s) {
  HostTensor mask(tt::f32({1, 1, s, s}));
  for (int64_t i = 0; i < s; ++i)
    for (int64_t j = 0; j < s; ++j)
      mask.f32()[i * s + j] = j <= i ? 0.0f : -3.4028235e38f;
  return mask;
}

TEST(OpF16Attention, Gpt2CausalMaskStaysF32) {
  // GPT-2's shapes with the exporter's finfo.min mask at run time: stored
  // as binary16 it would become -inf; f32 storage keeps it exact.
  expectAttentionF16(attrs({{"scale", 0.125}}),
                     {{tt::randomTensor({1, 12, 128, 64}, 120)},
                      {tt::randomTensor({1, 12, 128, 64}, 121)},
                      {tt::randomTensor({1, 12, 128, 64}, 122)},
                      {causalMask(128), false}});
}

TEST(OpF16Attention, KeyLimitWithConstantMask) {
  Attributes a = attrs({{"scale", 0.2}, {"key_limit", int64_t(0)}});
  expectAttentionF16(a, {{tt::randomTensor({1, 3, 100, 20}, 130)},
                         {tt::randomTensor({1, 3, 100, 20}, 131)},
                         {tt::randomTensor({1, 3, 100, 24}, 132)},
                         {causalMask(100), true}});
}

TEST(OpF16Attention, StridedViewsIntoOneQkvTensor) {
  // Q, K and V read from one [S, 3*H*D] projection, Y written as
  // [1, S, H*D] (passes/FuseAttention.cpp's views for GPT-2).
  const int64_t S = 21, H = 3, D = 7;
  AttentionProblem p;
  p.b = 1, p.h = H, p.sq = S, p.sk = S, p.d = D, p.dv = D;
  p.scale = 0.4f;
  p.q = {0, {0, D, 3 * H * D, 1}};
  p.k = {H * D, {0, D, 3 * H * D, 1}};
  p.v = {2 * H * D, {0, D, 3 * H * D, 1}};
  p.y = {0, {0, D, H * D, 1}};
  p.yShape = {1, S, H * D};
  Attributes a;
  setAttentionAttrs(a, p);
  HostTensor qkv = tt::roundedToF16(tt::randomTensor({S, 3 * H * D}, 140));
  expectAttentionF16(a, {{qkv}, {qkv}, {qkv},
                         {tt::randomTensor({S, S}, 141), true}});
}

} // namespace
