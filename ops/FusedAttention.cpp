//===- ops/FusedAttention.cpp - Scaled dot-product attention --------------===//
//
// tlc's internal FusedAttention op (ops/FusedAttention.h):
//   Y[b,h] = softmax(scale * Q[b,h] K[b,h]^T + mask[b,h]) V[b,h].
// Inputs: the Q, K and V sources and an optional additive mask. Attribute
// `scale` (default 1/sqrt(D), as ONNX's opset-23 Attention); the view
// attributes `dims`, `q_view`, `k_view`, `v_view`, `y_view` and `y_shape`
// (all or none) read the operands through strided views, which
// passes/FuseAttention.cpp uses to read Q, K and V straight from a QKV
// projection and to write Y where an output Transpose + Reshape would have
// put it. Lowering: one dispatch of shaders/attention.comp.
//
//===----------------------------------------------------------------------===//
#include "ops/FusedAttention.h"
#include "ops/KernelTarget.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace llvm;

namespace tlc {

namespace {

const char *const kViewNames[4] = {"q_view", "k_view", "v_view", "y_view"};

/// A view entry, a size or a stride, that may not be negative anywhere in
/// the range.
Error checkNonNegative(const DimExpr &e, StringRef name) {
  if (e.lowerBound() < 0)
    return opError("attribute '" + name + "' has entry " + e.str() +
                   ", which may be negative; expected >= 0");
  return Error::success();
}

/// Reads the 5-entry view attribute \p name: [offset, 4 strides], all >= 0.
Expected<SymAttentionView> readView(const Attributes &attrs, StringRef name) {
  Expected<std::vector<DimExpr>> v = attrs.getDims(name, {});
  if (!v)
    return v.takeError();
  if (v->empty())
    return opError("attribute '" + name + "' is required with 'dims'");
  if (v->size() != 5)
    return opError("attribute '" + name + "' has " + Twine(v->size()) +
                   " entries; expected 5 (offset and 4 strides)");
  for (const DimExpr &e : *v)
    if (Error err = checkNonNegative(e, name))
      return std::move(err);
  SymAttentionView r;
  r.offset = (*v)[0];
  for (int i = 0; i < 4; ++i)
    r.strides[i] = (*v)[i + 1];
  return r;
}

/// Largest element index \p view reaches over logical dims \p dims.
DimExpr lastIndex(const SymAttentionView &view,
                  const std::array<DimExpr, 4> &dims) {
  DimExpr last = view.offset;
  for (int i = 0; i < 4; ++i)
    last += (dims[i] - 1) * view.strides[i];
  return last;
}

/// Errors unless \p view writes every element of a tensor of \p n elements
/// exactly once over \p dims: offset 0 and the dims that move chain up by
/// stride (one has stride 1, the next the size of the first, ...), with
/// the product of their sizes \p n. Order-free, so that symbolic strides
/// (compared as canonical expressions) need no sorting.
Error checkCovers(const SymAttentionView &view,
                  const std::array<DimExpr, 4> &dims, const DimExpr &n) {
  SmallVector<int, 4> left;
  for (int i = 0; i < 4; ++i)
    if (dims[i] != DimExpr(1))
      left.push_back(i);
  DimExpr expect = 1;
  bool ok = view.offset == DimExpr(0);
  while (ok && !left.empty()) {
    auto it = llvm::find_if(left, [&](int i) {
      return view.strides[size_t(i)] == expect;
    });
    ok = it != left.end();
    if (ok) {
      expect *= dims[size_t(*it)];
      left.erase(it);
    }
  }
  if (!ok || expect != n)
    return opError("attribute 'y_view' does not write each of the " + n.str() +
                   " elements of y_shape exactly once");
  return Error::success();
}

/// Plain mode: Q [.., Sq, D], K [.., Sk, D], V [.., Sk, Dv], row-major.
Error parsePlain(ArrayRef<TensorType> in, SymAttentionProblem &p) {
  SymShape qs = in[0].dims(), ks = in[1].dims(), vs = in[2].dims();
  size_t r = qs.size();
  if (r < 2 || r > 4)
    return opError("Q must have rank 2 to 4 ([.., Sq, D]), got " + in[0].str());
  if (ks.size() != r || vs.size() != r)
    return opError("Q, K and V must have the same rank; got " + in[0].str() +
                   ", " + in[1].str() + ", " + in[2].str());
  // Leading dims equal, except that K and V may have 1/G of Q's heads
  // (grouped-query attention, dim r - 3).
  for (size_t i = 0; i + 2 < r; ++i) {
    bool heads = i + 3 == r;
    if (heads && ks[i] == vs[i] && ks[i] != qs[i] && qs[i].isConstant() &&
        ks[i].isConstant() && qs[i].constant() % ks[i].constant() == 0) {
      p.kvGroup = qs[i].constant() / ks[i].constant();
      continue;
    }
    if (ks[i] != qs[i] || vs[i] != qs[i])
      return opError("Q, K and V must have equal leading dims (K and V may "
                     "have a divisor of Q's heads); got " +
                     in[0].str() + ", " + in[1].str() + ", " + in[2].str());
  }
  if (ks[r - 1] != qs[r - 1])
    return opError("K's last dim must equal Q's (the head size " +
                   qs[r - 1].str() + "); got " + in[1].str());
  if (vs[r - 2] != ks[r - 2])
    return opError("V must have K's number of keys (" + ks[r - 2].str() +
                   " rows); got " + in[2].str());
  p.b = r == 4 ? qs[0] : DimExpr(1);
  p.h = r >= 3 ? qs[r - 3] : DimExpr(1);
  p.sq = qs[r - 2];
  p.d = qs[r - 1];
  p.sk = ks[r - 2];
  p.dv = vs[r - 1];
  auto rowMajor = [&](const DimExpr &s, const DimExpr &d) {
    SymAttentionView v;
    v.strides = {p.h * s * d, s * d, d, 1};
    return v;
  };
  p.q = rowMajor(p.sq, p.d);
  p.k = rowMajor(p.sk, p.d);
  p.v = rowMajor(p.sk, p.dv);
  p.y = rowMajor(p.sq, p.dv);
  // K and V have H / G heads: their batch stride is 1/G of the rowMajor one.
  if (p.kvGroup > 1) {
    DimExpr kvHeads = ks[r - 3];
    p.k.strides[0] = kvHeads * p.sk * p.d;
    p.v.strides[0] = kvHeads * p.sk * p.dv;
  }
  p.yShape.assign(qs.begin(), qs.end() - 1);
  p.yShape.push_back(p.dv);
  return Error::success();
}

/// View mode: the attributes of setAttentionAttrs.
Error parseViews(const Node &node, ArrayRef<TensorType> in,
                 SymAttentionProblem &p) {
  Expected<std::vector<DimExpr>> dims = node.attrs.getDims("dims", {});
  if (!dims)
    return dims.takeError();
  if (dims->size() != 6)
    return opError("attribute 'dims' has " + Twine(dims->size()) +
                   " entries; expected 6 ([B, H, Sq, Sk, D, Dv])");
  for (const DimExpr &e : *dims)
    if (e.lowerBound() < 1)
      return opError("attribute 'dims' has entry " + e.str() +
                     ", which may be below 1; expected >= 1");
  p.b = (*dims)[0];
  p.h = (*dims)[1];
  p.sq = (*dims)[2];
  p.sk = (*dims)[3];
  p.d = (*dims)[4];
  p.dv = (*dims)[5];
  SymAttentionView *views[4] = {&p.q, &p.k, &p.v, &p.y};
  for (int i = 0; i < 4; ++i) {
    Expected<SymAttentionView> v = readView(node.attrs, kViewNames[i]);
    if (!v)
      return v.takeError();
    *views[i] = *v;
  }
  Expected<std::vector<DimExpr>> ys = node.attrs.getDims("y_shape", {});
  if (!ys)
    return ys.takeError();
  if (ys->empty())
    return opError("attribute 'y_shape' is required with 'dims'");
  for (size_t i = 0; i < ys->size(); ++i)
    if ((*ys)[i].lowerBound() < 1)
      return opError("attribute 'y_shape' entry " + Twine(i) + " is " +
                     (*ys)[i].str() + "; expected >= 1");
  p.yShape.assign(ys->begin(), ys->end());
  TensorType yType = TensorType::withDims(DType::F32, p.yShape);
  if (Error e = checkFits32(yType, "y_shape"))
    return e;
  Expected<int64_t> group = node.attrs.getInt("kv_group", 1);
  if (!group)
    return group.takeError();
  if (*group < 1 || (*group > 1 && (!p.h.isConstant() ||
                                    p.h.constant() % *group != 0)))
    return opError("attribute 'kv_group' is " + Twine(*group) +
                   "; expected >= 1 and a divisor of the " + p.h.str() +
                   " query heads");
  p.kvGroup = *group;
  DimExpr kvHeads = p.kvGroup > 1 ? DimExpr(p.h.constant() / p.kvGroup) : p.h;
  const std::array<DimExpr, 4> ld[4] = {{p.b, p.h, p.sq, p.d},
                                        {p.b, kvHeads, p.sk, p.d},
                                        {p.b, kvHeads, p.sk, p.dv},
                                        {p.b, p.h, p.sq, p.dv}};
  const char *names[3] = {"Q", "K", "V"};
  for (int i = 0; i < 3; ++i) {
    // In range everywhere: the slack is >= 0 at every point of the range.
    DimExpr last = lastIndex(*views[i], ld[i]);
    DimExpr slack = in[i].numElementsExpr() - 1 - last;
    if (slack.lowerBound() < 0)
      return opError("attribute '" + Twine(kViewNames[i]) + "' reads " +
                     names[i] + " up to element " + last.str() +
                     ", past the end of input " + Twine(i) + " (" +
                     in[i].str() + ")");
  }
  return checkCovers(p.y, ld[3], yType.numElementsExpr());
}

/// Mask strides: the mask right-aligned against [B, H, Sq, Sk]. With
/// \p block (attribute mask_block), a mask dim may exceed its logical dim
/// at every point of the range: the leading block is read.
Error parseMask(const TensorType &mask, bool block, SymAttentionProblem &p) {
  SymShape ms = mask.dims();
  if (ms.size() > 4)
    return opError("the mask (input 3) must have rank <= 4, got " + mask.str());
  const DimExpr logical[4] = {p.b, p.h, p.sq, p.sk};
  SymShape rm = rowMajorStrides(ms);
  size_t lead = 4 - ms.size();
  p.hasMask = true;
  for (size_t i = 0; i < 4; ++i) {
    p.maskStrides[i] = 0;
    if (i < lead)
      continue;
    const DimExpr &m = ms[i - lead];
    if (m == logical[i] ||
        (block && m != DimExpr(1) && (m - logical[i]).lowerBound() >= 0))
      p.maskStrides[i] = rm[i - lead];
    else if (m != DimExpr(1))
      return opError("the mask (input 3) " + mask.str() +
                     " does not broadcast to [B, H, Sq, Sk] = [" + p.b.str() +
                     ", " + p.h.str() + ", " + p.sq.str() + ", " + p.sk.str() +
                     "]" + (block ? " and is not larger in that dim" : ""));
  }
  return Error::success();
}

template <typename I>
void setAttrsT(Attributes &attrs, const AttentionProblemT<I> &p) {
  attrs.values["dims"] = std::vector<I>{p.b, p.h, p.sq, p.sk, p.d, p.dv};
  const AttentionViewT<I> *views[4] = {&p.q, &p.k, &p.v, &p.y};
  for (int i = 0; i < 4; ++i) {
    const AttentionViewT<I> &v = *views[i];
    attrs.values[kViewNames[i]] = std::vector<I>{
        v.offset, v.strides[0], v.strides[1], v.strides[2], v.strides[3]};
  }
  attrs.values["y_shape"] = std::vector<I>(p.yShape.begin(), p.yShape.end());
  attrs.values["scale"] = double(p.scale);
  if (p.kvGroup > 1)
    attrs.values["kv_group"] = p.kvGroup;
}

/// An expression list as an integer list when every entry is a constant
/// (the attribute a static graph prints and writes).
void simplifyDims(Attributes &attrs) {
  for (auto &[name, value] : attrs.values)
    if (auto *v = std::get_if<std::vector<DimExpr>>(&value))
      if (llvm::all_of(*v, [](const DimExpr &e) { return e.isConstant(); })) {
        std::vector<int64_t> ints;
        for (const DimExpr &e : *v)
          ints.push_back(e.constant());
        value = std::move(ints);
      }
}

int64_t atBound(const DimExpr &e) {
  return e.isConstant() ? e.constant() : e.upperBound();
}

} // namespace

AttentionProblem attentionAtBound(const SymAttentionProblem &s) {
  AttentionProblem p;
  p.b = atBound(s.b), p.h = atBound(s.h), p.sq = atBound(s.sq);
  p.sk = atBound(s.sk), p.d = atBound(s.d), p.dv = atBound(s.dv);
  p.scale = s.scale;
  const SymAttentionView *from[4] = {&s.q, &s.k, &s.v, &s.y};
  AttentionView *to[4] = {&p.q, &p.k, &p.v, &p.y};
  for (int i = 0; i < 4; ++i) {
    to[i]->offset = atBound(from[i]->offset);
    for (int j = 0; j < 4; ++j)
      to[i]->strides[j] = atBound(from[i]->strides[j]);
  }
  p.hasMask = s.hasMask;
  for (int j = 0; j < 4; ++j)
    p.maskStrides[j] = atBound(s.maskStrides[j]);
  p.keyLimit = s.keyLimit;
  p.kvGroup = s.kvGroup;
  p.causal = s.causal;
  p.causalOffset = atBound(s.causalOffset);
  for (const DimExpr &e : s.yShape)
    p.yShape.push_back(atBound(e));
  return p;
}

void setAttentionAttrs(Attributes &attrs, const AttentionProblem &p) {
  setAttrsT(attrs, p);
}

void setAttentionAttrs(Attributes &attrs, const SymAttentionProblem &p) {
  setAttrsT(attrs, p);
  simplifyDims(attrs);
}

Expected<SymAttentionProblem> parseAttentionProblem(const Node &node,
                                                    ArrayRef<TensorType> in) {
  if (Error e = checkKnownAttrs(
          node, {"causal", "causal_offset", "dims", "k_view", "key_limit",
                 "kv_group", "mask_block", "q_view", "scale", "v_view",
                 "y_shape", "y_view"}))
    return std::move(e);
  if (in.size() < 3 || in.size() > 4)
    return opError("expected 3 or 4 inputs (Q, K, V, optional mask), got " +
                   Twine(in.size()));
  const char *names[4] = {"Q", "K", "V", "mask"};
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i].dtype != DType::F32)
      return opError("input " + Twine(i) + " (" + names[i] + ") has dtype " +
                     dtypeName(in[i].dtype) + "; expected f32");
    if (Error e = checkFits32(in[i], names[i]))
      return std::move(e);
  }
  SymAttentionProblem p;
  bool views = node.attrs.has("dims");
  if (!views)
    for (StringRef a :
         {"q_view", "k_view", "v_view", "y_view", "y_shape", "kv_group"})
      if (node.attrs.has(a))
        return opError("attribute '" + a + "' needs attribute 'dims'");
  if (Error e = views ? parseViews(node, in, p) : parsePlain(in, p))
    return std::move(e);
  if (!p.d.isConstant() || !p.dv.isConstant())
    return opError("head sizes D = " + p.d.str() + ", Dv = " + p.dv.str() +
                   " must be constants (they size the kernel's shared "
                   "memory); compile for one head size");
  if (p.d.constant() > kMaxAttentionHeadSize ||
      p.dv.constant() > kMaxAttentionHeadSize)
    return opError("head sizes D = " + p.d.str() + ", Dv = " + p.dv.str() +
                   " exceed the supported maximum of " +
                   Twine(kMaxAttentionHeadSize));
  Expected<double> scale =
      node.attrs.getFloat("scale", 1.0 / std::sqrt(double(p.d.constant())));
  if (!scale)
    return scale.takeError();
  if (!std::isfinite(float(*scale)))
    return opError("attribute 'scale' is " + std::to_string(*scale) +
                   "; expected a finite f32");
  p.scale = float(*scale);
  Expected<int64_t> block = node.attrs.getInt("mask_block", 0);
  if (!block)
    return block.takeError();
  if (*block != 0 && (*block != 1 || in.size() != 4))
    return opError("attribute 'mask_block' is " + Twine(*block) +
                   "; expected 0, or 1 with a mask (input 3)");
  if (in.size() == 4)
    if (Error e = parseMask(in[3], *block == 1, p))
      return std::move(e);
  if (node.attrs.has("key_limit")) {
    Expected<int64_t> limit = node.attrs.getInt("key_limit", -1);
    if (!limit)
      return limit.takeError();
    if (!p.hasMask || *limit < 0)
      return opError("attribute 'key_limit' is " + Twine(*limit) +
                     "; expected a value >= 0 and a mask (input 3)");
    p.keyLimit = *limit;
  }
  Expected<int64_t> causal = node.attrs.getInt("causal", 0);
  if (!causal)
    return causal.takeError();
  if (*causal != 0 && *causal != 1)
    return opError("attribute 'causal' is " + Twine(*causal) +
                   "; expected 0 or 1");
  p.causal = *causal == 1;
  Expected<std::vector<DimExpr>> offset =
      node.attrs.getDims("causal_offset", {DimExpr(0)});
  if (!offset)
    return offset.takeError();
  if (node.attrs.has("causal_offset") &&
      (!p.causal || offset->size() != 1 || (*offset)[0].lowerBound() < 0))
    return opError("attribute 'causal_offset' needs causal = 1 and one "
                   "entry >= 0");
  p.causalOffset = (*offset)[0];
  if (p.causal && p.keyLimit >= 0)
    return opError("attributes 'causal' and 'key_limit' exclude each other");
  return p;
}

