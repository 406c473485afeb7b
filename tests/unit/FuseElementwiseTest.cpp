//===- tests/unit/FuseElementwiseTest.cpp - Elementwise fusion ------------===//
//
// The pass's rewrites on small graphs: GELU in its tanh form (as GPT-2's
// export spells it: Mul, Pow, Mul, Add, Mul, Tanh, Add, Mul) and its erf
// form, broadcast inputs, a folded scalar constant that sets the output
// rank, what must not fuse (tensors seen outside the region, a lone op,
// Clip with a computed bound), the input and length limits, and in-place
// reuse. Each fused graph is compiled for both kernel targets ("cpu" and
// "gpu" profiles), run on the default device and compared with the unfused
// graph evaluated by the ops' own CPU references (relative L2 <= 1e-5); the
// fused graph's reference must equal the unfused one.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "ops/Verifier.h"
#include "OpTestUtil.h"

#include "ops/FusedElementwiseProgram.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

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

/// Shape inference, then the pass; returns the number of fused nodes.
size_t typeAndFuse(Graph &g) {
  EXPECT_FALSE(bool(inferShapes(g)));
  size_t n = fuseElementwise(g);
  Error e = verifyGraph(g);
  EXPECT_FALSE(bool(e)) << toString(std::move(e));
  return n;
}

ValueId scalar(tt::GraphBuilder &b, const std::string &name, float v) {
  return b.weight(name, tt::tensor({}, {v}));
}

/// GELU, tanh form, on \p x: 0.5x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
ValueId geluTanh(tt::GraphBuilder &b, ValueId x, const std::string &p) {
  ValueId half = b.node("Mul", {x, scalar(b, p + "c0", 0.5f)}, p + "m0");
  ValueId cube = b.node("Pow", {x, scalar(b, p + "c1", 3.0f)}, p + "pow");
  ValueId k = b.node("Mul", {cube, scalar(b, p + "c2", 0.044715f)}, p + "m1");
  ValueId s = b.node("Add", {x, k}, p + "a0");
  ValueId u = b.node("Mul", {s, scalar(b, p + "c3", 0.7978845608f)}, p + "m2");
  ValueId t = b.node("Tanh", {u}, p + "tanh");
  ValueId one = b.node("Add", {t, scalar(b, p + "c4", 1.0f)}, p + "a1");
  return b.node("Mul", {half, one}, p + "y");
}

/// GELU, erf form: x * 0.5 * (1 + erf(x / sqrt(2))).
ValueId geluErf(tt::GraphBuilder &b, ValueId x, const std::string &p) {
  ValueId d = b.node("Div", {x, scalar(b, p + "c0", 1.41421356f)}, p + "div");
  ValueId e = b.node("Erf", {d}, p + "erf");
  ValueId one = b.node("Add", {e, scalar(b, p + "c1", 1.0f)}, p + "a0");
  ValueId m = b.node("Mul", {x, one}, p + "m0");
  return b.node("Mul", {m, scalar(b, p + "c2", 0.5f)}, p + "y");
}

/// Runs \p g (unfused) through both targets and compares every output with
/// the unfused CPU reference; also checks that fusing \p g leaves the
/// reference unchanged. Returns the "gpu" plan's dispatch count.
size_t expectMatches(const Graph &g, const std::vector<HostTensor> &inputs,
                     double tolerance = tt::kTolerance) {
  auto ref = tt::runGraphReference(g, inputs);
  EXPECT_TRUE(bool(ref)) << toString(ref.takeError());
  if (!ref)
    return 0;
  Graph fused = g;
  EXPECT_FALSE(bool(inferShapes(fused)));
  fuseElementwise(fused);
  auto fusedRef = tt::runGraphReference(fused, inputs);
  EXPECT_TRUE(bool(fusedRef)) << toString(fusedRef.takeError());
  if (fusedRef) {
    for (size_t i = 0; i < ref->size(); ++i)
      EXPECT_EQ(tt::maxAbsDiff((*fusedRef)[i], (*ref)[i]), 0.0)
          << "the fused reference differs from the unfused one, output " << i;
  }
  size_t dispatches = 0;
  for (const char *target : {"cpu", "gpu"}) {
    Plan plan;
    auto dev = tt::runGraphOnDevice(g, target, inputs, &plan);
    EXPECT_TRUE(bool(dev)) << target << ": " << toString(dev.takeError());
    if (!dev)
      continue;
    EXPECT_EQ(dev->size(), ref->size());
    for (size_t i = 0; i < ref->size() && i < dev->size(); ++i)
      EXPECT_LE(tt::relativeL2((*dev)[i], (*ref)[i]), tolerance)
          << target << " output " << i;
    dispatches = tt::countDispatches(plan);
  }
  return dispatches;
}

