//===- ir/ShapeSpec.h - Input shapes as users write them --------*- C++ -*-===//
//
// What `--input-shape`, `--dim`, a model.yaml's `dims:` and an ONNX input's
// dims say about a dimension: a size, a symbol's name, or a range. A
// SymbolBinder turns them into the dims of the graph's inputs: constants, or
// symbols with ranges (ir/DimExpr.h) that make the plan serve every shape in
// the range (docs/shape-ranges.md).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_SHAPESPEC_H
#define TLC_IR_SHAPESPEC_H

#include "ir/DimExpr.h"
#include "ir/Types.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace tlc {

/// One dimension as a user writes it.
struct DimSpec {
  enum Kind : uint8_t { Size, Name, Range } kind = Size;
  int64_t size = 1;         // Size: >= 1
  int64_t min = 1, max = 1; // Range: 1 <= min <= max
  std::string name;         // Name: a symbol, bound by --dim or `dims:`
};

/// A shape as a user writes it: "1x3x48x32..1280", "Nx1x28x28".
/// Implicitly built from static dims, so `opts.inputShapes["x"] = Shape{..}`
/// binds a fixed shape.
struct ShapeSpec {
  std::vector<DimSpec> dims;
  ShapeSpec() = default;
  ShapeSpec(llvm::ArrayRef<int64_t> sizes);
  ShapeSpec(std::initializer_list<int64_t> sizes)
      : ShapeSpec(llvm::ArrayRef<int64_t>(sizes)) {}
  ShapeSpec(const Shape &sizes) : ShapeSpec(llvm::ArrayRef<int64_t>(sizes)) {}
  size_t size() const { return dims.size(); }
};

/// Parses x-separated dims, each a size >= 1, an identifier ([A-Za-z_]
/// [A-Za-z0-9_]*), or MIN..MAX with 1 <= MIN <= MAX. Errors name the bad
/// token and what was expected.
llvm::Expected<ShapeSpec> parseShapeSpec(llvm::StringRef text);

/// An inclusive range of a symbol's values; min == max fixes it.
struct DimRange {
  int64_t min = 1, max = 1;
};

/// Parses "MIN..MAX" or "VALUE" (1 <= MIN <= MAX <= 2^40). Errors name the
/// text and what was expected.
llvm::Expected<DimRange> parseDimRange(llvm::StringRef text);

/// Parses the flags `--dim NAME=MIN..MAX` / `--dim NAME=VALUE` into
/// \p out. Errors: a malformed flag, an invalid name or range, a name given
/// twice.
llvm::Error parseDimFlags(llvm::ArrayRef<std::string> flags,
                          std::map<std::string, DimRange> &out);

/// Turns named and ranged dims into DimExprs and collects the symbols.
/// Ranges come from `--dim` (first) and the model's own defaults (`dims:` in
/// model.yaml) second; a name with a fixed value (min == max) becomes that
/// constant.
class SymbolBinder {
public:
  SymbolBinder(const std::map<std::string, DimRange> &flags,
               std::map<std::string, DimRange> modelDefaults = {})
      : flags(flags), defaults(std::move(modelDefaults)) {}

  /// The dim named \p name. Errors (\p where names the input and dim) when
  /// neither --dim nor the model gives it a value or range, showing the flag
  /// that binds it.
  llvm::Expected<DimExpr> named(llvm::StringRef name,
                                const llvm::Twine &where);
  /// A range written in place (`--input-shape x=1x3x48x32..1280`): the
  /// symbol \p name (the model's name for that dim, or "<input>_<index>"
  /// when it has none) over [min, max]; a constant when min == max. Errors
  /// when \p name already has another range.
  llvm::Expected<DimExpr> ranged(llvm::StringRef name, DimRange r,
                                 const llvm::Twine &where);
  /// Resolves \p d (Size, Name or Range; \p modelName names a Range).
  llvm::Expected<DimExpr> resolve(const DimSpec &d, llvm::StringRef modelName,
                                  const llvm::Twine &where);

  /// The symbols bound so far, in order of first use.
  const std::vector<DimSymbol> &symbols() const { return used; }

private:
  DimExpr bind(llvm::StringRef name, DimRange r);
  const std::map<std::string, DimRange> &flags;
  std::map<std::string, DimRange> defaults;
  std::map<std::string, DimRange> inPlace; // ranges from --input-shape
  std::vector<DimSymbol> used;
};

} // namespace tlc

#endif // TLC_IR_SHAPESPEC_H
