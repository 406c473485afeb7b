//===- tests/unit/FuseAttentionTest.cpp - The fuse-attention pass ---------===//
//
// passes/FuseAttention.cpp on small graphs: the GPT-2 block (a QKV Gemm,
// Split, Reshapes, Transposes, Mul by a scalar, an additive mask, Softmax,
// the output Transpose + Reshape), a BERT-style block (separate Q, K, V,
// Div by a scalar, no mask) and plain Q, Kt, V inputs become one
// FusedAttention node reading its operands through strided views; chains
// that do not match exactly are left alone. Each fused graph is compiled
// for both kernel targets, run on the default device, and compared with
// the unfused graph evaluated by the ops' CPU references (relative L2 <=
// 1e-5).
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "ops/Verifier.h"
#include "OpTestUtil.h"

#include "ir/onnx/OnnxImporter.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

using Strings = std::vector<std::string>;

/// The ops of \p g's nodes, in order.
Strings ops(const Graph &g) {
  Strings r;
  for (const Node &n : g.nodes)
    r.push_back(n.op);
  return r;
}

/// An i64 weight holding \p v (a Reshape's shape or a Split's lengths).
ValueId intWeight(tt::GraphBuilder &b, const std::string &name,
                  std::vector<int64_t> v) {
  Value w;
  w.name = name;
  w.kind = ValueKind::Weight;
  w.type = TensorType{DType::I64, {int64_t(v.size())}};
  w.hasType = true;
  w.data.resize(v.size() * 8);
  std::memcpy(w.data.data(), v.data(), w.data.size());
  return cantFail(b.graph().addValue(std::move(w)));
}

Attributes perm(std::vector<int64_t> p) {
  Attributes a;
  a.values["perm"] = std::move(p);
  return a;
}

ValueId reshape(tt::GraphBuilder &b, ValueId x, std::vector<int64_t> shape,
                const std::string &out) {
  return b.node("Reshape", {x, intWeight(b, out + ".shape", shape)}, out);
}

ValueId scalar(tt::GraphBuilder &b, const std::string &name, float v) {
  return b.weight(name, tt::tensor({}, {v}));
}

/// Shape inference, then the pass; returns the number of fusions.
size_t typeAndFuse(Graph &g) {
  EXPECT_FALSE(bool(inferShapes(g)));
  size_t n = fuseAttention(g);
  EXPECT_FALSE(bool(verifyGraph(g)));
  return n;
}

/// \p g compiled for both targets (the pipeline fuses) against the unfused
/// graph's CPU reference; each plan has \p attention attention dispatches.
void expectMatchesUnfused(const Graph &g, const std::vector<HostTensor> &in,
                          size_t attention) {
  auto ref = tt::runGraphReference(g, in);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  for (const char *target : {"cpu", "gpu"}) {
    SCOPED_TRACE(target);
    Plan plan;
    auto dev = tt::runGraphOnDevice(g, target, in, &plan);
    ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
    EXPECT_EQ(tt::countDispatches(plan, "attention"), attention);
    ASSERT_EQ(dev->size(), ref->size());
    for (size_t i = 0; i < ref->size(); ++i) {
      ASSERT_EQ((*dev)[i].type, (*ref)[i].type);
      EXPECT_LE(tt::relativeL2((*dev)[i], (*ref)[i]), tt::kTolerance);
    }
  }
}

