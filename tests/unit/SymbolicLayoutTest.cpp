// Data-movement ops over shape ranges (docs/shape-ranges.md, issue #14):
// Transpose with symbolic dims in different positions, each model compiled
// once for the range and checked bitwise against plans compiled for each
// exact shape (tests/unit/RangeTestUtil.h).
#include "RangeTestUtil.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {

/// Points {name: value} for one symbol.
std::vector<SymbolValues> pointsOf(const char *name,
                                   std::initializer_list<int64_t> values) {
  std::vector<SymbolValues> points;
  for (int64_t v : values) {
    SymbolValues at;
    at[name] = v;
    points.push_back(at);
  }
  return points;
}

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

