//===- tests/unit/OpFusedAttentionTest.cpp - The FusedAttention op --------===//
//
// FusedAttention (ops/FusedAttention.cpp) three ways:
//  - its CPU reference against the unfused chain MatMul(Q, K^T) -> Mul ->
//    Add(mask) -> Softmax -> MatMul(., V), evaluated by those ops' own
//    references, so the reference is checked by something independent;
//  - shaders/attention.comp, compiled for both kernel targets ("cpu" and
//    "gpu" profiles) and run on the default device (lavapipe in CI) with
//    validation on, against the reference: Sq != Sk, key counts that are
//    not a multiple of the key block, head sizes that are not multiples of
//    4, with and without a (broadcast) mask, plain and strided operands;
//  - the shape rule's errors.
// Tolerance: relative L2 <= 1e-5 (OpTestUtil.h).
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "OpTestUtil.h"

#include "ops/FusedAttention.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

struct Case {
  Shape q, k, v;
  Shape mask; // empty: no mask
  double scale;
};

Attributes scaleAttr(double s) {
  Attributes a;
  a.values["scale"] = s;
  return a;
}

/// Swaps the last two dims of \p t.
HostTensor transposeLast2(const HostTensor &t) {
  Shape s = t.type.shape;
  size_t r = s.size();
  int64_t rows = s[r - 2], cols = s[r - 1];
  std::swap(s[r - 2], s[r - 1]);
  HostTensor o(TensorType{DType::F32, s});
  int64_t mats = t.type.numElements() / (rows * cols);
  for (int64_t m = 0; m < mats; ++m)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        o.f32()[m * rows * cols + j * rows + i] =
            t.f32()[m * rows * cols + i * cols + j];
  return o;
}

/// The reference of FusedAttention and of the unfused chain agree.
void expectReferenceMatchesChain(const Case &c) {
  HostTensor q = tt::randomTensor(c.q, 1), k = tt::randomTensor(c.k, 2),
             v = tt::randomTensor(c.v, 3);
  std::vector<tt::OpOperand> ops = {{q}, {k}, {v}};
  if (!c.mask.empty())
    ops.push_back({tt::randomTensor(c.mask, 4, -2.0f, 2.0f)});
  auto fused = tt::runReference("FusedAttention", scaleAttr(c.scale), ops);
  ASSERT_TRUE(bool(fused)) << toString(fused.takeError());

  tt::GraphBuilder b;
  ValueId qv = b.input("q", c.q),
          kt = b.input("kt", transposeLast2(k).type.shape),
          vv = b.input("v", c.v);
  ValueId s = b.weight("s", tt::tensor({}, {float(c.scale)}));
  ValueId x = b.node("MatMul", {qv, kt}, "qk");
  x = b.node("Mul", {x, s}, "scaled");
  std::vector<HostTensor> inputs = {q, transposeLast2(k), v};
  if (!c.mask.empty()) {
    x = b.node("Add", {x, b.input("mask", c.mask)}, "masked");
    inputs.push_back(ops[3].tensor);
  }
  x = b.node("Softmax", {x}, "p");
  b.output(b.node("MatMul", {x, vv}, "y"));
  auto chain = tt::runGraphReference(b.take(), inputs);
  ASSERT_TRUE(bool(chain)) << toString(chain.takeError());
  ASSERT_EQ((*chain)[0].type, (*fused)[0].type);
  EXPECT_LE(tt::relativeL2((*fused)[0], (*chain)[0]), 1e-6);
}

/// The op on the device, both kernel targets, against its reference.
void expectDeviceMatches(const Attributes &attrs,
                         const std::vector<tt::OpOperand> &ops) {
  auto ref = tt::runReference("FusedAttention", attrs, ops);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  auto g = tt::buildOneNodeGraph("FusedAttention", attrs, ops);
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  g->outputs = {g->nodes[0].outputs[0]};
  std::vector<HostTensor> inputs;
  for (const tt::OpOperand &o : ops)
    if (!o.isWeight)
      inputs.push_back(o.tensor);
  for (const char *target : {"cpu", "gpu"}) {
    SCOPED_TRACE(target);
    Plan plan;
    auto dev = tt::runGraphOnDevice(*g, target, inputs, &plan);
    ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
    EXPECT_EQ(tt::countDispatches(plan, "attention"), 1u);
    ASSERT_EQ((*dev)[0].type, (*ref)[0].type);
    EXPECT_LE(tt::relativeL2((*dev)[0], (*ref)[0]), tt::kTolerance);
  }
}