/// GPT-2's attention block as transformers exports it: x [S, E] -> Gemm ->
/// Reshape [1, S, 3E] -> Split -> Reshape [1, S, H, D] x 3 -> Transpose (K
/// to [1, H, D, S]) -> MatMul -> Mul -> Add(mask) -> Softmax -> MatMul ->
/// Transpose -> Reshape [1, S, E].
Graph gpt2Block(int64_t S, int64_t H, int64_t D, bool maskIsInput = false) {
  int64_t E = H * D;
  tt::GraphBuilder b;
  ValueId x = b.input("x", {S, E});
  ValueId w = b.weight("w", tt::randomTensor({E, 3 * E}, 1, -0.5f, 0.5f));
  ValueId bias = b.weight("bias", tt::randomTensor({3 * E}, 2));
  ValueId qkv =
      reshape(b, b.node("Gemm", {x, w, bias}, "gemm"), {1, S, 3 * E}, "qkv");
  Node split;
  split.op = "Split";
  split.name = "split";
  split.inputs = {qkv, intWeight(b, "split.lengths", {E, E, E})};
  split.attrs.values["axis"] = int64_t(2);
  for (const char *n : {"q0", "k0", "v0"}) {
    Value v;
    v.name = n;
    split.outputs.push_back(cantFail(b.graph().addValue(std::move(v))));
  }
  ValueId q0 = split.outputs[0], k0 = split.outputs[1], v0 = split.outputs[2];
  b.graph().addNode(std::move(split));
  ValueId q = b.node("Transpose", {reshape(b, q0, {1, S, H, D}, "q1")}, "q",
                     perm({0, 2, 1, 3}));
  ValueId kt = b.node("Transpose", {reshape(b, k0, {1, S, H, D}, "k1")}, "kt",
                      perm({0, 2, 3, 1}));
  ValueId v = b.node("Transpose", {reshape(b, v0, {1, S, H, D}, "v1")}, "v",
                     perm({0, 2, 1, 3}));
  ValueId s = b.node("MatMul", {q, kt}, "scores");
  s = b.node("Mul", {s, scalar(b, "scale", 1.0f / std::sqrt(float(D)))},
             "scaled");
  HostTensor mask(tt::f32({1, 1, S, S}));
  for (int64_t i = 0; i < S; ++i)
    for (int64_t j = 0; j < S; ++j)
      mask.f32()[i * S + j] = j <= i ? 0.0f : -3.4028235e38f;
  ValueId m =
      maskIsInput ? b.input("mask", {1, 1, S, S}) : b.weight("mask", mask);
  s = b.node("Add", {s, m}, "masked");
  s = b.node("Softmax", {s}, "probs", [] {
    Attributes a;
    a.values["axis"] = int64_t(-1);
    return a;
  }());
  ValueId y = b.node("MatMul", {s, v}, "ctx");
  y = b.node("Transpose", {y}, "ctx_t", perm({0, 2, 1, 3}));
  b.output(reshape(b, y, {1, S, E}, "out"));
  return b.take();
}

TEST(FuseAttention, Gpt2BlockReadsTheGemmOutputDirectly) {
  Graph g = gpt2Block(10, 2, 5);
  EXPECT_EQ(g.nodes.size(), 16u);
  EXPECT_EQ(typeAndFuse(g), 1u);
  // The Split, the input Reshapes and Transposes and the output Transpose
  // are gone; the output Reshape is a view.
  EXPECT_EQ(ops(g), (Strings{"Gemm", "FusedAttention", "Reshape"}));
  const Node &f = g.nodes[1];
  ValueId gemmOut = g.nodes[0].outputs[0];
  ASSERT_EQ(f.inputs.size(), 4u);
  EXPECT_EQ(f.inputs[0], gemmOut);
  EXPECT_EQ(f.inputs[1], gemmOut);
  EXPECT_EQ(f.inputs[2], gemmOut);
  EXPECT_EQ(g.values[f.outputs[0]].type, tt::f32({1, 10, 2, 5}));
  // Q head h at column h*D, K at E + h*D, V at 2E + h*D of row s (3E
  // wide); Y's row s holds the heads side by side. B = 1: stride 0.
  EXPECT_EQ(cantFail(f.attrs.getInts("q_view", {})),
            (std::vector<int64_t>{0, 0, 5, 30, 1}));
  EXPECT_EQ(cantFail(f.attrs.getInts("k_view", {})),
            (std::vector<int64_t>{10, 0, 5, 30, 1}));
  EXPECT_EQ(cantFail(f.attrs.getInts("v_view", {})),
            (std::vector<int64_t>{20, 0, 5, 30, 1}));
  EXPECT_EQ(cantFail(f.attrs.getInts("y_view", {})),
            (std::vector<int64_t>{0, 0, 5, 10, 1}));
}

