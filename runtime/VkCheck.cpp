//===- runtime/VkCheck.cpp - Vulkan results as llvm::Error ----------------===//
//
// VkResult names follow the Vulkan 1.3 specification, section 3.6
// ("Return Codes").
//
//===----------------------------------------------------------------------===//
#include "runtime/VkCheck.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace tlc {

std::string vkResultName(VkResult r) {
  switch (r) {
#define TLC_VK_RESULT(name)                                                    \
  case name:                                                                   \
    return #name;
    TLC_VK_RESULT(VK_SUCCESS)
    TLC_VK_RESULT(VK_NOT_READY)
    TLC_VK_RESULT(VK_TIMEOUT)
    TLC_VK_RESULT(VK_EVENT_SET)
    TLC_VK_RESULT(VK_EVENT_RESET)
    TLC_VK_RESULT(VK_INCOMPLETE)
    TLC_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    TLC_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    TLC_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    TLC_VK_RESULT(VK_ERROR_DEVICE_LOST)
    TLC_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    TLC_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    TLC_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    TLC_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    TLC_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    TLC_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    TLC_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    TLC_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
    TLC_VK_RESULT(VK_ERROR_UNKNOWN)
    TLC_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    TLC_VK_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    TLC_VK_RESULT(VK_ERROR_FRAGMENTATION)
    TLC_VK_RESULT(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
    TLC_VK_RESULT(VK_PIPELINE_COMPILE_REQUIRED)
    TLC_VK_RESULT(VK_ERROR_VALIDATION_FAILED_EXT)
    TLC_VK_RESULT(VK_ERROR_INVALID_SHADER_NV)
#undef TLC_VK_RESULT
  default:
    return "VkResult(" + std::to_string(int(r)) + ")";
  }
}

Error checkVk(VkResult r, StringRef call) {
  if (r >= 0)
    return Error::success();
  return createStringError(inconvertibleErrorCode(), "%s failed: %s",
                           call.str().c_str(), vkResultName(r).c_str());
}

std::string formatBytes(uint64_t bytes) {
  static const char *const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024)
    return std::to_string(bytes) + " B";
  double v = double(bytes) / 1024.0;
  unsigned u = 0;
  while (v >= 1024.0 && u + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
    v /= 1024.0;
    ++u;
  }
  std::string s;
  raw_string_ostream os(s);
  os << format("%.1f %s (%llu bytes)", v, kUnits[u], (unsigned long long)bytes);
  return os.str();
}

std::string formatApiVersion(uint32_t version) {
  return std::to_string(VK_API_VERSION_MAJOR(version)) + "." +
         std::to_string(VK_API_VERSION_MINOR(version)) + "." +
         std::to_string(VK_API_VERSION_PATCH(version));
}

} // namespace tlc