namespace {
/// Per query row i of a constant mask: the last unmasked key over every
/// batch and head (-1: none), and the largest over (b, h) of the first
/// unmasked key (p.sk: some (b, h) row has none).
struct MaskRows {
  std::vector<int64_t> last, first;
};
} // namespace

static MaskRows maskRows(const AttentionProblem &p, const float *mask) {
  MaskRows r{std::vector<int64_t>(size_t(p.sq), -1),
             std::vector<int64_t>(size_t(p.sq), 0)};
  for (int64_t b = 0; b < p.b; ++b)
    for (int64_t h = 0; h < p.h; ++h)
      for (int64_t i = 0; i < p.sq; ++i) {
        int64_t first = p.sk;
        for (int64_t j = 0; j < p.sk; ++j) {
          float m = mask[b * p.maskStrides[0] + h * p.maskStrides[1] +
                         i * p.maskStrides[2] + j * p.maskStrides[3]];
          if (!(m <= kMaskedScore)) { // NaN counts as unmasked
            first = std::min(first, j);
            r.last[size_t(i)] = std::max(r.last[size_t(i)], j);
          }
        }
        r.first[size_t(i)] = std::max(r.first[size_t(i)], first);
      }
  return r;
}

std::optional<int64_t> findKeyLimit(const AttentionProblem &p,
                                    const float *mask, int64_t minKeys) {
  if (!p.hasMask || !mask)
    return std::nullopt;
  if (minKeys < 0)
    minKeys = p.sk;
  MaskRows rows = maskRows(p, mask);
  int64_t limit = 0;
  for (int64_t i = 0; i < p.sq; ++i) {
    if (rows.first[size_t(i)] >= minKeys)
      return std::nullopt;
    limit = std::max(limit, rows.last[size_t(i)] - i);
  }
  if (limit >= p.sk - 1)
    return std::nullopt;
  return limit;
}