void expectDeviceMatches(const Case &c, bool maskIsWeight = true) {
  std::vector<tt::OpOperand> ops = {{tt::randomTensor(c.q, 11)},
                                    {tt::randomTensor(c.k, 12)},
                                    {tt::randomTensor(c.v, 13)}};
  if (!c.mask.empty())
    ops.push_back({tt::randomTensor(c.mask, 14, -3.0f, 3.0f), maskIsWeight});
  expectDeviceMatches(scaleAttr(c.scale), ops);
}

const Case kCases[] = {
    // B, H leading; Sq != Sk; D not a multiple of 4; no mask.
    {{1, 2, 5, 7}, {1, 2, 9, 7}, {1, 2, 9, 7}, {}, 0.3},
    // Sk not a multiple of the key block (32); a [1, 1, Sq, Sk] mask.
    {{2, 3, 33, 13}, {2, 3, 70, 13}, {2, 3, 70, 13}, {1, 1, 33, 70}, 0.25},
    // Dv != D, rank 3, a full mask.
    {{4, 17, 6}, {4, 40, 6}, {4, 40, 5}, {4, 17, 40}, 1.0},
    // Rank 2, one query row, a mask over the keys only.
    {{1, 3}, {65, 3}, {65, 9}, {65}, 0.5},
};

TEST(OpFusedAttention, ReferenceMatchesUnfusedChain) {
  for (const Case &c : kCases)
    expectReferenceMatchesChain(c);
}

TEST(OpFusedAttention, DeviceMatchesReference) {
  for (size_t i = 0; i < std::size(kCases); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    expectDeviceMatches(kCases[i]);
  }
}

TEST(OpFusedAttention, Gpt2ShapesWithCausalMask) {
  // GPT-2's attention: 12 heads of 64, 128 tokens, a causal mask of large
  // negatives (the exporter's finfo.min) given at run time.
  HostTensor mask(tt::f32({1, 1, 128, 128}));
  for (int64_t i = 0; i < 128; ++i)
    for (int64_t j = 0; j < 128; ++j)
      mask.f32()[i * 128 + j] = j <= i ? 0.0f : -3.4028235e38f;
  expectDeviceMatches(scaleAttr(0.125),
                      {{tt::randomTensor({1, 12, 128, 64}, 21)},
                       {tt::randomTensor({1, 12, 128, 64}, 22)},
                       {tt::randomTensor({1, 12, 128, 64}, 23)},
                       {mask, false}});
}

/// A [1, 1, Sq, Sk] mask hiding keys j > i + offset with \p masked.
HostTensor causalMask(int64_t sq, int64_t sk, int64_t offset, float masked) {
  HostTensor mask(tt::f32({1, 1, sq, sk}));
  for (int64_t i = 0; i < sq; ++i)
    for (int64_t j = 0; j < sk; ++j)
      mask.f32()[i * sk + j] = j <= i + offset ? 0.1f * float(j % 3) : masked;
  return mask;
}

TEST(OpFusedAttention, KeyLimitFromConstantMasks) {
  AttentionProblem p;
  p.hasMask = true;
  p.sq = 6;
  p.sk = 9;
  p.maskStrides = {0, 0, 9, 1};
  // Causal with an offset of 3 (the queries are the last 6 of 9 positions).
  HostTensor m = causalMask(6, 9, 3, -3.4028235e38f);
  EXPECT_EQ(findKeyLimit(p, m.f32().data()), std::optional<int64_t>(3));
  // -inf counts as masked too.
  HostTensor inf = causalMask(6, 9, 0, -INFINITY);
  EXPECT_EQ(findKeyLimit(p, inf.f32().data()), std::optional<int64_t>(0));
  // A small negative is not masked: nothing to skip.
  HostTensor soft = causalMask(6, 9, 0, -1000.0f);
  EXPECT_EQ(findKeyLimit(p, soft.f32().data()), std::nullopt);
  // A row with every key masked: skipping would change its softmax.
  HostTensor dead = causalMask(6, 9, 0, -3.4028235e38f);
  for (int64_t j = 0; j < 9; ++j)
    dead.f32()[2 * 9 + j] = -3.4028235e38f;
  EXPECT_EQ(findKeyLimit(p, dead.f32().data()), std::nullopt);
}

