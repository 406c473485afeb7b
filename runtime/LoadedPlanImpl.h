//===- runtime/LoadedPlanImpl.h - LoadedPlan internals ----------*- C++ -*-===//
//
// The Vulkan objects a loaded plan owns, created once by LoadedPlan::load
// (runtime/LoadedPlan.cpp) with the helpers of runtime/Pipelines.cpp and
// runtime/CommandRecording.cpp, and destroyed in reverse order.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_LOADEDPLANIMPL_H
#define TLC_RUNTIME_LOADEDPLANIMPL_H

#include "runtime/DeviceImpl.h"
#include "runtime/Parameters.h"

#include "codegen/Plan.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"

#include <vulkan/vulkan.h>

#include <string>
#include <vector>

namespace tlc {


struct LoadedPlan::Impl {
  Device::Impl &dev;
  Plan plan;
  LoadOptions opts;

  /// One device-local buffer per plan.buffers[i].
  std::vector<BufferAllocation> buffers;
  /// Host-visible staging per plan buffer; only Input and Output buffers
  /// have one (the others stay empty).
  std::vector<BufferAllocation> staging;
  /// Buffers whose GPU use may still be pending after a failed load (a
  /// timed-out weight upload); freed by the destructor after its wait.
  std::vector<BufferAllocation> retired;

  /// Plans for shape ranges (docs/runtime.md): the device-local parameters
  /// buffer (uniform | indirect | transfer dst) and its host-visible staging
  /// copy, laid out by `params`; both empty when the plan has no dynamic
  /// dispatch.
  ParamLayout params;
  BufferAllocation paramBuffer;
  BufferAllocation paramStaging;
  /// Whether the plan has symbols or dynamic dispatches: run() then resolves
  /// symbols and evaluates expressions; otherwise it only submits.
  bool shapeRanges = false;
  /// Where each symbol's value comes from (input dims that are exactly it).
  SymbolBindings symbolSites;
  /// Current shape of each input (plan.inputs order): the last setInput's,
  /// initially the shape with every symbol at its maximum.
  std::vector<std::vector<int64_t>> inputShapes;
  /// Scratch for run(): the symbol values the inputs give (sized at load).
  std::vector<int64_t> symbolValues;
  /// Values of host-set symbols (setSymbol), kSymbolUnset until set.
  std::vector<int64_t> hostSymbolValues;
  /// Symbol values the parameters staging buffer holds, valid when
  /// `paramsValid` (false after a failed evaluation), and the byte size of
  /// each output for them.
  std::vector<int64_t> paramValues;
  bool paramsValid = false;
  std::vector<uint64_t> paramOutputBytes;
  /// Symbol values and output byte sizes of the last successful run (at
  /// load: every symbol at its maximum).
  std::vector<int64_t> runValues;
  std::vector<uint64_t> outputBytes;

  std::vector<VkShaderModule> modules; // per plan.shaders
  VkPipelineCache pipelineCache = VK_NULL_HANDLE;
  /// Descriptor set layout and pipeline layout per layoutKey(): bindings
  /// 0..n-1 of set 0 storage buffers, and binding n a uniform buffer (the
  /// dims block) when the dispatch bindsDims(), compute stage.
  llvm::DenseMap<unsigned, std::pair<VkDescriptorSetLayout, VkPipelineLayout>>
      layouts;
  VkDescriptorPool descriptorPool = VK_NULL_HANDLE;
  /// Per plan command; VK_NULL_HANDLE for Barrier and Release.
  std::vector<VkPipeline> pipelines;
  std::vector<VkDescriptorSet> sets;

