//===- bench/gpu/gemm_bench.cpp - GEMM kernels timed on the device --------===//
//
// Times tlc's matrix-multiply shaders on one Vulkan device with timestamp
// queries (GPU time of each dispatch, after warm-up; the median is quoted),
// outside the plan runtime so that host copies do not count:
//   - f32: shaders/gemm_tiled.comp dispatched exactly as lowering emits it
//     (lowerGemmKernelTiled), with the tiling chooseGemmTiles picks for the
//     "gpu" profile or every tiling given by --tiles; also shaders/gemm.comp
//     (the "cpu" profile) with --tiles=cpu;
//   - f32 (--warptile): shaders/gemm_warptile.comp as ops/GemmLarge.h lowers
//     it, for the tilings listed (or the one chooseGemmWarpTile picks);
//   - f16 (--fp16): shaders/gemm_coopmat.comp, fp16 inputs with fp32
//     accumulation on VK_NV_cooperative_matrix; skipped, with a message, on
//     devices without the extension.
// Every result is checked against a double-precision dot product on
// --samples random entries (relative L2 over the samples); --dump writes
// A, B and Y of the first run of each shape as .npy for a full check
// against NumPy (bench/gpu/gemm_check.py).
//
// --driver-stats prints the driver's statistics of each pipeline (NVIDIA:
// registers, shared memory) where VK_KHR_pipeline_executable_properties is
// offered. --probe=1|2|3 times one part of the fp16 kernel alone (fragments
// and multiply-adds from shared memory; multiply-adds only; global reads
// and shared stores), to see where its time goes; its results are wrong.
//
// usage: gemm_bench [--shapes=4096x4096x4096,...] [--tiles=auto|cpu|none|LIST]
//                   [--warptile=auto|LIST] [--fp16] [--coopmat=LIST]
//                   [--repeat=N] [--warmup=N] [--dump=DIR] [--driver-stats]
//                   [--probe=N]
// A shape is MxNxK or BxMxNxK (a batch of B independent products).
// Output: one line per kernel, "<kind> <shape> <tiling>: median <us> us,
// <TFLOP/s> TFLOP/s, sampled rel L2 <err>", TFLOP/s = 2*B*M*N*K / median.
//
//===----------------------------------------------------------------------===//
#include "codegen/DispatchCheck.h"
#include "ir/Npy.h"
#include "ops/GemmKernel.h"
#include "ops/GemmLarge.h"
#include "spirv/EmbeddedShaders.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <vulkan/vulkan.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace llvm;
using namespace tlc;

static cl::opt<std::string>
    Shapes("shapes", cl::desc("Comma-separated [Bx]MxNxK problems"),
           cl::init("4096x4096x4096"));
static cl::opt<std::string>
    Tiles("tiles",
          cl::desc("f32 kernels: 'auto' (the lowering's choice), 'all' (every "
                   "candidate), 'cpu' (gemm.comp), 'none', or tilings "
                   "BMxBNxBK/TMxTN separated by commas"),
          cl::init("auto"));
static cl::opt<std::string> WarpTile(
    "warptile",
    cl::desc("f32 gemm_warptile.comp tilings BMxBNxBK/WMxWN/TMxTN[/pPAD] "
             "separated by commas, 'auto' for chooseGemmWarpTile's; "
             "shapes that do not divide a tiling are skipped"));
static cl::opt<bool> Fp16("fp16", cl::desc("Also time the fp16 "
                                           "cooperative-matrix kernel"));
static cl::opt<std::string>
    CoopMat("coopmat",
            cl::desc("fp16 variants WGMxWGN[:BK[:NBUF[:FMxFN[:PAD[:FRAGN]]]]]"
                     "[d]: subgroups per workgroup, k per slab, shared "
                     "buffers, accumulator matrices per subgroup (default "
                     "4x4), uvec4s of padding per shared row (default 1), "
                     "columns of an accumulator matrix (16 or 8); 't' for B "
                     "stored transposed (N x K), 'd' for loads without "
                     "shared staging"),
            cl::init("2x2"));
static cl::opt<std::string>
    F32Shader("f32-shader", cl::Hidden,
              cl::desc("Run this embedded shader in place of gemm_tiled "
                       "(same constants; for shader experiments)"));
static cl::opt<unsigned>
    Probe("probe", cl::init(0),
          cl::desc("fp16: time one part of gemm_coopmat.comp (results are "
                   "then wrong): 1 shared-memory fragments and multiply-adds, "
                   "2 multiply-adds only, 3 global reads and shared stores"));
static cl::opt<unsigned>
    JBlock("j-block", cl::Hidden, cl::init(0),
           cl::desc("fp16: B fragments per group of the multiply-add order "
                    "(0: all)"));
static cl::opt<std::string>
    F16Shader("f16-shader", cl::Hidden,
              cl::desc("Run this embedded shader in place of gemm_coopmat "
                       "(same constants; for shader experiments)"));
static cl::opt<int>
    GroupM("group-m", cl::Hidden, cl::init(-1),
           cl::desc("Block rows swept together (GROUP_M); -1: as lowered "
                    "for f32, 8 for f16"));
static cl::opt<bool>
    Stats("driver-stats",
          cl::desc("Print the driver's statistics of each kernel "
                   "(registers, spills, ...) where it offers "
                   "VK_KHR_pipeline_executable_properties"));
static cl::opt<bool> NoF32("no-f32", cl::desc("Skip the f32 kernels"));
static cl::opt<unsigned> Repeat("repeat", cl::desc("Timed dispatches"),
                                cl::init(20));
static cl::opt<unsigned> Warmup("warmup", cl::desc("Untimed dispatches first"),
                                cl::init(3));
static cl::opt<unsigned> Samples("samples",
                                 cl::desc("Entries checked against a double "
                                          "reference"),
                                 cl::init(2048));
static cl::opt<std::string> DumpDir("dump",
                                    cl::desc("Write A, B, Y .npy files here"));

