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

#include "llvm/Support/Error.h"

namespace tlc {

/// The GGUF type of attribute `quant` of \p node: "q8_0", "q4_0" or "q6_k"
/// (ggml's GGML_TYPE_Q8_0, Q4_0, Q6_K). Errors: the attribute missing, not
/// a string, or another value (named).
llvm::Expected<GgmlType> quantType(const Node &node);

/// The QTYPE specialization constant of shaders/ggml_blocks.glsl for \p t:
/// 0 = q8_0, 1 = q4_0, 2 = q6_k.
uint32_t shaderQType(GgmlType t);

} // namespace tlc

#endif // TLC_OPS_QUANTTYPE_H
