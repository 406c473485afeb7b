//===- tests/unit/DynShaderGpuTest.cpp - Dyn builds compute as static -----===//
//
// The dyn build of a shader (shaders/dims.glsl) reads its dimensions from the
// TlcDims uniform block instead of specialization constants and must compute
// what the static build computes. Until the runtime binds that block
// (docs/shape-ranges.md), this test runs compiled plans of the repo's models
// and of single ops on the Vulkan device with a minimal executor of its own:
// every dispatch once with the static modules of the plan, once with their
// dyn builds, the block filled from the plan's specialization words through
// dynamicDimIds (member k = the word of the id it replaces), and compares
// the outputs. The dyn runs also take the dyn builds' float fallbacks where
// they apply (reduce's INV_BITS = 0, resize's SCALE_*_BITS = 0 when the
// scale is OH / IH). Only dispatches are executed, in plan order, with a
// full memory barrier after each; the validation layers are on with
// TLC_VALIDATION=1 and any message fails the test. On a device with
// VK_NV_cooperative_matrix the gpu-nv fp16 plans (gemm_coopmat_f16) run too.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"
#include "codegen/DispatchCheck.h"
#include "driver/Pipeline.h"
#include "ir/ModelParser.h"
#include "ir/onnx/OnnxImporter.h"
#include "spirv/EmbeddedShaders.h"

#include "llvm/ADT/StringRef.h"

#include <vulkan/vulkan.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace tlc;
using namespace llvm;

namespace {

#define VK_OK(call)                                                            \
  do {                                                                         \
    VkResult r_ = (call);                                                      \
    ASSERT_EQ(r_, VK_SUCCESS) << #call;                                        \
  } while (0)

/// Validation messages (errors and warnings) seen by the messenger.
std::vector<std::string> gMessages;

VKAPI_ATTR VkBool32 VKAPI_CALL
onMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
          VkDebugUtilsMessageTypeFlagsEXT,
          const VkDebugUtilsMessengerCallbackDataEXT *data, void *) {
  if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)
    gMessages.push_back(data->pMessage ? data->pMessage : "");
  return VK_FALSE;
}

/// A compute device with host-visible coherent buffers; enough to run plan
/// dispatches one after another.
class Harness {
public:
  VkInstance instance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  VkPhysicalDevice phys = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t family = 0, memoryType = ~0u;
  bool f16 = false;     // storageBuffer16BitAccess
  bool coopMat = false; // the tensor-core kernels' features (gpu-nv plans)
  VkPhysicalDeviceLimits limits = {};
  std::string skip; // why the harness is unusable, or ""

