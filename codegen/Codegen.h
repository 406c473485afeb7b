//===- codegen/Codegen.h - Graph + memory plan -> Plan ----------*- C++ -*-===//
#ifndef TLC_CODEGEN_CODEGEN_H
#define TLC_CODEGEN_CODEGEN_H

#include "codegen/Plan.h"
#include "ir/Graph.h"
#include "ops/OpDef.h"
#include "passes/Liveness.h"
#include "passes/MemoryPlan.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace tlc {

/// Lowers a scheduled, typed graph to a Plan (codegen/Lowering.cpp):
///  - tensors: every live value, placed per \p mem (transients), its own
///    buffer (each input, each output), or the one Weights buffer (weights,
///    packed at \p alignment-aligned offsets, their bytes in Plan::weights);
///  - commands: for each step, the dispatches of its op's lowering (SPIR-V
///    taken from the embedded shaders), then a Release command for every
///    tensor in \p releases[step].
/// No barriers yet: insertBarriers adds them. Errors: an op without a
/// lowering, a shader missing from the build, a dispatch that disagrees with
/// its shader's interface (checkDispatch, codegen/DispatchCheck.h: constant
/// ids and types, binding count, written bindings), a graph input that is
/// also an output, or a dtype the runtime cannot execute.
llvm::Expected<Plan>
lowerToPlan(const Graph &g, const Liveness &live, const MemoryPlan &mem,
            const std::vector<std::vector<ValueId>> &releases,
            uint32_t alignment, const KernelTarget &target);


/// Inserts a Barrier command before each dispatch that touches memory an
/// earlier dispatch since the last barrier wrote (read-after-write,
/// write-after-write) or read (write-after-read, which memory reuse
/// creates). Memory is compared as byte ranges of buffers, so independent
/// dispatches share no barrier. (codegen/Barriers.cpp)
void insertBarriers(Plan &plan);

} // namespace tlc

#endif // TLC_CODEGEN_CODEGEN_H
