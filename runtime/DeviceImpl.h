//===- runtime/DeviceImpl.h - Device internals ------------------*- C++ -*-===//
//
// The Vulkan objects behind a tlc::Device, the buffer/memory helpers every
// LoadedPlan allocates through (so that RuntimeCounters see every
// vkAllocateMemory and vkFreeMemory), and the queue-submission lock.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_DEVICEIMPL_H
#define TLC_RUNTIME_DEVICEIMPL_H

#include "runtime/Runtime.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <vulkan/vulkan.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace tlc {

/// Where a buffer's memory lives.
enum class MemoryKind : uint8_t {
  DeviceLocal, // DEVICE_LOCAL: plan buffers
  Upload,      // HOST_VISIBLE|HOST_COHERENT, preferably not device-local
  Readback,    // HOST_VISIBLE|HOST_COHERENT, preferably HOST_CACHED
};
constexpr unsigned kNumMemoryKinds = 3;

/// Picks a memory type among \p typeBits (VkMemoryRequirements) for \p kind:
/// DeviceLocal requires DEVICE_LOCAL (falling back to any allowed type);
/// Upload and Readback require HOST_VISIBLE|HOST_COHERENT and prefer types
/// that are not DEVICE_LOCAL (system memory); Readback also prefers
/// HOST_CACHED. Ties go to the lowest index, the driver's preferred order
/// (Vulkan 1.3 specification section 11.2.1). Errors when no allowed type
/// has the required flags.
llvm::Expected<uint32_t>
chooseMemoryType(const VkPhysicalDeviceMemoryProperties &props,
                 uint32_t typeBits, MemoryKind kind);

/// A VkBuffer bound to its own VkDeviceMemory (offset 0), mapped when the
/// memory is host-visible.
struct BufferAllocation {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  uint64_t size = 0;           // requested buffer size, bytes
  uint64_t allocationSize = 0; // VkMemoryRequirements::size, bytes
  void *mapped = nullptr;      // host pointer for Upload/Readback, else null
};

/// How long run() and load wait for the device before giving up, by
/// default, in nanoseconds (60 s; DeviceOptions::waitTimeoutSeconds).
constexpr uint64_t kFenceTimeoutNs = 60ull * 1000 * 1000 * 1000;

struct Device::Impl {
  /// How long fence waits last before they give up, in nanoseconds
  /// (DeviceOptions::waitTimeoutSeconds).
  uint64_t fenceTimeoutNs = kFenceTimeoutNs;
  VkInstance instance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queueFamily = 0;
  bool validation = false;

  DeviceInfo info;
  /// vendorID, deviceID, driverVersion, pipelineCacheUUID: the key of the
  /// on-disk pipeline cache (runtime/PipelineCacheFile.h).
  VkPhysicalDeviceProperties properties = {};
  VkPhysicalDeviceLimits limits = {};
  /// Valid bits of timestamps written on the compute queue (0: the queue
  /// has no timestamps), from VkQueueFamilyProperties.
  uint32_t timestampValidBits = 0;
  VkPhysicalDeviceMemoryProperties memory = {};
  /// Memory type chosen for each MemoryKind (probed at creation with a
  /// storage+transfer buffer), and the heap it belongs to.
  uint32_t memoryType[kNumMemoryKinds] = {};

  std::atomic<uint64_t> allocations{0};
  std::atomic<uint64_t> allocatedBytes{0};
  std::atomic<uint64_t> submits{0};
  std::atomic<uint64_t> validationMessages{0};
  std::atomic<uint64_t> pipelinesCreated{0};
  std::atomic<uint64_t> descriptorWrites{0};
  std::atomic<uint64_t> commandBufferRecordings{0};
  std::atomic<uint64_t> parameterEvaluations{0};

  /// Fault injection, for tests of the error paths: while > 0, counts
  /// allocations down; the allocation that finds it at 1 fails as if
  /// vkAllocateMemory returned VK_ERROR_OUT_OF_DEVICE_MEMORY. 0: off.
  std::atomic<int> failAllocationCountdown{0};
  /// Fault injection: when not VK_SUCCESS, the next fence wait of a run
  /// reports this result (e.g. VK_ERROR_DEVICE_LOST) after the real wait.
  std::atomic<VkResult> injectedWaitResult{VK_SUCCESS};

  /// Serializes vkQueueSubmit (the queue is externally synchronized, Vulkan
  /// specification section 3.6 "Threading Behavior").
  std::mutex queueMutex;

  Impl() = default;
  Impl(const Impl &) = delete;
  Impl &operator=(const Impl &) = delete;
  /// Destroys the device, messenger and instance, in that order; safe on a
  /// partially created Impl and after VK_ERROR_DEVICE_LOST.
  ~Impl();

  /// Heap index of the memory type used for \p kind.
  uint32_t heapOf(MemoryKind kind) const;

  /// Creates a buffer of \p size bytes with \p usage, allocates memory of
  /// \p kind for it (counted in the counters) and binds it; maps it when
  /// host-visible. \p what names the buffer in errors ("plan buffer 3").
  /// Errors carry the failing call and VkResult; nothing leaks on error.
  llvm::Expected<BufferAllocation> createBuffer(uint64_t size,
                                                VkBufferUsageFlags usage,
                                                MemoryKind kind,
                                                llvm::StringRef what);
  /// Unmaps, destroys and frees \p b (updating the counters); resets it.
  void destroyBuffer(BufferAllocation &b);

  /// vkQueueSubmit of one command buffer, under queueMutex; counts it.
  llvm::Error submit(VkCommandBuffer cmd, VkFence fence);

  /// Before destroying objects a submission guarded by \p fence uses: waits
  /// for the fence (bounded by fenceTimeoutNs); if the device is still
  /// running the work after that (an overloaded CPU implementation), waits
  /// for the whole queue without a bound, since destroying objects in use is
  /// undefined behavior (Vulkan 1.3 spec, section 3.3.1 "Object Lifetime").
  /// A lost device returns at once from both waits.
  void drainBeforeDestroy(VkFence fence);
};

} // namespace tlc

#endif // TLC_RUNTIME_DEVICEIMPL_H
