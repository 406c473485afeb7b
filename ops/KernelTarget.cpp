//===- ops/KernelTarget.cpp - Device profiles for lowering ----------------===//
#include "ops/KernelTarget.h"

using namespace llvm;

namespace tlc {

Expected<KernelTarget> kernelTargetByName(StringRef name) {
  KernelTarget t;
  if (name == "cpu")
    return t;
  if (name == "gpu" || name == "gpu-nv") {
    t.kind = KernelTarget::Kind::Gpu;
    t.name = name.str();
    t.subgroupSize = 32;
    // NVIDIA GPUs give a workgroup 49152 bytes (maxComputeSharedMemorySize).
    t.maxSharedMemoryBytes = name == "gpu-nv" ? 49152 : 32768;
    t.subgroupArithmetic = true;
    t.cooperativeMatrixNV = name == "gpu-nv";
    return t;
  }
  return createStringError(inconvertibleErrorCode(),
                           "unknown target '%s'; expected cpu, gpu or gpu-nv",
                           name.str().c_str());
}

} // namespace tlc
