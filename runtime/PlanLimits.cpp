//===- runtime/PlanLimits.cpp - Does a plan fit this device? --------------===//
//
// Pure checks on the Plan and the limits read at Device::create; nothing
// here calls Vulkan, so a refusal costs no allocation. Sizes in messages go
// through formatBytes ("2.0 GiB (2147483648 bytes)").
//
//===----------------------------------------------------------------------===//
#include "runtime/PlanLimits.h"

#include "runtime/Parameters.h"
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
  // Plans for shape ranges: every expression index in range, dims per
  // tensor dim, symbols with a range, and every symbol read off an input.
  auto checkExpr = [&](uint64_t e, const std::string &where) -> Error {
    if (e >= plan.exprs.size())
      return fail("{0}: expression {1} out of range ({2} expressions)", where,
                  e, plan.exprs.size());
    return Error::success();
  };
  for (size_t k = 0; k < plan.symbols.size(); ++k) {
    const PlanSymbol &s = plan.symbols[k];
    if (s.min < 0 || s.min > s.max)
      return fail("symbols[{0}] ('{1}'): range [{2}, {3}] is not a range of "
                  "dims (0 <= min <= max)",
                  k, s.name, s.min, s.max);
  }
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    const PlanTensor &t = plan.tensors[i];
    if (t.dims.empty())
      continue;
    if (t.dims.size() != t.type.shape.size())
      return fail("tensors[{0}] ('{1}').dims: {2} expressions for a tensor of "
                  "rank {3}",
                  i, t.name, t.dims.size(), t.type.shape.size());
    for (size_t d = 0; d < t.dims.size(); ++d)
      if (Error e = checkExpr(t.dims[d],
                              formatv("tensors[{0}].dims[{1}]", i, d).str()))
        return e;
  }
  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const PlanCommand &cmd = plan.commands[c];
    if (!cmd.dynamic) {
      if (!cmd.dimExprs.empty())
        return fail("commands[{0}] ('{1}'): run-time dims (dimExprs) on a "
                    "command that is not a dynamic dispatch",
                    c, cmd.label);
      continue;
    }
    if (cmd.kind != CommandKind::Dispatch)
      return fail("commands[{0}]: only a dispatch can be dynamic", c);
    for (size_t k = 0; k < cmd.dimExprs.size(); ++k)
      if (Error e =
              checkExpr(cmd.dimExprs[k],
                        formatv("commands[{0}].dimExprs[{1}]", c, k).str()))
        return e;
    for (size_t k = 0; k < 3; ++k)
      if (Error e =
              checkExpr(cmd.groupExprs[k],
                        formatv("commands[{0}].groupExprs[{1}]", c, k).str()))
        return e;
  }
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
    if (bindsDims(cmd) &&
        dimsBlockBytes(cmd.dimExprs.size()) > lim.maxUniformBufferRange)
      return fail("commands[{0}] ('{1}'): {2} run-time dims need a {3}-byte "
                  "uniform block; {4} allows at most {5} "
                  "(maxUniformBufferRange)",
                  c, cmd.label, cmd.dimExprs.size(),
                  dimsBlockBytes(cmd.dimExprs.size()), dev,
                  lim.maxUniformBufferRange);
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
  // staging buffers, the weights staging buffer (alive during load), and
  // for a plan with dynamic dispatches the parameters buffer and its
  // staging copy.
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
  // Plans for shape ranges: every expression evaluates, and every dims
  // word, group count and tensor dim fits, at the symbols' minima and at
  // their maxima (run() checks each shape again).
  ParamLayout params =
      layoutParameters(plan, lim.minUniformBufferOffsetAlignment);
  bool dynamic = params.bytes > 0 || !plan.symbols.empty();
  for (int corner = 0; dynamic && corner < 2; ++corner) {
    SmallVector<int64_t, 4> values;
    for (const PlanSymbol &s : plan.symbols)
      values.push_back(corner ? s.max : s.min);
    if (Error e = evaluateParameters(plan, params, lim.maxComputeWorkGroupCount,
                                     values, nullptr, {}))
      return fail("with every symbol at its {0}: {1}",
                  corner ? "maximum" : "minimum", toString(std::move(e)));
  }
  uint64_t paramBytes = params.bytes;
  if (paramBytes > 0) {
    if (paramBytes > info.maxMemoryAllocationSize)
      return fail("the parameters buffer needs {0}; {1} allows at most {2} "
                  "per allocation (maxMemoryAllocationSize)",
                  formatBytes(paramBytes), dev,
                  formatBytes(info.maxMemoryAllocationSize));
    add(MemoryKind::DeviceLocal, paramBytes);
    add(MemoryKind::Upload, paramBytes);
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
