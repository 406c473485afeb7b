//===- tests/unit/FuseElementwiseRandomTest.cpp - Random fused programs ---===//
//
// The FusedElementwise op on its own: its shape rule rejects malformed
// programs with a message naming the attribute and instruction; its
// reference matches hand-computed values; and random chains of elementwise
// ops (1-4 broadcast inputs, ranks 1-4, sizes that are and are not
// multiples of 4, every opcode, constants on either side, values read more
// than once) fuse into one node whose reference equals the unfused graph's
// (evaluated by each op's own CPU reference) and whose single dispatch on
// the default device matches it for both kernel targets (relative L2 <=
// 1e-5). Chains whose reference is not finite or exceeds 1e4 in magnitude
// (Sqrt or Pow of a negative value, a division by ~0), or is so
// ill-conditioned that f32 rounding alone moves it by 1e-5, are redrawn.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "OpTestUtil.h"

#include "ops/FusedElementwiseProgram.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

/// Attributes of a FusedElementwise node running \p code.
Attributes programAttrs(std::vector<int64_t> code, std::vector<double> params) {
  Attributes a;
  a.values["program"] = std::move(code);
  a.values["params"] = std::move(params);
  return a;
}

TEST(FusedElementwiseOp, ShapeRuleRejectsMalformedPrograms) {
  auto rule = [](Attributes a, std::vector<TensorType> in) {
    return tt::shapeRule("FusedElementwise", a, std::move(in));
  };
  std::vector<TensorType> one = {tt::f32({2, 3})};
  EXPECT_EQ(rule(programAttrs({2, 0, -1}, {0.5, 0}), one), "");
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("FusedElementwise", programAttrs({0, 0, 1}, {0, 0}),
                          {tt::f32({2, 1}), tt::f32({3})}, &out),
            "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], tt::f32({2, 3}));

  Attributes noProgram;
  noProgram.values["params"] = std::vector<double>{0, 0};
  EXPECT_NE(rule(noProgram, one).find("attribute 'program' must be a list"),
            std::string::npos);
  EXPECT_NE(rule(programAttrs({99, 0, -1}, {0, 0}), one)
                .find("instruction 0: unknown opcode 99"),
            std::string::npos);
  // Register 1 is not defined before instruction 0 with one input.
  EXPECT_NE(rule(programAttrs({0, 0, 1}, {0, 0}), one)
                .find("instruction 0 (Add): operands 0, 1; expected "
                      "registers below 1"),
            std::string::npos);
  EXPECT_NE(rule(programAttrs({2, -1, -1}, {1, 0}), one).find("(Mul)"),
            std::string::npos);
  EXPECT_NE(rule(programAttrs({5, 0, 0}, {0, 0}), one)
                .find("instruction 0 (Relu): operands 0, 0"),
            std::string::npos);
  EXPECT_NE(rule(programAttrs({5, 0, -1, 7}, {0, 0}), one)
                .find("has 4 entries; expected 3 per instruction"),
            std::string::npos);
  EXPECT_NE(rule(programAttrs({5, 0, -1}, {0}), one)
                .find("'params' has 1 entries; expected 2"),
            std::string::npos);
  std::vector<int64_t> longCode;
  for (int64_t i = 0; i < 25; ++i)
    longCode.insert(longCode.end(), {5, i, -1});
  EXPECT_NE(rule(programAttrs(longCode, std::vector<double>(50, 0.0)), one)
                .find("25 instructions; at most 24"),
            std::string::npos);
  EXPECT_NE(rule(programAttrs({5, 0, -1}, {0, 0}),
                 std::vector<TensorType>(5, tt::f32({2}))),
            "");
  EXPECT_NE(
      rule(programAttrs({0, 0, 1}, {0, 0}), {tt::f32({2, 3}), tt::f32({4})})
          .find("not broadcastable"),
      std::string::npos);
  Attributes rank7 = programAttrs({5, 0, -1}, {0, 0});
  rank7.values["rank"] = int64_t(7);
  EXPECT_NE(rule(rank7, one).find("attribute 'rank' is 7"), std::string::npos);
  Attributes rank4 = programAttrs({5, 0, -1}, {0, 0});
  rank4.values["rank"] = int64_t(4);
  EXPECT_EQ(tt::shapeRule("FusedElementwise", rank4, one, &out), "");
  EXPECT_EQ(out[0], tt::f32({1, 1, 2, 3}));
  Attributes typo = programAttrs({5, 0, -1}, {0, 0});
  typo.values["programme"] = int64_t(1);
  EXPECT_NE(rule(typo, one).find("unknown attribute 'programme'"),
            std::string::npos);
}

