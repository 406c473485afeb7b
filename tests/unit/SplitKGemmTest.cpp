//===- tests/unit/SplitKGemmTest.cpp - Split-K and the Gemm residual ------===//
//
// GemmSplitK, SplitKReduce and GemmResidual against their CPU references
// (one-node graphs on the default device, validation on), the split-K rule
// (chooseSplitKSlice), the residual fusion of passes/FuseEpilogues.cpp on
// small graphs (what fuses, what must not), and whole graphs
// Gemm -> Unsqueeze -> Add(Z) compiled for both kernel targets ("gpu":
// fusion and split-K; "cpu": fusion only) against an independent naive
// double-precision GEMM written here. Shapes cover M and N that are not
// multiples of any tile, K that is not a multiple of the slice count, with
// and without bias and residual, transposed A and B, and the residual
// written in place over a dying Z. Tolerance: relative L2 <= 1e-5.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "ops/Verifier.h"
#include "OpTestUtil.h"

#include "ops/GemmKernel.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::gemmAttrs;
using tt::OpOperand;

namespace {

using Strings = std::vector<std::string>;

std::vector<std::string> ops(const Graph &g) {
  std::vector<std::string> r;
  for (const Node &n : g.nodes)
    r.push_back(n.op);
  return r;
}

/// Adds the i64 weight \p name holding \p v (shape [v.size()]).
ValueId i64Weight(Graph &g, const std::string &name,
                  const std::vector<int64_t> &v) {
  Value w;
  w.name = name;
  w.kind = ValueKind::Weight;
  w.type = TensorType{DType::I64, {int64_t(v.size())}};
  w.hasType = true;
  w.data.resize(v.size() * 8);
  std::memcpy(w.data.data(), v.data(), w.data.size());
  return cantFail(g.addValue(std::move(w)));
}

/// Naive GEMM in double: alpha * op(A) * op(B) + beta * bias[col] (when
/// \p bias is non-null, shape [N]) + z (when non-null, M * N elements).
std::vector<float> naiveGemm(int64_t m, int64_t n, int64_t k, bool ta, bool tb,
                             double alpha, double beta, const HostTensor &a,
                             const HostTensor &b, const HostTensor *bias,
                             const std::vector<float> *z) {
  std::vector<float> y(size_t(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t l = 0; l < k; ++l)
        acc += double(ta ? a.f32()[l * m + i] : a.f32()[i * k + l]) *
               double(tb ? b.f32()[j * k + l] : b.f32()[l * n + j]);
      double v = alpha * acc;
      if (bias)
        v += beta * bias->f32()[j];
      if (z)
        v += (*z)[i * n + j];
      y[i * n + j] = float(v);
    }
  return y;
}

TEST(SplitKRule, SplitsOnlySmallOutputsWithLongK) {
  KernelTarget gpu = cantFail(kernelTargetByName("gpu"));
  KernelTarget cpu = cantFail(kernelTargetByName("cpu"));
  GemmKernelArgs down; // GPT-2's MLP down-projection
  down.m = 128;
  down.n = 768;
  down.k = 3072;
  uint32_t slice = chooseSplitKSlice(down, gpu);
  EXPECT_GE(slice, kSplitKMinSlice);
  EXPECT_EQ(slice % 16, 0u);
  EXPECT_LT(slice, down.k);
  EXPECT_EQ(chooseSplitKSlice(down, cpu), 0u); // lavapipe gains nothing
  GemmKernelArgs big;
  big.m = big.n = big.k = 4096; // enough tiles
  EXPECT_EQ(chooseSplitKSlice(big, gpu), 0u);
  GemmKernelArgs shortK = down;
  shortK.k = 2 * kSplitKMinSlice - 1; // no room for two slices
  EXPECT_EQ(chooseSplitKSlice(shortK, gpu), 0u);
  GemmKernelArgs batched = down;
  batched.batchDims[0] = 2;
  EXPECT_EQ(chooseSplitKSlice(batched, gpu), 0u);
}

TEST(SplitKRule, LargestBlockNeedsEnoughWorkgroups) {
  KernelTarget gpu = cantFail(kernelTargetByName("gpu"));
  GemmKernelArgs lmHead; // GPT-2's LM head: 393 blocks of 128x128
  lmHead.m = 128;
  lmHead.n = 50257;
  lmHead.k = 768;
  EXPECT_EQ(chooseGemmTiles(lmHead, gpu).str(), "64x128x8/8x8");
  EXPECT_EQ(chooseSplitKSlice(lmHead, gpu), 0u); // 786 blocks: no split
  GemmKernelArgs big;
  big.m = big.n = big.k = 4096; // 1024 blocks
  EXPECT_EQ(chooseGemmTiles(big, gpu).str(), "128x128x8/8x8");
}

TEST(SplitKOps, GemmSplitKMatchesReference) {
  // Every transpose with short slices; one slice of all of K.
  const int64_t cases[][3] = {
      {0, 0, 5}, {0, 1, 5}, {1, 0, 5}, {1, 1, 16}, {0, 1, 37}};
  for (const auto &cs : cases) {
    int64_t ta = cs[0], tb = cs[1], slice = cs[2];
    // Odd sizes: partial tiles, scalar loads, a short last slice.
    int64_t m = 33, n = 19, k = 37;
    Attributes at = gemmAttrs(0.5, 1, ta, tb);
    at.values.erase("beta");
    at.values["k_slice"] = slice;
    SCOPED_TRACE("transA " + std::to_string(ta) + " transB " +
                 std::to_string(tb) + " k_slice " + std::to_string(slice));
    tt::expectDeviceMatchesReference(
        "GemmSplitK", at,
        {{tt::randomTensor(ta ? Shape{k, m} : Shape{m, k}, 1)},
         {tt::randomTensor(tb ? Shape{n, k} : Shape{k, n}, 2), true}});
  }
  // Multiples of 4: vec4 loads through the slice strides.
  Attributes at;
  at.values["k_slice"] = int64_t(48);
  tt::expectDeviceMatchesReference(
      "GemmSplitK", at,
      {{tt::randomTensor({64, 160}, 3)}, {tt::randomTensor({160, 96}, 4)}});
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("GemmSplitK", at,
                          {tt::f32({64, 160}), tt::f32({160, 96})}, &out),
            "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, (Shape{4, 64, 96})); // ceil(160 / 48) slices
  at.values["k_slice"] = int64_t(0);
  EXPECT_NE(
      tt::shapeRule("GemmSplitK", at, {tt::f32({64, 160}), tt::f32({160, 96})}),
      "");
}

TEST(SplitKOps, SplitKReduceMatchesReference) {
  for (int64_t n : {20, 19}) { // vec4 and scalar paths
    int64_t s = 3, m = 7;
    HostTensor p = tt::randomTensor({s, m, n}, 5);
    Attributes plain;
    tt::expectDeviceMatchesReference("SplitKReduce", plain, {{p}});
    for (Shape c : {Shape{n}, Shape{m, 1}, Shape{m, n}, Shape{1}}) {
      Attributes at;
      at.values["beta"] = 0.5;
      tt::expectDeviceMatchesReference("SplitKReduce", at,
                                       {{p}, {tt::randomTensor(c, 6), true}});
      at.values["residual"] = int64_t(1);
      tt::expectDeviceMatchesReference("SplitKReduce", at,
                                       {{p},
                                        {tt::randomTensor(c, 6), true},
                                        {tt::randomTensor({1, m, n}, 7)}});
    }
    Attributes res;
    res.values["residual"] = int64_t(1);
    tt::expectDeviceMatchesReference("SplitKReduce", res,
                                     {{p}, {tt::randomTensor({m * n}, 8)}});
    EXPECT_NE(tt::shapeRule("SplitKReduce", res,
                            {tt::f32({s, m, n}), tt::f32({m, n + 1})}),
              "");
    // Attribute shape: Y's shape without a residual.
    Attributes shaped;
    shaped.values["shape"] = std::vector<int64_t>{1, m, n};
    std::vector<TensorType> out;
    EXPECT_EQ(tt::shapeRule("SplitKReduce", shaped, {tt::f32({s, m, n})}, &out),
              "");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].shape, (Shape{1, m, n}));
    shaped.values["shape"] = std::vector<int64_t>{m, n + 1};
    EXPECT_NE(tt::shapeRule("SplitKReduce", shaped, {tt::f32({s, m, n})}), "");
  }
}