  Harness() {
    bool validation = std::getenv("TLC_VALIDATION") &&
                      std::string(std::getenv("TLC_VALIDATION")) == "1";
    VkApplicationInfo app = {};
    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
    app.pApplicationName = "tlc-dyn-shader-test";
    app.apiVersion = VK_API_VERSION_1_1;
    VkDebugUtilsMessengerCreateInfoEXT mi = {};
    mi.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
    mi.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
    mi.pfnUserCallback = onMessage;
    const char *layer = "VK_LAYER_KHRONOS_validation";
    const char *ext = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    VkInstanceCreateInfo ci = {};
    ci.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
    ci.pApplicationInfo = &app;
    if (validation) {
      ci.enabledLayerCount = 1;
      ci.ppEnabledLayerNames = &layer;
      ci.enabledExtensionCount = 1;
      ci.ppEnabledExtensionNames = &ext;
      ci.pNext = &mi;
    }
    if (vkCreateInstance(&ci, nullptr, &instance) != VK_SUCCESS) {
      instance = VK_NULL_HANDLE;
      skip = "no Vulkan instance";
      return;
    }
    if (validation) {
      auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
          vkGetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT"));
      if (create)
        create(instance, &mi, nullptr, &messenger);
    }
    uint32_t n = 0;
    vkEnumeratePhysicalDevices(instance, &n, nullptr);
    std::vector<VkPhysicalDevice> devs(n);
    vkEnumeratePhysicalDevices(instance, &n, devs.data());
    for (VkPhysicalDevice d : devs) {
      uint32_t q = 0;
      vkGetPhysicalDeviceQueueFamilyProperties(d, &q, nullptr);
      std::vector<VkQueueFamilyProperties> qs(q);
      vkGetPhysicalDeviceQueueFamilyProperties(d, &q, qs.data());
      for (uint32_t i = 0; i < q; ++i)
        if (qs[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
          phys = d;
          family = i;
          break;
        }
      if (phys)
        break;
    }
    if (!phys) {
      skip = "no Vulkan device with a compute queue";
      return;
    }
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(phys, &props);
    limits = props.limits;
    // As runtime/Device.cpp: 16-bit storage where supported, and the
    // cooperative-matrix kernels' features only where all of them are.
    VkPhysicalDeviceCooperativeMatrixFeaturesNV cm = {};
    cm.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV;
    VkPhysicalDeviceVulkanMemoryModelFeaturesKHR mm = {};
    mm.sType =
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES_KHR;
    mm.pNext = &cm;
    VkPhysicalDeviceShaderFloat16Int8FeaturesKHR h16 = {};
    h16.sType =
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES_KHR;
    h16.pNext = &mm;
    VkPhysicalDevice16BitStorageFeatures s16 = {};
    s16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
    uint32_t ne = 0;
    vkEnumerateDeviceExtensionProperties(phys, nullptr, &ne, nullptr);
    std::vector<VkExtensionProperties> exts(ne);
    vkEnumerateDeviceExtensionProperties(phys, nullptr, &ne, exts.data());
    std::vector<const char *> tcExtensions;
    for (const char *e : {VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME,
                          VK_KHR_VULKAN_MEMORY_MODEL_EXTENSION_NAME,
                          VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME})
      for (const VkExtensionProperties &x : exts)
        if (std::strcmp(x.extensionName, e) == 0)
          tcExtensions.push_back(e);
    if (tcExtensions.size() == 3)
      s16.pNext = &h16;
    VkPhysicalDeviceFeatures2 f2 = {};
    f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    f2.pNext = &s16;
    vkGetPhysicalDeviceFeatures2(phys, &f2);
    f16 = s16.storageBuffer16BitAccess;
    coopMat = tcExtensions.size() == 3 && f16 && h16.shaderFloat16 &&
              mm.vulkanMemoryModel && cm.cooperativeMatrix;
    VkPhysicalDevice16BitStorageFeatures enable = {};
    enable.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
    enable.storageBuffer16BitAccess = s16.storageBuffer16BitAccess;
    VkPhysicalDeviceCooperativeMatrixFeaturesNV cmOn = {};
    cmOn.sType =
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV;
    cmOn.cooperativeMatrix = VK_TRUE;
    VkPhysicalDeviceVulkanMemoryModelFeaturesKHR mmOn = {};
    mmOn.sType =
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES_KHR;
    mmOn.vulkanMemoryModel = VK_TRUE;
    mmOn.vulkanMemoryModelDeviceScope = mm.vulkanMemoryModelDeviceScope;
    mmOn.pNext = &cmOn;
    VkPhysicalDeviceShaderFloat16Int8FeaturesKHR h16On = {};
    h16On.sType =
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES_KHR;
    h16On.shaderFloat16 = VK_TRUE;
    h16On.pNext = &mmOn;
    if (coopMat)
      enable.pNext = &h16On;
    float priority = 1.0f;
    VkDeviceQueueCreateInfo qi = {};
    qi.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    qi.queueFamilyIndex = family;
    qi.queueCount = 1;
    qi.pQueuePriorities = &priority;
    VkDeviceCreateInfo di = {};
    di.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    di.pNext = &enable;
    di.queueCreateInfoCount = 1;
    di.pQueueCreateInfos = &qi;
    if (coopMat) {
      di.enabledExtensionCount = uint32_t(tcExtensions.size());
      di.ppEnabledExtensionNames = tcExtensions.data();
    }
    if (vkCreateDevice(phys, &di, nullptr, &device) != VK_SUCCESS) {
      device = VK_NULL_HANDLE;
      skip = "vkCreateDevice failed";
      return;
    }
    vkGetDeviceQueue(device, family, 0, &queue);
    VkPhysicalDeviceMemoryProperties mp;
    vkGetPhysicalDeviceMemoryProperties(phys, &mp);
    VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                 VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    for (uint32_t i = 0; i < mp.memoryTypeCount; ++i)
      if ((mp.memoryTypes[i].propertyFlags & want) == want) {
        memoryType = i;
        break;
      }
    if (memoryType == ~0u)
      skip = "no host-visible coherent memory";
  }

  ~Harness() {
    if (device)
      vkDestroyDevice(device, nullptr);
    if (messenger) {
      auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
          vkGetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT"));
      if (destroy)
        destroy(instance, messenger, nullptr);
    }
    if (instance)
      vkDestroyInstance(instance, nullptr);
  }
};

/// A host-visible buffer, mapped.
struct Buffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  uint8_t *data = nullptr;
  uint64_t bytes = 0;
};