TEST(FuseAttention, Gpt2BlockMatchesUnfusedReference) {
  Graph g = gpt2Block(37, 3, 6);
  expectMatchesUnfused(g, {tt::randomTensor({37, 18}, 5)}, 1);
  // GPT-2's own head size and a run-time mask.
  Graph big = gpt2Block(40, 2, 64, /*maskIsInput=*/true);
  HostTensor mask = tt::randomTensor({1, 1, 40, 40}, 6, -4.0f, 4.0f);
  expectMatchesUnfused(big, {tt::randomTensor({40, 128}, 7), mask}, 1);
}

/// BERT's self-attention: separate Q, K, V projections [B, S, E] reshaped
/// to [B, S, H, D], K transposed to [B, H, D, S], the scores divided by
/// sqrt(D), no mask.
Graph bertBlock(int64_t B, int64_t S, int64_t H, int64_t D) {
  int64_t E = H * D;
  tt::GraphBuilder b;
  ValueId q0 = b.input("q0", {B, S, E}), k0 = b.input("k0", {B, S, E}),
          v0 = b.input("v0", {B, S, E});
  ValueId q = b.node("Transpose", {reshape(b, q0, {B, S, H, D}, "q1")}, "q",
                     perm({0, 2, 1, 3}));
  ValueId kt = b.node("Transpose", {reshape(b, k0, {B, S, H, D}, "k1")}, "kt",
                      perm({0, 2, 3, 1}));
  ValueId v = b.node("Transpose", {reshape(b, v0, {B, S, H, D}, "v1")}, "v",
                     perm({0, 2, 1, 3}));
  ValueId s = b.node("MatMul", {q, kt}, "scores");
  s = b.node("Div", {s, scalar(b, "sqrt_d", std::sqrt(float(D)))}, "scaled");
  s = b.node("Softmax", {s}, "probs");
  ValueId y = b.node("MatMul", {s, v}, "ctx");
  y = b.node("Transpose", {y}, "ctx_t", perm({0, 2, 1, 3}));
  b.output(reshape(b, y, {B, S, E}, "out"));
  return b.take();
}

TEST(FuseAttention, BertBlockWithDivAndNoMask) {
  Graph g = bertBlock(2, 9, 3, 7);
  EXPECT_EQ(typeAndFuse(g), 1u);
  EXPECT_EQ(ops(g), (Strings{"FusedAttention", "Reshape"}));
  EXPECT_EQ(g.nodes[0].inputs.size(), 3u);
  EXPECT_EQ(g.nodes[0].inputs[0], *g.lookup("q0"));
  EXPECT_EQ(g.nodes[0].inputs[1], *g.lookup("k0"));
  EXPECT_EQ(g.nodes[0].inputs[2], *g.lookup("v0"));
  EXPECT_NEAR(cantFail(g.nodes[0].attrs.getFloat("scale", 0)),
              1.0 / std::sqrt(7.0), 1e-7);
  Graph fresh = bertBlock(2, 9, 3, 7);
  expectMatchesUnfused(fresh,
                       {tt::randomTensor({2, 9, 21}, 8),
                        tt::randomTensor({2, 9, 21}, 9),
                        tt::randomTensor({2, 9, 21}, 10)},
                       1);
}

/// The plain chain over graph inputs Q [H, Sq, D], Kt [H, D, Sk], V.
Graph plainChain(bool withScale, bool withMask) {
  tt::GraphBuilder b;
  ValueId q = b.input("q", {3, 6, 5}), kt = b.input("kt", {3, 5, 11}),
          v = b.input("v", {3, 11, 4});
  ValueId s = b.node("MatMul", {q, kt}, "scores");
  if (withScale) // constant first: either side is matched
    s = b.node("Mul", {scalar(b, "c", 0.7f), s}, "scaled");
  if (withMask)
    s = b.node("Add", {b.weight("mask", tt::randomTensor({6, 11}, 3)), s},
               "masked");
  s = b.node("Softmax", {s}, "probs");
  b.output(b.node("MatMul", {s, v}, "y"));
  return b.take();
}