TEST(OpFusedAttention, KeyLimitSkipsMaskedKeyBlocks) {
  // 100 queries and keys (several 16-row query blocks and 32-key blocks on
  // the gpu profile, 8-row blocks on cpu), a causal mask given as a
  // constant: key_limit = 0 makes the kernel skip the blocks past each
  // query block's diagonal; the result must equal the full reference.
  HostTensor mask = causalMask(100, 100, 0, -3.4028235e38f);
  Attributes a = scaleAttr(0.2);
  a.values["key_limit"] = int64_t(0);
  std::vector<tt::OpOperand> ops = {{tt::randomTensor({1, 3, 100, 20}, 31)},
                                    {tt::randomTensor({1, 3, 100, 20}, 32)},
                                    {tt::randomTensor({1, 3, 100, 24}, 33)},
                                    {mask, true}};
  expectDeviceMatches(a, ops);
  // With an offset of 5 (keys up to i + 5 visible).
  HostTensor shifted = causalMask(100, 100, 5, -3.4028235e38f);
  a.values["key_limit"] = int64_t(5);
  ops[3] = {shifted, true};
  expectDeviceMatches(a, ops);
}

TEST(OpFusedAttention, KeyLimitIsCheckedAgainstTheMask) {
  HostTensor mask = causalMask(10, 10, 2, -3.4028235e38f);
  Attributes a = scaleAttr(0.5);
  a.values["key_limit"] = int64_t(1); // the mask shows keys up to i + 2
  auto r = tt::runReference(
      "FusedAttention", a,
      {{tt::randomTensor({10, 4}, 1)},
       {tt::randomTensor({10, 4}, 2)},
       {tt::randomTensor({10, 4}, 3)},
       {mask, true}});
  ASSERT_FALSE(bool(r));
  std::string msg = toString(r.takeError());
  EXPECT_NE(msg.find("key_limit"), std::string::npos) << msg;
  EXPECT_NE(msg.find("row 0, key 2"), std::string::npos) << msg;
  // A mask given at run time cannot back the claim.
  auto g = tt::buildOneNodeGraph("FusedAttention", a,
                                 {{tt::randomTensor({10, 4}, 1)},
                                  {tt::randomTensor({10, 4}, 2)},
                                  {tt::randomTensor({10, 4}, 3)},
                                  {mask, false}});
  ASSERT_FALSE(bool(g));
  msg = toString(g.takeError());
  EXPECT_NE(msg.find("constant mask"), std::string::npos) << msg;
}

TEST(OpFusedAttention, LargeHeadSizeShrinksTiles) {
  // D = Dv = 200: the tiles shrink to fit the shared memory of each target.
  expectDeviceMatches(
      Case{{1, 2, 19, 200}, {1, 2, 23, 200}, {1, 2, 23, 200}, {}, 0.07});
}

