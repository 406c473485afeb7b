//===- spirv/SpirvInterface.cpp - What a compute shader declares ----------===//
//
// One pass over the module's instructions collects decorations, types,
// variables and spec constants; word counts are checked so that a malformed
// module is an error, never an out-of-bounds read.
//
//===----------------------------------------------------------------------===//
#include "spirv/SpirvInterface.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Optional.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Allocator.h"
#include "llvm/Support/StringSaver.h"

#include <algorithm>
#include <functional>

using namespace llvm;

namespace tlc {

namespace {
// SPIR-V opcodes and decorations (SPIR-V 1.6 spec, sections 3.20, 3.32).
enum : uint32_t {
  kMagic = 0x07230203,
  OpName = 5,
  OpMemberName = 6,
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
  DecorationBlock = 2,
  DecorationBufferBlock = 3,
  DecorationNonWritable = 24,
  DecorationNonReadable = 25,
  DecorationBinding = 33,
  DecorationDescriptorSet = 34,
  DecorationOffset = 35,
  StorageClassUniform = 2,
  kMaxBinding = 64,
};

// Messages use Twine, not formatv: GCC 12 warns (-Wmaybe-uninitialized)
// inside LLVM 14's integer format_provider.
Error fail(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// The literal string starting at \p w[first] (UTF-8, NUL-terminated,
/// padded to whole words; SPIR-V 1.6 spec, section 2.2.1 "Literal"), or
/// None when the instruction ends before the NUL.
Optional<StringRef> literalString(ArrayRef<uint32_t> w, size_t first) {
  if (first >= w.size())
    return None;
  StringRef bytes(reinterpret_cast<const char *>(w.data() + first),
                  (w.size() - first) * 4);
  size_t nul = bytes.find('\0');
  if (nul == StringRef::npos)
    return None;
  return bytes.take_front(nul);
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

StringRef ShaderInterfaceRef::specConstantName(uint32_t id) const {
  const SpecConstantDecl *c = specConstant(id);
  if (!c || specConstantNames.size() != specConstants.size())
    return "";
  const char *name = specConstantNames[c - specConstants.data()];
  return name ? name : "";
}

const SpecConstantDecl *
ShaderInterfaceRef::specConstantNamed(StringRef name) const {
  if (name.empty() || specConstantNames.size() != specConstants.size())
    return nullptr;
  for (size_t k = 0; k < specConstants.size(); ++k)
    if (specConstantNames[k] && name == specConstantNames[k])
      return &specConstants[k];
  return nullptr;
}

int DimsBlockRef::find(StringRef name) const {
  for (size_t k = 0; k < members.size(); ++k)
    if (name == members[k].name)
      return int(k);
  return -1;
}

Expected<SpirvInterface> readSpirvInterface(ArrayRef<uint32_t> words) {
  if (words.size() < 5 || words[0] != kMagic)
    return fail("not a SPIR-V module (no header)");
  DenseMap<uint32_t, uint32_t> binding, set, specId, floatWidth, pointee,
      varType, varStorage, blockDecoration;
  // OpName and OpMemberName strings point into words.
  DenseMap<uint32_t, StringRef> names;
  DenseMap<std::pair<uint32_t, uint32_t>, StringRef> memberNames;
  DenseMap<std::pair<uint32_t, uint32_t>, uint32_t> memberOffsets;
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
    case OpName:
    case OpMemberName: {
      size_t first = op == OpName ? 2 : 3;
      Optional<StringRef> str = literalString(w, first);
      if (count <= first || !str)
        return fail("malformed " +
                    Twine(op == OpName ? "OpName" : "OpMemberName") +
                    " at word " + Twine(i));
      if (op == OpName)
        names[w[1]] = *str;
      else
        memberNames[{w[1], w[2]}] = *str;
      break;
    }
    case OpDecorate:
      if (count < 3)
        break;
      if (w[2] == DecorationBlock || w[2] == DecorationBufferBlock)
        blockDecoration[w[1]] = w[2];
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
      if (count >= 5 && w[3] == DecorationOffset)
        memberOffsets[{w[1], w[2]}] = w[4];
      else if (count >= 4 && w[3] == DecorationNonWritable)
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
      if (count >= 4) {
        varType[w[2]] = w[1];
        varStorage[w[2]] = w[3];
      }
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
  // Names are copied into storage that copies of the interface share.
  auto storage = std::make_shared<BumpPtrAllocator>();
  StringSaver saver(*storage);
  iface.nameStorage = storage;
  struct Named {
    SpecConstantDecl decl;
    StringRef name;
  };
  SmallVector<Named, 32> found;
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
    found.push_back({{id->second, type, s.bits}, names.lookup(s.result)});
  }
  llvm::stable_sort(found, [](const Named &a, const Named &b) {
    return a.decl.id < b.decl.id;
  });
  // One id may decorate several constants (attention.comp's WG is also its
  // local_size_x_id): they receive one value, so their types must agree.
  // The first named one names the id.
  for (size_t k = 0; k < found.size(); ++k) {
    const Named &n = found[k];
    if (!iface.specConstants.empty() &&
        iface.specConstants.back().id == n.decl.id) {
      if (iface.specConstants.back().type != n.decl.type)
        return fail("specialization constants with SpecId " + Twine(n.decl.id) +
                    " have types " +
                    specTypeName(iface.specConstants.back().type) + " and " +
                    specTypeName(n.decl.type));
      if (!*iface.specConstantNames.back() && !n.name.empty())
        iface.specConstantNames.back() = saver.save(n.name).data();
      continue;
    }
    iface.specConstants.push_back(n.decl);
    iface.specConstantNames.push_back(saver.save(n.name).data());
  }

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
    uint32_t blockType = pointee.lookup(vt->second);
    if (iface.bindings.size() <= b) {
      iface.bindings.resize(b + 1);
      seen.resize(b + 1, false);
    }
    BindingDecl &d = iface.bindings[b];
    // A uniform buffer (a Block struct in the Uniform storage class; a
    // storage buffer is a BufferBlock there, or a Block in StorageBuffer):
    // only the TlcDims block of a dyn build (shaders/dims.glsl).
    if (varStorage.lookup(var) == StorageClassUniform &&
        blockDecoration.lookup(blockType) == DecorationBlock) {
      StringRef blockName = names.lookup(blockType);
      if (blockName != kDimsBlockName)
        return fail("binding " + Twine(b) + " is a uniform block ('" +
                    blockName + "'); tlc binds storage buffers and one " +
                    kDimsBlockName + " block");
      if (seen[b] || iface.dimsBinding != DimsBlockRef::kNone)
        return fail("binding " + Twine(b) + ": more than one " +
                    kDimsBlockName + " block, or one aliasing a buffer");
      iface.dimsBinding = b;
      auto c = children.find(blockType);
      size_t n = c == children.end() ? 0 : c->second.size();
      for (uint32_t k = 0; k < n; ++k) {
        auto sc = scalars.find(c->second[k]);
        if (sc == scalars.end() || sc->second.opcode != OpTypeInt ||
            sc->second.width != 32)
          return fail(Twine(kDimsBlockName) + " member " + Twine(k) +
                      " is not a 32-bit integer");
        StringRef name = memberNames.lookup({blockType, k});
        auto off = memberOffsets.find({blockType, k});
        if (name.empty() || off == memberOffsets.end())
          return fail(Twine(kDimsBlockName) + " member " + Twine(k) +
                      " has no name (OpMemberName) or no Offset");
        iface.dimsMembers.push_back(
            {saver.save(name).data(), off->second,
             sc->second.isSigned ? SpecType::I32 : SpecType::U32});
      }
      d.declared = d.readonly = d.uniform = seen[b] = true;
      continue;
    }
    if (seen[b] && d.uniform)
      return fail("binding " + Twine(b) + ": the " + kDimsBlockName +
                  " block aliases a buffer");
    bool ro = allMembers(var, blockType, nonWritable, memberNonWritable);
    bool wo = allMembers(var, blockType, nonReadable, memberNonReadable);
    d.readonly = seen[b] ? d.readonly && ro : ro;
    d.writeonly = seen[b] ? d.writeonly && wo : wo;
    d.declared = seen[b] = true;
    SmallVector<uint32_t, 4> widthsFound;
    widths(blockType, 0, widthsFound);
    for (uint32_t bits : widthsFound) {
      BindingFloat f = bits == 16   ? BindingFloat::F16
                       : bits == 32 ? BindingFloat::F32
                                    : BindingFloat::Mixed;
      BindingFloat &cur = d.floatStorage;
      cur = cur == BindingFloat::None || cur == f ? f : BindingFloat::Mixed;
    }
  }
  return iface;
}

Expected<SmallVector<uint32_t, 24>>
matchDimsToSpecConstants(const ShaderInterfaceRef &dyn,
                         const ShaderInterfaceRef &stat) {
  if (!dyn.dims.present())
    return fail(Twine("the dyn build has no ") + kDimsBlockName + " block");
  SmallVector<uint32_t, 24> ids;
  for (const DimsMemberDecl &m : dyn.dims.members) {
    const SpecConstantDecl *c = stat.specConstantNamed(m.name);
    if (!c)
      return fail(Twine(kDimsBlockName) + " member '" + m.name +
                  "' has no specialization constant of that name in the "
                  "static build");
    if (c->type != m.type)
      return fail(Twine(kDimsBlockName) + " member '" + m.name + "' is " +
                  specTypeName(m.type) + ", but constant_id " + Twine(c->id) +
                  " '" + m.name + "' of the static build is " +
                  specTypeName(c->type));
    // The dyn build may declare the id only as the member's selector
    // NAME_SC (shaders/dims.glsl), of the member's type.
    if (const SpecConstantDecl *d = dyn.specConstant(c->id))
      if (dyn.specConstantName(c->id) != std::string(m.name) + "_SC" ||
          d->type != m.type)
        return fail(Twine(kDimsBlockName) + " member '" + m.name +
                    "' replaces constant_id " + Twine(c->id) +
                    ", which the dyn build still declares ('" +
                    dyn.specConstantName(c->id) + "')");
    if (llvm::is_contained(ids, c->id))
      return fail(Twine(kDimsBlockName) + " members replace constant_id " +
                  Twine(c->id) + " twice");
    ids.push_back(c->id);
  }
  return ids;
}

} // namespace tlc
