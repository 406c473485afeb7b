//===- ir/DimExpr.cpp - Symbolic tensor dimensions ------------------------===//
#include "ir/DimExpr.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cassert>
#include <numeric>

using namespace llvm;

namespace tlc {

namespace {
using Term = DimExpr::Term;
using AtomRef = std::shared_ptr<const DimAtom>;

/// Bounds saturate here, far from int64 overflow in later arithmetic.
constexpr int64_t kBoundLimit = int64_t(1) << 62;

int64_t saturate(__int128 v) {
  if (v > kBoundLimit)
    return kBoundLimit;
  if (v < -kBoundLimit)
    return -kBoundLimit;
  return int64_t(v);
}

int64_t floorDivInt(int64_t a, int64_t c) {
  int64_t q = a / c;
  return (a % c != 0 && ((a < 0) != (c < 0))) ? q - 1 : q;
}

std::string monomialKey(const Term &t) {
  std::string k;
  for (const AtomRef &a : t.atoms) {
    if (!k.empty())
      k += '*';
    k += a->key;
  }
  return k;
}

/// Canonical term order: higher degree first, then by monomial text; the
/// constant term last.
bool termBefore(const Term &x, const Term &y) {
  if (x.atoms.size() != y.atoms.size())
    return x.atoms.size() > y.atoms.size();
  return monomialKey(x) < monomialKey(y);
}

bool sameMonomial(const Term &x, const Term &y) {
  if (x.atoms.size() != y.atoms.size())
    return false;
  for (size_t i = 0; i < x.atoms.size(); ++i)
    if (x.atoms[i]->key != y.atoms[i]->key)
      return false;
  return true;
}

int64_t addSat(int64_t a, int64_t b) { return saturate(__int128(a) + b); }
int64_t mulSat(int64_t a, int64_t b) { return saturate(__int128(a) * b); }

struct Interval {
  int64_t lo, hi;
};

Interval mulInterval(Interval x, Interval y) {
  int64_t c[4] = {mulSat(x.lo, y.lo), mulSat(x.lo, y.hi), mulSat(x.hi, y.lo),
                  mulSat(x.hi, y.hi)};
  return {*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
}

Interval atomInterval(const DimAtom &a);

Interval exprInterval(const DimExpr &e) {
  Interval sum = {0, 0};
  for (const Term &t : e.terms()) {
    Interval ti = {t.coeff, t.coeff};
    for (const AtomRef &a : t.atoms)
      ti = mulInterval(ti, atomInterval(*a));
    sum = {addSat(sum.lo, ti.lo), addSat(sum.hi, ti.hi)};
  }
  return sum;
}

Interval atomInterval(const DimAtom &a) {
  switch (a.kind) {
  case DimAtom::Symbol:
    return {a.symbol.min, a.symbol.max};
  case DimAtom::FloorDiv: {
    Interval x = exprInterval(a.a);
    int64_t c = a.b.constant();
    return {floorDivInt(x.lo, c), floorDivInt(x.hi, c)};
  }
  case DimAtom::Min: {
    Interval x = exprInterval(a.a), y = exprInterval(a.b);
    return {std::min(x.lo, y.lo), std::min(x.hi, y.hi)};
  }
  case DimAtom::Max: {
    Interval x = exprInterval(a.a), y = exprInterval(a.b);
    return {std::max(x.lo, y.lo), std::max(x.hi, y.hi)};
  }
  }
  return {0, 0};
}

void collectSymbols(const DimExpr &e, std::vector<DimSymbol> &out) {
  for (const Term &t : e.terms())
    for (const AtomRef &a : t.atoms) {
      if (a->kind == DimAtom::Symbol)
        out.push_back(a->symbol);
      else {
        collectSymbols(a->a, out);
        collectSymbols(a->b, out);
      }
    }
}

std::string termStr(const Term &t, bool withSign) {
  std::string mono = monomialKey(t);
  int64_t c = withSign ? t.coeff : (t.coeff < 0 ? -t.coeff : t.coeff);
  if (mono.empty())
    return std::to_string(c);
  if (c == 1)
    return mono;
  if (c == -1)
    return "-" + mono;
  return std::to_string(c) + "*" + mono;
}

/// The expression for a floor/min/max operand inside its atom's text.
std::string operandStr(const DimExpr &e) { return e.strInShape(); }

AtomRef makeAtom(DimAtom a) {
  switch (a.kind) {
  case DimAtom::Symbol:
    a.key = a.symbol.name;
    break;
  case DimAtom::FloorDiv:
    a.key = "floor(" + operandStr(a.a) + "/" + a.b.str() + ")";
    break;
  case DimAtom::Min:
    a.key = "min(" + a.a.str() + "," + a.b.str() + ")";
    break;
  case DimAtom::Max:
    a.key = "max(" + a.a.str() + "," + a.b.str() + ")";
    break;
  }
  return std::make_shared<const DimAtom>(std::move(a));
}
} // namespace

/// Builds canonical expressions from raw term lists.
struct DimExprBuilder {
  static DimExpr make(std::vector<Term> terms) {
    for (Term &t : terms)
      std::sort(t.atoms.begin(), t.atoms.end(),
                [](const AtomRef &x, const AtomRef &y) {
                  return x->key < y->key;
                });
    std::sort(terms.begin(), terms.end(), termBefore);
    DimExpr e;
    for (Term &t : terms) {
      if (!e.terms_.empty() && sameMonomial(e.terms_.back(), t))
        e.terms_.back().coeff = addSat(e.terms_.back().coeff, t.coeff);
      else
        e.terms_.push_back(std::move(t));
      if (e.terms_.back().coeff == 0)
        e.terms_.pop_back();
    }
    return e;
  }
  static DimExpr atom(DimAtom a) {
    Term t;
    t.coeff = 1;
    t.atoms.push_back(makeAtom(std::move(a)));
    return make({std::move(t)});
  }
};

DimExpr::DimExpr(int64_t value) {
  if (value != 0)
    terms_.push_back(Term{value, {}});
}

DimExpr DimExpr::symbol(const DimSymbol &s) {
  DimAtom a;
  a.kind = DimAtom::Symbol;
  a.symbol = s;
  return DimExprBuilder::atom(std::move(a));
}

bool DimExpr::isConstant() const {
  return terms_.empty() || (terms_.size() == 1 && terms_[0].atoms.empty());
}

int64_t DimExpr::constant() const {
  assert(isConstant() && "not a constant expression");
  return terms_.empty() ? 0 : terms_[0].coeff;
}

const DimSymbol *DimExpr::asSymbol() const {
  if (terms_.size() != 1 || terms_[0].coeff != 1 ||
      terms_[0].atoms.size() != 1 ||
      terms_[0].atoms[0]->kind != DimAtom::Symbol)
    return nullptr;
  return &terms_[0].atoms[0]->symbol;
}

std::vector<DimSymbol> DimExpr::symbols() const {
  std::vector<DimSymbol> all;
  collectSymbols(*this, all);
  std::sort(all.begin(), all.end(),
            [](const DimSymbol &x, const DimSymbol &y) {
              return x.name < y.name;
            });
  all.erase(std::unique(all.begin(), all.end(),
                        [](const DimSymbol &x, const DimSymbol &y) {
                          return x.name == y.name;
                        }),
            all.end());
  return all;
}

namespace {
/// Exact bounds of a multilinear polynomial in at most 8 symbols (no floor,
/// min or max atoms, no symbol squared): it is linear in each symbol with
/// the others fixed, so its extremes lie at corners of the range box.
/// std::nullopt for other expressions.
std::optional<Interval> cornerInterval(const DimExpr &e) {
  std::vector<DimSymbol> syms = e.symbols();
  if (syms.size() > 8)
    return std::nullopt;
  for (const Term &t : e.terms())
    for (size_t i = 0; i < t.atoms.size(); ++i)
      if (t.atoms[i]->kind != DimAtom::Symbol ||
          (i > 0 && t.atoms[i]->key == t.atoms[i - 1]->key))
        return std::nullopt;
  Interval r = {INT64_MAX, INT64_MIN};
  for (unsigned mask = 0; mask < (1u << syms.size()); ++mask) {
    __int128 sum = 0;
    for (const Term &t : e.terms()) {
      __int128 prod = t.coeff;
      for (const AtomRef &a : t.atoms)
        for (size_t k = 0; k < syms.size(); ++k)
          if (syms[k].name == a->key)
            prod *= (mask >> k) & 1 ? syms[k].max : syms[k].min;
      sum += saturate(prod);
    }
    r.lo = std::min(r.lo, saturate(sum));
    r.hi = std::max(r.hi, saturate(sum));
  }
  return r;
}

Interval bounds(const DimExpr &e) {
  if (auto c = cornerInterval(e))
    return *c;
  return exprInterval(e);
}
} // namespace

int64_t DimExpr::lowerBound() const { return bounds(*this).lo; }
int64_t DimExpr::upperBound() const { return bounds(*this).hi; }

namespace {
Expected<__int128> evalExpr(const DimExpr &e, const SymbolValues &values);

Expected<__int128> evalAtom(const DimAtom &a, const SymbolValues &values) {
  switch (a.kind) {
  case DimAtom::Symbol: {
    auto it = values.find(a.symbol.name);
    if (it == values.end())
      return createStringError(inconvertibleErrorCode(),
                               "symbol '" + a.symbol.name + "' has no value");
    int64_t v = it->second;
    if (v < a.symbol.min || v > a.symbol.max)
      return createStringError(
          inconvertibleErrorCode(),
          "symbol '" + a.symbol.name + "' = " + std::to_string(v) +
              " is outside its range " + std::to_string(a.symbol.min) + ".." +
              std::to_string(a.symbol.max));
    return __int128(v);
  }
  case DimAtom::FloorDiv: {
    auto x = evalExpr(a.a, values);
    if (!x)
      return x.takeError();
    int64_t c = a.b.constant();
    __int128 q = *x / c;
    if (*x % c != 0 && *x < 0)
      --q;
    return q;
  }
  case DimAtom::Min:
  case DimAtom::Max: {
    auto x = evalExpr(a.a, values);
    if (!x)
      return x.takeError();
    auto y = evalExpr(a.b, values);
    if (!y)
      return y.takeError();
    return a.kind == DimAtom::Min ? std::min(*x, *y) : std::max(*x, *y);
  }
  }
  return __int128(0);
}

Expected<__int128> evalExpr(const DimExpr &e, const SymbolValues &values) {
  const __int128 limit = __int128(INT64_MAX);
  __int128 sum = 0;
  for (const Term &t : e.terms()) {
    __int128 prod = t.coeff;
    for (const AtomRef &a : t.atoms) {
      auto v = evalAtom(*a, values);
      if (!v)
        return v.takeError();
      prod *= *v;
      if (prod > limit || prod < -limit)
        return createStringError(inconvertibleErrorCode(),
                                 "'" + e.str() + "' overflows 64 bits");
    }
    sum += prod;
    if (sum > limit || sum < -limit)
      return createStringError(inconvertibleErrorCode(),
                               "'" + e.str() + "' overflows 64 bits");
  }
  return sum;
}
} // namespace

Expected<int64_t> DimExpr::evaluate(const SymbolValues &values) const {
  auto v = evalExpr(*this, values);
  if (!v)
    return v.takeError();
  return int64_t(*v);
}

bool DimExpr::isMultipleOf(int64_t c) const {
  assert(c > 0);
  for (const Term &t : terms_)
    if (t.coeff % c != 0)
      return false;
  return true;
}

std::string DimExpr::str() const {
  if (terms_.empty())
    return "0";
  std::string s;
  for (size_t i = 0; i < terms_.size(); ++i) {
    if (i == 0)
      s += termStr(terms_[i], true);
    else
      s += (terms_[i].coeff < 0 ? "-" : "+") + termStr(terms_[i], false);
  }
  return s;
}

std::string DimExpr::strInShape() const {
  if (isConstant() ||
      (terms_.size() == 1 && terms_[0].coeff == 1 &&
       terms_[0].atoms.size() == 1))
    return str();
  return "(" + str() + ")";
}

bool DimExpr::operator==(const DimExpr &o) const {
  if (terms_.size() != o.terms_.size())
    return false;
  for (size_t i = 0; i < terms_.size(); ++i)
    if (terms_[i].coeff != o.terms_[i].coeff ||
        !sameMonomial(terms_[i], o.terms_[i]))
      return false;
  return true;
}

DimExpr operator+(const DimExpr &a, const DimExpr &b) {
  std::vector<Term> t(a.terms_.begin(), a.terms_.end());
  t.insert(t.end(), b.terms_.begin(), b.terms_.end());
  return DimExprBuilder::make(std::move(t));
}

DimExpr DimExpr::operator-() const {
  std::vector<Term> t(terms_.begin(), terms_.end());
  for (Term &x : t)
    x.coeff = -x.coeff;
  return DimExprBuilder::make(std::move(t));
}

DimExpr operator-(const DimExpr &a, const DimExpr &b) { return a + (-b); }

DimExpr operator*(const DimExpr &a, const DimExpr &b) {
  std::vector<Term> t;
  for (const Term &x : a.terms_)
    for (const Term &y : b.terms_) {
      Term p;
      p.coeff = mulSat(x.coeff, y.coeff);
      p.atoms = x.atoms;
      p.atoms.insert(p.atoms.end(), y.atoms.begin(), y.atoms.end());
      t.push_back(std::move(p));
    }
  return DimExprBuilder::make(std::move(t));
}

DimExpr floorDiv(const DimExpr &a, int64_t c) {
  assert(c > 0 && "floorDiv by a positive constant");
  if (c == 1)
    return a;
  // Pull out of every term the multiple of c its coefficient holds:
  // floor((c*q + r) / c) = q + floor(r / c) for integer-valued q, leaving
  // remainder coefficients below c in magnitude.
  std::vector<Term> quotient, rest;
  // The constant term is reduced into [0, c) so that equal floors compare
  // equal (floor((W-3)/2) = floor((W+1)/2)-2); other coefficients are only
  // truncated toward zero, since -W + floor(2*W/3) for floor(-W/3) would
  // loosen the bounds (the two terms move together).
  for (const Term &t : a.terms()) {
    int64_t q = t.atoms.empty() ? floorDivInt(t.coeff, c) : t.coeff / c;
    int64_t r = t.coeff - q * c;
    if (q != 0)
      quotient.push_back(Term{q, t.atoms});
    if (r != 0)
      rest.push_back(Term{r, t.atoms});
  }
  DimExpr q = DimExprBuilder::make(std::move(quotient));
  DimExpr r = DimExprBuilder::make(std::move(rest));
  if (r.isConstant()) // 0 <= r < c
    return q;
  // Divide out a common factor: floor(g*x / (g*k)) = floor(x / k).
  int64_t g = c;
  for (const DimExpr::Term &t : r.terms())
    g = std::gcd(g, t.coeff);
  if (g > 1) {
    std::vector<Term> scaled(r.terms().begin(), r.terms().end());
    for (Term &t : scaled)
      t.coeff /= g;
    r = DimExprBuilder::make(std::move(scaled));
    c /= g;
  }
  if (r.lowerBound() >= 0 && r.upperBound() < c)
    return q;
  DimAtom atom;
  atom.kind = DimAtom::FloorDiv;
  atom.a = r;
  atom.b = DimExpr(c);
  return q + DimExprBuilder::atom(std::move(atom));
}

DimExpr ceilDiv(const DimExpr &a, int64_t c) {
  assert(c > 0 && "ceilDiv by a positive constant");
  return floorDiv(a + DimExpr(c - 1), c);
}

DimExpr mod(const DimExpr &a, int64_t c) {
  return a - DimExpr(c) * floorDiv(a, c);
}

namespace {
/// t / d as single terms, when d's coefficient divides t's and d's atoms
/// are a sub-multiset of t's.
std::optional<Term> divideTerm(const Term &t, const Term &d) {
  if (d.coeff == 0 || t.coeff % d.coeff != 0)
    return std::nullopt;
  Term q;
  q.coeff = t.coeff / d.coeff;
  std::vector<bool> used(t.atoms.size(), false);
  for (const AtomRef &da : d.atoms) {
    bool found = false;
    for (size_t i = 0; i < t.atoms.size(); ++i)
      if (!used[i] && t.atoms[i]->key == da->key) {
        used[i] = found = true;
        break;
      }
    if (!found)
      return std::nullopt;
  }
  for (size_t i = 0; i < t.atoms.size(); ++i)
    if (!used[i])
      q.atoms.push_back(t.atoms[i]);
  return q;
}
} // namespace

std::optional<DimExpr> exactDiv(const DimExpr &a, const DimExpr &b) {
  if (b.terms().empty())
    return std::nullopt;
  if (a.terms().empty())
    return DimExpr(0);
  if (b.terms().size() == 1) {
    std::vector<Term> q;
    for (const Term &t : a.terms()) {
      auto d = divideTerm(t, b.terms()[0]);
      if (!d)
        return std::nullopt;
      q.push_back(std::move(*d));
    }
    return DimExprBuilder::make(std::move(q));
  }
  // b * m == a for a single term m: try a's first term over each of b's.
  for (const Term &bt : b.terms()) {
    auto m = divideTerm(a.terms()[0], bt);
    if (!m)
      continue;
    DimExpr q = DimExprBuilder::make({*m});
    if (b * q == a)
      return q;
  }
  return std::nullopt;
}

namespace {
DimExpr minMax(const DimExpr &a, const DimExpr &b, bool isMin) {
  if (a == b)
    return a;
  DimExpr d = a - b;
  if (d.lowerBound() >= 0) // a >= b everywhere
    return isMin ? b : a;
  if (d.upperBound() <= 0) // a <= b everywhere
    return isMin ? a : b;
  DimAtom atom;
  atom.kind = isMin ? DimAtom::Min : DimAtom::Max;
  // Operands in text order: min(a, b) and min(b, a) are one atom.
  bool swap = b.str() < a.str();
  atom.a = swap ? b : a;
  atom.b = swap ? a : b;
  return DimExprBuilder::atom(std::move(atom));
}
} // namespace

DimExpr min(const DimExpr &a, const DimExpr &b) { return minMax(a, b, true); }
DimExpr max(const DimExpr &a, const DimExpr &b) { return minMax(a, b, false); }

std::string symShapeStr(ArrayRef<DimExpr> dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      s += 'x';
    s += dims[i].strInShape();
  }
  return s;
}

} // namespace tlc
