//===- runtime/LoadedPlan.cpp - Load once, run many times -----------------===//
//
// LoadedPlan::load checks the plan (structure, then device limits) before
// allocating anything, then builds every Vulkan object once. run() is a
// submit and a fence wait: no allocation, no descriptor update, no
// re-recording (RuntimeCounters make that observable).
//
//===----------------------------------------------------------------------===//
#include "runtime/LoadedPlanImpl.h"
#include "runtime/PlanLimits.h"
#include "runtime/ShaderCheck.h"
#include "runtime/VkCheck.h"

#include "llvm/Support/FormatVariadic.h"

#include <cstring>

using namespace llvm;

namespace tlc {

Error LoadedPlan::Impl::submitAndWait(VkCommandBuffer cmd, StringRef step) {
  // Built only on error paths: a run allocates nothing on the host either.
  auto where = [&] {
    return formatv("plan '{0}': {1}", plan.modelName, step).str();
  };
  if (Error e = dev.submit(cmd, fence))
    return createStringError(inconvertibleErrorCode(), "%s: %s",
                             where().c_str(), toString(std::move(e)).c_str());
  pending = true;
  VkResult r = vkWaitForFences(dev.device, 1, &fence, VK_TRUE, kFenceTimeoutNs);
  if (dev.injectedWaitResult.load() != VK_SUCCESS && r == VK_SUCCESS)
    r = dev.injectedWaitResult.exchange(VK_SUCCESS);
  if (r == VK_TIMEOUT) {
    broken = true;
    return createStringError(
        inconvertibleErrorCode(),
        "%s: vkWaitForFences timed out after %llu s; the "
        "device did not finish the submitted work",
        where().c_str(), (unsigned long long)(kFenceTimeoutNs / 1000000000));
  }
  if (Error e = checkVk(r, "vkWaitForFences")) {
    broken = true; // e.g. VK_ERROR_DEVICE_LOST
    return createStringError(inconvertibleErrorCode(), "%s: %s",
                             where().c_str(), toString(std::move(e)).c_str());
  }
  pending = false;
  if (Error e =
          checkVk(vkResetFences(dev.device, 1, &fence), "vkResetFences")) {
    broken = true;
    return e;
  }
  return Error::success();
}

LoadedPlan::Impl::~Impl() {
  VkDevice d = dev.device;
  if (pending && fence)
    dev.drainBeforeDestroy(fence); // a run that failed may still execute
  if (commandPool)
    vkDestroyCommandPool(d, commandPool, nullptr); // frees its buffers
  if (profileQueryPool)
    vkDestroyQueryPool(d, profileQueryPool, nullptr);
  if (queryPool)
    vkDestroyQueryPool(d, queryPool, nullptr);
  if (fence)
    vkDestroyFence(d, fence, nullptr);
  if (descriptorPool)
    vkDestroyDescriptorPool(d, descriptorPool, nullptr); // frees the sets
  for (VkPipeline pipeline : pipelines)
    if (pipeline)
      vkDestroyPipeline(d, pipeline, nullptr);
  for (auto &entry : layouts) {
    if (entry.second.second)
      vkDestroyPipelineLayout(d, entry.second.second, nullptr);
    if (entry.second.first)
      vkDestroyDescriptorSetLayout(d, entry.second.first, nullptr);
  }
  if (pipelineCache)
    vkDestroyPipelineCache(d, pipelineCache, nullptr);
  for (VkShaderModule m : modules)
    vkDestroyShaderModule(d, m, nullptr);
  for (BufferAllocation &b : retired)
    dev.destroyBuffer(b);
  for (BufferAllocation &b : staging)
    dev.destroyBuffer(b);
  for (BufferAllocation &b : buffers)
    dev.destroyBuffer(b);
}

/// Device-local buffers, one per plan buffer, and the staging buffers of the
/// Input and Output buffers.
static Error createBuffers(LoadedPlan::Impl &p) {
  const Plan &plan = p.plan;
  p.buffers.resize(plan.buffers.size());
  p.staging.resize(plan.buffers.size());
  for (size_t b = 0; b < plan.buffers.size(); ++b) {
    const PlanBuffer &pb = plan.buffers[b];
    std::string what =
        formatv("plan buffer {0} ({1})", b, bufferRoleName(pb.role)).str();
    auto buf = p.dev.createBuffer(pb.bytes,
                                  VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                                      VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                      VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                  MemoryKind::DeviceLocal, what);
    if (!buf)
      return buf.takeError();
    p.buffers[b] = *buf;
    if (pb.role != BufferRole::Input && pb.role != BufferRole::Output)
      continue;
    bool in = pb.role == BufferRole::Input;
    auto st = p.dev.createBuffer(pb.bytes,
                                 in ? VK_BUFFER_USAGE_TRANSFER_SRC_BIT
                                    : VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                 in ? MemoryKind::Upload : MemoryKind::Readback,
                                 "staging for " + what);
    if (!st)
      return st.takeError();
    p.staging[b] = *st;
    // Defined contents: bytes of an input buffer outside its tensor are
    // copied too.
    std::memset(st->mapped, 0, pb.bytes);
  }
  return Error::success();
}

static Error createCommandObjects(LoadedPlan::Impl &p) {
  VkCommandPoolCreateInfo ci = {};
  ci.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  ci.queueFamilyIndex = p.dev.queueFamily;
  if (Error e = checkVk(
          vkCreateCommandPool(p.dev.device, &ci, nullptr, &p.commandPool),
          "vkCreateCommandPool"))
    return e;
  VkFenceCreateInfo fi = {};
  fi.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  return checkVk(vkCreateFence(p.dev.device, &fi, nullptr, &p.fence),
                 "vkCreateFence");
}

Expected<std::unique_ptr<LoadedPlan>>
LoadedPlan::load(Device &device, const Plan &plan, const LoadOptions &opts) {
  std::string name = plan.modelName.empty() ? "(unnamed)" : plan.modelName;
  auto context = [&](Error e) {
    return createStringError(inconvertibleErrorCode(),
                             "cannot load plan '%s': %s", name.c_str(),
                             toString(std::move(e)).c_str());
  };
  if (Error e = validatePlanStructure(plan))
    return context(std::move(e));
  if (Error e = checkPlanForRuntime(plan))
    return context(std::move(e));
  if (Error e = checkPlanAgainstDevice(plan, device.impl()))
    return context(std::move(e));
  if (Error e = checkPlanShaders(plan, device.impl().limits,
                                  device.impl().info))
    return context(std::move(e));

  auto impl = std::make_unique<Impl>(device.impl(), plan, opts);
  Impl &p = *impl;
  if (Error e = createBuffers(p))
    return context(std::move(e));
  if (Error e = createCommandObjects(p))
    return context(std::move(e));
  if (Error e = uploadWeights(p))
    return context(std::move(e));
  if (Error e = createShaderModules(p))
    return context(std::move(e));
  if (Error e = createPipelineCache(p))
    return context(std::move(e));
  if (Error e = createPipelinesAndDescriptors(p))
    return context(std::move(e));
  savePipelineCache(p);
  if (Error e = createTimestampQueries(p))
    return context(std::move(e));
  if (Error e = recordCommandBuffer(p))
    return context(std::move(e));
  return std::unique_ptr<LoadedPlan>(new LoadedPlan(std::move(impl)));
}

LoadedPlan::LoadedPlan(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LoadedPlan::~LoadedPlan() = default;

const Plan &LoadedPlan::plan() const { return impl_->plan; }

Error LoadedPlan::setInput(size_t index, ArrayRef<uint8_t> bytes) {
  const Plan &plan = impl_->plan;
  if (index >= plan.inputs.size())
    return createStringError(inconvertibleErrorCode(),
                             "input index %zu out of range: plan '%s' has %zu "
                             "input(s)",
                             index, plan.modelName.c_str(), plan.inputs.size());
  const PlanTensor &t = plan.tensors[plan.inputs[index]];
  if (bytes.size() != t.bytes)
    return createStringError(inconvertibleErrorCode(),
                             "input %zu ('%s', %s): got %zu bytes, expected "
                             "%llu",
                             index, t.name.c_str(), t.type.str().c_str(),
                             bytes.size(), (unsigned long long)t.bytes);
  std::memcpy(static_cast<uint8_t *>(impl_->staging[t.buffer].mapped) +
                  t.offset,
              bytes.data(), bytes.size());
  return Error::success();
}

Error LoadedPlan::run() {
  Impl &p = *impl_;
  if (p.broken)
    return createStringError(inconvertibleErrorCode(),
                             "plan '%s' cannot run: an earlier run failed "
                             "(timeout or device lost)",
                             p.plan.modelName.c_str());
  return p.submitAndWait(p.commandBuffer, "run");
}

ArrayRef<uint8_t> LoadedPlan::output(size_t index) const {
  const Plan &plan = impl_->plan;
  if (index >= plan.outputs.size())
    return {};
  const PlanTensor &t = plan.tensors[plan.outputs[index]];
  return ArrayRef<uint8_t>(
      static_cast<const uint8_t *>(impl_->staging[t.buffer].mapped) + t.offset,
      t.bytes);
}

} // namespace tlc
