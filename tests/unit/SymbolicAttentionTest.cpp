// Attention over a sequence range (issue #14): passes/FuseAttention.cpp
// fuses a GPT-2-style chain whose sequence length S is a symbol into one
// FusedAttention dispatch (the dyn build of shaders/attention.comp), its
// Q, K and V read straight from the QKV projection and its causal mask
// read as the leading block of the mask at the bound (mask_block) with the
// key limit that skips masked key blocks. The range plan must match plans
// compiled for each exact S (which fuse the same chain with a constant
// mask) and must actually fuse.
#include "RangeTestUtil.h"

#include "driver/Pipeline.h"
#include "ir/ModelParser.h"
#include "ops/FusedAttention.h"
#include "ops/KernelTarget.h"
#include "runtime/Runtime.h"

#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace tlc;

namespace {

/// x [1, S, 8] -> qkv = x W [1, S, 24] -> Split into Q, K, V [1, S, 8] ->
/// 2 heads of 4 ([1, 2, S, 4], K as [1, 2, 4, S]) -> softmax(0.5 Q K^T +
/// causal mask) V -> [1, S, 8]. The mask is built from Range / LessOrEqual
/// / Where over the symbolic length, as exporters write it.
std::string attentionModel() {
  std::string w;
  for (int i = 0; i < 8 * 24; ++i)
    w += (i ? ", " : "") + std::to_string(((i * 7) % 19) * 0.0625 - 0.5);
  return R"(tlc: 1
name: gpt2_attention
inputs:
  - {name: x, shape: [1, S, 8], dtype: f32}
outputs: [y]
constants:
  - {name: w, shape: [8, 24], dtype: f32, values: [)" +
         w + R"(]}
  - {name: parts, shape: [3], dtype: i64, values: [8, 8, 8]}
  - {name: heads, shape: [4], dtype: i64, values: [1, -1, 2, 4]}
  - {name: flat, shape: [3], dtype: i64, values: [1, -1, 8]}
  - {name: half, shape: [], dtype: f32, values: [0.5]}
  - {name: zero, shape: [], dtype: i64, values: [0]}
  - {name: one, shape: [], dtype: i64, values: [1]}
  - {name: ax0, shape: [1], dtype: i64, values: [0]}
  - {name: ax1, shape: [1], dtype: i64, values: [1]}
  - {name: keep, shape: [], dtype: f32, values: [0.0]}
  - {name: drop, shape: [], dtype: f32, values: [-3.4028235e38]}
nodes:
  - {op: MatMul, in: [x, w], out: qkv}
  - {op: Split, in: [qkv, parts], out: [q0, k0, v0], attrs: {axis: 2}}
  - {op: Reshape, in: [q0, heads], out: q1}
  - {op: Reshape, in: [k0, heads], out: k1}
  - {op: Reshape, in: [v0, heads], out: v1}
  - {op: Transpose, in: [q1], out: q, attrs: {perm: [0, 2, 1, 3]}}
  - {op: Transpose, in: [k1], out: kt, attrs: {perm: [0, 2, 3, 1]}}
  - {op: Transpose, in: [v1], out: v, attrs: {perm: [0, 2, 1, 3]}}
  - {op: MatMul, in: [q, kt], out: scores}
  - {op: Mul, in: [scores, half], out: scaled}
  - {op: Shape, in: [x], out: sh}
  - {op: Gather, in: [sh, one], out: len, attrs: {axis: 0}}
  - {op: Range, in: [zero, len, one], out: pos}
  - {op: Unsqueeze, in: [pos, ax1], out: rows}
  - {op: Unsqueeze, in: [pos, ax0], out: cols}
  - {op: LessOrEqual, in: [cols, rows], out: causal}
  - {op: Where, in: [causal, keep, drop], out: mask}
  - {op: Add, in: [scaled, mask], out: masked}
  - {op: Softmax, in: [masked], out: probs, attrs: {axis: -1}}
  - {op: MatMul, in: [probs, v], out: o}
  - {op: Transpose, in: [o], out: ot, attrs: {perm: [0, 2, 1, 3]}}
  - {op: Reshape, in: [ot, flat], out: y}
)";
}

} // namespace