TEST(OpFusedAttention, StridedViewsIntoOneQkvTensor) {
  // Q, K and V read straight from a [S, 3*H*D] projection (head h of Q at
  // columns h*D.., of K at H*D + h*D.., of V at 2*H*D + h*D..), Y written as
  // [1, S, H*D]: what passes/FuseAttention.cpp emits for GPT-2.
  const int64_t S = 21, H = 3, D = 7;
  HostTensor qkv = tt::randomTensor({S, 3 * H * D}, 31);
  AttentionProblem p;
  p.b = 1, p.h = H, p.sq = S, p.sk = S, p.d = D, p.dv = D;
  p.scale = 0.4f;
  p.q = {0, {0, D, 3 * H * D, 1}};
  p.k = {H * D, {0, D, 3 * H * D, 1}};
  p.v = {2 * H * D, {0, D, 3 * H * D, 1}};
  p.y = {0, {0, D, H * D, 1}};
  p.yShape = {1, S, H * D};
  Attributes attrs;
  setAttentionAttrs(attrs, p);
  HostTensor mask = tt::randomTensor({S, S}, 32);

  // The same problem through plain operands, copied out by hand.
  HostTensor q(tt::f32({H, S, D})), k(tt::f32({H, S, D})),
      v(tt::f32({H, S, D}));
  for (int64_t h = 0; h < H; ++h)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t d = 0; d < D; ++d) {
        int64_t o = (h * S + s) * D + d, src = s * 3 * H * D + h * D + d;
        q.f32()[o] = qkv.f32()[src];
        k.f32()[o] = qkv.f32()[src + H * D];
        v.f32()[o] = qkv.f32()[src + 2 * H * D];
      }
  auto plain = tt::runReference("FusedAttention", scaleAttr(0.4),
                                {{q}, {k}, {v}, {mask}});
  ASSERT_TRUE(bool(plain)) << toString(plain.takeError());
  auto viewed =
      tt::runReference("FusedAttention", attrs, {{qkv}, {qkv}, {qkv}, {mask}});
  ASSERT_TRUE(bool(viewed)) << toString(viewed.takeError());
  ASSERT_EQ((*viewed)[0].type, tt::f32({1, S, H * D}));
  for (int64_t h = 0; h < H; ++h)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t d = 0; d < D; ++d)
        EXPECT_EQ((*viewed)[0].f32()[s * H * D + h * D + d],
                  (*plain)[0].f32()[(h * S + s) * D + d]);
  expectDeviceMatches(attrs, {{qkv}, {qkv}, {qkv}, {mask, true}});
}

TEST(OpFusedAttention, ShapeRuleErrors) {
  auto err = [](std::vector<TensorType> types, Attributes a = {}) {
    return tt::shapeRule("FusedAttention", a, std::move(types));
  };
  auto f = tt::f32;
  EXPECT_EQ(err({f({2, 5, 4}), f({2, 6, 4}), f({2, 6, 3})}), "");
  EXPECT_NE(err({f({2, 5, 4}), f({2, 6, 4})}).find("expected 3 or 4 inputs"),
            std::string::npos);
  EXPECT_NE(err({f({2, 5, 4}), f({2, 6, 5}), f({2, 6, 3})})
                .find("K's last dim must equal Q's"),
            std::string::npos);
  EXPECT_NE(err({f({2, 5, 4}), f({2, 6, 4}), f({2, 7, 3})})
                .find("V must have K's number of keys"),
            std::string::npos);
  EXPECT_NE(err({f({2, 5, 4}), f({3, 6, 4}), f({3, 6, 3})})
                .find("equal leading dims"),
            std::string::npos);
  EXPECT_NE(
      err({f({1, 1, 1, 2, 5, 4}), f({1, 1, 1, 2, 6, 4}), f({1, 1, 1, 2, 6, 3})})
          .find("rank 2 to 4"),
      std::string::npos);
  EXPECT_NE(err({f({2, 5, 4}), f({2, 6, 4}), f({2, 6, 3}), f({5, 5})})
                .find("does not broadcast"),
            std::string::npos);
  EXPECT_NE(err({f({1, 600}), f({2, 600}), f({2, 600})}).find("exceed"),
            std::string::npos);
  Attributes bad;
  bad.values["scales"] = 1.0;
  EXPECT_NE(err({f({2, 5, 4}), f({2, 6, 4}), f({2, 6, 3})}, bad)
                .find("unknown attribute 'scales'"),
            std::string::npos);
  Attributes lone;
  lone.values["q_view"] = std::vector<int64_t>{0, 0, 0, 4, 1};
  EXPECT_NE(err({f({2, 5, 4}), f({2, 6, 4}), f({2, 6, 3})}, lone)
                .find("needs attribute 'dims'"),
            std::string::npos);

  // Views: in bounds, then out of bounds, then an output view with a hole.
  AttentionProblem p;
  p.b = 1, p.h = 2, p.sq = 3, p.sk = 3, p.d = 4, p.dv = 4;
  p.q = {0, {0, 4, 24, 1}};
  p.k = {8, {0, 4, 24, 1}};
  p.v = {16, {0, 4, 24, 1}};
  p.y = {0, {0, 4, 8, 1}};
  p.yShape = {3, 8};
  Attributes views;
  setAttentionAttrs(views, p);
  std::vector<TensorType> qkv(3, f({3, 24}));
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("FusedAttention", views, qkv, &out), "");
  EXPECT_EQ(out[0], f({3, 8}));
  p.v.offset = 17;
  setAttentionAttrs(views, p);
  EXPECT_NE(err(qkv, views).find("past the end of input 2"), std::string::npos);
  p.v.offset = 16;
  p.y.strides = {0, 4, 9, 1};
  p.yShape = {3, 9};
  setAttentionAttrs(views, p);
  EXPECT_NE(err(qkv, views).find("exactly once"), std::string::npos);
}

} // namespace