TEST(FusedElementwiseOp, ReferenceByHand) {
  // y = Relu(x0 * 2 - x1) + 1, x0 [2,2], x1 [2] broadcast along rows.
  Attributes a = programAttrs({2, 0, -1, /**/ 1, 2, 1, /**/ 5, 3, -1,
                               /**/ 0, 4, -1},
                              {2, 0, 0, 0, 0, 0, 1, 0});
  auto out = tt::runReference(
      "FusedElementwise", a,
      {{tt::tensor({2, 2}, {1, -1, 3, 0.5f})}, {tt::tensor({2}, {1, 0})}});
  ASSERT_TRUE(bool(out)) << toString(out.takeError());
  EXPECT_EQ((*out)[0].f32().vec(), (std::vector<float>{2, 1, 6, 2}));
}

/// A random chain of elementwise ops over 1-4 broadcast inputs.
struct RandomChain {
  Graph graph;
  std::vector<HostTensor> inputs;
  size_t ops = 0;
};

RandomChain makeChain(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return int(rng() % uint32_t(n)); };
  auto uniform = [&](float lo, float hi) {
    return lo + (hi - lo) * float(rng() % 10000) / 10000.0f;
  };
  static const int64_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 12};
  Shape out;
  int rank = 1 + pick(4);
  for (int d = 0; d < rank; ++d)
    out.push_back(sizes[pick(8)]);
  int nin = 1 + pick(4);
  tt::GraphBuilder b;
  RandomChain c;
  std::vector<ValueId> values;
  for (int k = 0; k < nin; ++k) {
    Shape s = out;
    if (k > 0) { // drop leading dims and squeeze others to 1 at random
      s.erase(s.begin(), s.begin() + pick(int(s.size())));
      for (int64_t &d : s)
        if (pick(3) == 0)
          d = 1;
    }
    values.push_back(b.input("x" + std::to_string(k), s));
    c.inputs.push_back(tt::randomTensor(s, seed * 7 + uint32_t(k), -2, 2));
  }
  static const char *const binary[] = {"Add", "Sub", "Mul", "Div", "Pow"};
  // 2 and 3 take the shader's multiplication path, the others pow().
  static const float exponents[] = {2.0f, 3.0f, 0.5f, -1.0f};
  static const char *const unary[] = {"Relu", "Sigmoid",    "Tanh",
                                      "Erf",  "Sqrt",       "HardSwish",
                                      "Clip", "HardSigmoid"};
  ValueId cur = values[0];
  int unused = 1; // inputs 1.. are consumed first
  int steps = 2 + pick(15);
  int constants = 0;
  auto constant = [&](float v) {
    return b.weight("c" + std::to_string(constants++), tt::tensor({}, {v}));
  };
  for (int i = 0; i < steps || unused < nin; ++i) {
    std::string name = "v" + std::to_string(i);
    if (unused < nin || pick(2) == 0) {
      std::string op = binary[pick(5)];
      ValueId other;
      if (unused < nin)
        other = values[size_t(unused++)];
      else if (op == "Pow" || pick(2) == 0)
        other = constant(op == "Pow" ? exponents[pick(4)] : uniform(-2, 2));
      else
        other = values[size_t(pick(int(values.size())))];
      bool swap = op != "Pow" && pick(2) == 0;
      cur = b.node(op,
                   swap ? std::vector<ValueId>{other, cur}
                        : std::vector<ValueId>{cur, other},
                   name);
    } else {
      std::string op = unary[pick(8)];
      Attributes attrs;
      std::vector<ValueId> ins = {cur};
      if (op == "Clip") {
        ins.push_back(constant(uniform(-1.5f, 0)));
        if (pick(2))
          ins.push_back(constant(uniform(0.1f, 1.5f)));
      } else if (op == "HardSigmoid") {
        attrs.values["alpha"] = double(uniform(0.1f, 0.5f));
        attrs.values["beta"] = double(uniform(0.2f, 0.6f));
      }
      cur = b.node(op, ins, name, attrs);
    }
    values.push_back(cur);
    ++c.ops;
  }
  b.output(cur);
  c.graph = b.take();
  return c;
}

