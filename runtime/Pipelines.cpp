//===- runtime/Pipelines.cpp - Shader modules, pipelines, descriptors -----===//
//
// Everything a dispatch binds is created once at load. The shaders were
// validated and matched against their dispatches by checkPlanShaders
// (runtime/ShaderCheck.h) before anything was allocated.
//
//===----------------------------------------------------------------------===//
#include "runtime/LoadedPlanImpl.h"
#include "runtime/VkCheck.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace tlc {

Error createShaderModules(LoadedPlan::Impl &p) {
  // Validated by checkPlanShaders before anything was allocated.
  for (size_t s = 0; s < p.plan.shaders.size(); ++s) {
    const PlanShader &shader = p.plan.shaders[s];
    VkShaderModuleCreateInfo ci = {};
    ci.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
    ci.codeSize = shader.spirv.size() * sizeof(uint32_t);
    ci.pCode = shader.spirv.data();
    VkShaderModule module = VK_NULL_HANDLE;
    if (Error e =
            checkVk(vkCreateShaderModule(p.dev.device, &ci, nullptr, &module),
                    "vkCreateShaderModule"))
      return createStringError(
          inconvertibleErrorCode(), "shaders[%zu] ('%s'): %s", s,
          shader.name.c_str(), toString(std::move(e)).c_str());
    p.modules.push_back(module);
  }
  return Error::success();
}

