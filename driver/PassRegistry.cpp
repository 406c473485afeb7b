//===- driver/PassRegistry.cpp - Graph passes by name ---------------------===//
#include "driver/PassRegistry.h"
#include "passes/Passes.h"

using namespace llvm;

namespace tlc {

namespace {

template <size_t (*F)(Graph &)> Error counted(Graph &g, const PassContext &) {
  F(g);
  return Error::success();
}

Error constantFolding(Graph &g, const PassContext &) {
  return foldConstants(g).takeError();
}
Error foldAtBoundPass(Graph &g, const PassContext &) {
  return foldAtBound(g).takeError();
}
Error schedulePass(Graph &g, const PassContext &) {
  return scheduleTopological(g);
}
Error shapeInference(Graph &g, const PassContext &) { return inferShapes(g); }
Error splitKPass(Graph &g, const PassContext &c) {
  splitK(g, c.target);
  return Error::success();
}
Error fuseReduceLayerNormPass(Graph &g, const PassContext &c) {
  fuseReduceLayerNorm(g, c.target);
  return Error::success();
}
Error fuseNormProjectionsPass(Graph &g, const PassContext &c) {
  fuseNormProjections(g, c.target, c.maxBindingBytes);
  return Error::success();
}
Error f16Storage(Graph &g, const PassContext &c) {
  useF16Storage(g, c.target);
  return Error::success();
}
Error splitLargeWeightsPass(Graph &g, const PassContext &c) {
  splitLargeWeights(g, c.maxBindingBytes);
  return Error::success();
}
Error memorySchedule(Graph &g, const PassContext &) {
  scheduleForMemory(g);
  return Error::success();
}

const GraphPassInfo kPasses[] = {
    {"schedule", "order nodes topologically", schedulePass},
    {"windows-1d-as-2d", "1-D Conv/ConvTranspose/pools as 2-D over views",
     counted<rewriteWindows1DAs2D>},
    {"constant-folding", "evaluate nodes of constant inputs, typing as it goes",
     constantFolding},
    {"fold-at-bound", "compute symbol-only tensors at the bound, slice them",
     foldAtBoundPass},
    {"remove-identities", "drop Identity, inference Dropout, same-dtype Cast",
     counted<removeIdentities>},
    {"fold-batchnorm", "fold BatchNormalization into Conv (or Mul + Add)",
     counted<foldBatchNorm>},
    {"shape-inference", "type every value by its op's shape rule",
     shapeInference},
    {"dead-code-elimination", "remove nodes no output depends on",
     counted<eliminateDeadCode>},
    {"fuse-attention", "MatMul-Softmax-MatMul chains into FusedAttention",
     counted<fuseAttention>},
    {"fuse-epilogues", "Conv/Gemm + residual + activation into one node",
     counted<fuseEpilogues>},
    {"fuse-elementwise", "chains of elementwise ops into FusedElementwise",
     counted<fuseElementwise>},
    {"split-k", "split long-K GEMMs (gpu targets)", splitKPass},
    {"fuse-reduce-layernorm", "LayerNorm into the split-K reduction (gpu)",
     fuseReduceLayerNormPass},
    {"fuse-norm-projections", "RMSNorm + projections into RMSNormGemm (gpu)",
     fuseNormProjectionsPass},
    {"f16-storage", "fp16 storage with StorageCast bridges", f16Storage},
    {"split-large-weights", "split weights larger than one binding",
     splitLargeWeightsPass},
    {"memory-aware-schedule", "reorder to lower the peak of live bytes",
     memorySchedule},
};

} // namespace

ArrayRef<GraphPassInfo> graphPasses() { return kPasses; }

const GraphPassInfo *lookupGraphPass(StringRef name) {
  for (const GraphPassInfo &p : kPasses)
    if (name == p.name)
      return &p;
  return nullptr;
}

} // namespace tlc
