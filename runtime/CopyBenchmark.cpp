//===- runtime/CopyBenchmark.cpp - Device-to-device copy bandwidth --------===//
//
// The reference point for memory-bound kernels: a vkCmdCopyBuffer between two
// device-local buffers, timed with the same timestamps as a plan's run
// (runtime/Timing.cpp), so that `tlc bench --copy-baseline` can say how close
// an elementwise plan comes to the device's copy bandwidth.
//
//===----------------------------------------------------------------------===//
#include "runtime/DeviceImpl.h"
#include "runtime/LoadedPlanImpl.h"
#include "runtime/VkCheck.h"

#include "llvm/ADT/ScopeExit.h"

#include <chrono>

using namespace llvm;

namespace tlc {

Expected<std::vector<RunTiming>> timeDeviceCopy(Device &device, uint64_t bytes,
                                                unsigned warmup,
                                                unsigned iterations) {
  Device::Impl &d = device.impl();
  if (bytes == 0)
    return createStringError(inconvertibleErrorCode(),
                             "copy benchmark: 0 bytes");
  if (d.timestampValidBits == 0 || !(d.limits.timestampPeriod > 0.0f))
    return createStringError(inconvertibleErrorCode(),
                             "copy benchmark: the compute queue of %s has no "
                             "timestamps",
                             d.info.name.c_str());
  BufferAllocation src, dst;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkQueryPool queries = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  bool pending = false;
  auto cleanup = make_scope_exit([&] {
    if (pending)
      d.drainBeforeDestroy(fence);
    if (fence)
      vkDestroyFence(d.device, fence, nullptr);
    if (queries)
      vkDestroyQueryPool(d.device, queries, nullptr);
    if (pool)
      vkDestroyCommandPool(d.device, pool, nullptr);
    d.destroyBuffer(src);
    d.destroyBuffer(dst);
  });
  VkBufferUsageFlags usage =
      VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  auto s = d.createBuffer(bytes, usage, MemoryKind::DeviceLocal,
                          "copy benchmark source");
  if (!s)
    return s.takeError();
  src = *s;
  auto t = d.createBuffer(bytes, usage, MemoryKind::DeviceLocal,
                          "copy benchmark destination");
  if (!t)
    return t.takeError();
  dst = *t;

  VkCommandPoolCreateInfo pci = {};
  pci.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  pci.queueFamilyIndex = d.queueFamily;
  if (Error e = checkVk(vkCreateCommandPool(d.device, &pci, nullptr, &pool),
                        "vkCreateCommandPool"))
    return std::move(e);
  VkQueryPoolCreateInfo qi = {};
  qi.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
  qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
  qi.queryCount = 2;
  if (Error e = checkVk(vkCreateQueryPool(d.device, &qi, nullptr, &queries),
                        "vkCreateQueryPool"))
    return std::move(e);
  VkFenceCreateInfo fi = {};
  fi.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  if (Error e = checkVk(vkCreateFence(d.device, &fi, nullptr, &fence),
                        "vkCreateFence"))
    return std::move(e);

  VkCommandBuffer cmd = VK_NULL_HANDLE;
  VkCommandBufferAllocateInfo ai = {};
  ai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  ai.commandPool = pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  if (Error e = checkVk(vkAllocateCommandBuffers(d.device, &ai, &cmd),
                        "vkAllocateCommandBuffers"))
    return std::move(e);
  VkCommandBufferBeginInfo bi = {};
  bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  ++d.commandBufferRecordings;
  if (Error e = checkVk(vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer"))
    return std::move(e);
  vkCmdResetQueryPool(cmd, queries, 0, 2);
  vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries, 0);
  VkBufferCopy region = {0, 0, bytes};
  vkCmdCopyBuffer(cmd, src.buffer, dst.buffer, 1, &region);
  vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries, 1);
  if (Error e = checkVk(vkEndCommandBuffer(cmd), "vkEndCommandBuffer"))
    return std::move(e);

  uint64_t mask =
      d.timestampValidBits >= 64 ? ~0ull : (1ull << d.timestampValidBits) - 1;
  std::vector<RunTiming> out;
  for (unsigned i = 0; i < warmup + iterations; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (Error e = d.submit(cmd, fence))
      return std::move(e);
    pending = true;
    if (Error e = checkVk(
            vkWaitForFences(d.device, 1, &fence, VK_TRUE, d.fenceTimeoutNs),
            "vkWaitForFences"))
      return std::move(e);
    pending = false;
    auto t1 = std::chrono::steady_clock::now();
    if (Error e = checkVk(vkResetFences(d.device, 1, &fence), "vkResetFences"))
      return std::move(e);
    uint64_t ts[2] = {0, 0};
    if (Error e = checkVk(
            vkGetQueryPoolResults(
                d.device, queries, 0, 2, sizeof(ts), ts, sizeof(uint64_t),
                VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
            "vkGetQueryPoolResults"))
      return std::move(e);
    if (i < warmup)
      continue;
    RunTiming r;
    r.hostMicros = std::chrono::duration<double, std::micro>(t1 - t0).count();
    r.gpuMicros =
        double((ts[1] - ts[0]) & mask) * d.limits.timestampPeriod / 1000.0;
    r.gpuTotalMicros = r.gpuMicros;
    out.push_back(r);
  }
  return out;
}

} // namespace tlc
