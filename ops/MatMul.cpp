//===- ops/MatMul.cpp - MatMul: numpy matmul semantics --------------------===//
//
// ONNX MatMul (opset 13), i.e. numpy.matmul: a 1-D A [K] is promoted to
// [1, K] and a 1-D B [K] to [K, 1] (the added dim is removed from the
// result); leading (batch) dims broadcast multidirectionally, at most
// kGemmMaxBatchDims of them. Shader: shaders/gemm.comp (ops/GemmKernel.h).
//
//===----------------------------------------------------------------------===//
#include "ops/Broadcast.h"
#include "ops/GemmKernel.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {

namespace {
/// MatMul operands seen as batches of matrices.
struct MatMulParams {
  int64_t m = 1, n = 1, k = 1;
  Shape aBatch, bBatch, batch; // batch dims of A, B, and the output
  Shape outShape;
};
} // namespace

static Expected<MatMulParams> parseMatMul(ArrayRef<TensorType> in) {
  const Shape &a = in[0].shape, &b = in[1].shape;
  if (a.empty() || b.empty())
    return opError("MatMul inputs must have rank >= 1, got A " + in[0].str() +
                   " and B " + in[1].str());
  MatMulParams p;
  bool vecA = a.size() == 1, vecB = b.size() == 1;
  p.m = vecA ? 1 : a[a.size() - 2];
  p.k = a.back();
  int64_t kb = vecB ? b[0] : b[b.size() - 2];
  p.n = vecB ? 1 : b.back();
  if (kb != p.k)
    return opError("inner dimensions differ: A " + in[0].str() + " has K = " +
                   Twine(p.k) + ", B " + in[1].str() + " has K = " + Twine(kb));
  if (!vecA)
    p.aBatch.assign(a.begin(), a.end() - 2);
  if (!vecB)
    p.bBatch.assign(b.begin(), b.end() - 2);
  Expected<Shape> batch = broadcastShapes(p.aBatch, p.bBatch);
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
  TensorType y{DType::F32, p->outShape};
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
  Shape sa = broadcastStrides(p.aBatch, p.batch);
  Shape sb = broadcastStrides(p.bBatch, p.batch);
  int64_t batches = 1;
  for (int64_t d : p.batch)
    batches *= d;
  const float *a = in[0]->f32().data(), *b = in[1]->f32().data();
  float *y = out[0].f32().data();
  for (int64_t bt = 0; bt < batches; ++bt) {
    int64_t rem = bt, ia = 0, ib = 0;
    for (size_t d = p.batch.size(); d-- > 0;) {
      int64_t idx = rem % p.batch[d];
      rem /= p.batch[d];
      ia += idx * sa[d];
      ib += idx * sb[d];
    }
    const float *am = a + ia * p.m * p.k, *bm = b + ib * p.k * p.n;
    float *ym = y + bt * p.m * p.n;
    for (int64_t i = 0; i < p.m; ++i)
      for (int64_t j = 0; j < p.n; ++j) {
        double acc = 0.0;
        for (int64_t l = 0; l < p.k; ++l)
          acc += double(am[i * p.k + l]) * double(bm[l * p.n + j]);
        ym[i * p.n + j] = float(acc);
      }
  }
  return Error::success();
}

static void matMulLower(const Node &, ArrayRef<TensorType> in,
                        ArrayRef<TensorType> out,
                        const KernelTarget &target,
                        SmallVectorImpl<DispatchDesc> &dispatches) {
  MatMulParams p = verifiedParams(in);
  // Pad the batch to kGemmMaxBatchDims with leading 1s.
  Shape batch(kGemmMaxBatchDims - p.batch.size(), 1);
  batch.append(p.batch.begin(), p.batch.end());
  Shape sa = broadcastStrides(p.aBatch, batch);
  Shape sb = broadcastStrides(p.bBatch, batch);
  GemmKernelArgs args;
  args.m = uint32_t(p.m);
  args.n = uint32_t(p.n);
  args.k = uint32_t(p.k);
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i) {
    args.batchDims[i] = uint32_t(batch[i]);
    args.aBatchStride[i] = uint32_t(sa[i] * p.m * p.k);
    args.bBatchStride[i] = uint32_t(sb[i] * p.k * p.n);
  }
  dispatches.push_back(lowerGemmKernel(args, 0, 1, 0, 2, target));
}

const OpDef kMatMulOp = {"MatMul", matMulInferTypes, matMulReference,
                         matMulLower};

} // namespace tlc
