//===- ops/GemmKernel.cpp - Lowering to shaders/gemm.comp -----------------===//
#include "ops/GemmKernel.h"
#include "ops/OpUtil.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

/// Edge of the square output tile one workgroup computes; keep in sync with
/// TILE in shaders/gemm.comp.
static constexpr uint32_t kGemmTile = 32;

DispatchDesc lowerGemmKernel(const GemmKernelArgs &args, unsigned a, unsigned b,
                             unsigned c, unsigned y) {
  DispatchDesc d;
  d.shader = "gemm";
  uint32_t batch = 1;
  for (uint32_t v : args.batchDims)
    batch *= v;
  d.specConstants = {args.m,
                     args.n,
                     args.k,
                     uint32_t(args.transA),
                     uint32_t(args.transB),
                     floatBits(args.alpha),
                     floatBits(args.beta),
                     uint32_t(args.hasC),
                     args.cStrideM,
                     args.cStrideN,
                     batch};
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i)
    d.specConstants.push_back(args.batchDims[i]);
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i)
    d.specConstants.push_back(args.aBatchStride[i]);
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i)
    d.specConstants.push_back(args.bBatchStride[i]);
  d.operands = {a, b, args.hasC ? c : a, y};
  d.writes = {3};
  // The shader loops over tiles and batches beyond the group counts, so each
  // count is capped at the Vulkan-guaranteed 65535.
  constexpr uint64_t kMaxGroups = 65535;
  d.groups[0] =
      uint32_t(std::min<uint64_t>(ceilDiv(args.n, kGemmTile), kMaxGroups));
  d.groups[1] =
      uint32_t(std::min<uint64_t>(ceilDiv(args.m, kGemmTile), kMaxGroups));
  d.groups[2] = uint32_t(std::min<uint64_t>(batch, kMaxGroups));
  return d;
}

} // namespace tlc
