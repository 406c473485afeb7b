//===- runtime/PhysicalDevices.cpp - Instance and device discovery --------===//
//
// Limits are read from VkPhysicalDeviceProperties2 with
// VkPhysicalDeviceMaintenance3Properties (maxMemoryAllocationSize) and
// VkPhysicalDeviceSubgroupProperties (subgroupSize) chained, both core in
// Vulkan 1.1 (specification section 47.1, "Limits"). Features are read from
// VkPhysicalDeviceFeatures2 with VkPhysicalDevice16BitStorageFeatures and,
// where the device offers their extensions, the structures of
// VK_KHR_shader_float16_int8, VK_KHR_vulkan_memory_model and
// VK_NV_cooperative_matrix (DeviceInfo::cooperativeMatrixNV).
//
//===----------------------------------------------------------------------===//
#include "runtime/PhysicalDevices.h"

#include "runtime/Validation.h"
#include "runtime/VkCheck.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

/// Whether instance layer \p layer provides instance extension \p ext.
static bool layerHasExtension(const char *layer, const char *ext) {
  uint32_t n = 0;
  if (vkEnumerateInstanceExtensionProperties(layer, &n, nullptr) != VK_SUCCESS)
    return false;
  SmallVector<VkExtensionProperties, 8> exts(n);
  if (vkEnumerateInstanceExtensionProperties(layer, &n, exts.data()) < 0)
    return false;
  for (uint32_t i = 0; i < n; ++i)
    if (StringRef(exts[i].extensionName) == ext)
      return true;
  return false;
}

