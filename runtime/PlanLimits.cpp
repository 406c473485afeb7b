//===- runtime/PlanLimits.cpp - Does a plan fit this device? --------------===//
//
// Pure checks on the Plan and the limits read at Device::create; nothing
// here calls Vulkan, so a refusal costs no allocation. Sizes in messages go
// through formatBytes ("2.0 GiB (2147483648 bytes)").
//
//===----------------------------------------------------------------------===//
#include "runtime/PlanLimits.h"

#include "runtime/VkCheck.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace tlc {

template <typename... Ts> static Error fail(const char *fmt, Ts &&...vals) {
  return createStringError(inconvertibleErrorCode(),
                           formatv(fmt, std::forward<Ts>(vals)...).str());
}

static Error checkTensorIndex(const Plan &plan, uint64_t t,
                              const std::string &where) {
  if (t >= plan.tensors.size())
    return fail("{0}: tensor {1} out of range ({2} tensors)", where, t,
                plan.tensors.size());
  return Error::success();
}

Error checkPlanForRuntime(const Plan &plan) {
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    const PlanTensor &t = plan.tensors[i];
    if (t.buffer >= plan.buffers.size())
      return fail("tensors[{0}].buffer: buffer {1} out of range ({2} buffers)",
                  i, t.buffer, plan.buffers.size());
    uint64_t size = plan.buffers[t.buffer].bytes;
    if (t.bytes == 0 || t.offset > size || t.bytes > size - t.offset)
      return fail("tensors[{0}] ('{1}'): bytes [{2}, {2}+{3}) are not inside "
                  "buffer {4} ({5} bytes)",
                  i, t.name, t.offset, t.bytes, t.buffer, size);
  }
  int weights = -1;
  for (size_t b = 0; b < plan.buffers.size(); ++b) {
    if (plan.buffers[b].bytes == 0)
      return fail("buffers[{0}].bytes: must be > 0", b);
    if (plan.buffers[b].role != BufferRole::Weights)
      continue;
    if (weights >= 0)
      return fail("buffers[{0}]: a second Weights buffer (first is {1})", b,
                  weights);
    weights = int(b);
  }
  if (!plan.weights.empty() &&
      (weights < 0 || plan.weights.size() > plan.buffers[weights].bytes))
    return fail("weights: {0} bytes do not fit the Weights buffer ({1})",
                plan.weights.size(),
                weights < 0
                    ? std::string("none")
                    : std::to_string(plan.buffers[weights].bytes) + " bytes");
  auto checkIo = [&](ArrayRef<uint32_t> list, const char *field,
                     BufferRole role) -> Error {
    for (size_t i = 0; i < list.size(); ++i) {
      std::string where = formatv("{0}[{1}]", field, i).str();
      if (Error e = checkTensorIndex(plan, list[i], where))
        return e;
      const PlanTensor &t = plan.tensors[list[i]];
      if (plan.buffers[t.buffer].role != role)
        return fail("{0}: tensor {1} ('{2}') is in buffer {3}, a {4} buffer; "
                    "expected a {5} buffer",
                    where, list[i], t.name, t.buffer,
                    bufferRoleName(plan.buffers[t.buffer].role),
                    bufferRoleName(role));
    }
    return Error::success();
  };
  if (Error e = checkIo(plan.inputs, "inputs", BufferRole::Input))
    return e;
  if (Error e = checkIo(plan.outputs, "outputs", BufferRole::Output))
    return e;
  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const PlanCommand &cmd = plan.commands[c];
    if (cmd.kind == CommandKind::Dispatch) {
      if (cmd.shader >= plan.shaders.size())
        return fail("commands[{0}].shader: shader {1} out of range ({2} "
                    "shaders)",
                    c, cmd.shader, plan.shaders.size());
      for (size_t k = 0; k < cmd.bindings.size(); ++k)
        if (Error e = checkTensorIndex(
                plan, cmd.bindings[k],
                formatv("commands[{0}].bindings[{1}]", c, k).str()))
          return e;
    } else if (cmd.kind == CommandKind::Release) {
      std::string where = formatv("commands[{0}].tensor", c).str();
      if (Error e = checkTensorIndex(plan, cmd.tensor, where))
        return e;
      const PlanTensor &t = plan.tensors[cmd.tensor];
      if (t.offset % 4)
        return fail("{0}: released tensor {1} ('{2}') at offset {3}: must "
                    "be a multiple of 4",
                    where, cmd.tensor, t.name, t.offset);
    }
  }
  return Error::success();
}