static Error fail(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

static Error vkCheck(VkResult r, const char *call) {
  if (r == VK_SUCCESS)
    return Error::success();
  return fail(Twine(call) + " failed: VkResult " + Twine(int(r)));
}
#define VK_TRY(call)                                                           \
  if (Error e_ = vkCheck((call), #call))                                       \
  return Error(std::move(e_))

/// A zeroed Vulkan info struct with its sType set.
template <typename T> static T vkInit(VkStructureType type) {
  T t = {};
  t.sType = type;
  return t;
}

namespace {

/// One problem: batch x (M x K) * (K x N).
struct Problem {
  uint32_t batch = 1, m = 0, n = 0, k = 0;
  std::string str() const {
    return (batch > 1 ? std::to_string(batch) + "x" : std::string()) +
           std::to_string(m) + "x" + std::to_string(n) + "x" +
           std::to_string(k);
  }
  double flops() const { return 2.0 * batch * double(m) * n * k; }
};

/// A device-local buffer.
struct Buffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize bytes = 0;
  void *mapped = nullptr; // host-visible buffers only
};

/// The Vulkan objects of one benchmark session.
class Bench {
public:
  ~Bench();
  /// Creates the device; \p wantStats asks for the driver's pipeline
  /// statistics (VK_KHR_pipeline_executable_properties), printed by time().
  Error init(bool wantCoopMat, bool wantStats);
  bool hasCoopMat() const { return coopMat_; }
  uint32_t sharedBytes() const { return limits_.maxComputeSharedMemorySize; }
  StringRef deviceName() const { return name_; }

  Expected<Buffer> createBuffer(VkDeviceSize bytes, bool hostVisible);
  void destroy(Buffer &b);
  /// Copies \p bytes into device buffer \p dst (through a staging buffer).
  Error upload(const Buffer &dst, ArrayRef<uint8_t> bytes);
  /// Copies device buffer \p src to host memory.
  Expected<std::vector<uint8_t>> download(const Buffer &src);

  /// Runs \p warmup + \p repeat dispatches of \p shader over \p buffers
  /// (bindings 0..n-1) with barriers between them; returns the GPU time of
  /// each timed dispatch in microseconds (timestamp queries).
  Expected<std::vector<double>> time(const uint32_t *words, size_t numWords,
                                     ArrayRef<uint32_t> spec,
                                     ArrayRef<const Buffer *> buffers,
                                     const uint32_t groups[3], unsigned warmup,
                                     unsigned repeat);

private:
  /// Prints the cooperative-matrix shapes and types the device offers.
  void printCoopMatSizes();
  Expected<uint32_t> memoryType(uint32_t bits, VkMemoryPropertyFlags flags);
  Error submitAndWait(VkCommandBuffer cb);
  Expected<VkCommandBuffer> beginOneShot();

  VkInstance instance_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t family_ = 0;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkPhysicalDeviceLimits limits_ = {};
  VkPhysicalDeviceMemoryProperties memProps_ = {};
  std::string name_;
  bool coopMat_ = false;
  bool stats_ = false;
  /// Prints the statistics of \p pipeline's executables on one line.
  void printStats(VkPipeline pipeline);
};

} // namespace

Bench::~Bench() {
  if (device_) {
    vkDeviceWaitIdle(device_);
    if (pool_)
      vkDestroyCommandPool(device_, pool_, nullptr);
    vkDestroyDevice(device_, nullptr);
  }
  if (instance_)
    vkDestroyInstance(instance_, nullptr);
}

Error Bench::init(bool wantCoopMat, bool wantStats) {
  VkApplicationInfo app =
      vkInit<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.pApplicationName = "gemm_bench";
  app.apiVersion = VK_API_VERSION_1_2;
  VkInstanceCreateInfo ici =
      vkInit<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  ici.pApplicationInfo = &app;
  VK_TRY(vkCreateInstance(&ici, nullptr, &instance_));
  uint32_t count = 0;
  VK_TRY(vkEnumeratePhysicalDevices(instance_, &count, nullptr));
  if (count == 0)
    return fail("no Vulkan physical device");
  std::vector<VkPhysicalDevice> devs(count);
  VK_TRY(vkEnumeratePhysicalDevices(instance_, &count, devs.data()));
  // The first discrete GPU, else the first device.
  physical_ = devs[0];
  for (VkPhysicalDevice d : devs) {
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(d, &p);
    if (p.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU) {
      physical_ = d;
      break;
    }
  }
  VkPhysicalDeviceProperties props;
  vkGetPhysicalDeviceProperties(physical_, &props);
  limits_ = props.limits;
  name_ = props.deviceName;
  vkGetPhysicalDeviceMemoryProperties(physical_, &memProps_);

  uint32_t nq = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical_, &nq, nullptr);
  std::vector<VkQueueFamilyProperties> qs(nq);
  vkGetPhysicalDeviceQueueFamilyProperties(physical_, &nq, qs.data());
  family_ = nq;
  for (uint32_t i = 0; i < nq; ++i)
    if ((qs[i].queueFlags & VK_QUEUE_COMPUTE_BIT) &&
        qs[i].timestampValidBits > 0) {
      family_ = i;
      break;
    }
  if (family_ == nq)
    return fail(name_ + ": no compute queue with timestamps");

  // Cooperative matrices need the extension plus fp16 arithmetic and the
  // Vulkan memory model (the shader's SPIR-V declares both).
  uint32_t next = 0;
  VK_TRY(
      vkEnumerateDeviceExtensionProperties(physical_, nullptr, &next, nullptr));
  std::vector<VkExtensionProperties> exts(next);
  VK_TRY(vkEnumerateDeviceExtensionProperties(physical_, nullptr, &next,
                                              exts.data()));
  bool hasExt = std::any_of(exts.begin(), exts.end(), [](auto &e) {
    return StringRef(e.extensionName) ==
           VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME;
  });
  VkPhysicalDeviceCooperativeMatrixFeaturesNV cm =
      vkInit<VkPhysicalDeviceCooperativeMatrixFeaturesNV>(
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV);
  VkPhysicalDeviceVulkan12Features v12 =
      vkInit<VkPhysicalDeviceVulkan12Features>(
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES);
  VkPhysicalDeviceFeatures2 f2 = vkInit<VkPhysicalDeviceFeatures2>(
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
  if (wantCoopMat && hasExt && props.apiVersion >= VK_API_VERSION_1_2) {
    v12.pNext = &cm;
    f2.pNext = &v12;
    vkGetPhysicalDeviceFeatures2(physical_, &f2);
    coopMat_ =
        cm.cooperativeMatrix && v12.shaderFloat16 && v12.vulkanMemoryModel;
  }
  float priority = 1.0f;
  VkDeviceQueueCreateInfo qci = vkInit<VkDeviceQueueCreateInfo>(
      VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
  qci.queueFamilyIndex = family_;
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;
  VkDeviceCreateInfo dci =
      vkInit<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  SmallVector<const char *, 2> extNames;
  VkPhysicalDeviceCooperativeMatrixFeaturesNV cmOn =
      vkInit<VkPhysicalDeviceCooperativeMatrixFeaturesNV>(
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV);
  VkPhysicalDeviceVulkan12Features v12On =
      vkInit<VkPhysicalDeviceVulkan12Features>(
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES);
  if (coopMat_) {
    cmOn.cooperativeMatrix = VK_TRUE;
    v12On.shaderFloat16 = VK_TRUE;
    v12On.vulkanMemoryModel = VK_TRUE;
    v12On.vulkanMemoryModelDeviceScope = v12.vulkanMemoryModelDeviceScope;
    v12On.pNext = &cmOn;
    dci.pNext = &v12On;
    extNames.push_back(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
  }
  // Pipeline statistics (registers, spills) where the driver offers them.
  VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR peOn = vkInit<
      VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR>(
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR);
  stats_ = wantStats && std::any_of(exts.begin(), exts.end(), [](auto &e) {
             return StringRef(e.extensionName) ==
                    VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME;
           });
  if (stats_) {
    peOn.pipelineExecutableInfo = VK_TRUE;
    peOn.pNext = const_cast<void *>(dci.pNext);
    dci.pNext = &peOn;
    extNames.push_back(VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
  }
  dci.enabledExtensionCount = uint32_t(extNames.size());
  dci.ppEnabledExtensionNames = extNames.data();
  if (coopMat_)
    printCoopMatSizes();
  VK_TRY(vkCreateDevice(physical_, &dci, nullptr, &device_));
  vkGetDeviceQueue(device_, family_, 0, &queue_);
  VkCommandPoolCreateInfo pci = vkInit<VkCommandPoolCreateInfo>(
      VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
  pci.queueFamilyIndex = family_;
  pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  VK_TRY(vkCreateCommandPool(device_, &pci, nullptr, &pool_));
  return Error::success();
}

void Bench::printCoopMatSizes() {
  auto get =
      reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV>(
          vkGetInstanceProcAddr(
              instance_, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV"));
  uint32_t n = 0;
  if (!get || get(physical_, &n, nullptr) != VK_SUCCESS)
    return;
  std::vector<VkCooperativeMatrixPropertiesNV> props(
      n, vkInit<VkCooperativeMatrixPropertiesNV>(
             VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV));
  if (get(physical_, &n, props.data()) != VK_SUCCESS)
    return;
  // VkComponentTypeNV: 0 f16, 1 f32, 2 f64, 3..6 s8..s64, 7..10 u8..u64.
  outs() << "cooperative matrices (MxNxK A/B/C/D component types):";
  for (const VkCooperativeMatrixPropertiesNV &p : props)
    outs() << " " << p.MSize << "x" << p.NSize << "x" << p.KSize << " "
           << int(p.AType) << "/" << int(p.BType) << "/" << int(p.CType) << "/"
           << int(p.DType);
  outs() << "\n";
}

void Bench::printStats(VkPipeline pipeline) {
  auto getProps = reinterpret_cast<PFN_vkGetPipelineExecutablePropertiesKHR>(
      vkGetDeviceProcAddr(device_, "vkGetPipelineExecutablePropertiesKHR"));
  auto getStats = reinterpret_cast<PFN_vkGetPipelineExecutableStatisticsKHR>(
      vkGetDeviceProcAddr(device_, "vkGetPipelineExecutableStatisticsKHR"));
  if (!getProps || !getStats)
    return;
  VkPipelineInfoKHR pi =
      vkInit<VkPipelineInfoKHR>(VK_STRUCTURE_TYPE_PIPELINE_INFO_KHR);
  pi.pipeline = pipeline;
  uint32_t n = 0;
  if (getProps(device_, &pi, &n, nullptr) != VK_SUCCESS)
    return;
  for (uint32_t e = 0; e < n; ++e) {
    VkPipelineExecutableInfoKHR ei = vkInit<VkPipelineExecutableInfoKHR>(
        VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR);
    ei.pipeline = pipeline;
    ei.executableIndex = e;
    uint32_t ns = 0;
    if (getStats(device_, &ei, &ns, nullptr) != VK_SUCCESS)
      continue;
    std::vector<VkPipelineExecutableStatisticKHR> st(
        ns, vkInit<VkPipelineExecutableStatisticKHR>(
                VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR));
    if (getStats(device_, &ei, &ns, st.data()) != VK_SUCCESS)
      continue;
    outs() << "  stats:";
    for (const VkPipelineExecutableStatisticKHR &x : st) {
      outs() << " " << x.name << "=";
      switch (x.format) {
      case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR:
        outs() << x.value.b32;
        break;
      case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR:
        outs() << x.value.i64;
        break;
      case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR:
        outs() << x.value.u64;
        break;
      default:
        outs() << x.value.f64;
      }
      outs() << ";";
    }
    outs() << "\n";
  }
}

Expected<uint32_t> Bench::memoryType(uint32_t bits,
                                     VkMemoryPropertyFlags flags) {
  for (uint32_t i = 0; i < memProps_.memoryTypeCount; ++i)
    if ((bits & (1u << i)) &&
        (memProps_.memoryTypes[i].propertyFlags & flags) == flags)
      return i;
  return fail("no memory type with flags " + Twine(flags));
}

Expected<Buffer> Bench::createBuffer(VkDeviceSize bytes, bool hostVisible) {
  Buffer b;
  b.bytes = bytes;
  VkBufferCreateInfo bci =
      vkInit<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
  bci.size = bytes;
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
              VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
              VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  VK_TRY(vkCreateBuffer(device_, &bci, nullptr, &b.buffer));
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device_, b.buffer, &req);
  Expected<uint32_t> type = memoryType(
      req.memoryTypeBits, hostVisible ? VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                            VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
                                      : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (!type)
    return type.takeError();
  VkMemoryAllocateInfo mai =
      vkInit<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
  mai.allocationSize = req.size;
  mai.memoryTypeIndex = *type;
  VK_TRY(vkAllocateMemory(device_, &mai, nullptr, &b.memory));
  VK_TRY(vkBindBufferMemory(device_, b.buffer, b.memory, 0));
  if (hostVisible)
    VK_TRY(vkMapMemory(device_, b.memory, 0, bytes, 0, &b.mapped));
  return b;
}

void Bench::destroy(Buffer &b) {
  if (b.buffer)
    vkDestroyBuffer(device_, b.buffer, nullptr);
  if (b.memory)
    vkFreeMemory(device_, b.memory, nullptr);
  b = Buffer();
}

Expected<VkCommandBuffer> Bench::beginOneShot() {
  VkCommandBufferAllocateInfo ai = vkInit<VkCommandBufferAllocateInfo>(
      VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
  ai.commandPool = pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cb;
  VK_TRY(vkAllocateCommandBuffers(device_, &ai, &cb));
  VkCommandBufferBeginInfo bi = vkInit<VkCommandBufferBeginInfo>(
      VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  VK_TRY(vkBeginCommandBuffer(cb, &bi));
  return cb;
}

Error Bench::submitAndWait(VkCommandBuffer cb) {
  VK_TRY(vkEndCommandBuffer(cb));
  VkSubmitInfo si = vkInit<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cb;
  VK_TRY(vkQueueSubmit(queue_, 1, &si, VK_NULL_HANDLE));
  VK_TRY(vkQueueWaitIdle(queue_));
  vkFreeCommandBuffers(device_, pool_, 1, &cb);
  return Error::success();
}

Error Bench::upload(const Buffer &dst, ArrayRef<uint8_t> bytes) {
  Expected<Buffer> staging = createBuffer(bytes.size(), true);
  if (!staging)
    return staging.takeError();
  std::memcpy(staging->mapped, bytes.data(), bytes.size());
  Expected<VkCommandBuffer> cb = beginOneShot();
  if (!cb)
    return cb.takeError();
  VkBufferCopy region = {0, 0, bytes.size()};
  vkCmdCopyBuffer(*cb, staging->buffer, dst.buffer, 1, &region);
  Error e = submitAndWait(*cb);
  destroy(*staging);
  return e;
}

Expected<std::vector<uint8_t>> Bench::download(const Buffer &src) {
  Expected<Buffer> staging = createBuffer(src.bytes, true);
  if (!staging)
    return staging.takeError();
  Expected<VkCommandBuffer> cb = beginOneShot();
  if (!cb)
    return cb.takeError();
  VkBufferCopy region = {0, 0, src.bytes};
  vkCmdCopyBuffer(*cb, src.buffer, staging->buffer, 1, &region);
  if (Error e = submitAndWait(*cb))
    return std::move(e);
  const uint8_t *p = static_cast<const uint8_t *>(staging->mapped);
  std::vector<uint8_t> out(p, p + src.bytes);
  destroy(*staging);
  return out;
}

Expected<std::vector<double>>
Bench::time(const uint32_t *words, size_t numWords, ArrayRef<uint32_t> spec,
            ArrayRef<const Buffer *> buffers, const uint32_t groups[3],
            unsigned warmup, unsigned repeat) {
  // Pipeline objects live for this call only.
  SmallVector<VkDescriptorSetLayoutBinding, 4> bindings;
  for (uint32_t i = 0; i < buffers.size(); ++i)
    bindings.push_back({i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1,
                        VK_SHADER_STAGE_COMPUTE_BIT, nullptr});
  VkDescriptorSetLayoutCreateInfo dli = vkInit<VkDescriptorSetLayoutCreateInfo>(
      VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO);
  dli.bindingCount = uint32_t(bindings.size());
  dli.pBindings = bindings.data();
  VkDescriptorSetLayout dsl;
  VK_TRY(vkCreateDescriptorSetLayout(device_, &dli, nullptr, &dsl));
  VkPipelineLayoutCreateInfo pli = vkInit<VkPipelineLayoutCreateInfo>(
      VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
  pli.setLayoutCount = 1;
  pli.pSetLayouts = &dsl;
  VkPipelineLayout layout;
  VK_TRY(vkCreatePipelineLayout(device_, &pli, nullptr, &layout));
  VkShaderModuleCreateInfo smi = vkInit<VkShaderModuleCreateInfo>(
      VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
  smi.codeSize = numWords * 4;
  smi.pCode = words;
  VkShaderModule module;
  VK_TRY(vkCreateShaderModule(device_, &smi, nullptr, &module));
  SmallVector<VkSpecializationMapEntry, 32> entries;
  for (uint32_t i = 0; i < spec.size(); ++i)
    entries.push_back({i, i * 4, 4});
  VkSpecializationInfo si = {uint32_t(entries.size()), entries.data(),
                             spec.size() * 4, spec.data()};
  VkComputePipelineCreateInfo cpi = vkInit<VkComputePipelineCreateInfo>(
      VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
  cpi.stage = vkInit<VkPipelineShaderStageCreateInfo>(
      VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
  cpi.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  cpi.stage.module = module;
  cpi.stage.pName = "main";
  cpi.stage.pSpecializationInfo = &si;
  cpi.layout = layout;
  if (stats_)
    cpi.flags |= VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR;
  VkPipeline pipeline;
  VK_TRY(vkCreateComputePipelines(device_, VK_NULL_HANDLE, 1, &cpi, nullptr,
                                  &pipeline));
  if (stats_)
    printStats(pipeline);
  VkDescriptorPoolSize ps = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                             uint32_t(buffers.size())};
  VkDescriptorPoolCreateInfo dpi = vkInit<VkDescriptorPoolCreateInfo>(
      VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO);
  dpi.maxSets = 1;
  dpi.poolSizeCount = 1;
  dpi.pPoolSizes = &ps;
  VkDescriptorPool dpool;
  VK_TRY(vkCreateDescriptorPool(device_, &dpi, nullptr, &dpool));
  VkDescriptorSetAllocateInfo dai = vkInit<VkDescriptorSetAllocateInfo>(
      VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO);
  dai.descriptorPool = dpool;
  dai.descriptorSetCount = 1;
  dai.pSetLayouts = &dsl;
  VkDescriptorSet set;
  VK_TRY(vkAllocateDescriptorSets(device_, &dai, &set));
  SmallVector<VkDescriptorBufferInfo, 4> infos;
  for (const Buffer *b : buffers)
    infos.push_back({b->buffer, 0, VK_WHOLE_SIZE});
  SmallVector<VkWriteDescriptorSet, 4> writes;
  for (uint32_t i = 0; i < buffers.size(); ++i) {
    VkWriteDescriptorSet w =
        vkInit<VkWriteDescriptorSet>(VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET);
    w.dstSet = set;
    w.dstBinding = i;
    w.descriptorCount = 1;
    w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    w.pBufferInfo = &infos[i];
    writes.push_back(w);
  }
  vkUpdateDescriptorSets(device_, uint32_t(writes.size()), writes.data(), 0,
                         nullptr);
  VkQueryPoolCreateInfo qpi =
      vkInit<VkQueryPoolCreateInfo>(VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO);
  qpi.queryType = VK_QUERY_TYPE_TIMESTAMP;
  qpi.queryCount = 2 * repeat;
  VkQueryPool queries;
  VK_TRY(vkCreateQueryPool(device_, &qpi, nullptr, &queries));

  Expected<VkCommandBuffer> cb = beginOneShot();
  if (!cb)
    return cb.takeError();
  vkCmdResetQueryPool(*cb, queries, 0, 2 * repeat);
  vkCmdBindPipeline(*cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
  vkCmdBindDescriptorSets(*cb, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1,
                          &set, 0, nullptr);
  VkMemoryBarrier mb =
      vkInit<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  for (unsigned r = 0; r < warmup + repeat; ++r) {
    // Each dispatch rewrites Y: a barrier orders them, as in a plan.
    vkCmdPipelineBarrier(*cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0,
                         nullptr, 0, nullptr);
    bool timed = r >= warmup;
    if (timed)
      vkCmdWriteTimestamp(*cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries,
                          2 * (r - warmup));
    vkCmdDispatch(*cb, groups[0], groups[1], groups[2]);
    if (timed)
      vkCmdWriteTimestamp(*cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries,
                          2 * (r - warmup) + 1);
  }
  Error submitted = submitAndWait(*cb);
  std::vector<uint64_t> stamps(2 * repeat);
  VkResult qr = VK_SUCCESS;
  if (!submitted)
    qr = vkGetQueryPoolResults(
        device_, queries, 0, 2 * repeat, stamps.size() * 8, stamps.data(), 8,
        VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
  vkDestroyQueryPool(device_, queries, nullptr);
  vkDestroyDescriptorPool(device_, dpool, nullptr);
  vkDestroyPipeline(device_, pipeline, nullptr);
  vkDestroyShaderModule(device_, module, nullptr);
  vkDestroyPipelineLayout(device_, layout, nullptr);
  vkDestroyDescriptorSetLayout(device_, dsl, nullptr);
  if (submitted)
    return std::move(submitted);
  VK_TRY(qr);
  std::vector<double> micros;
  for (unsigned r = 0; r < repeat; ++r)
    micros.push_back(double(stamps[2 * r + 1] - stamps[2 * r]) *
                     limits_.timestampPeriod / 1000.0);
  return micros;
}

/// IEEE 754 binary16 nearest to \p f (round to nearest even); inputs here
/// are in [-1, 1), so overflow is not handled beyond saturating to infinity.
static uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = int32_t((x >> 23) & 0xffu) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (exp >= 31)
    return uint16_t(sign | 0x7c00u);
  if (exp <= 0) { // subnormal half (or zero)
    if (exp < -10)
      return uint16_t(sign);
    mant |= 0x800000u;
    uint32_t shift = uint32_t(14 - exp);
    uint32_t half = mant >> shift, rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1u)))
      ++half;
    return uint16_t(sign | half);
  }
  uint32_t half = sign | (uint32_t(exp) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1u)))
    ++half; // may carry into the exponent, which is the correct rounding
  return uint16_t(half);
}

static float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  float v;
  if (exp == 0)
    v = std::ldexp(float(mant), -24);
  else if (exp == 31)
    v = INFINITY;
  else
    v = std::ldexp(float(mant | 0x400u), int(exp) - 25);
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  bits |= sign;
  std::memcpy(&v, &bits, 4);
  return v;
}

/// Relative L2 error of \p y on \p samples random entries against double
/// dot products of the (batched, row-major) \p a and \p b.
static double sampledRelL2(const Problem &p, ArrayRef<float> a,
                           ArrayRef<float> b, ArrayRef<float> y,
                           unsigned samples) {
  std::mt19937 rng(7);
  double num = 0, den = 0;
  for (unsigned s = 0; s < samples; ++s) {
    uint32_t bt = rng() % p.batch, i = rng() % p.m, j = rng() % p.n;
    const float *ar = a.data() + (size_t(bt) * p.m + i) * p.k;
    const float *bc = b.data() + size_t(bt) * p.k * p.n + j;
    double ref = 0;
    for (uint32_t l = 0; l < p.k; ++l)
      ref += double(ar[l]) * double(bc[size_t(l) * p.n]);
    double d = double(y[(size_t(bt) * p.m + i) * p.n + j]) - ref;
    num += d * d;
    den += ref * ref;
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

static Expected<Problem> parseProblem(StringRef text) {
  SmallVector<StringRef, 4> parts;
  text.split(parts, 'x');
  if (parts.size() != 3 && parts.size() != 4)
    return fail("--shapes: '" + text + "' is not MxNxK or BxMxNxK");
  SmallVector<uint32_t, 4> v;
  for (StringRef s : parts) {
    uint32_t x;
    if (s.getAsInteger(10, x) || x == 0 || x > 65536)
      return fail("--shapes: '" + text + "': '" + s +
                  "' is not an integer in 1..65536");
    v.push_back(x);
  }
  Problem p;
  if (v.size() == 4)
    p.batch = v[0];
  p.m = v[v.size() - 3];
  p.n = v[v.size() - 2];
  p.k = v[v.size() - 1];
  if (double(p.batch) * std::max({p.m * uint64_t(p.k), uint64_t(p.k) * p.n,
                                  uint64_t(p.m) * p.n}) >
      double(1u << 30))
    return fail("--shapes: '" + text + "' has an operand over 2^30 elements");
  return p;
}

static Expected<GemmTileConfig> parseTiling(StringRef text) {
  // BMxBNxBK/TMxTN
  auto [block, thread] = text.split('/');
  SmallVector<StringRef, 3> b, t;
  block.split(b, 'x');
  thread.split(t, 'x');
  GemmTileConfig c;
  if (b.size() != 3 || t.size() != 2 || b[0].getAsInteger(10, c.bm) ||
      b[1].getAsInteger(10, c.bn) || b[2].getAsInteger(10, c.bk) ||
      t[0].getAsInteger(10, c.tm) || t[1].getAsInteger(10, c.tn))
    return fail("--tiles: '" + text + "' is not BMxBNxBK/TMxTN");
  return c;
}

static void printResult(StringRef kind, const Problem &p, StringRef tiling,
                        std::vector<double> micros, double err) {
  std::sort(micros.begin(), micros.end());
  double med = micros[micros.size() / 2];
  outs() << formatv("{0} {1} {2}: median {3:f1} us (min {4:f1}), {5:f2} "
                    "TFLOP/s, sampled rel L2 {6:e2}\n",
                    kind, p.str(), tiling, med, micros.front(),
                    p.flops() / (med * 1e-6) / 1e12, err);
}

/// Writes \p values as DIR/<name>.npy with shape \p shape.
static Error dump(StringRef name, ArrayRef<int64_t> shape,
                  ArrayRef<float> values) {
  SmallString<128> path(DumpDir);
  sys::path::append(path, name + ".npy");
  return writeNpy(
      path, NpyDType::F32, shape,
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()),
                        values.size() * 4));
}

static Expected<GemmWarpTileConfig> parseWarpTiling(StringRef text) {
  // BMxBNxBK/WMxWN/TMxTN[/pPAD]
  SmallVector<StringRef, 4> parts;
  text.split(parts, '/');
  GemmWarpTileConfig c;
  auto dims = [](StringRef s, SmallVectorImpl<uint32_t> &out, size_t n) {
    SmallVector<StringRef, 3> f;
    s.split(f, 'x');
    if (f.size() != n)
      return false;
    for (StringRef x : f) {
      uint32_t v;
      if (x.getAsInteger(10, v))
        return false;
      out.push_back(v);
    }
    return true;
  };
  SmallVector<uint32_t, 8> v;
  bool ok = (parts.size() == 3 || parts.size() == 4) && dims(parts[0], v, 3) &&
            dims(parts[1], v, 2) && dims(parts[2], v, 2);
  if (ok && parts.size() == 4)
    ok = parts[3].consume_front("p") && !parts[3].getAsInteger(10, c.pad);
  if (!ok)
    return fail("--warptile: '" + text +
                "' is not BMxBNxBK/WMxWN/TMxTN[/pPAD]");
  c.bm = v[0], c.bn = v[1], c.bk = v[2], c.wm = v[3], c.wn = v[4], c.tm = v[5],
  c.tn = v[6];
  return c;
}

/// Appends the gemm_warptile.comp dispatches --warptile asks for; tilings
/// the problem does not divide are reported and skipped.
static Error
addWarpTileKernels(const GemmKernelArgs &args, uint32_t sharedBytes,
                   SmallVectorImpl<std::pair<std::string, DispatchDesc>> &out) {
  if (WarpTile.empty())
    return Error::success();
  SmallVector<StringRef, 8> list;
  StringRef(WarpTile).split(list, ',');
  for (StringRef t : list) {
    t = t.trim();
    GemmWarpTileConfig c;
    if (t == "auto") {
      std::optional<GemmWarpTileConfig> chosen =
          chooseGemmWarpTile(args, sharedBytes);
      if (!chosen) {
        outs() << "f32 warptile auto: no tiling chosen for " << args.m << "x"
               << args.n << "x" << args.k << "\n";
        continue;
      }
      c = *chosen;
    } else {
      Expected<GemmWarpTileConfig> parsed = parseWarpTiling(t);
      if (!parsed)
        return parsed.takeError();
      c = *parsed;
    }
    if (!isValidGemmWarpTileConfig(c, sharedBytes)) {
      outs() << "f32 warptile " << c.str()
             << ": skipped (breaks gemm_warptile.comp's rules, "
                "ops/GemmLarge.h, or needs "
             << c.sharedBytes() << " > " << sharedBytes
             << " bytes of shared memory)\n";
      continue;
    }
    if (!gemmWarpTileFits(args, c)) {
      outs() << "f32 warptile " << c.str()
             << ": skipped (the shape does not divide the block)\n";
      continue;
    }
    out.push_back(
        {"warptile:" + c.str(), lowerGemmWarpTile(args, c, 0, 1, 0, 2)});
  }
  return Error::success();
}

static Error benchProblem(Bench &bench, const Problem &p, bool first) {
  if (first && !DumpDir.empty())
    if (std::error_code ec = sys::fs::create_directories(DumpDir))
      return fail("--dump: " + DumpDir + ": " + ec.message());
  size_t na = size_t(p.batch) * p.m * p.k, nb = size_t(p.batch) * p.k * p.n,
         ny = size_t(p.batch) * p.m * p.n;
  std::vector<float> a(na), b(nb);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float &x : a)
    x = dist(rng);
  for (float &x : b)
    x = dist(rng);
  auto bytes = [](const auto &v) {
    return ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(v.data()),
                             v.size() * sizeof(v[0]));
  };
  Shape aShape = {p.batch, p.m, p.k}, bShape = {p.batch, p.k, p.n},
        yShape = {p.batch, p.m, p.n};

  if (!NoF32) {
    Expected<Buffer> da = bench.createBuffer(na * 4, false);
    Expected<Buffer> db =
        da ? bench.createBuffer(nb * 4, false) : da.takeError();
    Expected<Buffer> dy =
        db ? bench.createBuffer(ny * 4, false) : db.takeError();
    if (!dy)
      return dy.takeError();
    if (Error e = bench.upload(*da, bytes(a)))
      return e;
    if (Error e = bench.upload(*db, bytes(b)))
      return e;
    GemmKernelArgs args;
    args.m = p.m;
    args.n = p.n;
    args.k = p.k;
    args.batchDims[3] = p.batch;
    args.aBatchStride[3] = p.m * p.k;
    args.bBatchStride[3] = p.k * p.n;
    SmallVector<std::pair<std::string, DispatchDesc>, 8> kernels;
    KernelTarget gpu = cantFail(kernelTargetByName("gpu"));
    gpu.maxSharedMemoryBytes = bench.sharedBytes();
    if (Tiles == "auto" || Tiles == "all") {
      GemmTileConfig chosen = chooseGemmTiles(args, gpu);
      kernels.push_back({"auto:" + chosen.str(),
                         lowerGemmKernelTiled(args, chosen, 0, 1, 0, 2)});
      if (Tiles == "all")
        for (const GemmTileConfig &c : gemmTileCandidates())
          if (isValidGemmTileConfig(c, bench.sharedBytes()) &&
              c.str() != chosen.str())
            kernels.push_back(
                {c.str(), lowerGemmKernelTiled(args, c, 0, 1, 0, 2)});
    } else if (Tiles == "cpu") {
      KernelTarget cpu = cantFail(kernelTargetByName("cpu"));
      kernels.push_back({"cpu:gemm", lowerGemmKernel(args, 0, 1, 0, 2, cpu)});
    } else if (Tiles != "none") {
      SmallVector<StringRef, 8> list;
      StringRef(Tiles).split(list, ',');
      for (StringRef t : list) {
        Expected<GemmTileConfig> c = parseTiling(t.trim());
        if (!c)
          return c.takeError();
        if (!isValidGemmTileConfig(*c, bench.sharedBytes()))
          return fail("--tiles: '" + t +
                      "' breaks gemm_tiled.comp's rules "
                      "(ops/GemmKernel.h) or needs more than " +
                      Twine(bench.sharedBytes()) + " bytes of shared memory");
        kernels.push_back(
            {c->str(), lowerGemmKernelTiled(args, *c, 0, 1, 0, 2)});
      }
    }
    if (Error e = addWarpTileKernels(args, bench.sharedBytes(), kernels))
      return e;
    bool dumped = false;
    for (auto &[label, d] : kernels) {
      // GROUP_M is constant 32 of gemm_tiled.comp, 31 of gemm_warptile.comp.
      bool warp = d.shader == "gemm_warptile";
      if (!F32Shader.empty() && !warp)
        d.shader = F32Shader;
      if (GroupM >= 0 && d.specConstants.size() > 32)
        d.specConstants[warp ? 31 : 32] = spec::u32(uint32_t(GroupM));
      const EmbeddedShader *s = findEmbeddedShader(d.shader);
      if (!s)
        return fail("shader '" + d.shader + "' is not embedded");
      if (Error e = checkDispatch(d, s->interface, "f32 " + label))
        return e;
      // Bindings 0 = A, 1 = B, 2 = C (unused: A), 3 = Y.
      const Buffer *bufs[4] = {&*da, &*db, &*da, &*dy};
      Expected<std::vector<double>> t =
          bench.time(s->words, s->numWords, specWords(d.specConstants), bufs,
                     d.groups, Warmup, Repeat);
      if (!t) {
        outs() << "f32 " << p.str() << " " << label
               << ": failed: " << toString(t.takeError()) << "\n";
        continue;
      }
      Expected<std::vector<uint8_t>> out = bench.download(*dy);
      if (!out)
        return out.takeError();
      ArrayRef<float> y(reinterpret_cast<const float *>(out->data()), ny);
      printResult("f32", p, label, *t, sampledRelL2(p, a, b, y, Samples));
      if (first && !DumpDir.empty() && !dumped) {
        dumped = true;
        if (Error e = dump("f32_a", aShape, a))
          return e;
        if (Error e = dump("f32_b", bShape, b))
          return e;
        if (Error e = dump("f32_y", yShape, y))
          return e;
      }
    }
    bench.destroy(*da);
    bench.destroy(*db);
    bench.destroy(*dy);
  }

  if (Fp16) {
    if (!bench.hasCoopMat()) {
      outs() << "f16 " << p.str()
             << ": skipped (the device lacks VK_NV_cooperative_matrix with "
                "shaderFloat16 and vulkanMemoryModel)\n";
      return Error::success();
    }
    if (p.batch != 1) {
      outs() << "f16 " << p.str() << ": skipped (gemm_coopmat.comp needs "
             << "batch 1)\n";
      return Error::success();
    }
    std::vector<uint16_t> ah(na), bh(nb);
    for (size_t i = 0; i < na; ++i) {
      ah[i] = floatToHalf(a[i]);
      a[i] = halfToFloat(ah[i]); // the reference sees the rounded inputs
    }
    for (size_t i = 0; i < nb; ++i) {
      bh[i] = floatToHalf(b[i]);
      b[i] = halfToFloat(bh[i]);
    }
    Expected<Buffer> da = bench.createBuffer(na * 2, false);
    Expected<Buffer> db =
        da ? bench.createBuffer(nb * 2, false) : da.takeError();
    // B transposed (N x K), for the 't' variants.
    Expected<Buffer> dbt =
        db ? bench.createBuffer(nb * 2, false) : db.takeError();
    Expected<Buffer> dy =
        dbt ? bench.createBuffer(ny * 4, false) : dbt.takeError();
    if (!dy)
      return dy.takeError();
    if (Error e = bench.upload(*da, bytes(ah)))
      return e;
    if (Error e = bench.upload(*db, bytes(bh)))
      return e;
    {
      std::vector<uint16_t> bt(nb);
      for (size_t kk = 0; kk < p.k; ++kk)
        for (size_t n = 0; n < p.n; ++n)
          bt[n * p.k + kk] = bh[kk * p.n + n];
      if (Error e = bench.upload(*dbt, bytes(bt)))
        return e;
    }
    std::string shaderName =
        F16Shader.empty() ? std::string("gemm_coopmat") : F16Shader;
    const EmbeddedShader *s = findEmbeddedShader(shaderName);
    if (!s)
      return fail("shader '" + shaderName + "' is not embedded");
    SmallVector<StringRef, 4> variants;
    StringRef(CoopMat).split(variants, ',');
    bool dumped = false;
    for (StringRef v : variants) {
      // WGMxWGN[:BK[:NBUF[:FMxFN[:PAD[:FRAGN]]]]], then 't' for a
      // transposed B and 'd' for direct (unstaged) loads.
      v = v.trim();
      bool direct = v.consume_back("d");
      bool transB = v.consume_back("t");
      SmallVector<StringRef, 6> fields;
      v.split(fields, ':');
      auto [wgmText, wgnText] = fields[0].split('x');
      uint32_t wgm = 0, wgn = 0, bk = 32, nbuf = 2, fm = 4, fn = 4, pad = 1,
               fragN = 16;
      bool bad = wgmText.getAsInteger(10, wgm) ||
                 wgnText.getAsInteger(10, wgn) || fields.size() > 6 ||
                 (fields.size() > 5 && fields[5].getAsInteger(10, fragN)) ||
                 (fields.size() > 1 && fields[1].getAsInteger(10, bk)) ||
                 (fields.size() > 2 && fields[2].getAsInteger(10, nbuf)) ||
                 (fields.size() > 4 && fields[4].getAsInteger(10, pad));
      if (!bad && fields.size() > 3) {
        auto [fmText, fnText] = fields[3].split('x');
        bad = fmText.getAsInteger(10, fm) || fnText.getAsInteger(10, fn);
      }
      if (bad || wgm == 0 || wgn == 0 || wgm * wgn > 32 || bk == 0 || bk % 16 ||
          (nbuf != 1 && nbuf != 2) || fm == 0 || fn == 0 || fm * fn > 32 ||
          pad > 8 || (fragN != 16 && fragN != 8))
        return fail("--coopmat: '" + v +
                    "' is not WGMxWGN[:BK[:NBUF[:FMxFN[:PAD[:FRAGN]]]]][d]");
      uint32_t bm = wgm * fm * 16, bn = wgn * fn * fragN;
      uint32_t threads = wgm * wgn * 32;
      std::string label =
          "coopmat:" + std::to_string(bm) + "x" + std::to_string(bn) + "x" +
          std::to_string(bk) + "/" + std::to_string(fm) + "x" +
          std::to_string(fn) + "x16x" + std::to_string(fragN) +
          (direct ? "/direct" : "/shared" + std::to_string(nbuf)) +
          (transB ? "/Bt" : "") +
          (pad != 1 ? "/pad" + std::to_string(pad) : "") +
          (Probe ? "/probe" + std::to_string(Probe) : "") +
          (JBlock ? "/jblock" + std::to_string(JBlock) : "") +
          (F16Shader.empty() ? "" : "/" + F16Shader);
      uint64_t shared =
          transB ? 16ull * nbuf * (bm + bn) * (bk / 8 + pad)
                 : 16ull * nbuf * (bm * (bk / 8 + pad) + bk * (bn / 8 + pad));
      if (p.m % bm || p.n % bn || p.k % bk || shared > bench.sharedBytes() ||
          (bm * bk / 8) % threads || (bk * bn / 8) % threads) {
        outs() << "f16 " << p.str() << " " << label
               << ": skipped (M, N, K not multiples of the block, slabs not "
                  "whole uvec4s per invocation, or "
               << shared << " bytes of shared memory)\n";
        continue;
      }
      DispatchDesc d;
      d.shader = "gemm_coopmat";
      d.operands = {0, 1, 2};
      d.writes = {2};
      d.specConstants = spec::u32s(
          {p.m, p.n, p.k, wgm, wgn, wgm * wgn * 32, uint32_t(direct), bk, nbuf,
           GroupM >= 0 ? uint32_t(GroupM) : 8u, fm, fn, pad, fragN,
           uint32_t(transB), uint32_t(Probe), uint32_t(JBlock)});
      if (Error e = checkDispatch(d, s->interface, "f16 " + label))
        return e;
      uint32_t groups[3] = {p.n / bn, p.m / bm, 1};
      const Buffer *bufs[3] = {&*da, transB ? &*dbt : &*db, &*dy};
      Expected<std::vector<double>> t =
          bench.time(s->words, s->numWords, specWords(d.specConstants), bufs,
                     groups, Warmup, Repeat);
      if (!t) {
        outs() << "f16 " << p.str() << " " << label
               << ": failed: " << toString(t.takeError()) << "\n";
        continue;
      }
      Expected<std::vector<uint8_t>> out = bench.download(*dy);
      if (!out)
        return out.takeError();
      ArrayRef<float> y(reinterpret_cast<const float *>(out->data()), ny);
      printResult("f16", p, label, *t, sampledRelL2(p, a, b, y, Samples));
      if (first && !DumpDir.empty() && !dumped) {
        dumped = true;
        if (Error e = dump("f16_a", aShape, a))
          return e;
        if (Error e = dump("f16_b", bShape, b))
          return e;
        if (Error e = dump("f16_y", yShape, y))
          return e;
      }
    }
    bench.destroy(*da);
    bench.destroy(*db);
    bench.destroy(*dbt);
    bench.destroy(*dy);
  }
  return Error::success();
}

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv,
                              "Times tlc's GEMM shaders on a Vulkan device\n");
  auto report = [](Error e) {
    errs() << "gemm_bench: error: " << toString(std::move(e)) << "\n";
    return 1;
  };
  if (Repeat == 0)
    return report(fail("--repeat must be at least 1"));
  if (Probe > 3)
    return report(fail("--probe must be 0, 1, 2 or 3"));
  SmallVector<Problem, 8> problems;
  SmallVector<StringRef, 8> list;
  StringRef(Shapes).split(list, ',');
  for (StringRef s : list) {
    Expected<Problem> p = parseProblem(s.trim());
    if (!p)
      return report(p.takeError());
    problems.push_back(*p);
  }
  Bench bench;
  if (Error e = bench.init(Fp16, Stats))
    return report(std::move(e));
  outs() << "device: " << bench.deviceName() << "\n";
  for (size_t i = 0; i < problems.size(); ++i)
    if (Error e = benchProblem(bench, problems[i], i == 0))
      return report(std::move(e));
  return 0;
}
