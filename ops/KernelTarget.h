//===- ops/KernelTarget.h - What kernels may assume about the device -*- C++ -*-===//
//
// Plans are compiled ahead of time, but the best kernel for an op depends on
// the device: a GPU wants shared-memory tiles and wide workgroups, a CPU
// implementation such as lavapipe wants register blocking and no barriers.
// The compiler therefore lowers for a target profile (`tlc compile
// --target=cpu|gpu|auto`). A profile only tunes performance: every kernel
// must stay correct on any Vulkan 1.1 device that meets the profile's
// limits (shared memory, subgroup operations), lavapipe included, so a plan
// compiled for "gpu" still runs, slower, on lavapipe.
//
// Lowering functions receive the profile as an argument (OpDef::lower); the
// compiler passes the one given to compileGraph.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_KERNELTARGET_H
#define TLC_OPS_KERNELTARGET_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace tlc {

/// The device profile kernels are chosen and tuned for.
struct KernelTarget {
  enum class Kind : uint8_t { Cpu, Gpu };
  Kind kind = Kind::Cpu;
  /// Profile name as given to --target ("cpu", "gpu").
  std::string name = "cpu";
  /// Subgroup size kernels may tune for (invocations); kernels must still be
  /// correct for any subgroup size.
  uint32_t subgroupSize = 8;
  /// Shared memory one workgroup may use, bytes. Vulkan guarantees 16384
  /// (maxComputeSharedMemorySize, Vulkan 1.3 spec table "Required Limits");
  /// the "gpu" profile assumes 32768, which every desktop GPU and lavapipe
  /// provide (NVIDIA 49152, AMD and Intel 65536, lavapipe 32768); "gpu-nv"
  /// (NVIDIA only) 49152.
  uint32_t maxSharedMemoryBytes = 16384;
  /// Subgroup arithmetic (subgroupAdd, subgroupMax: Vulkan 1.3 spec,
  /// VkSubgroupFeatureFlagBits ARITHMETIC, in compute shaders) may be used by
  /// reductions (LayerNormalization, Softmax). Every desktop GPU driver and
  /// lavapipe provide it; Vulkan 1.1 does not guarantee it, so the runtime
  /// refuses plans using it on devices without (runtime/ShaderCheck.cpp).
  bool subgroupArithmetic = false;
  /// VK_NV_cooperative_matrix may be used (fp16 tensor cores; the "gpu-nv"
  /// profile): Gemm and MatMul with fp16 storage then run on
  /// shaders/gemm_coopmat_f16.comp. Plans using it are refused by devices
  /// without the extension (runtime/ShaderCheck.cpp); "gpu" is the fallback.
  bool cooperativeMatrixNV = false;
  /// Set while lowering a node whose float tensors are stored as binary16
  /// (passes/F16Storage.cpp and the codegen install a copy of the target
  /// with it): kernels that exist only for fp16 storage (tensor cores) may
  /// be chosen. Not a profile setting.
  bool f16Storage = false;

  bool isGpu() const { return kind == Kind::Gpu; }
};

/// The built-in profiles: "cpu" (lavapipe and other CPU implementations),
/// "gpu" (discrete and integrated GPUs) and "gpu-nv" (gpu plus NVIDIA
/// tensor cores through VK_NV_cooperative_matrix, used by fp16 storage).
/// Errors name the unknown profile.
llvm::Expected<KernelTarget> kernelTargetByName(llvm::StringRef name);

} // namespace tlc

#endif // TLC_OPS_KERNELTARGET_H
