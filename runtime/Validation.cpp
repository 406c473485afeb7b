//===- runtime/Validation.cpp - Vulkan validation layers ------------------===//
//
// The messenger follows VK_EXT_debug_utils (Vulkan 1.3 specification, section
// 4.2 "Debug Utilities"); chaining its create info into VkInstanceCreateInfo
// also covers vkCreateInstance/vkDestroyInstance.
//
//===----------------------------------------------------------------------===//
#include "runtime/Validation.h"

#include "runtime/VkCheck.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

using namespace llvm;

namespace tlc {

static std::atomic<uint64_t> gProcessMessages{0};

Expected<bool> validationRequestedByEnv() {
  const char *v = std::getenv("TLC_VALIDATION");
  if (!v)
    return false;
  StringRef s(v);
  if (s.empty() || s == "0")
    return false;
  if (s == "1")
    return true;
  return createStringError(inconvertibleErrorCode(),
                           "environment variable TLC_VALIDATION='%s': "
                           "expected 0 or 1",
                           v);
}

Expected<bool> validationLayerAvailable() {
  uint32_t n = 0;
  if (Error e = checkVk(vkEnumerateInstanceLayerProperties(&n, nullptr),
                        "vkEnumerateInstanceLayerProperties"))
    return e;
  SmallVector<VkLayerProperties, 8> layers(n);
  if (Error e = checkVk(vkEnumerateInstanceLayerProperties(&n, layers.data()),
                        "vkEnumerateInstanceLayerProperties"))
    return e;
  for (uint32_t i = 0; i < n; ++i)
    if (std::strcmp(layers[i].layerName, kValidationLayerName) == 0)
      return true;
  return false;
}

void warnValidationLayerMissingOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    errs() << "tlc: warning: TLC_VALIDATION=1 but " << kValidationLayerName
           << " is not installed (Debian package vulkan-validationlayers); "
              "running without validation\n";
  });
}

static VKAPI_ATTR VkBool32 VKAPI_CALL
onMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
          VkDebugUtilsMessageTypeFlagsEXT types,
          const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
  auto *counter = static_cast<std::atomic<uint64_t> *>(user);
  if (counter)
    ++*counter;
  ++gProcessMessages;
  const char *kind = (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
                         ? "error"
                         : "warning";
  // One write per message so that messages of concurrent threads stay whole.
  std::string line = std::string("tlc: vulkan validation ") + kind + ": " +
                     (data && data->pMessage ? data->pMessage : "(no text)") +
                     "\n";
  errs() << line;
  errs().flush();
  return VK_FALSE; // never abort the call that triggered the message
}

void fillMessengerCreateInfo(VkDebugUtilsMessengerCreateInfoEXT &info,
                             std::atomic<uint64_t> *counter) {
  info = {};
  info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
  info.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  info.pfnUserCallback = onMessage;
  info.pUserData = counter;
}

uint64_t processValidationMessages() { return gProcessMessages.load(); }

} // namespace tlc