TEST(FuseElementwise, GeluTanhBecomesOneNode) {
  for (Shape shape : {Shape{2, 5, 37}, Shape{4, 64}}) {
    tt::GraphBuilder b;
    ValueId x = b.input("x", shape);
    b.output(geluTanh(b, x, "g."));
    Graph g = b.take();
    Graph typed = g;
    EXPECT_EQ(typeAndFuse(typed), 1u);
    ASSERT_EQ(ops(typed), Strings{"FusedElementwise"});
    const Node &f = typed.nodes[0];
    EXPECT_EQ(f.inputs.size(), 1u); // x once; the constants are immediates
    EXPECT_EQ(typed.values[f.outputs[0]].name, "g.y");
    FusedProgram p = cantFail(readFusedProgram(f.attrs, 1));
    ASSERT_EQ(p.code.size(), 8u);
    EXPECT_EQ(p.code[1].op, FusedOpcode::Pow);
    EXPECT_EQ(p.code[1].b, kFusedImmOperand);
    EXPECT_EQ(p.code[1].p0, 3.0f);
    EXPECT_EQ(p.code[7].op, FusedOpcode::Mul);
    EXPECT_FALSE(f.attrs.has("rank"));
    // Values of x past 3 saturate tanh; the wide range checks both ends.
    EXPECT_EQ(expectMatches(g, {tt::randomTensor(shape, 1, -5.0f, 5.0f)}), 1u)
        << typed.values[f.outputs[0]].type.str();
  }
}

TEST(FuseElementwise, GeluErfBecomesOneNode) {
  tt::GraphBuilder b;
  ValueId x = b.input("x", {3, 7, 11});
  b.output(geluErf(b, x, "g."));
  Graph g = b.take();
  Graph typed = g;
  EXPECT_EQ(typeAndFuse(typed), 1u);
  ASSERT_EQ(ops(typed), Strings{"FusedElementwise"});
  EXPECT_EQ(typed.nodes[0].inputs.size(), 1u);
  EXPECT_EQ(expectMatches(g, {tt::randomTensor({3, 7, 11}, 2, -4.0f, 4.0f)}),
            1u);
}

TEST(FuseElementwise, BroadcastInputsAndConstantsOnEitherSide) {
  // y = Relu((x * scale + bias) - 1) / (1 + x), x [2,3,9], scale [9],
  // bias [3,1]: three tensor inputs, a constant on the left of a Sub.
  tt::GraphBuilder b;
  ValueId x = b.input("x", {2, 3, 9});
  ValueId scale = b.input("scale", {9});
  ValueId bias = b.weight("bias", tt::randomTensor({3, 1}, 3));
  ValueId m = b.node("Mul", {x, scale}, "m");
  ValueId a = b.node("Add", {m, bias}, "a");
  ValueId s = b.node("Sub", {a, scalar(b, "one", 1.0f)}, "s");
  ValueId r = b.node("Relu", {s}, "r");
  ValueId den = b.node("Add", {scalar(b, "one2", 1.5f), x}, "den");
  b.output(b.node("Div", {r, den}, "y"));
  Graph g = b.take();
  Graph typed = g;
  EXPECT_EQ(typeAndFuse(typed), 1u);
  ASSERT_EQ(ops(typed), Strings{"FusedElementwise"});
  EXPECT_EQ(typed.nodes[0].inputs.size(), 3u);
  EXPECT_EQ(expectMatches(
                g, {tt::randomTensor({2, 3, 9}, 4), tt::randomTensor({9}, 5)}),
            1u);
}

