// Data-movement ops over shape ranges (docs/shape-ranges.md, issue #14):
// Transpose, Slice, Concat, Gather and Split with symbolic dims in different
// positions, each model compiled once for the range and checked bitwise
// against plans compiled for each exact shape (tests/unit/RangeTestUtil.h),
// plus the refusals that name the node, the op and the dim.
#include "RangeTestUtil.h"

#include "driver/Pipeline.h"
#include "ir/ModelParser.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {

/// Points over two symbols.
std::vector<SymbolValues>
pointsOf2(const char *a, const char *b,
          std::initializer_list<std::pair<int64_t, int64_t>> values) {
  std::vector<SymbolValues> points;
  for (auto [x, y] : values) {
    SymbolValues at;
    at[a] = x;
    at[b] = y;
    points.push_back(at);
  }
  return points;
}

} // namespace

// ---------------------------------------------------------------- Transpose

TEST(SymbolicLayoutTest, TransposeRangePlanMatchesFixed) {
  // W first, in the middle and last, in rank 3 and 4 transposes.
  const char *yaml = R"(tlc: 1
name: transpose
inputs:
  - {name: x, shape: [2, W, 3], dtype: f32}
  - {name: z, shape: [W, 2, 3, 5], dtype: f32}
outputs: [a, b, c, d]
nodes:
  - {op: Transpose, in: [x], out: a, attrs: {perm: [1, 0, 2]}}
  - {op: Transpose, in: [x], out: b}
  - {op: Transpose, in: [z], out: c, attrs: {perm: [1, 2, 3, 0]}}
  - {op: Transpose, in: [z], out: d, attrs: {perm: [0, 3, 1, 2]}}
)";
  expectRangePlanMatchesFixed(yaml, {{"W", DimRange{1, 40}}},
                              pointsOf("W", {1, 40, 7, 23}), 0);
}

TEST(SymbolicLayoutTest, TransposeTwoSymbolsMatchesFixed) {
  const char *yaml = R"(tlc: 1
name: transpose2
inputs:
  - {name: x, shape: [N, 3, W], dtype: f32}
outputs: [a]
nodes:
  - {op: Transpose, in: [x], out: a, attrs: {perm: [2, 0, 1]}}
)";
  expectRangePlanMatchesFixed(
      yaml, {{"N", DimRange{1, 4}}, {"W", DimRange{2, 30}}},
      pointsOf2("N", "W", {{1, 2}, {4, 30}, {3, 17}}), 0);
}

// -------------------------------------------------------------------- Slice

TEST(SymbolicLayoutTest, SliceConstantBoundsOnSymbolicDimsMatchFixed) {
  // Along the symbolic axis: from 1, the last three but one (negative
  // starts and ends become W-relative), an end past the dim (2^62, clamps to W),
  // an end that may or may not be past it (min(W, 5)), reversed, every
  // other element; along a static axis beside the symbolic dim; and W
  // sliced on axis 0 of a rank-4 input through axes/steps.
  const char *yaml = R"(tlc: 1
name: slice
inputs:
  - {name: x, shape: [2, W, 6], dtype: f32}
  - {name: z, shape: [W, 3, 2, 4], dtype: f32}
outputs: [a, b, c, d, e, f, g, h]
constants:
  - {name: s0, shape: [1], dtype: i64, values: [0]}
  - {name: s1, shape: [1], dtype: i64, values: [1]}
  - {name: s2, shape: [1], dtype: i64, values: [2]}
  - {name: e5, shape: [1], dtype: i64, values: [5]}
  - {name: sm3, shape: [1], dtype: i64, values: [-3]}
  - {name: em1, shape: [1], dtype: i64, values: [-1]}
  - {name: big, shape: [1], dtype: i64, values: [4611686018427387904]}
  - {name: nbig, shape: [1], dtype: i64, values: [-4611686018427387904]}
  - {name: ax1, shape: [1], dtype: i64, values: [1]}
  - {name: ax2, shape: [1], dtype: i64, values: [2]}
  - {name: st2, shape: [1], dtype: i64, values: [2]}
  - {name: stm1, shape: [1], dtype: i64, values: [-1]}
  - {name: zs, shape: [2], dtype: i32, values: [1, -2]}
  - {name: ze, shape: [2], dtype: i32, values: [1000, 1000]}
  - {name: za, shape: [2], dtype: i32, values: [0, 3]}
  - {name: zst, shape: [2], dtype: i32, values: [1, 1]}
nodes:
  - {op: Slice, in: [x, s1, big, ax1], out: a}
  - {op: Slice, in: [x, sm3, em1, ax1], out: b}
  - {op: Slice, in: [x, s0, big, ax1], out: c}
  - {op: Slice, in: [x, s0, e5, ax1], out: d}
  - {op: Slice, in: [x, em1, nbig, ax1, stm1], out: e}
  - {op: Slice, in: [x, s1, big, ax1, st2], out: f}
  - {op: Slice, in: [x, s2, e5, ax2], out: g}
  - {op: Slice, in: [z, zs, ze, za, zst], out: h}
)";
  expectRangePlanMatchesFixed(yaml, {{"W", DimRange{3, 40}}},
                              pointsOf("W", {3, 40, 4, 5, 6, 23}), 0);
}

