//===- tools/DevicesCommand.cpp - tlc devices -----------------------------===//
//
//   tlc devices [--json]
//
// Lists the Vulkan physical devices with the limits tlc checks plans against
// (runtime/PlanLimits.h) and whether it can run tensor-core kernels
// (DeviceInfo::cooperativeMatrixNV: VK_NV_cooperative_matrix with fp16
// arithmetic and the Vulkan memory model), and marks the one `tlc run`
// picks by default (--device / env TLC_DEVICE, else discrete GPU > other
// GPU > first device).
//
//===----------------------------------------------------------------------===//
#include "tools/Commands.h"

#include "runtime/PhysicalDevices.h"
#include "runtime/Runtime.h"
#include "runtime/VkCheck.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace llvm;

namespace tlc {

cl::SubCommand
    DevicesSubcommand("devices",
                      "List Vulkan devices and the limits tlc checks");

static cl::opt<bool> JsonOutput("json", cl::desc("Print JSON instead of text"),
                                cl::sub(DevicesSubcommand));

static void printJson(ArrayRef<DeviceInfo> devices, int chosen) {
  json::OStream j(outs(), 2);
  j.object([&] {
    j.attribute("default", chosen);
    j.attributeArray("devices", [&] {
      for (const DeviceInfo &d : devices)
        j.object([&] {
          j.attribute("index", int64_t(d.index));
          j.attribute("name", d.name);
          j.attribute("type", d.type);
          j.attribute("apiVersion", formatApiVersion(d.apiVersion));
          j.attribute("maxStorageBufferRange",
                      int64_t(d.maxStorageBufferRange));
          j.attribute("maxMemoryAllocationSize",
                      int64_t(d.maxMemoryAllocationSize));
          j.attribute("deviceLocalHeapBytes", int64_t(d.deviceLocalHeapBytes));
          j.attribute("minStorageBufferOffsetAlignment",
                      int64_t(d.minStorageBufferOffsetAlignment));
          j.attribute("subgroupSize", int64_t(d.subgroupSize));
          j.attribute("cooperativeMatrixNV", d.cooperativeMatrixNV);
        });
    });
  });
  outs() << "\n";
}

static void printText(ArrayRef<DeviceInfo> devices, int chosen) {
  for (const DeviceInfo &d : devices) {
    outs() << d.index << ": " << d.name
           << (int(d.index) == chosen ? "  (default)" : "") << "\n"
           << "   type                             " << d.type << "\n"
           << "   Vulkan API                       "
           << formatApiVersion(d.apiVersion) << "\n"
           << "   maxStorageBufferRange            "
           << formatBytes(d.maxStorageBufferRange) << "\n"
           << "   maxMemoryAllocationSize          "
           << formatBytes(d.maxMemoryAllocationSize) << "\n"
           << "   largest device-local heap        "
           << formatBytes(d.deviceLocalHeapBytes) << "\n"
           << "   minStorageBufferOffsetAlignment  "
           << d.minStorageBufferOffsetAlignment << " bytes\n"
           << "   subgroup size                    " << d.subgroupSize << "\n"
           << "   cooperative matrices (NV)        "
           << (d.cooperativeMatrixNV ? "yes" : "no") << "\n";
  }
}

int runDevices() {
  Expected<std::vector<DeviceInfo>> devices = listDevices();
  if (!devices)
    return reportError(devices.takeError());
  Expected<uint32_t> chosen =
      selectDeviceIndex(*devices, -1, std::getenv("TLC_DEVICE"));
  if (!chosen)
    return reportError(chosen.takeError());
  if (JsonOutput)
    printJson(*devices, int(*chosen));
  else
    printText(*devices, int(*chosen));
  return 0;
}

} // namespace tlc