TEST(SplitKOps, GemmResidualMatchesReference) {
  int64_t m = 37, n = 22, k = 29;
  for (int64_t tb = 0; tb < 2; ++tb) {
    std::vector<OpOperand> in = {
        {tt::randomTensor({m, k}, 9)},
        {tt::randomTensor(tb ? Shape{n, k} : Shape{k, n}, 10), true},
        {tt::randomTensor({1, m, n}, 11)}};
    tt::expectDeviceMatchesReference("GemmResidual", gemmAttrs(1.5, 1, 0, tb),
                                     in);
    in.push_back({tt::randomTensor({n}, 12), true});
    tt::expectDeviceMatchesReference("GemmResidual", gemmAttrs(1, -0.5, 0, tb),
                                     in);
  }
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule(
                "GemmResidual", Attributes(),
                {tt::f32({m, k}), tt::f32({k, n}), tt::f32({1, m, n})}, &out),
            "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, (Shape{1, m, n}));
  EXPECT_NE(
      tt::shapeRule("GemmResidual", Attributes(),
                    {tt::f32({m, k}), tt::f32({k, n}), tt::f32({m, n + 1})}),
      "");
}

/// Gemm(x, w[, bias]) -> Unsqueeze to [1, M, N] -> Add(z) -> y. With
/// \p zFromRelu, z is Relu(zin) (an intermediate that dies at the Add: the
/// residual may be written in place over it), else the input zin itself.
struct ResidualGraph {
  Graph g;
  ValueId gemm = 0, zin = 0;
};

