//===- runtime/CommandRecording.cpp - The plan's command buffer -----------===//
//
// The command buffer is recorded once at load and resubmitted by every run.
// Barriers follow the Vulkan 1.3 specification, chapter 7
// ("Synchronization and Cache Control"): the plan's own Barrier commands
// order dependent dispatches (the code generator places them); this file
// adds only the transfer<->compute and transfer->host dependencies around
// the staging copies and the NaN fills of --poison-released. A plan for a
// range of shapes also copies its parameters staging buffer to the
// parameters buffer at the start, and its dynamic dispatches take their
// group counts from it (vkCmdDispatchIndirect); a plan of static shapes
// records exactly as before. Such a plan has one command buffer per set of
// dispatches whose group count is zero for a run ("variants"): those
// dispatches are left out, so a decode step does not pay for the prefill
// kernels gated out of it (about 2 us each on an H100) nor prefill for the
// decode kernels.
//
//===----------------------------------------------------------------------===//
#include "runtime/LoadedPlanImpl.h"
#include "runtime/VkCheck.h"

#include <cstring>
#include <optional>

using namespace llvm;

namespace tlc {

/// The bit pattern of a quiet NaN (IEEE 754 binary32), written over released
/// tensors in poison mode.
constexpr uint32_t kQuietNaNBits = 0x7FC00000u;
/// Two binary16 quiet NaNs (0x7E00 each) for fp16 tensors.
constexpr uint32_t kQuietNaNBitsF16x2 = 0x7E007E00u;

static void memoryBarrier(VkCommandBuffer cmd, VkPipelineStageFlags srcStage,
                          VkAccessFlags srcAccess,
                          VkPipelineStageFlags dstStage,
                          VkAccessFlags dstAccess) {
  VkMemoryBarrier b = {};
  b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  b.srcAccessMask = srcAccess;
  b.dstAccessMask = dstAccess;
  vkCmdPipelineBarrier(cmd, srcStage, dstStage, 0, 1, &b, 0, nullptr, 0,
                       nullptr);
}

static Error allocateCommandBuffer(LoadedPlan::Impl &p, VkCommandBuffer &cmd) {
  VkCommandBufferAllocateInfo ai = {};
  ai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  ai.commandPool = p.commandPool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  return checkVk(vkAllocateCommandBuffers(p.dev.device, &ai, &cmd),
                 "vkAllocateCommandBuffers");
}

static Error begin(LoadedPlan::Impl &p, VkCommandBuffer cmd,
                   VkCommandBufferUsageFlags flags) {
  ++p.dev.commandBufferRecordings;
  VkCommandBufferBeginInfo bi = {};
  bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  bi.flags = flags;
  return checkVk(vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer");
}

Error initializeBuffers(LoadedPlan::Impl &p) {
  bool anyState = false;
  for (const PlanBuffer &b : p.plan.buffers)
    anyState |= b.role == BufferRole::State;
  if (p.plan.weights.empty() && !anyState)
    return Error::success();
  std::optional<BufferAllocation> staging;
  uint64_t bytes = p.plan.weights.size();
  if (bytes > 0) {
    auto st = p.dev.createBuffer(bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                                 MemoryKind::Upload, "weights staging buffer");
    if (!st)
      return st.takeError();
    std::memcpy(st->mapped, p.plan.weights.data(), bytes);
    staging = *st;
  }

  VkCommandBuffer cmd = VK_NULL_HANDLE;
  Error err = allocateCommandBuffer(p, cmd);
  if (!err)
    err = begin(p, cmd, VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
  if (!err) {
    for (size_t b = 0; b < p.plan.buffers.size(); ++b) {
      BufferRole role = p.plan.buffers[b].role;
      if (role == BufferRole::Weights && staging) {
        VkBufferCopy region = {0, 0, bytes};
        vkCmdCopyBuffer(cmd, staging->buffer, p.buffers[b].buffer, 1, &region);
      } else if (role == BufferRole::State) {
        // State starts at zero: a KV cache holds no positions yet.
        vkCmdFillBuffer(cmd, p.buffers[b].buffer, 0, VK_WHOLE_SIZE, 0);
      }
    }
    // Later submissions on this queue read the weights and read and write
    // the state in shaders.
    memoryBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_WRITE_BIT,
                  VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                  VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    err = checkVk(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
  }
  if (!err)
    err = p.submitAndWait(cmd, "weight upload and state initialization");
  // The staging buffer and command buffer stay alive while the GPU may still
  // use them (a timed-out upload leaves the plan pending; the destructor
  // waits and then frees the pool).
  if (!p.pending) {
    if (cmd)
      vkFreeCommandBuffers(p.dev.device, p.commandPool, 1, &cmd);
    if (staging)
      p.dev.destroyBuffer(*staging);
  } else if (staging) {
    p.retired.push_back(*staging); // freed by the destructor
  }
  return err;
}

static void recordPoisonFill(LoadedPlan::Impl &p, VkCommandBuffer cmd,
                             const PlanTensor &t) {
  // Earlier dispatches may still read or write these bytes.
  memoryBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
                VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
  // vkCmdFillBuffer writes whole 32-bit words: an fp16 tensor of odd length
  // keeps its last element. Two binary16 quiet NaNs per word for f16.
  VkDeviceSize words = t.bytes & ~VkDeviceSize(3);
  if (words != 0)
    vkCmdFillBuffer(cmd, p.buffers[t.buffer].buffer, t.offset, words,
                    t.type.dtype == DType::F16 ? kQuietNaNBitsF16x2
                                               : kQuietNaNBits);
  // Later dispatches that reuse (or wrongly read) the bytes see the NaNs.
  memoryBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                VK_ACCESS_TRANSFER_WRITE_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

namespace {
/// Where the recorder writes timestamps: the run's four (runPool), or one
/// per dispatch (profilePool); both null for no timestamps.
struct TimestampTargets {
  VkQueryPool runPool = VK_NULL_HANDLE;
  VkQueryPool profilePool = VK_NULL_HANDLE;
  uint32_t profileQueries = 0;
};
} // namespace

/// Writes timestamp \p query of \p pool once all earlier commands completed
/// (BOTTOM_OF_PIPE: Vulkan 1.3 specification section 18.5).
static void stamp(VkCommandBuffer cmd, VkQueryPool pool, uint32_t query) {
  vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, query);
}

/// Whether parameter slice \p s is set in \p mask.
static bool testBit(const std::vector<uint64_t> &mask, size_t s) {
  return s / 64 < mask.size() && (mask[s / 64] >> (s % 64) & 1);
}

/// Records one run's work into \p cmd (begun by the caller): input uploads,
/// the plan's commands but the dispatches \p skipped leaves out (and the
/// barriers that makes redundant), output readback, with \p ts's
/// timestamps. Returns what it recorded; \p dispatched (optional) gets the
/// recorded Dispatch commands' indices.
static RecordedCommands recordRunInto(LoadedPlan::Impl &p, VkCommandBuffer cmd,
                                      const TimestampTargets &ts,
                                      const std::vector<uint64_t> &skipped,
                                      std::vector<uint32_t> *dispatched) {
  RecordedCommands counts;
  const Plan &plan = p.plan;
  if (ts.runPool) {
    vkCmdResetQueryPool(cmd, ts.runPool, 0, kRunTimestamps);
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, ts.runPool, 0);
  }
  if (ts.profilePool)
    vkCmdResetQueryPool(cmd, ts.profilePool, 0, ts.profileQueries);

  // Inputs: host-written staging -> device-local input buffers. The
  // previous run's accesses are ordered by the host's fence wait.
  bool anyInput = false;
  for (size_t b = 0; b < plan.buffers.size(); ++b)
    if (plan.buffers[b].role == BufferRole::Input) {
      VkBufferCopy region = {0, 0, plan.buffers[b].bytes};
      vkCmdCopyBuffer(cmd, p.staging[b].buffer, p.buffers[b].buffer, 1,
                      &region);
      anyInput = true;
    }
  // Parameters (plans for shape ranges): host-written staging -> the
  // device-local parameters buffer, read as uniform blocks by the dynamic
  // dispatches' shaders and as VkDispatchIndirectCommand by the indirect
  // dispatches (vkCmdDispatchIndirect reads its command in the DRAW_INDIRECT
  // stage with INDIRECT_COMMAND_READ access: Vulkan 1.3 specification,
  // chapter 7, "Pipeline Stages" and "Access Types"). As for the inputs, the
  // previous run's reads are ordered by the host's fence wait.
  if (p.params.bytes > 0) {
    VkBufferCopy region = {0, 0, p.params.bytes};
    vkCmdCopyBuffer(cmd, p.paramStaging.buffer, p.paramBuffer.buffer, 1,
                    &region);
  }
  if (anyInput)
    memoryBarrier(
        cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
  if (p.params.bytes > 0)
    memoryBarrier(
        cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
            VK_PIPELINE_STAGE_DRAW_INDIRECT_BIT,
        VK_ACCESS_UNIFORM_READ_BIT | VK_ACCESS_INDIRECT_COMMAND_READ_BIT);
  if (ts.runPool)
    stamp(cmd, ts.runPool, 1);
  if (ts.profilePool)
    stamp(cmd, ts.profilePool, 0);

  uint32_t dispatchIndex = 0;
  // A plan Barrier orders the dispatches before it against those after it.
  // It is recorded just before the next recorded dispatch, and only when a
  // dispatch was recorded since the last one: every plan barrier is the
  // same compute -> compute memory barrier, so a run of them with skipped
  // dispatches between is one, and one with none after it orders nothing
  // (the readback has its own).
  bool dispatchedSinceBarrier = false, barrierPending = false;
  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const PlanCommand &pc = plan.commands[c];
    switch (pc.kind) {
    case CommandKind::Dispatch:
      if (pc.dynamic && testBit(skipped, size_t(p.params.sliceOf[c]))) {
        ++counts.skipped;
        break;
      }
      if (barrierPending) {
        memoryBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                      VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
                      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        ++counts.barriers;
        barrierPending = false;
      }
      ++counts.dispatches;
      dispatchedSinceBarrier = true;
      if (dispatched)
        dispatched->push_back(uint32_t(c));
      vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipelines[c]);
      if (p.sets[c])
        vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE,
                                p.layouts[layoutKey(pc)].second, 0, 1,
                                &p.sets[c], 0, nullptr);
      if (pc.dynamic)
        vkCmdDispatchIndirect(
            cmd, p.paramBuffer.buffer,
            p.params.slices[size_t(p.params.sliceOf[c])].indirectOffset);
      else
        vkCmdDispatch(cmd, pc.groups[0], pc.groups[1], pc.groups[2]);
      if (ts.profilePool)
        stamp(cmd, ts.profilePool, ++dispatchIndex);
      break;
    case CommandKind::Barrier:
      barrierPending |= dispatchedSinceBarrier;
      dispatchedSinceBarrier = false;
      break;
    case CommandKind::Release:
      if (p.opts.poisonReleased) {
        recordPoisonFill(p, cmd, plan.tensors[pc.tensor]);
        dispatchedSinceBarrier = true; // the fill's writes, to be ordered
      }
      break;
    }
  }
  if (ts.runPool)
    stamp(cmd, ts.runPool, 2);

  // Outputs: device-local output buffers -> host-visible staging.
  bool anyOutput = false;
  for (size_t b = 0; b < plan.buffers.size(); ++b)
    if (plan.buffers[b].role == BufferRole::Output) {
      if (!anyOutput)
        memoryBarrier(cmd,
                      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
                          VK_PIPELINE_STAGE_TRANSFER_BIT,
                      VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                      VK_PIPELINE_STAGE_TRANSFER_BIT,
                      VK_ACCESS_TRANSFER_READ_BIT);
      anyOutput = true;
      VkBufferCopy region = {0, 0, plan.buffers[b].bytes};
      vkCmdCopyBuffer(cmd, p.buffers[b].buffer, p.staging[b].buffer, 1,
                      &region);
    }
  if (anyOutput)
    memoryBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                  VK_ACCESS_HOST_READ_BIT);
  if (ts.runPool)
    stamp(cmd, ts.runPool, 3);
  return counts;
}

