//===- ops/GemmKernel.cpp - Lowering to the gemm shaders ------------------===//
//
// Fills the constants of shaders/gemm.comp ("cpu" profile) and
// shaders/gemm_tiled.comp ("gpu" profile) and chooses the latter's tiling.
//
//===----------------------------------------------------------------------===//
#include "ops/GemmKernel.h"
#include "ops/GemmLarge.h"
#include "ops/OpUtil.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

/// Block rows gemm_tiled.comp's workgroups sweep together (its GROUP_M):
/// 1, 4, 8 and 16 measured alike on an H200 at 4096^3 (bench/gpu/gemm.md);
/// grouping may still help L2 reuse on larger problems or smaller caches.
static constexpr uint32_t kGemmGroupM = 8;

/// Edge of the square output tile one workgroup of gemm.comp computes; keep
/// in sync with TILE in shaders/gemm.comp.
static constexpr uint32_t kGemmTile = 32;

/// Constants 0..22, shared by gemm.comp and gemm_tiled.comp.
static void setCommonConstants(const GemmKernelArgs &args, DispatchDesc &d) {
  d.specConstants = spec::u32s(
      {args.m, args.n, args.k, uint32_t(args.transA), uint32_t(args.transB),
       floatBits(args.alpha), floatBits(args.beta), uint32_t(args.hasC),
       args.cStrideM, args.cStrideN, uint32_t(args.batchCount())});
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i)
    d.specConstants.push_back(spec::u32(args.batchDims[i]));
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i)
    d.specConstants.push_back(spec::u32(args.aBatchStride[i]));
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i)
    d.specConstants.push_back(spec::u32(args.bBatchStride[i]));
}

static void setOperands(const GemmKernelArgs &args, unsigned a, unsigned b,
                        unsigned c, unsigned y, DispatchDesc &d) {
  d.operands = {a, b, args.hasC ? c : a, y};
  d.writes = {3};
}

static void setGroups(const GemmKernelArgs &args, uint32_t bm, uint32_t bn,
                      DispatchDesc &d) {
  d.groups[0] =
      uint32_t(std::min<uint64_t>(ceilDiv(args.n, bn), kGemmMaxGroups));
  d.groups[1] =
      uint32_t(std::min<uint64_t>(ceilDiv(args.m, bm), kGemmMaxGroups));
  d.groups[2] = uint32_t(std::min<uint64_t>(args.batchCount(), kGemmMaxGroups));
}

std::string GemmTileConfig::str() const {
  return std::to_string(bm) + "x" + std::to_string(bn) + "x" +
         std::to_string(bk) + "/" + std::to_string(tm) + "x" +
         std::to_string(tn);
}

bool isValidGemmTileConfig(const GemmTileConfig &cfg, uint32_t maxSharedBytes) {
  if (cfg.tm == 0 || cfg.tn == 0 || cfg.tm % 4 || cfg.tn % 4 || cfg.bk == 0 ||
      cfg.bk % 4 || cfg.bm % cfg.tm || cfg.bn % cfg.tn)
    return false;
  uint32_t threads = cfg.threads();
  if (threads < 32 || threads > 1024)
    return false;
  // Whole vec4 loads per invocation, at most 8 (gemm_tiled.comp's staging).
  for (uint32_t rows : {cfg.bm, cfg.bn}) {
    uint32_t vec4s = rows * cfg.bk / 4;
    if (vec4s % threads || vec4s / threads == 0 || vec4s / threads > 8)
      return false;
  }
  return cfg.sharedBytes() <= maxSharedBytes;
}

ArrayRef<GemmTileConfig> gemmTileCandidates() {
  static const GemmTileConfig kCandidates[] = {
      {128, 128, 8, 8, 8}, // 256 invocations, 16.5 KiB shared
      {64, 128, 8, 8, 8},  // 128 invocations
      {32, 64, 16, 4, 4},  // 128 invocations
      {32, 32, 16, 4, 4},  // 64 invocations
  };
  return kCandidates;
}

