//===- runtime/Runtime.h - The thin Vulkan runtime --------------*- C++ -*-===//
//
// Executes a compiled Plan on a Vulkan device. Everything is set up once at
// load: buffers and their memory, weight upload, shader modules, pipelines
// (specialization constants baked in), descriptor sets, and one command buffer
// recorded with the plan's dispatches and barriers. Each run() only copies the
// inputs into host-visible staging memory, submits, waits and exposes the
// outputs: no allocation, no descriptor update, no re-recording.
//
// Thread safety: a Device may be shared by several LoadedPlans on different
// threads (queue submission is serialized inside Device). One LoadedPlan must
// be used by one thread at a time.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_RUNTIME_H
#define TLC_RUNTIME_RUNTIME_H

#include "codegen/Plan.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tlc {

/// What `tlc devices` prints about one physical device.
struct DeviceInfo {
  uint32_t index = 0;
  std::string name;
  std::string type;        // "discrete-gpu", "integrated-gpu", "cpu", ...
  uint32_t apiVersion = 0; // VK_MAKE_API_VERSION encoding
  uint64_t maxStorageBufferRange = 0;   // bytes
  uint64_t maxMemoryAllocationSize = 0; // bytes
  uint64_t deviceLocalHeapBytes = 0;    // largest device-local heap, bytes
  uint32_t minStorageBufferOffsetAlignment = 0; // bytes
  uint32_t subgroupSize = 0;
  /// VkPhysicalDeviceSubgroupProperties: the subgroup operations
  /// (VkSubgroupFeatureFlags) and the shader stages
  /// (VkShaderStageFlags) that support them.
  uint32_t subgroupOperations = 0;
  uint32_t subgroupStages = 0;
  /// VkPhysicalDevice16BitStorageFeatures::storageBuffer16BitAccess (Vulkan
  /// 1.1 core, optional): binary16 elements in storage buffers, which plans
  /// compiled with --precision=fp16 need. The runtime enables it when
  /// present.
  bool storageBuffer16BitAccess = false;
  /// The device offers VK_KHR_shader_float16_int8 with the feature
  /// shaderFloat16 (fp16 arithmetic in shaders, SPIR-V capability Float16).
  /// tlc's instance asks for Vulkan 1.1, so the features promoted to Vulkan
  /// 1.2 are reached through their extensions on every device, even one of
  /// Vulkan 1.2 or later (Vulkan 1.3 spec, chapter "Initialization",
  /// VkApplicationInfo::apiVersion: usage is valid against the lower of that
  /// version and the device's apiVersion).
  bool shaderFloat16 = false;
  /// The device offers VK_KHR_vulkan_memory_model with the feature
  /// vulkanMemoryModel (SPIR-V capability VulkanMemoryModel, memory model
  /// Vulkan), and with vulkanMemoryModelDeviceScope (capability
  /// VulkanMemoryModelDeviceScope: Device scope under that model).
  bool vulkanMemoryModel = false;
  bool vulkanMemoryModelDeviceScope = false;
  /// What a plan's tensor-core kernels (fp16 GEMMs written with GLSL
  /// GL_NV_cooperative_matrix) need: the device offers VK_NV_cooperative_matrix
  /// with the feature cooperativeMatrix, and shaderFloat16 and
  /// vulkanMemoryModel above. When true, the runtime enables the three
  /// extensions and the four features (vulkanMemoryModelDeviceScope where
  /// offered) at device creation; when false it enables none of them, and
  /// ShaderCheck refuses shaders declaring CooperativeMatrixNV, Float16 or
  /// VulkanMemoryModel (checkTensorCoreCapabilities).
  bool cooperativeMatrixNV = false;
};

struct DeviceOptions {
  /// Physical device index (as `tlc devices` lists them); -1 picks the
  /// default: env TLC_DEVICE if set, else the first discrete GPU, else any
  /// GPU, else the first device (lavapipe).
  int index = -1;
  /// Enables VK_LAYER_KHRONOS_validation and counts its messages. Also
  /// enabled by env TLC_VALIDATION=1.
  bool validation = false;
};

/// Counters the runtime keeps, to show that nothing is allocated per run.
struct RuntimeCounters {
  uint64_t memoryAllocations = 0;  // live vkAllocateMemory calls
  uint64_t allocatedBytes = 0;     // bytes in those allocations
  uint64_t submits = 0;            // vkQueueSubmit calls
  uint64_t validationMessages = 0; // warnings+errors from validation layers
};

class Device;
class LoadedPlan;

/// Lists the Vulkan physical devices. Errors when no Vulkan loader or ICD.
llvm::Expected<std::vector<DeviceInfo>> listDevices();