/// Everything one run creates, destroyed at the end.
struct Run {
  Harness &h;
  std::deque<Buffer> buffers; // stable addresses: buffer() returns them
  std::vector<VkShaderModule> modules;
  std::vector<VkDescriptorSetLayout> setLayouts;
  std::vector<VkPipelineLayout> pipelineLayouts;
  std::vector<VkPipeline> pipelines;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  VkCommandPool commandPool = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;

  explicit Run(Harness &h) : h(h) {}
  ~Run() {
    VkDevice d = h.device;
    if (fence)
      vkDestroyFence(d, fence, nullptr);
    if (commandPool)
      vkDestroyCommandPool(d, commandPool, nullptr);
    if (pool)
      vkDestroyDescriptorPool(d, pool, nullptr);
    for (VkPipeline p : pipelines)
      vkDestroyPipeline(d, p, nullptr);
    for (VkPipelineLayout l : pipelineLayouts)
      vkDestroyPipelineLayout(d, l, nullptr);
    for (VkDescriptorSetLayout l : setLayouts)
      vkDestroyDescriptorSetLayout(d, l, nullptr);
    for (VkShaderModule m : modules)
      vkDestroyShaderModule(d, m, nullptr);
    for (Buffer &b : buffers) {
      if (b.memory)
        vkFreeMemory(d, b.memory, nullptr);
      if (b.buffer)
        vkDestroyBuffer(d, b.buffer, nullptr);
    }
  }

  /// A new mapped buffer of \p bytes bytes (at least 16), zero-filled.
  Buffer *buffer(uint64_t bytes, VkBufferUsageFlags usage) {
    Buffer b;
    b.bytes = std::max<uint64_t>(bytes, 16);
    VkBufferCreateInfo bi = {};
    bi.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    bi.size = b.bytes;
    bi.usage = usage;
    if (vkCreateBuffer(h.device, &bi, nullptr, &b.buffer) != VK_SUCCESS)
      return nullptr;
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(h.device, b.buffer, &req);
    VkMemoryAllocateInfo ai = {};
    ai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = h.memoryType;
    buffers.push_back(b);
    Buffer &out = buffers.back();
    if (vkAllocateMemory(h.device, &ai, nullptr, &out.memory) != VK_SUCCESS ||
        vkBindBufferMemory(h.device, out.buffer, out.memory, 0) != VK_SUCCESS ||
        vkMapMemory(h.device, out.memory, 0, VK_WHOLE_SIZE, 0,
                    reinterpret_cast<void **>(&out.data)) != VK_SUCCESS)
      return nullptr;
    std::memset(out.data, 0, out.bytes);
    return &out;
  }
};