  VkCommandPool commandPool = VK_NULL_HANDLE;
  /// One recorded command buffer per set of dispatches left out of it. A
  /// dynamic dispatch whose group count evaluates to zero for a run's
  /// symbol values (a kernel gated to sequence == 1, or to sequence >= 2:
  /// ops/OpDef.h runWhenOne) still costs a dispatch and its barrier on the
  /// GPU; the variant for that run leaves it out, and the barriers it made
  /// redundant. A plan of static shapes has one variant. Variants are
  /// recorded at load for the symbols' maxima and minima (a prefill and a
  /// decode step), and on first use otherwise; at most kMaxCommandVariants
  /// stay, the least recently used one is freed.
  struct CommandVariant {
    std::vector<uint64_t> skipped; // bit s: params.slices[s] left out
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    RecordedCommands counts;
    uint64_t lastUse = 0;
  };
  static constexpr size_t kMaxCommandVariants = 8;
  std::vector<CommandVariant> variants; // capacity kMaxCommandVariants
  /// The slices whose dispatch has a zero group count in paramStaging
  /// (bitmask as CommandVariant::skipped; sized at load, updated by every
  /// evaluation), and what the last run's variant held.
  std::vector<uint64_t> skipped;
  RecordedCommands lastCommands;
  uint64_t variantClock = 0;

  /// Timestamps of commandBuffer (kRunTimestamps queries; null without
  /// timestamp support, see timestampsOff).
  VkQueryPool queryPool = VK_NULL_HANDLE;
  /// Why there are no timestamps ("" when queryPool is set).
  std::string timestampsOff;
  /// Nanoseconds per timestamp tick (VkPhysicalDeviceLimits::timestampPeriod)
  /// and the mask of valid bits (timestampValidBits).
  double timestampPeriodNs = 1.0;
  uint64_t timestampMask = ~0ull;
  /// The profiling command buffer and its pool of (dispatches + 1)
  /// timestamps, recorded by the first runProfiled().
  VkCommandBuffer profileBuffer = VK_NULL_HANDLE;
  VkQueryPool profileQueryPool = VK_NULL_HANDLE;
  /// The skipped mask profileBuffer was recorded for, and the Dispatch
  /// commands it times, in order (query k + 1 follows profileDispatches[k]).
  std::vector<uint64_t> profileSkipped;
  std::vector<uint32_t> profileDispatches;
  RecordedCommands profileCounts;

  PipelineCacheReport cacheReport;
  /// The driver data pipelineCache was created with (empty on a miss), to
  /// skip rewriting an unchanged cache file.
  std::vector<uint8_t> cacheInitialData;
  VkFence fence = VK_NULL_HANDLE;
  /// Submitted with `fence` and not waited for yet (after a timeout or an
  /// error); the destructor waits before destroying anything.
  bool pending = false;
  /// A run failed in a way that leaves the fence unusable (timeout, device
  /// lost); later runs are refused.
  bool broken = false;

  Impl(Device::Impl &dev, const Plan &plan, const LoadOptions &opts)
      : dev(dev), plan(plan), opts(opts) {}
  Impl(const Impl &) = delete;
  Impl &operator=(const Impl &) = delete;
  /// Waits for a pending submission (bounded), then destroys everything in
  /// reverse creation order. Safe on a partially loaded plan.
  ~Impl();

  /// Submits \p cmd with `fence`, waits up to the device's fenceTimeoutNs, resets the
  /// fence. \p step names the work in errors ("run", "weight upload").
  llvm::Error submitAndWait(VkCommandBuffer cmd, llvm::StringRef step);

