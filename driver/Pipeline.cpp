//===- driver/Pipeline.cpp - The whole compiler in one function -----------===//
//
// Read compileGraph top to bottom to follow a model from YAML to dispatches.
//
//===----------------------------------------------------------------------===//
#include "driver/Pipeline.h"
#include "ops/Verifier.h"
#include "codegen/Codegen.h"
#include "passes/MemoryPlan.h"
#include "passes/Passes.h"

using namespace llvm;

namespace tlc {

static void dump(const CompileOptions &opts, const Graph &g, StringRef pass,
                 bool always = false) {
  if (!opts.printIR || !(opts.printAfterAll || always))
    return;
  *opts.printIR << "// ----- IR after " << pass << " -----\n";
  printGraph(g, *opts.printIR);
}

/// Runs the planner the options name; "auto" runs the pool and the arena and
/// keeps the one with fewer transient bytes (the pool on a tie: fewer,
/// simpler buffers).
static Expected<MemoryPlan> planMemory(const Graph &g, const Liveness &live,
                                       const CompileOptions &opts) {
  ArenaAssignOptions arena;
  arena.alignment = opts.alignment;
  arena.timeLimitSeconds = opts.planTimeLimit;
  arena.maxBufferBytes = opts.maxBufferBytes;
  if (opts.planner == "pool")
    return assignPoolSlots(g, live);
  if (opts.planner == "arena" || opts.planner == "no-alias") {
    arena.planner = opts.planner;
    return assignArenaOffsets(g, live, arena);
  }
  if (opts.planner == "auto") {
    MemoryPlan pool = assignPoolSlots(g, live);
    Expected<MemoryPlan> packed = assignArenaOffsets(g, live, arena);
    if (!packed)
      return packed.takeError();
    if (packed->totalBytes() < pool.totalBytes())
      return std::move(*packed);
    return std::move(pool);
  }
  return createStringError(inconvertibleErrorCode(),
                           "unknown planner '%s'; expected pool, arena, "
                           "no-alias or auto",
                           opts.planner.c_str());
}

Expected<Plan> compileGraph(Graph g, const CompileOptions &opts) {
  if (opts.alignment == 0 || (opts.alignment & (opts.alignment - 1)))
    return createStringError(inconvertibleErrorCode(),
                             "alignment %u is not a power of two",
                             opts.alignment);
  // Front end: every op known (all unknown ones named at once), then order,
  // type and prune the graph.
  if (Error e = checkOpsSupported(g))
    return std::move(e);
  if (Error e = scheduleTopological(g))
    return std::move(e);
  dump(opts, g, "schedule");
  // 1-D convolutions and pools run as 2-D ones over views.
  rewriteWindows1DAs2D(g);
  dump(opts, g, "windows-1d-as-2d");
  // Simplification (what ONNX exporters emit): fold constants (typing as it
  // goes, see passes/ConstantFolding.cpp), drop no-ops, fold
  // BatchNormalization.
  if (Error e = foldConstants(g).takeError())
    return std::move(e);
  dump(opts, g, "constant-folding");
  // Shape ranges: what reads only the symbols (a causal mask) is computed
  // at the bound and sliced to its extent on the device.
  if (Error e = foldAtBound(g).takeError())
    return std::move(e);
  dump(opts, g, "fold-at-bound");
  removeIdentities(g);
  dump(opts, g, "remove-identities");
  foldBatchNorm(g);
  dump(opts, g, "fold-batchnorm");
  if (Error e = inferShapes(g))
    return std::move(e);
  dump(opts, g, "shape-inference", /*always=*/!opts.printAfterAll);
  eliminateDeadCode(g);
  dump(opts, g, "dead-code-elimination");
  fuseAttention(g);
  dump(opts, g, "fuse-attention");
  fuseEpilogues(g);
  dump(opts, g, "fuse-epilogues");
  fuseElementwise(g);
  dump(opts, g, "fuse-elementwise");
  {
    // With fp16 storage on tensor cores, GEMMs need no split-K
    // (chooseSplitKSlice).
    KernelTarget target = opts.target;
    target.f16Storage = opts.floatStorage == DType::F16;
    splitK(g, target);
  }
  dump(opts, g, "split-k");
  fuseReduceLayerNorm(g, opts.target);
  dump(opts, g, "fuse-reduce-layernorm");
  fuseNormProjections(g, opts.target, opts.maxBindingBytes);
  dump(opts, g, "fuse-norm-projections");
  if (opts.floatStorage == DType::F16) {
    useF16Storage(g, opts.target);
    dump(opts, g, "f16-storage");
  } else if (opts.floatStorage != DType::F32) {
    return createStringError(inconvertibleErrorCode(),
                             "float storage %s is not supported; expected f32 "
                             "or f16",
                             dtypeName(opts.floatStorage).str().c_str());
  }
  splitLargeWeights(g, opts.maxBindingBytes);
  dump(opts, g, "split-large-weights");
  // The lower bound (views and in-place reuse included) of the model's own
  // order, reported beside the plan's to show what scheduling saved.
  uint64_t givenOrderBound = transientLowerBound(
      g, computeLiveness(g, computeStorageLayout(g, opts.aliasing,
                                                 opts.alignment)));
  ScheduleResult order;
  if (opts.schedule == "memory") {
    order = scheduleForMemory(g);
    dump(opts, g, "memory-aware-schedule");
  } else if (opts.schedule != "given") {
    return createStringError(inconvertibleErrorCode(),
                             "unknown schedule '%s'; expected memory or given",
                             opts.schedule.c_str());
  }
  if (Error e = verifyGraph(g))
    return std::move(e);

  // Memory: views and in-place reuse, live intervals, release points,
  // placement.
  Liveness live = computeLiveness(
      g, computeStorageLayout(g, opts.aliasing, opts.alignment));
  std::vector<std::vector<ValueId>> releases = computeReleasePoints(g, live);
  Expected<MemoryPlan> mem = planMemory(g, live, opts);
  if (!mem)
    return mem.takeError();

  // Codegen: dispatches bound to planned memory, then barriers. Kernels are
  // chosen for the target profile.
  Expected<Plan> plan =
      lowerToPlan(g, live, *mem, releases, opts.alignment, opts.target);
  if (!plan)
    return plan.takeError();
  insertBarriers(*plan);
  // "given" alone would read as if --schedule=given had been asked for.
  plan->stats.schedule = opts.schedule != "memory"   ? std::string("given")
                         : order.strategy == "given" ? std::string("kept-given")
                                                     : order.strategy;
  plan->stats.peakGivenOrder = givenOrderBound;

  // Independent checks of what we emit.
  if (Error e = validatePlanStructure(*plan))
    return std::move(e);
  if (Error e = checkPlanMemory(*plan))
    return std::move(e);
  return plan;
}

Expected<Plan> compileModelFile(StringRef path, const ModelParseOptions &parse,
                                const CompileOptions &opts) {
  Expected<Graph> g = parseModelFile(path, parse);
  if (!g)
    return g.takeError();
  return compileGraph(std::move(*g), opts);
}

} // namespace tlc
