//===- runtime/ShaderCheck.h - What a plan's shaders need -------*- C++ -*-===//
//
// Before LoadedPlan::load allocates anything, every SPIR-V module of the plan
// is validated (SPIRV-Tools, Vulkan 1.1 environment) and its interface read:
// a compute entry point named "main", the storage-buffer bindings it uses
// (all in descriptor set 0) and its workgroup size. A corrupt or mismatched
// .tlp is then refused with an error naming the shader and the dispatch,
// instead of reaching the driver as undefined behavior.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_SHADERCHECK_H
#define TLC_RUNTIME_SHADERCHECK_H

#include "codegen/Plan.h"
#include "runtime/Runtime.h"
#include "spirv/SpirvInterface.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <vulkan/vulkan.h>

#include <cstdint>

namespace tlc {

/// The interface of one compute shader, read from its SPIR-V.
struct ShaderInterface {
  /// One more than the largest `binding` decoration of set 0; 0 when the
  /// shader declares no descriptor.
  uint32_t bindingCount = 0;
  /// LocalSize execution mode (x, y, z); all 0 when the size is given by
  /// LocalSizeId (specialization constants), which is not checked here.
  uint32_t localSize[3] = {0, 0, 0};
  /// Every OpCapability the module declares (SPIR-V 1.6 section 3.31).
  llvm::SmallVector<uint32_t, 8> capabilities;
  /// Its specialization constants, sorted by SpecId (readSpirvInterface).
  llvm::SmallVector<SpecConstantDecl, 24> specConstants;
  /// The uniform blocks (storage class Uniform, a struct decorated Block) of
  /// set 0, as (binding, member count; -1 when the variable's type is not
  /// a struct itself, e.g. an array of blocks), sorted by binding. The dyn
  /// build of a shader declares one, its run-time dims (shaders/dims.glsl);
  /// every other binding tlc binds is a storage buffer.
  llvm::SmallVector<std::pair<uint32_t, int32_t>, 1> uniformBlocks;
  /// The uniform block at \p binding, or nullptr.
  const std::pair<uint32_t, int32_t> *uniformBlock(uint32_t binding) const {
    for (const auto &u : uniformBlocks)
      if (u.first == binding)
        return &u;
    return nullptr;
  }
};

/// Reads the interface of a module that SPIRV-Tools has already validated
/// (SPIR-V specification 1.6, section 2.3 "Physical Layout", and 3.32
/// "Instructions": OpEntryPoint, OpExecutionMode, OpDecorate). Errors when
/// there is no GLCompute entry point "main" or when a descriptor is in a set
/// other than 0; \p what names the shader in errors.
llvm::Expected<ShaderInterface>
readShaderInterface(llvm::ArrayRef<uint32_t> words, llvm::StringRef what);

/// Checks that a device whose subgroups support the operations
/// \p subgroupOperations (VkSubgroupFeatureFlags) in the stages
/// \p subgroupStages (VkShaderStageFlags) can run a compute shader declaring
/// \p capabilities: each GroupNonUniform* capability needs its feature bit
/// (Vulkan 1.3 spec, appendix "SPIR-V Environment", table "List of SPIR-V
/// Capabilities and corresponding Vulkan features") and compute in the
/// stages. Other capabilities are left to validation and the driver. Errors
/// name \p what, the capability and the missing feature.
llvm::Error checkShaderCapabilities(llvm::ArrayRef<uint32_t> capabilities,
                                    uint32_t subgroupOperations,
                                    uint32_t subgroupStages,
                                    llvm::StringRef what);

/// Checks that a device with (or without) the Vulkan 1.1 feature
/// storageBuffer16BitAccess can run a shader declaring \p capabilities:
/// capability StorageBuffer16BitAccess (fp16 storage, --precision=fp16)
/// needs it (Vulkan 1.3 spec, appendix "SPIR-V Environment"). Errors name
/// \p what and suggest --precision=fp32.
llvm::Error checkStorageCapabilities(llvm::ArrayRef<uint32_t> capabilities,
                                     bool storageBuffer16BitAccess,
                                     llvm::StringRef what);

/// The device features behind the capabilities of tensor-core shaders, as
/// the runtime enables them on a VkDevice.
struct TensorCoreFeatures {
  bool cooperativeMatrix = false;            // VK_NV_cooperative_matrix
  bool shaderFloat16 = false;                // VK_KHR_shader_float16_int8
  bool vulkanMemoryModel = false;            // VK_KHR_vulkan_memory_model
  bool vulkanMemoryModelDeviceScope = false; // VK_KHR_vulkan_memory_model
};

/// The tensor-core features Device::create enables on \p device: all of them
/// (vulkanMemoryModelDeviceScope where offered) when
/// DeviceInfo::cooperativeMatrixNV, else none, even those the device offers.
TensorCoreFeatures enabledTensorCoreFeatures(const DeviceInfo &device);

/// Checks that a device with the features \p enabled can run a shader
/// declaring \p capabilities: CooperativeMatrixNV needs cooperativeMatrix,
/// Float16 needs shaderFloat16, VulkanMemoryModel needs vulkanMemoryModel and
/// VulkanMemoryModelDeviceScope needs vulkanMemoryModelDeviceScope (Vulkan 1.3
/// spec, appendix "SPIR-V Environment", table "List of SPIR-V Capabilities
/// and corresponding Vulkan features"; SPIR-V 1.6 section 3.31). Capabilities
/// are checked in that order. Errors name \p what, the capability and the
/// feature, and suggest compiling the plan with --target=gpu (no tensor
/// cores).
llvm::Error checkTensorCoreCapabilities(llvm::ArrayRef<uint32_t> capabilities,
                                        const TensorCoreFeatures &enabled,
                                        llvm::StringRef what);

/// Validates every shader of \p plan and checks it against \p limits
/// (maxComputeWorkGroupSize, maxComputeWorkGroupInvocations), against the
/// device's subgroup support (checkShaderCapabilities, from \p device), fp16
/// storage (checkStorageCapabilities) and tensor-core features
/// (checkTensorCoreCapabilities with enabledTensorCoreFeatures(\p device)),
/// and against the dispatches that use it:
///  - each binds exactly the shader's bindingCount descriptors: its
///    bindings.size() tensors, as storage buffers (no uniform block among
///    them), plus, for a dispatch that bindsDims (runtime/Parameters.h), a
///    uniform block at binding bindings.size() with exactly dimExprs.size()
///    members (the dyn build's dims block);
///  - each passes specialization constants by position (constant_id i =
///    specConstants[i]; the plan has no types): every id must be a SpecId of
///    the module, except an id below the module's largest SpecId whose word
///    is 0, the padding codegen writes for ids a shader lacks
///    (spec::unused). Constants past the last one passed keep the shader's
///    defaults (DispatchDesc::specTailDefaults). A dynamic dispatch may pass
///    any id: its specConstants keep the upper bounds of the dims that its
///    shader's dyn build reads from the dims block instead (Vulkan ignores a
///    map entry for an id the module lacks).
/// Errors name "shaders[i] ('name')" or "commands[i] ('label')", the shader,
/// and the constant id or the numbers.
llvm::Error checkPlanShaders(const Plan &plan,
                             const VkPhysicalDeviceLimits &limits,
                             const DeviceInfo &device);

} // namespace tlc

#endif // TLC_RUNTIME_SHADERCHECK_H