/// A Vulkan instance + logical device + compute queue.
class Device {
public:
  static llvm::Expected<std::unique_ptr<Device>> create(DeviceOptions opts);
  ~Device();
  const DeviceInfo &info() const;
  RuntimeCounters counters() const;
  struct Impl;
  Impl &impl() { return *impl_; }

private:
  explicit Device(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Options for LoadedPlan::load beyond the plan itself.
struct LoadOptions {
  /// Fill each transient tensor's memory with NaN at its release point
  /// (tlc run --poison-released), to catch a planner that frees too early.
  bool poisonReleased = false;
  /// Record GPU timestamps around the plan's commands when the queue
  /// supports them (runTimed()). Off: runTimed() reports host time only, as
  /// on a queue without timestamps (tests use this for the fallback).
  bool timestamps = true;
};

/// The time one run took (LoadedPlan::runTimed).
struct RunTiming {
  /// Host wall time of vkQueueSubmit + the fence wait, microseconds
  /// (std::chrono::steady_clock).
  double hostMicros = 0;
  /// GPU time from the end of the input uploads to the end of the plan's
  /// last command (the inference proper, staging copies excluded),
  /// microseconds, from vkCmdWriteTimestamp and timestampPeriod (Vulkan 1.3
  /// specification section 18.5 "Timestamp Queries"); < 0 when the queue has
  /// no timestamps.
  double gpuMicros = -1;
  /// GPU time of the whole command buffer, input uploads and output
  /// readback copies included, microseconds; < 0 without timestamps.
  double gpuTotalMicros = -1;
};

/// GPU time of one dispatch in a profiled run (LoadedPlan::runProfiled).
struct DispatchTiming {
  uint32_t command = 0;   // index into Plan::commands (a Dispatch)
  double startMicros = 0; // since the profiled run's first timestamp
  double endMicros = 0;   // >= startMicros
};

/// What happened to the on-disk pipeline cache during LoadedPlan::load
/// (runtime/PipelineCacheFile.h).
struct PipelineCacheReport {
  /// The cache file used, "" when the cache is off (TLC_PIPELINE_CACHE=off
  /// or no cache directory could be determined).
  std::string path;
  /// A valid cache for this device was read and given to the driver.
  bool hit = false;
  /// The file was rewritten after pipeline creation (new pipelines).
  bool saved = false;
  /// Why a file was ignored or not written ("" when nothing went wrong);
  /// never an error: the cache is an optimization only.
  std::string note;
};

/// A plan made ready to run on one Device.
class LoadedPlan {
public:
  /// Validates the plan against the device's limits (memory heap size,
  /// maxStorageBufferRange, maxMemoryAllocationSize, offset alignment,
  /// workgroup counts) and refuses it with the numbers (needed, available)
  /// when it does not fit; then allocates, uploads weights, creates pipelines
  /// and descriptor sets and records the command buffer. The plan is copied.
  static llvm::Expected<std::unique_ptr<LoadedPlan>>
  load(Device &device, const Plan &plan, const LoadOptions &opts = {});
  ~LoadedPlan();

  /// Copies \p bytes into graph input \p index (plan.inputs order). Errors
  /// when the index is out of range or the size differs from the input
  /// tensor's byte size.
  llvm::Error setInput(size_t index, llvm::ArrayRef<uint8_t> bytes);
  /// Submits the recorded command buffer and waits for it. Errors carry the
  /// VkResult name and the call that returned it.
  llvm::Error run();
  /// Bytes of graph output \p index (plan.outputs order), valid until the
  /// next run() or the LoadedPlan's destruction; empty when \p index is out
  /// of range.
  llvm::ArrayRef<uint8_t> output(size_t index) const;

  /// run(), timed: host time always, GPU time from the two timestamps the
  /// recorded command buffer writes around the plan's commands when
  /// hasGpuTimestamps(). Errors: those of run(), and vkGetQueryPoolResults.
  llvm::Expected<RunTiming> runTimed();
  /// Whether runTimed() reports GPU time. False when the compute queue
  /// family has timestampValidBits == 0 (and the device does not set
  /// timestampComputeAndGraphics), or LoadOptions::timestamps was off.
  bool hasGpuTimestamps() const;
  /// Why hasGpuTimestamps() is false ("" when it is true).
  llvm::StringRef timestampsUnavailableReason() const;

  /// One run of a second command buffer that writes a timestamp after every
  /// dispatch (recorded on the first call, so that the command buffer of
  /// run() stays lean). Dispatch k's slice starts at the timestamp after the
  /// previous command's completion and ends when it and everything before it
  /// completed. Inputs and outputs behave as in run(). Errors: no timestamp
  /// support (names the reason), and those of run().
  llvm::Expected<std::vector<DispatchTiming>> runProfiled();

  /// The on-disk pipeline cache's fate during load.
  const PipelineCacheReport &pipelineCache() const;

  const Plan &plan() const;
  struct Impl;

private:
  explicit LoadedPlan(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Times \p iterations (after \p warmup untimed ones) of one vkCmdCopyBuffer
/// of \p bytes between two device-local buffers on \p device, each
/// submitted and waited for alone, with timestamps around the copy: the
/// device's copy bandwidth (2 * bytes / gpuMicros counts bytes read plus
/// written), the reference for memory-bound kernels. Errors: 0 bytes, a
/// queue without timestamps, allocation failures (the bytes must fit one
/// allocation, maxMemoryAllocationSize) and Vulkan call failures.
llvm::Expected<std::vector<RunTiming>> timeDeviceCopy(Device &device,
                                                      uint64_t bytes,
                                                      unsigned warmup,
                                                      unsigned iterations);

} // namespace tlc

#endif // TLC_RUNTIME_RUNTIME_H