TEST(SymbolicAttentionTest, RangePlanMatchesFixedPlans) {
  expectRangePlanMatchesFixed(attentionModel(), {{"S", DimRange{1, 40}}},
                              pointsOf("S", {1, 40, 7, 16, 33, 2}), 1e-6);
}

TEST(SymbolicAttentionTest, RangePlanRunsOneAttentionDispatch) {
  for (const char *target : {"cpu", "gpu"}) {
    SCOPED_TRACE(target);
    std::vector<std::string> shaders =
        rangePlanShaders(attentionModel(), {{"S", DimRange{1, 40}}}, target);
    // The projection, attention (the tiled kernel for S >= 2,
    // attention_decode for S = 1: one of them runs) and the copy into the
    // graph output: no Split / Transpose copies, no scores in memory, no
    // softmax.
    ASSERT_EQ(shaders.size(), 4u);
    EXPECT_EQ(shaders[1], "attention_dyn");
    EXPECT_EQ(shaders[2], "attention_decode_dyn");
  }
}

TEST(SymbolicAttentionTest, MaskBlockReadsTheLeadingBlock) {
  // The reference with a [1, 1, 8, 8] mask read as its leading 5 x 5 block
  // equals the reference with that block cut out by hand.
  const int64_t S = 5, M = 8, D = 3;
  std::vector<float> q(S * D), k(S * D), v(S * D), big(M * M), small(S * S);
  for (size_t i = 0; i < q.size(); ++i) {
    q[i] = float((i * 5) % 7) * 0.25f - 0.75f;
    k[i] = float((i * 3) % 11) * 0.125f - 0.5f;
    v[i] = float((i * 13) % 5) - 2.0f;
  }
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < M; ++j) {
      big[size_t(i * M + j)] = float((i + 2 * j) % 5) - 2.0f;
      if (i < S && j < S)
        small[size_t(i * S + j)] = big[size_t(i * M + j)];
    }
  Node n;
  n.op = "FusedAttention";
  n.attrs.values["mask_block"] = int64_t(1);
  TensorType t(DType::F32, {S, D});
  llvm::Expected<SymAttentionProblem> blk = parseAttentionProblem(
      n, {t, t, t, TensorType(DType::F32, {1, 1, M, M})});
  ASSERT_TRUE(bool(blk)) << llvm::toString(blk.takeError());
  n.attrs.values.erase("mask_block");
  llvm::Expected<SymAttentionProblem> cut =
      parseAttentionProblem(n, {t, t, t, TensorType(DType::F32, {S, S})});
  ASSERT_TRUE(bool(cut)) << llvm::toString(cut.takeError());
  std::vector<float> y1(S * D), y2(S * D);
  attentionReferenceCompute(attentionAtBound(*blk), q.data(), k.data(),
                            v.data(), big.data(), y1.data());
  attentionReferenceCompute(attentionAtBound(*cut), q.data(), k.data(),
                            v.data(), small.data(), y2.data());
  EXPECT_EQ(y1, y2);
  // Without mask_block the larger mask does not broadcast.
  llvm::Expected<SymAttentionProblem> bad = parseAttentionProblem(
      n, {t, t, t, TensorType(DType::F32, {1, 1, M, M})});
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(llvm::toString(bad.takeError()).find("does not broadcast"),
            std::string::npos);
  // mask_block needs a mask, and a mask no smaller than [Sq, Sk].
  n.attrs.values["mask_block"] = int64_t(1);
  llvm::Expected<SymAttentionProblem> none = parseAttentionProblem(n, {t, t, t});
  ASSERT_FALSE(bool(none));
  EXPECT_NE(llvm::toString(none.takeError()).find("mask_block"),
            std::string::npos);
  llvm::Expected<SymAttentionProblem> smaller = parseAttentionProblem(
      n, {t, t, t, TensorType(DType::F32, {1, 1, 4, 4})});
  ASSERT_FALSE(bool(smaller));
  llvm::consumeError(smaller.takeError());
}

