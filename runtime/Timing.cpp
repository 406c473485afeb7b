//===- runtime/Timing.cpp - GPU timestamps of runs and dispatches ---------===//
//
// LoadedPlan::runTimed reads the four timestamps the recorded command buffer
// writes (runtime/CommandRecording.cpp) and converts ticks to microseconds
// with VkPhysicalDeviceLimits::timestampPeriod, masking to the queue's
// timestampValidBits (Vulkan 1.3 specification section 18.5 "Timestamp
// Queries"). runProfiled records a second command buffer with a
// timestamp after every dispatch (again when the dispatches a run gates out
// change), so that the ones run() submits stay lean.
//
//===----------------------------------------------------------------------===//
#include "runtime/LoadedPlanImpl.h"
#include "runtime/VkCheck.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <chrono>

using namespace llvm;

namespace tlc {

Error createTimestampQueries(LoadedPlan::Impl &p) {
  const Device::Impl &d = p.dev;
  if (!p.opts.timestamps) {
    p.timestampsOff = "timestamps were turned off (LoadOptions::timestamps)";
    return Error::success();
  }
  if (d.timestampValidBits == 0) {
    p.timestampsOff =
        formatv("the compute queue family {0} has timestampValidBits = 0 "
                "(timestampComputeAndGraphics = {1})",
                d.queueFamily, d.limits.timestampComputeAndGraphics ? 1 : 0)
            .str();
    return Error::success();
  }
  if (!(d.limits.timestampPeriod > 0.0f)) {
    p.timestampsOff = "the device reports timestampPeriod = 0";
    return Error::success();
  }
  p.timestampPeriodNs = d.limits.timestampPeriod;
  p.timestampMask =
      d.timestampValidBits >= 64 ? ~0ull : (1ull << d.timestampValidBits) - 1;
  VkQueryPoolCreateInfo qi = {};
  qi.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
  qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
  qi.queryCount = kRunTimestamps;
  return checkVk(vkCreateQueryPool(d.device, &qi, nullptr, &p.queryPool),
                 "vkCreateQueryPool");
}

/// Reads \p count 64-bit timestamps of \p pool (after the fence wait, so
/// they are available).
static Error readTimestamps(LoadedPlan::Impl &p, VkQueryPool pool,
                            uint32_t count, SmallVectorImpl<uint64_t> &out) {
  out.assign(count, 0);
  return checkVk(vkGetQueryPoolResults(
                     p.dev.device, pool, 0, count, count * sizeof(uint64_t),
                     out.data(), sizeof(uint64_t),
                     VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
                 "vkGetQueryPoolResults");
}

/// Microseconds from tick \p from to tick \p to, modulo the valid bits.
static double ticksToMicros(const LoadedPlan::Impl &p, uint64_t from,
                            uint64_t to) {
  uint64_t ticks = (to - from) & p.timestampMask;
  return double(ticks) * p.timestampPeriodNs / 1000.0;
}

Expected<RunTiming> LoadedPlan::runTimed() {
  Impl &p = *impl_;
  auto t0 = std::chrono::steady_clock::now();
  if (Error e = run())
    return std::move(e);
  auto t1 = std::chrono::steady_clock::now();
  RunTiming timing;
  timing.hostMicros =
      std::chrono::duration<double, std::micro>(t1 - t0).count();
  if (!p.queryPool)
    return timing;
  SmallVector<uint64_t, kRunTimestamps> ts;
  if (Error e = readTimestamps(p, p.queryPool, kRunTimestamps, ts))
    return std::move(e);
  timing.gpuMicros = ticksToMicros(p, ts[1], ts[2]);
  timing.gpuTotalMicros = ticksToMicros(p, ts[0], ts[3]);
  return timing;
}

bool LoadedPlan::hasGpuTimestamps() const { return impl_->queryPool; }

StringRef LoadedPlan::timestampsUnavailableReason() const {
  return impl_->timestampsOff;
}

Expected<std::vector<DispatchTiming>> LoadedPlan::runProfiled() {
  Impl &p = *impl_;
  if (!p.queryPool)
    return createStringError(inconvertibleErrorCode(),
                             "plan '%s': cannot profile dispatches: %s",
                             p.plan.modelName.c_str(), p.timestampsOff.c_str());
  if (p.broken)
    return createStringError(inconvertibleErrorCode(),
                             "plan '%s' cannot run: an earlier run failed "
                             "(timeout or device lost)",
                             p.plan.modelName.c_str());
  if (Error e = p.runCommandBuffer(/*profiled=*/true, "profiled run"))
    return std::move(e);

  const std::vector<uint32_t> &dispatchCommands = p.profileDispatches;
  SmallVector<uint64_t, 64> ts;
  if (Error e = readTimestamps(p, p.profileQueryPool,
                               uint32_t(dispatchCommands.size() + 1), ts))
    return std::move(e);
  std::vector<DispatchTiming> out;
  out.reserve(dispatchCommands.size());
  for (size_t k = 0; k < dispatchCommands.size(); ++k) {
    DispatchTiming t;
    t.command = dispatchCommands[k];
    t.startMicros = ticksToMicros(p, ts[0], ts[k]);
    t.endMicros = std::max(t.startMicros, ticksToMicros(p, ts[0], ts[k + 1]));
    out.push_back(t);
  }
  return out;
}

const PipelineCacheReport &LoadedPlan::pipelineCache() const {
  return impl_->cacheReport;
}

} // namespace tlc
