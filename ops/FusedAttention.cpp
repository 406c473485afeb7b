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

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace llvm;

namespace tlc {

namespace {

const char *const kViewNames[4] = {"q_view", "k_view", "v_view", "y_view"};

/// Reads the 5-entry view attribute \p name: [offset, 4 strides], all >= 0.
Expected<AttentionView> readView(const Attributes &attrs, StringRef name) {
  Expected<std::vector<int64_t>> v = getIntList(attrs, name, 5, {}, 0);
  if (!v)
    return v.takeError();
  if (v->size() != 5)
    return opError("attribute '" + name + "' is required with 'dims'");
  AttentionView r;
  r.offset = (*v)[0];
  for (int i = 0; i < 4; ++i)
    r.strides[i] = (*v)[i + 1];
  return r;
}

/// Largest element index \p view reaches over logical dims \p dims.
int64_t lastIndex(const AttentionView &view,
                  const std::array<int64_t, 4> &dims) {
  int64_t last = view.offset;
  for (int i = 0; i < 4; ++i)
    last += (dims[i] - 1) * view.strides[i];
  return last;
}

/// Errors unless \p view writes every element of a tensor of \p n elements
/// exactly once over \p dims: offset 0 and, taking the dims of size > 1 by
/// increasing stride, each stride the product of the sizes before it.
Error checkCovers(const AttentionView &view, const std::array<int64_t, 4> &dims,
                  int64_t n) {
  SmallVector<std::pair<int64_t, int64_t>, 4> used; // (stride, size)
  for (int i = 0; i < 4; ++i)
    if (dims[i] > 1)
      used.push_back({view.strides[i], dims[i]});
  llvm::sort(used);
  int64_t expect = 1;
  bool ok = view.offset == 0;
  for (auto &[stride, size] : used) {
    ok = ok && stride == expect;
    expect *= size;
  }
  if (!ok || expect != n)
    return opError("attribute 'y_view' does not write each of the " + Twine(n) +
                   " elements of y_shape exactly once");
  return Error::success();
}

/// Plain mode: Q [.., Sq, D], K [.., Sk, D], V [.., Sk, Dv], row-major.
Error parsePlain(ArrayRef<TensorType> in, AttentionProblem &p) {
  const Shape &qs = in[0].shape, &ks = in[1].shape, &vs = in[2].shape;
  size_t r = qs.size();
  if (r < 2 || r > 4)
    return opError("Q must have rank 2 to 4 ([.., Sq, D]), got " + in[0].str());
  if (ks.size() != r || vs.size() != r)
    return opError("Q, K and V must have the same rank; got " + in[0].str() +
                   ", " + in[1].str() + ", " + in[2].str());
  for (size_t i = 0; i + 2 < r; ++i)
    if (ks[i] != qs[i] || vs[i] != qs[i])
      return opError("Q, K and V must have equal leading dims; got " +
                     in[0].str() + ", " + in[1].str() + ", " + in[2].str());
  if (ks[r - 1] != qs[r - 1])
    return opError("K's last dim must equal Q's (the head size " +
                   Twine(qs[r - 1]) + "); got " + in[1].str());
  if (vs[r - 2] != ks[r - 2])
    return opError("V must have K's number of keys (" + Twine(ks[r - 2]) +
                   " rows); got " + in[2].str());
  p.b = r == 4 ? qs[0] : 1;
  p.h = r >= 3 ? qs[r - 3] : 1;
  p.sq = qs[r - 2];
  p.d = qs[r - 1];
  p.sk = ks[r - 2];
  p.dv = vs[r - 1];
  auto rowMajor = [&](int64_t s, int64_t d) {
    AttentionView v;
    v.strides = {p.h * s * d, s * d, d, 1};
    return v;
  };
  p.q = rowMajor(p.sq, p.d);
  p.k = rowMajor(p.sk, p.d);
  p.v = rowMajor(p.sk, p.dv);
  p.y = rowMajor(p.sq, p.dv);
  p.yShape.assign(qs.begin(), qs.end() - 1);
  p.yShape.push_back(p.dv);
  return Error::success();
}

/// View mode: the attributes of setAttentionAttrs.
Error parseViews(const Node &node, ArrayRef<TensorType> in,
                 AttentionProblem &p) {
  Expected<std::vector<int64_t>> dims =
      getIntList(node.attrs, "dims", 6, {}, 1);
  if (!dims)
    return dims.takeError();
  p.b = (*dims)[0];
  p.h = (*dims)[1];
  p.sq = (*dims)[2];
  p.sk = (*dims)[3];
  p.d = (*dims)[4];
  p.dv = (*dims)[5];
  AttentionView *views[4] = {&p.q, &p.k, &p.v, &p.y};
  for (int i = 0; i < 4; ++i) {
    Expected<AttentionView> v = readView(node.attrs, kViewNames[i]);
    if (!v)
      return v.takeError();
    *views[i] = *v;
  }
  Expected<std::vector<int64_t>> ys = node.attrs.getInts("y_shape", {});
  if (!ys)
    return ys.takeError();
  if (ys->empty())
    return opError("attribute 'y_shape' is required with 'dims'");
  for (size_t i = 0; i < ys->size(); ++i)
    if ((*ys)[i] < 1)
      return opError("attribute 'y_shape' entry " + Twine(i) + " is " +
                     Twine((*ys)[i]) + "; expected >= 1");
  p.yShape.assign(ys->begin(), ys->end());
  if (Error e = checkFits32(TensorType{DType::F32, p.yShape}, "y_shape"))
    return e;
  const std::array<int64_t, 4> ld[4] = {{p.b, p.h, p.sq, p.d},
                                        {p.b, p.h, p.sk, p.d},
                                        {p.b, p.h, p.sk, p.dv},
                                        {p.b, p.h, p.sq, p.dv}};
  const char *names[3] = {"Q", "K", "V"};
  for (int i = 0; i < 3; ++i) {
    int64_t last = lastIndex(*views[i], ld[i]);
    if (last >= in[i].numElements())
      return opError("attribute '" + Twine(kViewNames[i]) + "' reads " +
                     names[i] + " up to element " + Twine(last) +
                     ", past the end of input " + Twine(i) + " (" +
                     in[i].str() + ")");
  }
  return checkCovers(p.y, ld[3],
                     TensorType{DType::F32, p.yShape}.numElements());
}

/// Mask strides: the mask right-aligned against [B, H, Sq, Sk].
Error parseMask(const TensorType &mask, AttentionProblem &p) {
  const Shape &ms = mask.shape;
  if (ms.size() > 4)
    return opError("the mask (input 3) must have rank <= 4, got " + mask.str());
  const int64_t logical[4] = {p.b, p.h, p.sq, p.sk};
  Shape rm = rowMajorStrides(ms);
  size_t lead = 4 - ms.size();
  p.hasMask = true;
  for (size_t i = 0; i < 4; ++i) {
    p.maskStrides[i] = 0;
    if (i < lead)
      continue;
    int64_t m = ms[i - lead];
    if (m == logical[i])
      p.maskStrides[i] = rm[i - lead];
    else if (m != 1)
      return opError("the mask (input 3) " + mask.str() +
                     " does not broadcast to [B, H, Sq, Sk] = [" + Twine(p.b) +
                     ", " + Twine(p.h) + ", " + Twine(p.sq) + ", " +
                     Twine(p.sk) + "]");
  }
  return Error::success();
}

} // namespace

void setAttentionAttrs(Attributes &attrs, const AttentionProblem &p) {
  attrs.values["dims"] = std::vector<int64_t>{p.b, p.h, p.sq, p.sk, p.d, p.dv};
  const AttentionView *views[4] = {&p.q, &p.k, &p.v, &p.y};
  for (int i = 0; i < 4; ++i) {
    const AttentionView &v = *views[i];
    attrs.values[kViewNames[i]] = std::vector<int64_t>{
        v.offset, v.strides[0], v.strides[1], v.strides[2], v.strides[3]};
  }
  attrs.values["y_shape"] =
      std::vector<int64_t>(p.yShape.begin(), p.yShape.end());
  attrs.values["scale"] = double(p.scale);
}

Expected<AttentionProblem> parseAttentionProblem(const Node &node,
                                                 ArrayRef<TensorType> in) {
  if (Error e = checkKnownAttrs(node, {"dims", "k_view", "key_limit",
                                       "q_view", "scale", "v_view",
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
  AttentionProblem p;
  bool views = node.attrs.has("dims");
  if (!views)
    for (StringRef a : {"q_view", "k_view", "v_view", "y_view", "y_shape"})
      if (node.attrs.has(a))
        return opError("attribute '" + a + "' needs attribute 'dims'");
  if (Error e = views ? parseViews(node, in, p) : parsePlain(in, p))
    return std::move(e);
  if (p.d > kMaxAttentionHeadSize || p.dv > kMaxAttentionHeadSize)
    return opError("head sizes D = " + Twine(p.d) + ", Dv = " + Twine(p.dv) +
                   " exceed the supported maximum of " +
                   Twine(kMaxAttentionHeadSize));
  Expected<double> scale =
      node.attrs.getFloat("scale", 1.0 / std::sqrt(double(p.d)));
  if (!scale)
    return scale.takeError();
  if (!std::isfinite(float(*scale)))
    return opError("attribute 'scale' is " + std::to_string(*scale) +
                   "; expected a finite f32");
  p.scale = float(*scale);
  if (in.size() == 4)
    if (Error e = parseMask(in[3], p))
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
  return p;
}

/// Visits every mask element (row i, key j) of \p p; stops when \p f
/// returns false.
template <typename F>
static void forEachMaskElement(const AttentionProblem &p, const float *mask,
                               F f) {
  for (int64_t b = 0; b < p.b; ++b)
    for (int64_t h = 0; h < p.h; ++h)
      for (int64_t i = 0; i < p.sq; ++i)
        for (int64_t j = 0; j < p.sk; ++j)
          if (!f(i, j,
                 mask[b * p.maskStrides[0] + h * p.maskStrides[1] +
                      i * p.maskStrides[2] + j * p.maskStrides[3]]))
            return;
}

std::optional<int64_t> findKeyLimit(const AttentionProblem &p,
                                    const float *mask) {
  if (!p.hasMask || !mask)
    return std::nullopt;
  // Last unmasked key of each row, over every batch and head.
  std::vector<int64_t> last(size_t(p.sq), -1);
  forEachMaskElement(p, mask, [&](int64_t i, int64_t j, float m) {
    if (!(m <= kMaskedScore)) // NaN counts as unmasked
      last[i] = std::max(last[i], j);
    return true;
  });
  int64_t limit = 0;
  for (int64_t i = 0; i < p.sq; ++i) {
    if (last[i] < 0)
      return std::nullopt;
    limit = std::max(limit, last[i] - i);
  }
  if (limit >= p.sk - 1)
    return std::nullopt;
  return limit;
}

Error checkKeyLimit(const AttentionProblem &p, ArrayRef<uint8_t> mask) {
  if (p.keyLimit < 0)
    return Error::success();
  // One past the largest element the strides reach.
  const int64_t dims[4] = {p.b, p.h, p.sq, p.sk};
  int64_t need = 1;
  for (int i = 0; i < 4; ++i)
    need += (dims[i] - 1) * p.maskStrides[i];
  if (mask.empty() || int64_t(mask.size() / sizeof(float)) < need)
    return opError("attribute 'key_limit' needs a constant mask (input 3)");
  std::vector<float> m(mask.size() / sizeof(float));
  std::memcpy(m.data(), mask.data(), m.size() * sizeof(float));
  std::optional<std::pair<int64_t, int64_t>> bad;
  forEachMaskElement(p, m.data(), [&](int64_t i, int64_t j, float v) {
    if (j > i + p.keyLimit && !(v <= kMaskedScore)) {
      bad = {i, j};
      return false;
    }
    return true;
  });
  if (bad)
    return opError("attribute 'key_limit' = " + Twine(p.keyLimit) +
                   " claims keys past row + " + Twine(p.keyLimit) +
                   " are masked, but the mask at row " + Twine(bad->first) +
                   ", key " + Twine(bad->second) + " is above " +
                   std::to_string(kMaskedScore));
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
            dot += double(q[at(p.q, b, h, i, d)]) * k[at(p.k, b, h, j, d)];
          // Rounded to f32 as the unfused MatMul, Mul and Add would.
          float sc = float(dot) * p.scale;
          if (mask)
            sc += mask[b * p.maskStrides[0] + h * p.maskStrides[1] +
                       i * p.maskStrides[2] + j * p.maskStrides[3]];
          s[j] = sc;
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
            o += s[j] * v[at(p.v, b, h, j, d)];
          y[at(p.y, b, h, i, d)] = float(o / sum);
        }
      }
}

static Error fusedAttentionInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                      SmallVectorImpl<TensorType> &out) {
  SmallVector<TensorType, 4> types;
  for (const InputInfo &i : in)
    types.push_back(i.type);
  Expected<AttentionProblem> p = parseAttentionProblem(node, types);
  if (!p)
    return p.takeError();
  if (Error e = checkKeyLimit(*p, p->hasMask ? in[3].data : ArrayRef<uint8_t>()))
    return e;
  out.push_back(TensorType{DType::F32, p->yShape});
  return Error::success();
}

/// The problem of a node its shape rule accepted.
static AttentionProblem verifiedProblem(const Node &node,
                                        ArrayRef<TensorType> types) {
  Expected<AttentionProblem> p = parseAttentionProblem(node, types);
  assert(p && "FusedAttention node was not verified by its shape rule");
  if (!p) {
    consumeError(p.takeError());
    return AttentionProblem{};
  }
  return *p;
}

static Error fusedAttentionReference(const Node &node,
                                     ArrayRef<const HostTensor *> in,
                                     MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 4> types;
  for (const HostTensor *t : in)
    types.push_back(t->type);
  AttentionProblem p = verifiedProblem(node, types);
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

static void fusedAttentionLower(const Node &node, ArrayRef<TensorType> in,
                                ArrayRef<TensorType> out,
                                const KernelTarget &target,
                                SmallVectorImpl<DispatchDesc> &dispatches) {
  AttentionProblem p = verifiedProblem(node, in);
  AttentionTiles t = chooseTiles(p, target);
  DispatchDesc d;
  d.shader = "attention";
  auto u = [](int64_t x) { return uint32_t(x); };
  d.specConstants = spec::u32s({t.br * t.tpr, t.br, t.bc, t.tpr, u(p.b), u(p.h),
                                u(p.sq), u(p.sk), u(p.d), u(p.dv),
                                floatBits(p.scale), p.hasMask ? 1u : 0u});
  for (const AttentionView *v : {&p.q, &p.k, &p.v, &p.y}) {
    d.specConstants.push_back(spec::u32(u(v->offset)));
    for (int64_t s : v->strides)
      d.specConstants.push_back(spec::u32(u(s)));
  }
  for (int64_t s : p.maskStrides)
    d.specConstants.push_back(spec::u32(u(s)));
  d.specConstants.push_back(
      spec::u32(u(ceilDiv(ceilDiv(uint64_t(p.dv), 4), t.tpr))));
  d.specConstants.push_back(spec::u32(u(ceilDiv(uint64_t(t.bc), t.tpr))));
  // Constant 38: key limit (0xffffffff: none).
  d.specConstants.push_back(spec::u32(p.keyLimit < 0 ? ~0u : u(p.keyLimit)));
  unsigned y = unsigned(in.size());
  d.operands = {0, 1, 2, p.hasMask ? 3u : 0u, y};
  if (!p.hasMask)
    d.unread = {3}; // Q fills the mask slot
  d.writes = {4};
  setGrid1D(d, ceilDiv(uint64_t(p.sq), t.br) * uint64_t(p.b * p.h), 1);
  dispatches.push_back(d);
}

const OpDef kFusedAttentionOp = {"FusedAttention", fusedAttentionInferTypes,
                                 fusedAttentionReference, fusedAttentionLower};

} // namespace tlc