TEST(SymbolicLayoutTest, SliceShapesAreTheExpectedExpressions) {
  const char *yaml = R"(tlc: 1
name: slice
inputs:
  - {name: x, shape: [2, W, 6], dtype: f32}
outputs: [a, b, d, e, f]
constants:
  - {name: s1, shape: [1], dtype: i64, values: [1]}
  - {name: s0, shape: [1], dtype: i64, values: [0]}
  - {name: e5, shape: [1], dtype: i64, values: [5]}
  - {name: sm3, shape: [1], dtype: i64, values: [-3]}
  - {name: em1, shape: [1], dtype: i64, values: [-1]}
  - {name: big, shape: [1], dtype: i64, values: [4611686018427387904]}
  - {name: nbig, shape: [1], dtype: i64, values: [-4611686018427387904]}
  - {name: ax1, shape: [1], dtype: i64, values: [1]}
  - {name: st2, shape: [1], dtype: i64, values: [2]}
  - {name: stm1, shape: [1], dtype: i64, values: [-1]}
nodes:
  - {op: Slice, in: [x, s1, big, ax1], out: a}
  - {op: Slice, in: [x, sm3, em1, ax1], out: b}
  - {op: Slice, in: [x, s0, e5, ax1], out: d}
  - {op: Slice, in: [x, em1, nbig, ax1, stm1], out: e}
  - {op: Slice, in: [x, s1, big, ax1, st2], out: f}
)";
  ModelParseOptions opts;
  opts.dims["W"] = DimRange{3, 40};
  llvm::Expected<Graph> g = parseModelString(yaml, "test.yaml", ".", opts);
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  llvm::Error e = inferShapes(*g);
  ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
  auto shapeOf = [&](const char *name) {
    return g->values[*g->lookup(name)].type.shapeStr();
  };
  EXPECT_EQ(shapeOf("a"), "2x(W-1)x6");
  EXPECT_EQ(shapeOf("b"), "2x2x6");
  EXPECT_EQ(shapeOf("d"), "2xmin(5,W)x6");
  EXPECT_EQ(shapeOf("e"), "2xWx6");
  EXPECT_EQ(shapeOf("f"), "2xfloor(W/2)x6");
}

/// x [1, 1, W, 6] and a constant 8x8 mask cut to [1, 1, W, W] by ends that
/// are the shape value Shape(x)[2] (GPT-2's causal mask[:, :, 0:S, 0:S]).
std::string maskYaml() {
  std::string values;
  for (int i = 0; i < 64; ++i)
    values += (i ? ", " : "") + std::to_string(i * 0.25 - 3);
  return R"(tlc: 1
name: mask
inputs:
  - {name: x, shape: [1, 1, W, 6], dtype: f32}
outputs: [m, t]
constants:
  - {name: mask, shape: [1, 1, 8, 8], dtype: f32, values: [)" +
         values + R"(]}
  - {name: i2, shape: [1], dtype: i64, values: [2]}
  - {name: i3, shape: [1], dtype: i64, values: [3]}
  - {name: zeros, shape: [2], dtype: i64, values: [0, 0]}
  - {name: axes, shape: [2], dtype: i64, values: [2, 3]}
nodes:
  - {op: Shape, in: [x], out: sh}
  - {op: Slice, in: [sh, i2, i3], out: w}
  - {op: Concat, in: [w, w], out: ends, attrs: {axis: 0}}
  - {op: Slice, in: [mask, zeros, ends, axes], out: m}
  - {op: Transpose, in: [x], out: t, attrs: {perm: [0, 1, 3, 2]}}
)";
}

