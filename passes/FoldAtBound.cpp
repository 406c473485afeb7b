//===- passes/FoldAtBound.cpp - Data-independent tensors over symbols -----===//
//
// Exported transformers build their causal mask and position ids from the
// sequence length: Range, LessOrEqual, And, Where, Expand, ConstantOfShape,
// Gather of the position table. With a fixed length these fold to constants;
// with a symbolic length they do not, yet they read no input data, only the
// symbols. This pass computes such a tensor once, at the bound (every symbol
// at its max), with the ops' CPU references, and replaces it with a Slice of
// that constant to the tensor's symbolic extent, which the device runs.
//
// That is only right when the tensor's value at any shape is the leading
// block of its value at the bound (a causal mask's element (i, j) does not
// depend on S; position ids 0..S-1 are a prefix of 0..Smax-1). The pass
// checks it by evaluating the tensor at other points of the range too (every
// value of a symbol whose range has at most 16, else its min, its max and
// six values between, seeded) and refuses a tensor that differs from the
// leading block of the bound's (a mask scaled by 1/S), naming the node.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "passes/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallSet.h"

#include <cstring>
#include <map>
#include <random>

using namespace llvm;

namespace tlc {

/// Largest tensor folded at the bound, in bytes (it becomes a weight).
static constexpr uint64_t kMaxBoundBytes = uint64_t(64) << 20;

namespace {

/// A point of the symbols' ranges: one value per Graph::symbols entry.
using Point = SymbolValues;

/// The points a tensor over \p symbols is checked at: the bound first.
std::vector<Point> checkPoints(ArrayRef<DimSymbol> symbols) {
  std::vector<Point> points;
  Point bound;
  for (const DimSymbol &s : symbols)
    bound[s.name] = s.max;
  points.push_back(bound);
  std::mt19937 rng(12345);
  for (const DimSymbol &s : symbols) {
    std::vector<int64_t> values;
    if (s.max - s.min < 16) {
      for (int64_t v = s.min; v < s.max; ++v)
        values.push_back(v);
    } else {
      values = {s.min};
      for (int k = 0; k < 6; ++k)
        values.push_back(
            std::uniform_int_distribution<int64_t>(s.min, s.max - 1)(rng));
    }
    // Vary one symbol at a time; the others at their max.
    for (int64_t v : values) {
      Point p = bound;
      p[s.name] = v;
      points.push_back(p);
    }
  }
  return points;
}

/// The concrete type of \p t at \p at.
Expected<TensorType> typeAt(const TensorType &t, const Point &at) {
  if (t.isStatic())
    return t;
  Shape shape;
  for (const DimExpr &d : t.sym) {
    Expected<int64_t> v = d.evaluate(at);
    if (!v)
      return v.takeError();
    shape.push_back(*v);
  }
  return TensorType{t.dtype, shape};
}

/// Whether \p small equals the leading block of \p big (same rank, each dim
/// of small <= big's, elements compared as bytes).
bool isLeadingBlock(const HostTensor &small, const HostTensor &big) {
  const Shape &s = small.type.shape, &b = big.type.shape;
  if (s.size() != b.size() || small.type.dtype != big.type.dtype)
    return false;
  for (size_t d = 0; d < s.size(); ++d)
    if (s[d] > b[d])
      return false;
  size_t width = dtypeBytes(small.type.dtype);
  int64_t n = small.numElements();
  Shape idx(s.size(), 0);
  ArrayRef<uint8_t> sb = small.bytes(), bb = big.bytes();
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = 0;
    for (size_t d = 0; d < s.size(); ++d)
      j = j * b[d] + idx[d];
    if (std::memcmp(sb.data() + i * width, bb.data() + j * width, width))
      return false;
    for (size_t d = s.size(); d-- > 0;) {
      if (++idx[d] < s[d])
        break;
      idx[d] = 0;
    }
  }
  return true;
}

} // namespace

