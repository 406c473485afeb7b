//===- ops/GemmKernel.h - Lowering to shaders/gemm.comp ---------*- C++ -*-===//
//
// Gemm and MatMul both lower to one tiled matrix-multiply dispatch that
// computes, for every batch b,
//   Y[b] = alpha * op(A[b]) * op(B[b]) + beta * C      (C optional)
// where op() optionally transposes. Batch dims (up to 4) broadcast through
// per-dim strides. This header describes the dispatch's parameters and the
// choice of shader by kernel target (ops/KernelTarget.h):
//   - "cpu": shaders/gemm.comp, register blocks and no shared memory;
//   - "gpu": shaders/gemm_tiled.comp, shared-memory slabs and TM x TN
//     register blocks, tiles chosen from the problem shape.
// Both shaders take the same bindings and constants 0..22, so other
// lowerings (e.g. an implicit-GEMM convolution) can reuse the tiled core by
// filling GemmKernelArgs.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_GEMMKERNEL_H
#define TLC_OPS_GEMMKERNEL_H

#include "ops/KernelTarget.h"
#include "ops/OpDef.h"

#include <string>

namespace tlc {

/// Largest number of batch dims the gemm shader walks.
constexpr unsigned kGemmMaxBatchDims = 4;

/// Parameters of one shaders/gemm.comp dispatch. Sizes and strides are in
/// elements. A is M x K (K x M when transA), B is K x N (N x K when transB),
/// Y is M x N, every matrix contiguous row-major inside its batch.
/// Workgroups a GEMM dispatch uses at most per dimension: Vulkan's guaranteed
/// maxComputeWorkGroupCount (Vulkan 1.3 spec, table "Required Limits"); the
/// shaders loop over tiles and batches beyond the dispatched counts.
inline constexpr uint64_t kGemmMaxGroups = 65535;

struct GemmKernelArgs {
  uint32_t m = 1, n = 1, k = 1; // m: the upper bound when mDim is set
  /// Shape ranges: M as an expression when it depends on symbols (then the
  /// lowering picks a kernel at the bound that computes any M, and M and
  /// the row blocks are run-time values).
  std::optional<DimExpr> mDim;
  /// Shape ranges beyond M (MatMul: attention over a symbolic sequence):
  /// N, K, the batch dims and A's and B's batch strides as expressions, set
  /// when any of them depends on symbols; the fields below then hold their
  /// upper bounds, the lowering picks a kernel that computes any value and
  /// passes these as run-time values.
  struct SymbolicSizes {
    DimExpr n = 1, k = 1;
    DimExpr batchDims[kGemmMaxBatchDims] = {1, 1, 1, 1};
    DimExpr aBatchStride[kGemmMaxBatchDims] = {0, 0, 0, 0};
    DimExpr bBatchStride[kGemmMaxBatchDims] = {0, 0, 0, 0};
  };
  std::optional<SymbolicSizes> sym;
  /// Whether any size is symbolic (mDim or sym).
  bool isSymbolic() const { return mDim.has_value() || sym.has_value(); }
  bool transA = false, transB = false;
  float alpha = 1.0f, beta = 0.0f;
  /// C is read as C[row * cStrideM + col * cStrideN] (strides 0 broadcast).
  bool hasC = false;
  uint32_t cStrideM = 0, cStrideN = 0;
  /// Output batch dims, outermost first, padded with leading 1s; the batch
  /// offset of A (B) is sum_i idx_i * aBatchStride[i] (bBatchStride[i]).
  uint32_t batchDims[kGemmMaxBatchDims] = {1, 1, 1, 1};
  uint32_t aBatchStride[kGemmMaxBatchDims] = {0, 0, 0, 0};
  uint32_t bBatchStride[kGemmMaxBatchDims] = {0, 0, 0, 0};
  /// Split-K partial products (gemm_tiled.comp only): when > 0, batch entry
  /// b multiplies only k in [b * kSlice, min(k, (b + 1) * kSlice)); the
  /// caller sets the batch to ceil(k / kSlice) entries whose A and B
  /// strides reach that slice's first column of op(A) and row of op(B).
  uint32_t kSlice = 0;

  /// Output batch entries: the product of batchDims.
  uint64_t batchCount() const {
    uint64_t batch = 1;
    for (uint32_t v : batchDims)
      batch *= v;
    return batch;
  }
};

/// Tiling of one shaders/gemm_tiled.comp dispatch, in elements: a workgroup
/// computes a bm x bn block of Y in slabs of bk, each of its
/// (bm / tm) * (bn / tn) invocations a tm x tn register block.
struct GemmTileConfig {
  uint32_t bm = 128, bn = 128, bk = 8, tm = 8, tn = 8;

