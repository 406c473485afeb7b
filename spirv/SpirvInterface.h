//===- spirv/SpirvInterface.h - What a compute shader declares --*- C++ -*-===//
//
// The C++ side of tlc fills a shader's specialization constants and binds its
// storage buffers; this header describes what the shader's SPIR-V declares,
// so that the two can be checked against each other instead of trusted:
//   - each specialization constant: its SpecId and scalar type,
//   - each set-0 storage-buffer binding: its float element width and whether
//     every declaration of it is readonly (NonWritable) or writeonly
//     (NonReadable);
//   - the names (OpName) of the specialization constants, and in a dyn
//     build (shaders/dims.glsl) its TlcDims uniform block: binding, and each
//     member's name, byte offset and type, so that each member can be
//     matched by name to the constant id it replaces in the static build
//     (matchDimsToSpecConstants).
// readSpirvInterface reads it from a module; for the embedded shaders the
// same data is generated at build time (spirv/EmbeddedShaders.h).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_SPIRV_SPIRVINTERFACE_H
#define TLC_SPIRV_SPIRVINTERFACE_H

#include "spirv/SpecConstant.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>

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
/// together: shaders alias a binding, e.g. as float[] and vec4[]), or the
/// TlcDims uniform block of a dyn build (uniform).
struct BindingDecl {
  bool declared = false; // false: a gap below the largest binding
  BindingFloat floatStorage = BindingFloat::None;
  bool readonly = false;  // every declaration is NonWritable (always true
                          // for the uniform block)
  bool writeonly = false; // every declaration is NonReadable
  bool uniform = false;   // the TlcDims uniform block, not a storage buffer
};

/// The name of the block that holds a dyn build's run-time dimensions
/// (shaders/dims.glsl).
inline constexpr const char *kDimsBlockName = "TlcDims";

/// One member of a dyn build's TlcDims block (shaders/dims.glsl): a
/// dimension read at run time, named as the specialization constant it
/// replaces in the shader's static build.
struct DimsMemberDecl {
  const char *name; // OpMemberName
  uint32_t offset;  // byte offset in the block (Offset decoration)
  SpecType type;    // U32 (`uint`, TLC_DIMS) or I32 (`int`, TLC_IDIMS)
};

/// The TlcDims block of a dyn build; binding == kNone in a static build.
struct DimsBlockRef {
  static constexpr uint32_t kNone = ~0u;
  uint32_t binding = kNone;               // set-0 binding of the block
  llvm::ArrayRef<DimsMemberDecl> members; // in block order

  /// Whether the module has a TlcDims block (it is a dyn build).
  bool present() const { return binding != kNone; }
  /// The position of the member named \p name, or -1.
  int find(llvm::StringRef name) const;
};

/// A view of a shader's interface (owned by a SpirvInterface or by the
/// generated table of embedded shaders).
struct ShaderInterfaceRef {
  llvm::ArrayRef<SpecConstantDecl> specConstants; // sorted by id
  llvm::ArrayRef<BindingDecl> bindings; // indexed by binding; size is one
                                        // more than the largest binding
  /// The OpName of each of specConstants (same order), "" for one without a
  /// name; empty when names were not read.
  llvm::ArrayRef<const char *> specConstantNames = {};
  DimsBlockRef dims = {}; // present() only in a dyn build

  /// The constant with SpecId \p id, or nullptr.
  const SpecConstantDecl *specConstant(uint32_t id) const;
  /// The name of the constant with SpecId \p id: "" when the module does
  /// not declare it or gives it no name.
  llvm::StringRef specConstantName(uint32_t id) const;
  /// The constant named \p name (OpName), or nullptr.
  const SpecConstantDecl *specConstantNamed(llvm::StringRef name) const;
};

/// A shader's interface, read from its SPIR-V. Copies share the storage of
/// the names, so the pointers in specConstantNames and dimsMembers stay
/// valid as long as any copy lives.
struct SpirvInterface {
  llvm::SmallVector<SpecConstantDecl, 24> specConstants; // sorted by id
  llvm::SmallVector<BindingDecl, 6> bindings;
  llvm::SmallVector<const char *, 24> specConstantNames; // as specConstants
  uint32_t dimsBinding = DimsBlockRef::kNone;
  llvm::SmallVector<DimsMemberDecl, 24> dimsMembers;
  std::shared_ptr<const void> nameStorage; // owns the names' bytes

  ShaderInterfaceRef ref() const {
    return {
        specConstants, bindings, specConstantNames, {dimsBinding, dimsMembers}};
  }
};

/// Reads the specialization constants (OpSpecConstant, OpSpecConstantTrue,
/// OpSpecConstantFalse with a SpecId decoration: SPIR-V 1.6 spec, sections
/// 3.32.7 "Constant-Creation Instructions" and 3.20 "Decoration", SpecId)
/// and the set-0 storage-buffer bindings (OpVariable with Binding and
/// DescriptorSet decorations, their block's NonWritable / NonReadable
/// decorations, and the float width found by following the pointer to the
/// block's members down to the scalar type: sections 2.3 "Physical Layout"
/// and 3.32.6 "Type-Declaration Instructions") of the module \p words.
/// Also reads the OpName of each spec constant and, where the module has a
/// uniform block (Uniform storage class, Block decoration) named TlcDims
/// (OpName), that block's binding and its members' OpMemberName, Offset
/// and type.
/// Errors: a malformed module (bad header, an instruction running past the
/// end, a name string without its terminating NUL), a spec constant whose
/// type is not a 32-bit int, 32-bit float or bool, constants of different
/// types with one SpecId, a binding in a descriptor set other than 0 (tlc
/// binds only set 0), a uniform block other than one TlcDims block, or a
/// TlcDims member that is not a 32-bit integer or lacks a name or an
/// offset.
llvm::Expected<SpirvInterface>
readSpirvInterface(llvm::ArrayRef<uint32_t> words);

/// Matches the TlcDims block of \p dyn, a shader's dyn build, with \p stat,
/// the same shader's static build (the same source compiled without
/// TLC_DYN, shaders/dims.glsl): the SpecId each member replaces, in block
/// order, found by name (the member's OpMemberName is the constant's
/// OpName). Errors: \p dyn has no TlcDims block; a member has no
/// same-named specialization constant in \p stat, or one of another type
/// (a `uint` member replaces a u32 constant, an `int` member an i32);
/// \p dyn still declares a constant with that id; two members replace one
/// id. Messages name the member and the constant; the caller adds the
/// shader.
llvm::Expected<llvm::SmallVector<uint32_t, 24>>
matchDimsToSpecConstants(const ShaderInterfaceRef &dyn,
                         const ShaderInterfaceRef &stat);

} // namespace tlc

#endif // TLC_SPIRV_SPIRVINTERFACE_H
