//===- tests/unit/RangeTestUtil.h - Range plans against fixed plans -*- C++ -*-===//
//
// The end-to-end check every op's shape-range support gets: a model compiled
// once for symbol ranges runs at chosen values, and each output equals (in
// shape and in values) that of the same model compiled for exactly those
// values, run on the same inputs. The fixed-shape plans are the reference:
// the ops' static paths are themselves checked against the CPU references.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TESTS_UNIT_RANGETESTUTIL_H
#define TLC_TESTS_UNIT_RANGETESTUTIL_H

#include "ir/DimExpr.h"
#include "ir/ShapeSpec.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace tlc {

/// Compiles model.yaml text \p yaml once with \p ranges (ModelParseOptions::
/// dims: symbol name -> inclusive range) and, for each assignment in
/// \p points, again with every symbol fixed at its value; runs both plans
/// on lavapipe on the same inputs (f32 uniform in [-1, 1], integers in
/// [0, intHigh)) for targets cpu and gpu, and expects every output to have
/// the fixed plan's shape and values within relative L2 \p tol (0: bitwise).
/// Also expects no device allocation, pipeline or descriptor write by the
/// range plan after load.
/// Reports failures through gtest (EXPECT/ADD_FAILURE).
void expectRangePlanMatchesFixed(llvm::StringRef yaml,
                                 const std::map<std::string, DimRange> &ranges,
                                 llvm::ArrayRef<SymbolValues> points,
                                 double tol = 1e-6, int64_t intHigh = 10);

/// The error of compiling model.yaml text \p yaml with \p ranges
/// (ModelParseOptions::dims) for the default target, or "" when it
/// compiles.
std::string compileError(llvm::StringRef yaml,
                         const std::map<std::string, DimRange> &ranges);

/// The shader names of the dispatches of model.yaml text \p yaml compiled
/// with \p ranges for kernel target \p target ("cpu", "gpu"), in order;
/// reports a compile failure through gtest and returns nothing.
std::vector<std::string>
rangePlanShaders(llvm::StringRef yaml,
                 const std::map<std::string, DimRange> &ranges,
                 llvm::StringRef target);

/// One point {name: v} per value in \p values (for one symbol).
std::vector<SymbolValues> pointsOf(const char *name,
                                   std::initializer_list<int64_t> values);

/// Infers the shapes of model.yaml text \p yaml once with symbol \p name
/// over [lo, hi] and once at each value in it, and expects every typed
/// value's symbolic dims, evaluated at that value, to equal the static
/// shape inferred there, and its bound to be at least that shape.
void expectShapesMatchStatic(llvm::StringRef yaml, const char *name,
                             int64_t lo, int64_t hi);

} // namespace tlc

#endif // TLC_TESTS_UNIT_RANGETESTUTIL_H