TEST(SymbolicAttentionTest, KeyLimitNeedsAnUnmaskedKeyInTheSmallestBlock) {
  // Causal mask shifted by 2 (row i sees keys <= i + 2, the first key
  // masked in row 0 only): fine for blocks of >= 2 keys, not when a range
  // may give one key (row 0's only key is masked).
  const int64_t S = 6;
  std::vector<float> mask(S * S);
  for (int64_t i = 0; i < S; ++i)
    for (int64_t j = 0; j < S; ++j)
      mask[size_t(i * S + j)] =
          (j <= i + 2 && !(i == 0 && j == 0)) ? 0.0f : -INFINITY;
  AttentionProblem p;
  p.hasMask = true;
  p.sq = p.sk = S;
  p.maskStrides = {0, 0, S, 1};
  EXPECT_EQ(findKeyLimit(p, mask.data()), std::optional<int64_t>(2));
  EXPECT_EQ(findKeyLimit(p, mask.data(), 2), std::optional<int64_t>(2));
  EXPECT_EQ(findKeyLimit(p, mask.data(), 1), std::nullopt);
  p.keyLimit = 2;
  llvm::ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(mask.data()),
                                mask.size() * sizeof(float));
  EXPECT_FALSE(bool(checkKeyLimit(p, bytes, 2)));
  llvm::Error e = checkKeyLimit(p, bytes, 1);
  ASSERT_TRUE(bool(e));
  EXPECT_NE(llvm::toString(std::move(e)).find("row 0"), std::string::npos);
}

namespace {
/// Input \p name of \p g with \p dims.
ValueId addInput(Graph &g, const std::string &name, SymShape dims) {
  Value v;
  v.name = name;
  v.kind = ValueKind::Input;
  v.type = TensorType::withDims(DType::F32, dims);
  v.hasType = true;
  ValueId id = llvm::cantFail(g.addValue(std::move(v)));
  g.inputs.push_back(id);
  return id;
}
/// One (S, T, P) of cacheAttention: S queries, T keys, P cached positions.
struct CachePoint {
  int64_t s, t, p;
};

/// Causal attention over a cache: q [1, HQ, S, D] against k, v
/// [1, HKV, T, D] (grouped heads when HKV < HQ), S in [1, sMax], T in
/// [1, tMax], queries at positions P + i (P in [0, tMax - 1], set by the
/// host with setSymbol; the kernel reads it as KEY_LIMIT), compiled for
/// \p target. At each point its output is checked against the CPU
/// reference (relative L2 1e-6), with no allocation after load and no
/// validation message. \p shaders: the dispatches expected.
void expectCacheAttentionMatchesReference(
    const char *target, int64_t hq, int64_t hkv, int64_t d, int64_t sMax,
    int64_t tMax, double scale, llvm::ArrayRef<CachePoint> points,
    const std::vector<std::string> &shaders) {
  SCOPED_TRACE(target);
  DimSymbol s{"S", 1, sMax}, t{"T", 1, tMax}, p{"P", 0, tMax - 1};
  Graph g;
  g.name = "cache_attention";
  g.symbols = {s, t, p};
  DimExpr S = DimExpr::symbol(s), T = DimExpr::symbol(t),
          P = DimExpr::symbol(p);
  ValueId q = addInput(g, "q", {1, hq, S, d});
  ValueId k = addInput(g, "k", {1, hkv, T, d});
  ValueId v = addInput(g, "v", {1, hkv, T, d});
  Value y;
  y.name = "y";
  ValueId yid = llvm::cantFail(g.addValue(std::move(y)));
  Node n;
  n.op = "FusedAttention";
  n.name = "attn";
  n.inputs = {q, k, v};
  n.outputs = {yid};
  n.attrs.values["scale"] = scale;
  n.attrs.values["causal"] = int64_t(1);
  n.attrs.values["causal_offset"] = std::vector<DimExpr>{P};
  g.addNode(std::move(n));
  g.outputs = {yid};
  CompileOptions opts;
  opts.target = llvm::cantFail(kernelTargetByName(target));
  llvm::Expected<Plan> plan = compileGraph(std::move(g), opts);
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  EXPECT_EQ(tlc::testing::dispatchShaders(*plan, false), shaders);
  DeviceOptions dopts;
  dopts.validation = true;
  auto dev = Device::create(dopts);
  ASSERT_TRUE(bool(dev)) << llvm::toString(dev.takeError());
  auto lp = LoadedPlan::load(**dev, *plan);
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  RuntimeCounters before = (*dev)->counters();
  for (CachePoint pt : points) {
    SCOPED_TRACE(std::to_string(pt.s) + " " + std::to_string(pt.t) + " " +
                 std::to_string(pt.p));
    HostTensor tq = tlc::testing::randomTensor({1, hq, pt.s, d}, 71);
    HostTensor tk = tlc::testing::randomTensor({1, hkv, pt.t, d}, 72);
    HostTensor tv = tlc::testing::randomTensor({1, hkv, pt.t, d}, 73);
    Attributes a;
    a.values["scale"] = scale;
    a.values["causal"] = int64_t(1);
    a.values["causal_offset"] = std::vector<int64_t>{pt.p};
    auto want =
        tlc::testing::runReference("FusedAttention", a, {{tq}, {tk}, {tv}});
    ASSERT_TRUE(bool(want)) << llvm::toString(want.takeError());
    ASSERT_FALSE(bool((*lp)->setSymbol("P", pt.p)));
    for (unsigned i = 0; i < 3; ++i) {
      const HostTensor &h = i == 0 ? tq : i == 1 ? tk : tv;
      llvm::ArrayRef<uint8_t> bytes(
          reinterpret_cast<const uint8_t *>(h.f32().data()),
          h.f32().size() * 4);
      ASSERT_FALSE(bool((*lp)->setInput(
          i, bytes,
          std::vector<int64_t>(h.type.shape.begin(), h.type.shape.end()))));
    }
    llvm::Error e = (*lp)->run();
    ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
    llvm::ArrayRef<uint8_t> out = (*lp)->output(0);
    ASSERT_EQ(out.size(), (*want)[0].f32().size() * 4);
    HostTensor gt((*want)[0].type);
    std::memcpy(gt.f32().data(), out.data(), out.size());
    EXPECT_LE(tlc::testing::relativeL2(gt, (*want)[0]), 1e-6);
  }
  EXPECT_EQ((*dev)->counters().allocatedBytes, before.allocatedBytes);
  EXPECT_EQ((*dev)->counters().validationMessages, 0u);
}
} // namespace

