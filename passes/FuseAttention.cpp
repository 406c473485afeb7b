//===- passes/FuseAttention.cpp - Attention chains into FusedAttention ----===//
//
// Exporters spell scaled dot-product attention as
//   MatMul(Q, Kt) -> [Mul | Div by a scalar constant] -> [Add(mask)]
//     -> Softmax(last axis) -> MatMul(., V)
// and surround it with copies: a Split of the QKV projection, Reshapes and
// Transposes into [B, H, S, D] (K into [B, H, D, S]), and a Transpose +
// Reshape of the result back to [B, S, H*D]. GPT-2 spends 12 dispatches
// per layer there. This pass rewrites each chain into one FusedAttention
// node (ops/FusedAttention.h) and then describes its operands as strided
// views of the tensors they were copied from:
//  - inputs: while the tensor Q (K, V) is read from is produced by a
//    Transpose, a Split or a view op (Reshape, Flatten, Squeeze,
//    Unsqueeze), the view is rewritten onto that op's input, so that Q, K
//    and V are read straight from the projection's output;
//  - output: while Y's only reader is a Transpose or a view op, Y is
//    written through strides where the last such Transpose would put it.
// A view is moved onto an op's input only when its element offsets stay an
// affine function of the logical index (decompose(), below). The copies
// left without readers are removed by dead-code elimination at the end.
//
// A chain is fused only when every intermediate (scores, scaled, masked,
// probabilities; on the output side Y and the tensors between the
// Transposes) has exactly one reader and is not a graph output, Q, Kt and V
// have the same rank (2 to 4) and leading dims (no batch broadcast), and
// FusedAttention's shape rule accepts the result; anything else is left
// alone. Reading a view of an earlier tensor is always correct; when a
// folded copy still has other readers it stays, and its input lives until
// the fused node.
//
// The fused node takes the place of the chain's last node, so its inputs
// are defined before it and its readers come after it: a topological order
// stays topological.
//
//===----------------------------------------------------------------------===//
#include "ops/FusedAttention.h"
#include "ops/IntInput.h"
#include "ops/OpUtil.h"
#include "passes/FusionUtil.h"
#include "passes/Passes.h"

#include "llvm/ADT/SmallVector.h"

#include <cmath>
#include <cstring>

using namespace llvm;