Error checkKeyLimit(const AttentionProblem &p, ArrayRef<uint8_t> mask,
                    int64_t minKeys) {
  if (p.keyLimit < 0)
    return Error::success();
  if (minKeys < 0)
    minKeys = p.sk;
  // One past the largest element the strides reach.
  const int64_t dims[4] = {p.b, p.h, p.sq, p.sk};
  int64_t need = 1;
  for (int i = 0; i < 4; ++i)
    need += (dims[i] - 1) * p.maskStrides[i];
  if (mask.empty() || int64_t(mask.size() / sizeof(float)) < need)
    return opError("attribute 'key_limit' needs a constant mask (input 3)");
  std::vector<float> m(mask.size() / sizeof(float));
  std::memcpy(m.data(), mask.data(), m.size() * sizeof(float));
  MaskRows rows = maskRows(p, m.data());
  for (int64_t i = 0; i < p.sq; ++i) {
    if (rows.last[size_t(i)] > i + p.keyLimit)
      return opError("attribute 'key_limit' = " + Twine(p.keyLimit) +
                     " claims keys past row + " + Twine(p.keyLimit) +
                     " are masked, but the mask at row " + Twine(i) +
                     ", key " + Twine(rows.last[size_t(i)]) + " is above " +
                     std::to_string(kMaskedScore));
    if (rows.first[size_t(i)] >= minKeys)
      return opError("attribute 'key_limit' needs every row of the mask to "
                     "keep a key among its first " +
                     Twine(minKeys) + ", but row " + Twine(i) +
                     " masks all of them");
  }
  return Error::success();
}