/// \p t [B, Hkv, S, D] with each head repeated \p g times: [B, Hkv*g, S, D]
/// (Hugging Face's repeat_kv, the unfused form of grouped-query attention).
static HostTensor repeatHeads(const HostTensor &t, int64_t g) {
  Shape s = t.type.shape;
  int64_t b = s[0], hk = s[1], row = s[2] * s[3];
  Shape o = {b, hk * g, s[2], s[3]};
  HostTensor r(TensorType{DType::F32, o});
  for (int64_t i = 0; i < b; ++i)
    for (int64_t h = 0; h < hk * g; ++h)
      for (int64_t e = 0; e < row; ++e)
        r.f32()[(i * hk * g + h) * row + e] =
            t.f32()[(i * hk + h / g) * row + e];
  return r;
}

TEST(OpFusedAttention, GroupedQueryAttentionEqualsRepeatedHeads) {
  // 6 query heads over 2 K/V heads (groups of 3), 9 queries, 11 keys, a
  // mask: the grouped node equals the plain node on K and V with each head
  // repeated, in the reference and on the device.
  HostTensor q = tt::randomTensor({2, 6, 9, 5}, 41),
             k = tt::randomTensor({2, 2, 11, 5}, 42),
             v = tt::randomTensor({2, 2, 11, 7}, 43),
             mask = tt::randomTensor({1, 1, 9, 11}, 44, -2.0f, 2.0f);
  auto grouped = tt::runReference("FusedAttention", scaleAttr(0.4),
                                  {{q}, {k}, {v}, {mask}});
  ASSERT_TRUE(bool(grouped)) << toString(grouped.takeError());
  auto repeated = tt::runReference(
      "FusedAttention", scaleAttr(0.4),
      {{q}, {repeatHeads(k, 3)}, {repeatHeads(v, 3)}, {mask}});
  ASSERT_TRUE(bool(repeated)) << toString(repeated.takeError());
  ASSERT_EQ((*grouped)[0].type, (*repeated)[0].type);
  EXPECT_EQ((*grouped)[0].f32(), (*repeated)[0].f32());
  expectDeviceMatches(scaleAttr(0.4), {{q}, {k}, {v}, {mask}});

  // Views: Q, K, V read from one [S, (6 + 2 + 2) * 5] projection as a
  // Llama-style fused QKV, kv_group = 3.
  const int64_t S = 9, D = 5, W = 10 * D;
  HostTensor qkv = tt::randomTensor({S, W}, 45);
  AttentionProblem p;
  p.b = 1, p.h = 6, p.sq = S, p.sk = S, p.d = D, p.dv = D;
  p.scale = 0.4f;
  p.kvGroup = 3;
  p.q = {0, {0, D, W, 1}};
  p.k = {6 * D, {0, D, W, 1}};
  p.v = {8 * D, {0, D, W, 1}};
  p.y = {0, {0, D, 6 * D, 1}};
  p.yShape = {1, S, 6 * D};
  Attributes attrs;
  setAttentionAttrs(attrs, p);
  EXPECT_EQ(cantFail(attrs.getInt("kv_group", 1)), 3);
  // The same problem by hand: [1, 6, S, D] queries, repeated keys and values.
  HostTensor qh(tt::f32({1, 6, S, D})), kh(tt::f32({1, 2, S, D})),
      vh(tt::f32({1, 2, S, D}));
  for (int64_t s = 0; s < S; ++s)
    for (int64_t d = 0; d < D; ++d) {
      for (int64_t h = 0; h < 6; ++h)
        qh.f32()[(h * S + s) * D + d] = qkv.f32()[s * W + h * D + d];
      for (int64_t h = 0; h < 2; ++h) {
        kh.f32()[(h * S + s) * D + d] = qkv.f32()[s * W + (6 + h) * D + d];
        vh.f32()[(h * S + s) * D + d] = qkv.f32()[s * W + (8 + h) * D + d];
      }
    }
  auto viewed =
      tt::runReference("FusedAttention", attrs, {{qkv}, {qkv}, {qkv}});
  ASSERT_TRUE(bool(viewed)) << toString(viewed.takeError());
  auto byHand = tt::runReference(
      "FusedAttention", scaleAttr(0.4),
      {{qh}, {repeatHeads(kh, 3)}, {repeatHeads(vh, 3)}});
  ASSERT_TRUE(bool(byHand)) << toString(byHand.takeError());
  // Y [1, S, 6*D] against [1, 6, S, D].
  for (int64_t s = 0; s < S; ++s)
    for (int64_t h = 0; h < 6; ++h)
      for (int64_t d = 0; d < D; ++d)
        ASSERT_EQ((*viewed)[0].f32()[s * 6 * D + h * D + d],
                  (*byHand)[0].f32()[(h * S + s) * D + d]);
  expectDeviceMatches(attrs, {{qkv}, {qkv}, {qkv}});

  // A group that does not divide the heads is refused.
  attrs.values["kv_group"] = int64_t(4);
  auto bad = tt::runReference("FusedAttention", attrs, {{qkv}, {qkv}, {qkv}});
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(toString(bad.takeError()).find("kv_group"), std::string::npos);
}