ResidualGraph residualGraph(int64_t m, int64_t n, int64_t k, bool tb,
                            const HostTensor &w, const HostTensor *bias,
                            bool residual, bool zFromRelu) {
  tt::GraphBuilder b;
  ResidualGraph r;
  ValueId x = b.input("x", {m, k});
  if (residual)
    r.zin = b.input("zin", {1, m, n});
  std::vector<ValueId> gin = {x, b.weight("w", w)};
  if (bias)
    gin.push_back(b.weight("bias", *bias));
  r.gemm = b.node("Gemm", gin, "g", gemmAttrs(1, 1, 0, tb));
  if (!residual) {
    b.output(r.gemm);
    r.g = b.take();
    return r;
  }
  ValueId axes = i64Weight(b.graph(), "axes", {0});
  ValueId view = b.node("Unsqueeze", {r.gemm, axes}, "v");
  ValueId z = zFromRelu ? b.node("Relu", {r.zin}, "z") : r.zin;
  b.output(b.node("Add", {z, view}, "y"));
  r.g = b.take();
  return r;
}

TEST(SplitKGraphs, MatchNaiveGemmOnBothTargets) {
  struct Case {
    int64_t m, n, k;
    bool tb, bias, residual, zFromRelu;
  };
  const Case cases[] = {
      {37, 70, 1000, false, true, true, true},  // K not a multiple of S
      {37, 70, 1000, true, false, true, false}, // transB, no bias
      {100, 64, 777, true, true, false, false}, // no residual
      {128, 96, 1536, false, true, true, true}, // vec4 everywhere
      {5, 3, 600, false, false, false, false},  // scalar, tiny N
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(std::to_string(c.m) + "x" + std::to_string(c.n) + "x" +
                 std::to_string(c.k) + (c.tb ? " transB" : "") +
                 (c.bias ? " bias" : "") + (c.residual ? " residual" : "") +
                 (c.zFromRelu ? " (in place)" : ""));
    HostTensor x = tt::randomTensor({c.m, c.k}, 20);
    HostTensor w =
        tt::randomTensor(c.tb ? Shape{c.n, c.k} : Shape{c.k, c.n}, 21);
    HostTensor bias = tt::randomTensor({c.n}, 22);
    HostTensor zin = tt::randomTensor({1, c.m, c.n}, 23);
    std::vector<float> z = zin.f32();
    if (c.zFromRelu)
      for (float &v : z)
        v = std::max(v, 0.0f);
    HostTensor want(tt::f32(c.residual ? Shape{1, c.m, c.n} : Shape{c.m, c.n}));
    tlc::testing::assignF32(want, naiveGemm(c.m, c.n, c.k, false, c.tb, 1, 1, x, w,
                          c.bias ? &bias : nullptr, c.residual ? &z : nullptr));
    std::vector<HostTensor> inputs = {x};
    if (c.residual)
      inputs.push_back(zin);
    for (const char *target : {"gpu", "cpu"}) {
      SCOPED_TRACE(target);
      ResidualGraph r =
          residualGraph(c.m, c.n, c.k, c.tb, w, c.bias ? &bias : nullptr,
                        c.residual, c.zFromRelu);
      Plan plan;
      auto outs = tt::runGraphOnDevice(r.g, target, inputs, &plan);
      ASSERT_TRUE(bool(outs)) << toString(outs.takeError());
      ASSERT_EQ(outs->size(), 1u);
      EXPECT_EQ((*outs)[0].type, want.type);
      EXPECT_LE(tt::relativeL2((*outs)[0], want), tt::kTolerance)
          << "max abs diff " << tt::maxAbsDiff((*outs)[0], want);
      // The residual Add is fused: no binary.comp dispatch remains.
      EXPECT_EQ(tt::countDispatches(plan, "binary"), 0u);
      bool gpu = StringRef(target) == "gpu";
      // Every case has too few tiles and K >= 2 * kSplitKMinSlice.
      EXPECT_EQ(tt::countDispatches(plan, "splitk_reduce"),
                gpu ? 1u : (c.bias && c.residual ? 1u : 0u));
    }
  }
}