void attentionReferenceCompute(const AttentionProblem &p, const float *q,
                               const float *k, const float *v,
                               const float *mask, float *y) {
  std::vector<double> s(size_t(p.sk));
  auto at = [](const AttentionView &w, int64_t b, int64_t h, int64_t i,
               int64_t d) {
    return w.offset + b * w.strides[0] + h * w.strides[1] + i * w.strides[2] +
           d * w.strides[3];
  };
  for (int64_t b = 0; b < p.b; ++b)
    for (int64_t h = 0; h < p.h; ++h)
      for (int64_t i = 0; i < p.sq; ++i) {
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < p.sk; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < p.d; ++d)
            dot += double(q[at(p.q, b, h, i, d)]) *
                   k[at(p.k, b, h / p.kvGroup, j, d)];
          // Rounded to f32 as the unfused MatMul, Mul and Add would.
          float sc = float(dot) * p.scale;
          if (mask)
            sc += mask[b * p.maskStrides[0] + h * p.maskStrides[1] +
                       i * p.maskStrides[2] + j * p.maskStrides[3]];
          s[j] = sc;
          if (p.causal && j > i + p.causalOffset)
            s[j] = -std::numeric_limits<double>::infinity();
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (int64_t j = 0; j < p.sk; ++j) {
          s[j] = std::exp(s[j] - mx);
          sum += s[j];
        }
        for (int64_t d = 0; d < p.dv; ++d) {
          double o = 0;
          for (int64_t j = 0; j < p.sk; ++j)
            o += s[j] * v[at(p.v, b, h / p.kvGroup, j, d)];
          y[at(p.y, b, h, i, d)] = float(o / sum);
        }
      }
}

