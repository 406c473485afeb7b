//===- codegen/DispatchCheck.cpp - A dispatch against its shader ----------===//
#include "codegen/DispatchCheck.h"
#include "spirv/EmbeddedShaders.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"

using namespace llvm;

namespace tlc {

// Messages are built with Twine, not formatv: GCC 12 warns
// (-Wmaybe-uninitialized) inside LLVM 14's integer format_provider.
static Error fail(StringRef what, StringRef shader, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           what + ": shader '" + shader + "': " + msg);
}

static std::string hex(uint32_t v) {
  return "0x" + utohexstr(v, /*LowerCase=*/true);
}

/// " ('NAME')" for a named constant, "" otherwise.
static std::string named(StringRef name) {
  return name.empty() ? std::string() : (" ('" + name + "')").str();
}

/// The checks of bindings and writes: the operands are bindings
/// 0..operands.size()-1, followed by the TlcDims block when \p dyn.
static Error checkBindings(const DispatchDesc &d,
                           const ShaderInterfaceRef &iface, StringRef what,
                           StringRef shader, bool dyn) {
  size_t bindings = iface.bindings.size();
  if (dyn) {
    if (d.operands.size() + 1 != bindings || iface.dims.binding != bindings - 1)
      return fail(what, shader,
                  "binds " + Twine(d.operands.size()) +
                      " buffers; the dyn build declares " + Twine(bindings) +
                      " bindings, its " + kDimsBlockName +
                      " block at binding " + Twine(iface.dims.binding) +
                      " (expected: the buffers at bindings 0.." +
                      Twine(int64_t(iface.dims.binding) - 1) +
                      " and the block after them)");
  } else if (d.operands.size() != bindings) {
    return fail(what, shader,
                "binds " + Twine(d.operands.size()) +
                    " buffers; the shader declares " + Twine(bindings) +
                    " (bindings 0.." + Twine(int64_t(bindings) - 1) + ")");
  }
  for (unsigned b : d.writes) {
    if (dyn && b == iface.dims.binding)
      return fail(what, shader,
                  "writes binding " + Twine(b) + ", the " + kDimsBlockName +
                      " block");
    if (b >= d.operands.size())
      return fail(what, shader,
                  "writes binding " + Twine(b) + "; the shader has " +
                      Twine(bindings) + " bindings");
    if (iface.bindings[b].readonly)
      return fail(what, shader,
                  "writes binding " + Twine(b) +
                      ", which the shader declares readonly");
  }
  for (unsigned b = 0; b < d.operands.size(); ++b)
    if (iface.bindings[b].writeonly && !is_contained(d.writes, b))
      return fail(what, shader,
                  "binding " + Twine(b) +
                      " is declared writeonly, but the dispatch does not "
                      "list it in writes");
  return Error::success();
}

