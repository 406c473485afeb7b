//===- ops/Gemm.cpp - Gemm: Y = alpha * A' * B' + beta * C ----------------===//
//
// ONNX Gemm (opset 13): A [M, K] ([K, M] if transA), B [K, N] ([N, K] if
// transB), optional C unidirectionally broadcastable to [M, N]; attributes
// alpha (default 1.0), beta (default 1.0), transA, transB (0 or 1).
// Shader: shaders/gemm.comp (ops/GemmKernel.h), one batch.
//
//===----------------------------------------------------------------------===//
#include "ops/Broadcast.h"
#include "ops/GemmKernel.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {

namespace {
struct GemmParams {
  int64_t m, n, k;
  bool transA, transB;
  float alpha, beta;
};
} // namespace

static Expected<bool> getFlag(const Attributes &attrs, StringRef name) {
  Expected<int64_t> v = attrs.getInt(name, 0);
  if (!v)
    return v.takeError();
  if (*v != 0 && *v != 1)
    return opError("attribute '" + name + "' is " + Twine(*v) +
                   "; expected 0 or 1");
  return *v == 1;
}

static Expected<GemmParams> parseGemm(const Node &node,
                                      ArrayRef<TensorType> in) {
  GemmParams p;
  Expected<bool> ta = getFlag(node.attrs, "transA");
  if (!ta)
    return ta.takeError();
  Expected<bool> tb = getFlag(node.attrs, "transB");
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
  p.k = p.transA ? a.shape[0] : a.shape[1];
  int64_t kb = p.transB ? b.shape[1] : b.shape[0];
  p.n = p.transB ? b.shape[0] : b.shape[1];
  if (kb != p.k)
    return opError("inner dimensions differ: A " + a.str() +
                   (p.transA ? " (transposed)" : "") +
                   " has K = " + Twine(p.k) + ", B " + b.str() +
                   (p.transB ? " (transposed)" : "") + " has K = " + Twine(kb));
  if (in.size() == 3) {
    const TensorType &c = in[2];
    Shape mn = {p.m, p.n};
    Expected<Shape> bc = broadcastShapes(c.shape, mn);
    if (!bc || *bc != mn || c.shape.size() > 2) {
      if (!bc)
        consumeError(bc.takeError());
      return opError("C " + c.str() +
                     " is not unidirectionally broadcastable to [" +
                     Twine(p.m) + "x" + Twine(p.n) + "]");
    }
  }
  return p;
}

static Error gemmInferTypes(const Node &node, ArrayRef<InputInfo> in,
                            SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"alpha", "beta", "transA", "transB"}))
    return e;
  if (Error e = checkInputCount(in, 2, 3))
    return e;
  static const char *names[3] = {"A", "B", "C"};
  SmallVector<TensorType, 3> types;
  for (unsigned i = 0; i < in.size(); ++i) {
    if (Error e = checkF32(in, i, names[i]))
      return e;
    types.push_back(in[i].type);
  }
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<GemmParams> p = parseGemm(node, types);
  if (!p)
    return p.takeError();
  TensorType y{DType::F32, {p->m, p->n}};
  if (Error e = checkFits32(y, "output"))
    return e;
  out.push_back(y);
  return Error::success();
}

static GemmParams verifiedParams(const Node &node, ArrayRef<TensorType> in) {
  Expected<GemmParams> p = parseGemm(node, in);
  assert(p && "Gemm node was not verified by its shape rule");
  if (!p) {
    consumeError(p.takeError());
    return GemmParams{};
  }
  return *p;
}

static void gemmReference(const Node &node, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 3> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  GemmParams p = verifiedParams(node, types);
  const std::vector<float> &a = in[0]->data, &b = in[1]->data;
  Shape cStrides;
  if (in.size() == 3)
    cStrides = broadcastStrides(in[2]->type.shape, {p.m, p.n});
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      double acc = 0.0;
      for (int64_t l = 0; l < p.k; ++l) {
        float av = p.transA ? a[l * p.m + i] : a[i * p.k + l];
        float bv = p.transB ? b[j * p.k + l] : b[l * p.n + j];
        acc += double(av) * double(bv);
      }
      double v = double(p.alpha) * acc;
      if (in.size() == 3)
        v += double(p.beta) *
             double(in[2]->data[i * cStrides[0] + j * cStrides[1]]);
      out[0].data[i * p.n + j] = float(v);
    }
}

static void gemmLower(const Node &node, ArrayRef<TensorType> in,
                      ArrayRef<TensorType> out,
                      SmallVectorImpl<DispatchDesc> &dispatches) {
  GemmParams p = verifiedParams(node, in);
  GemmKernelArgs args;
  args.m = uint32_t(p.m);
  args.n = uint32_t(p.n);
  args.k = uint32_t(p.k);
  args.transA = p.transA;
  args.transB = p.transB;
  args.alpha = p.alpha;
  args.beta = p.beta;
  args.hasC = in.size() == 3;
  if (args.hasC) {
    Shape s = broadcastStrides(in[2].shape, {p.m, p.n});
    args.cStrideM = uint32_t(s[0]);
    args.cStrideN = uint32_t(s[1]);
  }
  dispatches.push_back(lowerGemmKernel(args, 0, 1, 2, unsigned(in.size())));
}

const OpDef kGemmOp = {"Gemm", gemmInferTypes, gemmReference, gemmLower};

} // namespace tlc