void findSkippedDispatches(const ParamLayout &layout, const uint8_t *params,
                           std::vector<uint64_t> &skipped) {
  skipped.assign((layout.slices.size() + 63) / 64, 0); // same size each time
  for (size_t s = 0; s < layout.slices.size(); ++s) {
    uint32_t groups[3];
    std::memcpy(groups, params + layout.slices[s].indirectOffset,
                sizeof groups);
    if (groups[0] == 0 || groups[1] == 0 || groups[2] == 0)
      skipped[s / 64] |= uint64_t(1) << (s % 64);
  }
}

/// Records a new variant for p.skipped into \p v (its command buffer
/// allocated by the caller or reused).
static Error recordVariant(LoadedPlan::Impl &p,
                           LoadedPlan::Impl::CommandVariant &v) {
  if (Error e = begin(p, v.cmd, 0))
    return e;
  TimestampTargets ts;
  ts.runPool = p.queryPool;
  v.skipped = p.skipped;
  v.counts = recordRunInto(p, v.cmd, ts, p.skipped, nullptr);
  return checkVk(vkEndCommandBuffer(v.cmd), "vkEndCommandBuffer");
}

Expected<size_t> variantForSkipped(LoadedPlan::Impl &p) {
  auto &variants = p.variants;
  for (size_t i = 0; i < variants.size(); ++i)
    if (variants[i].skipped == p.skipped) {
      variants[i].lastUse = ++p.variantClock;
      return i;
    }
  size_t slot = variants.size();
  if (slot == LoadedPlan::Impl::kMaxCommandVariants) {
    slot = 0;
    for (size_t i = 1; i < variants.size(); ++i)
      if (variants[i].lastUse < variants[slot].lastUse)
        slot = i;
    // No submission is pending (runs wait for their fence): free it.
    vkFreeCommandBuffers(p.dev.device, p.commandPool, 1, &variants[slot].cmd);
    variants[slot].cmd = VK_NULL_HANDLE;
  } else {
    variants.emplace_back();
  }
  LoadedPlan::Impl::CommandVariant &v = variants[slot];
  if (Error e = allocateCommandBuffer(p, v.cmd)) {
    variants.erase(variants.begin() + long(slot));
    return std::move(e);
  }
  if (Error e = recordVariant(p, v)) {
    vkFreeCommandBuffers(p.dev.device, p.commandPool, 1, &v.cmd);
    variants.erase(variants.begin() + long(slot));
    return std::move(e);
  }
  v.lastUse = ++p.variantClock;
  return slot;
}

