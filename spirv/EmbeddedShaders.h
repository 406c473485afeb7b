//===- spirv/EmbeddedShaders.h - SPIR-V built from shaders/ -----*- C++ -*-===//
//
// Every shaders/<name>.comp is compiled to SPIR-V by glslang at build time,
// validated by spirv-val, and embedded in the binary together with its
// interface (spec constants, bindings, a dyn build's TlcDims block:
// spirv/SpirvInterface.h), which spirv/gen/EmbedShaders.cpp reads from the
// SPIR-V when it generates the table. `tlc compile` copies the modules a
// model needs into its plan.
//
// Module names: NAME for shaders/NAME.comp, NAME_SUFFIX for each line
// `// tlc-variant: SUFFIX MACROS` (NAME_f16, NAME_subgroup_f16, ...), and
// for a shader with the line `// tlc-variant: dyn TLC_DYN` (run-time
// dimensions, shaders/dims.glsl) the dyn build of each of those, with
// "_dyn" appended: binary_dyn, binary_f16_dyn, layernorm_subgroup_f16_dyn,
// gemm_coopmat_f16_dyn (dynBuildName).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_SPIRV_EMBEDDEDSHADERS_H
#define TLC_SPIRV_EMBEDDEDSHADERS_H

#include "spirv/SpirvInterface.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace tlc {

struct EmbeddedShader {
  const char *name;      // module name: NAME.comp's base name, NAME_SUFFIX
                         // for a variant (`// tlc-variant:` lines), with
                         // _dyn for a dyn build (dynBuildName)
  const uint32_t *words; // SPIR-V words
  size_t numWords;
  ShaderInterfaceRef interface; // read from words at build time
};

/// All embedded shaders, sorted by name.
llvm::ArrayRef<EmbeddedShader> embeddedShaders();

/// The shader named \p name, or nullptr.
const EmbeddedShader *findEmbeddedShader(llvm::StringRef name);

/// The module a dispatch of \p shader runs when its node stores f16: the
/// shader's NAME_f16 build, or \p shader itself when the lowering already
/// named a kernel that exists only for fp16 storage (gemm_coopmat_f16).
inline std::string f16BuildName(llvm::StringRef shader) {
  return shader.endswith("_f16") ? shader.str() : shader.str() + "_f16";
}

/// The module a dispatch of \p shader runs when it has symbolic dims or
/// group counts (DispatchDesc::isDynamic): the dyn build of the module
/// \p shader names, whatever its variant: "binary" -> "binary_dyn",
/// "binary_f16" (f16BuildName) -> "binary_f16_dyn". Apply it after
/// f16BuildName. The module exists when the shader declares
/// `// tlc-variant: dyn TLC_DYN` (every op shader does).
inline std::string dynBuildName(llvm::StringRef shader) {
  return shader.str() + "_dyn";
}

} // namespace tlc

#endif // TLC_SPIRV_EMBEDDEDSHADERS_H
