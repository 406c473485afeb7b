// Shape ranges for elementwise ops and reductions (#14): each model below
// has a symbolic dim W in several positions (same-shape operands, broadcast
// against W, W innermost and outermost, the reduced axis symbolic). Two
// checks per model: every shape inference derives over the range, evaluated
// at each W, equals the static shape derived at that W; and a plan compiled
// once for the range gives the outputs of plans compiled for each fixed W
// (tests/unit/RangeTestUtil.h), on both kernel targets.
#include "RangeTestUtil.h"

#include "ir/ModelParser.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {

std::string errorOf(llvm::StringRef yaml, const ModelParseOptions &opts) {
  llvm::Expected<Graph> g = parseModelString(yaml, "test.yaml", ".", opts);
  if (!g)
    return llvm::toString(g.takeError());
  llvm::Error e = inferShapes(*g);
  return e ? llvm::toString(std::move(e)) : std::string();
}

/// Binary ops, each output a graph output (so nothing fuses): same shapes
/// (W in the middle, merged to one dim of 12*W: vec4), broadcast of
/// [1, W, 1] against [2, W, 6] both ways, per-channel constants, W
/// innermost against [3, 1] (not vec4), [W, 8] against [1, 8] (vec4 with
/// a symbolic outer dim), and Pow by a constant and by a tensor.
const char *kBinary = R"(tlc: 1
name: binary
inputs:
  - {name: x, shape: [2, W, 6], dtype: f32}
  - {name: y, shape: [2, W, 6], dtype: f32}
  - {name: b, shape: [1, W, 1], dtype: f32}
  - {name: v, shape: [3, W], dtype: f32}
  - {name: s, shape: [3, 1], dtype: f32}
  - {name: m, shape: [W, 8], dtype: f32}
outputs: [o1, o2, o3, o4, o5, o6, o7, o8, o9, o10]
constants:
  - {name: c, shape: [6], dtype: f32, values: [1, -2, 3, 0.5, 5, -6]}
  - {name: k, shape: [1], dtype: f32, values: [0.25]}
  - {name: e2, shape: [], dtype: f32, values: [2]}
  - {name: r8, shape: [1, 8], dtype: f32, values: [1, 2, 3, 4, 5, 6, 7, 8]}
nodes:
  - {op: Add, in: [x, y], out: o1}
  - {op: Sub, in: [x, b], out: o2}
  - {op: Mul, in: [x, c], out: o3}
  - {op: Div, in: [b, x], out: o4}
  - {op: Pow, in: [x, e2], out: o5}
  - {op: Add, in: [v, s], out: o6}
  - {op: Mul, in: [v, k], out: o7}
  - {op: Sub, in: [s, v], out: o8}
  - {op: Div, in: [m, r8], out: o9}
  - {op: Pow, in: [b, y], out: o10}
)";

/// Unary ops, each output a graph output: Clip with both bounds, with min
/// only, with a computed (non-constant) bound and with none (a copy); Tanh
/// and Erf; over W outermost and innermost.
const char *kUnary = R"(tlc: 1
name: unary
inputs:
  - {name: x, shape: [W, 3, 5], dtype: f32}
  - {name: v, shape: [2, W], dtype: f32}
  - {name: lo, shape: [], dtype: f32}
outputs: [c1, c2, c3, c4, t1, t2, e1, e2]
constants:
  - {name: a, shape: [], dtype: f32, values: [-0.5]}
  - {name: z, shape: [], dtype: f32, values: [0.25]}
nodes:
  - {op: Clip, in: [x, a, z], out: c1}
  - {op: Clip, in: [v, a], out: c2}
  - {op: Clip, in: [x, lo], out: c3}
  - {op: Clip, in: [v], out: c4}
  - {op: Tanh, in: [x], out: t1}
  - {op: Tanh, in: [v], out: t2}
  - {op: Erf, in: [x], out: e1}
  - {op: Erf, in: [v], out: e2}
)";

/// Chains that passes/FuseElementwise.cpp fuses: GPT-2's tanh GELU over
/// [2, W, 8]; (x - b) * c -> Relu -> Clip with b [1, W, 1] broadcast
/// against the symbolic dim and c per channel; W innermost: Sigmoid(v + s)
/// * v with s [3, 1], a scalar immediate and Erf.
const char *kFused = R"(tlc: 1
name: fused
inputs:
  - {name: x, shape: [2, W, 8], dtype: f32}
  - {name: b, shape: [1, W, 1], dtype: f32}
  - {name: v, shape: [3, W], dtype: f32}
  - {name: s, shape: [3, 1], dtype: f32}
