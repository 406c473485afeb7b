//===- runtime/ShaderCheck.cpp - What a plan's shaders need ---------------===//
//
// The SPIR-V walk below only runs on modules SPIRV-Tools accepted, so word
// counts are known to be non-zero and in bounds; it still checks them, so a
// bug elsewhere cannot turn into an out-of-bounds read.
//
//===----------------------------------------------------------------------===//
#include "runtime/ShaderCheck.h"
#include "runtime/Parameters.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <spirv-tools/libspirv.hpp>

#include <array>
#include <cstring>

using namespace llvm;

namespace tlc {

// Opcodes, enumerants: SPIR-V specification 1.6, sections 3.6, 3.20, 3.32.
constexpr uint32_t kOpEntryPoint = 15, kOpExecutionMode = 16, kOpDecorate = 71;
constexpr uint32_t kOpCapability = 17;
constexpr uint32_t kOpTypeStruct = 30, kOpTypePointer = 32, kOpVariable = 59;
constexpr uint32_t kStorageClassUniform = 2;
constexpr uint32_t kDecorationBlock = 2;
constexpr uint32_t kExecutionModelGLCompute = 5;
constexpr uint32_t kExecutionModeLocalSize = 17;
constexpr uint32_t kDecorationBinding = 33, kDecorationDescriptorSet = 34;
constexpr size_t kHeaderWords = 5;

template <typename... Ts> static Error fail(const char *fmt, Ts &&...vals) {
  return createStringError(inconvertibleErrorCode(),
                           formatv(fmt, std::forward<Ts>(vals)...).str());
}

/// The literal string starting at word \p first of an instruction that
/// ends before word \p end (nul-terminated, packed little-endian).
static std::string literalString(ArrayRef<uint32_t> words, size_t first,
                                 size_t end) {
  std::string s;
  for (size_t w = first; w < end; ++w)
    for (unsigned b = 0; b < 4; ++b) {
      char c = char((words[w] >> (8 * b)) & 0xFF);
      if (c == 0)
        return s;
      s.push_back(c);
    }
  return s;
}

Expected<ShaderInterface> readShaderInterface(ArrayRef<uint32_t> words,
                                              StringRef what) {
  ShaderInterface iface;
  bool hasMain = false;
  uint32_t mainId = 0;
  // Descriptor set and binding per decorated variable id.
  DenseMap<uint32_t, uint32_t> sets, bindings;
  // For uniform blocks: struct ids decorated Block with their member
  // counts, pointer types (id -> (storage class, pointee)), and the
  // variables (id -> pointer type).
  DenseMap<uint32_t, int32_t> structMembers;
  DenseMap<uint32_t, bool> blockStructs;
  DenseMap<uint32_t, std::pair<uint32_t, uint32_t>> pointers;
  DenseMap<uint32_t, uint32_t> variables;
  SmallVector<std::pair<uint32_t, std::array<uint32_t, 3>>, 2> localSizes;
  for (size_t i = kHeaderWords; i < words.size();) {
    uint32_t opcode = words[i] & 0xFFFF, count = words[i] >> 16;
    if (count == 0 || i + count > words.size())
      return fail("{0}: malformed instruction at word {1}", what, i);
    if (opcode == kOpEntryPoint && count >= 4 &&
        words[i + 1] == kExecutionModelGLCompute &&
        literalString(words, i + 3, i + count) == "main") {
      hasMain = true;
      mainId = words[i + 2];
    } else if (opcode == kOpExecutionMode && count >= 6 &&
               words[i + 2] == kExecutionModeLocalSize) {
      localSizes.push_back(
          {words[i + 1], {words[i + 3], words[i + 4], words[i + 5]}});
    } else if (opcode == kOpCapability && count >= 2) {
      iface.capabilities.push_back(words[i + 1]);
    } else if (opcode == kOpDecorate && count >= 4) {
      if (words[i + 2] == kDecorationDescriptorSet)
        sets[words[i + 1]] = words[i + 3];
      else if (words[i + 2] == kDecorationBinding)
        bindings[words[i + 1]] = words[i + 3];
    } else if (opcode == kOpDecorate && count >= 3 &&
               words[i + 2] == kDecorationBlock) {
      blockStructs[words[i + 1]] = true;
    } else if (opcode == kOpTypeStruct && count >= 2) {
      structMembers[words[i + 1]] = int32_t(count - 2);
    } else if (opcode == kOpTypePointer && count >= 4) {
      pointers[words[i + 1]] = {words[i + 2], words[i + 3]};
    } else if (opcode == kOpVariable && count >= 4 &&
               words[i + 3] == kStorageClassUniform) {
      variables[words[i + 2]] = words[i + 1];
    }
    i += count;
  }
  if (!hasMain)
    return fail("{0}: no GLCompute entry point named 'main'", what);
  for (auto &entry : bindings) {
    auto set = sets.find(entry.first);
    uint32_t s = set == sets.end() ? 0 : set->second;
    if (s != 0)
      return fail("{0}: binding {1} is in descriptor set {2}; tlc binds "
                  "only set 0",
                  what, entry.second, s);
    iface.bindingCount = std::max(iface.bindingCount, entry.second + 1);
    // A Uniform-class variable whose pointee is a Block struct (a
    // BufferBlock struct there is an old-style storage buffer).
    auto var = variables.find(entry.first);
    if (var == variables.end())
      continue;
    auto ptr = pointers.find(var->second);
    if (ptr == pointers.end())
      continue;
    uint32_t pointee = ptr->second.second;
    auto members = structMembers.find(pointee);
    if (members == structMembers.end())
      iface.uniformBlocks.push_back({entry.second, -1});
    else if (blockStructs.count(pointee))
      iface.uniformBlocks.push_back({entry.second, members->second});
  }
  llvm::sort(iface.uniformBlocks);
  for (auto &ls : localSizes)
    if (ls.first == mainId)
      std::memcpy(iface.localSize, ls.second.data(), sizeof(iface.localSize));
  return iface;
}

Error checkShaderCapabilities(ArrayRef<uint32_t> capabilities,
                              uint32_t subgroupOperations,
                              uint32_t subgroupStages, StringRef what) {
  // SPIR-V capability -> (name, VkSubgroupFeatureFlagBits it needs).
  struct SubgroupCap {
    uint32_t capability;
    const char *name;
    VkSubgroupFeatureFlagBits feature;
    const char *featureName;
  };
  static const SubgroupCap kSubgroupCaps[] = {
      {61, "GroupNonUniform", VK_SUBGROUP_FEATURE_BASIC_BIT, "BASIC"},
      {62, "GroupNonUniformVote", VK_SUBGROUP_FEATURE_VOTE_BIT, "VOTE"},
      {63, "GroupNonUniformArithmetic", VK_SUBGROUP_FEATURE_ARITHMETIC_BIT,
       "ARITHMETIC"},
      {64, "GroupNonUniformBallot", VK_SUBGROUP_FEATURE_BALLOT_BIT, "BALLOT"},
      {65, "GroupNonUniformShuffle", VK_SUBGROUP_FEATURE_SHUFFLE_BIT,
       "SHUFFLE"},
      {66, "GroupNonUniformShuffleRelative",
       VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT, "SHUFFLE_RELATIVE"},
      {67, "GroupNonUniformClustered", VK_SUBGROUP_FEATURE_CLUSTERED_BIT,
       "CLUSTERED"},
      {68, "GroupNonUniformQuad", VK_SUBGROUP_FEATURE_QUAD_BIT, "QUAD"},
  };
  for (uint32_t cap : capabilities)
    for (const SubgroupCap &c : kSubgroupCaps) {
      if (c.capability != cap)
        continue;
      if (!(subgroupStages & VK_SHADER_STAGE_COMPUTE_BIT))
        return fail("{0}: uses subgroup operations (capability {1}), but this "
                    "device has none in compute shaders; compile the plan "
                    "with --target=cpu",
                    what, c.name);
      if (!(subgroupOperations & c.feature))
        return fail("{0}: needs capability {1} (subgroup feature "
                    "VK_SUBGROUP_FEATURE_{2}_BIT), which this device lacks; "
                    "compile the plan with --target=cpu",
                    what, c.name, c.featureName);
    }
  return Error::success();
}

Error checkStorageCapabilities(ArrayRef<uint32_t> capabilities,
                               bool storageBuffer16BitAccess, StringRef what) {
  const uint32_t kStorageBuffer16BitAccess = 4433; // SPIR-V 1.6, 3.31
  if (!storageBuffer16BitAccess &&
      llvm::is_contained(capabilities, kStorageBuffer16BitAccess))
    return fail("{0}: stores tensors as fp16 (capability "
                "StorageBuffer16BitAccess), but this device lacks the feature "
                "storageBuffer16BitAccess; compile the plan with "
                "--precision=fp32",
                what);
  return Error::success();
}

TensorCoreFeatures enabledTensorCoreFeatures(const DeviceInfo &device) {
  TensorCoreFeatures f;
  if (!device.cooperativeMatrixNV)
    return f;
  f.cooperativeMatrix = f.shaderFloat16 = f.vulkanMemoryModel = true;
  f.vulkanMemoryModelDeviceScope = device.vulkanMemoryModelDeviceScope;
  return f;
}

Error checkTensorCoreCapabilities(ArrayRef<uint32_t> capabilities,
                                  const TensorCoreFeatures &enabled,
                                  StringRef what) {
  struct TensorCoreCap {
    uint32_t capability; // SPIR-V 1.6, 3.31
    const char *name;
    bool TensorCoreFeatures::*feature;
    const char *featureName;
    const char *extension;
  };
  static const TensorCoreCap kTensorCoreCaps[] = {
      {5357, "CooperativeMatrixNV", &TensorCoreFeatures::cooperativeMatrix,
       "cooperativeMatrix", "VK_NV_cooperative_matrix"},
      {9, "Float16", &TensorCoreFeatures::shaderFloat16, "shaderFloat16",
       "VK_KHR_shader_float16_int8"},
      {5345, "VulkanMemoryModel", &TensorCoreFeatures::vulkanMemoryModel,
       "vulkanMemoryModel", "VK_KHR_vulkan_memory_model"},
      {5346, "VulkanMemoryModelDeviceScope",
       &TensorCoreFeatures::vulkanMemoryModelDeviceScope,
       "vulkanMemoryModelDeviceScope", "VK_KHR_vulkan_memory_model"},
  };
  for (const TensorCoreCap &c : kTensorCoreCaps)
    if (!(enabled.*c.feature) && llvm::is_contained(capabilities, c.capability))
      return fail("{0}: declares capability {1}, which needs the device "
                  "feature {2} ({3}); it is not enabled on this device (tlc "
                  "enables it only where the device offers "
                  "VK_NV_cooperative_matrix with cooperativeMatrix, "
                  "shaderFloat16 and vulkanMemoryModel; see 'tlc devices'); "
                  "compile the plan with --target=gpu (no tensor cores)",
                  what, c.name, c.featureName, c.extension);
  return Error::success();
}

Error checkPlanShaders(const Plan &plan, const VkPhysicalDeviceLimits &limits,
                       const DeviceInfo &device) {
  spvtools::SpirvTools tools(SPV_ENV_VULKAN_1_1);
  std::string messages;
  tools.SetMessageConsumer([&](spv_message_level_t, const char *,
                               const spv_position_t &pos, const char *msg) {
    messages += formatv("{0}word {1}: {2}", messages.empty() ? "" : "; ",
                        pos.index, msg)
                    .str();
  });
  SmallVector<ShaderInterface, 8> ifaces;
  for (size_t s = 0; s < plan.shaders.size(); ++s) {
    const PlanShader &shader = plan.shaders[s];
    std::string what = formatv("shaders[{0}] ('{1}')", s, shader.name).str();
    messages.clear();
    if (shader.spirv.empty() ||
        !tools.Validate(shader.spirv.data(), shader.spirv.size()))
      return fail("{0}: invalid SPIR-V for Vulkan 1.1: {1}", what,
                  shader.spirv.empty() ? "empty module" : messages);
    Expected<ShaderInterface> iface = readShaderInterface(shader.spirv, what);
    if (!iface)
      return iface.takeError();
    Expected<SpirvInterface> decls = readSpirvInterface(shader.spirv);
    if (!decls)
      return fail("{0}: {1}", what, toString(decls.takeError()));
    iface->specConstants = std::move(decls->specConstants);
    const uint32_t *size = iface->localSize;
    for (unsigned d = 0; d < 3; ++d)
      if (size[d] > limits.maxComputeWorkGroupSize[d])
        return fail("{0}: workgroup size {1} in dimension {2}; the device "
                    "allows at most {3} (maxComputeWorkGroupSize[{2}])",
                    what, size[d], d, limits.maxComputeWorkGroupSize[d]);
    uint64_t invocations = uint64_t(size[0]) * size[1] * size[2];
    if (invocations > limits.maxComputeWorkGroupInvocations)
      return fail("{0}: {1} invocations per workgroup ({2}x{3}x{4}); the "
                  "device allows at most {5} "
                  "(maxComputeWorkGroupInvocations)",
                  what, invocations, size[0], size[1], size[2],
                  limits.maxComputeWorkGroupInvocations);
    if (Error e = checkShaderCapabilities(iface->capabilities,
                                          device.subgroupOperations,
                                          device.subgroupStages, what))
      return e;
    if (Error e = checkStorageCapabilities(
            iface->capabilities, device.storageBuffer16BitAccess, what))
      return e;
    if (Error e = checkTensorCoreCapabilities(
            iface->capabilities, enabledTensorCoreFeatures(device), what))
      return e;
    ifaces.push_back(*iface);
  }
  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const PlanCommand &cmd = plan.commands[c];
    if (cmd.kind != CommandKind::Dispatch)
      continue;
    const ShaderInterface &iface = ifaces[cmd.shader];
    StringRef shaderName = plan.shaders[cmd.shader].name;
    uint32_t need = iface.bindingCount;
    uint32_t n = uint32_t(cmd.bindings.size());
    if (!bindsDims(cmd) && n != need)
      return fail("commands[{0}] ('{1}'): binds {2} tensors but shader '{3}' "
                  "uses bindings 0..{4}",
                  c, cmd.label, n, shaderName, int64_t(need) - 1);
    if (bindsDims(cmd) && n + 1 != need)
      return fail("commands[{0}] ('{1}'): binds {2} tensors and its run-time "
                  "dims at binding {2}, but shader '{3}' uses bindings "
                  "0..{4}",
                  c, cmd.label, n, shaderName, int64_t(need) - 1);
    for (uint32_t k = 0; k < n; ++k)
      if (iface.uniformBlock(k))
        return fail("commands[{0}] ('{1}'): shader '{2}' declares binding {3} "
                    "as a uniform block; tlc binds tensor {4} there as a "
                    "storage buffer{5}",
                    c, cmd.label, shaderName, k, cmd.bindings[k],
                    cmd.dynamic ? "" : " (a static dispatch of a dyn build?)");
    if (bindsDims(cmd)) {
      const auto *block = iface.uniformBlock(n);
      if (!block)
        return fail("commands[{0}] ('{1}'): a dynamic dispatch with {2} "
                    "run-time dims, but shader '{3}' has no uniform block at "
                    "binding {4} (not its dyn build?)",
                    c, cmd.label, cmd.dimExprs.size(), shaderName, n);
      if (block->second != int32_t(cmd.dimExprs.size()))
        return fail("commands[{0}] ('{1}'): passes {2} run-time dims, but the "
                    "uniform block of shader '{3}' at binding {4} has {5} "
                    "members",
                    c, cmd.label, cmd.dimExprs.size(), shaderName, n,
                    block->second);
    }
    if (cmd.dynamic)
      continue; // its dims' ids may be absent from the dyn build
    ShaderInterfaceRef decls{iface.specConstants, {}};
    uint32_t largest =
        iface.specConstants.empty() ? 0 : iface.specConstants.back().id;
    for (uint32_t id = 0; id < cmd.specConstants.size(); ++id) {
      if (decls.specConstant(id))
        continue;
      if (iface.specConstants.empty() || id > largest)
        return fail("commands[{0}] ('{1}'): passes specialization constant "
                    "id {2}, but shader '{3}' declares {4}",
                    c, cmd.label, id, shaderName,
                    iface.specConstants.empty()
                        ? std::string("none")
                        : formatv("ids up to {0}", largest).str());
      if (cmd.specConstants[id] != 0)
        return fail("commands[{0}] ('{1}'): passes specialization constant "
                    "id {2} = {3:x}, but shader '{4}' declares no constant "
                    "with that id (only 0 may pad such an id)",
                    c, cmd.label, id, cmd.specConstants[id], shaderName);
    }
  }
  return Error::success();
}

} // namespace tlc