GemmTileConfig chooseGemmTiles(const GemmKernelArgs &args,
                               const KernelTarget &target) {
  const GemmTileConfig *best = nullptr;
  uint64_t bestInvocations = 0;
  for (const GemmTileConfig &cfg : gemmTileCandidates()) {
    if (!isValidGemmTileConfig(cfg, target.maxSharedMemoryBytes))
      continue;
    uint64_t groups =
        ceilDiv(args.m, cfg.bm) * ceilDiv(args.n, cfg.bn) * args.batchCount();
    uint64_t need = cfg.bm * cfg.bn >= 128 * 128
                        ? kGemmMinWorkgroupsLargestBlock
                        : kGemmMinWorkgroups;
    if (groups >= need)
      return cfg;
    // Too few workgroups for every candidate (e.g. M = 1): the most
    // invocations with rows to compute, then the most per workgroup, hide
    // the latency of the sequential K loop best.
    uint64_t invocations =
        groups * ceilDiv(std::min(args.m, cfg.bm), cfg.tm) * (cfg.bn / cfg.tn);
    if (!best || invocations > bestInvocations ||
        (invocations == bestInvocations && cfg.threads() > best->threads())) {
      best = &cfg;
      bestInvocations = invocations;
    }
  }
  assert(best && "no gemm tiling fits the target's shared memory");
  return best ? *best : GemmTileConfig{32, 32, 16, 4, 4};
}

/// Workgroups of \p args under tiling \p cfg.
static uint64_t groupCount(const GemmKernelArgs &args,
                           const GemmTileConfig &cfg) {
  return ceilDiv(args.m, cfg.bm) * ceilDiv(args.n, cfg.bn) * args.batchCount();
}

GemmTileConfig chooseSplitKTiles(const GemmKernelArgs &args,
                                 const KernelTarget &target) {
  static const GemmTileConfig kSplitTiles = {32, 64, 16, 4, 4};
  if (isValidGemmTileConfig(kSplitTiles, target.maxSharedMemoryBytes))
    return kSplitTiles;
  return chooseGemmTiles(args, target);
}

uint32_t chooseSplitKSlice(const GemmKernelArgs &args,
                           const KernelTarget &target) {
  // Tensor cores (fp16 storage): 64 x 64 blocks, slices of whole 32-k
  // slabs, the fewest slices giving kSplitKCoopMatWorkgroups.
  if (target.cooperativeMatrixNV && target.f16Storage &&
      target.maxSharedMemoryBytes >= kCoopMatSharedBytes &&
      gemmCoopMatApplies(args)) {
    if (args.batchCount() != 1 || args.kSlice != 0)
      return 0;
    uint64_t blocks = ceilDiv(args.m, 64) * ceilDiv(args.n, 64);
    uint32_t best = 0;
    for (uint64_t s = 2; blocks < kSplitKCoopMatWorkgroups &&
                         s <= args.k / kSplitKMinSlice;
         ++s) {
      uint32_t slice = uint32_t(ceilDiv(ceilDiv(args.k, s), 32) * 32);
      if (slice < kSplitKMinSlice)
        break;
      best = slice;
      if (blocks * ceilDiv(args.k, slice) >= kSplitKCoopMatWorkgroups)
        break;
    }
    return best;
  }
  if (!target.isGpu() || args.batchCount() != 1 || args.kSlice != 0 ||
      groupCount(args, chooseGemmTiles(args, target)) >=
          kSplitKTargetWorkgroups)
    return 0;
  uint32_t best = 0;
  for (uint32_t s = 2; s <= args.k / kSplitKMinSlice; ++s) {
    // Slices of whole 16-k slabs (the largest BK), so only the last slice
    // of K has a partial slab.
    uint32_t slice = uint32_t(ceilDiv(ceilDiv(args.k, s), 16) * 16);
    if (slice < kSplitKMinSlice)
      break;
    GemmKernelArgs split = args;
    split.kSlice = slice;
    split.batchDims[kGemmMaxBatchDims - 1] = uint32_t(ceilDiv(args.k, slice));
    best = slice;
    if (groupCount(split, chooseSplitKTiles(split, target)) >=
        kSplitKTargetWorkgroups)
      break;
  }
  return best;
}