TEST(OpFusedAttention, CausalAttributeEqualsACausalMask) {
  // causal = 1 with offset 0 (prefill) and 3 (3 cached positions before 6
  // queries): the reference equals the reference with the explicit mask
  // (0 where j <= i + offset, -inf elsewhere), and the device matches it.
  for (int64_t offset : {0, 3}) {
    SCOPED_TRACE("offset " + std::to_string(offset));
    const int64_t sq = 6 + (offset ? 0 : 34), sk = sq + offset;
    HostTensor q = tt::randomTensor({1, 4, sq, 8}, 51),
               k = tt::randomTensor({1, 2, sk, 8}, 52),
               v = tt::randomTensor({1, 2, sk, 8}, 53);
    HostTensor mask(tt::f32({sq, sk}));
    for (int64_t i = 0; i < sq; ++i)
      for (int64_t j = 0; j < sk; ++j)
        mask.f32()[i * sk + j] = j <= i + offset ? 0.0f : -INFINITY;
    Attributes a = scaleAttr(0.3);
    a.values["causal"] = int64_t(1);
    if (offset)
      a.values["causal_offset"] = std::vector<int64_t>{offset};
    auto causal = tt::runReference("FusedAttention", a, {{q}, {k}, {v}});
    ASSERT_TRUE(bool(causal)) << toString(causal.takeError());
    auto masked = tt::runReference("FusedAttention", scaleAttr(0.3),
                                   {{q}, {k}, {v}, {mask}});
    ASSERT_TRUE(bool(masked)) << toString(masked.takeError());
    EXPECT_EQ((*causal)[0].f32(), (*masked)[0].f32());
    expectDeviceMatches(a, {{q}, {k}, {v}});
  }
  // causal_offset without causal, or with key_limit, is refused.
  Attributes bad = scaleAttr(1.0);
  bad.values["causal_offset"] = std::vector<int64_t>{2};
  HostTensor t = tt::randomTensor({4, 3}, 54);
  auto e = tt::runReference("FusedAttention", bad, {{t}, {t}, {t}});
  ASSERT_FALSE(bool(e));
  EXPECT_NE(toString(e.takeError()).find("causal_offset"), std::string::npos);
}
