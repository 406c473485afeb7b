//===- ops/MatMul.cpp - MatMul: numpy matmul semantics --------------------===//
//
// ONNX MatMul (opset 13), i.e. numpy.matmul: a 1-D A [K] is promoted to
// [1, K] and a 1-D B [K] to [K, 1] (the added dim is removed from the
// result); leading (batch) dims broadcast multidirectionally, at most
// kGemmMaxBatchDims of them. Shader: shaders/gemm.comp (ops/GemmKernel.h).
//
// Shape ranges: M, N, K and the batch dims may be symbolic (attention over
// a sequence S: Q K^T is [S, S], scores x V reduces over S); a symbolic
// batch dim broadcasts only against the same expression or a constant 1.
//
//===----------------------------------------------------------------------===//
#include "ops/Broadcast.h"
#include "ops/GemmKernel.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

namespace {
/// MatMul operands seen as batches of matrices; dims are expressions
/// (constants for static shapes).
struct MatMulParams {
  DimExpr m = 1, n = 1, k = 1;
  SymShape aBatch, bBatch, batch; // batch dims of A, B, and the output
  SymShape outShape;
};
} // namespace

/// numpy broadcasting of batch dims that may be symbolic: a pair broadcasts
/// when the dims are the same expression or one is the constant 1. Two
/// different expressions (W against 5, or W against N) are refused: which
/// one broadcasts would depend on the values.
static Expected<SymShape> broadcastBatch(ArrayRef<DimExpr> a,
                                         ArrayRef<DimExpr> b) {
  auto isConst = [](const DimExpr &d) { return d.isConstant(); };
  if (llvm::all_of(a, isConst) && llvm::all_of(b, isConst)) {
    Shape sa, sb;
    for (const DimExpr &d : a)
      sa.push_back(d.constant());
    for (const DimExpr &d : b)
      sb.push_back(d.constant());
    Expected<Shape> s = broadcastShapes(sa, sb);
    if (!s)
      return s.takeError();
    return SymShape(s->begin(), s->end());
  }
  size_t rank = std::max(a.size(), b.size());
  SymShape out(rank, DimExpr(1));
  for (size_t i = 0; i < rank; ++i) {
    DimExpr x = i < rank - a.size() ? DimExpr(1) : a[i - (rank - a.size())];
    DimExpr y = i < rank - b.size() ? DimExpr(1) : b[i - (rank - b.size())];
    if (x == y || y == DimExpr(1))
      out[i] = x;
    else if (x == DimExpr(1))
      out[i] = y;
    else
      return opError("shapes " + symShapeStr(a) + " and " + symShapeStr(b) +
                     " are not broadcastable for every value of the "
                     "symbols: output dim " +
                     Twine(i) + " would need " + x.strInShape() + " and " +
                     y.strInShape() +
                     " (a symbolic dim broadcasts only against itself or 1)");
  }
  return out;
}

/// Strides, in matrices, to read batch dims \p in as the broadcast batch
/// \p out (right-aligned; 0 where \p in is missing a dim or has 1).
static SymShape batchStrides(ArrayRef<DimExpr> in, ArrayRef<DimExpr> out) {
  SymShape s(out.size(), DimExpr(0));
  DimExpr stride = 1;
  for (size_t i = in.size(); i-- > 0;) {
    size_t o = out.size() - in.size() + i;
    if (in[i] != DimExpr(1))
      s[o] = stride;
    stride *= in[i];
  }
  return s;
}

static Expected<MatMulParams> parseMatMul(ArrayRef<TensorType> in) {
  SymShape a = in[0].dims(), b = in[1].dims();
  if (a.empty() || b.empty())
    return opError("MatMul inputs must have rank >= 1, got A " + in[0].str() +
                   " and B " + in[1].str());
  MatMulParams p;
  bool vecA = a.size() == 1, vecB = b.size() == 1;
  p.m = vecA ? DimExpr(1) : a[a.size() - 2];
  p.k = a.back();
  DimExpr kb = vecB ? b[0] : b[b.size() - 2];
  p.n = vecB ? DimExpr(1) : b.back();
  if (kb != p.k)
    return opError("inner dimensions differ: A " + in[0].str() + " has K = " +
                   p.k.str() + ", B " + in[1].str() + " has K = " + kb.str());
  if (!vecA)
    p.aBatch.assign(a.begin(), a.end() - 2);
  if (!vecB)
    p.bBatch.assign(b.begin(), b.end() - 2);
  Expected<SymShape> batch = broadcastBatch(p.aBatch, p.bBatch);
  if (!batch)
    return opError("batch dimensions: " + toString(batch.takeError()));
  p.batch = *batch;
  if (p.batch.size() > kGemmMaxBatchDims)
    return opError("MatMul supports at most " + Twine(kGemmMaxBatchDims) +
                   " batch dimensions, got " + Twine(p.batch.size()));
  p.outShape = p.batch;
  if (!vecA)
    p.outShape.push_back(p.m);
  if (!vecB)
    p.outShape.push_back(p.n);
  return p;
}

