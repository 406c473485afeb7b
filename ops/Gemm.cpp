//===- ops/Gemm.cpp - Gemm: Y = alpha * A' * B' + beta * C ----------------===//
//
// ONNX Gemm (opset 13): A [M, K] ([K, M] if transA), B [K, N] ([N, K] if
// transB), optional C unidirectionally broadcastable to [M, N]; attributes
// alpha (default 1.0), beta (default 1.0), transA, transB (0 or 1).
// Shader: shaders/gemm.comp or gemm_tiled.comp (ops/GemmKernel.h), one
// batch. Attribute and operand checks: ops/GemmParams.h.
//
//===----------------------------------------------------------------------===//
#include "ops/GemmKernel.h"
#include "ops/GemmParams.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

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
  Expected<GemmParams> p = parseGemmParams(node, types);
  if (!p)
    return p.takeError();
  TensorType y = TensorType::withDims(DType::F32, {p->mDim, p->n});
  if (Error e = checkFits32(y, "output"))
    return e;
  out.push_back(y);
  return Error::success();
}

static Error gemmReference(const Node &node, ArrayRef<const HostTensor *> in,
                           MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 3> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  GemmParams p = verifiedGemmParams(node, types);
  gemmReferenceCompute(p, *in[0], *in[1], in.size() == 3 ? in[2] : nullptr, 0,
                       p.k, out[0].f32().data());
  return Error::success();
}

static void gemmLower(const Node &node, ArrayRef<TensorType> in,
                      ArrayRef<TensorType> out,
                      const KernelTarget &target,
                      SmallVectorImpl<DispatchDesc> &dispatches) {
  GemmParams p = verifiedGemmParams(node, in);
  GemmKernelArgs args = gemmKernelArgs(p, in.size() == 3 ? &in[2] : nullptr);
  lowerGemmDispatches(args, 0, 1, 2, unsigned(in.size()), target, dispatches);
}

const OpDef kGemmOp =
    symbolicOp({"Gemm", gemmInferTypes, gemmReference, gemmLower});

} // namespace tlc
