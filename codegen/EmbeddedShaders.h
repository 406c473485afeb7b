//===- codegen/EmbeddedShaders.h - SPIR-V built from shaders/ ---*- C++ -*-===//
//
// Every shaders/<name>.comp is compiled to SPIR-V by glslang at build time,
// validated by spirv-val, and embedded in the binary (cmake/EmbedSpirv.cmake).
// `tlc compile` copies the modules a model needs into its plan.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_CODEGEN_EMBEDDEDSHADERS_H
#define TLC_CODEGEN_EMBEDDEDSHADERS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <cstdint>

namespace tlc {

struct EmbeddedShader {
  const char *name;      // file name without .comp
  const uint32_t *words; // SPIR-V words
  size_t numWords;
};

/// All embedded shaders, sorted by name.
llvm::ArrayRef<EmbeddedShader> embeddedShaders();

/// The shader named \p name, or nullptr.
const EmbeddedShader *findEmbeddedShader(llvm::StringRef name);

} // namespace tlc

#endif // TLC_CODEGEN_EMBEDDEDSHADERS_H