namespace tlc {

namespace {

/// A strided view: element i of a logical tensor of \p dims is flat element
/// offset + sum_l i[l] * strides[l] of value \p source. Units: elements.
/// Sizes and strides are expressions over the symbols of a graph compiled
/// for shape ranges (constants otherwise).
struct FlatView {
  ValueId source = 0;
  DimExpr offset = 0;
  SmallVector<DimExpr, 4> dims, strides;
};

/// A FlatView expressed per dim of its source's shape: the source
/// multi-index of logical index i is offset[e] + sum over the logical dims
/// l with dim[l] == e of i[l] * mult[l]. dim[l] is -1 for dims that do not
/// move (size 1 or stride 0).
struct DimView {
  SmallVector<DimExpr, 4> offset;
  SmallVector<int, 4> dim;
  SmallVector<DimExpr, 4> mult;
};

/// a <= b at every point of the range (interval arithmetic: false may be a
/// missed proof).
bool provablyAtMost(const DimExpr &a, const DimExpr &b) {
  return (b - a).lowerBound() >= 0;
}

/// a / b when b divides a: exactly as constants or as polynomials.
std::optional<DimExpr> divides(const DimExpr &a, const DimExpr &b) {
  if (a.isConstant() && b.isConstant())
    return b.constant() != 0 && a.constant() % b.constant() == 0
               ? std::optional<DimExpr>(a.constant() / b.constant())
               : std::nullopt;
  return exactDiv(a, b);
}

/// Splits \p v's flat offsets over \p shape (row-major) without carries:
/// each moving logical dim's stride must be a multiple k of one source
/// dim's stride, and the largest index each source dim reaches must stay
/// inside it at every point of the range. Then the flat offset equals the
/// row-major offset of the per-dim indices for every logical index, so the
/// view can follow a Transpose or a Split. std::nullopt when some stride
/// would carry or the expressions do not prove that none does.
std::optional<DimView> decompose(const FlatView &v, ArrayRef<DimExpr> shape) {
  SymShape s = rowMajorStrides(shape);
  DimView r;
  DimExpr rest = v.offset;
  for (size_t e = 0; e < shape.size(); ++e) {
    if (rest == DimExpr(0)) {
      r.offset.push_back(0);
    } else if (rest.isConstant() && s[e].isConstant()) {
      r.offset.push_back(rest.constant() / s[e].constant());
      rest = rest.constant() % s[e].constant();
    } else if (provablyAtMost(rest + 1, s[e])) {
      r.offset.push_back(0);
    } else if (std::optional<DimExpr> q = divides(rest, s[e])) {
      r.offset.push_back(*q);
      rest = 0;
    } else {
      return std::nullopt;
    }
  }
  if (rest != DimExpr(0))
    return std::nullopt;
  SmallVector<DimExpr, 4> reach(r.offset.begin(), r.offset.end());
  for (size_t l = 0; l < v.dims.size(); ++l) {
    const DimExpr &c = v.strides[l];
    if (v.dims[l] == DimExpr(1) || c == DimExpr(0)) {
      r.dim.push_back(-1);
      r.mult.push_back(0);
      continue;
    }
    int found = -1;
    std::optional<DimExpr> k;
    for (size_t e = 0; e < shape.size() && found < 0; ++e)
      if (shape[e] != DimExpr(1) && (k = divides(c, s[e])))
        found = int(e);
    if (found < 0)
      return std::nullopt;
    reach[size_t(found)] += *k * (v.dims[l] - 1);
    r.dim.push_back(found);
    r.mult.push_back(*k);
  }
  for (size_t e = 0; e < shape.size(); ++e)
    if (!provablyAtMost(reach[e] + 1, shape[e]))
      return std::nullopt;
  return r;
}

/// Rebuilds a flat view over a tensor of row-major strides \p strides from
/// \p dv, where source dim e of \p dv is dim \p map[e] of the new tensor and
/// its index is shifted by \p shift[e].
FlatView recompose(const DimView &dv, ValueId source, ArrayRef<DimExpr> dims,
                   ArrayRef<DimExpr> strides, ArrayRef<int64_t> map,
                   ArrayRef<DimExpr> shift) {
  FlatView r;
  r.source = source;
  r.dims.assign(dims.begin(), dims.end());
  for (size_t e = 0; e < dv.offset.size(); ++e)
    r.offset += (dv.offset[e] + shift[e]) * strides[size_t(map[e])];
  for (size_t l = 0; l < dv.dim.size(); ++l)
    r.strides.push_back(dv.dim[l] < 0 ? DimExpr(0)
                                      : dv.mult[l] *
                                            strides[size_t(map[dv.dim[l]])]);
  return r;
}

/// The view \p v moved onto the input of the op producing its source, when
/// that op is a view op, a Transpose or a Split and the move keeps the view
/// affine; std::nullopt otherwise.
std::optional<FlatView> foldProducer(const Graph &g, const FlatView &v) {
  const Value &val = g.values[v.source];
  if (!val.producer)
    return std::nullopt;
  const Node &n = g.nodes[*val.producer];
  if (n.inputs.empty())
    return std::nullopt;
  const TensorType &in = g.values[n.inputs[0]].type;
  if (in.dtype != DType::F32)
    return std::nullopt;
  const OpDef *def = lookupOp(n.op);
  if (def && def->memory.isView) {
    // Same elements in the same order.
    if (in.numElementsExpr() != val.type.numElementsExpr())
      return std::nullopt;
    FlatView r = v;
    r.source = n.inputs[0];
    return r;
  }
  SymShape shape = val.type.dims();
  SymShape inStrides = rowMajorStrides(in.dims());
  SmallVector<int64_t, 4> map;
  SmallVector<DimExpr, 4> shift(shape.size(), DimExpr(0));
  if (n.op == "Transpose") {
    Expected<std::vector<int64_t>> perm = n.attrs.getInts("perm", {});
    if (!perm) {
      consumeError(perm.takeError());
      return std::nullopt;
    }
    if (perm->empty()) // the default reverses the dims
      for (size_t d = shape.size(); d-- > 0;)
        perm->push_back(int64_t(d));
    if (perm->size() != shape.size())
      return std::nullopt;
    map.assign(perm->begin(), perm->end()); // output dim d is input perm[d]
  } else if (n.op == "Split") {
    Expected<int64_t> axisAttr = n.attrs.getInt("axis", 0);
    if (!axisAttr) {
      consumeError(axisAttr.takeError());
      return std::nullopt;
    }
    Expected<int64_t> axis =
        normalizeAxis(*axisAttr, int64_t(shape.size()), "axis");
    if (!axis) {
      consumeError(axis.takeError());
      return std::nullopt;
    }
    DimExpr start = 0;
    for (ValueId o : n.outputs) {
      if (o == v.source)
        break;
      start += g.values[o].type.dim(size_t(*axis));
    }
    for (size_t d = 0; d < shape.size(); ++d)
      map.push_back(int64_t(d));
    shift[size_t(*axis)] = start;
  } else {
    return std::nullopt;
  }
  std::optional<DimView> dv = decompose(v, shape);
  if (!dv)
    return std::nullopt;
  return recompose(*dv, n.inputs[0], v.dims, inStrides, map, shift);
}

/// The f32 scalar constant \p v holds, if it is a weight of one element.
std::optional<float> constantScalar(const Graph &g, ValueId v) {
  const Value &val = g.values[v];
  if (val.kind != ValueKind::Weight || val.type.dtype != DType::F32 ||
      val.type.numElements() != 1 || val.data.size() != sizeof(float))
    return std::nullopt;
  float f;
  std::memcpy(&f, val.data.data(), sizeof f);
  return f;
}

/// Pads \p dims (rank 2 to 4: [.., S, D]) on the left to [B, H, S, D].
std::array<DimExpr, 4> pad4(ArrayRef<DimExpr> dims) {
  std::array<DimExpr, 4> r = {1, 1, 1, 1};
  for (size_t i = 0; i < dims.size(); ++i)
    r[4 - dims.size() + i] = dims[i];
  return r;
}

/// The row-major view of \p v as a [B, H, S, D] tensor (rank 2 to 4).
FlatView plainView(const Graph &g, ValueId v) {
  std::array<DimExpr, 4> d = pad4(g.values[v].type.dims());
  FlatView r;
  r.source = v;
  r.dims.assign(d.begin(), d.end());
  r.strides = {d[1] * d[2] * d[3], d[2] * d[3], d[3], 1};
  return r;
}

/// The constant \p mask is read from when every shape of the range reads
/// a leading block of one constant: \p mask is a Slice with starts 0 and
/// steps 1 of a weight (what passes/FoldAtBound.cpp makes of a
/// data-independent mask, after proving the leading-block property).
std::optional<ValueId> leadingBlockSource(const Graph &g, ValueId mask) {
  const Value &m = g.values[mask];
  if (m.type.isStatic() || !m.producer)
    return std::nullopt;
  const Node &n = g.nodes[*m.producer];
  if (n.op != "Slice" || n.inputs.size() < 3)
    return std::nullopt;
  const Value &data = g.values[n.inputs[0]];
  if (data.kind != ValueKind::Weight || !data.type.isStatic() ||
      data.type.rank() != m.type.rank() ||
      data.data.size() != size_t(data.type.byteSize()))
    return std::nullopt;
  // Starts (input 1) all 0, steps (input 4) absent or all 1.
  auto allEqual = [&](ValueId id, int64_t want) {
    const Value &w = g.values[id];
    if (w.kind != ValueKind::Weight || !w.symData.empty())
      return false;
    InputInfo info = inputInfo(w);
    Expected<std::vector<int64_t>> vals = readIntInput(info, 0, "");
    if (!vals) {
      consumeError(vals.takeError());
      return false;
    }
    return llvm::all_of(*vals, [&](int64_t x) { return x == want; });
  };
  if (!allEqual(n.inputs[1], 0) ||
      (n.inputs.size() > 4 && !allEqual(n.inputs[4], 1)))
    return std::nullopt;
  return n.inputs[0];
}

/// Matches one attention chain.
class ChainMatcher {
public:
  ChainMatcher(const Graph &g, const UseList &uses,
               const std::vector<bool> &claimed)
      : g(g), uses(uses), claimed(claimed) {}

