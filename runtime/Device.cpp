//===- runtime/Device.cpp - Instance, logical device and compute queue ----===//
//
// Device::create chooses the physical device (DeviceOptions::index, env
// TLC_DEVICE, else discrete GPU > other GPU > first device), enables the
// validation layer when asked, creates the logical device with one compute
// queue (robustBufferAccess and storageBuffer16BitAccess on when supported;
// VK_NV_cooperative_matrix with fp16 arithmetic and the Vulkan memory model
// when DeviceInfo::cooperativeMatrixNV) and probes which memory types plan
// buffers and staging buffers will use.
//
//===----------------------------------------------------------------------===//
#include "runtime/DeviceImpl.h"
#include "runtime/PhysicalDevices.h"
#include "runtime/Validation.h"
#include "runtime/VkCheck.h"

#include "llvm/ADT/SmallVector.h"

#include <cstdlib>

using namespace llvm;

namespace tlc {

/// Decides whether to enable the validation layer: opts.validation requires
/// it (error when missing); TLC_VALIDATION=1 alone enables it when installed
/// and warns once otherwise.
static Expected<bool> wantValidation(const DeviceOptions &opts) {
  Expected<bool> env = validationRequestedByEnv();
  if (!env)
    return env.takeError();
  if (!opts.validation && !*env)
    return false;
  Expected<bool> available = validationLayerAvailable();
  if (!available)
    return available.takeError();
  if (*available)
    return true;
  if (opts.validation)
    return createStringError(
        inconvertibleErrorCode(),
        "validation was requested but %s is not "
        "installed (Debian package vulkan-validationlayers)",
        kValidationLayerName);
  warnValidationLayerMissingOnce();
  return false;
}

/// The first queue family with compute support; sets \p timestampBits to its
/// timestampValidBits.
static Expected<uint32_t> findComputeQueueFamily(VkPhysicalDevice physical,
                                                 const DeviceInfo &info,
                                                 uint32_t &timestampBits) {
  uint32_t n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &n, nullptr);
  SmallVector<VkQueueFamilyProperties, 8> families(n);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &n, families.data());
  for (uint32_t i = 0; i < n; ++i)
    if ((families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) &&
        families[i].queueCount > 0) {
      timestampBits = families[i].timestampValidBits;
      return i;
    }
  return createStringError(inconvertibleErrorCode(),
                           "device %u (%s) has no compute queue family",
                           info.index, info.name.c_str());
}

static Error createLogicalDevice(Device::Impl &d) {
  VkPhysicalDeviceFeatures supported;
  vkGetPhysicalDeviceFeatures(d.physical, &supported);
  VkPhysicalDeviceFeatures enabled = {};
  enabled.robustBufferAccess = supported.robustBufferAccess;

  float priority = 1.0f;
  VkDeviceQueueCreateInfo q = {};
  q.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  q.queueFamilyIndex = d.queueFamily;
  q.queueCount = 1;
  q.pQueuePriorities = &priority;

  // fp16 storage (--precision=fp16 plans) is optional in Vulkan 1.1: enable
  // it where the device has it; ShaderCheck refuses such plans elsewhere.
  VkPhysicalDevice16BitStorageFeatures storage16 = {};
  storage16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  storage16.storageBuffer16BitAccess =
      d.info.storageBuffer16BitAccess ? VK_TRUE : VK_FALSE;

  VkDeviceCreateInfo ci = {};
  ci.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  ci.pNext = &storage16;
  ci.queueCreateInfoCount = 1;
  ci.pQueueCreateInfos = &q;
  ci.pEnabledFeatures = &enabled;

  // Tensor-core kernels (GL_NV_cooperative_matrix) need cooperativeMatrix,
  // shaderFloat16 and vulkanMemoryModel. The instance is Vulkan 1.1, so the
  // last two are enabled through their extensions' structures on every
  // device (VkPhysicalDeviceVulkan12Features is not valid below API version
  // 1.2). Devices without all three (lavapipe) get none of this, so that a
  // stray Float16 or VulkanMemoryModel in another shader stays an error.
  TensorCoreFeatureStructs tc;
  VkPhysicalDeviceShaderFloat16Int8FeaturesKHR &float16 = tc.float16;
  VkPhysicalDeviceVulkanMemoryModelFeaturesKHR &memoryModel = tc.memoryModel;
  VkPhysicalDeviceCooperativeMatrixFeaturesNV &coopMat = tc.coopMat;
  SmallVector<const char *, 3> extensions;
  if (d.info.cooperativeMatrixNV) {
    float16.shaderFloat16 = VK_TRUE;
    memoryModel.vulkanMemoryModel = VK_TRUE;
    memoryModel.vulkanMemoryModelDeviceScope =
        d.info.vulkanMemoryModelDeviceScope ? VK_TRUE : VK_FALSE;
    coopMat.cooperativeMatrix = VK_TRUE;
    storage16.pNext = &float16;
    float16.pNext = &memoryModel;
    memoryModel.pNext = &coopMat;
    extensions = {VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME,
                  VK_KHR_VULKAN_MEMORY_MODEL_EXTENSION_NAME,
                  VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME};
  }
  ci.enabledExtensionCount = uint32_t(extensions.size());
  ci.ppEnabledExtensionNames = extensions.empty() ? nullptr : extensions.data();
  if (Error e = checkVk(vkCreateDevice(d.physical, &ci, nullptr, &d.device),
                        "vkCreateDevice"))
    return e;
  vkGetDeviceQueue(d.device, d.queueFamily, 0, &d.queue);
  return Error::success();
}

