//===- runtime/PipelineCacheFile.h - On-disk pipeline cache --*- C++ -*-===//
//
// Creating compute pipelines (compiling SPIR-V to the device's ISA) is most
// of a plan's load time on a GPU. LoadedPlan::load therefore seeds its
// VkPipelineCache from a file and writes the cache back when it grew. The
// file is keyed by device: its name carries vendorID, deviceID,
// driverVersion and pipelineCacheUUID, and its contents are checked again
// on reading (tlc's header with an xxHash64 of the payload, then the
// VkPipelineCacheHeaderVersionOne the driver wrote, Vulkan 1.3 specification
// section 10.7.4). A missing, mismatched, truncated or corrupt file is
// ignored (noted in PipelineCacheReport), never an error: the cache is only
// an optimization.
//
// Location: $TLC_PIPELINE_CACHE (a directory; "off" disables the cache),
// else $XDG_CACHE_HOME/tlc, else $HOME/.cache/tlc.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_PIPELINECACHEFILE_H
#define TLC_RUNTIME_PIPELINECACHEFILE_H

#include "runtime/Runtime.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tlc {

/// Bytes of tlc's header before the driver's cache data: magic "TLCPIPE1",
/// u64 payload bytes, u64 xxHash64 of the payload, u32 driverVersion, u32
/// zero (all little-endian).
constexpr size_t kPipelineCacheFileHeaderBytes = 32;

/// The directory of the cache from the environment (see the file comment);
/// "" when the cache is off or no directory can be determined.
std::string pipelineCacheDirectory();

/// The cache file of device \p props inside \p dir:
/// "pipelines-<vendorID>-<deviceID>-<driverVersion>-<UUID>.bin" (hex).
std::string pipelineCacheFileName(const VkPhysicalDeviceProperties &props);

/// Checks a cache file's bytes \p file against device \p props and returns
/// the driver's cache data inside it. Errors name \p path, the byte offset
/// and what was expected (bad magic, truncated payload, checksum mismatch,
/// another driver version, vendor, device or pipelineCacheUUID).
llvm::Expected<llvm::ArrayRef<uint8_t>>
decodePipelineCache(llvm::ArrayRef<uint8_t> file, llvm::StringRef path,
                    const VkPhysicalDeviceProperties &props);

/// tlc's header followed by \p data (from vkGetPipelineCacheData).
std::vector<uint8_t>
encodePipelineCache(llvm::ArrayRef<uint8_t> data,
                    const VkPhysicalDeviceProperties &props);

/// Writes \p bytes to \p path atomically (a temporary file in the same
/// directory, then rename), creating the directory. Errors name the path.
llvm::Error writeFileAtomic(llvm::StringRef path,
                            llvm::ArrayRef<uint8_t> bytes);

} // namespace tlc

#endif // TLC_RUNTIME_PIPELINECACHEFILE_H