TEST(SymbolicLayoutTest, SliceWithSymbolicEndsMatchesFixed) {
  expectRangePlanMatchesFixed(maskYaml(), {{"W", DimRange{1, 8}}},
                              pointsOf("W", {1, 8, 3, 5}), 0);
}

TEST(SymbolicLayoutTest, SliceRefusesWhatItCannotExpress) {
  auto slice = [](const char *starts, const char *ends) {
    return std::string(R"(tlc: 1
name: bad
inputs:
  - {name: x, shape: [2, W], dtype: f32}
outputs: [y]
constants:
  - {name: i1, shape: [1], dtype: i64, values: [1]}
  - {name: i2, shape: [1], dtype: i64, values: [2]}
  - {name: c, shape: [1], dtype: i64, values: [5]}
  - {name: ax, shape: [1], dtype: i64, values: [1]}
nodes:
  - {op: Shape, in: [x], out: sh}
  - {op: Slice, in: [sh, i1, i2], out: w}
  - {op: Slice, in: [x, )") +
           starts + ", " + ends + R"(, ax], out: y}
)";
  };
  // Starting at 5 of a W that may be smaller: empty for some W.
  std::string msg = compileError(slice("c", "w"), {{"W", DimRange{1, 40}}});
  EXPECT_NE(msg.find("node 'y' (Slice)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dim 1 'W'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no element for some values"), std::string::npos) << msg;
  // A symbolic start: the kernel reads starts from a constant buffer.
  msg = compileError(slice("w", "c"), {{"W", DimRange{1, 40}}});
  EXPECT_NE(msg.find("node 'y' (Slice)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input 1 (starts)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[W]"), std::string::npos) << msg;
}

// ------------------------------------------------------------------- Concat

TEST(SymbolicLayoutTest, ConcatRangePlanMatchesFixed) {
  // Along the symbolic axis (with a static piece and with itself), along a
  // static axis beside it, along axis 0; inputs produced by Transposes, the
  // case the in-place slices (passes/Aliasing.cpp) would otherwise take.
  const char *yaml = R"(tlc: 1
name: concat
inputs:
  - {name: x, shape: [2, W, 3], dtype: f32}
  - {name: y, shape: [2, 4, 3], dtype: f32}
  - {name: z, shape: [2, W, 5], dtype: f32}
  - {name: u, shape: [3, W, 2], dtype: f32}
outputs: [a, b, c, d, e]
nodes:
  - {op: Concat, in: [x, y, x], out: a, attrs: {axis: 1}}
  - {op: Concat, in: [x, x], out: b, attrs: {axis: -2}}
  - {op: Concat, in: [x, z], out: c, attrs: {axis: 2}}
  - {op: Concat, in: [x, x, z], out: d, attrs: {axis: 2}}
  - {op: Transpose, in: [u], out: ut, attrs: {perm: [2, 1, 0]}}
  - {op: Transpose, in: [z], out: zt, attrs: {perm: [0, 2, 1]}}
  - {op: Transpose, in: [ut], out: utt, attrs: {perm: [0, 2, 1]}}
  - {op: Concat, in: [zt, utt], out: e, attrs: {axis: 1}}
)";
  expectRangePlanMatchesFixed(yaml, {{"W", DimRange{1, 40}}},
                              pointsOf("W", {1, 40, 7, 23}), 0);
}

TEST(SymbolicLayoutTest, ConcatRefusesDifferentSymbolicDims) {
  const char *yaml = R"(tlc: 1
name: bad
inputs:
  - {name: x, shape: [2, W], dtype: f32}
  - {name: y, shape: [2, N], dtype: f32}
outputs: [z]
nodes:
  - {op: Concat, in: [x, y], out: z, attrs: {axis: 0}}
)";
  std::string msg = compileError(
      yaml, {{"W", DimRange{1, 8}}, {"N", DimRange{1, 8}}});
  EXPECT_NE(msg.find("node 'z' (Concat)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at dim 1"), std::string::npos) << msg;
}

