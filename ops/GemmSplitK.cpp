//===- ops/GemmSplitK.cpp - GemmSplitK: split-K partial products ----------===//
//
// tlc-internal op (not ONNX), created by passes/SplitK.cpp: the partial
// products of a Gemm whose K is split into slices of k_slice,
//   P[s] = alpha * op(A)[:, ks] * op(B)[ks, :],
//   ks = [s * k_slice, min(K, (s + 1) * k_slice)),  s < S = ceil(K / k_slice)
// A, B, alpha, transA, transB as ONNX Gemm (ops/GemmParams.h); no C (the
// SplitKReduce that sums P adds it). Output P [S, M, N]. Splitting K gives a
// GEMM with few output tiles (GPT-2's 128-row projections) S times as many
// workgroups, each with an S times shorter k loop.
// Shader: shaders/gemm_tiled.comp on every target (its KSLICE constant), the
// batch walking the slices, one dispatch.
//
//===----------------------------------------------------------------------===//
#include "ops/GemmKernel.h"
#include "ops/GemmParams.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

/// Largest slice count: one dispatch's batch groups stay within the 65535
/// the Vulkan spec guarantees (maxComputeWorkGroupCount).
static constexpr int64_t kMaxSlices = 65535;

static Expected<int64_t> parseSlice(const Node &node, int64_t k) {
  Expected<int64_t> slice = node.attrs.getInt("k_slice", 0);
  if (!slice)
    return slice.takeError();
  if (*slice < 1 || *slice > k)
    return opError("attribute 'k_slice' is " + Twine(*slice) +
                   "; expected 1 <= k_slice <= K = " + Twine(k));
  if (ceilDiv(uint64_t(k), uint64_t(*slice)) > uint64_t(kMaxSlices))
    return opError("attribute 'k_slice' = " + Twine(*slice) +
                   " gives more than " + Twine(kMaxSlices) +
                   " slices of K = " + Twine(k));
  return *slice;
}

static Error splitKInferTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"alpha", "k_slice", "transA", "transB"}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  if (Error e = checkF32(in, 0, "A"))
    return e;
  if (Error e = checkF32(in, 1, "B"))
    return e;
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<GemmParams> p = parseGemmParams(node, {in[0].type, in[1].type});
  if (!p)
    return p.takeError();
  Expected<int64_t> slice = parseSlice(node, p->k);
  if (!slice)
    return slice.takeError();
  int64_t s = int64_t(ceilDiv(uint64_t(p->k), uint64_t(*slice)));
  // Shape ranges: M (the rows of A) may be symbolic; K, and so S, is not.
  TensorType y = TensorType::withDims(DType::F32, {s, p->mDim, p->n});
  if (Error e = checkFits32(y, "output"))
    return e;
  out.push_back(y);
  return Error::success();
}

static Error splitKReference(const Node &node, ArrayRef<const HostTensor *> in,
                             MutableArrayRef<HostTensor> out) {
  GemmParams p = verifiedGemmParams(node, {in[0]->type, in[1]->type});
  int64_t slice = cantFail(parseSlice(node, p.k));
  int64_t s = out[0].type.shape[0];
  for (int64_t i = 0; i < s; ++i)
    gemmReferenceCompute(p, *in[0], *in[1], nullptr, i * slice,
                         std::min(p.k, (i + 1) * slice),
                         out[0].f32().data() + i * p.m * p.n);
  return Error::success();
}

static void splitKLower(const Node &node, ArrayRef<TensorType> in,
                        ArrayRef<TensorType> out,
                        const KernelTarget &target,
                        SmallVectorImpl<DispatchDesc> &dispatches) {
  GemmParams p = verifiedGemmParams(node, in);
  GemmKernelArgs args = gemmKernelArgs(p, nullptr);
  uint32_t slice = uint32_t(cantFail(parseSlice(node, p.k)));
  args.kSlice = slice;
  args.batchDims[kGemmMaxBatchDims - 1] = uint32_t(out[0].shape[0]);
  // Slice s starts at column s * slice of op(A) and row s * slice of op(B).
  args.aBatchStride[kGemmMaxBatchDims - 1] =
      p.transA ? slice * uint32_t(p.m) : slice;
  args.bBatchStride[kGemmMaxBatchDims - 1] =
      p.transB ? slice : slice * uint32_t(p.n);
  dispatches.push_back(lowerGemmKernel(args, 0, 1, 0, 2, target));
}

const OpDef kGemmSplitKOp = symbolicOp(
    {"GemmSplitK", splitKInferTypes, splitKReference, splitKLower});

} // namespace tlc