Error checkPlanAgainstDevice(const Plan &plan, const Device::Impl &d) {
  const DeviceInfo &info = d.info;
  const VkPhysicalDeviceLimits &lim = d.limits;
  std::string dev = formatv("device {0} ({1})", info.index, info.name).str();

  if (plan.alignment == 0 ||
      plan.alignment % info.minStorageBufferOffsetAlignment != 0)
    return fail("plan alignment is {0} bytes; {1} needs a multiple of "
                "minStorageBufferOffsetAlignment = {2} bytes",
                plan.alignment, dev, info.minStorageBufferOffsetAlignment);

  for (size_t b = 0; b < plan.buffers.size(); ++b)
    if (plan.buffers[b].bytes > info.maxMemoryAllocationSize)
      return fail("plan buffer {0} ({1}) needs {2}; {3} allows at most {4} "
                  "per allocation (maxMemoryAllocationSize)",
                  b, bufferRoleName(plan.buffers[b].role),
                  formatBytes(plan.buffers[b].bytes), dev,
                  formatBytes(info.maxMemoryAllocationSize));

  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const PlanCommand &cmd = plan.commands[c];
    if (cmd.kind != CommandKind::Dispatch)
      continue;
    for (unsigned i = 0; i < 3; ++i)
      if (cmd.groups[i] > lim.maxComputeWorkGroupCount[i])
        return fail("commands[{0}] ('{1}'): {2} workgroups in dimension {3}; "
                    "{4} allows at most {5} (maxComputeWorkGroupCount[{3}])",
                    c, cmd.label, cmd.groups[i], i, dev,
                    lim.maxComputeWorkGroupCount[i]);
    if (cmd.bindings.size() > lim.maxPerStageDescriptorStorageBuffers)
      return fail("commands[{0}] ('{1}'): {2} storage-buffer bindings; {3} "
                  "allows at most {4} (maxPerStageDescriptorStorageBuffers)",
                  c, cmd.label, cmd.bindings.size(), dev,
                  lim.maxPerStageDescriptorStorageBuffers);
    for (size_t k = 0; k < cmd.bindings.size(); ++k) {
      const PlanTensor &t = plan.tensors[cmd.bindings[k]];
      if (t.bytes > info.maxStorageBufferRange)
        return fail("commands[{0}] ('{1}') binding {2}: tensor '{3}' in plan "
                    "buffer {4} needs a {5} binding; {6} allows at most {7} "
                    "(maxStorageBufferRange)",
                    c, cmd.label, k, t.name, t.buffer, formatBytes(t.bytes),
                    dev, formatBytes(info.maxStorageBufferRange));
    }
  }

  // Bytes per memory heap: device-local plan buffers, the input and output
  // staging buffers, and the weights staging buffer (alive during load).
  SmallVector<uint64_t, 4> need(d.memory.memoryHeapCount, 0);
  SmallVector<unsigned, 4> count(d.memory.memoryHeapCount, 0);
  auto add = [&](MemoryKind kind, uint64_t bytes) {
    uint32_t h = d.heapOf(kind);
    need[h] += bytes;
    ++count[h];
  };
  for (const PlanBuffer &b : plan.buffers) {
    add(MemoryKind::DeviceLocal, b.bytes);
    if (b.role == BufferRole::Input)
      add(MemoryKind::Upload, b.bytes);
    else if (b.role == BufferRole::Output)
      add(MemoryKind::Readback, b.bytes);
    else if (b.role == BufferRole::Weights && !plan.weights.empty())
      add(MemoryKind::Upload, plan.weights.size());
  }
  for (uint32_t h = 0; h < d.memory.memoryHeapCount; ++h)
    if (need[h] > d.memory.memoryHeaps[h].size)
      return fail("plan needs {0} in {1} buffers (plan buffers and staging) "
                  "on memory heap {2}; {3} heap {2} has {4}",
                  formatBytes(need[h]), count[h], h, dev,
                  formatBytes(d.memory.memoryHeaps[h].size));
  return Error::success();
}

} // namespace tlc