Error recordInitialVariants(LoadedPlan::Impl &p) {
  p.variants.reserve(LoadedPlan::Impl::kMaxCommandVariants);
  if (p.params.bytes > 0)
    findSkippedDispatches(
        p.params, static_cast<const uint8_t *>(p.paramStaging.mapped),
        p.skipped);
  Expected<size_t> first = variantForSkipped(p);
  if (!first)
    return first.takeError();
  p.lastCommands = p.variants[*first].counts;
  if (p.params.bytes == 0 || p.plan.symbols.empty())
    return Error::success();
  // The minima: a decode step's gates (sequence = 1). Evaluated into
  // scratch memory laid out as the staging buffer, which keeps the maxima.
  std::vector<int64_t> minima(p.plan.symbols.size());
  for (size_t k = 0; k < minima.size(); ++k)
    minima[k] = p.plan.symbols[k].min;
  std::vector<uint8_t> scratch(p.params.bytes, 0);
  std::vector<uint64_t> outputBytes(p.plan.outputs.size(), 0);
  if (Error e = evaluateParameters(p.plan, p.params,
                                   p.dev.limits.maxComputeWorkGroupCount,
                                   minima, scratch.data(), outputBytes)) {
    // checkPlanAgainstDevice evaluated the minima already; a plan whose
    // requirements exclude them simply gets that variant on first use.
    consumeError(std::move(e));
    return Error::success();
  }
  std::vector<uint64_t> atMaxima = p.skipped;
  findSkippedDispatches(p.params, scratch.data(), p.skipped);
  Expected<size_t> second = variantForSkipped(p);
  p.skipped = std::move(atMaxima);
  if (!second)
    return second.takeError();
  p.variants[*first].lastUse = ++p.variantClock;
  return Error::success();
}