static Error matMulInferTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  if (Error e = checkF32(in, 0, "A"))
    return e;
  if (Error e = checkF32(in, 1, "B"))
    return e;
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<MatMulParams> p = parseMatMul({in[0].type, in[1].type});
  if (!p)
    return p.takeError();
  TensorType y = TensorType::withDims(DType::F32, p->outShape);
  if (Error e = checkFits32(y, "output"))
    return e;
  out.push_back(y);
  return Error::success();
}

static MatMulParams verifiedParams(ArrayRef<TensorType> in) {
  Expected<MatMulParams> p = parseMatMul(in);
  assert(p && "MatMul node was not verified by its shape rule");
  if (!p) {
    consumeError(p.takeError());
    return MatMulParams{};
  }
  return *p;
}

static Error matMulReference(const Node &, ArrayRef<const HostTensor *> in,
                             MutableArrayRef<HostTensor> out) {
  MatMulParams p = verifiedParams({in[0]->type, in[1]->type});
  // Batch element strides (in matrices) of A and B along the output batch.
  SymShape sa = batchStrides(p.aBatch, p.batch);
  SymShape sb = batchStrides(p.bBatch, p.batch);
  int64_t batches = 1;
  for (const DimExpr &d : p.batch)
    batches *= d.constant();
  int64_t m = p.m.constant(), n = p.n.constant(), k = p.k.constant();
  const float *a = in[0]->f32().data(), *b = in[1]->f32().data();
  float *y = out[0].f32().data();
  for (int64_t bt = 0; bt < batches; ++bt) {
    int64_t rem = bt, ia = 0, ib = 0;
    for (size_t d = p.batch.size(); d-- > 0;) {
      int64_t idx = rem % p.batch[d].constant();
      rem /= p.batch[d].constant();
      ia += idx * sa[d].constant();
      ib += idx * sb[d].constant();
    }
    const float *am = a + ia * m * k, *bm = b + ib * k * n;
    float *ym = y + bt * m * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0.0;
        for (int64_t l = 0; l < k; ++l)
          acc += double(am[i * k + l]) * double(bm[l * n + j]);
        ym[i * n + j] = float(acc);
      }
  }
  return Error::success();
}

/// The u32 a static size or a symbolic one's upper bound is passed as.
static uint32_t boundU32(const DimExpr &e) {
  return uint32_t(e.isConstant() ? e.constant() : e.upperBound());
}

static void matMulLower(const Node &, ArrayRef<TensorType> in,
                        ArrayRef<TensorType> out,
                        const KernelTarget &target,
                        SmallVectorImpl<DispatchDesc> &dispatches) {
  MatMulParams p = verifiedParams(in);
  // Pad the batch to kGemmMaxBatchDims with leading 1s.
  SymShape batch(kGemmMaxBatchDims - p.batch.size(), DimExpr(1));
  batch.append(p.batch.begin(), p.batch.end());
  SymShape sa = batchStrides(p.aBatch, batch);
  SymShape sb = batchStrides(p.bBatch, batch);
  GemmKernelArgs args;
  args.m = boundU32(p.m);
  args.n = boundU32(p.n);
  args.k = boundU32(p.k);
  GemmKernelArgs::SymbolicSizes sym;
  sym.n = p.n;
  sym.k = p.k;
  bool symbolic = !p.n.isConstant() || !p.k.isConstant();
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i) {
    sym.batchDims[i] = batch[i];
    sym.aBatchStride[i] = sa[i] * p.m * p.k;
    sym.bBatchStride[i] = sb[i] * p.k * p.n;
    args.batchDims[i] = boundU32(batch[i]);
    args.aBatchStride[i] = boundU32(sym.aBatchStride[i]);
    args.bBatchStride[i] = boundU32(sym.bBatchStride[i]);
    symbolic |= !batch[i].isConstant() || !sym.aBatchStride[i].isConstant() ||
                !sym.bBatchStride[i].isConstant();
  }
  // Shape ranges: symbolic sizes make the lowering pick a kernel for any
  // size (ops/GemmKernel.h); static shapes keep exactly the kernels and
  // constants they had.
  if (!p.m.isConstant())
    args.mDim = p.m;
  if (symbolic)
    args.sym = sym;
  lowerGemmDispatches(args, 0, 1, 0, 2, target, dispatches);
}

const OpDef kMatMulOp = symbolicOp(
    {"MatMul", matMulInferTypes, matMulReference, matMulLower});

} // namespace tlc
