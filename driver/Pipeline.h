//===- driver/Pipeline.h - The whole compiler in one function ---*- C++ -*-===//
#ifndef TLC_DRIVER_PIPELINE_H
#define TLC_DRIVER_PIPELINE_H

#include "codegen/Plan.h"
#include "ir/Graph.h"
#include "ir/ModelParser.h"
#include "ops/KernelTarget.h"
#include "passes/Passes.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace tlc {

struct CompileOptions {
  /// Memory planner: "pool" (shape-keyed pool), "arena" (offsets in one
  /// arena), "no-alias" (every tensor its own memory), "auto" (the smallest
  /// valid plan of pool and arena).
  std::string planner = "auto";
  /// Byte alignment of every tensor offset; must be a power of two and a
  /// multiple of the device's minStorageBufferOffsetAlignment (256 covers
  /// every device known to us).
  uint32_t alignment = 256;
  /// Node order: "memory" (the memory-aware scheduler: lowest peak of live
  /// bytes) or "given" (topological, keeping the model's order).
  std::string schedule = "memory";
  /// Time budget of the arena planner's exact search, seconds.
  double planTimeLimit = 1.0;
  /// Views (Reshape/Flatten share memory) and in-place elementwise ops.
  AliasOptions aliasing;
  /// Largest transient buffer, bytes: a larger arena is split (see
  /// ArenaAssignOptions::maxBufferBytes).
  uint64_t maxBufferBytes = uint64_t(128) << 20;
  /// Largest weight one binding holds, bytes: larger ones that
  /// splitLargeWeights can split are (passes/Passes.h).
  uint64_t maxBindingBytes = kMaxBindingBytes;
  /// Device profile the kernels are chosen for (ops/KernelTarget.h).
  KernelTarget target;
  /// Storage of float tensors inside the plan: F32, or F16 for
  /// `--precision=fp16` (binary16 storage, f32 arithmetic: useF16Storage).
  DType floatStorage = DType::F32;
  /// When set, the IR is printed here after shape inference; with
  /// printAfterAll, after every pass (each dump headed by the pass name).
  llvm::raw_ostream *printIR = nullptr;
  bool printAfterAll = false;
};

/// Compiles a parsed model to a Plan; the pipeline, in order:
///   schedule (topological) -> constant folding -> no-op removal ->
///   BatchNormalization folding -> shape inference -> dead-code elimination ->
///   attention fusion (MatMul/Softmax/MatMul chains -> FusedAttention) ->
///   epilogue fusion (Conv + residual Add + activation -> FusedConv;
///   Gemm + residual Add -> GemmResidual) -> elementwise fusion
///   (FusedElementwise) -> split-K (gpu target: GemmSplitK + SplitKReduce)
///   -> LayerNormalization into the split-K reduction (gpu target) ->
///   fp16 storage (--precision=fp16) -> memory-aware schedule -> verifier -> aliasing (views, in place, Concat
///   slices) ->
///   liveness -> release points -> memory planning -> lowering to
///   dispatches -> barriers -> plan structure check -> plan memory check.
/// Errors name the node and its location in the model.
llvm::Expected<Plan> compileGraph(Graph g, const CompileOptions &opts);

/// parseModelFile + compileGraph.
llvm::Expected<Plan> compileModelFile(llvm::StringRef path,
                                      const ModelParseOptions &parse,
                                      const CompileOptions &opts);

} // namespace tlc

#endif // TLC_DRIVER_PIPELINE_H
