//===- runtime/LoadedPlanImpl.h - LoadedPlan internals ----------*- C++ -*-===//
//
// The Vulkan objects a loaded plan owns, created once by LoadedPlan::load
// (runtime/LoadedPlan.cpp) with the helpers of runtime/Pipelines.cpp and
// runtime/CommandRecording.cpp, and destroyed in reverse order.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_LOADEDPLANIMPL_H
#define TLC_RUNTIME_LOADEDPLANIMPL_H

#include "runtime/DeviceImpl.h"

#include "codegen/Plan.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"

#include <vulkan/vulkan.h>

#include <vector>

namespace tlc {

/// How long run() and load waits for the device before giving up, in
/// nanoseconds (60 s).
constexpr uint64_t kFenceTimeoutNs = 60ull * 1000 * 1000 * 1000;

struct LoadedPlan::Impl {
  Device::Impl &dev;
  Plan plan;
  LoadOptions opts;

  /// One device-local buffer per plan.buffers[i].
  std::vector<BufferAllocation> buffers;
  /// Host-visible staging per plan buffer; only Input and Output buffers
  /// have one (the others stay empty).
  std::vector<BufferAllocation> staging;
  /// Buffers whose GPU use may still be pending after a failed load (a
  /// timed-out weight upload); freed by the destructor after its wait.
  std::vector<BufferAllocation> retired;

  std::vector<VkShaderModule> modules; // per plan.shaders
  VkPipelineCache pipelineCache = VK_NULL_HANDLE;
  /// Descriptor set layout and pipeline layout per binding count: bindings
  /// 0..n-1 of set 0, all storage buffers, compute stage.
  llvm::DenseMap<unsigned, std::pair<VkDescriptorSetLayout, VkPipelineLayout>>
      layouts;
  VkDescriptorPool descriptorPool = VK_NULL_HANDLE;
  /// Per plan command; VK_NULL_HANDLE for Barrier and Release.
  std::vector<VkPipeline> pipelines;
  std::vector<VkDescriptorSet> sets;

  VkCommandPool commandPool = VK_NULL_HANDLE;
  VkCommandBuffer commandBuffer = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  /// Submitted with `fence` and not waited for yet (after a timeout or an
  /// error); the destructor waits before destroying anything.
  bool pending = false;
  /// A run failed in a way that leaves the fence unusable (timeout, device
  /// lost); later runs are refused.
  bool broken = false;

  Impl(Device::Impl &dev, const Plan &plan, const LoadOptions &opts)
      : dev(dev), plan(plan), opts(opts) {}
  Impl(const Impl &) = delete;
  Impl &operator=(const Impl &) = delete;
  /// Waits for a pending submission (bounded), then destroys everything in
  /// reverse creation order. Safe on a partially loaded plan.
  ~Impl();

  /// Submits \p cmd with `fence`, waits up to kFenceTimeoutNs, resets the
  /// fence. \p step names the work in errors ("run", "weight upload").
  llvm::Error submitAndWait(VkCommandBuffer cmd, llvm::StringRef step);
};

/// Creates the VkShaderModule of every plan shader (already validated by
/// checkPlanShaders). Errors name the shader.
llvm::Error createShaderModules(LoadedPlan::Impl &p);

/// Creates the pipeline cache, the layouts, one compute pipeline per Dispatch
/// command (specialization constant i = specConstants[i], 4 bytes each), the
/// descriptor pool (sized exactly) and one descriptor set per dispatch,
/// written once: binding k = plan.tensors[bindings[k]] at (its buffer, its
/// offset, its bytes).
llvm::Error createPipelinesAndDescriptors(LoadedPlan::Impl &p);

/// Uploads plan.weights into the Weights buffer through a temporary staging
/// buffer and a one-time command buffer; the staging buffer is freed before
/// returning. Does nothing without weights.
llvm::Error uploadWeights(LoadedPlan::Impl &p);

/// Records p.commandBuffer once: input staging -> input buffers, the plan's
/// commands, output buffers -> output staging, with the transfer/compute/
/// host barriers around them (see docs/runtime.md).
llvm::Error recordCommandBuffer(LoadedPlan::Impl &p);

} // namespace tlc

#endif // TLC_RUNTIME_LOADEDPLANIMPL_H
