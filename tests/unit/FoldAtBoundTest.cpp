// Tensors that read only the symbols (passes/FoldAtBound.cpp): a causal mask
// and position embeddings built from Shape/Range/LessOrEqual/Where/Gather
// with a symbolic length are computed at the bound and sliced on the device.
// The range plan must match plans compiled for exact lengths (where the same
// subgraphs fold to constants) at every tested length; a tensor that is not
// the leading block of its value at the bound is refused, naming the node.
#include "RangeTestUtil.h"

#include "driver/Pipeline.h"
#include "ir/ModelParser.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {

/// x: [1, S, 4] plus position embeddings table[Range(0, S)]; scores: [S, S]
/// plus a causal mask Where(cols <= rows, 0, -1000).
const char *kMaskModel = R"(tlc: 1
name: mask
inputs:
  - {name: x, shape: [1, S, 4], dtype: f32}
  - {name: scores, shape: [S, S], dtype: f32}
outputs: [y, z]
constants:
  - {name: table, shape: [16, 4], dtype: f32, values: [0.0, 0.1, 0.2, 0.3, 1.0, 1.1, 1.2, 1.3, 2.0, 2.1, 2.2, 2.3, 3.0, 3.1, 3.2, 3.3, 4.0, 4.1, 4.2, 4.3, 5.0, 5.1, 5.2, 5.3, 6.0, 6.1, 6.2, 6.3, 7.0, 7.1, 7.2, 7.3, 8.0, 8.1, 8.2, 8.3, 9.0, 9.1, 9.2, 9.3, 10.0, 10.1, 10.2, 10.3, 11.0, 11.1, 11.2, 11.3, 12.0, 12.1, 12.2, 12.3, 13.0, 13.1, 13.2, 13.3, 14.0, 14.1, 14.2, 14.3, 15.0, 15.1, 15.2, 15.3]}
  - {name: zero, shape: [], dtype: i64, values: [0]}
  - {name: one, shape: [], dtype: i64, values: [1]}
  - {name: i1, shape: [1], dtype: i64, values: [1]}
  - {name: ax0, shape: [1], dtype: i64, values: [0]}
  - {name: ax1, shape: [1], dtype: i64, values: [1]}
  - {name: keep, shape: [], dtype: f32, values: [0.0]}
  - {name: drop, shape: [], dtype: f32, values: [-1000.0]}
nodes:
  - {op: Shape, in: [x], out: sh}
  - {op: Gather, in: [sh, one], out: len, attrs: {axis: 0}}
  - {op: Range, in: [zero, len, one], out: pos}
  - {op: Gather, in: [table, pos], out: pe, attrs: {axis: 0}}
  - {op: Unsqueeze, in: [pe, ax0], out: pe3}
  - {op: Add, in: [x, pe3], out: y}
  - {op: Unsqueeze, in: [pos, ax1], out: rows}
  - {op: Unsqueeze, in: [pos, ax0], out: cols}
  - {op: LessOrEqual, in: [cols, rows], out: causal}
  - {op: Where, in: [causal, keep, drop], out: mask}
  - {op: Add, in: [scores, mask], out: z}
)";

} // namespace

TEST(FoldAtBoundTest, MaskAndPositionsMatchFixedPlansAtEveryTestedLength) {
  expectRangePlanMatchesFixed(kMaskModel, {{"S", DimRange{1, 16}}},
                              pointsOf("S", {1, 16, 7, 2, 13}), 0);
}

TEST(FoldAtBoundTest, TensorThatIsNotALeadingBlockIsRefused) {
  // pos / S: its values at S=7 are not those at S=16 cut short.
  const char *yaml = R"(tlc: 1
name: scaled
inputs:
  - {name: x, shape: [1, S], dtype: f32}
outputs: [y]
constants:
  - {name: zero, shape: [], dtype: i64, values: [0]}
  - {name: one, shape: [], dtype: i64, values: [1]}
nodes:
  - {op: Shape, in: [x], out: sh}
  - {op: Gather, in: [sh, one], out: len, attrs: {axis: 0}}
  - {op: Range, in: [zero, len, one], out: pos}
  - {op: Cast, in: [pos], out: posf, attrs: {to: 1}}
  - {op: Cast, in: [len], out: lenf, attrs: {to: 1}}
  - {op: Div, in: [posf, lenf], out: frac}
  - {op: Add, in: [x, frac], out: y}
)";
  std::string msg = compileError(yaml, {{"S", DimRange{1, 16}}});
  EXPECT_NE(msg.find("node 'frac' (Div)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not the leading block"), std::string::npos) << msg;
}