outputs: [gelu, act, sv]
constants:
  - {name: half, shape: [], dtype: f32, values: [0.5]}
  - {name: one, shape: [], dtype: f32, values: [1]}
  - {name: three, shape: [], dtype: f32, values: [3]}
  - {name: k0, shape: [], dtype: f32, values: [0.7978846]}
  - {name: k1, shape: [], dtype: f32, values: [0.044715]}
  - {name: c, shape: [8], dtype: f32, values: [1, -2, 3, 0.5, 5, -6, 7, 0.25]}
  - {name: lo, shape: [], dtype: f32, values: [0]}
  - {name: hi, shape: [], dtype: f32, values: [1.5]}
nodes:
  - {op: Pow, in: [x, three], out: x3}
  - {op: Mul, in: [x3, k1], out: t0}
  - {op: Add, in: [x, t0], out: t1}
  - {op: Mul, in: [t1, k0], out: t2}
  - {op: Tanh, in: [t2], out: t3}
  - {op: Add, in: [t3, one], out: t4}
  - {op: Mul, in: [x, half], out: t5}
  - {op: Mul, in: [t5, t4], out: gelu}
  - {op: Sub, in: [x, b], out: d0}
  - {op: Mul, in: [d0, c], out: d1}
  - {op: Relu, in: [d1], out: d2}
  - {op: Clip, in: [d2, lo, hi], out: act}
  - {op: Add, in: [v, s], out: e0}
  - {op: Sigmoid, in: [e0], out: e1}
  - {op: Erf, in: [e1], out: e2}
  - {op: Mul, in: [e2, v], out: sv}
)";

/// The graph of \p yaml with W in [lo, hi], scheduled (which links each
/// value to its producer), typed and fused by passes/FuseElementwise.cpp;
/// \p fused gets what the pass returned.
Graph fusedGraph(llvm::StringRef yaml, int64_t lo, int64_t hi,
                 size_t &fused) {
  ModelParseOptions opts;
  opts.dims["W"] = DimRange{lo, hi};
  llvm::Expected<Graph> parsed =
      parseModelString(yaml, "test.yaml", ".", opts);
  EXPECT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  if (!parsed)
    return Graph();
  Graph g = std::move(*parsed);
  if (llvm::Error e = scheduleTopological(g))
    ADD_FAILURE() << llvm::toString(std::move(e));
  if (llvm::Error e = inferShapes(g))
    ADD_FAILURE() << llvm::toString(std::move(e));
  fused = fuseElementwise(g);
  if (llvm::Error e = inferShapes(g))
    ADD_FAILURE() << llvm::toString(std::move(e));
  return g;
}

/// Reductions with W reduced and not: ReduceMean over W (count W: the dyn
/// build divides by COUNT), over a static axis beside W, over everything,
/// over [4, W] (count up to 280: the "gpu" target's workgroup-per-output
/// kernel at the bound); Softmax along W, beside W and over W outermost;
/// GlobalAveragePool over a symbolic plane; LayerNormalization with a
/// symbolic row count (with and without B) and with W among the normalized
/// dims (Scale then an input of symbolic shape).
const char *kReduce = R"(tlc: 1
name: reduce
inputs:
  - {name: x, shape: [2, W, 6], dtype: f32}
  - {name: y, shape: [1, 3, 4, W], dtype: f32}
  - {name: t, shape: [W, 5], dtype: f32}
  - {name: sc, shape: [W, 6], dtype: f32}
outputs: [r1, r2, r3, r4, r5, s1, s2, s3, g1, l1, l2, l3]
constants:
  - {name: g6, shape: [6], dtype: f32, values: [1, 0.5, -1, 2, 0.25, 1.5]}
  - {name: b6, shape: [6], dtype: f32, values: [0, 0.1, 0.2, -0.3, 0.4, 0]}
  - {name: g5, shape: [5], dtype: f32, values: [1, 2, 3, 4, 5]}
nodes:
  - {op: ReduceMean, in: [x], out: r1, attrs: {axes: [1]}}
  - {op: ReduceMean, in: [x], out: r2, attrs: {axes: [2], keepdims: 0}}
  - {op: ReduceMean, in: [x], out: r3, attrs: {keepdims: 0}}
  - {op: ReduceMean, in: [y], out: r4, attrs: {axes: [-1]}}
  - {op: ReduceMean, in: [y], out: r5, attrs: {axes: [2, 3], keepdims: 0}}
  - {op: Softmax, in: [x], out: s1, attrs: {axis: 1}}
  - {op: Softmax, in: [x], out: s2, attrs: {axis: -1}}
  - {op: Softmax, in: [t], out: s3, attrs: {axis: 0}}
  - {op: GlobalAveragePool, in: [y], out: g1}
  - {op: LayerNormalization, in: [x, g6, b6], out: l1}
  - {op: LayerNormalization, in: [t, g5], out: l2}
  - {op: LayerNormalization, in: [x, sc], out: l3, attrs: {axis: 1}}
)";

