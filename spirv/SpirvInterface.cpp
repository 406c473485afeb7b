//===- spirv/SpirvInterface.cpp - What a compute shader declares ----------===//
//
// One pass over the module's instructions collects decorations, types,
// variables and spec constants; word counts are checked so that a malformed
// module is an error, never an out-of-bounds read.
//
//===----------------------------------------------------------------------===//
#include "spirv/SpirvInterface.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <functional>

using namespace llvm;

namespace tlc {

namespace {
// SPIR-V opcodes and decorations (SPIR-V 1.6 spec, sections 3.20, 3.32).
enum : uint32_t {
  kMagic = 0x07230203,
  OpTypeBool = 20,
  OpTypeInt = 21,
  OpTypeFloat = 22,
  OpTypeVector = 23,
  OpTypeMatrix = 24,
  OpTypeArray = 28,
  OpTypeRuntimeArray = 29,
  OpTypeStruct = 30,
  OpTypePointer = 32,
  OpSpecConstantTrue = 48,
  OpSpecConstantFalse = 49,
  OpSpecConstant = 50,
  OpVariable = 59,
  OpDecorate = 71,
  OpMemberDecorate = 72,
  DecorationSpecId = 1,
  DecorationNonWritable = 24,
  DecorationNonReadable = 25,
  DecorationBinding = 33,
  DecorationDescriptorSet = 34,
  kMaxBinding = 64,
};

// Messages use Twine, not formatv: GCC 12 warns (-Wmaybe-uninitialized)
// inside LLVM 14's integer format_provider.
Error fail(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// A type id's scalar kind, for spec constants.
struct Scalar {
  uint32_t opcode; // OpTypeBool, OpTypeInt, OpTypeFloat
  uint32_t width;  // bits (0 for bool)
  bool isSigned;
};
} // namespace

const char *specTypeName(SpecType type) {
  switch (type) {
  case SpecType::U32:
    return "u32";
  case SpecType::I32:
    return "i32";
  case SpecType::F32:
    return "f32";
  case SpecType::Bool:
    return "bool";
  }
  return "?";
}

const SpecConstantDecl *ShaderInterfaceRef::specConstant(uint32_t id) const {
  auto it = llvm::partition_point(
      specConstants, [&](const SpecConstantDecl &c) { return c.id < id; });
  return it != specConstants.end() && it->id == id ? &*it : nullptr;
}

Expected<SpirvInterface> readSpirvInterface(ArrayRef<uint32_t> words) {
  if (words.size() < 5 || words[0] != kMagic)
    return fail("not a SPIR-V module (no header)");
  DenseMap<uint32_t, uint32_t> binding, set, specId, floatWidth, pointee,
      varType;
  DenseMap<uint32_t, Scalar> scalars;
  DenseMap<uint32_t, SmallVector<uint32_t, 2>> children; // composite members
  // Ids decorated NonWritable / NonReadable; for structs, the members.
  DenseMap<uint32_t, bool> nonWritable, nonReadable;
  DenseMap<uint32_t, SmallVector<uint32_t, 2>> memberNonWritable,
      memberNonReadable;
  struct SpecDef {
    uint32_t result, type, bits;
    bool isBool;
  };
  SmallVector<SpecDef, 32> specs;
  for (size_t i = 5; i < words.size();) {
    uint32_t count = words[i] >> 16, op = words[i] & 0xffffu;
    if (count == 0 || i + count > words.size())
      return fail("malformed instruction at word " + Twine(i));
    ArrayRef<uint32_t> w = words.slice(i, count);
    switch (op) {
    case OpDecorate:
      if (count < 3)
        break;
      if (count >= 4 && w[2] == DecorationBinding)
        binding[w[1]] = w[3];
      else if (count >= 4 && w[2] == DecorationDescriptorSet)
        set[w[1]] = w[3];
      else if (count >= 4 && w[2] == DecorationSpecId)
        specId[w[1]] = w[3];
      else if (w[2] == DecorationNonWritable)
        nonWritable[w[1]] = true;
      else if (w[2] == DecorationNonReadable)
        nonReadable[w[1]] = true;
      break;
    case OpMemberDecorate:
      if (count >= 4 && w[3] == DecorationNonWritable)
        memberNonWritable[w[1]].push_back(w[2]);
      else if (count >= 4 && w[3] == DecorationNonReadable)
        memberNonReadable[w[1]].push_back(w[2]);
      break;
    case OpTypeBool:
      if (count >= 2)
        scalars[w[1]] = {OpTypeBool, 0, false};
      break;
    case OpTypeInt:
      if (count >= 4)
        scalars[w[1]] = {OpTypeInt, w[2], w[3] != 0};
      break;
    case OpTypeFloat:
      if (count >= 3) {
        floatWidth[w[1]] = w[2];
        scalars[w[1]] = {OpTypeFloat, w[2], true};
      }
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
    case OpSpecConstantTrue:
    case OpSpecConstantFalse:
      if (count >= 3)
        specs.push_back({w[2], w[1], op == OpSpecConstantTrue ? 1u : 0u, true});
      break;
    case OpSpecConstant:
      if (count < 4)
        return fail("malformed OpSpecConstant at word " + Twine(i));
      // A 64-bit literal would take two words; only 32-bit types are allowed.
      specs.push_back({w[2], w[1], w[3], false});
      break;
    default:
      break;
    }
    i += count;
  }

  SpirvInterface iface;
  for (const SpecDef &s : specs) {
    auto id = specId.find(s.result);
    if (id == specId.end())
      continue; // not externally specializable (no SpecId)
    auto sc = scalars.find(s.type);
    SpecType type;
    if (sc != scalars.end() && sc->second.opcode == OpTypeBool && s.isBool)
      type = SpecType::Bool;
    else if (sc != scalars.end() && sc->second.opcode == OpTypeInt &&
             sc->second.width == 32 && !s.isBool)
      type = sc->second.isSigned ? SpecType::I32 : SpecType::U32;
    else if (sc != scalars.end() && sc->second.opcode == OpTypeFloat &&
             sc->second.width == 32 && !s.isBool)
      type = SpecType::F32;
    else
      return fail("specialization constant " + Twine(id->second) +
                  " has a type other than 32-bit int, 32-bit float or bool");
    iface.specConstants.push_back({id->second, type, s.bits});
  }
  llvm::stable_sort(iface.specConstants,
                    [](const SpecConstantDecl &a, const SpecConstantDecl &b) {
                      return a.id < b.id;
                    });
  // One id may decorate several constants (attention.comp's WG is also its
  // local_size_x_id): they receive one value, so their types must agree.
  for (size_t k = 1; k < iface.specConstants.size(); ++k)
    if (iface.specConstants[k].id == iface.specConstants[k - 1].id &&
        iface.specConstants[k].type != iface.specConstants[k - 1].type)
      return fail("specialization constants with SpecId " +
                  Twine(iface.specConstants[k].id) + " have types " +
                  specTypeName(iface.specConstants[k - 1].type) + " and " +
                  specTypeName(iface.specConstants[k].type));
  iface.specConstants.erase(
      std::unique(iface.specConstants.begin(), iface.specConstants.end(),
                  [](const SpecConstantDecl &a, const SpecConstantDecl &b) {
                    return a.id == b.id;
                  }),
      iface.specConstants.end());

  // The float widths reachable from a type; depth-limited so that a
  // malformed recursive module cannot loop.
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
  // Whether the block \p type (or the variable \p var) carries decoration
  // \p dec on the variable or on every member of its struct.
  auto allMembers =
      [&](uint32_t var, uint32_t block, const DenseMap<uint32_t, bool> &whole,
          const DenseMap<uint32_t, SmallVector<uint32_t, 2>> &members) {
        if (whole.count(var) || whole.count(block))
          return true;
        auto c = children.find(block);
        auto m = members.find(block);
        if (c == children.end() || m == members.end() || c->second.empty())
          return false;
        for (uint32_t k = 0; k < c->second.size(); ++k)
          if (!llvm::is_contained(m->second, k))
            return false;
        return true;
      };

  // Visit variables in binding order so that the result does not depend on
  // hash order.
  SmallVector<std::pair<uint32_t, uint32_t>, 8> vars; // (binding, var)
  for (auto &[var, b] : binding)
    vars.push_back({b, var});
  llvm::sort(vars);
  SmallVector<bool, 8> seen;
  for (auto &[b, var] : vars) {
    uint32_t s = set.lookup(var);
    if (s != 0)
      return fail("binding " + Twine(b) + " is in descriptor set " + Twine(s) +
                  "; tlc binds only set 0");
    if (b > kMaxBinding)
      return fail("binding " + Twine(b) + " is above " +
                  Twine(unsigned(kMaxBinding)));
    auto vt = varType.find(var);
    if (vt == varType.end())
      continue;
    uint32_t block = pointee.lookup(vt->second);
    if (iface.bindings.size() <= b) {
      iface.bindings.resize(b + 1);
      seen.resize(b + 1, false);
    }
    BindingDecl &d = iface.bindings[b];
    bool ro = allMembers(var, block, nonWritable, memberNonWritable);
    bool wo = allMembers(var, block, nonReadable, memberNonReadable);
    d.readonly = seen[b] ? d.readonly && ro : ro;
    d.writeonly = seen[b] ? d.writeonly && wo : wo;
    d.declared = seen[b] = true;
    SmallVector<uint32_t, 4> found;
    widths(block, 0, found);
    for (uint32_t bits : found) {
      BindingFloat f = bits == 16   ? BindingFloat::F16
                       : bits == 32 ? BindingFloat::F32
                                    : BindingFloat::Mixed;
      BindingFloat &cur = d.floatStorage;
      cur = cur == BindingFloat::None || cur == f ? f : BindingFloat::Mixed;
    }
  }
  return iface;
}

} // namespace tlc
