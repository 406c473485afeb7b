//===- tests/unit/FuseEpiloguesTest.cpp - Conv epilogue fusion ------------===//
//
// The pass's rewrites on small graphs (what fuses, what must not), and
// whole models compiled with fusion for both kernel targets ("cpu" and
// "gpu" profiles, run on the default device) against the unfused graph
// evaluated by the ops' CPU references: fashion_cnn (models/), a ResNet
// bottleneck block with a projection shortcut, and a MobileNetV3 block
// (expand + HardSwish, depthwise 5x5 stride 2, squeeze-excite with
// HardSigmoid, projection, residual). Tolerance: relative L2 <= 1e-5.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "ops/Verifier.h"
#include "OpTestUtil.h"

#include "ir/ModelParser.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

Attributes convAttrs(int64_t pad, int64_t stride = 1, int64_t group = 1) {
  Attributes a;
  a.values["pads"] = std::vector<int64_t>{pad, pad, pad, pad};
  a.values["strides"] = std::vector<int64_t>{stride, stride};
  a.values["group"] = group;
  return a;
}

/// The ops of \p g's nodes, in order.
std::vector<std::string> ops(const Graph &g) {
  std::vector<std::string> r;
  for (const Node &n : g.nodes)
    r.push_back(n.op);
  return r;
}

/// Shape inference, then the pass; returns the number of fusions.
size_t typeAndFuse(Graph &g) {
  EXPECT_FALSE(bool(inferShapes(g)));
  size_t n = fuseEpilogues(g);
  EXPECT_FALSE(bool(verifyGraph(g)));
  return n;
}

using Strings = std::vector<std::string>;

TEST(FuseEpilogues, ConvAddReluBecomesOneNode) {
  tt::GraphBuilder b;
  ValueId x = b.input("x", {1, 4, 6, 6});
  ValueId r = b.input("r", {1, 8, 6, 6});
  ValueId w = b.weight("w", tt::randomTensor({8, 4, 3, 3}, 1));
  ValueId c = b.node("Conv", {x, w}, "c", convAttrs(1));
  ValueId a = b.node("Add", {r, c}, "a"); // residual first: either side fuses
  b.output(b.node("Relu", {a}, "y"));
  Graph g = b.take();
  EXPECT_EQ(typeAndFuse(g), 1u);
  ASSERT_EQ(ops(g), Strings{"FusedConv"});
  const Node &f = g.nodes[0];
  ASSERT_EQ(f.inputs.size(), 4u); // X, W, a zero B, Z
  EXPECT_EQ(f.inputs[3], r);
  const Value &bias = g.values[f.inputs[2]];
  EXPECT_EQ(bias.kind, ValueKind::Weight);
  EXPECT_EQ(bias.type.shape, Shape{8});
  EXPECT_EQ(bias.data, std::vector<uint8_t>(32, 0));
  EXPECT_EQ(cantFail(f.attrs.getString("activation", "")), "Relu");
  EXPECT_EQ(g.values[f.outputs[0]].name, "y");
}

TEST(FuseEpilogues, ActivationsAndTheirParameters) {
  for (const char *act :
       {"Relu", "Sigmoid", "HardSwish", "HardSigmoid", "Clip"}) {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {1, 2, 5, 5});
    ValueId w = b.weight("w", tt::randomTensor({3, 2, 1, 1}, 2));
    ValueId bias = b.weight("b", tt::randomTensor({3}, 3));
    ValueId c = b.node("Conv", {x, w, bias}, "c", convAttrs(0));
    Attributes aa;
    std::vector<ValueId> ins = {c};
    if (StringRef(act) == "HardSigmoid") {
      aa.values["alpha"] = 0.25;
      aa.values["beta"] = 0.375;
    }
    if (StringRef(act) == "Clip") {
      ins.push_back(b.weight("lo", tt::tensor({}, {-0.5f})));
      ins.push_back(b.weight("hi", tt::tensor({}, {6.0f})));
    }
    b.output(b.node(act, ins, "y", aa));
    Graph g = b.take();
    EXPECT_EQ(typeAndFuse(g), 1u) << act;
    ASSERT_EQ(ops(g), Strings{"FusedConv"}) << act;
    const Node &f = g.nodes[0];
    EXPECT_EQ(f.inputs.size(), 3u) << act; // no Z: B stays, none added
    EXPECT_EQ(cantFail(f.attrs.getString("activation", "")), act);
    auto it = f.attrs.values.find("activation_params");
    if (StringRef(act) == "HardSigmoid" || StringRef(act) == "Clip") {
      ASSERT_NE(it, f.attrs.values.end()) << act;
      std::vector<double> want = StringRef(act) == "Clip"
                                     ? std::vector<double>{-0.5, 6.0}
                                     : std::vector<double>{0.25, 0.375};
      EXPECT_EQ(std::get<std::vector<double>>(it->second), want);
    } else {
      EXPECT_EQ(it, f.attrs.values.end()) << act;
    }
  }
}