TEST(FuseAttention, PlainChains) {
  for (int variant = 0; variant < 4; ++variant) {
    SCOPED_TRACE(variant);
    bool scale = variant & 1, mask = variant & 2;
    Graph g = plainChain(scale, mask);
    EXPECT_EQ(typeAndFuse(g), 1u);
    EXPECT_EQ(ops(g), (Strings{"FusedAttention"}));
    EXPECT_EQ(g.nodes[0].inputs.size(), mask ? 4u : 3u);
    EXPECT_EQ(g.values[g.nodes[0].outputs[0]].name, "y");
    // K is read from Kt with its last two dims swapped; the batch of one
    // never moves (stride 0).
    EXPECT_EQ(cantFail(g.nodes[0].attrs.getInts("k_view", {})),
              (std::vector<int64_t>{0, 0, 55, 1, 11}));
    EXPECT_NEAR(cantFail(g.nodes[0].attrs.getFloat("scale", 0)),
                scale ? 0.7 : 1.0, 1e-7);
    expectMatchesUnfused(plainChain(scale, mask),
                         {tt::randomTensor({3, 6, 5}, 11),
                          tt::randomTensor({3, 5, 11}, 12),
                          tt::randomTensor({3, 11, 4}, 13)},
                         1);
  }
}

TEST(FuseAttention, LeavesInexactChainsAlone) {
  auto unchanged = [](Graph g) {
    size_t before = g.nodes.size();
    EXPECT_EQ(typeAndFuse(g), 0u);
    EXPECT_EQ(g.nodes.size(), before);
  };
  {
    // The probabilities are also a graph output.
    Graph g = plainChain(true, true);
    g.outputs.push_back(*g.lookup("probs"));
    unchanged(std::move(g));
  }
  {
    // The scores have a second reader.
    Graph g = plainChain(false, false);
    g.nodes.push_back(g.nodes.back());
    Node &extra = g.nodes.back();
    extra.op = "Relu";
    extra.name = "extra";
    extra.inputs = {*g.lookup("scores")};
    Value v;
    v.name = "extra";
    extra.outputs = {cantFail(g.addValue(std::move(v)))};
    g.outputs.push_back(extra.outputs[0]);
    g.reindex();
    unchanged(std::move(g));
  }
  auto softmaxAxis = [](int64_t axis) {
    tt::GraphBuilder b;
    ValueId q = b.input("q", {3, 6, 5}), kt = b.input("kt", {3, 5, 6}),
            v = b.input("v", {3, 6, 4});
    Attributes a;
    a.values["axis"] = axis;
    ValueId s = b.node("Softmax", {b.node("MatMul", {q, kt}, "s")}, "p", a);
    b.output(b.node("MatMul", {s, v}, "y"));
    return b.take();
  };
  unchanged(softmaxAxis(1)); // softmax over the queries
  {
    // Mul by a non-scalar, a mask that broadcasts the scores, a batch
    // broadcast in the MatMul.
    tt::GraphBuilder b;
    ValueId q = b.input("q", {3, 6, 5}), kt = b.input("kt", {3, 5, 6}),
            v = b.input("v", {3, 6, 4});
    ValueId s = b.node("MatMul", {q, kt}, "s");
    s = b.node("Mul", {s, b.weight("c", tt::randomTensor({6}, 1))}, "m");
    s = b.node("Softmax", {s}, "p");
    b.output(b.node("MatMul", {s, v}, "y"));
    unchanged(b.take());
  }
  {
    tt::GraphBuilder b;
    ValueId q = b.input("q", {3, 6, 5}), kt = b.input("kt", {3, 5, 6}),
            v = b.input("v", {3, 6, 4});
    ValueId s = b.node("MatMul", {q, kt}, "s");
    s = b.node("Add", {s, b.input("mask", {2, 1, 6, 6})}, "a");
    s = b.node("Softmax", {s}, "p");
    b.output(b.node("MatMul", {s, v}, "y"));
    unchanged(b.take());
  }
  {
    tt::GraphBuilder b;
    ValueId q = b.input("q", {3, 6, 5}), kt = b.input("kt", {1, 5, 6}),
            v = b.input("v", {3, 6, 4});
    ValueId s = b.node("Softmax", {b.node("MatMul", {q, kt}, "s")}, "p");
    b.output(b.node("MatMul", {s, v}, "y"));
    unchanged(b.take());
  }
}