  /// Invocations per workgroup.
  uint32_t threads() const { return (bm / tm) * (bn / tn); }
  /// Shared memory the shader declares for this tiling, in bytes: two
  /// k-major slabs of each operand, rows padded by one vec4.
  uint32_t sharedBytes() const {
    return 2 * bk * ((bm / 4 + 1) + (bn / 4 + 1)) * 16;
  }
  /// "128x128x8/8x8".
  std::string str() const;
};

/// Whether \p cfg meets gemm_tiled.comp's requirements: tm, tn multiples of
/// 4 dividing bm, bn; bk a multiple of 4; 32..1024 invocations; every
/// invocation loading 1..8 whole vec4s of each operand per slab; shared
/// memory within \p maxSharedBytes.
bool isValidGemmTileConfig(const GemmTileConfig &cfg, uint32_t maxSharedBytes);

/// The tilings the "gpu" profile chooses from, largest block first.
llvm::ArrayRef<GemmTileConfig> gemmTileCandidates();

/// Chooses the tiling for \p args on \p target: the largest candidate that
/// fits the target's shared memory and still gives at least
/// kGemmMinWorkgroups workgroups (kGemmMinWorkgroupsLargestBlock for the
/// 128x128 block), so that a GPU's ~100 compute units all get work
/// (small-M problems such as GPT-2's 128-row GEMMs get small blocks);
/// when none does (M = 1), the one with the most invocations that have rows
/// to compute, ties to the larger workgroup. Candidates and thresholds come
/// from measurements on an H200 (bench/gpu/gemm.md).
GemmTileConfig chooseGemmTiles(const GemmKernelArgs &args,
                               const KernelTarget &target);

/// Workgroups below which chooseGemmTiles moves to a smaller block.
constexpr uint64_t kGemmMinWorkgroups = 96;
/// Workgroups the largest block (128x128) needs before chooseGemmTiles
/// takes it. GPT-2's LM head 128x50257x768 has 393 such blocks and ran
/// faster with 64x128 blocks (H100: 341 us against 349 us; H200: 303 us
/// against 344 us; bench/gpu/gemm.md); 4096^3 (1024 blocks) is faster with
/// 128x128.
constexpr uint64_t kGemmMinWorkgroupsLargestBlock = 512;

/// Workgroups split-K aims for: about three per streaming multiprocessor
/// of an H100 SXM (132). Measured on an H100 (bench/gpu/gemm.md, split-K):
/// GPT-2's 128x768x3072 took 33.7 us with 384 workgroups of 32x64 blocks
/// (8 slices), 40.3 us with 288 (6 slices), 114 us unsplit (96).
constexpr uint64_t kSplitKTargetWorkgroups = 384;
/// Fewest k per split-K slice. Same measurements: 128x768x768 was fastest
/// with the shortest slices measured, 128 (16.7 us; 256: 20.5 us; unsplit
/// 29.6 us); shorter slices make P, which the reduction reads, larger.
constexpr uint32_t kSplitKMinSlice = 128;

/// k per shared-memory slab of gemm_coopmat_f16.comp (32 or 64). On the
/// H100, 64 took GPT-2 (fp16, gpu-nv) from 1.60 to 1.39 ms (per-layer
/// GEMMs 20.8 -> 17.5 us, LM head 311 -> 226 us; two runs each,
/// 2026-11-22).
constexpr uint32_t kCoopMatSlabK = 64;
/// Shared memory gemm_coopmat_f16.comp declares with kCoopMatSlabK, bytes:
/// the A and B slabs (64 rows of kCoopMatSlabK / 8 + 1 uvec4s each; B's
/// k-major slab is as large for a slab of 64) and the 64 x 68 f32 epilogue
/// tile. The lowering takes the kernel only where the target offers it.
constexpr uint32_t kCoopMatSharedBytes =
    2 * 64 * (kCoopMatSlabK / 8 + 1) * 16 + 64 * 68 * 4;

/// Workgroups split-K aims for on tensor cores (gemm_coopmat_f16.comp, 64 x
/// 64 blocks of 128 invocations): two per SM of an H100. GPT-2's 128-row
/// GEMMs ran unsplit with 24-96 such blocks at 22-73 us; with split-K for
/// 264 workgroups the whole model took 1.60 ms, for 528 or 1056 1.79 and
/// 1.80 ms (H100, 2026-11-22, one run each, fp16@gpu-nv).
constexpr uint64_t kSplitKCoopMatWorkgroups = 264;

/// The tiling of split-K partial products (GemmSplitK): 32x64x16/4x4, the
/// fastest measured at every slice count for GPT-2's shapes on an H100
/// (64x128x8/8x8 took 1.2-2.3x as long), when it fits the target's shared
/// memory; else chooseGemmTiles.
GemmTileConfig chooseSplitKTiles(const GemmKernelArgs &args,
                                 const KernelTarget &target);

/// The split-K slice length (k per slice, a multiple of 16; 0: do not
/// split) for one GEMM \p args on \p target. Only for the "gpu" target and
/// unbatched GEMMs whose chosen tiling gives fewer than
/// kSplitKTargetWorkgroups workgroups: the smallest slice count S >= 2 whose
/// chooseSplitKTiles blocks times S reach that many, else the largest S
/// with slices of at least kSplitKMinSlice; 0 when K has room for fewer
/// than two such slices.
uint32_t chooseSplitKSlice(const GemmKernelArgs &args,
                           const KernelTarget &target);

/// One dispatch of shaders/gemm_tiled.comp with tiling \p cfg (which must
/// satisfy isValidGemmTileConfig). Operands as for lowerGemmKernel. vec4
/// loads are enabled per operand when its contiguous dimension and every
/// batch offset are multiples of 4, vec4 stores when N is.
DispatchDesc lowerGemmKernelTiled(const GemmKernelArgs &args,
                                  const GemmTileConfig &cfg, unsigned a,
                                  unsigned b, unsigned c, unsigned y);

/// Whether shaders/gemm_coopmat_f16.comp (fp16 storage, tensor cores)
/// computes \p args: A not transposed, K and the split-K slice multiples of
/// 8 and batch offsets of A and B multiples of 8 (16-byte loads along K), C
/// only with one batch entry, at most 65535 blocks of 64 along M and N.
bool gemmCoopMatApplies(const GemmKernelArgs &args);

/// One dispatch of shaders/gemm_coopmat_f16.comp (64 x 64 blocks of 4
/// subgroups); \p args must satisfy gemmCoopMatApplies. Operands as for
/// lowerGemmKernel; every float tensor is binary16.
DispatchDesc lowerGemmCoopMat(const GemmKernelArgs &args, unsigned a,
                              unsigned b, unsigned c, unsigned y);

/// One dispatch computing \p args for kernel target \p target:
/// gemm_coopmat_f16.comp when the target has
/// cooperativeMatrixNV and f16Storage and gemmCoopMatApplies; else
/// shaders/gemm.comp for "cpu"; for "gpu",
/// gemm_warptile.comp when chooseGemmWarpTile (ops/GemmLarge.h) accepts the
/// shape, else gemm_tiled.comp with chooseGemmTiles; gemm_tiled.comp
/// whenever args.kSlice is set. Bindings: 0 =
/// operand \p a, 1 = operand \p b, 2 = operand \p c (when args.hasC; otherwise
/// \p a is bound there and never read), 3 = operand \p y (written).
DispatchDesc lowerGemmKernel(const GemmKernelArgs &args, unsigned a, unsigned b,
                             unsigned c, unsigned y,
                             const KernelTarget &target);

/// Whether shaders/gemv.comp computes \p args at M = 1 and a GEMM of these
/// arguments should take it there: M static 1 (an LM head of the last
/// position, a classifier at batch 1), or M symbolic with 1 the lowest
/// value of its range (a token count: M = 1 is a decoded token); N and K
/// static, one batch entry, A not transposed, B transposed (a weight
/// [N, K], the layout of every projection of a Llama graph), no split-K.
bool gemvApplies(const GemmKernelArgs &args);

/// Rows of Y one workgroup of gemv.comp computes (128 invocations, 32 per
/// row: one NVIDIA warp streams a row in 512-byte runs).
constexpr uint32_t kGemvRows = 4;

/// One dispatch of shaders/gemv.comp computing \p args for M = 1 (its
/// caller gates it to those runs). Operands as for lowerGemmKernel; C is
/// read at row 0 (cStrideN apart). 16-byte loads of eight binary16 values
/// with \p f16Storage and K % 8 == 0, vec4 loads with K % 4 == 0.
DispatchDesc lowerGemv(const GemmKernelArgs &args, unsigned a, unsigned b,
                       unsigned c, unsigned y, bool f16Storage);

/// The dispatches of one GEMM: lowerGemmKernel's; where gemvApplies, the
/// GEMV alone for a static M = 1, and for a symbolic M a GEMV for M = 1
/// first (runWhenOne) with lowerGemmKernel's dispatch gated to M >= 2
/// after it (runWhenAboveOne, exclusiveWithPrevious): each run executes
/// one of the two. A decoded token then reads each weight once,
/// in one dispatch, instead of through tiles built for many rows.
void lowerGemmDispatches(const GemmKernelArgs &args, unsigned a, unsigned b,
                         unsigned c, unsigned y, const KernelTarget &target,
                         llvm::SmallVectorImpl<DispatchDesc> &dispatches);

} // namespace tlc

#endif // TLC_OPS_GEMMKERNEL_H
