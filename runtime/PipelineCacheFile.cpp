//===- runtime/PipelineCacheFile.cpp - On-disk pipeline cache format ------===//
//
// The file format and location of the persistent pipeline cache (see
// runtime/PipelineCacheFile.h). Reading never trusts the file: sizes are
// checked before every read and the payload's xxHash64 before the driver
// sees a byte of it.
//
//===----------------------------------------------------------------------===//
#include "runtime/PipelineCacheFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"

#include <cstdlib>
#include <cstring>

using namespace llvm;
using namespace llvm::support;

namespace tlc {

static constexpr char kMagic[8] = {'T', 'L', 'C', 'P', 'I', 'P', 'E', '1'};

std::string pipelineCacheDirectory() {
  if (const char *env = std::getenv("TLC_PIPELINE_CACHE")) {
    StringRef v(env);
    if (v.equals_insensitive("off") || v == "0")
      return "";
    if (!v.empty())
      return v.str();
  }
  SmallString<256> dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    dir = xdg;
  } else if (const char *home = std::getenv("HOME"); home && *home) {
    dir = home;
    sys::path::append(dir, ".cache");
  } else {
    return "";
  }
  sys::path::append(dir, "tlc");
  return std::string(dir);
}

std::string pipelineCacheFileName(const VkPhysicalDeviceProperties &props) {
  std::string uuid;
  for (uint8_t b : props.pipelineCacheUUID)
    uuid += formatv("{0:x-2}", b).str();
  return formatv("pipelines-{0:x-4}-{1:x-4}-{2:x-8}-{3}.bin", props.vendorID,
                 props.deviceID, props.driverVersion, uuid)
      .str();
}

static Error bad(StringRef path, size_t offset, const Twine &what) {
  return createStringError(inconvertibleErrorCode(), "%s: byte %zu: %s",
                           path.str().c_str(), offset, what.str().c_str());
}

Expected<ArrayRef<uint8_t>>
decodePipelineCache(ArrayRef<uint8_t> file, StringRef path,
                    const VkPhysicalDeviceProperties &props) {
  if (file.size() < kPipelineCacheFileHeaderBytes)
    return bad(path, file.size(),
               formatv("truncated: {0} bytes, expected at least the {1}-byte "
                       "header",
                       file.size(), kPipelineCacheFileHeaderBytes));
  if (std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0)
    return bad(path, 0, "expected the magic \"TLCPIPE1\"");
  uint64_t size = endian::read64le(file.data() + 8);
  uint64_t hash = endian::read64le(file.data() + 16);
  uint32_t driver = endian::read32le(file.data() + 24);
  ArrayRef<uint8_t> data = file.drop_front(kPipelineCacheFileHeaderBytes);
  if (size != data.size())
    return bad(path, 8,
               formatv("payload of {0} bytes recorded, {1} present", size,
                       data.size()));
  if (xxHash64(data) != hash)
    return bad(path, 16, "payload checksum (xxHash64) mismatch");
  if (driver != props.driverVersion)
    return bad(path, 24,
               formatv("driverVersion {0:x}, this driver is {1:x}", driver,
                       props.driverVersion));
  // VkPipelineCacheHeaderVersionOne: headerSize, headerVersion, vendorID,
  // deviceID (u32 each), pipelineCacheUUID[16].
  constexpr size_t kVkHeader = 16 + VK_UUID_SIZE;
  size_t base = kPipelineCacheFileHeaderBytes;
  if (data.size() < kVkHeader)
    return bad(path, base,
               formatv("driver data of {0} bytes, shorter than the {1}-byte "
                       "VkPipelineCacheHeaderVersionOne",
                       data.size(), kVkHeader));
  uint32_t headerSize = endian::read32le(data.data());
  uint32_t headerVersion = endian::read32le(data.data() + 4);
  uint32_t vendor = endian::read32le(data.data() + 8);
  uint32_t device = endian::read32le(data.data() + 12);
  if (headerSize < kVkHeader || headerSize > data.size())
    return bad(path, base,
               formatv("headerSize {0}, expected {1}..{2}", headerSize,
                       kVkHeader, data.size()));
  if (headerVersion != VK_PIPELINE_CACHE_HEADER_VERSION_ONE)
    return bad(path, base + 4,
               formatv("headerVersion {0}, expected 1", headerVersion));
  if (vendor != props.vendorID || device != props.deviceID)
    return bad(path, base + 8,
               formatv("vendorID:deviceID {0:x}:{1:x}, this device is "
                       "{2:x}:{3:x}",
                       vendor, device, props.vendorID, props.deviceID));
  if (std::memcmp(data.data() + 16, props.pipelineCacheUUID, VK_UUID_SIZE))
    return bad(path, base + 16, "pipelineCacheUUID of another driver build");
  return data;
}

std::vector<uint8_t>
encodePipelineCache(ArrayRef<uint8_t> data,
                    const VkPhysicalDeviceProperties &props) {
  std::vector<uint8_t> out(kPipelineCacheFileHeaderBytes, 0);
  std::memcpy(out.data(), kMagic, sizeof(kMagic));
  endian::write64le(out.data() + 8, data.size());
  endian::write64le(out.data() + 16, xxHash64(data));
  endian::write32le(out.data() + 24, props.driverVersion);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Error writeFileAtomic(StringRef path, ArrayRef<uint8_t> bytes) {
  StringRef dir = sys::path::parent_path(path);
  if (!dir.empty())
    if (std::error_code ec = sys::fs::create_directories(dir))
      return createStringError(ec, "%s: cannot create directory: %s",
                               dir.str().c_str(), ec.message().c_str());
  std::string model = (path + ".tmp-%%%%%%%%").str();
  if (Error e = writeFileAtomically(
          model, path,
          StringRef(reinterpret_cast<const char *>(bytes.data()),
                    bytes.size())))
    return createStringError(inconvertibleErrorCode(), "%s: cannot write: %s",
                             path.str().c_str(),
                             toString(std::move(e)).c_str());
  return Error::success();
}

} // namespace tlc