/// Fusion passes beside symbolic shapes: Conv -> Add(., Z) -> Relu becomes
/// a FusedConv over [1, 3, 5, W]; Gemm with a symbolic M (and a bias) ->
/// Add(., Z) becomes a GemmResidual, as in a fixed plan.
const char *kEpilogues = R"(tlc: 1
name: epilogues
inputs:
  - {name: x, shape: [1, 2, 5, W], dtype: f32}
  - {name: z, shape: [1, 3, 5, W], dtype: f32}
  - {name: a, shape: [W, 8], dtype: f32}
  - {name: r, shape: [W, 4], dtype: f32}
outputs: [c2, h]
constants:
  - {name: k, shape: [3, 2, 3, 3], dtype: f32, values: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, 0.8, -0.9, 1, -1.1, 1.2, 0.3, 0.2, -0.1, 0.5, 0.25, -0.75, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, -1, 1.1, -1.2, 0.3, -0.2, 0.1, -0.5, 0.25, 0.75, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, 1, 1, 1, -1, -1, -1, 0.5, 0.5, 0.5]}
  - {name: w, shape: [8, 4], dtype: f32, values: [1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8, 0.5, 0.25, 0.125, 1, 2, 1, 0.5, 0.25, 3, -3, 3, -3, 0.1, 0.2, 0.3, 0.4]}
  - {name: bias, shape: [4], dtype: f32, values: [0.5, -0.5, 1, -1]}
nodes:
  - {op: Conv, in: [x, k], out: c0, attrs: {pads: [1, 1, 1, 1]}}
  - {op: Add, in: [c0, z], out: c1}
  - {op: Relu, in: [c1], out: c2}
  - {op: Gemm, in: [a, w, bias], out: g0}
  - {op: Add, in: [g0, r], out: h}
)";

/// BatchNormalization over [1, 3, 5, W]: with computed parameters it stays
/// a BatchNormalization node; with constant ones passes/FoldBatchNorm.cpp
/// rewrites it into Mul + Add of [3, 1, 1] constants.
const char *kBatchNorm = R"(tlc: 1
name: bn
inputs:
  - {name: x, shape: [1, 3, 5, W], dtype: f32}
  - {name: g, shape: [3], dtype: f32}
  - {name: b, shape: [3], dtype: f32}
  - {name: m, shape: [3], dtype: f32}
  - {name: v, shape: [3], dtype: f32}
outputs: [y1, y2]
constants:
  - {name: cg, shape: [3], dtype: f32, values: [1, 0.5, 2]}
  - {name: cb, shape: [3], dtype: f32, values: [0.1, -0.2, 0.3]}
  - {name: cm, shape: [3], dtype: f32, values: [0, 0.25, -0.5]}
  - {name: cv, shape: [3], dtype: f32, values: [1, 2, 0.5]}
nodes:
  - {op: Mul, in: [v, v], out: var}
  - {op: BatchNormalization, in: [x, g, b, m, var], out: y1}
  - {op: BatchNormalization, in: [x, cg, cb, cm, cv], out: y2}
)";

} // namespace

TEST(SymbolicElementwiseTest, BatchNormShapesAndRangePlan) {
  expectShapesMatchStatic(kBatchNorm, "W", 1, 12);
  expectRangePlanMatchesFixed(kBatchNorm, {{"W", DimRange{1, 40}}},
                              pointsOf("W", {1, 40, 13}), 0);
}

TEST(SymbolicElementwiseTest, ReduceShapesMatchStaticAtEveryValue) {
  expectShapesMatchStatic(kReduce, "W", 1, 12);
}

TEST(SymbolicElementwiseTest, ReduceRangePlanMatchesFixedPlans) {
  // Not bitwise: over a symbolic count ReduceMean divides by COUNT where a
  // fixed plan multiplies by 1 / count, and the "gpu" target's reduction
  // kernel is chosen at the bound.
  expectRangePlanMatchesFixed(kReduce, {{"W", DimRange{1, 70}}},
                              pointsOf("W", {1, 70, 33, 64, 7}), 1e-6);
}

