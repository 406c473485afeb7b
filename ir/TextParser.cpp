//===- ir/TextParser.cpp - Reads the IR's text form back ------------------===//
//
// A recursive-descent parser over printGraph's grammar (ir/TextParser.h).
// Statements are line-oriented; the cursor tracks line and column for
// errors ("file:line:col: expected ...").
//
//===----------------------------------------------------------------------===//
#include "ir/TextParser.h"
#include "ir/Half.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace llvm;

namespace tlc {
namespace {

/// Largest weight a .tlir file may declare without values (zero-filled).
constexpr uint64_t kMaxZeroFilledBytes = uint64_t(256) << 20;

class Parser {
public:
  Parser(StringRef text, StringRef file) : text(text), file(file.str()) {}
  Expected<Graph> parse();

private:
  StringRef text;
  std::string file;
  size_t pos = 0;
  unsigned line = 1, col = 1;
  Graph g;
  StringMap<DimSymbol> symbols;
  /// Node inputs by name, resolved once every value is defined.
  struct PendingNode {
    Node node;
    std::vector<std::pair<std::string, SourceLoc>> inputs;
  };
  std::vector<PendingNode> pending;
  std::vector<std::pair<std::string, SourceLoc>> outputs;

  SourceLoc here() const { return SourceLoc{file, line, col}; }
  Error fail(const Twine &msg) const { return errorAt(here(), msg); }
  bool atEnd() const { return pos >= text.size(); }
  char peek(size_t k = 0) const {
    return pos + k < text.size() ? text[pos + k] : '\0';
  }
  void advance(size_t n = 1) {
    for (; n && pos < text.size(); --n, ++pos) {
      if (text[pos] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  }
  /// Skips blanks on the current line (not newlines).
  void skipBlanks() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\r')
      advance();
  }
  /// Skips blanks, newlines and `//` comments.
  void skipSpace() {
    for (;;) {
      skipBlanks();
      if (peek() == '\n') {
        advance();
      } else if (peek() == '/' && peek(1) == '/') {
        while (!atEnd() && peek() != '\n')
          advance();
      } else {
        return;
      }
    }
  }
  bool consume(StringRef s) {
    skipBlanks();
    if (!text.substr(pos).startswith(s))
      return false;
    advance(s.size());
    return true;
  }
  Error expect(StringRef s, StringRef what = "") {
    if (consume(s))
      return Error::success();
    return fail("expected '" + s + "'" + (what.empty() ? "" : " " + what) +
                ", found " + found());
  }
  std::string found() const {
    if (atEnd())
      return "the end of the file";
    StringRef rest = text.substr(pos);
    size_t n = rest.find_first_of(" \t\r\n");
    return "'" + rest.substr(0, std::min<size_t>(n, 24)).str() + "'";
  }
  static bool isIdentChar(char c) {
    return isAlnum(c) || c == '_' || c == '.';
  }
  StringRef identifier() {
    skipBlanks();
    size_t start = pos;
    while (isIdentChar(peek()))
      advance();
    return text.substr(start, pos - start);
  }
  /// "..." with \" and \\ escapes, the cursor on the opening quote.
  Expected<std::string> quoted() {
    advance();
    std::string s;
    while (!atEnd() && peek() != '"' && peek() != '\n') {
      if (peek() == '\\')
        advance();
      s += peek();
      advance();
    }
    if (peek() != '"')
      return fail("unterminated quoted name");
    advance();
    return s;
  }
  /// %name: everything up to a blank, ',' or ')'; or %"quoted".
  Expected<std::string> valueName() {
    skipBlanks();
    if (peek() != '%')
      return fail("expected a value name (%name), found " + found());
    advance();
    if (peek() == '"')
      return quoted();
    size_t start = pos;
    while (!atEnd() && !StringRef(" \t\r\n,)").contains(peek()))
      advance();
    if (pos == start)
      return fail("expected a name after '%'");
    return text.substr(start, pos - start).str();
  }
  Expected<int64_t> integer() {
    skipBlanks();
    size_t start = pos;
    if (peek() == '-')
      advance();
    while (isDigit(peek()))
      advance();
    int64_t v;
    if (text.substr(start, pos - start).getAsInteger(10, v))
      return errorAt(SourceLoc{file, line, col - unsigned(pos - start)},
                     "expected an integer, found " + found());
    return v;
  }

  Expected<DimExpr> expr();
  Expected<DimExpr> term();
  Expected<DimExpr> factor();
  Expected<DimExpr> dim();
  Expected<TensorType> type();
  Expected<AttrValue> attrValue();
  Error statement();
  Error declaration(ValueKind kind);
  Error nodeStatement();
  Error initializer(Value &v);
  Error resolve();
};

// expr := term (('+' | '-') term)*
Expected<DimExpr> Parser::expr() {
  Expected<DimExpr> e = term();
  if (!e)
    return e.takeError();
  DimExpr r = *e;
  for (;;) {
    skipBlanks();
    char op = peek();
    if (op != '+' && op != '-')
      return r;
    advance();
    Expected<DimExpr> t = term();
    if (!t)
      return t.takeError();
    r = op == '+' ? r + *t : r - *t;
  }
}

// term := factor ('*' factor)*
Expected<DimExpr> Parser::term() {
  Expected<DimExpr> f = factor();
  if (!f)
    return f.takeError();
  DimExpr r = *f;
  while (consume("*")) {
    Expected<DimExpr> g2 = factor();
    if (!g2)
      return g2.takeError();
    r = r * *g2;
  }
  return r;
}

// factor := '-' factor | INT | '(' expr ')' | floor(expr '/' INT)
//         | min(expr ',' expr) | max(expr ',' expr) | SYMBOL
Expected<DimExpr> Parser::factor() {
  skipBlanks();
  if (peek() == '-') {
    advance();
    Expected<DimExpr> f = factor();
    if (!f)
      return f.takeError();
    return -*f;
  }
  if (isDigit(peek())) {
    Expected<int64_t> v = integer();
    if (!v)
      return v.takeError();
    return DimExpr(*v);
  }
  if (consume("(")) {
    Expected<DimExpr> e = expr();
    if (!e)
      return e.takeError();
    if (Error err = expect(")", "closing the expression"))
      return std::move(err);
    return e;
  }
  for (StringRef fn : {"floor(", "min(", "max("}) {
    if (!consume(fn))
      continue;
    Expected<DimExpr> a = expr();
    if (!a)
      return a.takeError();
    if (fn == "floor(") {
      if (Error err = expect("/", "in floor(E/C)"))
        return std::move(err);
      Expected<int64_t> c = integer();
      if (!c)
        return c.takeError();
      if (*c <= 0)
        return fail("floor(E/C) needs a positive C, got " + Twine(*c));
      if (Error err = expect(")"))
        return std::move(err);
      return floorDiv(*a, *c);
    }
    if (Error err = expect(",", "between the two operands"))
      return std::move(err);
    Expected<DimExpr> b = expr();
    if (!b)
      return b.takeError();
    if (Error err = expect(")"))
      return std::move(err);
    return fn == "min(" ? min(*a, *b) : max(*a, *b);
  }
  // The longest declared symbol that starts here and ends where a name
  // can: a type joins a symbol and the next dim with 'x', which a symbol
  // name may also contain ("Sx4" is S then 4 when only S is declared).
  StringRef rest = text.substr(pos);
  const DimSymbol *best = nullptr;
  for (const auto &kv : symbols) {
    StringRef s = kv.getKey();
    char after = rest.size() > s.size() ? rest[s.size()] : '\0';
    if (rest.startswith(s) && (after == 'x' || !isIdentChar(after)) &&
        (!best || s.size() > best->name.size()))
      best = &kv.getValue();
  }
  if (!best)
    return fail("expected a dimension (an integer, a declared symbol, "
                "floor/min/max or '('), found " + found());
  advance(best->name.size());
  return DimExpr::symbol(*best);
}

Expected<DimExpr> Parser::dim() { return factor(); }

// type := '?' | (dim 'x')* DTYPE
Expected<TensorType> Parser::type() {
  skipBlanks();
  std::vector<DimExpr> dims;
  for (;;) {
    skipBlanks();
    // A dtype ends the type.
    size_t n = 0;
    while (isAlnum(peek(n)))
      ++n;
    StringRef word = text.substr(pos, n);
    if (std::optional<DType> t = parseDType(word);
        t && !symbols.count(word) && !isIdentChar(peek(n))) {
      advance(n);
      if (dims.empty())
        return TensorType{*t, {}};
      for (const DimExpr &d : dims)
        if (d.isConstant() && d.constant() < 0)
          return fail("a dimension is " + Twine(d.constant()) +
                      "; expected a size >= 0");
      return TensorType::withDims(*t, dims);
    }
    bool isCall = word.startswith("floor") || word.startswith("min") ||
                  word.startswith("max");
    bool isSymbol = false;
    for (const auto &kv : symbols)
      isSymbol |= word.startswith(kv.getKey());
    if (isAlpha(peek()) && !isCall && !isSymbol)
      return fail("'" + word + "' is neither a dtype (f32, f16, i32, i64, "
                  "bool, u8) nor a declared symbol");
    Expected<DimExpr> d = dim();
    if (!d)
      return d.takeError();
    dims.push_back(*d);
    if (peek() != 'x')
      return fail("expected 'x' and the next dimension or the dtype (f32, "
                  "f16, i32, i64, bool, u8), found " + found());
    advance();
  }
}

Expected<AttrValue> Parser::attrValue() {
  skipBlanks();
  if (peek() == '"') {
    advance();
    size_t start = pos;
    while (!atEnd() && peek() != '"' && peek() != '\n')
      advance();
    if (peek() != '"')
      return fail("unterminated string");
    std::string s = text.substr(start, pos - start).str();
    advance();
    return AttrValue(s);
  }
  auto scalar = [&](bool &isFloat, double &d, int64_t &i,
                    std::optional<DimExpr> &dimv) -> Error {
    skipBlanks();
    size_t start = pos;
    if (peek() == '-' || peek() == '+')
      advance();
    if (consume("inf") || consume("nan")) {
      isFloat = true;
      StringRef t = text.substr(start, pos - start);
      d = t.contains("nan") ? std::nan("")
                            : (t.startswith("-")
                                   ? -std::numeric_limits<double>::infinity()
                                   : std::numeric_limits<double>::infinity());
      return Error::success();
    }
    while (isAlnum(peek()) || peek() == '.' ||
           ((peek() == '-' || peek() == '+') &&
            (text[pos - 1] == 'e' || text[pos - 1] == 'E')))
      advance();
    StringRef t = text.substr(start, pos - start);
    if (!t.empty() && t.getAsInteger(10, i) == false) {
      isFloat = false;
      return Error::success();
    }
    if (!t.empty() && !t.getAsDouble(d)) {
      isFloat = true;
      return Error::success();
    }
    // A dimension expression (lists only).
    pos = start; // the cursor did not cross a newline
    col -= unsigned(t.size());
    Expected<DimExpr> e = expr();
    if (!e)
      return e.takeError();
    dimv = *e;
    return Error::success();
  };
  if (consume("[")) {
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    std::vector<DimExpr> dims;
    bool anyFloat = false, anyDim = false;
    skipBlanks();
    if (consume("]"))
      return AttrValue(ints);
    for (;;) {
      bool isFloat = false;
      double d = 0;
      int64_t i = 0;
      std::optional<DimExpr> dv;
      if (Error e = scalar(isFloat, d, i, dv))
        return std::move(e);
      anyFloat |= isFloat;
      anyDim |= dv.has_value();
      doubles.push_back(isFloat ? d : double(i));
      ints.push_back(i);
      dims.push_back(dv ? *dv : DimExpr(i));
      if (consume("]"))
        break;
      if (Error e = expect(",", "or ']' in the list"))
        return std::move(e);
    }
    if (anyFloat && anyDim)
      return fail("a list mixes floats and dimension expressions");
    if (anyDim)
      return AttrValue(dims);
    if (anyFloat)
      return AttrValue(doubles);
    return AttrValue(ints);
  }
  bool isFloat = false;
  double d = 0;
  int64_t i = 0;
  std::optional<DimExpr> dv;
  if (Error e = scalar(isFloat, d, i, dv))
    return std::move(e);
  if (dv)
    return fail("expected an integer, a float, a string or a list");
  return isFloat ? AttrValue(d) : AttrValue(i);
}

Error Parser::initializer(Value &v) {
  uint64_t bytes = v.type.byteSize();
  int64_t n = v.type.numElements();
  if (!consume("=")) {
    if (bytes > kMaxZeroFilledBytes)
      return errorAt(v.loc, "weight '%" + v.name + "' is " + Twine(bytes) +
                                " bytes and has no values; a .tlir file "
                                "zero-fills weights of at most " +
                                Twine(kMaxZeroFilledBytes) + " bytes");
    v.data.assign(bytes, 0);
    return Error::success();
  }
  Expected<AttrValue> a = attrValue();
  if (!a)
    return a.takeError();
  if (auto *sv = std::get_if<std::vector<DimExpr>>(&*a)) {
    // A shape value with symbolic elements: data holds the upper bounds.
    if (v.type.dtype != DType::I64 && v.type.dtype != DType::I32)
      return errorAt(v.loc, "'%" + v.name + "' : " + v.type.str() +
                                " lists dimension expressions; only i32 and "
                                "i64 shape values may");
    if (int64_t(sv->size()) != n)
      return errorAt(v.loc, "'%" + v.name + "' : " + v.type.str() + " has " +
                                Twine(n) + " elements; the list has " +
                                Twine(sv->size()));
    unsigned w = dtypeBytes(v.type.dtype);
    v.data.assign(bytes, 0);
    for (int64_t k = 0; k < n; ++k) {
      int64_t x = (*sv)[size_t(k)].upperBound();
      std::memcpy(v.data.data() + k * w, &x, w);
    }
    v.symData = *sv;
    return Error::success();
  }
  std::vector<double> vals;
  if (auto *iv = std::get_if<std::vector<int64_t>>(&*a))
    for (int64_t x : *iv)
      vals.push_back(double(x));
  else if (auto *dv = std::get_if<std::vector<double>>(&*a))
    vals = *dv;
  else
    return errorAt(v.loc, "the values of '%" + v.name +
                              "' must be a list of numbers");
  if (int64_t(vals.size()) != n)
    return errorAt(v.loc, "'%" + v.name + "' : " + v.type.str() + " has " +
                              Twine(n) + " elements; the list has " +
                              Twine(vals.size()));
  bool isInt = v.type.dtype != DType::F32 && v.type.dtype != DType::F16;
  v.data.assign(bytes, 0);
  unsigned w = dtypeBytes(v.type.dtype);
  for (int64_t k = 0; k < n; ++k) {
    uint8_t *p = v.data.data() + k * w;
    if (isInt) {
      // Integers parse exactly; the list held them as int64 (ints beyond
      // 2^53 come from the int64 list, not the doubles).
      int64_t x = std::get_if<std::vector<int64_t>>(&*a)
                      ? (*std::get_if<std::vector<int64_t>>(&*a))[k]
                      : int64_t(vals[k]);
      std::memcpy(p, &x, w); // little-endian: the low bytes
    } else if (v.type.dtype == DType::F32) {
      float f = float(vals[k]);
      std::memcpy(p, &f, 4);
    } else {
      uint16_t h = floatToHalf(float(vals[k]));
      std::memcpy(p, &h, 2);
    }
  }
  return Error::success();
}

// input %x : T | weight %w : T [= [...]] | state %s : T
Error Parser::declaration(ValueKind kind) {
  SourceLoc loc = here();
  Expected<std::string> name = valueName();
  if (!name)
    return name.takeError();
  if (Error e = expect(":", "after the value's name"))
    return e;
  Expected<TensorType> t = type();
  if (!t)
    return t.takeError();
  Value v;
  v.name = *name;
  v.type = *t;
  v.hasType = true;
  v.kind = kind;
  v.loc = loc;
  if (kind == ValueKind::Weight)
    if (Error e = initializer(v))
      return e;
  Expected<ValueId> id = g.addValue(std::move(v));
  if (!id)
    return id.takeError();
  if (kind == ValueKind::Input)
    g.inputs.push_back(*id);
  return Error::success();
}

// %a : T [, %b : T] = Op(%x, ...) [{k = v, ...}]
Error Parser::nodeStatement() {
  PendingNode pn;
  pn.node.loc = here();
  for (;;) {
    SourceLoc loc = here();
    Expected<std::string> name = valueName();
    if (!name)
      return name.takeError();
    Value v;
    v.name = *name;
    v.loc = loc;
    if (Error e = expect(":", "after the output's name"))
      return e;
    skipBlanks();
    if (peek() == '?') {
      advance();
    } else {
      Expected<TensorType> t = type();
      if (!t)
        return t.takeError();
      v.type = *t;
      v.hasType = true;
    }
    Expected<ValueId> id = g.addValue(std::move(v));
    if (!id)
      return id.takeError();
    pn.node.outputs.push_back(*id);
    if (!consume(","))
      break;
  }
  if (Error e = expect("=", "before the op"))
    return e;
  StringRef op = identifier();
  if (op.empty())
    return fail("expected an op name, found " + found());
  pn.node.op = op.str();
  pn.node.name = g.values[pn.node.outputs[0]].name;
  if (Error e = expect("(", "after the op name"))
    return e;
  if (!consume(")")) {
    for (;;) {
      SourceLoc loc = here();
      Expected<std::string> in = valueName();
      if (!in)
        return in.takeError();
      pn.inputs.push_back({*in, loc});
      if (consume(")"))
        break;
      if (Error e = expect(",", "or ')' after an input"))
        return e;
    }
  }
  if (consume("{")) {
    for (;;) {
      StringRef key = identifier();
      if (key.empty())
        return fail("expected an attribute name, found " + found());
      if (pn.node.attrs.values.count(key.str()))
        return fail("attribute '" + key + "' is given twice");
      if (Error e = expect("=", "after the attribute name"))
        return e;
      Expected<AttrValue> v = attrValue();
      if (!v)
        return v.takeError();
      pn.node.attrs.values[key.str()] = std::move(*v);
      if (consume("}"))
        break;
      if (Error e = expect(",", "or '}' after an attribute"))
        return e;
    }
  }
  pending.push_back(std::move(pn));
  return Error::success();
}

Error Parser::statement() {
  SourceLoc loc = here();
  if (peek() == '%')
    return nodeStatement();
  StringRef kw = identifier();
  if (kw == "input")
    return declaration(ValueKind::Input);
  if (kw == "weight")
    return declaration(ValueKind::Weight);
  if (kw == "state")
    return declaration(ValueKind::State);
  if (kw == "output") {
    SourceLoc at = here();
    Expected<std::string> name = valueName();
    if (!name)
      return name.takeError();
    outputs.push_back({*name, at});
    return Error::success();
  }
  if (kw == "symbol") {
    StringRef name = identifier();
    if (name.empty())
      return fail("expected a symbol name, found " + found());
    if (symbols.count(name))
      return errorAt(loc, "symbol '" + name + "' is declared twice");
    if (parseDType(name) || name == "floor" || name == "min" ||
        name == "max" || isDigit(name[0]) || name.contains('.'))
      return errorAt(loc, "symbol '" + name + "' is a dtype or function "
                          "name, or not a name; expected letters, digits "
                          "and '_', starting with a letter or '_'");
    if (Error e = expect(":", "after the symbol's name"))
      return e;
    Expected<int64_t> lo = integer();
    if (!lo)
      return lo.takeError();
    if (Error e = expect("..", "between the symbol's bounds"))
      return e;
    Expected<int64_t> hi = integer();
    if (!hi)
      return hi.takeError();
    if (*lo < 0 || *hi < *lo)
      return errorAt(loc, "symbol '" + name + "' has the range " + Twine(*lo) +
                              ".." + Twine(*hi) + "; expected 0 <= min <= max");
    DimSymbol s{name.str(), *lo, *hi};
    symbols[name] = s;
    g.symbols.push_back(s);
    return Error::success();
  }
  if (kw == "require") {
    Expected<DimExpr> e = expr();
    if (!e)
      return e.takeError();
    if (Error err = expect("<=", "in 'require E <= N'"))
      return err;
    Expected<int64_t> m = integer();
    if (!m)
      return m.takeError();
    g.requirements.push_back({*e, *m});
    return Error::success();
  }
  return errorAt(loc, "expected a statement (input, weight, state, symbol, "
                      "require, output or '%name : type = Op(...)'), found '" +
                          kw + "'");
}

Error Parser::resolve() {
  for (PendingNode &pn : pending) {
    for (auto &[name, loc] : pn.inputs) {
      std::optional<ValueId> id = g.lookup(name);
      if (!id)
        return errorAt(loc, "'%" + name + "' is not defined");
      pn.node.inputs.push_back(*id);
    }
    g.addNode(std::move(pn.node));
  }
  for (auto &[name, loc] : outputs) {
    std::optional<ValueId> id = g.lookup(name);
    if (!id)
      return errorAt(loc, "output '%" + name + "' is not defined");
    g.outputs.push_back(*id);
  }
  return Error::success();
}

Expected<Graph> Parser::parse() {
  skipSpace();
  if (identifier() != "graph")
    return fail("expected 'graph NAME {' at the start of the file");
  skipBlanks();
  if (peek() == '"') {
    Expected<std::string> q = quoted();
    if (!q)
      return q.takeError();
    g.name = *q;
  } else {
    size_t start = pos;
    while (!atEnd() && !StringRef(" \t\r\n{").contains(peek()))
      advance();
    g.name = text.substr(start, pos - start).str();
  }
  if (g.name.empty())
    return fail("expected the graph's name after 'graph'");
  if (Error e = expect("{", "after the graph's name"))
    return std::move(e);
  for (;;) {
    skipSpace();
    if (atEnd())
      return fail("expected '}' closing the graph");
    if (consume("}"))
      break;
    if (Error e = statement())
      return std::move(e);
    skipBlanks();
    if (peek() == '/' && peek(1) == '/')
      skipSpace();
    else if (!atEnd() && peek() != '\n')
      return fail("expected the end of the line, found " + found());
  }
  skipSpace();
  if (!atEnd())
    return fail("expected nothing after the graph's '}', found " + found());
  if (Error e = resolve())
    return std::move(e);
  return std::move(g);
}

} // namespace

Expected<Graph> parseGraphText(StringRef text, StringRef fileName) {
  return Parser(text, fileName).parse();
}

} // namespace tlc