/// Whether every batch offset of an operand is a multiple of 4 elements.
static bool stridesAligned4(const uint32_t (&strides)[kGemmMaxBatchDims]) {
  return std::all_of(std::begin(strides), std::end(strides),
                     [](uint32_t s) { return s % 4 == 0; });
}
static bool stridesAligned4(const DimExpr (&strides)[kGemmMaxBatchDims]) {
  return std::all_of(std::begin(strides), std::end(strides),
                     [](const DimExpr &s) { return s.isMultipleOf(4); });
}

namespace {
/// Every size of a GEMM as an expression (constants where static).
struct GemmSizeExprs {
  DimExpr m, n, k, batch = 1;
  DimExpr batchDims[kGemmMaxBatchDims];
  DimExpr aBatchStride[kGemmMaxBatchDims];
  DimExpr bBatchStride[kGemmMaxBatchDims];
};
} // namespace

static GemmSizeExprs gemmSizeExprs(const GemmKernelArgs &args) {
  GemmSizeExprs e;
  e.m = args.mDim ? *args.mDim : DimExpr(int64_t(args.m));
  e.n = args.sym ? args.sym->n : DimExpr(int64_t(args.n));
  e.k = args.sym ? args.sym->k : DimExpr(int64_t(args.k));
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i) {
    e.batchDims[i] =
        args.sym ? args.sym->batchDims[i] : DimExpr(int64_t(args.batchDims[i]));
    e.aBatchStride[i] = args.sym ? args.sym->aBatchStride[i]
                                 : DimExpr(int64_t(args.aBatchStride[i]));
    e.bBatchStride[i] = args.sym ? args.sym->bBatchStride[i]
                                 : DimExpr(int64_t(args.bBatchStride[i]));
    e.batch *= e.batchDims[i];
  }
  return e;
}

DispatchDesc lowerGemmKernelTiled(const GemmKernelArgs &args,
                                  const GemmTileConfig &cfg, unsigned a,
                                  unsigned b, unsigned c, unsigned y) {
  assert(isValidGemmTileConfig(cfg, ~0u) && "invalid gemm tiling");
  DispatchDesc d;
  d.shader = "gemm_tiled";
  setCommonConstants(args, d);
  // The contiguous dimension of A is K (M when transposed); of B, N (K when
  // transposed). Shape ranges: vec4 paths only where every value in the
  // range is a multiple of 4.
  bool vecA, vecB, vecY;
  if (args.isSymbolic()) {
    GemmSizeExprs e = gemmSizeExprs(args);
    vecA = (args.transA ? e.m : e.k).isMultipleOf(4) &&
           stridesAligned4(e.aBatchStride);
    vecB = (args.transB ? e.k : e.n).isMultipleOf(4) &&
           stridesAligned4(e.bBatchStride);
    vecY = e.n.isMultipleOf(4);
  } else {
    vecA = (args.transA ? args.m : args.k) % 4 == 0 &&
           stridesAligned4(args.aBatchStride);
    vecB = (args.transB ? args.k : args.n) % 4 == 0 &&
           stridesAligned4(args.bBatchStride);
    vecY = args.n % 4 == 0;
  }
  setOperands(args, a, b, c, y, d);
  setGroups(args, cfg.bm, cfg.bn, d);
  // Grouped block order (L2 reuse) only when the grid covers every block,
  // i.e. the shader's tile loops run once.
  bool wholeGrid = d.groups[0] == ceilDiv(args.n, cfg.bn) &&
                   d.groups[1] == ceilDiv(args.m, cfg.bm);
  // Constants 23..33 (30 is the workgroup size).
  llvm::append_range(
      d.specConstants,
      spec::u32s({cfg.bm, cfg.bn, cfg.bk, cfg.tm, cfg.tn, uint32_t(vecA),
                  uint32_t(vecB), cfg.threads(), uint32_t(vecY),
                  wholeGrid ? kGemmGroupM : 1u, args.kSlice}));
  return d;
}

