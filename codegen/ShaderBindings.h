//===- codegen/ShaderBindings.h - Float width of a shader's buffers -*- C++ -*-===//
//
// `--precision=fp16` lets each kernel's fp16 build say, through the element
// types of its storage buffers, which tensors it reads and writes as binary16
// and which stay f32 (e.g. an attention mask holding -1e30). The compiler
// reads that from the SPIR-V itself, so a shader is the single source of
// truth for its bindings' storage.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_CODEGEN_SHADERBINDINGS_H
#define TLC_CODEGEN_SHADERBINDINGS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace tlc {

/// The module a dispatch of \p shader runs when its node stores f16: the
/// shader's NAME_f16 build, or \p shader itself when the lowering already
/// named a kernel that exists only for fp16 storage (gemm_coopmat_f16).
inline std::string f16BuildName(llvm::StringRef shader) {
  return shader.endswith("_f16") ? shader.str() : shader.str() + "_f16";
}

/// Storage of one descriptor binding of a compute shader.
enum class BindingFloat : uint8_t {
  None,  // no float elements (integer buffer) or the binding is not declared
  F16,   // every declaration of the binding holds 16-bit floats
  F32,   // every declaration holds 32-bit floats
  Mixed, // declarations disagree (or hold other float widths)
};

/// The float storage of bindings 0..N-1 of set 0 in the SPIR-V module
/// \p words, indexed by binding, found by following each OpVariable's
/// pointer to its block's members down to the scalar element type (SPIR-V
/// 1.6 spec, sections 2.3 "Physical Layout" and 3.32.6 "Type-Declaration
/// Instructions"). A malformed module yields an empty vector; embedded
/// modules were validated by spirv-val at build time.
llvm::SmallVector<BindingFloat, 8>
bindingFloatStorage(llvm::ArrayRef<uint32_t> words);

} // namespace tlc

#endif // TLC_CODEGEN_SHADERBINDINGS_H
