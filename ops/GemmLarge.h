//===- ops/GemmLarge.h - Lowering to shaders/gemm_warptile.comp -*- C++ -*-===//
//
// A second f32 GEMM core for large problems on GPUs: gemm_warptile.comp,
// with subgroup-level (warp) tiling and no bounds checks in its main loop.
// It computes the same GemmKernelArgs as gemm_tiled.comp (ops/GemmKernel.h),
// with the same bindings (0 = A, 1 = B, 2 = C, 3 = Y) and constants 0..22,
// but only for shapes that divide its block; lowerGemmKernel's callers can
// ask gemmWarpTileFits() and fall back to gemm_tiled.comp otherwise.
// Tilings and the shapes that gain were measured with bench/gpu/gemm_bench
// on an H100 (bench/gpu/gemm.md).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_GEMMLARGE_H
#define TLC_OPS_GEMMLARGE_H

#include "ops/GemmKernel.h"

#include <optional>
#include <string>

namespace tlc {

/// Tiling of one gemm_warptile.comp dispatch, in elements: a workgroup
/// computes a bm x bn block of Y in slabs of bk; each subgroup of 32
/// invocations a wm x wn patch of it, each invocation tm x tn outputs. Shared
/// rows are padded by pad floats.
struct GemmWarpTileConfig {
  uint32_t bm = 128, bn = 128, bk = 8, wm = 64, wn = 64, tm = 16, tn = 8,
           pad = 4;

  /// Invocations per workgroup: (bm / wm) * (bn / wn) * 32.
  uint32_t threads() const { return (bm / wm) * (bn / wn) * 32; }
  /// Shared memory the shader declares, in bytes: two k-major slabs of each
  /// operand.
  uint32_t sharedBytes() const {
    return 2 * bk * ((bm + pad) + (bn + pad)) * 4;
  }
  /// "128x128x8/64x32/8x8" (with "/p<pad>" when pad is not 4).
  std::string str() const;
};

/// Whether \p cfg meets gemm_warptile.comp's requirements: tm, tn, pad
/// multiples of 4; wm, wn multiples of tm, tn with (wm / tm) * (wn / tn) =
/// 32 lanes; bm, bn multiples of wm, wn; bk a multiple of 4; 32..1024
/// invocations; every invocation moving 1..8 whole vec4s of each operand per
/// slab; shared memory within \p maxSharedBytes.
bool isValidGemmWarpTileConfig(const GemmWarpTileConfig &cfg,
                               uint32_t maxSharedBytes);

/// Whether \p args can run on gemm_warptile.comp with \p cfg: M, N, K
/// multiples of bm, bn, bk; the contiguous dimension of A (K, or M when
/// transposed), B (N, or K when transposed) and every batch stride multiples
/// of 4; N a multiple of 4 (vec4 stores); block and batch counts within
/// 65535 (Vulkan's guaranteed maxComputeWorkGroupCount).
bool gemmWarpTileFits(const GemmKernelArgs &args,
                      const GemmWarpTileConfig &cfg);

/// Workgroups below which chooseGemmWarpTile declines a tiling: two per
/// streaming multiprocessor of an H100 (132). With fewer, gemm_tiled.comp's
/// smaller blocks measured as fast or faster (bench/gpu/gemm.md, 1024^3 and
/// 512x4096x4096 with 128x128 blocks).
constexpr uint64_t kGemmWarpTileMinWorkgroups = 256;

/// The tilings the warp-tiled kernel chooses from, largest block first:
/// 128x128x8/64x64/16x8 and 64x128x8/64x64/16x8 (both 16 x 8 outputs per
/// invocation; measured best of 25 tilings at 4096^3 and at 512x4096x4096
/// on an H100, bench/gpu/gemm.md).
llvm::ArrayRef<GemmWarpTileConfig> gemmWarpTileCandidates();

/// The first candidate that fits \p maxSharedBytes, divides \p args
/// (gemmWarpTileFits) and gives at least \p minGroups workgroups;
/// std::nullopt when none does (use gemm_tiled.comp).
std::optional<GemmWarpTileConfig>
chooseGemmWarpTile(const GemmKernelArgs &args, uint32_t maxSharedBytes,
                   uint64_t minGroups = kGemmWarpTileMinWorkgroups);

/// One dispatch of shaders/gemm_warptile.comp. \p cfg must satisfy
/// isValidGemmWarpTileConfig and \p args gemmWarpTileFits (asserted).
/// Operands and bindings as lowerGemmKernel: 0 = \p a, 1 = \p b, 2 = \p c
/// (\p a when !args.hasC, never read), 3 = \p y (written).
DispatchDesc lowerGemmWarpTile(const GemmKernelArgs &args,
                               const GemmWarpTileConfig &cfg, unsigned a,
                               unsigned b, unsigned c, unsigned y);

} // namespace tlc

#endif // TLC_OPS_GEMMLARGE_H
