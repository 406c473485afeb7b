//===- ir/GgmlType.h - ggml tensor types and their block layouts -*- C++ -*-===//
//
// GGUF files (ir/Gguf.h) store each tensor in one of ggml's types: plain
// F32/F16/BF16 and integer types, or block-quantized types in which a block
// of `blockElems` consecutive values (along the innermost dim) is stored in
// `blockBytes` bytes. The numbers, names and block sizes are ggml's
// (https://github.com/ggml-org/ggml: include/ggml.h `enum ggml_type`,
// src/ggml-common.h block structs and their static_asserts, src/ggml.c
// `type_traits`), so that tlc can size and skip every tensor of a real
// llama.cpp file and name the types it cannot compute with.
//
// tlc computes with six of them (ggmlTypeSupportedByTlc); ir/GgufQuant.h
// dequantizes those.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_GGMLTYPE_H
#define TLC_IR_GGMLTYPE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace tlc {

/// ggml's type numbers (include/ggml.h). Numbers ggml removed (4, 5,
/// 31..33, 36..38) are not listed: ggmlTypeInfo refuses them.
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
};

/// Storage layout of one ggml type.
struct GgmlTypeInfo {
  GgmlType type;
  llvm::StringRef name; // ggml's name without "GGML_TYPE_", e.g. "Q6_K"
  uint32_t blockElems;  // values per block (1 for unquantized types)
  uint32_t blockBytes;  // bytes per block
};

/// The layout of type number \p id, or nullptr when ggml has no such type.
const GgmlTypeInfo *ggmlTypeInfo(uint32_t id);

/// "Q6_K (14)", or "unknown (4)" for a number ggml does not define.
std::string ggmlTypeDescription(uint32_t id);

/// True for the types tlc computes with: F32, F16, BF16, Q8_0, Q4_0, Q6_K.
bool ggmlTypeSupportedByTlc(GgmlType t);

/// "F32, F16, BF16, Q8_0, Q4_0, Q6_K", for error messages.
llvm::StringRef ggmlTypesSupportedByTlc();

} // namespace tlc

#endif // TLC_IR_GGMLTYPE_H
