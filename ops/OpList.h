//===- ops/OpList.h - Declarations of every op's definition -----*- C++ -*-===//
#ifndef TLC_OPS_OPLIST_H
#define TLC_OPS_OPLIST_H

#include "ops/OpDef.h"

namespace tlc {
#define TLC_OP(NAME) extern const OpDef k##NAME##Op;
#include "ops/OpList.def"
#undef TLC_OP
} // namespace tlc

#endif // TLC_OPS_OPLIST_H
