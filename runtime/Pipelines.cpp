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

/// The layouts for dispatches with \p n bindings, created on first use.
static Expected<std::pair<VkDescriptorSetLayout, VkPipelineLayout>>
getLayouts(LoadedPlan::Impl &p, unsigned n) {
  auto it = p.layouts.find(n);
  if (it != p.layouts.end())
    return it->second;
  SmallVector<VkDescriptorSetLayoutBinding, 8> bindings(n);
  for (unsigned k = 0; k < n; ++k) {
    bindings[k] = {};
    bindings[k].binding = k;
    bindings[k].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[k].descriptorCount = 1;
    bindings[k].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo dci = {};
  dci.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  dci.bindingCount = n;
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
  p.layouts[n] = l;
  if (Error e = checkVk(r, "vkCreatePipelineLayout"))
    return e;
  return l;
}

static Error createPipeline(LoadedPlan::Impl &p, size_t c) {
  const PlanCommand &cmd = p.plan.commands[c];
  auto layouts = getLayouts(p, unsigned(cmd.bindings.size()));
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
  uint32_t numSets = 0, numDescriptors = 0;
  for (const PlanCommand &cmd : p.plan.commands)
    if (cmd.kind == CommandKind::Dispatch && !cmd.bindings.empty()) {
      ++numSets;
      numDescriptors += uint32_t(cmd.bindings.size());
    }
  if (numSets == 0)
    return Error::success();
  VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                               numDescriptors};
  VkDescriptorPoolCreateInfo pci = {};
  pci.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  pci.maxSets = numSets;
  pci.poolSizeCount = 1;
  pci.pPoolSizes = &size;
  if (Error e = checkVk(vkCreateDescriptorPool(p.dev.device, &pci, nullptr,
                                               &p.descriptorPool),
                        "vkCreateDescriptorPool"))
    return e;

  std::vector<VkDescriptorBufferInfo> infos;
  infos.reserve(numDescriptors);
  std::vector<VkWriteDescriptorSet> writes;
  writes.reserve(numDescriptors);
  for (size_t c = 0; c < p.plan.commands.size(); ++c) {
    const PlanCommand &cmd = p.plan.commands[c];
    if (cmd.kind != CommandKind::Dispatch || cmd.bindings.empty())
      continue;
    VkDescriptorSetAllocateInfo ai = {};
    ai.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    ai.descriptorPool = p.descriptorPool;
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &p.layouts[unsigned(cmd.bindings.size())].first;
    if (Error e =
            checkVk(vkAllocateDescriptorSets(p.dev.device, &ai, &p.sets[c]),
                    "vkAllocateDescriptorSets"))
      return e;
    for (uint32_t k = 0; k < cmd.bindings.size(); ++k) {
      const PlanTensor &t = p.plan.tensors[cmd.bindings[k]];
      infos.push_back({p.buffers[t.buffer].buffer, t.offset, t.bytes});
      VkWriteDescriptorSet w = {};
      w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      w.dstSet = p.sets[c];
      w.dstBinding = k;
      w.descriptorCount = 1;
      w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w.pBufferInfo = &infos.back(); // stable: reserved above
      writes.push_back(w);
    }
  }
  vkUpdateDescriptorSets(p.dev.device, uint32_t(writes.size()), writes.data(),
                         0, nullptr);
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
