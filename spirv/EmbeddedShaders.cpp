//===- spirv/EmbeddedShaders.cpp - Lookup of embedded SPIR-V ------------===//
#include "spirv/EmbeddedShaders.h"

namespace tlc {
const EmbeddedShader *findEmbeddedShader(llvm::StringRef name) {
  for (const EmbeddedShader &s : embeddedShaders())
    if (name == s.name)
      return &s;
  return nullptr;
}
} // namespace tlc
