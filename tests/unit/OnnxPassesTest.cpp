//===- tests/unit/OnnxPassesTest.cpp - The simplification passes ----------===//
//
// Each pass on a small graph: the graph is evaluated before the pass (node
// by node: registered ops with their CPU references, ops the passes remove
// with a direct implementation of the ONNX spec written here) and after it,
// and the outputs must agree; the structure after the pass is checked too.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "ops/Verifier.h"
#include "OpTestUtil.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>

using namespace tlc;
using namespace llvm;

namespace {

/// Builds graphs value by value.
struct Builder {
  Graph g;

  ValueId input(const std::string &name, Shape shape) {
    Value v;
    v.name = name;
    v.kind = ValueKind::Input;
    v.type = {DType::F32, shape};
    v.hasType = true;
    ValueId id = cantFail(g.addValue(std::move(v)));
    g.inputs.push_back(id);
    return id;
  }
  ValueId weight(const std::string &name, Shape shape, std::vector<float> f) {
    Value v;
    v.name = name;
    v.kind = ValueKind::Weight;
    v.type = {DType::F32, shape};
    v.hasType = true;
    v.data.resize(f.size() * 4);
    std::memcpy(v.data.data(), f.data(), v.data.size());
    return cantFail(g.addValue(std::move(v)));
  }
  ValueId ints(const std::string &name, Shape shape, std::vector<int64_t> i) {
    Value v;
    v.name = name;
    v.kind = ValueKind::Weight;
    v.type = {DType::I64, shape};
    v.hasType = true;
    v.data.resize(i.size() * 8);
    std::memcpy(v.data.data(), i.data(), v.data.size());
    return cantFail(g.addValue(std::move(v)));
  }
  ValueId node(const std::string &op, std::vector<ValueId> in,
               const std::string &out, Attributes attrs = {}) {
    Value v;
    v.name = out;
    ValueId id = cantFail(g.addValue(std::move(v)));
    Node n;
    n.op = op;
    n.name = out;
    n.inputs.assign(in.begin(), in.end());
    n.outputs = {id};
    n.attrs = std::move(attrs);
    g.addNode(std::move(n));
    return id;
  }
};

std::vector<float> randomFloats(size_t n, unsigned seed, float lo = -1,
                                float hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = u(rng);
  return v;
}

HostTensor hostOf(const Value &v) {
  HostTensor h(v.type);
  if (v.type.dtype == DType::F32)
    std::memcpy(h.f32().data(), v.data.data(), v.data.size());
  return h;
}

/// Evaluates \p g on \p inputs (graph input order); returns the graph
/// outputs. BatchNormalization, Identity and Dropout are computed here
/// straight from the ONNX spec; every other op with its reference.
std::vector<HostTensor> evaluate(const Graph &g,
                                 const std::vector<HostTensor> &inputs) {
  std::map<ValueId, HostTensor> vals;
  for (size_t i = 0; i < g.inputs.size(); ++i)
    vals[g.inputs[i]] = inputs[i];
  for (ValueId v = 0; v < g.values.size(); ++v)
    if (g.values[v].kind == ValueKind::Weight)
      vals[v] = hostOf(g.values[v]);
  for (const Node &n : g.nodes) {
    std::vector<const HostTensor *> in;
    for (ValueId v : n.inputs)
      in.push_back(&vals.at(v));
    if (n.op == "Identity" || n.op == "Dropout") {
      vals[n.outputs[0]] = *in[0];
      continue;
    }
    if (n.op == "BatchNormalization") {
      // y = (x - mean) / sqrt(var + epsilon) * scale + B, per channel (dim 1).
      double eps = cantFail(n.attrs.getFloat("epsilon", 1e-5));
      HostTensor y = *in[0];
      const Shape &s = y.type.shape;
      int64_t c = s[1], inner = 1;
      for (size_t d = 2; d < s.size(); ++d)
        inner *= s[d];
      for (size_t i = 0; i < y.f32().size(); ++i) {
        int64_t ch = (int64_t(i) / inner) % c;
        double x = y.f32()[i];
        y.f32()[i] = float((x - in[3]->f32()[ch]) /
                              std::sqrt(in[4]->f32()[ch] + eps) *
                              in[1]->f32()[ch] +
                          in[2]->f32()[ch]);
      }
      vals[n.outputs[0]] = y;
      continue;
    }
    const OpDef *def = lookupOp(n.op);
    EXPECT_NE(def, nullptr) << n.op;
    if (!def)
      return {};
    SmallVector<InputInfo, 4> infos;
    // Types from the values computed so far (the graph may not be typed).
    for (ValueId v : n.inputs)
      infos.push_back({vals.at(v).type, g.values[v].data});
    SmallVector<TensorType, 2> types;
    if (Error e = def->inferTypes(n, infos, types)) {
      ADD_FAILURE() << toString(std::move(e));
      return {};
    }
    std::vector<HostTensor> outs;
    for (const TensorType &t : types)
      outs.emplace_back(t);
    if (Error e = def->reference(n, in, outs)) {
      ADD_FAILURE() << toString(std::move(e));
      return {};
    }
    for (size_t i = 0; i < outs.size(); ++i)
      vals[n.outputs[i]] = outs[i];
  }
  std::vector<HostTensor> result;
  for (ValueId o : g.outputs)
    result.push_back(vals.at(o));
  return result;
}

double maxDiff(const HostTensor &a, const HostTensor &b) {
  EXPECT_EQ(a.type.shape, b.type.shape);
  double m = 0;
  for (size_t i = 0; i < a.f32().size() && i < b.f32().size(); ++i)
    m = std::max(m, std::fabs(double(a.f32()[i]) - double(b.f32()[i])));
  return m;
}

size_t countOp(const Graph &g, StringRef op) {
  return size_t(llvm::count_if(g.nodes, [&](const Node &n) {
    return n.op == op;
  }));
}

Attributes attrs(std::initializer_list<std::pair<const std::string, AttrValue>>
                     list) {
  Attributes a;
  a.values = list;
  return a;
}

TEST(OnnxPasses, BatchNormFoldsIntoConv) {
  Builder b;
  ValueId x = b.input("x", {2, 3, 6, 6});
  ValueId w = b.weight("w", {4, 3, 3, 3}, randomFloats(108, 1));
  ValueId bias = b.weight("b", {4}, randomFloats(4, 2));
  ValueId c = b.node("Conv", {x, w, bias}, "c",
                     attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  ValueId bn = b.node(
      "BatchNormalization",
      {c, b.weight("scale", {4}, randomFloats(4, 3, 0.5f, 2.f)),
       b.weight("shift", {4}, randomFloats(4, 4)),
       b.weight("mean", {4}, randomFloats(4, 5)),
       b.weight("var", {4}, randomFloats(4, 6, 0.1f, 3.f))},
      "bn", attrs({{"epsilon", 1e-3}}));
  ValueId y = b.node("Relu", {bn}, "y");
  b.g.outputs = {y};
  ASSERT_FALSE(bool(scheduleTopological(b.g)));
  HostTensor in(b.g.value(x).type);
  tlc::testing::assignF32(in, randomFloats(in.f32().size(), 7));
  std::vector<HostTensor> before = evaluate(b.g, {in});

  ASSERT_FALSE(bool(foldConstants(b.g).takeError()));
  EXPECT_EQ(foldBatchNorm(b.g), 1u);
  EXPECT_EQ(countOp(b.g, "BatchNormalization"), 0u);
  EXPECT_EQ(b.g.nodes.size(), 2u);
  ASSERT_FALSE(bool(inferShapes(b.g)));
  ASSERT_FALSE(bool(verifyGraph(b.g)));
  std::vector<HostTensor> after = evaluate(b.g, {in});
  ASSERT_EQ(after.size(), 1u);
  EXPECT_LT(maxDiff(after[0], before[0]), 1e-5);
}

TEST(OnnxPasses, BatchNormAfterSharedConvBecomesMulAdd) {
  Builder b;
  ValueId x = b.input("x", {1, 2, 4, 4});
  ValueId c = b.node("Conv", {x, b.weight("w", {2, 2, 1, 1}, randomFloats(4, 1))},
                     "c");
  ValueId bn = b.node("BatchNormalization",
                      {c, b.weight("scale", {2}, {1.5f, -0.5f}),
                       b.weight("shift", {2}, {0.25f, 2.f}),
                       b.weight("mean", {2}, {0.1f, -0.3f}),
                       b.weight("var", {2}, {0.5f, 2.f})},
                      "bn");
  // A second reader of the Conv output forbids changing the Conv.
  ValueId y = b.node("Add", {bn, c}, "y");
  b.g.outputs = {y};
  ASSERT_FALSE(bool(scheduleTopological(b.g)));
  HostTensor in(b.g.value(x).type);
  tlc::testing::assignF32(in, randomFloats(in.f32().size(), 9));
  std::vector<HostTensor> before = evaluate(b.g, {in});
  ASSERT_FALSE(bool(foldConstants(b.g).takeError()));
  EXPECT_EQ(foldBatchNorm(b.g), 1u);
  EXPECT_EQ(countOp(b.g, "BatchNormalization"), 0u);
  EXPECT_EQ(countOp(b.g, "Mul"), 1u);
  EXPECT_EQ(countOp(b.g, "Add"), 2u);
  ASSERT_FALSE(bool(inferShapes(b.g)));
  ASSERT_FALSE(bool(verifyGraph(b.g)));
  EXPECT_LT(maxDiff(evaluate(b.g, {in})[0], before[0]), 1e-5);
}

TEST(OnnxPasses, TrainingModeBatchNormIsLeftAlone) {
  Builder b;
  ValueId x = b.input("x", {1, 1, 2, 2});
  ValueId one = b.weight("one", {1}, {1.f});
  ValueId y = b.node("BatchNormalization", {x, one, one, one, one}, "y",
                     attrs({{"training_mode", int64_t(1)}}));
  b.g.outputs = {y};
  EXPECT_EQ(foldBatchNorm(b.g), 0u);
  EXPECT_EQ(countOp(b.g, "BatchNormalization"), 1u);
}

TEST(OnnxPasses, RemoveIdentities) {
  Builder b;
  ValueId x = b.input("x", {2, 5});
  ValueId r = b.node("Relu", {x}, "r");
  ValueId i1 = b.node("Identity", {r}, "i1");
  ValueId d = b.node("Dropout", {i1}, "d");
  ValueId m = b.node("Mul", {d, b.weight("k", {5}, randomFloats(5, 3))}, "m");
  // A no-op writing the graph output: its input's producer writes it.
  ValueId y = b.node("Identity", {m}, "y");
  b.g.outputs = {y};
  HostTensor in(b.g.value(x).type);
  tlc::testing::assignF32(in, randomFloats(10, 4));
  std::vector<HostTensor> before = evaluate(b.g, {in});
  EXPECT_EQ(removeIdentities(b.g), 3u);
  ASSERT_EQ(b.g.nodes.size(), 2u);
  EXPECT_EQ(b.g.nodes[1].op, "Mul");
  EXPECT_EQ(b.g.value(b.g.nodes[1].outputs[0]).name, "y");
  EXPECT_EQ(b.g.nodes[1].inputs[0], r);
  ASSERT_FALSE(bool(inferShapes(b.g)));
  ASSERT_FALSE(bool(verifyGraph(b.g)));
  EXPECT_EQ(maxDiff(evaluate(b.g, {in})[0], before[0]), 0.0);
}

TEST(OnnxPasses, DropoutWithAReadMaskStays) {
  Builder b;
  ValueId x = b.input("x", {4});
  Value mask;
  mask.name = "mask";
  ValueId mk = cantFail(b.g.addValue(std::move(mask)));
  ValueId d = b.node("Dropout", {x}, "d");
  b.g.nodes.back().outputs.push_back(mk);
  b.g.reindex();
  ValueId y = b.node("Relu", {d}, "y");
  b.g.outputs = {y, mk};
  EXPECT_EQ(removeIdentities(b.g), 0u);
}

TEST(OnnxPasses, ConstantFoldingOfAShapeChain) {
  // y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])) * (c1 * c2)
  Builder b;
  ValueId x = b.input("x", {3, 2, 4});
  ValueId shp = b.node("Shape", {x}, "shp");
  ValueId n = b.node("Gather", {shp, b.ints("zero", {}, {0})}, "n",
                     attrs({{"axis", int64_t(0)}}));
  ValueId axes = b.ints("axes", {1}, {0});
  ValueId n1 = b.node("Unsqueeze", {n, axes}, "n1");
  ValueId s = b.node("Concat", {n1, b.ints("m1", {1}, {-1})}, "s",
                     attrs({{"axis", int64_t(0)}}));
  ValueId flat = b.node("Reshape", {x, s}, "flat");
  // Constant f32 arithmetic folds through the op's CPU reference.
  ValueId k = b.node("Mul", {b.weight("c1", {8}, randomFloats(8, 1)),
                             b.weight("c2", {8}, randomFloats(8, 2))},
                     "k");
  ValueId y = b.node("Mul", {flat, k}, "y");
  b.g.outputs = {y};
  ASSERT_FALSE(bool(scheduleTopological(b.g)));

  Expected<size_t> folded = foldConstants(b.g);
  ASSERT_TRUE(bool(folded)) << toString(folded.takeError());
  EXPECT_EQ(*folded, 5u); // Shape, Gather, Unsqueeze, Concat, Mul(c1, c2)
  ASSERT_EQ(b.g.nodes.size(), 2u);
  EXPECT_EQ(b.g.nodes[0].op, "Reshape");
  const Value &sv = b.g.value(*b.g.lookup("s"));
  EXPECT_EQ(sv.kind, ValueKind::Weight);
  std::vector<int64_t> got(2);
  std::memcpy(got.data(), sv.data.data(), 16);
  EXPECT_EQ(got, (std::vector<int64_t>{3, -1}));
  ASSERT_FALSE(bool(inferShapes(b.g)));
  ASSERT_FALSE(bool(verifyGraph(b.g)));
  EXPECT_EQ(b.g.value(y).type.shape, (Shape{3, 8}));

  // The folded k equals c1 * c2, computed here.
  std::vector<float> c1 = randomFloats(8, 1), c2 = randomFloats(8, 2), kk(8);
  std::memcpy(kk.data(), b.g.value(k).data.data(), 32);
  for (size_t i = 0; i < 8; ++i)
    EXPECT_EQ(kk[i], c1[i] * c2[i]);
  HostTensor in(b.g.value(x).type);
  tlc::testing::assignF32(in, randomFloats(24, 5));
  HostTensor out = evaluate(b.g, {in})[0];
  for (size_t i = 0; i < 24; ++i)
    EXPECT_EQ(out.f32()[i], in.f32()[i] * kk[i % 8]);
}

TEST(OnnxPasses, ConstantFoldingErrorsNameTheNode) {
  Builder b;
  ValueId x = b.input("x", {3});
  ValueId shp = b.node("Shape", {x}, "shp");
  b.node("Gather", {shp, b.ints("bad", {}, {7})}, "idx");
  ValueId y = b.node("Relu", {x}, "y");
  b.g.outputs = {y};
  Expected<size_t> r = foldConstants(b.g);
  ASSERT_FALSE(bool(r));
  std::string msg = toString(r.takeError());
  EXPECT_NE(msg.find("node 'idx' (Gather)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("index 7 (element 0 of input 1) is out of range for an "
                     "axis of size 1"),
            std::string::npos)
      << msg;

  Builder d;
  ValueId x2 = d.input("x", {1});
  d.node("Div", {d.ints("a", {1}, {1}), d.ints("z", {1}, {0})}, "q");
  d.g.outputs = {d.node("Relu", {x2}, "y")};
  Expected<size_t> r2 = foldConstants(d.g);
  ASSERT_FALSE(bool(r2));
  EXPECT_NE(toString(r2.takeError()).find("division by zero"),
            std::string::npos);
}

TEST(OnnxPasses, SqueezeAndUnsqueezeOfActivationsBecomeReshapes) {
  Builder b;
  ValueId x = b.input("x", {2, 3});
  ValueId u = b.node("Unsqueeze", {x, b.ints("axes", {2}, {0, -1})}, "u");
  ValueId r = b.node("Relu", {u}, "r");
  ValueId s = b.node("Squeeze", {r, b.ints("ax0", {1}, {0})}, "s");
  ValueId y = b.node("Relu", {s}, "y");
  b.g.outputs = {y};
  ASSERT_TRUE(bool(foldConstants(b.g)));
  EXPECT_EQ(countOp(b.g, "Reshape"), 2u);
  EXPECT_EQ(countOp(b.g, "Unsqueeze") + countOp(b.g, "Squeeze"), 0u);
  ASSERT_FALSE(bool(inferShapes(b.g)));
  ASSERT_FALSE(bool(verifyGraph(b.g)));
  // ONNX: Unsqueeze(axes=[0, -1]) of 2x3 is 1x2x3x1; Squeeze(axes=[0]) of
  // that is 2x3x1.
  EXPECT_EQ(b.g.value(u).type.shape, (Shape{1, 2, 3, 1}));
  EXPECT_EQ(b.g.value(s).type.shape, (Shape{2, 3, 1}));
  HostTensor in(b.g.value(x).type);
  tlc::testing::assignF32(in, randomFloats(6, 3));
  HostTensor out = evaluate(b.g, {in})[0];
  for (size_t i = 0; i < 6; ++i)
    EXPECT_EQ(out.f32()[i], std::max(in.f32()[i], 0.0f));

  Builder bad;
  ValueId x2 = bad.input("x", {2, 3});
  bad.node("Squeeze", {x2, bad.ints("ax", {1}, {1})}, "sq");
  bad.g.outputs = {bad.node("Relu", {x2}, "y")};
  Expected<size_t> r2 = foldConstants(bad.g);
  ASSERT_FALSE(bool(r2));
  std::string msg2 = toString(r2.takeError());
  EXPECT_NE(msg2.find("node 'sq' (Squeeze): cannot squeeze dim 1 of 2x3xf32: "
                      "its size is 3, not 1"),
            std::string::npos)
      << msg2;
}

TEST(OnnxPasses, FoldedGraphOutputsAreCopiedFromAWeight) {
  // tlc's outputs are written by a dispatch: a graph output that folds
  // becomes a weight holding the value and an Identity copying it, which a
  // second fold leaves as it is.
  Builder b;
  b.input("x", {2});
  ValueId y = b.node("Relu", {b.weight("w", {2}, {-1.f, 2.f})}, "y");
  b.g.outputs = {y};
  EXPECT_EQ(cantFail(foldConstants(b.g)), 1u);
  ASSERT_EQ(b.g.nodes.size(), 1u);
  const Node &copy = b.g.nodes[0];
  EXPECT_EQ(copy.op, "Identity");
  ASSERT_EQ(copy.outputs.size(), 1u);
  EXPECT_EQ(copy.outputs[0], y);
  const Value &w = b.g.values[copy.inputs[0]];
  EXPECT_EQ(w.kind, ValueKind::Weight);
  EXPECT_EQ(w.name, "y.value");
  HostTensor value = HostTensor::fromBytes(w.type, w.data);
  EXPECT_EQ(value.f32().vec(), (std::vector<float>{0.f, 2.f}));
  EXPECT_EQ(cantFail(foldConstants(b.g)), 0u);
  EXPECT_EQ(b.g.nodes.size(), 1u);
}

} // namespace