/// The layouts for dispatches like \p cmd (layoutKey: its storage binding
/// count n, and a uniform buffer at binding n when it bindsDims), created on
/// first use.
static Expected<std::pair<VkDescriptorSetLayout, VkPipelineLayout>>
getLayouts(LoadedPlan::Impl &p, const PlanCommand &cmd) {
  unsigned key = layoutKey(cmd);
  auto it = p.layouts.find(key);
  if (it != p.layouts.end())
    return it->second;
  unsigned n = unsigned(cmd.bindings.size());
  unsigned total = n + (bindsDims(cmd) ? 1 : 0);
  SmallVector<VkDescriptorSetLayoutBinding, 8> bindings(total);
  for (unsigned k = 0; k < total; ++k) {
    bindings[k] = {};
    bindings[k].binding = k;
    bindings[k].descriptorType = k < n ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                                       : VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
    bindings[k].descriptorCount = 1;
    bindings[k].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo dci = {};
  dci.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  dci.bindingCount = total;
  dci.pBindings = bindings.data();
  std::pair<VkDescriptorSetLayout, VkPipelineLayout> l = {VK_NULL_HANDLE,
                                                          VK_NULL_HANDLE};
  if (Error e = checkVk(
          vkCreateDescriptorSetLayout(p.dev.device, &dci, nullptr, &l.first),
          "vkCreateDescriptorSetLayout"))
    return e;
  VkPipelineLayoutCreateInfo pci = {};
  pci.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  pci.setLayoutCount = 1;
  pci.pSetLayouts = &l.first;
  VkResult r = vkCreatePipelineLayout(p.dev.device, &pci, nullptr, &l.second);
  // Record the pair even on failure so that the destructor frees the set
  // layout.
  p.layouts[key] = l;
  if (Error e = checkVk(r, "vkCreatePipelineLayout"))
    return e;
  return l;
}

static Error createPipeline(LoadedPlan::Impl &p, size_t c) {
  const PlanCommand &cmd = p.plan.commands[c];
  auto layouts = getLayouts(p, cmd);
  if (!layouts)
    return layouts.takeError();

  SmallVector<VkSpecializationMapEntry, 16> entries(cmd.specConstants.size());
  for (uint32_t i = 0; i < entries.size(); ++i)
    entries[i] = {i, i * uint32_t(sizeof(uint32_t)), sizeof(uint32_t)};
  VkSpecializationInfo spec = {};
  spec.mapEntryCount = uint32_t(entries.size());
  spec.pMapEntries = entries.data();
  spec.dataSize = cmd.specConstants.size() * sizeof(uint32_t);
  spec.pData = cmd.specConstants.data();

  VkComputePipelineCreateInfo ci = {};
  ci.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = p.modules[cmd.shader];
  ci.stage.pName = "main";
  ci.stage.pSpecializationInfo = entries.empty() ? nullptr : &spec;
  ci.layout = layouts->second;
  ++p.dev.pipelinesCreated;
  if (Error e =
          checkVk(vkCreateComputePipelines(p.dev.device, p.pipelineCache, 1,
                                           &ci, nullptr, &p.pipelines[c]),
                  "vkCreateComputePipelines"))
    return createStringError(
        inconvertibleErrorCode(), "commands[%zu] ('%s', shader '%s'): %s", c,
        cmd.label.c_str(), p.plan.shaders[cmd.shader].name.c_str(),
        toString(std::move(e)).c_str());
  return Error::success();
}

static Error createDescriptorSets(LoadedPlan::Impl &p) {
  uint32_t numSets = 0, numStorage = 0, numUniform = 0;
  for (const PlanCommand &cmd : p.plan.commands)
    if (cmd.kind == CommandKind::Dispatch &&
        (!cmd.bindings.empty() || bindsDims(cmd))) {
      ++numSets;
      numStorage += uint32_t(cmd.bindings.size());
      numUniform += bindsDims(cmd) ? 1 : 0;
    }
  if (numSets == 0)
    return Error::success();
  SmallVector<VkDescriptorPoolSize, 2> sizes;
  if (numStorage)
    sizes.push_back({VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, numStorage});
  if (numUniform)
    sizes.push_back({VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, numUniform});
  VkDescriptorPoolCreateInfo pci = {};
  pci.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  pci.maxSets = numSets;
  pci.poolSizeCount = uint32_t(sizes.size());
  pci.pPoolSizes = sizes.data();
  if (Error e = checkVk(vkCreateDescriptorPool(p.dev.device, &pci, nullptr,
                                               &p.descriptorPool),
                        "vkCreateDescriptorPool"))
    return e;

  uint32_t numDescriptors = numStorage + numUniform;
  std::vector<VkDescriptorBufferInfo> infos;
  infos.reserve(numDescriptors);
  std::vector<VkWriteDescriptorSet> writes;
  writes.reserve(numDescriptors);
  for (size_t c = 0; c < p.plan.commands.size(); ++c) {
    const PlanCommand &cmd = p.plan.commands[c];
    if (cmd.kind != CommandKind::Dispatch ||
        (cmd.bindings.empty() && !bindsDims(cmd)))
      continue;
    VkDescriptorSetAllocateInfo ai = {};
    ai.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    ai.descriptorPool = p.descriptorPool;
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &p.layouts[layoutKey(cmd)].first;
    if (Error e =
            checkVk(vkAllocateDescriptorSets(p.dev.device, &ai, &p.sets[c]),
                    "vkAllocateDescriptorSets"))
      return e;
    uint32_t total = uint32_t(cmd.bindings.size()) + (bindsDims(cmd) ? 1 : 0);
    for (uint32_t k = 0; k < total; ++k) {
      bool dims = k == cmd.bindings.size();
      if (dims) {
        const ParamSlice &slice = p.params.slices[size_t(p.params.sliceOf[c])];
        infos.push_back({p.paramBuffer.buffer, slice.offset, slice.dimsRange});
      } else {
        const PlanTensor &t = p.plan.tensors[cmd.bindings[k]];
        infos.push_back({p.buffers[t.buffer].buffer, t.offset, t.bytes});
      }
      VkWriteDescriptorSet w = {};
      w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      w.dstSet = p.sets[c];
      w.dstBinding = k;
      w.descriptorCount = 1;
      w.descriptorType = dims ? VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER
                              : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w.pBufferInfo = &infos.back(); // stable: reserved above
      writes.push_back(w);
    }
  }
  vkUpdateDescriptorSets(p.dev.device, uint32_t(writes.size()), writes.data(),
                         0, nullptr);
  p.dev.descriptorWrites += writes.size();
  return Error::success();
}

Error createPipelinesAndDescriptors(LoadedPlan::Impl &p) {
  p.pipelines.assign(p.plan.commands.size(), VK_NULL_HANDLE);
  p.sets.assign(p.plan.commands.size(), VK_NULL_HANDLE);
  for (size_t c = 0; c < p.plan.commands.size(); ++c)
    if (p.plan.commands[c].kind == CommandKind::Dispatch)
      if (Error e = createPipeline(p, c))
        return e;
  return createDescriptorSets(p);
}

} // namespace tlc
