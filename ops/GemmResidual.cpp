//===- ops/GemmResidual.cpp - GemmResidual: Gemm with a fused residual ----===//
//
// tlc-internal op (not ONNX), created by passes/FuseEpilogues.cpp from
// Gemm [-> view] -> Add(., Z):
//   Y = reshape(alpha * op(A) * op(B) + beta * C, shape of Z) + Z
// Inputs A, B, Z, optional C, in that order; A, B, C, alpha, beta, transA,
// transB as ONNX Gemm (ops/GemmParams.h). Z has M * N elements, and Y has
// Z's type (the view between the Gemm and the Add disappears).
// Lowering (ops/GemmKernel.h): the GEMM reads Z as its C operand (strides
// N, 1) and adds it before its store, one dispatch; a bias C is then added
// in place by shaders/splitk_reduce.comp with one slice (a second, cheap
// dispatch: the GEMM shaders take one addend). Shape ranges: M may be
// symbolic, as for Gemm (ops/GemmParams.h); the GEMM and the bias pass then
// take M and their grids at run time. Y may be written over Z in
// place: the GEMM reads Z only at the element it writes, and the bias
// dispatch reads only Y and C. (For the "gpu" target, passes/SplitK.cpp
// usually splits these GEMMs, and its reduction adds C and Z.)
//
//===----------------------------------------------------------------------===//
#include "ops/GemmKernel.h"
#include "ops/GemmParams.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SplitKReduce.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

/// A, B, and C when present: the operands parseGemmParams checks.
static SmallVector<TensorType, 3> gemmOperands(ArrayRef<TensorType> in) {
  SmallVector<TensorType, 3> abc = {in[0], in[1]};
  if (in.size() == 4)
    abc.push_back(in[3]);
  return abc;
}

static Error residualInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"alpha", "beta", "transA", "transB"}))
    return e;
  if (Error e = checkInputCount(in, 3, 4))
    return e;
  static const char *names[4] = {"A", "B", "Z", "C"};
  SmallVector<TensorType, 4> types;
  for (unsigned i = 0; i < in.size(); ++i) {
    if (Error e = checkF32(in, i, names[i]))
      return e;
    types.push_back(in[i].type);
  }
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<GemmParams> p = parseGemmParams(node, gemmOperands(types));
  if (!p)
    return p.takeError();
  const TensorType &z = types[2];
  // Compared as expressions: with a symbolic M, Z must have M * N elements
  // for every value of the symbols.
  if (z.numElementsExpr() != p->mDim * p->n)
    return opError("Z " + z.str() + " has " + z.numElementsExpr().str() +
                   " elements; expected M * N = " + (p->mDim * p->n).str());
  out.push_back(z);
  return Error::success();
}

static Error residualReference(const Node &node, ArrayRef<const HostTensor *> in,
                               MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 4> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  GemmParams p = verifiedGemmParams(node, gemmOperands(types));
  std::vector<float> prod(size_t(p.m * p.n));
  gemmReferenceCompute(p, *in[0], *in[1], in.size() == 4 ? in[3] : nullptr, 0,
                       p.k, prod.data());
  ArrayRef<float> z = in[2]->f32();
  for (size_t i = 0; i < prod.size(); ++i)
    out[0].f32()[i] = float(double(prod[i]) + double(z[i]));
  return Error::success();
}

static void residualLower(const Node &node, ArrayRef<TensorType> in,
                          ArrayRef<TensorType> out,
                          const KernelTarget &target,
                          SmallVectorImpl<DispatchDesc> &dispatches) {
  GemmParams p = verifiedGemmParams(node, gemmOperands(in));
  GemmKernelArgs args = gemmKernelArgs(p, nullptr);
  // Z as the GEMM's C: read at [row * N + col], added with factor 1.
  args.hasC = true;
  args.cStrideM = uint32_t(p.n);
  args.cStrideN = 1;
  args.beta = 1.0f;
  unsigned y = unsigned(in.size());
  lowerGemmDispatches(args, 0, 1, 2, y, target, dispatches);
  if (in.size() == 4) {
    GemmKernelArgs bias = gemmKernelArgs(p, &in[3]);
    SplitKReduceArgs r;
    r.m = uint32_t(p.m);
    if (!p.mDim.isConstant())
      r.mDim = p.mDim;
    r.n = uint32_t(p.n);
    r.hasC = true;
    r.cStrideM = bias.cStrideM;
    r.cStrideN = bias.cStrideN;
    r.beta = p.beta;
    dispatches.push_back(lowerSplitKReduce(r, y, 3, y, y));
  }
}

// In place over Z (input 2).
const OpDef kGemmResidualOp = symbolicOp({"GemmResidual",
                               residualInferTypes,
                               residualReference,
                               residualLower,
                               {/*isView=*/false, /*inPlaceInputs=*/{2}}});

} // namespace tlc
