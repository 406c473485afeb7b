//===- runtime/Parameters.h - Run-time values of shape ranges --*- C++ -*-===//
//
// What the runtime does with a plan's symbols (docs/shape-ranges.md,
// docs/runtime.md "Plans for shape ranges"): where each dynamic dispatch's
// dims block and VkDispatchIndirectCommand live in the parameters buffer,
// which input dims bind which symbol, and the evaluation of every expression
// the plan refers to into the parameters staging buffer, with the checks
// that keep a run inside what was planned at the upper bound. Nothing here
// calls Vulkan; LoadedPlan (runtime/LoadedPlan.cpp) owns the buffers.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_RUNTIME_PARAMETERS_H
#define TLC_RUNTIME_PARAMETERS_H

#include "codegen/Plan.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tlc {

/// Whether dispatch \p c binds its run-time dims: a dynamic dispatch with at
/// least one dims word reads them from a uniform block at binding
/// c.bindings.size() (shaders/dims.glsl). A dynamic dispatch without dims
/// words (only its group counts vary) has no such binding.
inline bool bindsDims(const PlanCommand &c) {
  return c.kind == CommandKind::Dispatch && c.dynamic && !c.dimExprs.empty();
}

/// Bytes of a dims block of \p words 32-bit members: std140 rounds a block
/// of scalars up to 16 bytes (a vec4), and the descriptor range covers it.
inline uint64_t dimsBlockBytes(size_t words) {
  return (uint64_t(words) * 4 + 15) & ~uint64_t(15);
}

/// One dynamic dispatch's slice of the parameters buffer.
struct ParamSlice {
  uint32_t command = 0;        // index into Plan::commands
  uint64_t offset = 0;         // slice start: the dims block, aligned
  uint64_t dimsRange = 0;      // dimsBlockBytes(dimExprs), 0 without dims
  uint64_t indirectOffset = 0; // VkDispatchIndirectCommand (3 x u32)
};

/// The parameters buffer: per dynamic dispatch, in command order, a slice
/// starting at a multiple of the uniform alignment with its dims block
/// (one word per dimExprs entry, in order) followed by its indirect command.
struct ParamLayout {
  std::vector<ParamSlice> slices;
  std::vector<int32_t> sliceOf; // per command: index into slices, or -1
  uint64_t bytes = 0;           // 0 when the plan has no dynamic dispatch
};

/// Lays out the parameters buffer of \p plan with slices aligned to
/// \p uniformAlignment bytes (minUniformBufferOffsetAlignment; at least 16).
ParamLayout layoutParameters(const Plan &plan, uint64_t uniformAlignment);

/// An input dim that is exactly one symbol: the runtime takes the symbol's
/// value from it.
struct SymbolSite {
  uint32_t input = 0;  // index into Plan::inputs
  uint32_t dim = 0;    // dim of that input
  uint32_t symbol = 0; // index into Plan::symbols
};

/// Where every symbol's value comes from.
struct SymbolBindings {
  std::vector<SymbolSite> sites; // input order, then dim order
  /// Per symbol: index into sites of its first site, or kHostSet for a
  /// symbol that is no input's dim: the host sets its value
  /// (LoadedPlan::setSymbol), e.g. the number of positions a KV cache holds.
  std::vector<uint32_t> firstSite;
  static constexpr uint32_t kHostSet = ~0u;
  bool isHostSet(size_t symbol) const {
    return firstSite[symbol] == kHostSet;
  }
};

/// A host-set symbol's value before the host set one.
constexpr int64_t kSymbolUnset = INT64_MIN;

/// The sites of \p plan's symbols (an input dim whose expression is
/// [Symbol k]); symbols without one are host-set.
SymbolBindings findSymbolSites(const Plan &plan);

/// Whether \p e is [Const c] (sets \p value to c) or [Symbol k] (sets
/// \p value to k); other expressions return false for both.
bool isConstantExpr(const PlanExpr &e, int64_t &value);
bool isSymbolExpr(const PlanExpr &e, int64_t &value);
/// A tensor's shape with symbolic dims as expressions (planShapeStr,
/// codegen/Plan.h: "Nx3", no dtype); a static tensor's plain shape, "()"
/// for a scalar.
std::string planShapeString(const Plan &plan, const PlanTensor &t);
/// A tensor's type with symbolic dims as expressions ("Nx3xf32"); the
/// TensorType's str() for a static tensor ("2x4xf32", "f32").
std::string planTypeString(const Plan &plan, const PlanTensor &t);
/// "N=5, M=3" (\p values in Plan::symbols order).
std::string symbolValuesString(const Plan &plan,
                               llvm::ArrayRef<int64_t> values);
/// "5x3" ("()" for a scalar).
std::string shapeString(llvm::ArrayRef<int64_t> shape);

/// Checks \p shape (and nothing else) for graph input \p index of \p plan:
/// rank, constant dims, each symbol's range, one value per symbol within
/// the input, every dim within [0, its upper bound]. Errors name the input,
/// the dim, the symbol and its range.
llvm::Error checkInputShape(const Plan &plan, size_t index,
                            llvm::ArrayRef<int64_t> shape);

/// Derives the symbols' values from the inputs' shapes \p inputShapes
/// (plan.inputs order) into \p values (Plan::symbols order, sized by the
/// caller), then checks every input dim that is neither a constant nor a
/// single symbol against its expression. Errors: two inputs disagreeing on a
/// symbol (both named with their values), a value outside its symbol's
/// range, a requirement of the plan that does not hold (Plan::requirements:
/// names it, its value and the symbols'), an input dim that differs from its
/// expression's value. Allocates nothing unless it fails.
/// Host-set symbols take their value from \p hostValues (Plan::symbols
/// order; kSymbolUnset: not set, an error naming the symbol and how to set
/// it).
llvm::Error resolveSymbols(const Plan &plan, const SymbolBindings &bindings,
                           llvm::ArrayRef<std::vector<int64_t>> inputShapes,
                           llvm::ArrayRef<int64_t> hostValues,
                           llvm::MutableArrayRef<int64_t> values);

/// Evaluates every expression \p plan refers to with the symbols at
/// \p values: each dynamic dispatch's dims words and group counts, written
/// little-endian into \p staging at \p layout's offsets when \p staging is
/// not null, and each tensor dim, whose values give the byte size of each
/// graph output into \p outputBytes when it is not empty (plan.outputs
/// order). Errors (naming the command's label or the tensor, and the symbol
/// values): an expression that fails to evaluate, a dims word outside
/// [-2^31, 2^32), a group count outside [0, maxGroups[i]] (the device's
/// maxComputeWorkGroupCount), a tensor dim outside [0, its upper bound]. On
/// error \p staging may be partly written.
llvm::Error evaluateParameters(const Plan &plan, const ParamLayout &layout,
                               const uint32_t maxGroups[3],
                               llvm::ArrayRef<int64_t> values, uint8_t *staging,
                               llvm::MutableArrayRef<uint64_t> outputBytes);

} // namespace tlc

#endif // TLC_RUNTIME_PARAMETERS_H
