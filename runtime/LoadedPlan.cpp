//===- runtime/LoadedPlan.cpp - Load once, run many times -----------------===//
//
// LoadedPlan::load checks the plan (structure, then device limits) before
// allocating anything, then builds every Vulkan object once. run() is a
// submit and a fence wait: no allocation, no descriptor update, no
// re-recording (RuntimeCounters make that observable). For a plan for a
// range of shapes, run() first derives the symbols from the input shapes and
// refreshes the parameters staging buffer when they changed
// (runtime/Parameters.h).
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
  VkResult r =
      vkWaitForFences(dev.device, 1, &fence, VK_TRUE, dev.fenceTimeoutNs);
  if (dev.injectedWaitResult.load() != VK_SUCCESS && r == VK_SUCCESS)
    r = dev.injectedWaitResult.exchange(VK_SUCCESS);
  if (r == VK_TIMEOUT) {
    broken = true;
    return createStringError(
        inconvertibleErrorCode(),
        "%s: vkWaitForFences timed out after %llu s; the "
        "device did not finish the submitted work (a slow device may need "
        "a longer --wait-timeout)",
        where().c_str(), (unsigned long long)(dev.fenceTimeoutNs / 1000000000));
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
  dev.destroyBuffer(paramStaging);
  dev.destroyBuffer(paramBuffer);
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

Error setUpShapeRanges(LoadedPlan::Impl &p) {
  const Plan &plan = p.plan;
  p.shapeRanges = !plan.symbols.empty();
  for (const PlanCommand &c : plan.commands)
    p.shapeRanges |= c.kind == CommandKind::Dispatch && c.dynamic;
  if (!p.shapeRanges)
    return Error::success();
  p.symbolSites = findSymbolSites(plan);
  size_t numSymbols = plan.symbols.size();
  std::vector<int64_t> maxima(numSymbols);
  for (size_t k = 0; k < numSymbols; ++k)
    maxima[k] = plan.symbols[k].max;
  p.params =
      layoutParameters(plan, p.dev.limits.minUniformBufferOffsetAlignment);
  p.paramOutputBytes.assign(plan.outputs.size(), 0);
  // checkPlanAgainstDevice evaluated everything at the minima and maxima;
  // the staging buffer holds the maxima, the inputs' initial shapes.
  const uint32_t *maxGroups = p.dev.limits.maxComputeWorkGroupCount;
  if (p.params.bytes > 0) {
    auto buf = p.dev.createBuffer(p.params.bytes,
                                  VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT |
                                      VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT |
                                      VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                  MemoryKind::DeviceLocal, "parameters buffer");
    if (!buf)
      return buf.takeError();
    p.paramBuffer = *buf;
    auto st = p.dev.createBuffer(
        p.params.bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, MemoryKind::Upload,
        "staging for the parameters buffer");
    if (!st)
      return st.takeError();
    p.paramStaging = *st;
    std::memset(st->mapped, 0, p.params.bytes);
  }
  if (Error e = evaluateParameters(
          plan, p.params, maxGroups, maxima,
          static_cast<uint8_t *>(p.paramStaging.mapped), p.paramOutputBytes))
    return e;
  ++p.dev.parameterEvaluations;
  p.paramValues = maxima;
  p.paramsValid = true;
  p.runValues = maxima;
  p.outputBytes = p.paramOutputBytes;
  p.symbolValues.assign(numSymbols, 0);
  p.hostSymbolValues.assign(numSymbols, kSymbolUnset);
  p.inputShapes.resize(plan.inputs.size());
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const PlanTensor &t = plan.tensors[plan.inputs[i]];
    p.inputShapes[i].assign(t.type.shape.begin(), t.type.shape.end());
    for (size_t d = 0; d < t.dims.size(); ++d) {
      auto v = evaluatePlanExpr(plan.exprs[t.dims[d]], maxima);
      if (!v) // evaluated above without error
        return v.takeError();
      p.inputShapes[i][d] = *v;
    }
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
  if (Error e = setUpShapeRanges(p))
    return context(std::move(e));
  if (Error e = createCommandObjects(p))
    return context(std::move(e));
  if (Error e = initializeBuffers(p))
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
  if (Error e = recordInitialVariants(p))
    return context(std::move(e));
  return std::unique_ptr<LoadedPlan>(new LoadedPlan(std::move(impl)));
}

LoadedPlan::LoadedPlan(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LoadedPlan::~LoadedPlan() = default;

const Plan &LoadedPlan::plan() const { return impl_->plan; }

static Error inputIndexError(const Plan &plan, size_t index) {
  return createStringError(inconvertibleErrorCode(),
                           "input index %zu out of range: plan '%s' has %zu "
                           "input(s)",
                           index, plan.modelName.c_str(), plan.inputs.size());
}

Error LoadedPlan::setInput(size_t index, ArrayRef<uint8_t> bytes) {
  const Plan &plan = impl_->plan;
  if (index >= plan.inputs.size())
    return inputIndexError(plan, index);
  const PlanTensor &t = plan.tensors[plan.inputs[index]];
  if (!t.dims.empty())
    return createStringError(
        inconvertibleErrorCode(),
        "input %zu ('%s', %sx%s) has symbolic dims: pass its shape "
        "(setInput(index, bytes, shape))",
        index, t.name.c_str(), planShapeString(plan, t).c_str(),
        dtypeName(t.type.dtype).str().c_str());
  return setInput(index, bytes, t.type.shape);
}

Error LoadedPlan::setInput(size_t index, ArrayRef<uint8_t> bytes,
                           ArrayRef<int64_t> shape) {
  Impl &p = *impl_;
  const Plan &plan = p.plan;
  if (index >= plan.inputs.size())
    return inputIndexError(plan, index);
  const PlanTensor &t = plan.tensors[plan.inputs[index]];
  if (Error e = checkInputShape(plan, index, shape))
    return e;
  uint64_t expected = dtypeBytes(t.type.dtype);
  for (int64_t d : shape)
    expected *= uint64_t(d); // each <= its bound: no overflow
  if (bytes.size() != expected)
    return createStringError(
        inconvertibleErrorCode(),
        "input %zu ('%s', %s): got %zu bytes, expected %llu", index,
        t.name.c_str(),
        TensorType(t.type.dtype, Shape(shape.begin(), shape.end()))
            .str()
            .c_str(),
        bytes.size(), (unsigned long long)expected);
  std::memcpy(static_cast<uint8_t *>(p.staging[t.buffer].mapped) + t.offset,
              bytes.data(), bytes.size());
  if (p.shapeRanges)
    p.inputShapes[index].assign(shape.begin(), shape.end());
  return Error::success();
}

Error LoadedPlan::setSymbol(StringRef name, int64_t value) {
  Impl &p = *impl_;
  for (size_t k = 0; k < p.plan.symbols.size(); ++k) {
    const PlanSymbol &s = p.plan.symbols[k];
    if (s.name != name)
      continue;
    if (!p.symbolSites.isHostSet(k))
      return createStringError(
          inconvertibleErrorCode(),
          "symbol '%s' is a dim of an input; its value comes from that "
          "input's shape",
          s.name.c_str());
    if (value < s.min || value > s.max)
      return createStringError(inconvertibleErrorCode(),
                               "symbol '%s' = %lld is outside its range "
                               "[%lld, %lld]",
                               s.name.c_str(), (long long)value,
                               (long long)s.min, (long long)s.max);
    p.hostSymbolValues[k] = value;
    return Error::success();
  }
  return createStringError(inconvertibleErrorCode(),
                           "the plan has no symbol '%s'", name.str().c_str());
}

Error LoadedPlan::Impl::prepareParameters() {
  if (Error e = resolveSymbols(plan, symbolSites, inputShapes,
                               hostSymbolValues, symbolValues))
    return e;
  if (paramsValid && symbolValues == paramValues)
    return Error::success();
  paramsValid = false;
  if (Error e = evaluateParameters(
          plan, params, dev.limits.maxComputeWorkGroupCount, symbolValues,
          static_cast<uint8_t *>(paramStaging.mapped), paramOutputBytes))
    return e;
  ++dev.parameterEvaluations;
  if (params.bytes > 0)
    findSkippedDispatches(params,
                          static_cast<const uint8_t *>(paramStaging.mapped),
                          skipped);
  std::copy(symbolValues.begin(), symbolValues.end(), paramValues.begin());
  paramsValid = true;
  return Error::success();
}

Error LoadedPlan::Impl::runCommandBuffer(bool profiled, StringRef step) {
  if (broken)
    return createStringError(inconvertibleErrorCode(),
                             "plan '%s' cannot run: an earlier run failed "
                             "(timeout or device lost)",
                             plan.modelName.c_str());
  if (shapeRanges)
    if (Error e = prepareParameters())
      return createStringError(inconvertibleErrorCode(),
                               "plan '%s' cannot %s: %s",
                               plan.modelName.c_str(), step.str().c_str(),
                               toString(std::move(e)).c_str());
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  RecordedCommands counts;
  if (profiled) {
    if (!profileBuffer || profileSkipped != skipped)
      if (Error e = recordProfileBuffer(*this))
        return e;
    cmd = profileBuffer;
    counts = profileCounts;
  } else {
    Expected<size_t> v = variantForSkipped(*this);
    if (!v)
      return v.takeError();
    cmd = variants[*v].cmd;
    counts = variants[*v].counts;
  }
  if (Error e = submitAndWait(cmd, step))
    return e;
  lastCommands = counts;
  if (shapeRanges) {
    std::copy(paramValues.begin(), paramValues.end(), runValues.begin());
    std::copy(paramOutputBytes.begin(), paramOutputBytes.end(),
              outputBytes.begin());
  }
  return Error::success();
}

Error LoadedPlan::run() {
  return impl_->runCommandBuffer(/*profiled=*/false, "run");
}

RecordedCommands LoadedPlan::lastRunCommands() const {
  return impl_->lastCommands;
}

ArrayRef<uint8_t> LoadedPlan::output(size_t index) const {
  const Impl &p = *impl_;
  const Plan &plan = p.plan;
  if (index >= plan.outputs.size())
    return {};
  const PlanTensor &t = plan.tensors[plan.outputs[index]];
  return ArrayRef<uint8_t>(
      static_cast<const uint8_t *>(p.staging[t.buffer].mapped) + t.offset,
      p.shapeRanges ? p.outputBytes[index] : t.bytes);
}

/// \p t's shape for the symbol values \p values (evaluated without error
/// for them before: at load or in the run that set them).
static std::vector<int64_t> evaluatedShape(const Plan &plan,
                                           const PlanTensor &t,
                                           ArrayRef<int64_t> values) {
  std::vector<int64_t> shape(t.type.shape.begin(), t.type.shape.end());
  for (size_t d = 0; d < t.dims.size(); ++d) {
    Expected<int64_t> v = evaluatePlanExpr(plan.exprs[t.dims[d]], values);
    if (v)
      shape[d] = *v;
    else
      consumeError(v.takeError()); // cannot happen: see above
  }
  return shape;
}

std::vector<int64_t> LoadedPlan::outputShape(size_t index) const {
  const Impl &p = *impl_;
  if (index >= p.plan.outputs.size())
    return {};
  return evaluatedShape(p.plan, p.plan.tensors[p.plan.outputs[index]],
                        p.runValues);
}

std::vector<int64_t> LoadedPlan::inputShape(size_t index) const {
  const Impl &p = *impl_;
  if (index >= p.plan.inputs.size())
    return {};
  if (p.shapeRanges)
    return p.inputShapes[index];
  const Shape &s = p.plan.tensors[p.plan.inputs[index]].type.shape;
  return std::vector<int64_t>(s.begin(), s.end());
}

uint64_t LoadedPlan::parameterBytes() const { return impl_->params.bytes; }

} // namespace tlc
