//===- ops/IntInput.h - Read a constant integer-list input ------*- C++ -*-===//
//
// Since opset 13 several ops take what used to be attributes as integer
// tensor inputs (Squeeze/Unsqueeze axes, Slice starts/ends/axes/steps).
// tlc plans memory ahead of time, so these must be compile-time constants:
// their bytes arrive in InputInfo::data. This helper checks and decodes them.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_INTINPUT_H
#define TLC_OPS_INTINPUT_H

#include "ops/OpDef.h"

#include <vector>

namespace tlc {

/// The values of input \p idx (called \p what in errors, e.g. "axes"): an
/// i64 or i32 tensor of rank 0 or 1 whose bytes are known at compile time
/// (little-endian, InputInfo::data). Errors when the dtype or rank is wrong,
/// when the input is not a constant, or when the byte count does not match
/// the shape.
llvm::Expected<std::vector<int64_t>>
readIntInput(llvm::ArrayRef<InputInfo> in, unsigned idx, llvm::StringRef what);

/// Same, for an input that may also be a shape value with symbolic elements
/// (InputInfo::symData, docs/shape-ranges.md): each element as an
/// expression (constants for a plain constant input). Errors as
/// readIntInput's. readIntInput itself refuses a symbolic input, naming its
/// expressions, so that no op reads such an input at the bound unawares.
llvm::Expected<SymShape> readDimInput(llvm::ArrayRef<InputInfo> in,
                                      unsigned idx, llvm::StringRef what);

} // namespace tlc

#endif // TLC_OPS_INTINPUT_H
