// Shape values over symbols (docs/shape-ranges.md): Shape -> Cast -> Gather
// / Slice -> arithmetic -> Concat -> Reshape chains fold to expressions, so
// that a model exported with dynamic dims plans once for the whole range.
// Checked three ways: the folded shapes against the static compile at every
// value, the range plan's outputs against fixed plans on lavapipe, and the
// refusals (a symbolic value an op reads as a number, an op that reads
// constants only).
#include "RangeTestUtil.h"

#include "driver/Pipeline.h"
#include "ir/ModelParser.h"
#include "ops/OpDef.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {

/// x: [2, W, 6] -> Relu -> Reshape to [2, W*3, 2] through a shape computed
/// from Shape(x): [Shape[0], Shape[1] * 3 (via Cast to i32 and back),
/// Shape[2] / 3] -> Relu -> y; and Reshape with a -1 beside the symbolic
/// dim: [-1, 6] -> z.
const char *kChain = R"(tlc: 1
name: chain
inputs:
  - {name: x, shape: [2, W, 6], dtype: f32}
outputs: [y, z]
constants:
  - {name: i0, shape: [1], dtype: i64, values: [0]}
  - {name: i1, shape: [1], dtype: i64, values: [1]}
  - {name: s2, shape: [1], dtype: i64, values: [2]}
  - {name: e3, shape: [1], dtype: i64, values: [3]}
  - {name: three, shape: [1], dtype: i32, values: [3]}
  - {name: k3, shape: [1], dtype: i64, values: [3]}
  - {name: flat, shape: [2], dtype: i64, values: [-1, 6]}
nodes:
  - {op: Relu, in: [x], out: r}
  - {op: Shape, in: [x], out: sh}
  - {op: Gather, in: [sh, i0], out: d0, attrs: {axis: 0}}
  - {op: Slice, in: [sh, i1, s2], out: d1}
  - {op: Cast, in: [d1], out: d1i, attrs: {to: 6}}
  - {op: Mul, in: [d1i, three], out: d1x3i}
  - {op: Cast, in: [d1x3i], out: d1x3, attrs: {to: 7}}
  - {op: Slice, in: [sh, s2, e3], out: d2}
  - {op: Div, in: [d2, k3], out: d2q}
  - {op: Concat, in: [d0, d1x3, d2q], out: target, attrs: {axis: 0}}
  - {op: Reshape, in: [r, target], out: t}
  - {op: Relu, in: [t], out: y}
  - {op: Reshape, in: [r, flat], out: f}
  - {op: Relu, in: [f], out: z}
)";

Graph folded(llvm::StringRef yaml, int64_t lo, int64_t hi) {
  ModelParseOptions opts;
  opts.dims["W"] = DimRange{lo, hi};
  llvm::Expected<Graph> g = parseModelString(yaml, "test.yaml", ".", opts);
  EXPECT_TRUE(bool(g)) << llvm::toString(g.takeError());
  if (!g)
    return Graph();
  llvm::Expected<size_t> n = foldConstants(*g);
  EXPECT_TRUE(bool(n)) << llvm::toString(n.takeError());
  if (llvm::Error e = inferShapes(*g))
    ADD_FAILURE() << llvm::toString(std::move(e));
  return std::move(*g);
}

const TensorType &typeOf(const Graph &g, llvm::StringRef name) {
  return g.values[*g.lookup(name)].type;
}

} // namespace

TEST(SymbolicFoldTest, ShapeChainFoldsToExpressionsEqualToStaticAtEveryValue) {
  Graph sym = folded(kChain, 1, 40);
  ASSERT_FALSE(sym.values.empty());
  EXPECT_EQ(typeOf(sym, "y").str(), "2x(3*W)x2xf32");
  EXPECT_EQ(typeOf(sym, "z").str(), "(2*W)x6xf32");
  // The folded target shape is a symbolic shape value.
  const Value &target = sym.values[*sym.lookup("target")];
  ASSERT_EQ(target.symData.size(), 3u);
  EXPECT_EQ(symShapeStr(target.symData), "2x(3*W)x2");
  for (int64_t w = 1; w <= 40; ++w) {
    Graph st = folded(kChain, w, w);
    SymbolValues at;
    at["W"] = w;
    for (const char *name : {"y", "z"}) {
      const TensorType &s = typeOf(sym, name), &t = typeOf(st, name);
      ASSERT_TRUE(t.isStatic());
      ASSERT_EQ(s.rank(), t.rank());
      for (size_t d = 0; d < t.rank(); ++d)
        EXPECT_EQ(llvm::cantFail(s.dim(d).evaluate(at)), t.shape[d])
            << name << " dim " << d << " at W=" << w;
    }
  }
}