TEST(FuseEpilogues, LeavesSharedAndVisibleTensorsAlone) {
  // The Conv's output is also a graph output: nothing fuses.
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {1, 2, 4, 4});
    ValueId c =
        b.node("Conv", {x, b.weight("w", tt::randomTensor({2, 2, 1, 1}, 4))},
               "c", convAttrs(0));
    b.output(b.node("Relu", {c}, "y"));
    b.output(c);
    Graph g = b.take();
    EXPECT_EQ(typeAndFuse(g), 0u);
    EXPECT_EQ(ops(g), (Strings{"Conv", "Relu"}));
  }
  // The Conv's output has two readers: nothing fuses.
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {1, 2, 4, 4});
    ValueId c =
        b.node("Conv", {x, b.weight("w", tt::randomTensor({2, 2, 1, 1}, 4))},
               "c", convAttrs(0));
    ValueId r = b.node("Relu", {c}, "r");
    b.output(b.node("Add", {r, c}, "y"));
    Graph g = b.take();
    EXPECT_EQ(typeAndFuse(g), 0u);
    EXPECT_EQ(ops(g), (Strings{"Conv", "Relu", "Add"}));
  }
  // The Add's output has two readers: the Add fuses, the Relu stays.
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {1, 2, 4, 4});
    ValueId z = b.input("z", {1, 2, 4, 4});
    ValueId c =
        b.node("Conv", {x, b.weight("w", tt::randomTensor({2, 2, 1, 1}, 4))},
               "c", convAttrs(0));
    ValueId a = b.node("Add", {c, z}, "a");
    ValueId r = b.node("Relu", {a}, "r");
    b.output(b.node("Mul", {r, a}, "y"));
    Graph g = b.take();
    EXPECT_EQ(typeAndFuse(g), 1u);
    EXPECT_EQ(ops(g), (Strings{"FusedConv", "Relu", "Mul"}));
    EXPECT_FALSE(g.nodes[0].attrs.has("activation"));
  }
  // A broadcast Add (per-channel) is not a residual; Z == X (through a
  // Reshape view) would let the in-place write race with the conv's reads;
  // an activation after a non-fusable Add is not reached.
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {1, 2, 4, 4});
    ValueId w = b.weight("w", tt::randomTensor({2, 2, 1, 1}, 4));
    ValueId c1 = b.node("Conv", {x, w}, "c1", convAttrs(0));
    ValueId a1 = b.node(
        "Add", {c1, b.weight("bc", tt::randomTensor({2, 1, 1}, 5))}, "a1");
    ValueId shape = b.weight("shape", tt::tensor({4}, {1, 2, 4, 4}));
    b.graph().values[shape].type.dtype = DType::I64;
    std::vector<uint8_t> bytes(32, 0);
    int64_t dims[4] = {1, 2, 4, 4};
    std::memcpy(bytes.data(), dims, 32);
    b.graph().values[shape].data = bytes;
    ValueId xv = b.node("Reshape", {x, shape}, "xv");
    ValueId c2 = b.node("Conv", {x, w}, "c2", convAttrs(0));
    ValueId a2 = b.node("Add", {c2, xv}, "a2");
    ValueId r2 = b.node("Relu", {a2}, "r2");
    b.output(b.node("Add", {a1, r2}, "y"));
    Graph g = b.take();
    EXPECT_EQ(typeAndFuse(g), 0u);
    EXPECT_EQ(ops(g), (Strings{"Conv", "Add", "Reshape", "Conv", "Add", "Relu",
                               "Add"}));
  }
  // Clip with a computed bound is left alone.
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {1, 2, 4, 4});
    ValueId lo = b.input("lo", {});
    ValueId c =
        b.node("Conv", {x, b.weight("w", tt::randomTensor({2, 2, 1, 1}, 4))},
               "c", convAttrs(0));
    b.output(b.node("Clip", {c, lo}, "y"));
    Graph g = b.take();
    EXPECT_EQ(typeAndFuse(g), 0u);
  }
}

