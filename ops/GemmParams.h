//===- ops/GemmParams.h - Gemm attributes and operands, shared --*- C++ -*-===//
//
// ONNX Gemm's attributes and operand shapes (A [M, K] or [K, M], B [K, N] or
// [N, K], C unidirectionally broadcastable to [M, N]), parsed once for the
// ops that compute a Gemm: Gemm itself, GemmResidual (a Gemm with a fused
// residual Add) and GemmSplitK (split-K partial products). Also the double
// precision CPU product those ops' references share.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_GEMMPARAMS_H
#define TLC_OPS_GEMMPARAMS_H

#include "ops/GemmKernel.h"
#include "ops/OpDef.h"

namespace tlc {

/// A Gemm's sizes (elements) and attributes.
struct GemmParams {
  int64_t m = 1, n = 1, k = 1; // m: the upper bound when symbolic
  /// M as an expression (shape ranges: a batch or token count); N and K
  /// are static.
  DimExpr mDim = 1;
  bool transA = false, transB = false;
  float alpha = 1.0f, beta = 1.0f;
};

/// Parses ONNX Gemm's attributes (alpha, beta, transA, transB: 0 or 1) and
/// checks A and B (rank 2, equal K) and, when \p abc has a third type, C
/// (unidirectionally broadcastable to [M, N], rank <= 2). Errors name the
/// attribute or operand and what was expected.
llvm::Expected<GemmParams> parseGemmParams(const Node &node,
                                           llvm::ArrayRef<TensorType> abc);

/// Checks Gemm's C against the output [m, n]: rank at most 2 and
/// unidirectionally broadcastable (ONNX Gemm, opset 13). The error names C's
/// type and [m x n].
llvm::Error checkGemmC(const TensorType &c, int64_t m, int64_t n);

/// parseGemmParams for types the shape rule already accepted (asserts).
GemmParams verifiedGemmParams(const Node &node, llvm::ArrayRef<TensorType> abc);

/// The kernel arguments of Y = alpha * op(A) * op(B) + beta * C, one batch;
/// C's broadcast strides come from \p c (nullptr: no C).
GemmKernelArgs gemmKernelArgs(const GemmParams &p, const TensorType *c);

/// Naive reference, accumulated in double: for every row i < M and column
/// j < N, out[i * N + j] = alpha * sum_{l in [k0, k1)} op(A)[i, l] *
/// op(B)[l, j] (+ beta * C[i, j] when \p c is not null, broadcast). \p a and
/// \p b are the whole operands (row-major, as Gemm takes them).
void gemmReferenceCompute(const GemmParams &p, const HostTensor &a,
                          const HostTensor &b, const HostTensor *c, int64_t k0,
                          int64_t k1, float *out);

} // namespace tlc

#endif // TLC_OPS_GEMMPARAMS_H