TEST(SymbolicAttentionTest, HostSetCausalOffsetMatchesTheReference) {
  // Attention over a cache: S queries after P cached positions see keys
  // j <= i + P, at several (S, T, P), T the keys (an input dim).
  expectCacheAttentionMatchesReference(
      "cpu", 2, 2, 4, 9, 20, 0.5,
      {{1, 1, 0}, {1, 8, 7}, {9, 20, 11}, {4, 10, 6}, {9, 9, 0}, {3, 20, 2}},
      {"attention_dyn", "attention_decode_dyn"});
}

TEST(SymbolicAttentionTest, OneQueryRowRunsTheDecodeKernel) {
  // A decoded token: S = 1 query row over T cached keys (P = T - 1 before
  // it), 4 query heads sharing 2 K/V heads of 64 (grouped-query attention,
  // a Llama layer's shape), T past the decode kernel's chunk of keys (256
  // on gpu, 64 on cpu) so that the online softmax rescales across chunks.
  // S = 1 runs attention_decode and S = 3 the tiled kernel in one plan.
  // On gpu the keys are split over 3 workgroups per head (flash-decoding:
  // ceil(700 / 256)), whose partial results attention_decode_combine
  // reduces; they live in Y's bytes past its first row (S up to 64).
  std::vector<CachePoint> points = {{1, 700, 699}, {1, 1, 0}, {3, 600, 597},
                                    {1, 300, 299}, {1, 600, 250},
                                    {1, 2, 1}};
  expectCacheAttentionMatchesReference(
      "cpu", 4, 2, 64, 64, 700, 0.125, points,
      {"attention_dyn", "attention_decode_dyn"});
  expectCacheAttentionMatchesReference(
      "gpu", 4, 2, 64, 64, 700, 0.125, points,
      {"attention_dyn", "attention_decode_dyn", "attention_decode_combine_dyn"});
  // With S up to 4, Y has no room for the partials: no split.
  expectCacheAttentionMatchesReference(
      "gpu", 4, 2, 64, 4, 700, 0.125, {{1, 700, 699}, {2, 700, 698}},
      {"attention_dyn", "attention_decode_dyn"});
}
