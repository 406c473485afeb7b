//===- ops/SymbolicFold.cpp - Folding shape values over symbols -----------===//
//
// foldByElementIndex (ops/OpDef.h): the symbolic fold of ops that only move
// elements. Rather than restate each op's indexing, it runs the op's own
// reference on codes: element j of input k becomes kCodeBase + k * 2^16 + j
// (near the dtype's minimum, far from any shape arithmetic), so each output
// element that holds a code names the input element it copies. A code
// that an op reads as a number (a symbolic Slice end, Gather index) gives a
// wrong result, so the result is checked against the reference at the two
// corners of the symbols' ranges (all at their minimum, all at their
// maximum) and refused when they disagree.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "ops/Binary.h"
#include "ops/Broadcast.h"
#include "ops/OpUtil.h"

#include <limits>

using namespace llvm;

namespace tlc {

static constexpr int64_t kCodeStride = int64_t(1) << 16;

/// The first code of dtype \p dt (its minimum + 1).
static int64_t codeBase(DType dt) {
  return dt == DType::I32 ? int64_t(std::numeric_limits<int32_t>::min()) + 1
                          : std::numeric_limits<int64_t>::min() + 1;
}

/// Errors unless \p out, evaluated with every symbol at its minimum and then
/// at its maximum, is what \p def's reference computes from \p in so
/// evaluated.
static Error checkAtCorners(const OpDef &def, const Node &node,
                            ArrayRef<SymTensor> in,
                            ArrayRef<SymTensor> out) {
  std::vector<DimSymbol> symbols;
  for (const SymTensor &t : in)
    for (const DimExpr &e : t.elems)
      for (const DimSymbol &s : e.symbols())
        symbols.push_back(s);
  for (bool atMax : {false, true}) {
    SymbolValues values;
    for (const DimSymbol &s : symbols)
      values[s.name] = atMax ? s.max : s.min;
    std::vector<HostTensor> hosts;
    for (const SymTensor &t : in) {
      HostTensor h(t.type);
      for (size_t j = 0; j < t.elems.size(); ++j) {
        Expected<int64_t> v = t.elems[j].evaluate(values);
        if (!v)
          return v.takeError();
        h.setInt(int64_t(j), *v);
      }
      hosts.push_back(std::move(h));
    }
    std::vector<const HostTensor *> ptrs;
    for (const HostTensor &h : hosts)
      ptrs.push_back(&h);
    std::vector<HostTensor> results;
    if (Error e = evaluateOp(def, node, ptrs, results))
      return opError("cannot fold with symbolic inputs: at the " +
                     Twine(atMax ? "upper" : "lower") + " bounds: " +
                     toString(std::move(e)));
    for (size_t o = 0; o < out.size(); ++o) {
      bool same = results[o].numElements() == int64_t(out[o].elems.size());
      for (size_t j = 0; same && j < out[o].elems.size(); ++j) {
        Expected<int64_t> v = out[o].elems[j].evaluate(values);
        same = v && *v == results[o].intAt(int64_t(j));
        if (!v)
          consumeError(v.takeError());
      }
      if (!same)
        return opError("cannot fold with symbolic inputs: an element the "
                       "op reads as a number (an index or a bound) is "
                       "symbolic");
    }
  }
  return Error::success();
}

Error foldByElementIndex(const Node &node, ArrayRef<SymTensor> in,
                         MutableArrayRef<SymTensor> out) {
  const OpDef *def = lookupOp(node.op);
  assert(def && "folding a node of an unknown op");
  if (in.size() >= 256)
    return opError("too many inputs to fold symbolically");
  std::vector<HostTensor> hosts;
  for (size_t k = 0; k < in.size(); ++k) {
    const SymTensor &t = in[k];
    if (t.type.dtype != DType::I32 && t.type.dtype != DType::I64)
      return opError("input " + Twine(k) + " has dtype " +
                     dtypeName(t.type.dtype) + "; shape values are integers");
    if (int64_t(t.elems.size()) >= kCodeStride)
      return opError("input " + Twine(k) + " has " + Twine(t.elems.size()) +
                     " elements; a shape value has fewer than 65536");
    HostTensor h(t.type);
    int64_t base = codeBase(t.type.dtype);
    int64_t codesEnd = base + int64_t(in.size()) * kCodeStride;
    bool symbolic = llvm::any_of(
        t.elems, [](const DimExpr &e) { return !e.isConstant(); });
    for (size_t j = 0; j < t.elems.size(); ++j) {
      if (symbolic && !t.elems[j].isConstant()) {
        h.setInt(int64_t(j), base + int64_t(k) * kCodeStride + int64_t(j));
        continue;
      }
      int64_t v = t.elems[j].constant();
      if (v >= base && v < codesEnd)
        return opError("input " + Twine(k) + " holds " + Twine(v) +
                       ", a value symbolic folding reserves");
      h.setInt(int64_t(j), v);
    }
    hosts.push_back(std::move(h));
  }
  std::vector<const HostTensor *> ptrs;
  for (const HostTensor &h : hosts)
    ptrs.push_back(&h);
  std::vector<HostTensor> results;
  if (Error e = evaluateOp(*def, node, ptrs, results))
    return e;
  assert(results.size() == out.size() && "shape rule disagrees with itself");
  for (size_t o = 0; o < out.size(); ++o) {
    const HostTensor &r = results[o];
    if (r.type.dtype != DType::I32 && r.type.dtype != DType::I64)
      return opError("output " + Twine(o) + " has dtype " +
                     dtypeName(r.type.dtype) + "; shape values are integers");
    int64_t base = codeBase(r.type.dtype);
    int64_t codesEnd = base + int64_t(in.size()) * kCodeStride;
    out[o].elems.resize(size_t(r.numElements()));
    for (int64_t j = 0; j < r.numElements(); ++j) {
      int64_t v = r.intAt(j);
      if (v >= base && v < codesEnd) {
        size_t k = size_t((v - base) / kCodeStride);
        size_t idx = size_t((v - base) % kCodeStride);
        if (in[k].type.dtype != r.type.dtype || idx >= in[k].elems.size())
          return opError("output " + Twine(o) +
                         " is not a copy of input elements");
        out[o].elems[size_t(j)] = in[k].elems[idx];
      } else {
        out[o].elems[size_t(j)] = v;
      }
    }
  }
  return checkAtCorners(*def, node, in, out);
}

Error foldBinarySymbolic(BinaryOpCode code, ArrayRef<SymTensor> in,
                         MutableArrayRef<SymTensor> out) {
  const SymTensor &a = in[0], &b = in[1];
  if (out[0].type.dtype == DType::F32)
    return opError("shape values are integers; this is f32 arithmetic");
  std::vector<int64_t> ia = broadcastIndices(a.type.shape, out[0].type.shape);
  std::vector<int64_t> ib = broadcastIndices(b.type.shape, out[0].type.shape);
  for (size_t i = 0; i < out[0].elems.size(); ++i) {
    const DimExpr &x = a.elems[size_t(ia[i])], &y = b.elems[size_t(ib[i])];
    DimExpr &r = out[0].elems[i];
    switch (code) {
    case BinaryOpCode::Add:
      r = x + y;
      break;
    case BinaryOpCode::Sub:
      r = x - y;
      break;
    case BinaryOpCode::Mul:
      r = x * y;
      break;
    case BinaryOpCode::Div:
      // ONNX integer division truncates toward zero: floor for x >= 0 and a
      // positive constant divisor; an exact quotient otherwise.
      if (y.isConstant() && y.constant() > 0 && x.lowerBound() >= 0) {
        r = floorDiv(x, y.constant());
      } else if (std::optional<DimExpr> q = exactDiv(x, y)) {
        r = *q;
      } else {
        return opError("cannot express (" + x.str() + ") / (" + y.str() +
                       ") as a dimension");
      }
      break;
    case BinaryOpCode::Pow:
    case BinaryOpCode::Max:
    case BinaryOpCode::Min:
    case BinaryOpCode::PRelu:
    case BinaryOpCode::Fmod:
    case BinaryOpCode::Mod:
      return opError("not a shape arithmetic op");
    }
  }
  return Error::success();
}

} // namespace tlc
