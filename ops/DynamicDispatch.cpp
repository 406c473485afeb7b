//===- ops/DynamicDispatch.cpp - Symbolic constants and group counts ------===//
//
// What a lowering calls to give a dispatch a value that may depend on the
// plan's symbols (ops/OpDef.h: setDim, setGroups, setGrid1D). A constant
// value is written exactly as before, so plans of static shapes are
// unchanged; a symbolic one keeps its upper bound in the static fields and
// its expression beside them.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"

#include "llvm/ADT/STLExtras.h"

#include <cassert>
#include <cstdint>

namespace tlc {

/// The u32 a constant or upper bound is passed as. Shape rules keep every
/// dim and element count below 2^40; lowerings pass only values that fit
/// their shader's 32-bit words (the plan's limits check the rest).
static uint32_t boundWord(const DimExpr &v) {
  int64_t b = v.isConstant() ? v.constant() : v.upperBound();
  return uint32_t(b);
}

void setDim(DispatchDesc &d, unsigned id, const DimExpr &value) {
  while (d.specConstants.size() <= id)
    d.specConstants.push_back(spec::unused());
  d.specConstants[id] = spec::u32(boundWord(value));
  llvm::erase_if(d.dynamicDims,
                 [&](const auto &entry) { return entry.first == id; });
  if (!value.isConstant())
    d.dynamicDims.emplace_back(id, value);
}

void setDimI32(DispatchDesc &d, unsigned id, const DimExpr &value) {
  while (d.specConstants.size() <= id)
    d.specConstants.push_back(spec::unused());
  assert(value.lowerBound() >= INT32_MIN && value.upperBound() <= INT32_MAX &&
         "an i32 dim out of range");
  int64_t b = value.isConstant() ? value.constant() : value.upperBound();
  d.specConstants[id] = spec::i32(int32_t(b));
  llvm::erase_if(d.dynamicDims,
                 [&](const auto &entry) { return entry.first == id; });
  if (!value.isConstant())
    d.dynamicDims.emplace_back(id, value);
}

void setGroups(DispatchDesc &d, const DimExpr &x, const DimExpr &y,
               const DimExpr &z) {
  d.groups[0] = boundWord(x);
  d.groups[1] = boundWord(y);
  d.groups[2] = boundWord(z);
  if (x.isConstant() && y.isConstant() && z.isConstant())
    d.dynamicGroups.reset();
  else
    d.dynamicGroups = std::array<DimExpr, 3>{x, y, z};
}

/// d's group counts as expressions, with x multiplied by \p gate.
static void gateGroups(DispatchDesc &d, const DimExpr &gate) {
  std::array<DimExpr, 3> g =
      d.dynamicGroups
          ? *d.dynamicGroups
          : std::array<DimExpr, 3>{DimExpr(int64_t(d.groups[0])),
                                   DimExpr(int64_t(d.groups[1])),
                                   DimExpr(int64_t(d.groups[2]))};
  setGroups(d, g[0] * gate, g[1], g[2]);
}

void runWhenOne(DispatchDesc &d, const DimExpr &m) {
  assert(m.lowerBound() >= 1 && "a gate on a size that may be 0");
  gateGroups(d, max(DimExpr(0), DimExpr(2) - m));
}

void runWhenAboveOne(DispatchDesc &d, const DimExpr &m) {
  assert(m.lowerBound() >= 1 && "a gate on a size that may be 0");
  gateGroups(d, min(DimExpr(1), m - DimExpr(1)));
}

void setGrid1D(DispatchDesc &d, const DimExpr &n, uint32_t groupSize) {
  if (n.isConstant()) {
    setGrid1D(d, uint64_t(n.constant()), groupSize);
    d.dynamicGroups.reset();
    return;
  }
  constexpr int64_t kMaxX = 65535; // Vulkan's guaranteed minimum, table 53
  DimExpr groups = ceilDiv(n, groupSize);
  setGroups(d, min(groups, DimExpr(kMaxX)), ceilDiv(groups, kMaxX),
            DimExpr(1));
}

} // namespace tlc