/// Finds the memory types of each MemoryKind for a storage+transfer buffer.
static Error probeMemoryTypes(Device::Impl &d) {
  VkBufferCreateInfo bi = {};
  bi.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  bi.size = 4096;
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
             VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
             VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer probe = VK_NULL_HANDLE;
  if (Error e = checkVk(vkCreateBuffer(d.device, &bi, nullptr, &probe),
                        "vkCreateBuffer"))
    return e;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(d.device, probe, &req);
  vkDestroyBuffer(d.device, probe, nullptr);
  for (unsigned k = 0; k < kNumMemoryKinds; ++k) {
    Expected<uint32_t> t =
        chooseMemoryType(d.memory, req.memoryTypeBits, MemoryKind(k));
    if (!t)
      return t.takeError();
    d.memoryType[k] = *t;
  }
  return Error::success();
}

Expected<std::unique_ptr<Device>> Device::create(DeviceOptions opts) {
  auto impl = std::make_unique<Impl>();
  Impl &d = *impl;
  Expected<bool> validation = wantValidation(opts);
  if (!validation)
    return validation.takeError();
  d.validation = *validation;
  if (opts.waitTimeoutSeconds == 0)
    return createStringError(inconvertibleErrorCode(),
                             "the wait timeout is 0 s; expected at least 1");
  d.fenceTimeoutNs = uint64_t(opts.waitTimeoutSeconds) * 1000000000ull;

  VkDebugUtilsMessengerCreateInfoEXT messengerInfo;
  fillMessengerCreateInfo(messengerInfo, &d.validationMessages);
  Expected<VkInstance> instance = createInstance(d.validation, &messengerInfo);
  if (!instance)
    return instance.takeError();
  d.instance = *instance;
  if (d.validation) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(d.instance, "vkCreateDebugUtilsMessengerEXT"));
    if (!create)
      return createStringError(inconvertibleErrorCode(),
                               "vkGetInstanceProcAddr found no "
                               "vkCreateDebugUtilsMessengerEXT");
    if (Error e =
            checkVk(create(d.instance, &messengerInfo, nullptr, &d.messenger),
                    "vkCreateDebugUtilsMessengerEXT"))
      return e;
  }

  auto physicals = enumeratePhysicalDevices(d.instance);
  if (!physicals)
    return physicals.takeError();
  std::vector<DeviceInfo> infos;
  for (uint32_t i = 0; i < physicals->size(); ++i)
    infos.push_back(queryDeviceInfo((*physicals)[i], i));
  Expected<uint32_t> chosen =
      selectDeviceIndex(infos, opts.index, std::getenv("TLC_DEVICE"));
  if (!chosen)
    return chosen.takeError();
  d.physical = (*physicals)[*chosen];
  d.info = infos[*chosen];
  if (d.info.apiVersion < kTlcVulkanApiVersion)
    return createStringError(inconvertibleErrorCode(),
                             "device %u (%s) supports Vulkan %s; tlc needs "
                             "Vulkan 1.1 or later",
                             d.info.index, d.info.name.c_str(),
                             formatApiVersion(d.info.apiVersion).c_str());

  vkGetPhysicalDeviceProperties(d.physical, &d.properties);
  d.limits = d.properties.limits;
  vkGetPhysicalDeviceMemoryProperties(d.physical, &d.memory);

  Expected<uint32_t> family =
      findComputeQueueFamily(d.physical, d.info, d.timestampValidBits);
  if (!family)
    return family.takeError();
  d.queueFamily = *family;
  if (Error e = createLogicalDevice(d))
    return e;
  if (Error e = probeMemoryTypes(d))
    return e;
  return std::unique_ptr<Device>(new Device(std::move(impl)));
}

Device::Impl::~Impl() {
  if (device)
    vkDestroyDevice(device, nullptr); // the layer reports leaked children here
  if (messenger) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy)
      destroy(instance, messenger, nullptr);
  }
  if (instance)
    vkDestroyInstance(instance, nullptr);
}

uint32_t Device::Impl::heapOf(MemoryKind kind) const {
  return memory.memoryTypes[memoryType[unsigned(kind)]].heapIndex;
}

Error Device::Impl::submit(VkCommandBuffer cmd, VkFence fence) {
  VkSubmitInfo si = {};
  si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  std::lock_guard<std::mutex> lock(queueMutex);
  ++submits;
  return checkVk(vkQueueSubmit(queue, 1, &si, fence), "vkQueueSubmit");
}

void Device::Impl::drainBeforeDestroy(VkFence fence) {
  if (vkWaitForFences(device, 1, &fence, VK_TRUE, fenceTimeoutNs) !=
      VK_TIMEOUT)
    return;
  std::lock_guard<std::mutex> lock(queueMutex);
  vkQueueWaitIdle(queue);
}

Device::Device(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Device::~Device() = default;

const DeviceInfo &Device::info() const { return impl_->info; }

RuntimeCounters Device::counters() const {
  RuntimeCounters c;
  c.memoryAllocations = impl_->allocations.load();
  c.allocatedBytes = impl_->allocatedBytes.load();
  c.submits = impl_->submits.load();
  c.validationMessages = impl_->validationMessages.load();
  c.pipelinesCreated = impl_->pipelinesCreated.load();
  c.descriptorWrites = impl_->descriptorWrites.load();
  c.commandBufferRecordings = impl_->commandBufferRecordings.load();
  c.parameterEvaluations = impl_->parameterEvaluations.load();
  return c;
}

} // namespace tlc