TEST(FuseEpilogues, TwoConvsIntoOneAddFuseOnce) {
  // y = Relu(conv1(x) + conv2(x)): the first conv takes the Add and the
  // Relu, with the second conv's output as Z; the fused node sits where the
  // Relu was, after both convs.
  tt::GraphBuilder b;
  ValueId x = b.input("x", {1, 3, 5, 5});
  ValueId c1 =
      b.node("Conv", {x, b.weight("w1", tt::randomTensor({4, 3, 3, 3}, 6))},
             "c1", convAttrs(1));
  ValueId c2 =
      b.node("Conv", {x, b.weight("w2", tt::randomTensor({4, 3, 1, 1}, 7))},
             "c2", convAttrs(0));
  ValueId a = b.node("Add", {c1, c2}, "a");
  b.output(b.node("Relu", {a}, "y"));
  Graph g = b.take();
  Graph original = g;
  EXPECT_EQ(typeAndFuse(g), 1u);
  EXPECT_EQ(ops(g), (Strings{"Conv", "FusedConv"}));
  HostTensor in = tt::randomTensor({1, 3, 5, 5}, 8);
  auto ref = tt::runGraphReference(original, {in});
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  for (const char *target : {"cpu", "gpu"}) {
    auto dev = tt::runGraphOnDevice(original, target, {in});
    ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
    EXPECT_LE(tt::relativeL2((*dev)[0], (*ref)[0]), tt::kTolerance) << target;
  }
}

/// Compiles \p g for both targets, runs it and compares every output with
/// the unfused reference; expects \p fused FusedConv nodes, and returns the
/// number of nodes with dispatches in the "cpu" plan.
size_t expectModelMatches(const Graph &g, const std::vector<HostTensor> &inputs,
                          size_t fused) {
  Graph typed = g;
  EXPECT_FALSE(bool(inferShapes(typed)));
  EXPECT_EQ(fuseEpilogues(typed), fused);
  auto ref = tt::runGraphReference(g, inputs);
  EXPECT_TRUE(bool(ref)) << toString(ref.takeError());
  if (!ref)
    return 0;
  size_t dispatches = 0;
  for (const char *target : {"cpu", "gpu"}) {
    Plan plan;
    auto dev = tt::runGraphOnDevice(g, target, inputs, &plan);
    EXPECT_TRUE(bool(dev)) << target << ": " << toString(dev.takeError());
    if (!dev)
      continue;
    EXPECT_EQ(dev->size(), ref->size());
    for (size_t i = 0; i < ref->size() && i < dev->size(); ++i)
      EXPECT_LE(tt::relativeL2((*dev)[i], (*ref)[i]), tt::kTolerance)
          << target << " output " << i;
    if (StringRef(target) == "cpu")
      dispatches = tt::countDispatchingSteps(plan);
    else
      EXPECT_EQ(tt::countDispatches(plan, "conv2d"), 0u)
          << "the gpu profile should use the GPU conv kernels";
  }
  return dispatches;
}

TEST(FuseEpilogues, FashionCnnMatchesUnfusedReference) {
  Expected<Graph> g = parseModelFile(TLC_SOURCE_DIR "/models/fashion_cnn.yaml");
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  HostTensor image = tt::randomTensor({1, 1, 28, 28}, 11, 0.0f, 1.0f);
  // Two Conv -> Relu pairs: 10 nodes, 2 of them absorbed, and Flatten is a
  // view.
  EXPECT_EQ(expectModelMatches(*g, {image}, 2), 7u);
}