TEST(SymbolicFoldTest, RangePlanOfShapeChainMatchesFixedPlans) {
  expectRangePlanMatchesFixed(kChain, {{"W", DimRange{1, 40}}},
                              pointsOf("W", {1, 40, 7, 23}), 0);
}

TEST(SymbolicFoldTest, SymbolicSliceBoundIsRefusedNotMisread) {
  // Slice(data, 0, Shape(x)[1]) reads the symbolic value as a bound: the
  // element-index fold must not fold it (the corner check catches it), and
  // since Slice of an i64 tensor cannot run on the device, compiling fails
  // with the node named.
  const char *yaml = R"(tlc: 1
name: bound
inputs:
  - {name: x, shape: [1, W], dtype: f32}
outputs: [y]
constants:
  - {name: data, shape: [8], dtype: i64, values: [1, 2, 3, 4, 5, 6, 7, 8]}
  - {name: i0, shape: [1], dtype: i64, values: [0]}
  - {name: i1, shape: [1], dtype: i64, values: [1]}
  - {name: i2, shape: [1], dtype: i64, values: [2]}
nodes:
  - {op: Shape, in: [x], out: sh}
  - {op: Slice, in: [sh, i1, i2], out: w}
  - {op: Slice, in: [data, i0, w], out: part}
  - {op: Reshape, in: [x, part], out: y}
)";
  ModelParseOptions opts;
  opts.dims["W"] = DimRange{2, 8};
  llvm::Expected<Graph> g = parseModelString(yaml, "test.yaml", ".", opts);
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  llvm::Expected<size_t> n = foldConstants(*g);
  ASSERT_TRUE(bool(n)) << llvm::toString(n.takeError());
  const Value &part = g->values[*g->lookup("part")];
  EXPECT_NE(part.kind, ValueKind::Weight) << "folded with a misread bound";
  llvm::Error e = inferShapes(*g);
  ASSERT_TRUE(bool(e));
  std::string msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("part"), std::string::npos) << msg;
}

TEST(SymbolicFoldTest, OpReadingConstantsOnlyRefusesSymbolicShapeValue) {
  // Unsqueeze reads its axes as constants: a symbolic shape value there is
  // refused with the node, the input and the expressions.
  const char *yaml = R"(tlc: 1
name: axes
inputs:
  - {name: x, shape: [1, W], dtype: f32}
outputs: [y]
constants:
  - {name: i1, shape: [1], dtype: i64, values: [1]}
  - {name: i2, shape: [1], dtype: i64, values: [2]}
nodes:
  - {op: Shape, in: [x], out: sh}
  - {op: Slice, in: [sh, i1, i2], out: w}
  - {op: Unsqueeze, in: [x, w], out: y}
)";
  std::string msg = compileError(yaml, {{"W", DimRange{2, 8}}});
  EXPECT_NE(msg.find("node 'y' (Unsqueeze)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input 1 (axes) is [W], symbolic"), std::string::npos)
      << msg;

  // An op whose shape rule reads constants only (no symbolicShapes, no
  // foldSymbolic) never sees a symbolic shape value: inferOpTypes refuses it.
  const OpDef *resize = lookupOp("Resize");
  ASSERT_NE(resize, nullptr);
  ASSERT_FALSE(resize->symbolicShapes);
  DimExpr w = DimExpr::symbol({"W", 2, 8});
  std::vector<DimExpr> sizes = {1, 1, 4, w};
  std::vector<uint8_t> bytes(32, 0);
  Node node;
  node.op = "Resize";
  node.name = "r";
  llvm::SmallVector<InputInfo, 4> in = {
      {TensorType{DType::F32, {1, 1, 4, 4}}, {}},
      {TensorType{DType::F32, {0}}, {}},
      {TensorType{DType::F32, {0}}, {}},
      {TensorType{DType::I64, {4}}, bytes, sizes}};
  llvm::SmallVector<TensorType, 1> out;
  llvm::Error e = inferOpTypes(*resize, node, in, out);
  ASSERT_TRUE(bool(e));
  std::string m = llvm::toString(std::move(e));
  EXPECT_NE(m.find("input 3 is a shape value with symbolic elements [1x1x4xW]"),
            std::string::npos)
      << m;
}