Expected<size_t> foldAtBound(Graph &g) {
  if (g.symbols.empty())
    return 0;
  // Values that read no input data: weights (shape values included) and
  // what nodes compute from them alone. Candidates are the nodes among
  // those that depend on a symbol (a symbolic shape value or type): folding
  // left them because no single value exists.
  std::vector<bool> independent(g.values.size(), false);
  std::vector<bool> symbolic(g.values.size(), false);
  for (ValueId v = 0; v < g.values.size(); ++v) {
    const Value &val = g.values[v];
    independent[v] = val.kind == ValueKind::Weight;
    symbolic[v] = independent[v] && !val.symData.empty();
  }
  std::vector<bool> candidate(g.nodes.size(), false);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node &node = g.nodes[n];
    bool allIndependent = !node.inputs.empty(), anySymbolic = false;
    for (ValueId in : node.inputs) {
      allIndependent &= independent[in];
      anySymbolic |= symbolic[in];
    }
    if (!allIndependent || !anySymbolic || !lookupOp(node.op))
      continue;
    candidate[n] = true;
    for (ValueId out : node.outputs)
      independent[out] = symbolic[out] = true;
  }
  // The frontier: candidates' outputs read by other nodes or graph outputs.
  std::vector<ValueId> frontier;
  {
    std::vector<bool> inFrontier(g.values.size(), false);
    auto add = [&](ValueId v) {
      if (!inFrontier[v] && g.values[v].kind != ValueKind::Weight) {
        inFrontier[v] = true;
        frontier.push_back(v);
      }
    };
    for (size_t n = 0; n < g.nodes.size(); ++n)
      if (!candidate[n])
        for (ValueId in : g.nodes[n].inputs)
          if (independent[in] && symbolic[in])
            add(in);
    for (ValueId out : g.outputs)
      if (independent[out] && symbolic[out])
        add(out);
  }
  if (frontier.empty())
    return 0;
  for (ValueId v : frontier) {
    const Value &val = g.values[v];
    const Node &producer = g.nodes[*val.producer];
    if (!val.hasType)
      return errorAt(producer.loc,
                     "node '" + producer.name + "' (" + producer.op +
                         "): its output '" + val.name +
                         "' depends only on the symbols, but its shape rule "
                         "cannot type it (docs/shape-ranges.md)");
    if (val.type.byteSize() > kMaxBoundBytes)
      return errorAt(producer.loc,
                     "node '" + producer.name + "' (" + producer.op +
                         "): its output '" + val.name + "' (" + val.type.str() +
                         ") depends only on the symbols but is too large to "
                         "precompute at the bound (over 64 MiB)");
  }

  // Evaluate the candidates at each point with their CPU references.
  std::vector<Point> points = checkPoints(g.symbols);
  std::map<ValueId, HostTensor> atBound;
  for (size_t p = 0; p < points.size(); ++p) {
    const Point &at = points[p];
    DenseMap<ValueId, HostTensor> values;
    auto hostOf = [&](ValueId v) -> Expected<const HostTensor *> {
      auto it = values.find(v);
      if (it != values.end())
        return &it->second;
      const Value &val = g.values[v];
      HostTensor h = HostTensor::fromBytes(val.type, val.data);
      for (size_t i = 0; i < val.symData.size(); ++i) {
        Expected<int64_t> x = val.symData[i].evaluate(at);
        if (!x)
          return x.takeError();
        h.setInt(int64_t(i), *x);
      }
      return &values.try_emplace(v, std::move(h)).first->second;
    };
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      if (!candidate[n])
        continue;
      const Node &node = g.nodes[n];
      std::vector<const HostTensor *> in;
      for (ValueId v : node.inputs) {
        Expected<const HostTensor *> h = hostOf(v);
        if (!h)
          return h.takeError();
        in.push_back(*h);
      }
      std::vector<HostTensor> out;
      if (Error e = evaluateOp(*lookupOp(node.op), node, in, out))
        return errorAt(node.loc, "node '" + node.name + "' (" + node.op +
                                     "): evaluating it at " +
                                     (p == 0 ? "the bound" : "a point") +
                                     " of the symbols' ranges: " +
                                     toString(std::move(e)));
      for (size_t i = 0; i < out.size() && i < node.outputs.size(); ++i)
        values.try_emplace(node.outputs[i], std::move(out[i]));
    }
    for (ValueId v : frontier) {
      const Value &val = g.values[v];
      const Node &producer = g.nodes[*val.producer];
      auto found = values.find(v);
      if (found == values.end())
        return errorAt(producer.loc, "node '" + producer.name + "' (" +
                                         producer.op + "): its reference gave " +
                                         "no value for output '" + val.name +
                                         "'");
      const HostTensor &h = found->second;
      Expected<TensorType> want = typeAt(val.type, at);
      if (!want)
        return want.takeError();
      std::string where;
      for (const DimSymbol &s : g.symbols)
        where += (where.empty() ? "" : ", ") + s.name + "=" +
                 std::to_string(at.lookup(s.name));
      if (h.type.shape != want->shape)
        return errorAt(producer.loc,
                       "node '" + producer.name + "' (" + producer.op +
                           "): at " + where + " its output '" + val.name +
                           "' has shape " + h.type.shapeStr() +
                           ", its shape rule says " + want->shapeStr());
      if (p == 0) {
        atBound.emplace(v, h);
      } else if (!isLeadingBlock(h, atBound.find(v)->second)) {
        return errorAt(producer.loc,
                       "node '" + producer.name + "' (" + producer.op +
                           "): its output '" + val.name +
                           "' reads no input data but its values at " + where +
                           " are not the leading block of its values at the "
                           "bound; tlc precomputes such tensors at the bound "
                           "(docs/shape-ranges.md) and cannot run " +
                           producer.op + " on the device");
      }
    }
  }

  // Replace each frontier value by Slice(its value at the bound, 0, dims).
  auto addWeight = [&](const std::string &base, TensorType type,
                       ArrayRef<uint8_t> data, std::vector<DimExpr> sym,
                       const SourceLoc &loc) {
    Value w;
    w.name = base;
    for (unsigned i = 1; g.lookup(w.name); ++i)
      w.name = base + "_" + std::to_string(i);
    w.kind = ValueKind::Weight;
    w.type = std::move(type);
    w.hasType = true;
    w.data.assign(data.begin(), data.end());
    w.symData = std::move(sym);
    w.loc = loc;
    return cantFail(g.addValue(std::move(w)));
  };
  std::vector<Node> slices;
  for (ValueId v : frontier) {
    Value &val = g.values[v];
    const Node &producer = g.nodes[*val.producer];
    const HostTensor &bound = atBound.find(v)->second;
    if (val.type.isStatic()) {
      // The same value at every point: a plain constant.
      val.kind = ValueKind::Weight;
      val.data.assign(bound.bytes().begin(), bound.bytes().end());
      continue;
    }
    ValueId c = addWeight(val.name + ".at_bound", bound.type, bound.bytes(), {},
                          producer.loc);
    Value &sliced = g.values[v]; // addWeight may have moved g.values
    size_t rank = sliced.type.rank();
    std::vector<int64_t> zeros(rank, 0), axes, ends;
    for (size_t d = 0; d < rank; ++d) {
      axes.push_back(int64_t(d));
      ends.push_back(sliced.type.shape[d]);
    }
    std::string name = sliced.name;
    SymShape dims = sliced.type.sym;
    SourceLoc loc = producer.loc;
    auto bytesOf = [](const std::vector<int64_t> &xs) {
      return ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(xs.data()),
                               xs.size() * 8);
    };
    TensorType index{DType::I64, {int64_t(rank)}};
    ValueId starts = addWeight(name + ".starts", index, bytesOf(zeros), {}, loc);
    ValueId endsV = addWeight(name + ".ends", index, bytesOf(ends),
                              std::vector<DimExpr>(dims.begin(), dims.end()),
                              loc);
    ValueId axesV = addWeight(name + ".axes", index, bytesOf(axes), {}, loc);
    Node s;
    s.op = "Slice";
    s.name = name + ".at_bound_slice";
    s.inputs = {c, starts, endsV, axesV};
    s.outputs = {v};
    s.loc = loc;
    slices.push_back(std::move(s));
  }
  // Drop the candidates (their outputs are now a weight, a Slice's, or
  // unused) and put each Slice where its value's producer was.
  std::map<NodeId, std::vector<Node>> slicesAt;
  for (Node &s : slices)
    slicesAt[*g.values[s.outputs[0]].producer].push_back(std::move(s));
  std::vector<Node> kept;
  size_t removed = 0;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    auto it = slicesAt.find(NodeId(n));
    if (it != slicesAt.end())
      for (Node &s : it->second)
        kept.push_back(std::move(s));
    if (candidate[n]) {
      ++removed;
      continue;
    }
    kept.push_back(std::move(g.nodes[n]));
  }
  g.nodes = std::move(kept);
  g.reindex();
  return removed;
}

} // namespace tlc
