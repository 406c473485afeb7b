//===- codegen/DispatchCheck.cpp - A dispatch against its shader ----------===//
#include "codegen/DispatchCheck.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace tlc {

template <typename... Ts>
static Error fail(StringRef what, const DispatchDesc &d, const char *fmt,
                  Ts &&...vals) {
  return createStringError(
      inconvertibleErrorCode(),
      formatv("{0}: shader '{1}': {2}", what, d.shader,
              formatv(fmt, std::forward<Ts>(vals)...).str())
          .str());
}

Error checkDispatch(const DispatchDesc &d, const ShaderInterfaceRef &iface,
                    StringRef what) {
  for (uint32_t id = 0; id < d.specConstants.size(); ++id) {
    const SpecConstant &c = d.specConstants[id];
    const SpecConstantDecl *decl = iface.specConstant(id);
    if (c.unused) {
      if (decl)
        return fail(what, d,
                    "constant_id {0} is marked unused, but the shader "
                    "declares it ({1}); pass a value",
                    id, specTypeName(decl->type));
      continue;
    }
    if (!decl)
      return fail(what, d,
                  "passes constant_id {0} ({1} {2:x}), which the shader does "
                  "not declare",
                  id, specTypeName(c.type), c.bits);
    if (decl->type != c.type)
      return fail(what, d,
                  "constant_id {0}: the shader declares {1}, the dispatch "
                  "passes {2}",
                  id, specTypeName(decl->type), specTypeName(c.type));
  }
  for (const SpecConstantDecl &decl : iface.specConstants)
    if (decl.id >= d.specConstants.size() && !d.specTailDefaults)
      return fail(what, d,
                  "does not pass constant_id {0} ({1}), which the shader "
                  "declares; the dispatch passes ids 0..{2}",
                  decl.id, specTypeName(decl.type),
                  int64_t(d.specConstants.size()) - 1);
  size_t bindings = iface.bindings.size();
  if (d.operands.size() != bindings)
    return fail(what, d,
                "binds {0} buffers; the shader declares {1} (bindings 0..{2})",
                d.operands.size(), bindings, int64_t(bindings) - 1);
  for (unsigned b : d.writes) {
    if (b >= bindings)
      return fail(what, d, "writes binding {0}; the shader has {1} bindings", b,
                  bindings);
    if (iface.bindings[b].readonly)
      return fail(what, d,
                  "writes binding {0}, which the shader declares readonly", b);
  }
  for (unsigned b = 0; b < bindings; ++b)
    if (iface.bindings[b].writeonly && !is_contained(d.writes, b))
      return fail(what, d,
                  "binding {0} is declared writeonly, but the dispatch does "
                  "not list it in writes",
                  b);
  return Error::success();
}

} // namespace tlc