Expected<VkInstance>
createInstance(bool validation,
               const VkDebugUtilsMessengerCreateInfoEXT *messengerInfo) {
  uint32_t loaderVersion = VK_API_VERSION_1_0;
  if (Error e = checkVk(vkEnumerateInstanceVersion(&loaderVersion),
                        "vkEnumerateInstanceVersion"))
    return e;
  if (loaderVersion < kTlcVulkanApiVersion)
    return createStringError(
        inconvertibleErrorCode(),
        "the Vulkan loader supports Vulkan %s; tlc needs Vulkan 1.1 or later",
        formatApiVersion(loaderVersion).c_str());

  VkApplicationInfo app = {};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "tlc";
  app.applicationVersion = VK_MAKE_API_VERSION(0, 0, 1, 0);
  app.pEngineName = "tlc";
  app.engineVersion = VK_MAKE_API_VERSION(0, 0, 1, 0);
  app.apiVersion = kTlcVulkanApiVersion;

  const char *layers[] = {kValidationLayerName};
  SmallVector<const char *, 2> extensions = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
  // Synchronization validation checks the barriers of every recorded command
  // buffer (missing barriers between dependent dispatches, transfer/compute
  // hazards); the core checks do not.
  VkValidationFeatureEnableEXT syncValidation =
      VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  VkValidationFeaturesEXT features = {};
  features.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT;
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = &syncValidation;
  features.pNext = messengerInfo;

  VkInstanceCreateInfo ci = {};
  ci.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  ci.pApplicationInfo = &app;
  if (validation) {
    ci.enabledLayerCount = 1;
    ci.ppEnabledLayerNames = layers;
    ci.pNext = messengerInfo;
    if (layerHasExtension(kValidationLayerName,
                          VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME)) {
      extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
      ci.pNext = &features;
    }
    ci.enabledExtensionCount = uint32_t(extensions.size());
    ci.ppEnabledExtensionNames = extensions.data();
  }
  VkInstance instance = VK_NULL_HANDLE;
  VkResult r = vkCreateInstance(&ci, nullptr, &instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    return createStringError(
        inconvertibleErrorCode(),
        "vkCreateInstance failed: VK_ERROR_INCOMPATIBLE_DRIVER (no Vulkan "
        "driver found; install one, e.g. Debian package mesa-vulkan-drivers)");
  if (Error e = checkVk(r, "vkCreateInstance"))
    return e;
  return instance;
}

Expected<SmallVector<VkPhysicalDevice, 4>>
enumeratePhysicalDevices(VkInstance instance) {
  uint32_t n = 0;
  if (Error e = checkVk(vkEnumeratePhysicalDevices(instance, &n, nullptr),
                        "vkEnumeratePhysicalDevices"))
    return e;
  SmallVector<VkPhysicalDevice, 4> devices(n);
  if (Error e =
          checkVk(vkEnumeratePhysicalDevices(instance, &n, devices.data()),
                  "vkEnumeratePhysicalDevices"))
    return e;
  devices.resize(n);
  if (devices.empty())
    return createStringError(inconvertibleErrorCode(),
                             "no Vulkan physical device found (is a Vulkan "
                             "driver installed? e.g. mesa-vulkan-drivers)");
  return devices;
}

static const char *deviceTypeName(VkPhysicalDeviceType t) {
  switch (t) {
  case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
    return "discrete-gpu";
  case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
    return "integrated-gpu";
  case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
    return "virtual-gpu";
  case VK_PHYSICAL_DEVICE_TYPE_CPU:
    return "cpu";
  default:
    return "other";
  }
}

DeviceInfo queryDeviceInfo(VkPhysicalDevice device, uint32_t index) {
  VkPhysicalDeviceSubgroupProperties subgroup = {};
  subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
  VkPhysicalDeviceMaintenance3Properties m3 = {};
  m3.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES;
  m3.pNext = &subgroup;
  VkPhysicalDeviceProperties2 props = {};
  props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
  props.pNext = &m3;
  vkGetPhysicalDeviceProperties2(device, &props);
  const VkPhysicalDeviceProperties &p = props.properties;

  VkPhysicalDeviceMemoryProperties mem;
  vkGetPhysicalDeviceMemoryProperties(device, &mem);

  DeviceInfo info;
  info.index = index;
  info.name = p.deviceName;
  info.type = deviceTypeName(p.deviceType);
  info.apiVersion = p.apiVersion;
  info.maxStorageBufferRange = p.limits.maxStorageBufferRange;
  info.maxMemoryAllocationSize = m3.maxMemoryAllocationSize;
  for (uint32_t h = 0; h < mem.memoryHeapCount; ++h)
    if (mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      info.deviceLocalHeapBytes = std::max<uint64_t>(info.deviceLocalHeapBytes,
                                                     mem.memoryHeaps[h].size);
  info.minStorageBufferOffsetAlignment =
      uint32_t(p.limits.minStorageBufferOffsetAlignment);
  info.subgroupSize = subgroup.subgroupSize;
  info.subgroupOperations = subgroup.supportedOperations;
  info.subgroupStages = subgroup.supportedStages;
  VkPhysicalDevice16BitStorageFeatures storage16 = {};
  storage16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  VkPhysicalDeviceFeatures2 features = {};
  features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  features.pNext = &storage16;

  // The tensor-core features. An extension's feature structure is chained
  // only when the device offers the extension (the validation layer reports
  // structures of extensions the device lacks). The instance
  // is Vulkan 1.1, so shaderFloat16 and vulkanMemoryModel come from the
  // VK_KHR_* structures even on a Vulkan 1.2+ device: the core
  // VkPhysicalDeviceVulkan12Features is not usable at API version 1.1.
  SmallVector<VkExtensionProperties, 0> exts;
  uint32_t nExt = 0;
  if (vkEnumerateDeviceExtensionProperties(device, nullptr, &nExt, nullptr) ==
      VK_SUCCESS) {
    exts.resize(nExt);
    if (vkEnumerateDeviceExtensionProperties(device, nullptr, &nExt,
                                             exts.data()) < 0)
      nExt = 0;
    exts.resize(nExt);
  }
  auto offers = [&](const char *name) {
    return llvm::any_of(exts, [&](const VkExtensionProperties &e) {
      return StringRef(e.extensionName) == name;
    });
  };
  auto chain = [&](auto &s) {
    s.pNext = features.pNext;
    features.pNext = &s;
  };
  TensorCoreFeatureStructs tc;
  VkPhysicalDeviceShaderFloat16Int8FeaturesKHR &float16 = tc.float16;
  VkPhysicalDeviceVulkanMemoryModelFeaturesKHR &memoryModel = tc.memoryModel;
  VkPhysicalDeviceCooperativeMatrixFeaturesNV &coopMat = tc.coopMat;
  if (offers(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME))
    chain(float16);
  if (offers(VK_KHR_VULKAN_MEMORY_MODEL_EXTENSION_NAME))
    chain(memoryModel);
  if (offers(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME))
    chain(coopMat);

  vkGetPhysicalDeviceFeatures2(device, &features);
  info.storageBuffer16BitAccess = storage16.storageBuffer16BitAccess == VK_TRUE;
  info.shaderFloat16 = float16.shaderFloat16 == VK_TRUE;
  info.vulkanMemoryModel = memoryModel.vulkanMemoryModel == VK_TRUE;
  info.vulkanMemoryModelDeviceScope =
      info.vulkanMemoryModel &&
      memoryModel.vulkanMemoryModelDeviceScope == VK_TRUE;
  info.cooperativeMatrixNV = coopMat.cooperativeMatrix == VK_TRUE &&
                             info.shaderFloat16 && info.vulkanMemoryModel;
  return info;
}

static bool isGpu(const DeviceInfo &d) {
  return d.type == "integrated-gpu" || d.type == "virtual-gpu";
}

Expected<uint32_t> selectDeviceIndex(ArrayRef<DeviceInfo> devices,
                                     int requested, const char *envValue) {
  if (devices.empty())
    return createStringError(inconvertibleErrorCode(),
                             "no Vulkan physical device found");
  size_t n = devices.size();
  if (requested >= 0) {
    if (size_t(requested) >= n)
      return createStringError(inconvertibleErrorCode(),
                               "device index %d is out of range: %zu Vulkan "
                               "device(s), indices 0..%zu (see 'tlc devices')",
                               requested, n, n - 1);
    return uint32_t(requested);
  }
  if (envValue) {
    unsigned long long v = 0;
    if (StringRef(envValue).getAsInteger(10, v) || v >= n)
      return createStringError(inconvertibleErrorCode(),
                               "environment variable TLC_DEVICE='%s': "
                               "expected a device index 0..%zu (%zu Vulkan "
                               "device(s); see 'tlc devices')",
                               envValue, n - 1, n);
    return uint32_t(v);
  }
  for (size_t i = 0; i < n; ++i)
    if (devices[i].type == "discrete-gpu")
      return uint32_t(i);
  for (size_t i = 0; i < n; ++i)
    if (isGpu(devices[i]))
      return uint32_t(i);
  return 0;
}

Expected<std::vector<DeviceInfo>> listDevices() {
  Expected<VkInstance> instance = createInstance(false, nullptr);
  if (!instance)
    return instance.takeError();
  std::vector<DeviceInfo> infos;
  auto devices = enumeratePhysicalDevices(*instance);
  if (devices)
    for (uint32_t i = 0; i < devices->size(); ++i)
      infos.push_back(queryDeviceInfo((*devices)[i], i));
  vkDestroyInstance(*instance, nullptr);
  if (!devices)
    return devices.takeError();
  return infos;
}

} // namespace tlc
