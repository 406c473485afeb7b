//===- codegen/DispatchCheck.h - A dispatch against its shader --*- C++ -*-===//
//
// Lowerings state what they pass to a shader (DispatchDesc, ops/OpDef.h);
// the shader's SPIR-V states what it declares (spirv/SpirvInterface.h).
// checkDispatch compares the two, so that a lowering that passes a constant
// id the shader lacks, a constant of the wrong type, or the wrong number of
// buffers fails `tlc compile` with an error instead of running a
// misconfigured kernel.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_CODEGEN_DISPATCHCHECK_H
#define TLC_CODEGEN_DISPATCHCHECK_H

#include "ops/OpDef.h"
#include "spirv/SpirvInterface.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace tlc {

/// Checks dispatch \p d against \p iface, the interface of the module it
/// runs (d.shader):
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
///    writes, codegen/Barriers.cpp).
/// Errors start with \p what (e.g. "node 'conv1' (Conv)"), name the shader
/// and the constant id or binding, and give what the module declares
/// against what the dispatch passes.
llvm::Error checkDispatch(const DispatchDesc &d,
                          const ShaderInterfaceRef &iface,
                          llvm::StringRef what);

} // namespace tlc

#endif // TLC_CODEGEN_DISPATCHCHECK_H
