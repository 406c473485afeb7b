//===- spirv/SpirvInterface.h - What a compute shader declares --*- C++ -*-===//
//
// The C++ side of tlc fills a shader's specialization constants and binds its
// storage buffers; this header describes what the shader's SPIR-V declares,
// so that the two can be checked against each other instead of trusted:
//   - each specialization constant: its SpecId and scalar type,
//   - each set-0 storage-buffer binding: its float element width and whether
//     every declaration of it is readonly (NonWritable) or writeonly
//     (NonReadable).
// readSpirvInterface reads it from a module; for the embedded shaders the
// same data is generated at build time (spirv/EmbeddedShaders.h).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_SPIRV_SPIRVINTERFACE_H
#define TLC_SPIRV_SPIRVINTERFACE_H

#include "spirv/SpecConstant.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace tlc {

/// One `layout(constant_id = id) const TYPE NAME = default;`.
struct SpecConstantDecl {
  uint32_t id; // SpecId decoration
  SpecType type;
  uint32_t defaultBits; // the default value's 32-bit pattern
};

/// Storage of one descriptor binding of a compute shader.
enum class BindingFloat : uint8_t {
  None,  // no float elements (integer buffer) or the binding is not declared
  F16,   // every declaration of the binding holds 16-bit floats
  F32,   // every declaration holds 32-bit floats
  Mixed, // declarations disagree (or hold other float widths)
};

/// One `layout(set = 0, binding = b) buffer ...` (all declarations of b
/// together: shaders alias a binding, e.g. as float[] and vec4[]).
struct BindingDecl {
  bool declared = false; // false: a gap below the largest binding
  BindingFloat floatStorage = BindingFloat::None;
  bool readonly = false;  // every declaration is NonWritable
  bool writeonly = false; // every declaration is NonReadable
};

/// A view of a shader's interface (owned by a SpirvInterface or by the
/// generated table of embedded shaders).
struct ShaderInterfaceRef {
  llvm::ArrayRef<SpecConstantDecl> specConstants; // sorted by id
  llvm::ArrayRef<BindingDecl> bindings; // indexed by binding; size is one
                                        // more than the largest binding

  /// The constant with SpecId \p id, or nullptr.
  const SpecConstantDecl *specConstant(uint32_t id) const;
};

/// A shader's interface, read from its SPIR-V.
struct SpirvInterface {
  llvm::SmallVector<SpecConstantDecl, 24> specConstants; // sorted by id
  llvm::SmallVector<BindingDecl, 6> bindings;

  ShaderInterfaceRef ref() const { return {specConstants, bindings}; }
};

/// Reads the specialization constants (OpSpecConstant, OpSpecConstantTrue,
/// OpSpecConstantFalse with a SpecId decoration: SPIR-V 1.6 spec, sections
/// 3.32.7 "Constant-Creation Instructions" and 3.20 "Decoration", SpecId)
/// and the set-0 storage-buffer bindings (OpVariable with Binding and
/// DescriptorSet decorations, their block's NonWritable / NonReadable
/// decorations, and the float width found by following the pointer to the
/// block's members down to the scalar type: sections 2.3 "Physical Layout"
/// and 3.32.6 "Type-Declaration Instructions") of the module \p words.
/// Errors: a malformed module (bad header, an instruction running past the
/// end), a spec constant whose type is not a 32-bit int, 32-bit float or
/// bool, constants of different types with one SpecId, or a binding in a
/// descriptor set other than 0 (tlc binds only set 0).
llvm::Expected<SpirvInterface>
readSpirvInterface(llvm::ArrayRef<uint32_t> words);

} // namespace tlc

#endif // TLC_SPIRV_SPIRVINTERFACE_H
