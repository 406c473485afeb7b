//===- runtime/PhysicalDevices.h - Instance and device discovery -*- C++
//-*-===//
//
// Creating the VkInstance, enumerating physical devices, reading their
// properties and limits into DeviceInfo, and choosing the default device.
// Shared by Device::create and listDevices (`tlc devices`).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_PHYSICALDEVICES_H
#define TLC_RUNTIME_PHYSICALDEVICES_H

#include "runtime/Runtime.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <vulkan/vulkan.h>

namespace tlc {

/// The Vulkan API version tlc asks for: 1.1 (SPIR-V 1.3, subgroup
/// properties, VkPhysicalDeviceMaintenance3Properties are core there).
constexpr uint32_t kTlcVulkanApiVersion = VK_API_VERSION_1_1;

/// Creates a Vulkan 1.1 instance. With \p validation, enables
/// VK_LAYER_KHRONOS_validation (with its synchronization validation, through
/// VK_EXT_validation_features when the layer has it) and VK_EXT_debug_utils,
/// and chains
/// \p messengerInfo (may be null) into the create info so that messages of
/// vkCreateInstance/vkDestroyInstance are reported too. Errors: no loader or
/// driver (VK_ERROR_INCOMPATIBLE_DRIVER), loader older than Vulkan 1.1.
llvm::Expected<VkInstance>
createInstance(bool validation,
               const VkDebugUtilsMessengerCreateInfoEXT *messengerInfo);

/// The physical devices of \p instance, in the loader's order (the indices
/// `tlc devices` prints). Errors when there is none.
llvm::Expected<llvm::SmallVector<VkPhysicalDevice, 4>>
enumeratePhysicalDevices(VkInstance instance);

/// The feature structures of what tensor-core kernels need
/// (VK_KHR_shader_float16_int8, VK_KHR_vulkan_memory_model,
/// VK_NV_cooperative_matrix), with their sType set and nothing chained:
/// queried by queryDeviceInfo, enabled by Device::create. The instance is
/// Vulkan 1.1, so the extension structures serve on every device.
struct TensorCoreFeatureStructs {
  VkPhysicalDeviceShaderFloat16Int8FeaturesKHR float16 = {};
  VkPhysicalDeviceVulkanMemoryModelFeaturesKHR memoryModel = {};
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coopMat = {};
  TensorCoreFeatureStructs() {
    float16.sType =
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES_KHR;
    memoryModel.sType =
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES_KHR;
    coopMat.sType =
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV;
  }
};

/// Properties, limits and the optional features tlc uses of \p device
/// (storageBuffer16BitAccess; shaderFloat16, vulkanMemoryModel and
/// cooperativeMatrix through VK_KHR_shader_float16_int8,
/// VK_KHR_vulkan_memory_model and VK_NV_cooperative_matrix when the device
/// offers them: Vulkan 1.3 spec, chapter "Features"); \p index is its
/// enumeration index. A feature whose extension is missing reads as false.
DeviceInfo queryDeviceInfo(VkPhysicalDevice device, uint32_t index);

/// Picks the device to use among \p devices:
///   - \p requested >= 0: that index (error if out of range);
///   - else \p envValue (the value of env TLC_DEVICE, may be null): a decimal
///     index (error naming TLC_DEVICE if it is not a number or out of range);
///   - else the first discrete GPU, else the first integrated or virtual GPU,
///     else device 0 (e.g. lavapipe, a CPU implementation).
/// Errors when \p devices is empty.
llvm::Expected<uint32_t> selectDeviceIndex(llvm::ArrayRef<DeviceInfo> devices,
                                           int requested, const char *envValue);

} // namespace tlc

#endif // TLC_RUNTIME_PHYSICALDEVICES_H
