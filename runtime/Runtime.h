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
  std::string type;            // "discrete-gpu", "integrated-gpu", "cpu", ...
  uint32_t apiVersion = 0;     // VK_MAKE_API_VERSION encoding
  uint64_t maxStorageBufferRange = 0;   // bytes
  uint64_t maxMemoryAllocationSize = 0; // bytes
  uint64_t deviceLocalHeapBytes = 0;    // largest device-local heap, bytes
  uint32_t minStorageBufferOffsetAlignment = 0; // bytes
  uint32_t subgroupSize = 0;
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
  uint64_t memoryAllocations = 0; // live vkAllocateMemory calls
  uint64_t allocatedBytes = 0;    // bytes in those allocations
  uint64_t submits = 0;           // vkQueueSubmit calls
  uint64_t validationMessages = 0;// warnings+errors from validation layers
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

  const Plan &plan() const;
  struct Impl;

private:
  explicit LoadedPlan(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace tlc

#endif // TLC_RUNTIME_RUNTIME_H