static Error fusedAttentionInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                      SmallVectorImpl<TensorType> &out) {
  SmallVector<TensorType, 4> types;
  for (const InputInfo &i : in)
    types.push_back(i.type);
  Expected<SymAttentionProblem> p = parseAttentionProblem(node, types);
  if (!p)
    return p.takeError();
  // Over a range, the rows are leading blocks of the rows at the bound: the
  // claim is checked there, each row keeping a key within the fewest keys.
  if (Error e = checkKeyLimit(attentionAtBound(*p),
                              p->hasMask ? in[3].data : ArrayRef<uint8_t>(),
                              p->sk.lowerBound()))
    return e;
  out.push_back(TensorType::withDims(DType::F32, p->yShape));
  return Error::success();
}

/// The problem of a node its shape rule accepted.
static SymAttentionProblem verifiedProblem(const Node &node,
                                           ArrayRef<TensorType> types) {
  Expected<SymAttentionProblem> p = parseAttentionProblem(node, types);
  assert(p && "FusedAttention node was not verified by its shape rule");
  if (!p) {
    consumeError(p.takeError());
    return SymAttentionProblem{};
  }
  return *p;
}

static Error fusedAttentionReference(const Node &node,
                                     ArrayRef<const HostTensor *> in,
                                     MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 4> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  SymAttentionProblem s = verifiedProblem(node, types);
  // Sizes that depend on symbols have no value here (the inputs are
  // tensors of one shape): compile that graph for one shape to evaluate it.
  std::array<DimExpr, 8> sizes = {s.b,        s.h,        s.sq,
                                   s.sk,       s.q.offset, s.k.offset,
                                   s.v.offset, s.causalOffset};
  bool fixed = llvm::all_of(sizes, [](const DimExpr &e) {
    return e.isConstant();
  });
  for (const SymAttentionView *v : {&s.q, &s.k, &s.v, &s.y})
    fixed = fixed && llvm::all_of(v->strides, [](const DimExpr &e) {
              return e.isConstant();
            });
  if (!fixed)
    return opError("the views depend on shape symbols; the CPU reference "
                   "runs only for one shape");
  AttentionProblem p = attentionAtBound(s);
  attentionReferenceCompute(
      p, in[0]->f32().data(), in[1]->f32().data(), in[2]->f32().data(),
      p.hasMask ? in[3]->f32().data() : nullptr, out[0].f32().data());
  return Error::success();
}

