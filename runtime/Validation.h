//===- runtime/Validation.h - Vulkan validation layers ----------*- C++ -*-===//
//
// Whether to enable VK_LAYER_KHRONOS_validation, and the VK_EXT_debug_utils
// messenger that prints its warnings and errors to stderr and counts them
// (RuntimeCounters::validationMessages). Tests run with TLC_VALIDATION=1 and
// assert that no message was counted.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_VALIDATION_H
#define TLC_RUNTIME_VALIDATION_H

#include "llvm/Support/Error.h"

#include <vulkan/vulkan.h>

#include <atomic>
#include <cstdint>

namespace tlc {

/// The Khronos validation layer's name.
constexpr const char *kValidationLayerName = "VK_LAYER_KHRONOS_validation";

/// Reads env TLC_VALIDATION: unset, "" or "0" -> false, "1" -> true. Any
/// other value is an error naming the variable and the accepted values.
llvm::Expected<bool> validationRequestedByEnv();

/// Whether the Vulkan loader lists kValidationLayerName. Errors only when
/// the loader itself fails (vkEnumerateInstanceLayerProperties).
llvm::Expected<bool> validationLayerAvailable();

/// Prints, once per process, a warning that TLC_VALIDATION=1 was set but the
/// layer is not installed (package vulkan-validationlayers).
void warnValidationLayerMissingOnce();

/// Fills \p info with a messenger for warnings and errors of every message
/// type; each message is printed to stderr and added to \p *counter and to
/// the process-wide total. \p counter must outlive the messenger (and the
/// instance, when \p info is chained into VkInstanceCreateInfo::pNext).
void fillMessengerCreateInfo(VkDebugUtilsMessengerCreateInfoEXT &info,
                             std::atomic<uint64_t> *counter);

/// Validation messages counted by every messenger of this process so far,
/// including those emitted while devices and instances are destroyed (where
/// the validation layer reports leaked objects). Tests use it to check
/// teardown.
uint64_t processValidationMessages();

} // namespace tlc

#endif // TLC_RUNTIME_VALIDATION_H