/// True when every element of \p t is finite and at most 1e4 in magnitude.
bool tame(const HostTensor &t) {
  for (float v : t.f32())
    if (!std::isfinite(v) || std::fabs(v) > 1e4f)
      return false;
  return true;
}

/// True when moving every input of \p c by a relative 1e-6 (alternating
/// signs) moves the reference result \p ref by more than 1e-5 relative L2:
/// the chain amplifies input (and rounding) errors more than tenfold, e.g.
/// a division by a difference that nearly cancels, so the device's f32
/// functions cannot be held to 1e-5 there.
bool illConditioned(const RandomChain &c, const HostTensor &ref) {
  std::vector<HostTensor> moved = c.inputs;
  for (HostTensor &t : moved)
    for (size_t i = 0; i < t.f32().size(); ++i)
      t.f32()[i] *= i % 2 ? 1.0f + 1e-6f : 1.0f - 1e-6f;
  auto out = tt::runGraphReference(c.graph, moved);
  if (!out) {
    consumeError(out.takeError());
    return true;
  }
  return !(tt::relativeL2((*out)[0], ref) <= 1e-5);
}

TEST(FusedElementwiseOp, RandomChainsMatchTheUnfusedGraph) {
  int accepted = 0;
  for (uint32_t seed = 1; accepted < 40 && seed < 400; ++seed) {
    RandomChain c = makeChain(seed);
    auto ref = tt::runGraphReference(c.graph, c.inputs);
    ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
    if (!tame((*ref)[0]) || illConditioned(c, (*ref)[0]))
      continue;
    ++accepted;
    SCOPED_TRACE("seed " + std::to_string(seed) + ", " + std::to_string(c.ops) +
                 " ops, " + std::to_string(c.inputs.size()) +
                 " inputs, output " + (*ref)[0].type.str());
    Graph fused = c.graph;
    ASSERT_FALSE(bool(inferShapes(fused)));
    EXPECT_EQ(fuseElementwise(fused), c.ops <= kFusedMaxSteps ? 1u : 2u);
    auto fusedRef = tt::runGraphReference(fused, c.inputs);
    ASSERT_TRUE(bool(fusedRef)) << toString(fusedRef.takeError());
    EXPECT_EQ(tt::maxAbsDiff((*fusedRef)[0], (*ref)[0]), 0.0);
    for (const char *target : {"cpu", "gpu"}) {
      Plan plan;
      auto dev = tt::runGraphOnDevice(c.graph, target, c.inputs, &plan);
      ASSERT_TRUE(bool(dev)) << target << ": " << toString(dev.takeError());
      EXPECT_LE(tt::relativeL2((*dev)[0], (*ref)[0]), tt::kTolerance) << target;
      EXPECT_EQ(tt::countDispatches(plan),
                tt::countDispatches(plan, "fused_elementwise"))
          << target;
    }
  }
  EXPECT_EQ(accepted, 40);
}

/// The comparison can fail: a program whose immediate differs from the
/// unfused graph's constant gives another result.
TEST(FusedElementwiseOp, AChangedImmediateIsDetected) {
  tt::GraphBuilder b;
  ValueId x = b.input("x", {4, 6});
  ValueId h = b.node("Mul", {x, b.weight("c", tt::tensor({}, {0.5f}))}, "h");
  b.output(b.node("Tanh", {h}, "y"));
  Graph g = b.take();
  Graph fused = g;
  ASSERT_FALSE(bool(inferShapes(fused)));
  ASSERT_EQ(fuseElementwise(fused), 1u);
  auto &params =
      std::get<std::vector<double>>(fused.nodes[0].attrs.values["params"]);
  ASSERT_EQ(params[0], 0.5);
  params[0] = 0.55;
  HostTensor in = tt::randomTensor({4, 6}, 5);
  auto ref = tt::runGraphReference(g, {in});
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  auto changed = tt::runGraphReference(fused, {in});
  ASSERT_TRUE(bool(changed)) << toString(changed.takeError());
  EXPECT_GT(tt::relativeL2((*changed)[0], (*ref)[0]), 1e-3);
}

} // namespace