TEST(FuseAttention, CopiesWithOtherReadersStay) {
  // V's Transpose is also a graph output: it stays, and the fused node
  // still reads V through a view of the Reshape's input.
  Graph g = bertBlock(1, 5, 2, 3);
  g.outputs.push_back(*g.lookup("v"));
  EXPECT_EQ(typeAndFuse(g), 1u);
  EXPECT_EQ(ops(g),
            (Strings{"Reshape", "Transpose", "FusedAttention", "Reshape"}));
  Graph fresh = bertBlock(1, 5, 2, 3);
  fresh.outputs.push_back(*fresh.lookup("v"));
  expectMatchesUnfused(fresh,
                       {tt::randomTensor({1, 5, 6}, 14),
                        tt::randomTensor({1, 5, 6}, 15),
                        tt::randomTensor({1, 5, 6}, 16)},
                       1);
}

} // namespace

namespace {

/// Nodes of \p g per op.
std::map<std::string, size_t> opCounts(const Graph &g) {
  std::map<std::string, size_t> r;
  for (const Node &n : g.nodes)
    ++r[n.op];
  return r;
}

TEST(FuseAttention, TinyGpt2HasOneAttentionNodePerLayer) {
  // The pipeline's front end on tests/data/peer/gpt2_tiny.onnx (2 layers),
  // then the pass; Gpt2ModelTest checks the fused model's logits against
  // PyTorch's.
  Expected<Graph> g = importOnnxFile(std::string(TLC_SOURCE_DIR) +
                                     "/tests/data/peer/gpt2_tiny.onnx");
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  ASSERT_FALSE(bool(scheduleTopological(*g)));
  ASSERT_TRUE(bool(foldConstants(*g)));
  removeIdentities(*g);
  foldBatchNorm(*g);
  ASSERT_FALSE(bool(inferShapes(*g)));
  eliminateDeadCode(*g);
  std::map<std::string, size_t> before = opCounts(*g);
  EXPECT_EQ(before["Softmax"], 2u);
  EXPECT_EQ(before["Split"], 2u);
  EXPECT_EQ(before["Transpose"], 8u);
  EXPECT_EQ(before["MatMul"], 5u); // 2 per layer and the LM head

  EXPECT_EQ(fuseAttention(*g), 2u);
  ASSERT_FALSE(bool(verifyGraph(*g)));
  std::map<std::string, size_t> after = opCounts(*g);
  EXPECT_EQ(after["FusedAttention"], 2u);
  EXPECT_EQ(after["Softmax"], 0u);
  EXPECT_EQ(after["Split"], 0u);
  EXPECT_EQ(after["Transpose"], 0u);
  EXPECT_EQ(after["MatMul"], 1u);
  // Per layer, 14 nodes became one: the Split (3 dispatches), 4 Transposes,
  // 2 MatMuls, Mul, Add and Softmax (12 dispatches), and 4 Reshapes (views:
  // the QKV Gemm's output to [1, S, 3E] and Q, K, V to [1, S, H, D]).
  size_t total = 0;
  for (auto &[op, n] : before)
    total += n;
  EXPECT_EQ(total - g->nodes.size(), 2u * 13u);
}

} // namespace
