//===- ops/GemmKernel.h - Lowering to shaders/gemm.comp ---------*- C++ -*-===//
//
// Gemm and MatMul both lower to one tiled matrix-multiply shader that
// computes, for every batch b,
//   Y[b] = alpha * op(A[b]) * op(B[b]) + beta * C      (C optional)
// where op() optionally transposes. Batch dims (up to 4) broadcast through
// per-dim strides. This header describes that shader's parameters.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_GEMMKERNEL_H
#define TLC_OPS_GEMMKERNEL_H

#include "ops/OpDef.h"

namespace tlc {

/// Largest number of batch dims the gemm shader walks.
constexpr unsigned kGemmMaxBatchDims = 4;

/// Parameters of one shaders/gemm.comp dispatch. Sizes and strides are in
/// elements. A is M x K (K x M when transA), B is K x N (N x K when transB),
/// Y is M x N, every matrix contiguous row-major inside its batch.
struct GemmKernelArgs {
  uint32_t m = 1, n = 1, k = 1;
  bool transA = false, transB = false;
  float alpha = 1.0f, beta = 0.0f;
  /// C is read as C[row * cStrideM + col * cStrideN] (strides 0 broadcast).
  bool hasC = false;
  uint32_t cStrideM = 0, cStrideN = 0;
  /// Output batch dims, outermost first, padded with leading 1s; the batch
  /// offset of A (B) is sum_i idx_i * aBatchStride[i] (bBatchStride[i]).
  uint32_t batchDims[kGemmMaxBatchDims] = {1, 1, 1, 1};
  uint32_t aBatchStride[kGemmMaxBatchDims] = {0, 0, 0, 0};
  uint32_t bBatchStride[kGemmMaxBatchDims] = {0, 0, 0, 0};
};

/// One dispatch of shaders/gemm.comp. Bindings: 0 = operand \p a, 1 = operand
/// \p b, 2 = operand \p c (when args.hasC; otherwise \p a is bound there and
/// never read), 3 = operand \p y (written).
DispatchDesc lowerGemmKernel(const GemmKernelArgs &args, unsigned a,
                             unsigned b, unsigned c, unsigned y);

} // namespace tlc

#endif // TLC_OPS_GEMMKERNEL_H
