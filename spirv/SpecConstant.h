//===- spirv/SpecConstant.h - A typed specialization constant ---*- C++ -*-===//
//
// What a lowering passes for one `layout(constant_id = N) const TYPE` of its
// shader: the scalar type the shader declares and the value as the 32-bit
// word Vulkan receives (VkSpecializationInfo; Vulkan 1.3 spec, section 10.9
// "Specialization Constants"). DispatchDesc (ops/OpDef.h) lists them with
// the position as the constant id; codegen checks each against the SPIR-V
// (codegen/DispatchCheck.h) before writing the words into the plan.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_SPIRV_SPECCONSTANT_H
#define TLC_SPIRV_SPECCONSTANT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <cstring>

namespace tlc {

/// Scalar type of a specialization constant: GLSL `uint`, `int`, `float`,
/// `bool` (SPIR-V OpTypeInt 32 unsigned / signed, OpTypeFloat 32,
/// OpTypeBool). Each is passed as one 32-bit word; a bool as 0 or 1
/// (VkBool32).
enum class SpecType : uint8_t { U32, I32, F32, Bool };

/// "u32", "i32", "f32" or "bool".
const char *specTypeName(SpecType type);

/// One specialization constant of a dispatch. Build them with spec::u32,
/// spec::i32, spec::f32, spec::boolean; spec::unused fills an id that the
/// shader does not declare (plans pass constants by position, so an id below
/// the last one passed always gets a word: 0).
struct SpecConstant {
  SpecType type = SpecType::U32;
  uint32_t bits = 0;   // the word passed: a float's bit pattern, a bool 0/1
  bool unused = false; // no constant has this id in the shader

  bool operator==(const SpecConstant &o) const {
    return type == o.type && bits == o.bits && unused == o.unused;
  }
  bool operator!=(const SpecConstant &o) const { return !(*this == o); }
};

namespace spec {
inline SpecConstant u32(uint32_t v) { return {SpecType::U32, v, false}; }
inline SpecConstant i32(int32_t v) {
  return {SpecType::I32, uint32_t(v), false};
}
inline SpecConstant f32(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return {SpecType::F32, bits, false};
}
inline SpecConstant boolean(bool v) {
  return {SpecType::Bool, v ? 1u : 0u, false};
}
inline SpecConstant unused() { return {SpecType::U32, 0, true}; }
/// \p values as u32 constants, in order.
inline llvm::SmallVector<SpecConstant, 24>
u32s(llvm::ArrayRef<uint32_t> values) {
  llvm::SmallVector<SpecConstant, 24> out;
  for (uint32_t v : values)
    out.push_back(u32(v));
  return out;
}
} // namespace spec

/// The words Vulkan receives for \p constants, as plans store them:
/// constant_id i = word i, 0 for an unused id.
inline llvm::SmallVector<uint32_t, 24>
specWords(llvm::ArrayRef<SpecConstant> constants) {
  llvm::SmallVector<uint32_t, 24> words;
  for (const SpecConstant &c : constants)
    words.push_back(c.unused ? 0u : c.bits);
  return words;
}

} // namespace tlc

#endif // TLC_SPIRV_SPECCONSTANT_H