TEST(FuseElementwise, VectorPathWithBroadcastRows) {
  // Innermost dim 16: vec4 accesses, with a [1,16] row read as vec4s and a
  // [4,1] column splat.
  tt::GraphBuilder b;
  ValueId x = b.input("x", {4, 16});
  ValueId row = b.input("row", {1, 16});
  ValueId col = b.input("col", {4, 1});
  ValueId a = b.node("Mul", {x, row}, "a");
  ValueId c = b.node("Sub", {a, col}, "c");
  b.output(b.node("Sigmoid", {c}, "y"));
  Graph g = b.take();
  EXPECT_EQ(expectMatches(g, {tt::randomTensor({4, 16}, 6),
                              tt::randomTensor({1, 16}, 7),
                              tt::randomTensor({4, 1}, 8)}),
            1u);
}

TEST(FuseElementwise, ScalarConstantOfHigherRankSetsTheRank) {
  // x [5] * c [1,1,1] is [1,1,5]; c becomes an immediate, so the fused
  // node keeps the rank in its attribute.
  tt::GraphBuilder b;
  ValueId x = b.input("x", {5});
  ValueId c = b.weight("c", tt::tensor({1, 1, 1}, {2.0f}));
  ValueId m = b.node("Mul", {x, c}, "m");
  b.output(b.node("HardSwish", {m}, "y"));
  Graph g = b.take();
  Graph typed = g;
  EXPECT_EQ(typeAndFuse(typed), 1u);
  ASSERT_EQ(ops(typed), Strings{"FusedElementwise"});
  EXPECT_EQ(cantFail(typed.nodes[0].attrs.getInt("rank", 0)), 3);
  EXPECT_EQ(typed.values[typed.nodes[0].outputs[0]].type.shape,
            (Shape{1, 1, 5}));
  EXPECT_EQ(expectMatches(g, {tt::randomTensor({5}, 9, -6.0f, 6.0f)}), 1u);
}

TEST(FuseElementwise, ClipAndHardSigmoidParameters) {
  tt::GraphBuilder b;
  ValueId x = b.input("x", {3, 10});
  Attributes hs;
  hs.values["alpha"] = 0.25;
  hs.values["beta"] = 0.375;
  ValueId h = b.node("HardSigmoid", {x}, "h", hs);
  ValueId m = b.node("Mul", {h, x}, "m");
  ValueId lo = scalar(b, "lo", -0.5f), hi = scalar(b, "hi", 0.75f);
  ValueId c = b.node("Clip", {m, lo, hi}, "c");
  b.output(b.node("Sqrt", {b.node("Add", {c, hi}, "a")}, "y"));
  Graph g = b.take();
  Graph typed = g;
  EXPECT_EQ(typeAndFuse(typed), 1u);
  ASSERT_EQ(ops(typed), Strings{"FusedElementwise"});
  FusedProgram p = cantFail(readFusedProgram(typed.nodes[0].attrs, 1));
  ASSERT_EQ(p.code.size(), 5u);
  EXPECT_EQ(p.code[0].op, FusedOpcode::HardSigmoid);
  EXPECT_EQ(p.code[0].p0, 0.25f);
  EXPECT_EQ(p.code[0].p1, 0.375f);
  EXPECT_EQ(p.code[2].op, FusedOpcode::Clip);
  EXPECT_EQ(p.code[2].p0, -0.5f);
  EXPECT_EQ(p.code[2].p1, 0.75f);
  EXPECT_EQ(expectMatches(g, {tt::randomTensor({3, 10}, 10, -3.0f, 3.0f)}), 1u);
}