// ------------------------------------------------------------------- Gather

TEST(SymbolicLayoutTest, GatherRangePlanMatchesFixed) {
  // An embedding lookup of run-time token ids [1, S] -> [1, S, 6]; constant
  // indices (one negative) along the symbolic axis; along a static axis
  // beside a symbolic dim.
  std::string table;
  for (int i = 0; i < 60; ++i)
    table += (i ? ", " : "") + std::to_string(i * 0.5 - 7);
  std::string yaml = R"(tlc: 1
name: gather
inputs:
  - {name: ids, shape: [1, S], dtype: i64}
  - {name: x, shape: [2, S, 3], dtype: f32}
outputs: [emb, a, b]
constants:
  - {name: wte, shape: [10, 6], dtype: f32, values: [)" +
                     table + R"(]}
  - {name: ends, shape: [2], dtype: i64, values: [0, -1]}
  - {name: cols, shape: [2], dtype: i32, values: [2, 0]}
nodes:
  - {op: Gather, in: [wte, ids], out: emb, attrs: {axis: 0}}
  - {op: Gather, in: [x, ends], out: a, attrs: {axis: 1}}
  - {op: Gather, in: [x, cols], out: b, attrs: {axis: 2}}
)";
  expectRangePlanMatchesFixed(yaml, {{"S", DimRange{1, 64}}},
                              pointsOf("S", {1, 64, 9, 31}), 0);
}

TEST(SymbolicLayoutTest, GatherRefusesAnIndexOutsideTheSmallestAxis) {
  const char *yaml = R"(tlc: 1
name: bad
inputs:
  - {name: x, shape: [2, S], dtype: f32}
outputs: [y]
constants:
  - {name: k, shape: [1], dtype: i64, values: [4]}
nodes:
  - {op: Gather, in: [x, k], out: y, attrs: {axis: 1}}
)";
  std::string msg = compileError(yaml, {{"S", DimRange{2, 8}}});
  EXPECT_NE(msg.find("node 'y' (Gather)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("axis of size S (at least 2)"), std::string::npos) << msg;
}

// -------------------------------------------------------------------- Split

TEST(SymbolicLayoutTest, SplitRangePlanMatchesFixed) {
  // Constant pieces along a static axis beside the symbolic dim; equal
  // pieces along axis 0; a symbolic axis 2*W cut into two W.
  const char *yaml = R"(tlc: 1
name: split
inputs:
  - {name: x, shape: [2, W, 6], dtype: f32}
outputs: [a, b, c, d, e, f]
constants:
  - {name: parts, shape: [2], dtype: i64, values: [2, 4]}
nodes:
  - {op: Split, in: [x, parts], out: [a, b], attrs: {axis: 2}}
  - {op: Split, in: [x], out: [c, d], attrs: {axis: 0}}
  - {op: Concat, in: [x, x], out: xx, attrs: {axis: 1}}
  - {op: Split, in: [xx], out: [e, f], attrs: {axis: 1}}
)";
  expectRangePlanMatchesFixed(yaml, {{"W", DimRange{1, 40}}},
                              pointsOf("W", {1, 40, 7, 23}), 0);
}

TEST(SymbolicLayoutTest, SplitRefusesConstantPiecesOfASymbolicAxis) {
  const char *yaml = R"(tlc: 1
name: bad
inputs:
  - {name: x, shape: [2, W], dtype: f32}
outputs: [a, b]
constants:
  - {name: parts, shape: [2], dtype: i64, values: [1, 1]}
nodes:
  - {op: Split, in: [x, parts], out: [a, b], attrs: {axis: 1}}
)";
  std::string msg = compileError(yaml, {{"W", DimRange{2, 2}}});
  EXPECT_EQ(msg, "") << "W = 2 exactly is static";
  msg = compileError(yaml, {{"W", DimRange{2, 8}}});
  EXPECT_NE(msg.find("node 'a' (Split)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("('W') is symbolic"), std::string::npos) << msg;
}
