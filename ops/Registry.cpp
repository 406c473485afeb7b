//===- ops/Registry.cpp - The table of supported ops ----------------------===//
//
// Each op file defines `const OpDef k<Op>Op`; this file lists them. An
// explicit table (not static registration) keeps every op linked in from the
// static library and the list readable in one place.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "ops/OpList.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

void setGrid1D(DispatchDesc &d, uint64_t n, uint32_t groupSize) {
  uint64_t groups = std::max<uint64_t>(1, ceilDiv(n, groupSize));
  constexpr uint64_t kMaxX = 65535;
  if (groups <= kMaxX) {
    d.groups[0] = uint32_t(groups);
    d.groups[1] = 1;
  } else {
    d.groups[0] = uint32_t(kMaxX);
    d.groups[1] = uint32_t(ceilDiv(groups, kMaxX));
  }
  d.groups[2] = 1;
}

static std::vector<OpDef> buildTable() {
  std::vector<OpDef> ops = {
#define TLC_OP(NAME) k##NAME##Op,
#include "ops/OpList.def"
#undef TLC_OP
  };
  std::sort(ops.begin(), ops.end(), [](const OpDef &a, const OpDef &b) {
    return StringRef(a.name) < StringRef(b.name);
  });
  return ops;
}

ArrayRef<OpDef> allOps() {
  static const std::vector<OpDef> table = buildTable();
  return table;
}

const OpDef *lookupOp(StringRef op) {
  for (const OpDef &d : allOps())
    if (op == d.name)
      return &d;
  return nullptr;
}

} // namespace tlc