namespace {
/// Work split of shaders/attention.comp.
struct AttentionTiles {
  uint32_t br, bc, tpr;
};
} // namespace

/// Tiles for \p p on kernel target \p t: the "gpu" profile runs 16
/// rows x 16 lanes (256 invocations) per workgroup with key blocks of 32,
/// the fastest split measured for GPT-2's shapes (12 heads, 128 tokens,
/// D 64) on an H100: 17.2 us, against 18.4 (16 rows x 16 lanes, blocks of
/// 16), 19.5 (8 x 32), 19.7 (8 x 16), 23.5 (16 x 8) and 24.9 (32 x 8). The
/// "cpu" profile runs 8 rows x 4 lanes (32 invocations: lavapipe runs a
/// workgroup on one thread, in SIMD chunks of 8). Key blocks are halved
/// (then the row blocks) until the shared memory fits the target.
static AttentionTiles chooseTiles(const AttentionProblem &p,
                                  const KernelTarget &t) {
  AttentionTiles tiles =
      t.isGpu() ? AttentionTiles{16, 32, 16} : AttentionTiles{8, 32, 4};
  // shaders/attention.comp's shared arrays (vec4 rows, Q and K padded).
  uint64_t d4 = ceilDiv(uint64_t(p.d), 4), dv4 = ceilDiv(uint64_t(p.dv), 4);
  auto bytes = [&](const AttentionTiles &x) {
    return 16 * ((x.br + x.bc) * (d4 + 1) + x.bc * dv4) + 8 * x.br * x.bc;
  };
  while (bytes(tiles) > t.maxSharedMemoryBytes && tiles.bc > 4)
    tiles.bc /= 2;
  while (bytes(tiles) > t.maxSharedMemoryBytes && tiles.br > 1)
    tiles.br /= 2;
  while (bytes(tiles) > t.maxSharedMemoryBytes && tiles.bc > 1)
    tiles.bc /= 2;
  assert(bytes(tiles) <= t.maxSharedMemoryBytes &&
         "head size limit keeps one row of each within every target");
  return tiles;
}

