// Shape ranges: every symbolic shape that shape inference derives, evaluated
// at a value of its symbol, must equal the static shape that inference
// derives for a model compiled at that value (the static shape rules are
// the reference), for every value in the range.
#include "RangeTestUtil.h"

#include "ir/ModelParser.h"
#include "ops/Window2D.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {
std::string convPoolModel(int stride, int pad, int pool, int poolStride,
                          int ceil) {
  return "tlc: 1\nname: m\ninputs:\n"
         "  - {name: x, shape: [2, 1, 5, W], dtype: f32}\n"
         "outputs: [y]\nconstants:\n"
         "  - {name: k, shape: [1, 1, 3, 3], dtype: f32, values: [1, 2, 3, "
         "4, 5, 6, 7, 8, 9]}\n"
         "nodes:\n"
         "  - {op: Conv, in: [x, k], out: c, attrs: {strides: [1, " +
         std::to_string(stride) + "], pads: [1, " + std::to_string(pad) +
         ", 1, " + std::to_string(pad) +
         "]}}\n"
         "  - {op: Relu, in: [c], out: r}\n"
         "  - {op: MaxPool, in: [r], out: p, attrs: {kernel_shape: [1, " +
         std::to_string(pool) + "], strides: [1, " +
         std::to_string(poolStride) + "], ceil_mode: " +
         std::to_string(ceil) +
         "}}\n"
         "  - {op: Flatten, in: [p], out: y, attrs: {axis: 1}}\n";
}
} // namespace

TEST(SymbolicShapeTest, ConvPoolFlattenMatchStaticShapesEverywhere) {
  for (int stride : {1, 2, 3})
    for (int pad : {0, 1, 2})
      for (int pool : {2, 3})
        for (int poolStride : {1, 2, 3})
          for (int ceil : {0, 1}) {
            SCOPED_TRACE(convPoolModel(stride, pad, pool, poolStride, ceil));
            expectShapesMatchStatic(
                convPoolModel(stride, pad, pool, poolStride, ceil), "W", 9, 40);
          }
}

TEST(SymbolicShapeTest, WindowFormulaMatchesStaticOneEveryInput) {
  for (int64_t k : {1, 2, 3, 5})
    for (int64_t s : {1, 2, 3})
      for (int64_t pb : {0, 1, 2})
        for (bool ceil : {false, true}) {
          Window2D sym;
          sym.kernel[1] = k;
          sym.stride[1] = s;
          sym.padBegin[1] = pb;
          sym.padEnd[1] = pb > 0 ? pb - 1 : 0;
          if (ceil && (pb >= k || sym.padEnd[1] >= k))
            continue; // pools need pads smaller than the kernel
          DimExpr w = DimExpr::symbol({"W", 5, 60});
          ASSERT_FALSE(bool(computeWindowOutput(sym, DimExpr(4), w, ceil)));
          for (int64_t v = 5; v <= 60; ++v) {
            Window2D st = sym;
            ASSERT_FALSE(bool(computeWindowOutput(st, 4, v, ceil)));
            SymbolValues at;
            at["W"] = v;
            EXPECT_EQ(llvm::cantFail(sym.outDim[1].evaluate(at)), st.out[1])
                << sym.outDim[1].str() << " at W=" << v << " k=" << k
                << " s=" << s << " pb=" << pb << " ceil=" << ceil;
          }
        }
}

TEST(SymbolicShapeTest, OpsWithoutSymbolicRulesRefuseWithTheDim) {
  const char *yaml = "tlc: 1\nname: m\ndims: {N: [1, 8]}\ninputs:\n"
                     "  - {name: x, shape: [N, 4], dtype: f32}\n"
                     "outputs: [y]\nconstants:\n"
                     "  - {name: w, shape: [4, 2], dtype: f32, values: [1, "
                     "2, 3, 4, 5, 6, 7, 8]}\n"
                     "nodes:\n  - {op: ConvTranspose, in: [x, w], out: y}\n";
  llvm::Expected<Graph> g = parseModelString(yaml, "m.yaml", ".", {});
  ASSERT_TRUE(bool(g)) << llvm::toString(g.takeError());
  llvm::Error e = inferShapes(*g);
  ASSERT_TRUE(bool(e));
  std::string msg = llvm::toString(std::move(e));
  EXPECT_NE(msg.find("input 0 dim 0 ('N') is symbolic"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("ConvTranspose"), std::string::npos) << msg;
}
