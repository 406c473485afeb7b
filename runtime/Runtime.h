//===- runtime/Runtime.h - The thin Vulkan runtime --------------*- C++ -*-===//
//
// Executes a compiled Plan on a Vulkan device. Everything is set up once at
// load: buffers and their memory, weight upload, shader modules, pipelines
// (specialization constants baked in), descriptor sets, and one command buffer
// recorded with the plan's dispatches and barriers. Each run() only copies the
// inputs into host-visible staging memory, submits, waits and exposes the
// outputs: no allocation, no descriptor update, no re-recording. A plan for
// a range of shapes (docs/shape-ranges.md) is set up the same way, at its
// upper bounds; its dynamic dispatches read their dims and group counts
// from a small parameters buffer that run() refills, from the input shapes,
// only when the symbols' values change (docs/runtime.md).
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
  /// How long a run (and a load's uploads) waits for the device before it
  /// gives up with an error, in seconds (>= 1). A large model on a CPU
  /// implementation such as lavapipe can need more than the default.
  unsigned waitTimeoutSeconds = 60;
};

/// Counters the runtime keeps, to show that nothing is allocated, created,
/// written or recorded per run. All are per Device, over every LoadedPlan on
/// it; all but the first two only grow.
struct RuntimeCounters {
  uint64_t memoryAllocations = 0;  // live vkAllocateMemory calls
  uint64_t allocatedBytes = 0;     // bytes in those allocations
  uint64_t submits = 0;            // vkQueueSubmit calls
  uint64_t validationMessages = 0; // warnings+errors from validation layers
  uint64_t pipelinesCreated = 0;   // compute pipelines created
  uint64_t descriptorWrites = 0;   // VkWriteDescriptorSet entries applied
  uint64_t commandBufferRecordings = 0; // vkBeginCommandBuffer calls
  /// Evaluations of a plan's symbolic expressions into its parameters
  /// staging buffer (plans for shape ranges, docs/shape-ranges.md): one at
  /// load, then one per run whose symbol values differ from the last
  /// evaluation's.
  uint64_t parameterEvaluations = 0;
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

/// What the command buffer of a run holds (LoadedPlan::lastRunCommands).
/// A plan for shape ranges leaves out the dispatches whose group count is
/// zero for the run's symbol values, and the barriers that leaves
/// redundant.
struct RecordedCommands {
  uint32_t dispatches = 0; // Dispatch commands recorded
  uint32_t skipped = 0;    // Dispatch commands left out (zero groups)
  uint32_t barriers = 0;   // plan Barrier commands recorded
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
  /// A plan for a range of shapes is checked and set up at its upper bounds,
  /// with every expression checked at the symbols' minima and maxima before
  /// anything is allocated, and gets a parameters buffer when it has dynamic
  /// dispatches (docs/runtime.md, "Plans for shape ranges"); errors name the
  /// command, tensor or symbol.
  static llvm::Expected<std::unique_ptr<LoadedPlan>>
  load(Device &device, const Plan &plan, const LoadOptions &opts = {});
  ~LoadedPlan();

  /// Copies \p bytes into graph input \p index (plan.inputs order), an
  /// input of static shape. Errors when the index is out of range, when the
  /// input has symbolic dims (use the overload with a shape), or when the
  /// size differs from the input tensor's byte size.
  llvm::Error setInput(size_t index, llvm::ArrayRef<uint8_t> bytes);
  /// Copies \p bytes, a row-major tensor of shape \p shape, into graph input
  /// \p index. For an input with symbolic dims (PlanTensor::dims) \p shape
  /// is the actual shape of this run: each dim that is exactly a symbol
  /// binds that symbol to the dim's value; each constant dim must equal its
  /// constant; any other dim is checked against its expression by run().
  /// For a static input \p shape must equal its shape. Errors (nothing is
  /// written and the input keeps its previous contents and shape): index out
  /// of range, a rank that differs from the input's, a constant dim that
  /// differs, a symbol's value outside its range (the message names the
  /// symbol, its range, the value and the input), one symbol with two values
  /// within this input, a dim outside [0, its upper bound], \p bytes.size()
  /// != the elements of \p shape times the element size. Two inputs that
  /// disagree on a symbol are refused by run(), since inputs are set one at
  /// a time.
  llvm::Error setInput(size_t index, llvm::ArrayRef<uint8_t> bytes,
                       llvm::ArrayRef<int64_t> shape);
  /// Sets symbol \p name, one that is no input's dim (a host-set symbol:
  /// the number of positions a KV cache holds), for the following runs.
  /// Errors: no such symbol, a symbol an input's shape gives, a value
  /// outside the symbol's range. run() refuses to start while a host-set
  /// symbol has no value.
  llvm::Error setSymbol(llvm::StringRef name, int64_t value);
  /// Submits the recorded command buffer and waits for it. For a plan with
  /// symbols it first derives their values from the inputs' shapes and, when
  /// they differ from the last evaluation's, evaluates the plan's
  /// expressions into the parameters staging buffer (nothing else: no
  /// allocation, descriptor update, recording or pipeline creation). Errors,
  /// all before anything is submitted, leaving the outputs and their shapes
  /// as they were: two inputs disagreeing on a symbol (names both inputs and
  /// values), an input dim that is not what its expression gives, an
  /// expression that fails to evaluate, a run-time dimension that does not
  /// fit a 32-bit word ([-2^31, 2^32)), a group count outside
  /// [0, maxComputeWorkGroupCount], a tensor dim beyond its planned upper
  /// bound (these name the command's label or the tensor). Submission errors
  /// carry the VkResult name and the call that returned it.
  llvm::Error run();
  /// Bytes of graph output \p index (plan.outputs order): the actual shape's
  /// bytes (outputShape(index)), row-major from the tensor's start. Valid
  /// until the next run() or the LoadedPlan's destruction; empty when
  /// \p index is out of range.
  llvm::ArrayRef<uint8_t> output(size_t index) const;
  /// The actual shape of graph output \p index after the last successful
  /// run (before the first run: the shape with every symbol at its upper
  /// bound); the plan's shape for a static output; empty when \p index is
  /// out of range.
  std::vector<int64_t> outputShape(size_t index) const;
  /// The current shape of graph input \p index: the last one setInput
  /// accepted, else the shape with every symbol at its upper bound; empty
  /// when \p index is out of range.
  std::vector<int64_t> inputShape(size_t index) const;
  /// Size of the parameters buffer in bytes (device-local; a staging copy of
  /// the same size is host-visible): 0 for a plan without dynamic dispatches,
  /// which then records exactly as a plan of static shapes.
  uint64_t parameterBytes() const;
  /// The dispatches and barriers of the command buffer the last run
  /// submitted (before the first run: the one recorded for every symbol at
  /// its upper bound).
  RecordedCommands lastRunCommands() const;

  /// run(), timed (symbols, parameters and errors as in run()): host time
  /// always, GPU time from the two timestamps the
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
  /// dispatch it records (recorded on the first call and again when the
  /// set of dispatches gated out changes, so that the command buffers of
  /// run() stay lean; gated-out dispatches have no slice). Dispatch k's slice starts at the timestamp after the
  /// previous command's completion and ends when it and everything before it
  /// completed. Inputs, outputs, symbols and parameters behave as in run().
  /// Errors: no timestamp support (names the reason), and those of run().
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