  /// A run of the command buffer for these symbol values (the variant that
  /// leaves out the dispatches they gate out; \p profiled: the profiling
  /// buffer, re-recorded when the gated-out set changed): refuses a broken
  /// plan, resolves the symbols and refreshes the parameters staging buffer
  /// when their values changed (prepareParameters), records a variant not
  /// seen before, submits and waits, and on success records the run's
  /// symbol values and output sizes.
  llvm::Error runCommandBuffer(bool profiled, llvm::StringRef step);
  /// For a plan with shape ranges: symbols from the input shapes, then, when
  /// they differ from paramValues or !paramsValid, every expression
  /// evaluated into paramStaging (counted in
  /// RuntimeCounters::parameterEvaluations). Errors as LoadedPlan::run().
  llvm::Error prepareParameters();
};

/// The layouts key of dispatch \p c: its binding count, and whether it
/// binds a dims block.
inline unsigned layoutKey(const PlanCommand &c) {
  return unsigned(c.bindings.size()) * 2 + (bindsDims(c) ? 1 : 0);
}

/// For a plan with symbols or dynamic dispatches (already checked by
/// checkPlanForRuntime and checkPlanAgainstDevice): finds the symbols'
/// sites, sets the initial input shapes (every symbol at its maximum), and
/// creates the parameters buffer and its staging copy, filled for the
/// maxima. Does nothing for a plan of static shapes. Errors: allocation
/// failures (and those the checks ruled out).
llvm::Error setUpShapeRanges(LoadedPlan::Impl &p);

/// Creates the VkShaderModule of every plan shader (already validated by
/// checkPlanShaders). Errors name the shader.
llvm::Error createShaderModules(LoadedPlan::Impl &p);

/// Creates p.pipelineCache, seeded from the device's cache file when a
/// valid one exists (runtime/PipelineCache.cpp); fills p.cacheReport.
/// Errors only when vkCreatePipelineCache fails without initial data.
llvm::Error createPipelineCache(LoadedPlan::Impl &p);

/// Writes p.pipelineCache back to its file when its data changed; problems
/// become a note in p.cacheReport, never an error.
void savePipelineCache(LoadedPlan::Impl &p);

/// Creates the layouts, one compute pipeline per Dispatch
/// command (specialization constant i = specConstants[i], 4 bytes each), the
/// descriptor pool (sized exactly) and one descriptor set per dispatch,
/// written once: binding k = plan.tensors[bindings[k]] at (its buffer, its
/// offset, its bytes), and for a dispatch that bindsDims() binding
/// bindings.size() = its dims block in p.paramBuffer (uniform buffer).
llvm::Error createPipelinesAndDescriptors(LoadedPlan::Impl &p);

/// Uploads plan.weights into the Weights buffer through a temporary staging
/// buffer and zeroes every State buffer (vkCmdFillBuffer), in one one-time
/// command buffer; the staging buffer is freed before returning. Does
/// nothing without weights or state.
llvm::Error initializeBuffers(LoadedPlan::Impl &p);

/// Timestamps p.commandBuffer writes: 0 at its start, 1 after the input
/// uploads, 2 after the plan's commands, 3 after the output readback copies.
constexpr uint32_t kRunTimestamps = 4;

/// Sets \p skipped (bit s of word s / 64) from the indirect commands in
/// \p params, memory laid out by \p layout: bit s when slice s's group
/// count is zero in any dimension. Allocates only when \p skipped is
/// resized (the first call).
void findSkippedDispatches(const ParamLayout &layout, const uint8_t *params,
                           std::vector<uint64_t> &skipped);

/// Records the variants a plan starts with: the one for the parameters
/// staging buffer's values (the symbols' maxima at load) and, for a plan
/// with symbols, the one for their minima when it differs (evaluated into
/// scratch memory; the staging buffer is left as it was).
llvm::Error recordInitialVariants(LoadedPlan::Impl &p);

/// Returns the index in p.variants of the variant for p.skipped, recording
/// it first when there is none (freeing the least recently used one when
/// kMaxCommandVariants are kept). A variant holds: input staging -> input
/// buffers (and, with a parameters buffer, its staging -> it), the plan's
/// commands but the skipped dispatches (dynamic dispatches with
/// vkCmdDispatchIndirect; a plan Barrier only where a dispatch was recorded
/// since the last one), output buffers -> output staging, with the
/// transfer/compute/indirect/host barriers around them (see
/// docs/runtime.md); and, when p.queryPool is set, the kRunTimestamps
/// timestamps. Errors: command buffer allocation and recording.
llvm::Expected<size_t> variantForSkipped(LoadedPlan::Impl &p);

/// Records p.profileBuffer for p.skipped (freeing a previous one): the same
/// work as the variant with a timestamp in p.profileQueryPool before the
/// plan's first command (query 0) and after each recorded Dispatch.
llvm::Error recordProfileBuffer(LoadedPlan::Impl &p);

/// Decides whether the compute queue has timestamps and creates p.queryPool
/// (kRunTimestamps queries) when it does; otherwise sets p.timestampsOff.
llvm::Error createTimestampQueries(LoadedPlan::Impl &p);

} // namespace tlc

#endif // TLC_RUNTIME_LOADEDPLANIMPL_H