namespace {
/// Split keys of attention_decode: the workgroups per (b, h) and the first
/// 32-bit word of the Y binding its partial results go to.
struct DecodeSplit {
  uint32_t splits = 1;
  uint64_t partialWord = 0;
};
} // namespace

/// Keys of one decoded query row split over more workgroups
/// (flash-decoding) on the "gpu" target: enough that B * H * splits fills
/// an H100's 132 SMs at the bound of the keys (a chunk of 256 keys per
/// split at least, at most 16 splits). The partial results live in Y's
/// binding past what Y holds for one row: Y is planned for the range's
/// largest query count, so at one row the rest of its bytes are its own
/// and unused. No split where they do not fit, or on "cpu" (lavapipe runs
/// a workgroup per core thread anyway). \p yType: Y's tensor at the bound
/// (as the lowering sees it, f32; binary16 under target.f16Storage).
static DecodeSplit chooseDecodeSplit(const SymAttentionProblem &s,
                                     const AttentionProblem &p,
                                     const KernelTarget &target,
                                     const TensorType &yType) {
  DecodeSplit none;
  if (!target.isGpu())
    return none;
  uint64_t keys = uint64_t(p.sk), heads = uint64_t(p.b) * uint64_t(p.h);
  uint64_t splits = std::min<uint64_t>(
      {16, ceilDiv(keys, 256), std::max<uint64_t>(1, ceilDiv(264, heads))});
  if (splits < 2)
    return none;
  // The last element Y holds for one query row: the query count at 1,
  // every other symbol at its largest value (offsets and strides are sums
  // of products of sizes, which grow with every symbol).
  const DimSymbol *rows = s.sq.asSymbol();
  if (!rows)
    return none;
  DimExpr lastExpr = s.y.offset + (s.b - DimExpr(1)) * s.y.strides[0] +
                     (s.h - DimExpr(1)) * s.y.strides[1] +
                     DimExpr(p.dv - 1) * s.y.strides[3];
  SymbolValues at;
  for (const DimSymbol &sym : lastExpr.symbols())
    at[sym.name] = sym.name == rows->name ? 1 : sym.max;
  Expected<int64_t> last = lastExpr.evaluate(at);
  if (!last) {
    consumeError(last.takeError());
    return none;
  }
  uint64_t elt = target.f16Storage ? 2 : 4;
  uint64_t yBytes = uint64_t(yType.numElements()) * elt; // the binding
  uint64_t words = heads * splits * (uint64_t(p.dv) + 2);
  if (yBytes / 4 < words)
    return none;
  uint64_t first = yBytes / 4 - words;
  if (*last < 0 || (uint64_t(*last) + 1) * elt > first * 4 ||
      first > UINT32_MAX)
    return none;
  return {uint32_t(splits), first};
}