TEST(SymbolicElementwiseTest, EpiloguesOverSymbolicShapes) {
  ModelParseOptions opts;
  opts.dims["W"] = DimRange{1, 30};
  llvm::Expected<Graph> g = parseModelString(kEpilogues, "test.yaml", ".", opts);
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  ASSERT_FALSE(bool(scheduleTopological(*g)));
  ASSERT_FALSE(bool(inferShapes(*g)));
  EXPECT_EQ(fuseEpilogues(*g), 2u);
  ASSERT_FALSE(bool(inferShapes(*g)));
  std::vector<std::string> ops;
  for (const Node &n : g->nodes)
    ops.push_back(n.op);
  EXPECT_EQ(ops, (std::vector<std::string>{"FusedConv", "GemmResidual"}));
  EXPECT_EQ(g->values[g->nodes[1].outputs[0]].type.str(), "Wx4xf32");
  expectRangePlanMatchesFixed(kEpilogues, {{"W", DimRange{1, 30}}},
                              pointsOf("W", {1, 30, 9}), 1e-6);
}

TEST(SymbolicElementwiseTest, FuseElementwiseFormsSameRegionsOverRange) {
  size_t symFused = 0, fixedFused = 0;
  Graph sym = fusedGraph(kFused, 1, 20, symFused);
  EXPECT_EQ(symFused, 3u);
  for (int64_t w : {1, 4, 20}) {
    Graph st = fusedGraph(kFused, w, w, fixedFused);
    EXPECT_EQ(fixedFused, symFused) << "at W=" << w;
    ASSERT_EQ(st.nodes.size(), sym.nodes.size());
    SymbolValues at;
    at["W"] = w;
    for (size_t i = 0; i < st.nodes.size(); ++i) {
      EXPECT_EQ(sym.nodes[i].op, "FusedElementwise");
      EXPECT_EQ(st.nodes[i].op, sym.nodes[i].op);
      EXPECT_EQ(st.nodes[i].inputs, sym.nodes[i].inputs);
      const TensorType &t = st.values[st.nodes[i].outputs[0]].type;
      const TensorType &s = sym.values[sym.nodes[i].outputs[0]].type;
      ASSERT_EQ(s.rank(), t.rank());
      for (size_t d = 0; d < t.rank(); ++d)
        EXPECT_EQ(llvm::cantFail(s.dim(d).evaluate(at)), t.shape[d]);
    }
  }
  // The fused output keeps its symbolic dims.
  EXPECT_EQ(sym.values[*sym.lookup("gelu")].type.str(), "2xWx8xf32");
  EXPECT_EQ(sym.values[*sym.lookup("sv")].type.str(), "3xWxf32");
}

TEST(SymbolicElementwiseTest, FusedRangePlanMatchesFixedPlans) {
  expectRangePlanMatchesFixed(kFused, {{"W", DimRange{1, 20}}},
                              pointsOf("W", {1, 20, 4, 7}), 0);
}

TEST(SymbolicElementwiseTest, UnaryShapesMatchStaticAtEveryValue) {
  expectShapesMatchStatic(kUnary, "W", 1, 12);
}

TEST(SymbolicElementwiseTest, UnaryRangePlanMatchesFixedPlans) {
  expectRangePlanMatchesFixed(kUnary, {{"W", DimRange{1, 33}}},
                              pointsOf("W", {1, 33, 8, 19}), 0);
}

TEST(SymbolicElementwiseTest, BinaryShapesMatchStaticAtEveryValue) {
  expectShapesMatchStatic(kBinary, "W", 1, 12);
}

TEST(SymbolicElementwiseTest, BinaryRangePlanMatchesFixedPlans) {
  expectRangePlanMatchesFixed(kBinary, {{"W", DimRange{1, 17}}},
                              pointsOf("W", {1, 17, 4, 5, 13}), 0);
}

TEST(SymbolicElementwiseTest, BinaryRefusesSymbolicAgainstOtherDim) {
  // W against 5 holds for one W only; W against H for some pairs only.
  const char *yaml = R"(tlc: 1
name: bad
inputs:
  - {name: x, shape: [2, W], dtype: f32}
  - {name: y, shape: [2, 5], dtype: f32}
outputs: [z]
nodes:
  - {op: Add, in: [x, y], out: z}
)";
  ModelParseOptions opts;
  opts.dims["W"] = DimRange{1, 8};
  std::string msg = errorOf(yaml, opts);
  EXPECT_NE(msg.find("[2xW] and [2x5] are not broadcastable"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("would need W and 5"), std::string::npos) << msg;

  const char *two = R"(tlc: 1
name: bad2
inputs:
  - {name: x, shape: [W, 3], dtype: f32}
  - {name: y, shape: [H, 3], dtype: f32}
outputs: [z]
nodes:
  - {op: Mul, in: [x, y], out: z}
)";
  opts.dims["H"] = DimRange{1, 8};
  msg = errorOf(two, opts);
  EXPECT_NE(msg.find("would need W and H"), std::string::npos) << msg;
}