bool gemmCoopMatApplies(const GemmKernelArgs &args) {
  auto aligned8 = [](const uint32_t (&strides)[kGemmMaxBatchDims]) {
    return std::all_of(std::begin(strides), std::end(strides),
                       [](uint32_t s) { return s % 8 == 0; });
  };
  return !args.transA && args.k % 8 == 0 && args.kSlice % 8 == 0 &&
         (!args.hasC || args.batchCount() == 1) &&
         aligned8(args.aBatchStride) && aligned8(args.bBatchStride) &&
         ceilDiv(args.m, 64) <= kGemmMaxGroups &&
         ceilDiv(args.n, 64) <= kGemmMaxGroups;
}

DispatchDesc lowerGemmCoopMat(const GemmKernelArgs &args, unsigned a,
                              unsigned b, unsigned c, unsigned y) {
  assert(gemmCoopMatApplies(args) && "gemm_coopmat_f16 cannot compute this");
  DispatchDesc d;
  d.shader = "gemm_coopmat_f16";
  setCommonConstants(args, d);
  setOperands(args, a, b, c, y, d);
  if (!args.hasC)
    d.unread = {2}; // A fills C's slot
  setGroups(args, 64, 64, d);
  // The shader has no TRANS_A (3), takes ALPHA and BETA (5, 6) as floats and
  // lacks gemm_tiled.comp's tiling (23..32); 33 KSLICE, 34 the slab depth.
  d.specConstants[3] = spec::unused();
  d.specConstants[5] = spec::f32(args.alpha);
  d.specConstants[6] = spec::f32(args.beta);
  d.specConstants.append(10, spec::unused());
  d.specConstants.push_back(spec::u32(args.kSlice));
  d.specConstants.push_back(spec::u32(kCoopMatSlabK));
  return d;
}

/// Makes the symbolic sizes of \p args (M, and for MatMul N, K, the batch
/// and its strides) and the group counts of \p d run-time values; \p bm x
/// \p bn is the block one workgroup covers. The shaders loop over blocks
/// and batches beyond the dispatched counts, so any value is computed.
static DispatchDesc withRunTimeSizes(DispatchDesc d, const GemmKernelArgs &args,
                                     uint32_t bm, uint32_t bn) {
  if (!args.isSymbolic())
    return d;
  GemmSizeExprs e = gemmSizeExprs(args);
  setDim(d, 0, e.m);
  setDim(d, 1, e.n);
  setDim(d, 2, e.k);
  setDim(d, 10, e.batch);
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i) {
    setDim(d, 11 + i, e.batchDims[i]);
    setDim(d, 15 + i, e.aBatchStride[i]);
    setDim(d, 19 + i, e.bBatchStride[i]);
  }
  DimExpr maxGroups = int64_t(kGemmMaxGroups);
  setGroups(d, min(ceilDiv(e.n, bn), maxGroups),
            min(ceilDiv(e.m, bm), maxGroups), min(e.batch, maxGroups));
  return d;
}

