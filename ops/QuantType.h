//===- ops/QuantType.h - The `quant` attribute of quantized ops -*- C++ -*-===//
//
// QuantizedGemm and QuantizedGather read GGUF block-quantized weights
// (ir/GgufQuant.h); attribute `quant` names the block type.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_QUANTTYPE_H
#define TLC_OPS_QUANTTYPE_H

#include "ir/GgufQuant.h"
#include "ir/Graph.h"
#include "ops/OpDef.h"

#include "llvm/Support/Error.h"

#include <optional>

namespace tlc {

/// The GGUF type of attribute `quant` of \p node: "q8_0", "q4_0" or "q6_k"
/// (ggml's GGML_TYPE_Q8_0, Q4_0, Q6_K). Errors: the attribute missing, not
/// a string, or another value (named).
llvm::Expected<GgmlType> quantType(const Node &node);

/// The QTYPE specialization constant of shaders/ggml_blocks.glsl for \p t:
/// 0 = q8_0, 1 = q4_0, 2 = q6_k.
uint32_t shaderQType(GgmlType t);

/// Rows one workgroup of 128 invocations of shaders/gemv_quant.comp
/// computes for K = \p k: one invocation a unit of the row (8 blocks where
/// K % 256 == 0, else 2), so 128 / units, rounded down to an even count
/// when \p evenRows (the interleaved gate and up rows of its swiglu build).
uint32_t quantGemvRows(int64_t k, bool evenRows = false);

/// Whether shaders/gemv_quant.comp computes one row against weights of
/// type \p t with K = \p k: q8_0 or q4_0, at most 128 units a row (64 with
/// \p evenRows), and its shared memory (xs: K floats rounded up to units,
/// one vec4 of padding a unit, and two reductions of 128) within \p
/// target's.
bool quantGemvApplies(GgmlType t, int64_t k, const KernelTarget &target,
                      bool evenRows = false);

/// One dispatch of shaders/gemv_quant.comp's plain build: Y [1, N] = A
/// [1, K] * dequant(W)^T (+ Z) (operands \p a, \p w: [N, row stride]
/// bytes, optional residual \p z of N elements, \p y written), N = \p n
/// rows. quantGemvApplies must hold.
DispatchDesc lowerQuantGemvPlain(GgmlType t, int64_t n, int64_t k, unsigned a,
                                 unsigned w, std::optional<unsigned> z,
                                 unsigned y);

/// One dispatch of shaders/quant_gemm.comp for M = \p m (possibly symbolic,
/// planned at its bound) rows of A: the tiled kernel, MR = min(8, M) rows a
/// workgroup (operands \p a, \p w, \p y as above).
DispatchDesc lowerQuantGemmTiles(GgmlType t, const DimExpr &m, int64_t n,
                                 int64_t k, unsigned a, unsigned w, unsigned y,
                                 const KernelTarget &target);

} // namespace tlc

#endif // TLC_OPS_QUANTTYPE_H