TEST(SplitKGraphs, MatMulByAMatrixMatchesNaiveGemm) {
  // A [1, M, K] (rows flattened through a view) and A [M, K], times B
  // [K, N]; K not a multiple of the slice count, N not of 4.
  int64_t m = 37, n = 70, k = 1000;
  HostTensor w = tt::randomTensor({k, n}, 50);
  for (Shape aShape : {Shape{1, m, k}, Shape{m, k}}) {
    SCOPED_TRACE("A of rank " + std::to_string(aShape.size()));
    HostTensor x = tt::randomTensor(aShape, 51);
    HostTensor want(tt::f32(aShape.size() == 3 ? Shape{1, m, n} : Shape{m, n}));
    tlc::testing::assignF32(want, naiveGemm(m, n, k, false, false, 1, 0, x, w, nullptr, nullptr));
    tt::GraphBuilder b;
    ValueId xv = b.input("x", aShape);
    b.output(b.node("MatMul", {xv, b.weight("w", w)}, "y"));
    Graph g = b.take();
    Plan plan;
    auto outs = tt::runGraphOnDevice(g, "gpu", {x}, &plan);
    ASSERT_TRUE(bool(outs)) << toString(outs.takeError());
    EXPECT_EQ((*outs)[0].type, want.type);
    EXPECT_LE(tt::relativeL2((*outs)[0], want), tt::kTolerance);
    EXPECT_EQ(tt::countDispatches(plan, "splitk_reduce"), 1u);
    EXPECT_EQ(tt::countDispatches(plan), 2u); // the view costs nothing
  }
  // Batched B (attention scores): left alone.
  tt::GraphBuilder b;
  ValueId q = b.input("q", {2, 8, 600});
  b.output(b.node("MatMul", {q, b.input("k", {2, 600, 8})}, "s"));
  Graph g = b.take();
  ASSERT_FALSE(bool(inferShapes(g)));
  EXPECT_EQ(splitK(g, cantFail(kernelTargetByName("gpu"))), 0u);
}

