//===- runtime/DeviceMemory.cpp - Buffers, memory types, counters ---------===//
//
// Each runtime buffer has its own VkDeviceMemory: plans have a handful of
// buffers (transient pools, weights, one per input and output), far below
// maxMemoryAllocationCount (at least 4096), and a dedicated allocation keeps
// the accounting in RuntimeCounters exact.
//
//===----------------------------------------------------------------------===//
#include "runtime/DeviceImpl.h"
#include "runtime/VkCheck.h"

using namespace llvm;

namespace tlc {

static const char *memoryKindName(MemoryKind kind) {
  switch (kind) {
  case MemoryKind::DeviceLocal:
    return "device-local";
  case MemoryKind::Upload:
    return "host-visible upload";
  case MemoryKind::Readback:
    return "host-visible readback";
  }
  return "?";
}

Expected<uint32_t>
chooseMemoryType(const VkPhysicalDeviceMemoryProperties &props,
                 uint32_t typeBits, MemoryKind kind) {
  VkMemoryPropertyFlags required = 0, preferred = 0, avoided = 0;
  switch (kind) {
  case MemoryKind::DeviceLocal:
    preferred = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    break;
  case MemoryKind::Upload:
    required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
               VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    avoided = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    break;
  case MemoryKind::Readback:
    required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
               VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    preferred = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
    avoided = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    break;
  }
  int best = -1, bestScore = -1;
  for (uint32_t i = 0; i < props.memoryTypeCount; ++i) {
    if (!(typeBits & (1u << i)))
      continue;
    VkMemoryPropertyFlags f = props.memoryTypes[i].propertyFlags;
    if ((f & required) != required)
      continue;
    // Protected memory cannot back ordinary buffers.
    if (f & VK_MEMORY_PROPERTY_PROTECTED_BIT)
      continue;
    int score = (preferred && (f & preferred) == preferred ? 2 : 0) +
                (avoided && !(f & avoided) ? 1 : 0);
    if (score > bestScore) {
      best = int(i);
      bestScore = score;
    }
  }
  if (best < 0)
    return createStringError(inconvertibleErrorCode(),
                             "the device has no %s memory type for storage "
                             "buffers (memoryTypeBits 0x%x)",
                             memoryKindName(kind), typeBits);
  return uint32_t(best);
}

Expected<BufferAllocation> Device::Impl::createBuffer(uint64_t size,
                                                      VkBufferUsageFlags usage,
                                                      MemoryKind kind,
                                                      StringRef what) {
  auto context = [&](Error e) {
    return createStringError(inconvertibleErrorCode(), "%s (%s, %s): %s",
                             what.str().c_str(), formatBytes(size).c_str(),
                             memoryKindName(kind),
                             toString(std::move(e)).c_str());
  };
  BufferAllocation b;
  b.size = size;
  VkBufferCreateInfo bi = {};
  bi.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  bi.size = size;
  bi.usage = usage;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  if (Error e = checkVk(vkCreateBuffer(device, &bi, nullptr, &b.buffer),
                        "vkCreateBuffer"))
    return context(std::move(e));

  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device, b.buffer, &req);
  uint32_t type = memoryType[unsigned(kind)];
  if (!(req.memoryTypeBits & (1u << type))) {
    Expected<uint32_t> t = chooseMemoryType(memory, req.memoryTypeBits, kind);
    if (!t) {
      destroyBuffer(b);
      return context(t.takeError());
    }
    type = *t;
  }
  VkMemoryAllocateInfo ai = {};
  ai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  ai.allocationSize = req.size;
  ai.memoryTypeIndex = type;
  VkResult r = VK_ERROR_OUT_OF_DEVICE_MEMORY;
  if (failAllocationCountdown.load() == 0 || --failAllocationCountdown != 0)
    r = vkAllocateMemory(device, &ai, nullptr, &b.memory);
  if (Error e = checkVk(r, "vkAllocateMemory")) {
    destroyBuffer(b);
    return context(std::move(e));
  }
  b.allocationSize = req.size;
  ++allocations;
  allocatedBytes += req.size;

  if (Error e = checkVk(vkBindBufferMemory(device, b.buffer, b.memory, 0),
                        "vkBindBufferMemory")) {
    destroyBuffer(b);
    return context(std::move(e));
  }
  if (kind != MemoryKind::DeviceLocal) {
    if (Error e = checkVk(
            vkMapMemory(device, b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped),
            "vkMapMemory")) {
      b.mapped = nullptr;
      destroyBuffer(b);
      return context(std::move(e));
    }
  }
  return b;
}

void Device::Impl::destroyBuffer(BufferAllocation &b) {
  if (b.buffer)
    vkDestroyBuffer(device, b.buffer, nullptr);
  if (b.memory) {
    if (b.mapped)
      vkUnmapMemory(device, b.memory);
    vkFreeMemory(device, b.memory, nullptr);
    --allocations;
    allocatedBytes -= b.allocationSize;
  }
  b = BufferAllocation();
}

} // namespace tlc
