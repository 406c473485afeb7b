//===- tests/unit/FuseReduceLayerNormTest.cpp - LayerNorm into SplitKReduce ===//
//
// passes/FuseReduceLayerNorm.cpp and SplitKReduce's layer_norm epilogue
// (shaders/splitk_reduce_ln.comp): a transformer's residual projection
//   Gemm(x, W, b) -> Reshape -> Add(residual) -> LayerNormalization
// compiled for the "gpu" target becomes GemmSplitK + one SplitKReduce that
// writes both the residual stream and its normalization. Each graph runs on
// the default device (lavapipe, validation on) and is compared with the
// unfused graph evaluated by the ops' CPU references (relative L2 <= 1e-5);
// the "cpu" target keeps the unfused LayerNormalization. Variants: with and
// without LayerNormalization bias, N not a multiple of 4 (scalar path), and
// chains the pass must leave alone.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "OpTestUtil.h"

#include "passes/Passes.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

ValueId intWeight(tt::GraphBuilder &b, const std::string &name,
                  std::vector<int64_t> v) {
  Value w;
  w.name = name;
  w.kind = ValueKind::Weight;
  w.type = TensorType{DType::I64, {int64_t(v.size())}};
  w.hasType = true;
  w.data.resize(v.size() * sizeof(int64_t));
  std::memcpy(w.data.data(), v.data(), w.data.size());
  return cantFail(b.graph().addValue(std::move(w)));
}

struct Options {
  int64_t m = 64, n = 256, k = 1536;
  bool lnBias = true;
  int64_t lnAxis = -1;
};

/// x [M, K] -> Gemm(W, b) -> Reshape [1, M, N] -> Add(r) = h (output) ->
/// LayerNormalization = ln (output). Inputs: x, r.
Graph block(const Options &o) {
  tt::GraphBuilder b;
  ValueId x = b.input("x", {o.m, o.k});
  ValueId r = b.input("r", {1, o.m, o.n});
  ValueId w = b.weight("w", tt::randomTensor({o.k, o.n}, 1, -0.1f, 0.1f));
  ValueId bias = b.weight("bias", tt::randomTensor({o.n}, 2));
  ValueId y = b.node("Gemm", {x, w, bias}, "proj");
  y = b.node("Reshape", {y, intWeight(b, "shape", {1, o.m, o.n})}, "proj3");
  ValueId h = b.node("Add", {y, r}, "h");
  // Scale and B cover the normalized dims: [N] for the last axis, [M, N]
  // from axis 1.
  Shape normalized = o.lnAxis == 1 ? Shape{o.m, o.n} : Shape{o.n};
  std::vector<ValueId> lnIn = {
      h, b.weight("gamma", tt::randomTensor(normalized, 3, 0.5f, 1.5f))};
  if (o.lnBias)
    lnIn.push_back(b.weight("beta", tt::randomTensor(normalized, 4)));
  Attributes a;
  a.values["axis"] = o.lnAxis;
  a.values["epsilon"] = 1e-5;
  ValueId ln = b.node("LayerNormalization", lnIn, "ln", a);
  b.output(h);
  b.output(ln);
  return b.take();
}

/// Compiles \p g for both targets, runs it and compares with the unfused
/// reference; the gpu plan must have \p fused splitk_reduce_ln dispatches.
void expectMatchesUnfused(const Graph &g, const Options &o, size_t fused) {
  std::vector<HostTensor> in = {tt::randomTensor({o.m, o.k}, 5),
                                tt::randomTensor({1, o.m, o.n}, 6, -2.0f, 2.0f)};
  auto ref = tt::runGraphReference(g, in);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  for (const char *target : {"cpu", "gpu"}) {
    SCOPED_TRACE(target);
    Plan plan;
    auto dev = tt::runGraphOnDevice(g, target, in, &plan);
    ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
    bool gpu = StringRef(target) == "gpu";
    EXPECT_EQ(tt::countDispatches(plan, "splitk_reduce_ln"), gpu ? fused : 0);
    // Folded: no LayerNormalization dispatch of its own.
    EXPECT_EQ(tt::countDispatches(plan, "layernorm") +
                  tt::countDispatches(plan, "layernorm_subgroup"),
              gpu ? 1 - fused : 1);
    ASSERT_EQ(dev->size(), ref->size());
    for (size_t i = 0; i < ref->size(); ++i) {
      ASSERT_EQ((*dev)[i].type, (*ref)[i].type);
      EXPECT_LE(tt::relativeL2((*dev)[i], (*ref)[i]), tt::kTolerance)
          << "output " << i;
    }
  }
}

TEST(FuseReduceLayerNorm, ResidualProjectionAndLayerNormAreOneDispatch) {
  Options o;
  expectMatchesUnfused(block(o), o, 1);
}

TEST(FuseReduceLayerNorm, WithoutLayerNormBias) {
  Options o;
  o.lnBias = false;
  expectMatchesUnfused(block(o), o, 1);
}

TEST(FuseReduceLayerNorm, RowsNotMultipleOf4UseTheScalarPath) {
  Options o;
  o.n = 250;
  o.k = 1000;
  expectMatchesUnfused(block(o), o, 1);
}

TEST(FuseReduceLayerNorm, LayerNormOverMoreThanTheLastAxisStays) {
  // axis 1 of [1, M, N] normalizes M x N elements per row: not the
  // reduction's rows.
  Options o;
  o.lnAxis = 1;
  expectMatchesUnfused(block(o), o, 0);
}

TEST(FuseReduceLayerNorm, OnlyForTheGpuTarget) {
  Options o;
  Graph g = block(o);
  ASSERT_FALSE(bool(inferShapes(g)));
  KernelTarget cpu = cantFail(kernelTargetByName("cpu"));
  EXPECT_EQ(fuseReduceLayerNorm(g, cpu), 0u);
}

TEST(FuseReduceLayerNorm, ShapeRuleErrors) {
  // SplitKReduce with layer_norm = 1: Scale must be [N].
  Attributes a;
  a.values["layer_norm"] = int64_t(1);
  a.values["ln_bias"] = int64_t(0);
  std::string err = tt::shapeRule("SplitKReduce", a,
                                  {tt::f32({2, 4, 8}), tt::f32({7})});
  EXPECT_NE(err.find("Scale"), std::string::npos) << err;
  EXPECT_NE(err.find("[8]"), std::string::npos) << err;
  a.values["layer_norm"] = int64_t(2);
  err = tt::shapeRule("SplitKReduce", a, {tt::f32({2, 4, 8}), tt::f32({8})});
  EXPECT_NE(err.find("layer_norm"), std::string::npos) << err;
  a.values["layer_norm"] = int64_t(1);
  EXPECT_EQ(tt::shapeRule("SplitKReduce", a,
                          {tt::f32({2, 4, 8}), tt::f32({8})}),
            "");
}

} // namespace
