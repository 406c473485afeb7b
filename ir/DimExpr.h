//===- ir/DimExpr.h - Symbolic tensor dimensions ----------------*- C++ -*-===//
//
// A dimension is a constant or an integer expression over named symbols,
// each with an inclusive range ("W" in [32, 1280]). One plan serves every
// shape in the range: memory is planned at each expression's upper bound and
// the runtime evaluates the expressions once the inputs fix the symbols.
//
// Expressions are kept canonical so that equal dimensions compare equal: a
// polynomial with integer coefficients over atoms, where an atom is a symbol
// or an opaque floor(p / c), min(p, q) or max(p, q) of canonical
// polynomials. Sums, differences and products are exact polynomial
// arithmetic; division by a constant pulls out the terms it divides
// (floor((c*q + r) / c) = q + floor(r / c)); ceil division is
// -floor(-p / c). Bounds come from interval arithmetic over the symbols'
// ranges (Moore, "Interval Analysis", 1966), which is exact for the monotone
// shapes of convolution, pooling, concatenation and reshaping and an
// over-estimate, never an under-estimate, otherwise.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_DIMEXPR_H
#define TLC_IR_DIMEXPR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tlc {

struct DimAtom;

/// A symbol's name and inclusive range of values, min >= 0.
struct DimSymbol {
  std::string name;
  int64_t min = 1;
  int64_t max = 1;
  bool operator==(const DimSymbol &o) const {
    return name == o.name && min == o.min && max == o.max;
  }
};

/// Values of symbols, by name.
using SymbolValues = llvm::StringMap<int64_t>;

/// An integer dimension expression (see the file comment). Cheap to copy;
/// immutable. Implicitly built from an integer constant.
class DimExpr {
public:
  /// One term: coeff * product of atoms (sorted; repeats are powers).
  struct Term {
    int64_t coeff = 0;
    std::vector<std::shared_ptr<const DimAtom>> atoms;
  };

  DimExpr() = default; // the constant 0
  DimExpr(int64_t value);
  /// The symbol \p s (its range travels with it).
  static DimExpr symbol(const DimSymbol &s);

  bool isConstant() const;
  /// The value of a constant expression; asserts isConstant().
  int64_t constant() const;
  /// The symbol when the expression is exactly one symbol, else nullptr.
  const DimSymbol *asSymbol() const;
  /// Names of the symbols the expression reads, sorted, without repeats.
  std::vector<DimSymbol> symbols() const;

  /// Smallest and largest value over every assignment of the symbols within
  /// their ranges (interval arithmetic: the true minimum and maximum lie
  /// inside [lowerBound, upperBound]). Saturates at +-2^62.
  int64_t lowerBound() const;
  int64_t upperBound() const;

  /// Value with the symbols set to \p values. Errors: a symbol without a
  /// value, a value outside the symbol's range, or a result beyond 64 bits.
  llvm::Expected<int64_t> evaluate(const SymbolValues &values) const;

  /// Every value the expression takes is a multiple of \p c (> 0): true when
  /// every coefficient is (a sufficient test; false may be a missed proof).
  bool isMultipleOf(int64_t c) const;

  /// Readable form: "W", "2*S+1", "floor((W-3)/2)+1", "min(S,64)".
  std::string str() const;
  /// str(), parenthesized unless it is a constant or a single atom, for use
  /// inside a shape ("1x(2*S)x768").
  std::string strInShape() const;

  bool operator==(const DimExpr &o) const;
  bool operator!=(const DimExpr &o) const { return !(*this == o); }

  friend DimExpr operator+(const DimExpr &a, const DimExpr &b);
  friend DimExpr operator-(const DimExpr &a, const DimExpr &b);
  friend DimExpr operator*(const DimExpr &a, const DimExpr &b);
  DimExpr operator-() const;
  DimExpr &operator+=(const DimExpr &o) { return *this = *this + o; }
  DimExpr &operator*=(const DimExpr &o) { return *this = *this * o; }

  llvm::ArrayRef<Term> terms() const { return terms_; }

private:
  std::vector<Term> terms_; // sorted by monomial key; no zero coefficients
  friend struct DimExprBuilder;
};

/// floor(a / c) for a constant c > 0.
DimExpr floorDiv(const DimExpr &a, int64_t c);
/// ceil(a / c) for a constant c > 0.
DimExpr ceilDiv(const DimExpr &a, int64_t c);
/// a - c * floor(a / c) for a constant c > 0.
DimExpr mod(const DimExpr &a, int64_t c);
/// a / b when b divides a exactly as polynomials (a constant, a monomial,
/// or a polynomial whose multiple by a monomial is a); std::nullopt when
/// the quotient is not a polynomial this form proves exact.
std::optional<DimExpr> exactDiv(const DimExpr &a, const DimExpr &b);
DimExpr min(const DimExpr &a, const DimExpr &b);
DimExpr max(const DimExpr &a, const DimExpr &b);

/// An atom of a term: a symbol or an opaque floor/min/max (file comment).
struct DimAtom {
  enum Kind : uint8_t { Symbol, FloorDiv, Min, Max } kind = Symbol;
  DimSymbol symbol;  // Symbol
  DimExpr a, b;      // FloorDiv: a / b (b a constant > 0); Min, Max: a, b
  std::string key;   // canonical text; equal atoms have equal keys
};

/// Dims of a tensor whose shape may be symbolic, outermost first.
using SymShape = llvm::SmallVector<DimExpr, 4>;

/// "1x3x48xW", "Sx(2*S)".
std::string symShapeStr(llvm::ArrayRef<DimExpr> dims);

} // namespace tlc

#endif // TLC_IR_DIMEXPR_H
