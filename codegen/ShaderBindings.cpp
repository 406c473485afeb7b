//===- codegen/ShaderBindings.cpp - Float width of a shader's buffers -----===//
#include "codegen/ShaderBindings.h"

#include "llvm/ADT/DenseMap.h"

#include <functional>

using namespace llvm;

namespace tlc {

namespace {
// SPIR-V opcodes and decorations (SPIR-V 1.6 spec, sections 3.20, 3.32).
enum : uint32_t {
  OpTypeInt = 21,
  OpTypeFloat = 22,
  OpTypeVector = 23,
  OpTypeMatrix = 24,
  OpTypeArray = 28,
  OpTypeRuntimeArray = 29,
  OpTypeStruct = 30,
  OpTypePointer = 32,
  OpVariable = 59,
  OpDecorate = 71,
  DecorationBinding = 33,
  DecorationDescriptorSet = 34,
};
} // namespace

SmallVector<BindingFloat, 8> bindingFloatStorage(ArrayRef<uint32_t> words) {
  if (words.size() < 5)
    return {};
  DenseMap<uint32_t, uint32_t> binding, set, floatWidth, pointee, varType;
  DenseMap<uint32_t, SmallVector<uint32_t, 2>> children; // composite members
  for (size_t i = 5; i < words.size();) {
    uint32_t count = words[i] >> 16, op = words[i] & 0xffffu;
    if (count == 0 || i + count > words.size())
      return {};
    ArrayRef<uint32_t> w = words.slice(i, count);
    switch (op) {
    case OpDecorate:
      if (count >= 4 && w[2] == DecorationBinding)
        binding[w[1]] = w[3];
      if (count >= 4 && w[2] == DecorationDescriptorSet)
        set[w[1]] = w[3];
      break;
    case OpTypeFloat:
      if (count >= 3)
        floatWidth[w[1]] = w[2];
      break;
    case OpTypeVector:
    case OpTypeMatrix:
    case OpTypeArray:
    case OpTypeRuntimeArray:
      if (count >= 3)
        children[w[1]] = {w[2]};
      break;
    case OpTypeStruct:
      children[w[1]] = SmallVector<uint32_t, 2>(w.begin() + 2, w.end());
      break;
    case OpTypePointer:
      if (count >= 4)
        pointee[w[1]] = w[3];
      break;
    case OpVariable:
      if (count >= 4)
        varType[w[2]] = w[1];
      break;
    default:
      break;
    }
    i += count;
  }
  // The float widths reachable from a type (0 bit: none); depth-limited so
  // that a malformed recursive module cannot loop.
  std::function<void(uint32_t, unsigned, SmallVectorImpl<uint32_t> &)> widths =
      [&](uint32_t type, unsigned depth, SmallVectorImpl<uint32_t> &out) {
        if (depth > 16)
          return;
        if (auto f = floatWidth.find(type); f != floatWidth.end()) {
          out.push_back(f->second);
          return;
        }
        if (auto c = children.find(type); c != children.end())
          for (uint32_t m : c->second)
            widths(m, depth + 1, out);
      };
  SmallVector<BindingFloat, 8> result;
  for (auto &[var, b] : binding) {
    if (set.lookup(var) != 0 || b > 64)
      continue;
    auto vt = varType.find(var);
    if (vt == varType.end())
      continue;
    SmallVector<uint32_t, 4> found;
    widths(pointee.lookup(vt->second), 0, found);
    if (result.size() <= b)
      result.resize(b + 1, BindingFloat::None);
    for (uint32_t bits : found) {
      BindingFloat f = bits == 16   ? BindingFloat::F16
                       : bits == 32 ? BindingFloat::F32
                                    : BindingFloat::Mixed;
      BindingFloat &cur = result[b];
      cur = cur == BindingFloat::None || cur == f ? f : BindingFloat::Mixed;
    }
  }
  return result;
}

} // namespace tlc
