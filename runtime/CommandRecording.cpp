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
// records exactly as before.
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

/// Records one run's work into \p cmd (begun by the caller): input uploads,
/// the plan's commands, output readback, with \p ts's timestamps.
static void recordRunInto(LoadedPlan::Impl &p, VkCommandBuffer cmd,
                          const TimestampTargets &ts) {
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
  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const PlanCommand &pc = plan.commands[c];
    switch (pc.kind) {
    case CommandKind::Dispatch:
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
      memoryBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                    VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                    VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
      break;
    case CommandKind::Release:
      if (p.opts.poisonReleased)
        recordPoisonFill(p, cmd, plan.tensors[pc.tensor]);
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
}

Error recordCommandBuffer(LoadedPlan::Impl &p) {
  if (Error e = allocateCommandBuffer(p, p.commandBuffer))
    return e;
  if (Error e = begin(p, p.commandBuffer, 0))
    return e;
  TimestampTargets ts;
  ts.runPool = p.queryPool;
  recordRunInto(p, p.commandBuffer, ts);
  return checkVk(vkEndCommandBuffer(p.commandBuffer), "vkEndCommandBuffer");
}

Error recordProfileBuffer(LoadedPlan::Impl &p) {
  uint32_t dispatches = 0;
  for (const PlanCommand &pc : p.plan.commands)
    dispatches += pc.kind == CommandKind::Dispatch;
  VkQueryPoolCreateInfo qi = {};
  qi.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
  qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
  qi.queryCount = dispatches + 1;
  if (Error e = checkVk(
          vkCreateQueryPool(p.dev.device, &qi, nullptr, &p.profileQueryPool),
          "vkCreateQueryPool"))
    return e;
  if (Error e = allocateCommandBuffer(p, p.profileBuffer))
    return e;
  if (Error e = begin(p, p.profileBuffer, 0))
    return e;
  TimestampTargets ts;
  ts.profilePool = p.profileQueryPool;
  ts.profileQueries = dispatches + 1;
  recordRunInto(p, p.profileBuffer, ts);
  return checkVk(vkEndCommandBuffer(p.profileBuffer), "vkEndCommandBuffer");
}

} // namespace tlc