TEST(FuseGemmResidual, GemmViewAddBecomesOneNode) {
  int64_t m = 4, n = 6, k = 5;
  HostTensor w = tt::randomTensor({k, n}, 30), bias = tt::randomTensor({n}, 31);
  ResidualGraph r = residualGraph(m, n, k, false, w, &bias, true, false);
  ASSERT_FALSE(bool(inferShapes(r.g)));
  EXPECT_EQ(fuseEpilogues(r.g), 1u);
  ASSERT_FALSE(bool(verifyGraph(r.g)));
  ASSERT_EQ(ops(r.g), Strings{"GemmResidual"});
  const Node &f = r.g.nodes[0];
  ASSERT_EQ(f.inputs.size(), 4u); // A, B, Z, C
  EXPECT_EQ(f.inputs[2], r.zin);
  EXPECT_EQ(r.g.values[f.inputs[3]].name, "bias");
  EXPECT_EQ(r.g.values[f.outputs[0]].name, "y");
  EXPECT_EQ(r.g.values[f.outputs[0]].type.shape, (Shape{1, m, n}));
}

TEST(FuseGemmResidual, LeavesUnsafeChainsAlone) {
  int64_t m = 4, n = 6, k = 6;
  HostTensor w = tt::randomTensor({k, n}, 32);
  // The Gemm's output is also a graph output.
  {
    ResidualGraph r = residualGraph(m, n, k, false, w, nullptr, true, false);
    r.g.outputs.push_back(r.gemm);
    ASSERT_FALSE(bool(inferShapes(r.g)));
    EXPECT_EQ(fuseEpilogues(r.g), 0u);
  }
  // A broadcast Add (a bias, not a residual of the output's shape).
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {m, k});
    ValueId g = b.node("Gemm", {x, b.weight("w", w)}, "g");
    b.output(b.node("Add", {g, b.input("r", {n})}, "y"));
    Graph gr = b.take();
    ASSERT_FALSE(bool(inferShapes(gr)));
    EXPECT_EQ(fuseEpilogues(gr), 0u);
  }
  // Z is A itself (Y in place over Z would overwrite what the GEMM reads).
  {
    tt::GraphBuilder b;
    ValueId x = b.input("x", {m, k});
    ValueId g = b.node("Gemm", {x, b.weight("w", w)}, "g");
    b.output(b.node("Add", {g, x}, "y"));
    Graph gr = b.take();
    ASSERT_FALSE(bool(inferShapes(gr)));
    EXPECT_EQ(fuseEpilogues(gr), 0u);
  }
}

TEST(SplitKPass, RewritesOnlyForTheGpuTarget) {
  int64_t m = 37, n = 70, k = 1000;
  HostTensor w = tt::randomTensor({k, n}, 40), bias = tt::randomTensor({n}, 41);
  for (const char *target : {"cpu", "gpu"}) {
    ResidualGraph r = residualGraph(m, n, k, false, w, &bias, true, true);
    ASSERT_FALSE(bool(inferShapes(r.g)));
    fuseEpilogues(r.g);
    size_t split = splitK(r.g, cantFail(kernelTargetByName(target)));
    ASSERT_FALSE(bool(verifyGraph(r.g)));
    if (StringRef(target) == "cpu") {
      EXPECT_EQ(split, 0u);
      EXPECT_EQ(ops(r.g), (Strings{"Relu", "GemmResidual"}));
      continue;
    }
    EXPECT_EQ(split, 1u);
    ASSERT_EQ(ops(r.g), (Strings{"Relu", "GemmSplitK", "SplitKReduce"}));
    const Node &partial = r.g.nodes[1], &reduce = r.g.nodes[2];
    const Shape &p = r.g.values[partial.outputs[0]].type.shape;
    ASSERT_EQ(p.size(), 3u);
    int64_t slice = cantFail(partial.attrs.getInt("k_slice", 0));
    EXPECT_EQ(p[0], (k + slice - 1) / slice);
    EXPECT_GE(p[0], 2);
    ASSERT_EQ(reduce.inputs.size(), 3u); // P, C, Z
    EXPECT_EQ(reduce.inputs[0], partial.outputs[0]);
    EXPECT_EQ(r.g.values[reduce.inputs[1]].name, "bias");
    EXPECT_EQ(r.g.values[reduce.inputs[2]].name, "z");
    EXPECT_EQ(cantFail(reduce.attrs.getInt("residual", 0)), 1);
    EXPECT_EQ(r.g.values[reduce.outputs[0]].name, "y");
  }
}

} // namespace