TEST(FuseElementwise, LeavesVisibleTensorsAndLoneOpsAlone) {
  // An intermediate that is also a graph output ends a region there.
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {8});
    ValueId s = b.node("Sigmoid", {x}, "s");
    ValueId t = b.node("Tanh", {s}, "t");
    ValueId m = b.node("Mul", {t, x}, "m");
    b.output(b.node("Relu", {m}, "y"));
    b.output(t);
    Graph g = b.take();
    EXPECT_EQ(typeAndFuse(g), 2u);
    EXPECT_EQ(ops(g), (Strings{"FusedElementwise", "FusedElementwise"}));
    EXPECT_EQ(g.values[g.nodes[0].outputs[0]].name, "t");
  }
  // An intermediate read by a non-elementwise op (Softmax) stays.
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {2, 8});
    ValueId s = b.node("Sigmoid", {x}, "s");
    ValueId t = b.node("Tanh", {s}, "t");
    ValueId sm = b.node("Softmax", {s}, "sm");
    b.output(b.node("Add", {t, sm}, "y"));
    Graph g = b.take();
    EXPECT_EQ(typeAndFuse(g), 1u);
    EXPECT_EQ(ops(g), (Strings{"Sigmoid", "Softmax", "FusedElementwise"}));
    EXPECT_EQ(g.nodes[2].inputs.size(), 2u); // s and sm
  }
  // A lone Add (a residual) and a Clip with a computed bound stay.
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {2, 8});
    ValueId r = b.input("r", {2, 8});
    ValueId lo = b.input("lo", {});
    ValueId sm = b.node("Softmax", {x}, "sm");
    ValueId a = b.node("Add", {sm, r}, "a");
    ValueId sm2 = b.node("Softmax", {a}, "sm2");
    ValueId c = b.node("Clip", {sm2, lo}, "c");
    b.output(b.node("Relu", {b.node("Softmax", {c}, "sm3")}, "y"));
    Graph g = b.take();
    EXPECT_EQ(typeAndFuse(g), 0u);
    EXPECT_EQ(ops(g), (Strings{"Softmax", "Add", "Softmax", "Clip", "Softmax",
                               "Relu"}));
  }
}

TEST(FuseElementwise, RegionsRespectTheInputAndLengthLimits) {
  // Six distinct inputs summed: at most four per fused node.
  {
    tt::GraphBuilder b;
    std::vector<ValueId> in;
    std::vector<HostTensor> data;
    for (int i = 0; i < 6; ++i) {
      in.push_back(b.input("x" + std::to_string(i), {3, 5}));
      data.push_back(tt::randomTensor({3, 5}, 20 + i));
    }
    ValueId acc = in[0];
    for (int i = 1; i < 6; ++i)
      acc = b.node("Add", {acc, in[i]}, "s" + std::to_string(i));
    b.output(acc);
    Graph g = b.take();
    Graph typed = g;
    EXPECT_EQ(typeAndFuse(typed), 2u);
    for (const Node &n : typed.nodes) {
      EXPECT_EQ(n.op, "FusedElementwise");
      EXPECT_LE(n.inputs.size(), kFusedMaxInputs);
    }
    EXPECT_EQ(expectMatches(g, data), 2u);
  }
  // A chain of 30 ops: one node of kFusedMaxSteps, one of the rest.
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {2, 6});
    ValueId v = x;
    for (int i = 0; i < 30; ++i)
      v = i % 2 ? b.node("Tanh", {v}, "t" + std::to_string(i))
                : b.node("Mul", {v, scalar(b, "c" + std::to_string(i), 1.5f)},
                         "m" + std::to_string(i));
    b.output(v);
    Graph g = b.take();
    Graph typed = g;
    EXPECT_EQ(typeAndFuse(typed), 2u);
    ASSERT_EQ(typed.nodes.size(), 2u);
    EXPECT_EQ(cantFail(readFusedProgram(typed.nodes[1].attrs, 1)).code.size(),
              kFusedMaxSteps);
    EXPECT_EQ(expectMatches(g, {tt::randomTensor({2, 6}, 30)}), 2u);
  }
}

TEST(FuseElementwise, OutputReusesADyingInputInPlace) {
  // s = Softmax(x) dies at the GELU, which has s's type: the fused output
  // is computed over s's memory.
  tt::GraphBuilder b;
  ValueId x = b.input("x", {4, 12});
  ValueId s = b.node("Softmax", {x}, "s");
  ValueId y = geluTanh(b, s, "g.");
  b.output(b.node("Softmax", {y}, "out"));
  Graph g = b.take();
  Plan plan;
  auto dev =
      tt::runGraphOnDevice(g, "gpu", {tt::randomTensor({4, 12}, 31)}, &plan);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  bool found = false;
  for (const PlanTensor &t : plan.tensors)
    if (t.name == "g.y") {
      found = true;
      EXPECT_EQ(t.role, TensorRole::Alias);
      ASSERT_GE(t.aliasOf, 0);
      EXPECT_EQ(plan.tensors[size_t(t.aliasOf)].name, "s");
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(tt::countDispatches(plan, "fused_elementwise"), 1u);
  auto ref = tt::runGraphReference(g, {tt::randomTensor({4, 12}, 31)});
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  EXPECT_LE(tt::relativeL2((*dev)[0], (*ref)[0]), tt::kTolerance);
}

} // namespace