DispatchDesc lowerGemmKernel(const GemmKernelArgs &args, unsigned a, unsigned b,
                             unsigned c, unsigned y,
                             const KernelTarget &target) {
  if (args.isSymbolic()) {
    // Symbolic sizes: gemm_tiled (gpu) or gemm (cpu), which compute any
    // size; the warp-tiled and tensor-core kernels need sizes that divide
    // or align, which the range does not promise. Split-K slices (a
    // symbolic M only: K is static) run on gemm_tiled on every target. The
    // tiling is chosen at the upper bounds (a speed choice only).
    assert((args.kSlice == 0 || !args.sym) &&
           "split-K is applied to a symbolic M only");
    if (target.isGpu() || args.kSlice != 0) {
      GemmTileConfig cfg = args.kSlice != 0 ? chooseSplitKTiles(args, target)
                                            : chooseGemmTiles(args, target);
      return withRunTimeSizes(lowerGemmKernelTiled(args, cfg, a, b, c, y),
                              args, cfg.bm, cfg.bn);
    }
  }
  // fp16 storage on NVIDIA tensor cores, split-K partials included.
  if (target.cooperativeMatrixNV && target.f16Storage &&
      target.maxSharedMemoryBytes >= kCoopMatSharedBytes &&
      gemmCoopMatApplies(args))
    return lowerGemmCoopMat(args, a, b, c, y);
  // Of the other kernels, only gemm_tiled.comp computes split-K slices.
  if (args.kSlice != 0)
    return lowerGemmKernelTiled(args, chooseSplitKTiles(args, target), a, b, c,
                                y);
  if (target.isGpu()) {
    // Large problems that divide its blocks run on the warp-tiled kernel
    // (0.83x cuBLAS at 4096^3 on an H100 against gemm_tiled's 0.76x,
    // bench/gpu/gemm.md); everything else on gemm_tiled.comp.
    if (std::optional<GemmWarpTileConfig> wt =
            chooseGemmWarpTile(args, target.maxSharedMemoryBytes))
      return lowerGemmWarpTile(args, *wt, a, b, c, y);
    return lowerGemmKernelTiled(args, chooseGemmTiles(args, target), a, b, c,
                                y);
  }
  DispatchDesc d;
  d.shader = "gemm";
  setCommonConstants(args, d);
  setOperands(args, a, b, c, y, d);
  setGroups(args, kGemmTile, kGemmTile, d);
  return withRunTimeSizes(d, args, kGemmTile, kGemmTile);
}

bool gemvApplies(const GemmKernelArgs &args) {
  bool oneRow = args.mDim ? !args.mDim->isConstant() &&
                                args.mDim->lowerBound() == 1
                          : args.m == 1;
  return oneRow && !args.sym && !args.transA && args.transB &&
         args.kSlice == 0 && args.batchCount() == 1;
}

DispatchDesc lowerGemv(const GemmKernelArgs &args, unsigned a, unsigned b,
                       unsigned c, unsigned y, bool f16Storage) {
  assert(gemvApplies(args) && "lowerGemv on a GEMM it does not compute");
  DispatchDesc d;
  d.shader = "gemv";
  uint32_t vec = f16Storage && args.k % 8 == 0 ? 2 : args.k % 4 == 0 ? 1 : 0;
  d.specConstants = spec::u32s(
      {args.n, args.k, floatBits(args.alpha), floatBits(args.beta),
       uint32_t(args.hasC), args.cStrideN, vec, kGemvRows});
  setOperands(args, a, b, c, y, d);
  d.groups[0] = uint32_t(
      std::min<uint64_t>(ceilDiv(args.n, kGemvRows), kGemmMaxGroups));
  return d;
}

void lowerGemmDispatches(const GemmKernelArgs &args, unsigned a, unsigned b,
                         unsigned c, unsigned y, const KernelTarget &target,
                         SmallVectorImpl<DispatchDesc> &dispatches) {
  if (!gemvApplies(args)) {
    dispatches.push_back(lowerGemmKernel(args, a, b, c, y, target));
    return;
  }
  DispatchDesc gemm = lowerGemmKernel(args, a, b, c, y, target);
  DispatchDesc gemv = lowerGemv(args, a, b, c, y, target.f16Storage);
  if (!args.mDim) { // one row, always
    dispatches.push_back(std::move(gemv));
    return;
  }
  runWhenOne(gemv, *args.mDim);
  runWhenAboveOne(gemm, *args.mDim);
  gemm.exclusiveWithPrevious = true;
  dispatches.push_back(std::move(gemv));
  dispatches.push_back(std::move(gemm));
}

} // namespace tlc
