//===- runtime/PipelineCache.cpp - Seed and save a plan's pipeline cache --===//
//
// LoadedPlan::load creates its VkPipelineCache from the device's cache file
// (runtime/PipelineCacheFile.h) before creating pipelines and writes the
// cache back afterwards when the driver's data changed. Nothing here fails a
// load: every problem with the file becomes a note in PipelineCacheReport.
//
//===----------------------------------------------------------------------===//
#include "runtime/LoadedPlanImpl.h"
#include "runtime/PipelineCacheFile.h"
#include "runtime/VkCheck.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace tlc {

static VkResult createCache(LoadedPlan::Impl &p, ArrayRef<uint8_t> data) {
  VkPipelineCacheCreateInfo ci = {};
  ci.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO;
  ci.initialDataSize = data.size();
  ci.pInitialData = data.empty() ? nullptr : data.data();
  return vkCreatePipelineCache(p.dev.device, &ci, nullptr, &p.pipelineCache);
}

Error createPipelineCache(LoadedPlan::Impl &p) {
  PipelineCacheReport &report = p.cacheReport;
  std::string dir = pipelineCacheDirectory();
  std::vector<uint8_t> initial;
  if (!dir.empty()) {
    SmallString<256> path(dir);
    sys::path::append(path, pipelineCacheFileName(p.dev.properties));
    report.path = std::string(path);
    auto buf = MemoryBuffer::getFile(path, /*IsText=*/false,
                                     /*RequiresNullTerminator=*/false);
    if (buf) {
      ArrayRef<uint8_t> bytes(
          reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
          (*buf)->getBufferSize());
      auto data = decodePipelineCache(bytes, path, p.dev.properties);
      if (data)
        initial.assign(data->begin(), data->end());
      else
        report.note = "ignored: " + toString(data.takeError());
    } else if (buf.getError() != std::errc::no_such_file_or_directory) {
      report.note = "ignored: " + report.path + ": " + buf.getError().message();
    }
  }
  if (!initial.empty()) {
    if (createCache(p, initial) == VK_SUCCESS) {
      report.hit = true;
      p.cacheInitialData = std::move(initial);
      return Error::success();
    }
    p.pipelineCache = VK_NULL_HANDLE;
    report.note = "ignored: the driver refused the cache data";
  }
  return checkVk(createCache(p, {}), "vkCreatePipelineCache");
}

void savePipelineCache(LoadedPlan::Impl &p) {
  PipelineCacheReport &report = p.cacheReport;
  if (report.path.empty() || !p.pipelineCache)
    return;
  size_t size = 0;
  if (vkGetPipelineCacheData(p.dev.device, p.pipelineCache, &size, nullptr) !=
          VK_SUCCESS ||
      size == 0)
    return;
  std::vector<uint8_t> data(size);
  VkResult r =
      vkGetPipelineCacheData(p.dev.device, p.pipelineCache, &size, data.data());
  if (r != VK_SUCCESS) // VK_INCOMPLETE: it grew meanwhile; next load saves
    return;
  data.resize(size);
  if (data == p.cacheInitialData)
    return; // nothing new: leave the file alone
  if (Error e = writeFileAtomic(report.path,
                                encodePipelineCache(data, p.dev.properties))) {
    if (!report.note.empty())
      report.note += "; ";
    report.note += "not saved: " + toString(std::move(e));
    return;
  }
  report.saved = true;
}

} // namespace tlc
