//===- runtime/VkCheck.h - Vulkan results as llvm::Error --------*- C++ -*-===//
//
// Every Vulkan call in the runtime goes through checkVk(), which turns a
// failing VkResult into an llvm::Error naming the call and the result
// ("vkAllocateMemory failed: VK_ERROR_OUT_OF_DEVICE_MEMORY"). Also the byte
// formatting used by the runtime's error messages.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_VKCHECK_H
#define TLC_RUNTIME_VKCHECK_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>

namespace tlc {

/// The enumerator name of \p r ("VK_ERROR_DEVICE_LOST"); for a value this
/// header version does not know, "VkResult(<number>)".
std::string vkResultName(VkResult r);

/// Success for VK_SUCCESS (and the other non-negative codes, which are not
/// errors, e.g. VK_INCOMPLETE); otherwise an error
/// "<call> failed: <VkResult name>".
llvm::Error checkVk(VkResult r, llvm::StringRef call);

/// A byte count for humans: "512 B", "4.0 KiB", "3.2 GiB" (binary units,
/// one decimal), followed by the exact count when it is not in bytes already:
/// "3.2 GiB (3435973837 bytes)".
std::string formatBytes(uint64_t bytes);

/// "1.3.230" from a VK_MAKE_API_VERSION value.
std::string formatApiVersion(uint32_t version);

} // namespace tlc

#endif // TLC_RUNTIME_VKCHECK_H
