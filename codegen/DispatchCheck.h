//===- codegen/DispatchCheck.h - A dispatch against its shader --*- C++ -*-===//
//
// Lowerings state what they pass to a shader (DispatchDesc, ops/OpDef.h);
// the shader's SPIR-V states what it declares (spirv/SpirvInterface.h).
// checkDispatch compares the two, so that a lowering that passes a constant
// id the shader lacks, a constant of the wrong type, or the wrong number of
// buffers fails `tlc compile` with an error instead of running a
// misconfigured kernel.
//
// A dispatch with symbolic dims or group counts (DispatchDesc::isDynamic)
// runs the shader's dyn build (spirv/EmbeddedShaders.h: dynBuildName),
// which reads the constants listed in its TLC_DIMS (shaders/dims.glsl) from
// a uniform block bound after the operands; dynamicDimIds says which
// constant id each member of that block replaces.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_CODEGEN_DISPATCHCHECK_H
#define TLC_CODEGEN_DISPATCHCHECK_H

#include "ops/OpDef.h"
#include "spirv/SpirvInterface.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace tlc {

/// Checks dispatch \p d against \p iface, the interface of the module it
/// runs: d.shader's static build for a static dispatch, its dyn build
/// (dynBuildName(d.shader)) for one with d.isDynamic(). For a static build:
///  - every specConstants[i] is a constant the module declares with
///    SpecId i and the same SpecType, except spec::unused entries, whose id
///    the module must not declare;
///  - every constant the module declares is passed (unless
///    d.specTailDefaults: then those past the last one passed keep their
///    defaults), including those that
///    set the workgroup size (`local_size_x_id`): the lowering chooses the
///    workgroup size and sizes the grid for it, so the plan must pin it;
///  - operands.size() equals the module's binding count (one more than its
///    largest set-0 binding);
///  - every binding in writes exists and is not declared readonly, and every
///    binding declared writeonly is in writes (barriers are placed from
///    writes, codegen/Barriers.cpp);
///  - d is not dynamic (a static build has no TlcDims block to read
///    symbolic values from).
/// For a dyn build (iface.dims.present()), \p dimIds gives the constant id
/// each TlcDims member replaces, in block order (dynamicDimIds), and:
///  - every id in d.dynamicDims is one of dimIds: only TLC_DIMS constants
///    can take run-time values;
///  - every member's id is passed (not spec::unused) with the member's type
///    (u32 for `uint`, i32 for `int`), specTailDefaults or not: the plan
///    writes one value per member, the value at the upper bound or the
///    constant;
///  - the other constants (structural: opcodes, flags, tile sizes) are
///    checked as for a static build against the dyn build's own constants;
///  - operands.size() + 1 equals the binding count, the last binding being
///    the TlcDims block, which the dispatch must not list in writes.
/// Errors start with \p what (e.g. "node 'conv1' (Conv)"), name the shader
/// and the constant id or binding, and give what the module declares
/// against what the dispatch passes.
llvm::Error checkDispatch(const DispatchDesc &d,
                          const ShaderInterfaceRef &iface, llvm::StringRef what,
                          llvm::ArrayRef<unsigned> dimIds = {});

/// Checks dispatch \p d against the embedded module it runs: d.shader, or
/// dynBuildName(d.shader) when d.isDynamic() (with dynamicDimIds), as
/// checkDispatch above. Errors also when that module is not embedded.
llvm::Error checkDispatch(const DispatchDesc &d, llvm::StringRef what);

/// For the dyn build of the embedded module \p shader (a static module name
/// such as "binary" or "binary_f16"; the dyn build is dynBuildName(shader)):
/// the constant id each member of its TlcDims block replaces, in block
/// order, matched by name with \p shader's specialization constants
/// (matchDimsToSpecConstants). Member k is the k-th 32-bit word of the block
/// (byte offset 4k) and the k-th of PlanCommand::dimExprs. Errors name the
/// shader: it or its dyn build is not embedded, or a member has no
/// same-named constant of its type in the static build.
llvm::Expected<std::vector<unsigned>> dynamicDimIds(llvm::StringRef shader);

} // namespace tlc

#endif // TLC_CODEGEN_DISPATCHCHECK_H