/// Runs the dispatches of \p plan (with \p inputs in its input tensors) and
/// returns the bytes of its output tensors. \p dyn: each dispatch runs the
/// dyn build of its module, its TlcDims block filled from the dispatch's
/// specialization words.
void runPlan(Harness &h, const Plan &plan,
             const std::vector<std::vector<uint8_t>> &inputs, bool dyn,
             std::vector<std::vector<uint8_t>> &outputs) {
  Run run(h);
  const VkBufferUsageFlags storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  std::vector<Buffer *> bufs;
  for (const PlanBuffer &pb : plan.buffers) {
    Buffer *b = run.buffer(pb.bytes, storage);
    ASSERT_NE(b, nullptr);
    if (pb.role == BufferRole::Weights) {
      ASSERT_LE(plan.weights.size(), b->bytes);
      std::memcpy(b->data, plan.weights.data(), plan.weights.size());
    }
    bufs.push_back(b);
  }
  ASSERT_EQ(inputs.size(), plan.inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const PlanTensor &t = plan.tensors[plan.inputs[i]];
    ASSERT_EQ(inputs[i].size(), t.bytes);
    std::memcpy(bufs[t.buffer]->data + t.offset, inputs[i].data(), t.bytes);
  }

  std::vector<size_t> dispatches;
  for (size_t c = 0; c < plan.commands.size(); ++c)
    if (plan.commands[c].kind == CommandKind::Dispatch)
      dispatches.push_back(c);
  uint64_t slice =
      std::max<uint64_t>(256, h.limits.minUniformBufferOffsetAlignment);
  Buffer *params = run.buffer(slice * std::max<size_t>(dispatches.size(), 1),
                              VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT);
  ASSERT_NE(params, nullptr);

  VkDescriptorPoolSize sizes[2] = {
      {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, uint32_t(8 * dispatches.size() + 8)},
      {VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, uint32_t(dispatches.size() + 1)}};
  VkDescriptorPoolCreateInfo pi = {};
  pi.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  pi.maxSets = uint32_t(dispatches.size() + 1);
  pi.poolSizeCount = 2;
  pi.pPoolSizes = sizes;
  VK_OK(vkCreateDescriptorPool(h.device, &pi, nullptr, &run.pool));

  VkCommandPoolCreateInfo cpi = {};
  cpi.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  cpi.queueFamilyIndex = h.family;
  VK_OK(vkCreateCommandPool(h.device, &cpi, nullptr, &run.commandPool));
  VkCommandBufferAllocateInfo cai = {};
  cai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  cai.commandPool = run.commandPool;
  cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cai.commandBufferCount = 1;
  VkCommandBuffer cb;
  VK_OK(vkAllocateCommandBuffers(h.device, &cai, &cb));
  VkCommandBufferBeginInfo begin = {};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  VK_OK(vkBeginCommandBuffer(cb, &begin));

  for (size_t k = 0; k < dispatches.size(); ++k) {
    const PlanCommand &cmd = plan.commands[dispatches[k]];
    std::string name = plan.shaders[cmd.shader].name;
    std::vector<uint32_t> words = cmd.specConstants;
    const uint32_t *spirv = plan.shaders[cmd.shader].spirv.data();
    size_t numWords = plan.shaders[cmd.shader].spirv.size();
    std::vector<unsigned> ids;
    if (dyn) {
      const EmbeddedShader *s = findEmbeddedShader(dynBuildName(name));
      ASSERT_NE(s, nullptr) << name;
      spirv = s->words;
      numWords = s->numWords;
      Expected<std::vector<unsigned>> dims = dynamicDimIds(name);
      ASSERT_TRUE(bool(dims)) << toString(dims.takeError());
      ids = *dims;
      ASSERT_LE(ids.size() * 4, slice);
      uint32_t *block = reinterpret_cast<uint32_t *>(params->data + k * slice);
      for (size_t m = 0; m < ids.size(); ++m) {
        ASSERT_LT(ids[m], words.size()) << name;
        ASSERT_EQ(s->interface.dims.members[m].offset, 4 * m);
        block[m] = words[ids[m]];
        words[ids[m]] = 0; // as a plan passes an id its module lacks
      }
      // The float fallbacks (shaders/reduce.comp, resize.comp).
      StringRef base(name);
      if (base.startswith("reduce") && words.size() > 2)
        words[2] = 0; // INV_BITS: divide by COUNT
      if (base.startswith("resize") && words.size() > 11 && words[8] == 0) {
        // SCALE_H_BITS / SCALE_W_BITS = 0 where the scale is OH / IH
        // (OW / IW), as with given sizes; the dims are in the block now.
        const uint32_t *d = block;
        auto is = [&](uint32_t bits, uint32_t out, uint32_t in) {
          float f = float(out) / float(in);
          uint32_t b;
          std::memcpy(&b, &f, 4);
          return b == bits;
        };
        // Members: TOTAL, IH, IW, OH, OW.
        if (is(words[10], d[3], d[1]))
          words[10] = 0;
        if (is(words[11], d[4], d[2]))
          words[11] = 0;
      }
    }
    VkShaderModuleCreateInfo mi = {};
    mi.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
    mi.codeSize = numWords * 4;
    mi.pCode = spirv;
    VkShaderModule module;
    VK_OK(vkCreateShaderModule(h.device, &mi, nullptr, &module));
    run.modules.push_back(module);

    uint32_t nb = uint32_t(cmd.bindings.size());
    std::vector<VkDescriptorSetLayoutBinding> lb(nb + (dyn ? 1 : 0));
    for (uint32_t b = 0; b < lb.size(); ++b) {
      lb[b].binding = b;
      lb[b].descriptorType = b < nb ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                                    : VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
      lb[b].descriptorCount = 1;
      lb[b].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo li = {};
    li.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
    li.bindingCount = uint32_t(lb.size());
    li.pBindings = lb.data();
    VkDescriptorSetLayout setLayout;
    VK_OK(vkCreateDescriptorSetLayout(h.device, &li, nullptr, &setLayout));
    run.setLayouts.push_back(setLayout);
    VkPipelineLayoutCreateInfo pli = {};
    pli.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
    pli.setLayoutCount = 1;
    pli.pSetLayouts = &setLayout;
    VkPipelineLayout layout;
    VK_OK(vkCreatePipelineLayout(h.device, &pli, nullptr, &layout));
    run.pipelineLayouts.push_back(layout);

    std::vector<VkSpecializationMapEntry> entries(words.size());
    for (uint32_t i = 0; i < entries.size(); ++i)
      entries[i] = {i, i * 4, 4};
    VkSpecializationInfo spec = {};
    spec.mapEntryCount = uint32_t(entries.size());
    spec.pMapEntries = entries.data();
    spec.dataSize = words.size() * 4;
    spec.pData = words.data();
    VkComputePipelineCreateInfo ci = {};
    ci.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
    ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    ci.stage.module = module;
    ci.stage.pName = "main";
    ci.stage.pSpecializationInfo = &spec;
    ci.layout = layout;
    VkPipeline pipeline;
    VK_OK(vkCreateComputePipelines(h.device, VK_NULL_HANDLE, 1, &ci, nullptr,
                                   &pipeline));
    run.pipelines.push_back(pipeline);

    VkDescriptorSetAllocateInfo dai = {};
    dai.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    dai.descriptorPool = run.pool;
    dai.descriptorSetCount = 1;
    dai.pSetLayouts = &setLayout;
    VkDescriptorSet set;
    VK_OK(vkAllocateDescriptorSets(h.device, &dai, &set));
    std::vector<VkDescriptorBufferInfo> infos(lb.size());
    std::vector<VkWriteDescriptorSet> writes(lb.size());
    for (uint32_t b = 0; b < lb.size(); ++b) {
      if (b < nb) {
        const PlanTensor &t = plan.tensors[cmd.bindings[b]];
        infos[b] = {bufs[t.buffer]->buffer, t.offset, t.bytes};
      } else {
        infos[b] = {params->buffer, k * slice, slice};
      }
      writes[b].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      writes[b].dstSet = set;
      writes[b].dstBinding = b;
      writes[b].descriptorCount = 1;
      writes[b].descriptorType = lb[b].descriptorType;
      writes[b].pBufferInfo = &infos[b];
    }
    vkUpdateDescriptorSets(h.device, uint32_t(writes.size()), writes.data(), 0,
                           nullptr);

    vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
    vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1,
                            &set, 0, nullptr);
    vkCmdDispatch(cb, cmd.groups[0], cmd.groups[1], cmd.groups[2]);
    VkMemoryBarrier barrier = {};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT |
                            VK_ACCESS_SHADER_WRITE_BIT |
                            VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
                             VK_PIPELINE_STAGE_HOST_BIT,
                         0, 1, &barrier, 0, nullptr, 0, nullptr);
  }
  VK_OK(vkEndCommandBuffer(cb));
  VkFenceCreateInfo fi = {};
  fi.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  VK_OK(vkCreateFence(h.device, &fi, nullptr, &run.fence));
  VkSubmitInfo si = {};
  si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cb;
  VK_OK(vkQueueSubmit(h.queue, 1, &si, run.fence));
  VK_OK(vkWaitForFences(h.device, 1, &run.fence, VK_TRUE, UINT64_MAX));

  outputs.clear();
  for (uint32_t o : plan.outputs) {
    const PlanTensor &t = plan.tensors[o];
    const uint8_t *p = bufs[t.buffer]->data + t.offset;
    outputs.emplace_back(p, p + t.bytes);
  }
}

