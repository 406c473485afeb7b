//===- ir/ShapeSpec.cpp - Input shapes as users write them ----------------===//
#include "ir/ShapeSpec.h"

#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace tlc {

static Error specError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

ShapeSpec::ShapeSpec(ArrayRef<int64_t> sizes) {
  for (int64_t s : sizes) {
    DimSpec d;
    d.size = s;
    dims.push_back(d);
  }
}

static bool isIdentifier(StringRef s) {
  if (s.empty() || !(isAlpha(s[0]) || s[0] == '_'))
    return false;
  for (char c : s)
    if (!(isAlnum(c) || c == '_'))
      return false;
  return true;
}

Expected<DimRange> parseDimRange(StringRef text) {
  StringRef lo = text, hi = text;
  size_t dots = text.find("..");
  if (dots != StringRef::npos) {
    lo = text.substr(0, dots);
    hi = text.substr(dots + 2);
  }
  unsigned long long a, b;
  if (lo.getAsInteger(10, a) || hi.getAsInteger(10, b))
    return specError("'" + text +
                     "' is not a size or a range; expected VALUE or "
                     "MIN..MAX, e.g. 32..1280");
  if (a < 1 || a > b || b > (1ull << 40))
    return specError("range '" + text +
                     "' is empty or out of bounds; expected 1 <= MIN <= MAX "
                     "<= 2^40");
  return DimRange{int64_t(a), int64_t(b)};
}

Expected<ShapeSpec> parseShapeSpec(StringRef text) {
  ShapeSpec spec;
  if (text.empty())
    return specError("empty shape; expected dims like 1x3x224x224, "
                     "Nx3x224x224 or 1x3x48x32..1280");
  SmallVector<StringRef, 6> parts;
  text.split(parts, 'x');
  for (StringRef p : parts) {
    DimSpec d;
    if (isIdentifier(p) && !p.contains("..")) {
      d.kind = DimSpec::Name;
      d.name = p.str();
    } else {
      Expected<DimRange> r = parseDimRange(p);
      if (!r)
        return specError("shape '" + text + "': dim " +
                         Twine(spec.dims.size()) + ": " +
                         toString(r.takeError()));
      if (p.contains("..")) {
        d.kind = DimSpec::Range;
        d.min = r->min;
        d.max = r->max;
      } else {
        d.size = r->min;
      }
    }
    spec.dims.push_back(std::move(d));
  }
  return spec;
}

Error parseDimFlags(ArrayRef<std::string> flags,
                    std::map<std::string, DimRange> &out) {
  for (const std::string &flag : flags) {
    StringRef name, range;
    std::tie(name, range) = StringRef(flag).split('=');
    if (!isIdentifier(name) || range.empty())
      return specError("--dim '" + flag +
                       "': expected NAME=MIN..MAX or NAME=VALUE, e.g. "
                       "W=32..1280");
    Expected<DimRange> r = parseDimRange(range);
    if (!r)
      return specError("--dim '" + flag + "': " + toString(r.takeError()));
    if (!out.emplace(name.str(), *r).second)
      return specError("--dim names '" + name + "' twice");
  }
  return Error::success();
}

DimExpr SymbolBinder::bind(StringRef name, DimRange r) {
  if (r.min == r.max)
    return DimExpr(r.min);
  for (const DimSymbol &s : used)
    if (s.name == name)
      return DimExpr::symbol(s);
  DimSymbol s{name.str(), r.min, r.max};
  used.push_back(s);
  return DimExpr::symbol(s);
}

Expected<DimExpr> SymbolBinder::named(StringRef name, const Twine &where) {
  auto f = flags.find(name.str());
  auto p = inPlace.find(name.str());
  if (f != flags.end() && p != inPlace.end() &&
      (f->second.min != p->second.min || f->second.max != p->second.max))
    return specError(where + ": '" + name + "' is " + Twine(p->second.min) +
                     ".." + Twine(p->second.max) + " in --input-shape but " +
                     Twine(f->second.min) + ".." + Twine(f->second.max) +
                     " in --dim");
  if (f != flags.end())
    return bind(name, f->second);
  if (p != inPlace.end())
    return bind(name, p->second);
  auto d = defaults.find(name.str());
  if (d != defaults.end())
    return bind(name, d->second);
  return specError(where + ": symbolic dimension '" + name +
                   "' has no value or range; bind it with --dim " + name +
                   "=MIN..MAX (a range) or --dim " + name + "=VALUE");
}

Expected<DimExpr> SymbolBinder::ranged(StringRef name, DimRange r,
                                       const Twine &where) {
  auto f = flags.find(name.str());
  if (f != flags.end() && (f->second.min != r.min || f->second.max != r.max))
    return specError(where + ": '" + name + "' is " + Twine(r.min) + ".." +
                     Twine(r.max) + " in --input-shape but " +
                     Twine(f->second.min) + ".." + Twine(f->second.max) +
                     " in --dim");
  auto p = inPlace.find(name.str());
  if (p != inPlace.end() && (p->second.min != r.min || p->second.max != r.max))
    return specError(where + ": '" + name + "' is given two ranges, " +
                     Twine(p->second.min) + ".." + Twine(p->second.max) +
                     " and " + Twine(r.min) + ".." + Twine(r.max));
  inPlace[name.str()] = r;
  return bind(name, r);
}

Expected<DimExpr> SymbolBinder::resolve(const DimSpec &d, StringRef modelName,
                                        const Twine &where) {
  switch (d.kind) {
  case DimSpec::Size:
    return DimExpr(d.size);
  case DimSpec::Name:
    return named(d.name, where);
  case DimSpec::Range:
    return ranged(modelName, DimRange{d.min, d.max}, where);
  }
  return DimExpr(0);
}

} // namespace tlc
