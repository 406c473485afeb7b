//===- codegen/DispatchCheck.cpp - A dispatch against its shader ----------===//
#include "codegen/DispatchCheck.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"

using namespace llvm;

namespace tlc {

// Messages are built with Twine, not formatv: GCC 12 warns
// (-Wmaybe-uninitialized) inside LLVM 14's integer format_provider.
static Error fail(StringRef what, const DispatchDesc &d, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), what + ": shader '" +
                                                         d.shader + "': " +
                                                         msg);
}

static std::string hex(uint32_t v) {
  return "0x" + utohexstr(v, /*LowerCase=*/true);
}

Error checkDispatch(const DispatchDesc &d, const ShaderInterfaceRef &iface,
                    StringRef what) {
  for (uint32_t id = 0; id < d.specConstants.size(); ++id) {
    const SpecConstant &c = d.specConstants[id];
    const SpecConstantDecl *decl = iface.specConstant(id);
    if (c.unused) {
      if (decl)
        return fail(what, d,
                    "constant_id " + Twine(id) +
                        " is marked unused, but the shader declares it (" +
                        specTypeName(decl->type) + "); pass a value");
      continue;
    }
    if (!decl)
      return fail(what, d,
                  "passes constant_id " + Twine(id) + " (" +
                      specTypeName(c.type) + " " + hex(c.bits) +
                      "), which the shader does not declare");
    if (decl->type != c.type)
      return fail(what, d,
                  "constant_id " + Twine(id) + ": the shader declares " +
                      specTypeName(decl->type) + ", the dispatch passes " +
                      specTypeName(c.type));
  }
  for (const SpecConstantDecl &decl : iface.specConstants)
    if (decl.id >= d.specConstants.size() && !d.specTailDefaults)
      return fail(what, d,
                  "does not pass constant_id " + Twine(decl.id) + " (" +
                      specTypeName(decl.type) +
                      "), which the shader declares; the dispatch passes ids "
                      "0.." +
                      Twine(int64_t(d.specConstants.size()) - 1));
  size_t bindings = iface.bindings.size();
  if (d.operands.size() != bindings)
    return fail(what, d,
                "binds " + Twine(d.operands.size()) +
                    " buffers; the shader declares " + Twine(bindings) +
                    " (bindings 0.." + Twine(int64_t(bindings) - 1) + ")");
  for (unsigned b : d.writes) {
    if (b >= bindings)
      return fail(what, d,
                  "writes binding " + Twine(b) + "; the shader has " +
                      Twine(bindings) + " bindings");
    if (iface.bindings[b].readonly)
      return fail(what, d,
                  "writes binding " + Twine(b) +
                      ", which the shader declares readonly");
  }
  for (unsigned b = 0; b < bindings; ++b)
    if (iface.bindings[b].writeonly && !is_contained(d.writes, b))
      return fail(what, d,
                  "binding " + Twine(b) +
                      " is declared writeonly, but the dispatch does not "
                      "list it in writes");
  return Error::success();
}

} // namespace tlc