/// Random bytes for each input of \p plan: floats in [-1, 1], small
/// non-negative integers (token ids, indices).
std::vector<std::vector<uint8_t>> randomInputs(const Plan &plan) {
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  std::vector<std::vector<uint8_t>> in;
  for (uint32_t i : plan.inputs) {
    const PlanTensor &t = plan.tensors[i];
    std::vector<uint8_t> bytes(t.bytes);
    if (t.type.dtype == DType::F32) {
      for (size_t k = 0; k + 4 <= bytes.size(); k += 4) {
        float f = uni(rng);
        std::memcpy(&bytes[k], &f, 4);
      }
    } else {
      size_t w = t.type.dtype == DType::I64 ? 8 : 4;
      for (size_t k = 0; k + w <= bytes.size(); k += w) {
        int64_t v = int64_t(rng() % 7);
        std::memcpy(&bytes[k], &v, w); // little-endian
      }
    }
    in.push_back(std::move(bytes));
  }
  return in;
}

/// Runs \p plan with its static modules and with their dyn builds on the
/// same random inputs and expects the same outputs, to \p tolerance
/// relative to 1 + |element|.
void expectDynMatchesStatic(Harness &h, const Plan &plan, float tolerance) {
  std::vector<std::vector<uint8_t>> inputs = randomInputs(plan);
  std::vector<std::vector<uint8_t>> stat, dyn;
  ASSERT_NO_FATAL_FAILURE(runPlan(h, plan, inputs, false, stat));
  ASSERT_NO_FATAL_FAILURE(runPlan(h, plan, inputs, true, dyn));
  ASSERT_EQ(stat.size(), dyn.size());
  for (size_t o = 0; o < stat.size(); ++o) {
    const PlanTensor &pt = plan.tensors[plan.outputs[o]];
    ASSERT_EQ(stat[o].size(), dyn[o].size());
    if (pt.type.dtype != DType::F32) {
      EXPECT_EQ(stat[o], dyn[o]) << "output " << o;
      continue;
    }
    // The same arithmetic, but a driver may fold constant operands
    // differently (a division by a constant as a multiplication), and the
    // fallbacks divide where the static build multiplies: the last bit of
    // an f32 may differ, and so may a binary16 rounding of it.
    size_t n = stat[o].size() / 4, bad = 0;
    float worst = 0;
    for (size_t k = 0; k < n; ++k) {
      float a, b;
      std::memcpy(&a, &stat[o][4 * k], 4);
      std::memcpy(&b, &dyn[o][4 * k], 4);
      float tol = tolerance * (1.0f + std::fabs(a));
      if (!(std::fabs(a - b) <= tol) && !(std::isnan(a) && std::isnan(b))) {
        ++bad;
        worst = std::max(worst, std::fabs(a - b));
      }
    }
    EXPECT_EQ(bad, 0u) << "output " << o << ": " << bad << " of " << n
                       << " elements differ, by up to " << worst;
  }
}

