//===- ir/GgmlType.cpp - ggml tensor types and their block layouts --------===//
//
// Block sizes from ggml's src/ggml-common.h (QK4_0 = 32, QK_K = 256, ...)
// and the byte sizes its static_asserts state for each block struct, e.g.
// sizeof(block_q6_K) == sizeof(ggml_half) + QK_K/16 + 3*QK_K/4 = 210.
//
//===----------------------------------------------------------------------===//
#include "ir/GgmlType.h"

#include <string>

namespace tlc {

namespace {

using T = GgmlType;
constexpr uint32_t kQK_K = 256; // super-block size of the K-quants

const GgmlTypeInfo kTypes[] = {
    {T::F32, "F32", 1, 4},
    {T::F16, "F16", 1, 2},
    {T::Q4_0, "Q4_0", 32, 2 + 16},
    {T::Q4_1, "Q4_1", 32, 2 * 2 + 16},
    {T::Q5_0, "Q5_0", 32, 2 + 4 + 16},
    {T::Q5_1, "Q5_1", 32, 2 * 2 + 4 + 16},
    {T::Q8_0, "Q8_0", 32, 2 + 32},
    {T::Q8_1, "Q8_1", 32, 2 * 2 + 32},
    {T::Q2_K, "Q2_K", kQK_K, 2 * 2 + kQK_K / 16 + kQK_K / 4},
    {T::Q3_K, "Q3_K", kQK_K, 2 + kQK_K / 4 + kQK_K / 8 + 12},
    {T::Q4_K, "Q4_K", kQK_K, 2 * 2 + 12 + kQK_K / 2},
    {T::Q5_K, "Q5_K", kQK_K, 2 * 2 + 12 + kQK_K / 2 + kQK_K / 8},
    {T::Q6_K, "Q6_K", kQK_K, 2 + kQK_K / 16 + 3 * kQK_K / 4},
    {T::Q8_K, "Q8_K", kQK_K, 4 + kQK_K + kQK_K / 16 * 2},
    {T::IQ2_XXS, "IQ2_XXS", kQK_K, 2 + kQK_K / 8 * 2},
    {T::IQ2_XS, "IQ2_XS", kQK_K, 2 + kQK_K / 8 * 2 + kQK_K / 32},
    {T::IQ3_XXS, "IQ3_XXS", kQK_K, 2 + 3 * (kQK_K / 8)},
    {T::IQ1_S, "IQ1_S", kQK_K, 2 + kQK_K / 8 + kQK_K / 16},
    {T::IQ4_NL, "IQ4_NL", 32, 2 + 16},
    {T::IQ3_S, "IQ3_S", kQK_K, 2 + 13 * (kQK_K / 32) + kQK_K / 64},
    {T::IQ2_S, "IQ2_S", kQK_K, 2 + kQK_K / 4 + kQK_K / 16},
    {T::IQ4_XS, "IQ4_XS", kQK_K, 2 + 2 + kQK_K / 64 + kQK_K / 2},
    {T::I8, "I8", 1, 1},
    {T::I16, "I16", 1, 2},
    {T::I32, "I32", 1, 4},
    {T::I64, "I64", 1, 8},
    {T::F64, "F64", 1, 8},
    {T::IQ1_M, "IQ1_M", kQK_K, kQK_K / 8 + kQK_K / 16 + kQK_K / 32},
    {T::BF16, "BF16", 1, 2},
    {T::TQ1_0, "TQ1_0", kQK_K, 2 + kQK_K / 64 + (kQK_K - 4 * kQK_K / 64) / 5},
    {T::TQ2_0, "TQ2_0", kQK_K, 2 + kQK_K / 4},
    {T::MXFP4, "MXFP4", 32, 1 + 16},
    {T::NVFP4, "NVFP4", 64, 64 / 16 + 64 / 2},
    {T::Q1_0, "Q1_0", 128, 2 + 128 / 8},
    {T::Q2_0, "Q2_0", 64, 2 + 64 / 4},
};

} // namespace

const GgmlTypeInfo *ggmlTypeInfo(uint32_t id) {
  for (const GgmlTypeInfo &info : kTypes)
    if (uint32_t(info.type) == id)
      return &info;
  return nullptr;
}

std::string ggmlTypeDescription(uint32_t id) {
  const GgmlTypeInfo *info = ggmlTypeInfo(id);
  return (info ? info->name.str() : std::string("unknown")) + " (" +
         std::to_string(id) + ")";
}

bool ggmlTypeSupportedByTlc(GgmlType t) {
  switch (t) {
  case T::F32:
  case T::F16:
  case T::BF16:
  case T::Q8_0:
  case T::Q4_0:
  case T::Q6_K:
    return true;
  default:
    return false;
  }
}

llvm::StringRef ggmlTypesSupportedByTlc() {
  return "F32, F16, BF16, Q8_0, Q4_0, Q6_K";
}

} // namespace tlc