Error checkDispatch(const DispatchDesc &d, const ShaderInterfaceRef &iface,
                    StringRef what, ArrayRef<unsigned> dimIds) {
  bool dyn = iface.dims.present();
  std::string shader = d.isDynamic() ? dynBuildName(d.shader) : d.shader;
  if (!dyn && d.isDynamic())
    return fail(what, shader,
                Twine("has symbolic ") +
                    (d.dynamicDims.empty() ? "group counts" : "dims") +
                    ", but the module has no " + kDimsBlockName +
                    " block (a dynamic dispatch runs the shader's dyn "
                    "build)");
  if (dyn && dimIds.size() != iface.dims.members.size())
    return fail(what, shader,
                "the dyn build's " + Twine(kDimsBlockName) + " block has " +
                    Twine(iface.dims.members.size()) +
                    " members, but the check was given " +
                    Twine(dimIds.size()) + " constant ids (dynamicDimIds)");
  // The member of the block that replaces constant \p id, or -1.
  auto memberOf = [&](uint32_t id) -> int {
    auto it = llvm::find(dimIds, id);
    return it == dimIds.end() ? -1 : int(it - dimIds.begin());
  };
  for (const auto &[id, expr] : d.dynamicDims)
    if (memberOf(id) < 0)
      return fail(what, shader,
                  "constant_id " + Twine(id) +
                      named(iface.specConstantName(id)) +
                      " is symbolic, but it is not a member of the dyn "
                      "build's " +
                      kDimsBlockName +
                      " block: only the shader's TLC_DIMS constants take "
                      "run-time values");
  for (uint32_t id = 0; id < d.specConstants.size(); ++id) {
    const SpecConstant &c = d.specConstants[id];
    if (int k = memberOf(id); k >= 0) {
      const DimsMemberDecl &m = iface.dims.members[k];
      if (c.unused)
        return fail(what, shader,
                    "constant_id " + Twine(id) +
                        " is marked unused, but it is the " + kDimsBlockName +
                        " member '" + m.name + "'; pass a value");
      if (c.type != m.type)
        return fail(what, shader,
                    "constant_id " + Twine(id) + ": the " + kDimsBlockName +
                        " member '" + m.name + "' is " + specTypeName(m.type) +
                        ", the dispatch passes " + specTypeName(c.type));
      continue;
    }
    const SpecConstantDecl *decl = iface.specConstant(id);
    if (c.unused) {
      if (decl)
        return fail(what, shader,
                    "constant_id " + Twine(id) +
                        " is marked unused, but the shader declares it (" +
                        specTypeName(decl->type) + "); pass a value");
      continue;
    }
    if (!decl)
      return fail(what, shader,
                  "passes constant_id " + Twine(id) + " (" +
                      specTypeName(c.type) + " " + hex(c.bits) +
                      "), which the shader does not declare");
    if (decl->type != c.type)
      return fail(what, shader,
                  "constant_id " + Twine(id) + ": the shader declares " +
                      specTypeName(decl->type) + ", the dispatch passes " +
                      specTypeName(c.type));
  }
  for (const SpecConstantDecl &decl : iface.specConstants)
    if (decl.id >= d.specConstants.size() && !d.specTailDefaults)
      return fail(what, shader,
                  "does not pass constant_id " + Twine(decl.id) + " (" +
                      specTypeName(decl.type) +
                      "), which the shader declares; the dispatch passes ids "
                      "0.." +
                      Twine(int64_t(d.specConstants.size()) - 1));
  for (size_t k = 0; k < dimIds.size(); ++k)
    if (dimIds[k] >= d.specConstants.size())
      return fail(what, shader,
                  "does not pass constant_id " + Twine(dimIds[k]) + ", the " +
                      kDimsBlockName + " member '" +
                      iface.dims.members[k].name +
                      "' (every member gets a value); the dispatch passes "
                      "ids 0.." +
                      Twine(int64_t(d.specConstants.size()) - 1));
  return checkBindings(d, iface, what, shader, dyn);
}

Error checkDispatch(const DispatchDesc &d, StringRef what) {
  std::string module = d.isDynamic() ? dynBuildName(d.shader) : d.shader;
  const EmbeddedShader *s = findEmbeddedShader(module);
  if (!s)
    return fail(what, module, "is not built into this tlc");
  if (!d.isDynamic())
    return checkDispatch(d, s->interface, what);
  Expected<std::vector<unsigned>> ids = dynamicDimIds(d.shader);
  if (!ids)
    return createStringError(inconvertibleErrorCode(),
                             what + ": " + toString(ids.takeError()));
  return checkDispatch(d, s->interface, what, *ids);
}

Expected<std::vector<unsigned>> dynamicDimIds(StringRef shader) {
  auto error = [&](const Twine &msg) -> Error {
    return createStringError(inconvertibleErrorCode(),
                             "shader '" + shader + "': " + msg);
  };
  const EmbeddedShader *stat = findEmbeddedShader(shader);
  if (!stat)
    return error("is not built into this tlc");
  std::string dynName = dynBuildName(shader);
  const EmbeddedShader *dyn = findEmbeddedShader(dynName);
  if (!dyn)
    return error("has no dyn build '" + dynName +
                 "' (the shader lacks `// tlc-variant: dyn TLC_DYN`)");
  Expected<SmallVector<uint32_t, 24>> ids =
      matchDimsToSpecConstants(dyn->interface, stat->interface);
  if (!ids)
    return error("dyn build '" + dynName + "': " + toString(ids.takeError()));
  return std::vector<unsigned>(ids->begin(), ids->end());
}

} // namespace tlc