TEST(DynShaderGpu, DynBuildsComputeWhatStaticBuildsCompute) {
  Harness h;
  if (!h.skip.empty())
    GTEST_SKIP() << h.skip;
  gMessages.clear();
  RecordProperty("fp16", h.f16 ? "yes" : "no");
  RecordProperty("tensor_cores", h.coopMat ? "yes" : "no");
  struct Model {
    const char *path;
    const char *inputShape; // NAME=DIMS or ""
    bool everyBuild; // every target and precision, or cpu fp32 and gpu fp16
  };
  // Conv, pooling, GEMM, elementwise, fused epilogues (fashion_cnn,
  // conv_bn_relu); attention, layer norm, softmax, gather, split-K, slices
  // (gpt2_tiny, the slowest on lavapipe: two of its four builds).
  const Model models[] = {
      {"models/fashion_cnn.yaml", "", true},
      {"tests/data/onnx/conv_bn_relu.onnx", "x=2x3x8x8", true},
      {"tests/data/peer/gpt2_tiny.onnx", "", false},
  };
  size_t plans = 0, dispatches = 0;
  for (const Model &m : models)
    for (const char *target : {"cpu", "gpu", "gpu-nv"})
      for (DType storage : {DType::F32, DType::F16}) {
        if (storage == DType::F16 && !h.f16)
          continue;
        // gpu-nv differs from gpu only in its tensor-core fp16 kernels.
        if (StringRef(target) == "gpu-nv" &&
            (!h.coopMat || storage != DType::F16))
          continue;
        if (!m.everyBuild && StringRef(target) != "gpu-nv" &&
            (StringRef(target) == "cpu") != (storage == DType::F32))
          continue;
        std::string what = std::string(m.path) + " --target=" + target +
                           (storage == DType::F16 ? " --precision=fp16" : "");
        SCOPED_TRACE(what);
        std::string path = std::string(TLC_SOURCE_DIR) + "/" + m.path;
        ModelParseOptions parse;
        if (*m.inputShape) {
          auto [name, dims] = StringRef(m.inputShape).split('=');
          Shape shape;
          SmallVector<StringRef, 4> parts;
          dims.split(parts, 'x');
          for (StringRef p : parts)
            shape.push_back(std::stoll(p.str()));
          parse.inputShapes[name.str()] = shape;
        }
        Expected<Graph> g = StringRef(path).endswith(".onnx")
                                ? importOnnxFile(path, parse)
                                : parseModelFile(path, parse);
        ASSERT_TRUE(bool(g)) << toString(g.takeError());
        CompileOptions opts;
        Expected<KernelTarget> t = kernelTargetByName(target);
        ASSERT_TRUE(bool(t)) << toString(t.takeError());
        opts.target = *t;
        opts.floatStorage = storage;
        Expected<Plan> plan = compileGraph(std::move(*g), opts);
        ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
        // fp16 storage: one binary16 ulp (2^-11 relative) is 4.9e-4.
        ASSERT_NO_FATAL_FAILURE(expectDynMatchesStatic(
            h, *plan, storage == DType::F16 ? 2e-3f : 1e-4f));
        for (const PlanCommand &c : plan->commands)
          dispatches += c.kind == CommandKind::Dispatch;
        ++plans;
      }
  EXPECT_GE(plans, (h.f16 ? 10u : 5u) + (h.coopMat ? 3u : 0u));
  EXPECT_GT(dispatches, 0u);
  EXPECT_TRUE(gMessages.empty())
      << gMessages.size() << " validation messages, the first: "
      << (gMessages.empty() ? "" : gMessages.front());
}