  /// The fused node for the chain starting at MatMul \p first, and the
  /// chain's nodes (the last one is replaced by the fused node), or
  /// std::nullopt when the chain does not match exactly.
  std::optional<Node> match(NodeId first, SmallVectorImpl<NodeId> &chain);

private:
  /// The only reader of \p v, when it has one, is not a graph output and
  /// the reader is not in another fusion.
  std::optional<NodeId> soleReader(ValueId v) const {
    if (uses[v].size() != 1 || g.isOutput(v) || claimed[uses[v][0]])
      return std::nullopt;
    return uses[v][0];
  }
  /// Moves \p v onto its producers' inputs while possible.
  FlatView foldInputs(FlatView v) const {
    for (unsigned guard = 0; guard < g.nodes.size(); ++guard) {
      std::optional<FlatView> next = foldProducer(g, v);
      if (!next)
        break;
      v = std::move(*next);
    }
    return v;
  }
  /// Moves the output view \p y forward through Transposes and view ops
  /// that are the sole readers, up to the last Transpose; appends the
  /// absorbed nodes to \p chain.
  FlatView foldOutput(FlatView y, SmallVectorImpl<NodeId> &chain) const;

  const Graph &g;
  const UseList &uses;
  const std::vector<bool> &claimed;
};

FlatView ChainMatcher::foldOutput(FlatView y,
                                  SmallVectorImpl<NodeId> &chain) const {
  FlatView committed = y;
  size_t committedLen = chain.size();
  ValueId cur = y.source;
  for (unsigned guard = 0; guard < g.nodes.size(); ++guard) {
    std::optional<NodeId> r = soleReader(cur);
    if (!r)
      break;
    const Node &n = g.nodes[*r];
    if (n.outputs.size() != 1 || n.inputs.empty() || n.inputs[0] != cur)
      break;
    ValueId out = n.outputs[0];
    const OpDef *def = lookupOp(n.op);
    if (def && def->memory.isView) {
      y.source = out;
    } else if (n.op == "Transpose") {
      Expected<std::vector<int64_t>> perm = n.attrs.getInts("perm", {});
      if (!perm) {
        consumeError(perm.takeError());
        break;
      }
      SymShape inShape = g.values[cur].type.dims();
      if (perm->empty())
        for (size_t d = inShape.size(); d-- > 0;)
          perm->push_back(int64_t(d));
      if (perm->size() != inShape.size())
        break;
      std::optional<DimView> dv = decompose(y, inShape);
      if (!dv)
        break;
      // Input dim perm[d] is output dim d.
      SmallVector<int64_t, 4> inverse(perm->size());
      for (size_t d = 0; d < perm->size(); ++d)
        inverse[size_t((*perm)[d])] = int64_t(d);
      SmallVector<DimExpr, 4> shift(inShape.size(), DimExpr(0));
      y = recompose(*dv, out, y.dims, rowMajorStrides(g.values[out].type.dims()),
                    inverse, shift);
    } else {
      break;
    }
    chain.push_back(*r);
    cur = out;
    if (n.op == "Transpose") {
      committed = y;
      committedLen = chain.size();
    }
  }
  chain.resize(committedLen);
  return committed;
}

std::optional<Node> ChainMatcher::match(NodeId first,
                                        SmallVectorImpl<NodeId> &chain) {
  const Node &mm1 = g.nodes[first];
  if (mm1.op != "MatMul" || mm1.inputs.size() != 2 || mm1.outputs.size() != 1)
    return std::nullopt;
  ValueId q = mm1.inputs[0], kt = mm1.inputs[1];
  SymShape qs = g.values[q].type.dims(), kts = g.values[kt].type.dims();
  size_t rank = qs.size();
  if (rank < 2 || rank > 4 || kts.size() != rank ||
      g.values[q].type.dtype != DType::F32 ||
      g.values[kt].type.dtype != DType::F32)
    return std::nullopt;
  for (size_t i = 0; i + 2 < rank; ++i)
    if (kts[i] != qs[i])
      return std::nullopt;
  ValueId cur = mm1.outputs[0];
  const TensorType scores = g.values[cur].type;
  chain.assign({first});
  float scale = 1.0f;

  // Optional scale: Mul by (either side) or Div by a scalar constant.
  std::optional<NodeId> r = soleReader(cur);
  if (!r)
    return std::nullopt;
  const Node *n = &g.nodes[*r];
  if ((n->op == "Mul" || n->op == "Div") && n->inputs.size() == 2 &&
      n->outputs.size() == 1 && g.values[n->outputs[0]].type == scores) {
    bool curFirst = n->inputs[0] == cur;
    ValueId other = curFirst ? n->inputs[1] : n->inputs[0];
    std::optional<float> c = constantScalar(g, other);
    if (c && (n->op == "Mul" || (curFirst && *c != 0.0f))) {
      scale = n->op == "Mul" ? *c : 1.0f / *c;
      chain.push_back(*r);
      cur = n->outputs[0];
      if (!(r = soleReader(cur)))
        return std::nullopt;
      n = &g.nodes[*r];
    }
  }
  // Optional additive mask; the scores must not be broadcast by it.
  std::optional<ValueId> mask;
  if (n->op == "Add" && n->inputs.size() == 2 && n->outputs.size() == 1 &&
      n->inputs[0] != n->inputs[1] && g.values[n->outputs[0]].type == scores) {
    mask = n->inputs[0] == cur ? n->inputs[1] : n->inputs[0];
    chain.push_back(*r);
    cur = n->outputs[0];
    if (!(r = soleReader(cur)))
      return std::nullopt;
    n = &g.nodes[*r];
  }
  // Softmax over the keys.
  if (n->op != "Softmax" || n->outputs.size() != 1)
    return std::nullopt;
  Expected<int64_t> axis = n->attrs.getInt("axis", -1);
  if (!axis) {
    consumeError(axis.takeError());
    return std::nullopt;
  }
  if (*axis != -1 && *axis != int64_t(rank) - 1)
    return std::nullopt;
  chain.push_back(*r);
  cur = n->outputs[0];
  if (!(r = soleReader(cur)))
    return std::nullopt;
  const Node &mm2 = g.nodes[*r];
  if (mm2.op != "MatMul" || mm2.inputs.size() != 2 || mm2.inputs[0] != cur ||
      mm2.outputs.size() != 1)
    return std::nullopt;
  ValueId v = mm2.inputs[1];
  SymShape vs = g.values[v].type.dims();
  if (vs.size() != rank || g.values[v].type.dtype != DType::F32)
    return std::nullopt;
  for (size_t i = 0; i + 1 < rank; ++i)
    if (vs[i] != (i + 2 == rank ? kts[rank - 1] : qs[i]))
      return std::nullopt;
  chain.push_back(*r);

  // Views: K from Kt [.., D, Sk] with its last two dims swapped.
  FlatView qv = foldInputs(plainView(g, q));
  FlatView ktv = plainView(g, kt);
  std::swap(ktv.dims[2], ktv.dims[3]);
  std::swap(ktv.strides[2], ktv.strides[3]);
  FlatView kv = foldInputs(ktv);
  FlatView vv = foldInputs(plainView(g, v));
  FlatView yv = foldOutput(plainView(g, mm2.outputs[0]), chain);

  SymAttentionProblem p;
  p.b = qv.dims[0];
  p.h = qv.dims[1];
  p.sq = qv.dims[2];
  p.d = qv.dims[3];
  p.sk = kv.dims[2];
  p.dv = vv.dims[3];
  p.scale = scale;
  // A dim of size 1 never moves: stride 0 keeps a symbolic stride (the
  // batch stride S * 3 * H * D of GPT-2's one sequence) out of the kernel.
  auto toView = [](const FlatView &f) {
    SymAttentionView a;
    a.offset = f.offset;
    for (int i = 0; i < 4; ++i)
      a.strides[i] = f.dims[i] == DimExpr(1) ? DimExpr(0) : f.strides[i];
    return a;
  };
  p.q = toView(qv);
  p.k = toView(kv);
  p.v = toView(vv);
  p.y = toView(yv);
  SymShape ys = g.values[yv.source].type.dims();
  p.yShape.assign(ys.begin(), ys.end());

  Node fused;
  fused.op = "FusedAttention";
  fused.name = mm2.name;
  fused.loc = mm2.loc;
  fused.inputs = {qv.source, kv.source, vv.source};
  // Over a shape range, a mask that is a leading block of a constant is
  // read from that constant: its data gives the key limit below.
  if (mask)
    if (std::optional<ValueId> whole = leadingBlockSource(g, *mask)) {
      mask = *whole;
      fused.attrs.values["mask_block"] = int64_t(1);
    }
  if (mask)
    fused.inputs.push_back(*mask);
  fused.outputs = {yv.source};
  setAttentionAttrs(fused.attrs, p);
  // The shape rule has the last word (mask broadcast, head size, bounds).
  SmallVector<TensorType, 4> types;
  for (ValueId in : fused.inputs)
    types.push_back(g.values[in].type);
  Expected<SymAttentionProblem> ok = parseAttentionProblem(fused, types);
  if (!ok) {
    consumeError(ok.takeError());
    return std::nullopt;
  }
  // A constant mask that hides every key past some diagonal (GPT-2's causal
  // mask) lets the kernel skip those key blocks.
  if (mask && g.values[*mask].kind == ValueKind::Weight &&
      g.values[*mask].data.size() ==
          size_t(g.values[*mask].type.numElements()) * sizeof(float)) {
    std::vector<float> m(size_t(g.values[*mask].type.numElements()));
    std::memcpy(m.data(), g.values[*mask].data.data(),
                m.size() * sizeof(float));
    if (std::optional<int64_t> limit = findKeyLimit(
            attentionAtBound(*ok), m.data(), ok->sk.lowerBound()))
      fused.attrs.values["key_limit"] = *limit;
  }
  return fused;
}

} // namespace

size_t fuseAttention(Graph &g) {
  UseList uses = collectUses(g);
  std::vector<bool> claimed(g.nodes.size(), false);
  std::vector<std::optional<Node>> replacement(g.nodes.size());
  ChainMatcher matcher(g, uses, claimed);
  size_t fused = 0;
  for (NodeId i = 0; i < g.nodes.size(); ++i) {
    if (claimed[i])
      continue;
    SmallVector<NodeId, 8> chain;
    std::optional<Node> f = matcher.match(i, chain);
    if (!f)
      continue;
    for (NodeId c : chain)
      claimed[c] = true;
    replacement[chain.back()] = std::move(*f);
    ++fused;
  }
  if (fused == 0)
    return 0;
  rebuildNodes(g, replacement, claimed);
  // The Splits, Reshapes and Transposes the views replaced.
  eliminateDeadCode(g);
  return fused;
}

} // namespace tlc
