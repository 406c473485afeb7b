//===- runtime/PlanLimits.h - Does a plan fit this device? ------*- C++ -*-===//
//
// LoadedPlan::load checks a plan against the device BEFORE allocating
// anything, so that a plan compiled for a large GPU is refused on a small one
// with the numbers (needed vs available) instead of failing half-way with
// VK_ERROR_OUT_OF_DEVICE_MEMORY.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_PLANLIMITS_H
#define TLC_RUNTIME_PLANLIMITS_H

#include "runtime/DeviceImpl.h"

#include "codegen/Plan.h"

#include "llvm/Support/Error.h"

namespace tlc {

/// What the runtime itself relies on, beyond validatePlanStructure: every
/// index in range (tensors, buffers, shaders, bindings), each tensor inside
/// its buffer, graph inputs in Input buffers and outputs in Output buffers,
/// at most one Weights buffer holding plan.weights, 4-byte aligned
/// released tensors (vkCmdFillBuffer); for plans for shape ranges, every
/// expression index in range (tensor dims, one per dim; dynamic dispatches'
/// dimExprs and groupExprs), dimExprs only on dynamic dispatches, each
/// symbol's range within 0 <= min <= max, and each symbol that an
/// expression reads exactly some input's dim (findSymbolSites). Errors
/// name the field
/// ("commands[7].bindings[1]: tensor 42 out of range (12 tensors)").
llvm::Error checkPlanForRuntime(const Plan &plan);

/// Checks \p plan against the limits of \p device (Vulkan 1.3 specification
/// section 47.1, "Limits"):
///   - each bound tensor's bytes (a descriptor range) <= maxStorageBufferRange;
///   - each buffer's bytes <= maxMemoryAllocationSize (one allocation each);
///   - per memory heap, the bytes of all buffers and staging buffers that use
///     it (the parameters buffer and its staging copy included, laid out
///     with minUniformBufferOffsetAlignment) <= the heap's size;
///   - a dims block (dynamic dispatches) <= maxUniformBufferRange;
///   - plan.alignment is a multiple of minStorageBufferOffsetAlignment;
///   - every dispatch's group counts <= maxComputeWorkGroupCount (for a
///     dynamic dispatch, its upper bounds: run() checks the actual counts),
///     and its binding count <= maxPerStageDescriptorStorageBuffers;
///   - for a plan for shape ranges, with every symbol at its minimum and
///     then at its maximum, everything evaluateParameters checks (each
///     expression evaluates, dims words fit 32 bits, group counts fit
///     maxComputeWorkGroupCount, tensor dims stay within their bounds).
/// Errors give both numbers, e.g. "plan needs 3.2 GiB in heap 0 (...);
/// device heap 0 has 2.0 GiB".
llvm::Error checkPlanAgainstDevice(const Plan &plan,
                                   const Device::Impl &device);

} // namespace tlc

#endif // TLC_RUNTIME_PLANLIMITS_H