Error recordProfileBuffer(LoadedPlan::Impl &p) {
  uint32_t dispatches = 0;
  for (const PlanCommand &pc : p.plan.commands)
    dispatches += pc.kind == CommandKind::Dispatch;
  if (!p.profileQueryPool) {
    VkQueryPoolCreateInfo qi = {};
    qi.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = dispatches + 1;
    if (Error e = checkVk(vkCreateQueryPool(p.dev.device, &qi, nullptr,
                                            &p.profileQueryPool),
                          "vkCreateQueryPool"))
      return e;
  }
  if (p.profileBuffer) {
    vkFreeCommandBuffers(p.dev.device, p.commandPool, 1, &p.profileBuffer);
    p.profileBuffer = VK_NULL_HANDLE;
  }
  if (Error e = allocateCommandBuffer(p, p.profileBuffer))
    return e;
  if (Error e = begin(p, p.profileBuffer, 0))
    return e;
  TimestampTargets ts;
  ts.profilePool = p.profileQueryPool;
  ts.profileQueries = dispatches + 1;
  p.profileDispatches.clear();
  p.profileSkipped = p.skipped;
  p.profileCounts =
      recordRunInto(p, p.profileBuffer, ts, p.skipped, &p.profileDispatches);
  return checkVk(vkEndCommandBuffer(p.profileBuffer), "vkEndCommandBuffer");
}

} // namespace tlc
