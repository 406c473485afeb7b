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
/// at most one Weights buffer holding plan.weights, and 4-byte aligned
/// released tensors (vkCmdFillBuffer). Errors name the field
/// ("commands[7].bindings[1]: tensor 42 out of range (12 tensors)").
llvm::Error checkPlanForRuntime(const Plan &plan);

/// Checks \p plan against the limits of \p device (Vulkan 1.3 specification
/// section 47.1, "Limits"):
///   - each bound tensor's bytes (a descriptor range) <= maxStorageBufferRange;
///   - each buffer's bytes <= maxMemoryAllocationSize (one allocation each);
///   - per memory heap, the bytes of all buffers and staging buffers that use
///     it <= the heap's size;
///   - plan.alignment is a multiple of minStorageBufferOffsetAlignment;
///   - every dispatch's group counts <= maxComputeWorkGroupCount, and its
///     binding count <= maxPerStageDescriptorStorageBuffers.
/// Errors give both numbers, e.g. "plan needs 3.2 GiB in heap 0 (...);
/// device heap 0 has 2.0 GiB".
llvm::Error checkPlanAgainstDevice(const Plan &plan,
                                   const Device::Impl &device);

} // namespace tlc

#endif // TLC_RUNTIME_PLANLIMITS_H