namespace tt = tlc::testing;

tt::OpOperand weightI64(Shape shape, std::vector<int64_t> v) {
  return {HostTensor::i64(shape, v), true};
}
tt::OpOperand weightF32(Shape shape, std::vector<float> v) {
  return {HostTensor::f32(shape, v), true};
}
Attributes attrs(std::initializer_list<std::pair<const char *, AttrValue>> kv) {
  Attributes a;
  for (auto &[k, v] : kv)
    a.values[k] = v;
  return a;
}

/// Single ops whose shaders the models above do not run.
TEST(DynShaderGpu, OpsComputeWhatStaticBuildsCompute) {
  Harness h;
  if (!h.skip.empty())
    GTEST_SKIP() << h.skip;
  gMessages.clear();
  RecordProperty("fp16", h.f16 ? "yes" : "no");
  RecordProperty("tensor_cores", h.coopMat ? "yes" : "no");
  struct Case {
    const char *op;
    Attributes attrs;
    std::vector<tt::OpOperand> operands;
  };
  tt::OpOperand x4{tt::randomTensor({2, 3, 5, 7}, 11)};
  tt::OpOperand roi = weightF32({1}, {0.0f});
  std::vector<Case> cases = {
      {"Softmax",
       attrs({{"axis", int64_t(-1)}}),
       {{tt::randomTensor({2, 3, 37}, 12)}}},
      {"Softmax",
       attrs({{"axis", int64_t(1)}}),
       {{tt::randomTensor({2, 5, 3}, 13)}}},
      {"ReduceMean",
       attrs({{"axes", std::vector<int64_t>{2, 3}}, {"keepdims", int64_t(1)}}),
       {{tt::randomTensor({3, 5, 9, 11}, 14)}}},
      {"ReduceMean",
       attrs({{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t(0)}}),
       {{tt::randomTensor({2, 3000, 3}, 15)}}},
      {"Resize",
       attrs({{"mode", std::string("linear")}}),
       {x4, roi, weightF32({4}, {1, 1, 1, 1}), weightI64({4}, {2, 3, 9, 4})}},
      {"Resize",
       attrs({{"mode", std::string("nearest")}}),
       {x4, roi, weightF32({4}, {1, 1, 1, 1}), weightI64({4}, {2, 3, 11, 13})}},
      {"Resize",
       attrs({{"mode", std::string("nearest")}}),
       {x4, roi, weightF32({4}, {1, 1, 1.5f, 0.6f})}},
      {"Slice",
       Attributes(),
       {{tt::randomTensor({7, 9, 11}, 16)},
        weightI64({3}, {-1, 100, 2}),
        weightI64({3}, {-1000, 0, 9}),
        weightI64({3}, {2, 0, -2}),
        weightI64({3}, {-3, -2, 3})}},
      {"Transpose",
       attrs({{"perm", std::vector<int64_t>{2, 0, 1}}}),
       {{tt::randomTensor({3, 4, 5}, 19)}}},
      {"Concat",
       attrs({{"axis", int64_t(1)}}),
       {{tt::randomTensor({2, 3, 4}, 20)}, {tt::randomTensor({2, 5, 4}, 21)}}},
      {"BatchNormalization",
       Attributes(),
       {x4, // parameters as inputs: weights would fold into a multiply-add
        {tt::randomTensor({3}, 22, 0.5f, 2.0f)},
        {tt::randomTensor({3}, 23)},
        {tt::randomTensor({3}, 24)},
        {tt::randomTensor({3}, 25, 0.1f, 3.0f), true}}},
      {"Clip",
       Attributes(),
       {x4, weightF32({}, {-0.5f}), weightF32({}, {0.25f})}},
      {"Tanh", Attributes(), {x4}},
      {"Erf", Attributes(), {x4}},
      {"GlobalAveragePool", Attributes(), {x4}},
      {"AveragePool",
       attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
              {"pads", std::vector<int64_t>{1, 1, 1, 1}},
              {"count_include_pad", int64_t(1)}}),
       {x4}},
      {"ConvTranspose",
       attrs({{"strides", std::vector<int64_t>{2, 2}},
              {"pads", std::vector<int64_t>{1, 0, 1, 0}}}),
       {x4,
        {tt::randomTensor({3, 2, 3, 3}, 26), true},
        {tt::randomTensor({2}, 27), true}}},
      {"LayerNormalization",
       attrs({{"axis", int64_t(-1)}}),
       {{tt::randomTensor({4, 5, 24}, 28)},
        {tt::randomTensor({24}, 29), true},
        {tt::randomTensor({24}, 30), true}}},
      {"Gather",
       attrs({{"axis", int64_t(1)}}),
       {{tt::randomTensor({3, 10, 4}, 31)}, weightI64({5}, {0, -1, 3, 9, 2})}},
      {"MatMul",
       Attributes(),
       {{tt::randomTensor({256, 256}, 32)},
        {tt::randomTensor({256, 256}, 33), true}}},
      {"RMSNormalization",
       attrs({{"axis", int64_t(-2)}}),
       {{tt::randomTensor({3, 4, 40}, 34)},
        {tt::randomTensor({40}, 35), true}}},
      // Positions are run-time inputs in [0, 7): 6 is past the 6 cache rows
      // and clamped.
      {"RotaryEmbedding",
       attrs({{"num_heads", int64_t(3)},
              {"interleaved", int64_t(1)},
              {"rotary_embedding_dim", int64_t(6)}}),
       {{tt::randomTensor({2, 5, 24}, 36)},
        {tt::randomTensor({6, 3}, 37), true},
        {tt::randomTensor({6, 3}, 38), true},
        {tt::ints({2, 5}, std::vector<int64_t>(10, 0))}}},
  };
  std::set<std::string> modules;
  for (const Case &c : cases)
    for (const char *target : {"cpu", "gpu", "gpu-nv"})
      for (DType storage : {DType::F32, DType::F16}) {
        if (storage == DType::F16 && !h.f16)
          continue;
        if (StringRef(target) == "gpu-nv" &&
            (!h.coopMat || storage != DType::F16 ||
             StringRef(c.op) != "MatMul"))
          continue;
        std::string what = std::string(c.op) + " --target=" + target +
                           (storage == DType::F16 ? " --precision=fp16" : "");
        SCOPED_TRACE(what);
        Expected<Graph> g = tt::buildOneNodeGraph(c.op, c.attrs, c.operands);
        ASSERT_TRUE(bool(g)) << toString(g.takeError());
        CompileOptions opts;
        Expected<KernelTarget> t = kernelTargetByName(target);
        ASSERT_TRUE(bool(t)) << toString(t.takeError());
        opts.target = *t;
        opts.floatStorage = storage;
        Expected<Plan> plan = compileGraph(std::move(*g), opts);
        ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
        for (const PlanCommand &cmd : plan->commands)
          if (cmd.kind == CommandKind::Dispatch)
            modules.insert(plan->shaders[cmd.shader].name);
        // fp16 storage: one binary16 ulp (2^-11 relative) is 4.9e-4.
        ASSERT_NO_FATAL_FAILURE(expectDynMatchesStatic(
            h, *plan, storage == DType::F16 ? 2e-3f : 1e-4f));
      }
  if (h.coopMat) {
    EXPECT_TRUE(modules.count("gemm_coopmat_f16"));
  }
  // The shaders this test is for.
  std::string ran;
  for (const std::string &m : modules)
    ran += m + " ";
  for (const char *m :
       {"softmax", "reduce", "resize", "slice", "strided_copy",
        "batchnorm", "clip", "unary_math", "global_avgpool", "pool2d",
        "conv_transpose2d", "layernorm", "gather", "rmsnorm",
        "rotary_embedding"})
    EXPECT_TRUE(modules.count(m)) << m << " was not run; ran: " << ran;
  EXPECT_TRUE(gMessages.empty())
      << gMessages.size() << " validation messages, the first: "
      << (gMessages.empty() ? "" : gMessages.front());
}

} // namespace
