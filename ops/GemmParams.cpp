//===- ops/GemmParams.cpp - Gemm attributes and operands, shared ----------===//
//
// See ops/GemmParams.h. The checks are ONNX Gemm's (opset 13).
//
//===----------------------------------------------------------------------===//
#include "ops/GemmParams.h"
#include "ops/Broadcast.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {

Expected<GemmParams> parseGemmParams(const Node &node,
                                     ArrayRef<TensorType> in) {
  GemmParams p;
  Expected<bool> ta = getFlagAttr(node, "transA", false);
  if (!ta)
    return ta.takeError();
  Expected<bool> tb = getFlagAttr(node, "transB", false);
  if (!tb)
    return tb.takeError();
  p.transA = *ta;
  p.transB = *tb;
  Expected<double> alpha = node.attrs.getFloat("alpha", 1.0);
  if (!alpha)
    return alpha.takeError();
  Expected<double> beta = node.attrs.getFloat("beta", 1.0);
  if (!beta)
    return beta.takeError();
  p.alpha = float(*alpha);
  p.beta = float(*beta);
  const TensorType &a = in[0], &b = in[1];
  if (Error e = checkRank(a, 2, "A"))
    return e;
  if (Error e = checkRank(b, 2, "B"))
    return e;
  p.m = p.transA ? a.shape[1] : a.shape[0];
  p.mDim = a.dim(p.transA ? 1 : 0);
  // Shape ranges: M may be symbolic when A is read row by row; K, N and a
  // transposed A's rows are sizes the kernels fix.
  if (!b.isStatic() || !a.dim(p.transA ? 0 : 1).isConstant() ||
      (p.transA && !p.mDim.isConstant()))
    return opError("only the rows of an untransposed A may be symbolic (A " +
                   a.str() + ", B " + b.str() + ")");
  if (in.size() >= 3 && !p.mDim.isConstant()) {
    const TensorType &c = in[2];
    bool perRow = c.rank() == 2 && c.shape[0] != 1;
    if ((perRow && c.dim(0) != p.mDim) || !c.dim(c.rank() - 1).isConstant())
      return opError("C " + c.str() + " does not broadcast to [" +
                     p.mDim.str() + ", " + Twine(p.n) + "]");
  }
  p.k = p.transA ? a.shape[0] : a.shape[1];
  int64_t kb = p.transB ? b.shape[1] : b.shape[0];
  p.n = p.transB ? b.shape[0] : b.shape[1];
  if (kb != p.k)
    return opError("inner dimensions differ: A " + a.str() +
                   (p.transA ? " (transposed)" : "") +
                   " has K = " + Twine(p.k) + ", B " + b.str() +
                   (p.transB ? " (transposed)" : "") + " has K = " + Twine(kb));
  if (in.size() >= 3)
    if (Error e = checkGemmC(in[2], p.m, p.n))
      return std::move(e);
  return p;
}

Error checkGemmC(const TensorType &c, int64_t m, int64_t n) {
  Shape mn = {m, n};
  Expected<Shape> bc = broadcastShapes(c.shape, mn);
  if (bc && *bc == mn && c.shape.size() <= 2)
    return Error::success();
  if (!bc)
    consumeError(bc.takeError());
  return opError("C " + c.str() +
                 " is not unidirectionally broadcastable to [" + Twine(m) +
                 "x" + Twine(n) + "]");
}

GemmParams verifiedGemmParams(const Node &node, ArrayRef<TensorType> abc) {
  Expected<GemmParams> p = parseGemmParams(node, abc);
  assert(p && "Gemm operands were not verified by the shape rule");
  if (!p) {
    consumeError(p.takeError());
    return GemmParams{};
  }
  return *p;
}

GemmKernelArgs gemmKernelArgs(const GemmParams &p, const TensorType *c) {
  GemmKernelArgs args;
  args.m = uint32_t(p.m);
  if (!p.mDim.isConstant())
    args.mDim = p.mDim;
  args.n = uint32_t(p.n);
  args.k = uint32_t(p.k);
  args.transA = p.transA;
  args.transB = p.transB;
  args.alpha = p.alpha;
  args.beta = p.beta;
  args.hasC = c != nullptr;
  if (c) {
    Shape s = broadcastStrides(c->shape, {p.m, p.n});
    args.cStrideM = uint32_t(s[0]);
    args.cStrideN = uint32_t(s[1]);
  }
  return args;
}

void gemmReferenceCompute(const GemmParams &p, const HostTensor &a,
                          const HostTensor &b, const HostTensor *c, int64_t k0,
                          int64_t k1, float *out) {
  Shape cStrides;
  if (c)
    cStrides = broadcastStrides(c->type.shape, {p.m, p.n});
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      double acc = 0.0;
      for (int64_t l = k0; l < k1; ++l) {
        float av = p.transA ? a.f32()[l * p.m + i] : a.f32()[i * p.k + l];
        float bv = p.transB ? b.f32()[j * p.k + l] : b.f32()[l * p.n + j];
        acc += double(av) * double(bv);
      }
      double v = double(p.alpha) * acc;
      if (c)
        v +=
            double(p.beta) * double(c->f32()[i * cStrides[0] + j * cStrides[1]]);
      out[i * p.n + j] = float(v);
    }
}

} // namespace tlc