static void fusedAttentionLower(const Node &node, ArrayRef<TensorType> in,
                                ArrayRef<TensorType> out,
                                const KernelTarget &target,
                                SmallVectorImpl<DispatchDesc> &dispatches) {
  SymAttentionProblem s = verifiedProblem(node, in);
  AttentionProblem p = attentionAtBound(s);
  AttentionTiles t = chooseTiles(p, target);
  DispatchDesc d;
  d.shader = "attention";
  auto u = [](int64_t x) { return uint32_t(x); };
  // Structural constants (0..3, 8..11, 36..38); sizes, offsets and strides
  // (TLC_DIMS of shaders/attention.comp) are read at run time when symbolic.
  d.specConstants = spec::u32s({t.br * t.tpr, t.br, t.bc, t.tpr});
  setDim(d, 4, s.b);
  setDim(d, 5, s.h);
  setDim(d, 6, s.sq);
  setDim(d, 7, s.sk);
  d.specConstants.append(spec::u32s({u(p.d), u(p.dv), floatBits(p.scale),
                                     p.hasMask ? 1u : 0u}));
  unsigned id = 12;
  for (const SymAttentionView *v : {&s.q, &s.k, &s.v, &s.y}) {
    setDim(d, id++, v->offset);
    for (const DimExpr &stride : v->strides)
      setDim(d, id++, stride);
  }
  for (const DimExpr &stride : s.maskStrides)
    setDim(d, id++, stride);
  d.specConstants.push_back(
      spec::u32(u(ceilDiv(ceilDiv(uint64_t(p.dv), 4), t.tpr))));
  d.specConstants.push_back(spec::u32(u(ceilDiv(uint64_t(t.bc), t.tpr))));
  // Constant 38: key limit (0xffffffff: none); the causal offset, which
  // may be a run-time value, when the kernel masks by position.
  setDim(d, 38, s.causal ? s.causalOffset
                         : p.keyLimit < 0 ? DimExpr(int64_t(~0u))
                                          : DimExpr(p.keyLimit));
  // Constant 39: query heads per K/V head (grouped-query attention);
  // 40: causal masking in the kernel.
  d.specConstants.push_back(spec::u32(u(p.kvGroup)));
  d.specConstants.push_back(spec::u32(p.causal ? 1u : 0u));
  unsigned y = unsigned(in.size());
  d.operands = {0, 1, 2, p.hasMask ? 3u : 0u, y};
  if (!p.hasMask)
    d.unread = {3}; // Q fills the mask slot
  d.writes = {4};
  setGrid1D(d, ceilDiv(s.sq, int64_t(t.br)) * s.b * s.h, 1);
  // A query count whose range starts at 1 (a decoded token): one row runs
  // shaders/attention_decode.comp, which spreads the row's keys over the
  // workgroup, and the tiled kernel runs for two rows and more (first:
  // the decode dispatches are its alternative).
  uint32_t dv4 = u(ceilDiv(uint64_t(p.dv), 4));
  if (s.sq.isConstant() || s.sq.lowerBound() != 1 || dv4 > 1024) {
    dispatches.push_back(d);
    return;
  }
  DispatchDesc one = d;
  runWhenAboveOne(d, s.sq);
  dispatches.push_back(d);
  one.shader = "attention_decode";
  uint32_t wg = std::max<uint32_t>(target.isGpu() ? 256 : 64,
                                   uint32_t(llvm::PowerOf2Ceil(dv4)));
  one.specConstants[0] = spec::u32(wg);
  DecodeSplit split = chooseDecodeSplit(s, p, target, out[0]);
  setDim(one, 41, int64_t(split.splits));
  setDim(one, 42, int64_t(split.partialWord));
  setGrid1D(one, s.b * s.h * int64_t(split.splits), 1);
  runWhenOne(one, s.sq);
  one.exclusiveWithPrevious = true;
  dispatches.push_back(std::move(one));
  if (split.splits == 1)
    return;
  DispatchDesc combine;
  combine.shader = "attention_decode_combine";
  setDim(combine, 4, s.b);
  setDim(combine, 5, s.h);
  setDim(combine, 9, int64_t(p.dv));
  setDim(combine, 27, s.y.offset);
  setDim(combine, 28, s.y.strides[0]);
  setDim(combine, 29, s.y.strides[1]);
  setDim(combine, 31, s.y.strides[3]);
  setDim(combine, 41, int64_t(split.splits));
  setDim(combine, 42, int64_t(split.partialWord));
  combine.operands = {y};
  combine.writes = {0};
  setGrid1D(combine, s.b * s.h, 1);
  runWhenOne(combine, s.sq);
  dispatches.push_back(std::move(combine));
}

const OpDef kFusedAttentionOp =
    symbolicOp({"FusedAttention", fusedAttentionInferTypes,
                fusedAttentionReference, fusedAttentionLower});

} // namespace tlc
