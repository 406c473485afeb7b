//===- ops/GemmLarge.cpp - Lowering to shaders/gemm_warptile.comp ---------===//
//
// Checks a warp tiling against the shader's rules and the problem's shape,
// and fills the shader's constants (0..22 as gemm_tiled.comp, 23..32 the
// tiling).
//
//===----------------------------------------------------------------------===//
#include "ops/GemmLarge.h"
#include "ops/OpUtil.h"

#include <algorithm>
#include <cassert>

namespace tlc {

/// Block rows swept together (GROUP_M): as gemm_tiled.comp's.
static constexpr uint32_t kWarpTileGroupM = 8;

std::string GemmWarpTileConfig::str() const {
  std::string s = std::to_string(bm) + "x" + std::to_string(bn) + "x" +
                  std::to_string(bk) + "/" + std::to_string(wm) + "x" +
                  std::to_string(wn) + "/" + std::to_string(tm) + "x" +
                  std::to_string(tn);
  if (pad != 4)
    s += "/p" + std::to_string(pad);
  return s;
}

bool isValidGemmWarpTileConfig(const GemmWarpTileConfig &cfg,
                               uint32_t maxSharedBytes) {
  if (cfg.tm == 0 || cfg.tn == 0 || cfg.tm % 4 || cfg.tn % 4 || cfg.pad % 4 ||
      cfg.wm == 0 || cfg.wn == 0 || cfg.wm % cfg.tm || cfg.wn % cfg.tn ||
      (cfg.wm / cfg.tm) * (cfg.wn / cfg.tn) != 32 || cfg.bm == 0 ||
      cfg.bn == 0 || cfg.bm % cfg.wm || cfg.bn % cfg.wn || cfg.bk == 0 ||
      cfg.bk % 4)
    return false;
  uint32_t threads = cfg.threads();
  if (threads < 32 || threads > 1024)
    return false;
  for (uint32_t rows : {cfg.bm, cfg.bn}) {
    uint32_t vec4s = rows * cfg.bk / 4;
    if (vec4s % threads || vec4s / threads == 0 || vec4s / threads > 8)
      return false;
  }
  return cfg.sharedBytes() <= maxSharedBytes;
}

bool gemmWarpTileFits(const GemmKernelArgs &args,
                      const GemmWarpTileConfig &cfg) {
  if (args.m % cfg.bm || args.n % cfg.bn || args.k % cfg.bk || args.n % 4)
    return false;
  if ((args.transA ? args.m : args.k) % 4 ||
      (args.transB ? args.k : args.n) % 4)
    return false;
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i)
    if (args.aBatchStride[i] % 4 || args.bBatchStride[i] % 4)
      return false;
  // The shader indexes with 32-bit offsets.
  uint64_t batch = args.batchCount();
  if (batch * args.m * args.n >= (uint64_t(1) << 32))
    return false;
  return args.n / cfg.bn <= kGemmMaxGroups &&
         args.m / cfg.bm <= kGemmMaxGroups && batch <= kGemmMaxGroups;
}

llvm::ArrayRef<GemmWarpTileConfig> gemmWarpTileCandidates() {
  // H100, 4096^3: 42.5 TFLOP/s where gemm_tiled.comp reached 38.6 and cuBLAS
  // 50.4-51.0 in the same runs; 512x4096x4096: 64x128 blocks 37.1 where
  // gemm_tiled.comp's choice reached 25.5 (bench/gpu/gemm.md, 2026-11-22).
  static const GemmWarpTileConfig kCandidates[] = {
      {128, 128, 8, 64, 64, 16, 8, 4}, // 128 invocations, 16.5 KiB shared
      {64, 128, 8, 64, 64, 16, 8, 4},  // 64 invocations, 12.4 KiB shared
  };
  return kCandidates;
}

std::optional<GemmWarpTileConfig> chooseGemmWarpTile(const GemmKernelArgs &args,
                                                     uint32_t maxSharedBytes,
                                                     uint64_t minGroups) {
  for (const GemmWarpTileConfig &cfg : gemmWarpTileCandidates()) {
    if (!isValidGemmWarpTileConfig(cfg, maxSharedBytes) ||
        !gemmWarpTileFits(args, cfg))
      continue;
    uint64_t groups =
        uint64_t(args.m / cfg.bm) * (args.n / cfg.bn) * args.batchCount();
    if (groups >= minGroups)
      return cfg;
  }
  return std::nullopt;
}

DispatchDesc lowerGemmWarpTile(const GemmKernelArgs &args,
                               const GemmWarpTileConfig &cfg, unsigned a,
                               unsigned b, unsigned c, unsigned y) {
  assert(isValidGemmWarpTileConfig(cfg, ~0u) && "invalid warp tiling");
  assert(gemmWarpTileFits(args, cfg) && "shape does not fit the warp tiling");
  DispatchDesc d;
  d.shader = "gemm_warptile";
  uint32_t batch = uint32_t(args.batchCount());
  d.specConstants = spec::u32s({args.m, args.n, args.k, uint32_t(args.transA),
                                uint32_t(args.transB), floatBits(args.alpha),
                                floatBits(args.beta), uint32_t(args.hasC),
                                args.cStrideM, args.cStrideN, batch});
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i)
    d.specConstants.push_back(spec::u32(args.batchDims[i]));
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i)
    d.specConstants.push_back(spec::u32(args.aBatchStride[i]));
  for (unsigned i = 0; i < kGemmMaxBatchDims; ++i)
    d.specConstants.push_back(spec::u32(args.bBatchStride[i]));
  // Constants 23..32 (30 is the workgroup size).
  llvm::append_range(
      d.specConstants,
      spec::u32s({cfg.bm, cfg.bn, cfg.bk, cfg.wm, cfg.wn, cfg.tm, cfg.tn,
                  cfg.threads(), kWarpTileGroupM, cfg.pad}));
  d.operands = {a, b, args.hasC ? c : a, y};
  d.writes = {3};
  d.groups[0] = args.n / cfg.bn;
  d.groups[1] = args.m / cfg.bm;
  d.groups[2] = batch;
  return d;
}

} // namespace tlc