TEST(FuseEpilogues, ResNetBottleneckMatchesUnfusedReference) {
  // x [1,64,14,14] -> 1x1 (32) Relu -> 3x3 stride 2 (32) Relu -> 1x1 (128)
  // + projection shortcut 1x1 stride 2 (128) -> Relu; then an identity
  // block on top of it (1x1 Relu, 3x3 Relu, 1x1, + input, Relu).
  tt::GraphBuilder b;
  uint32_t seed = 20;
  auto conv = [&](ValueId in, int64_t cin, int64_t cout, int64_t k,
                  int64_t stride, const std::string &name) {
    float scale = std::sqrt(2.0f / float(cin * k * k));
    ValueId w = b.weight(name + ".w", tt::randomTensor({cout, cin, k, k},
                                                       seed++, -scale, scale));
    ValueId bias =
        b.weight(name + ".b", tt::randomTensor({cout}, seed++, -0.1f, 0.1f));
    return b.node("Conv", {in, w, bias}, name, convAttrs(k / 2, stride));
  };
  ValueId x = b.input("x", {1, 64, 14, 14});
  ValueId a = b.node("Relu", {conv(x, 64, 32, 1, 1, "a")}, "ar");
  ValueId c = b.node("Relu", {conv(a, 32, 32, 3, 2, "b")}, "br");
  ValueId d = conv(c, 32, 128, 1, 1, "c");
  ValueId s = conv(x, 64, 128, 1, 2, "s");
  ValueId y1 = b.node("Relu", {b.node("Add", {d, s}, "add1")}, "y1");
  ValueId e = b.node("Relu", {conv(y1, 128, 32, 1, 1, "e")}, "er");
  ValueId f = b.node("Relu", {conv(e, 32, 32, 3, 1, "f")}, "fr");
  ValueId h = conv(f, 32, 128, 1, 1, "h");
  b.output(b.node("Relu", {b.node("Add", {y1, h}, "add2")}, "y"));
  Graph g = b.take();
  // 7 convs; 4 Relus and 2 Add+Relu pairs fuse into 6 of them: 7 nodes
  // (the projection conv stays alone: its output is the first block's Z).
  EXPECT_EQ(expectModelMatches(g, {tt::randomTensor({1, 64, 14, 14}, 21)}, 6),
            7u);
}

TEST(FuseEpilogues, MobileNetBlockMatchesUnfusedReference) {
  tt::GraphBuilder b;
  uint32_t seed = 40;
  auto conv = [&](ValueId in, int64_t cin, int64_t cout, int64_t k,
                  int64_t stride, int64_t group, const std::string &name) {
    float scale = std::sqrt(2.0f / float(cin / group * k * k));
    ValueId w =
        b.weight(name + ".w", tt::randomTensor({cout, cin / group, k, k},
                                               seed++, -scale, scale));
    ValueId bias =
        b.weight(name + ".b", tt::randomTensor({cout}, seed++, -0.1f, 0.1f));
    return b.node("Conv", {in, w, bias}, name, convAttrs(k / 2, stride, group));
  };
  ValueId x = b.input("x", {1, 24, 17, 17});
  // Block 1: expand 24->72 HardSwish, depthwise 5x5 stride 2 HardSwish,
  // squeeze-excite, project 72->40.
  ValueId e = b.node("HardSwish", {conv(x, 24, 72, 1, 1, 1, "exp")}, "exp_hs");
  ValueId dw = b.node("HardSwish", {conv(e, 72, 72, 5, 2, 72, "dw")}, "dw_hs");
  ValueId pool = b.node("GlobalAveragePool", {dw}, "pool");
  ValueId fc1 = b.node("Relu", {conv(pool, 72, 24, 1, 1, 1, "fc1")}, "fc1_r");
  Attributes hs;
  hs.values["alpha"] = 1.0 / 6.0;
  hs.values["beta"] = 0.5;
  ValueId gate =
      b.node("HardSigmoid", {conv(fc1, 24, 72, 1, 1, 1, "fc2")}, "gate", hs);
  ValueId se = b.node("Mul", {dw, gate}, "se");
  ValueId p = conv(se, 72, 40, 1, 1, 1, "proj");
  // Block 2: expand 40->120 Relu, depthwise 3x3 Relu, project 120->40,
  // residual.
  ValueId e2 = b.node("Relu", {conv(p, 40, 120, 1, 1, 1, "exp2")}, "exp2_r");
  ValueId dw2 = b.node("Relu", {conv(e2, 120, 120, 3, 1, 120, "dw2")}, "dw2_r");
  ValueId p2 = conv(dw2, 120, 40, 1, 1, 1, "proj2");
  b.output(b.node("Add", {p2, p}, "y"));
  Graph g = b.take();
  // Fused: exp, dw, fc1, fc2, exp2, dw2 (activations) and proj2 (+ p);
  // proj's output has two readers. 10 nodes remain.
  EXPECT_EQ(expectModelMatches(g, {tt::randomTensor({1, 24, 17, 17}, 41)}, 7),
            10u);
}

} // namespace
