//===- ops/RotaryEmbedding.cpp - Rotary position embedding (opset 23) -----===//
//
// ONNX RotaryEmbedding (opset 23; RoPE, Su et al. 2021, "RoFormer",
// arXiv:2104.09864), applied to Llama's queries and keys. Inputs:
//   X          [B, H, S, D] (4-D), or [B, S, H*D] (3-D, with attribute
//              num_heads = H);
//   cos_cache, sin_cache
//              [P, R/2] indexed by position_ids, or [B, S, R/2] without
//              position_ids (the cos and sin of each token's angles);
//   position_ids (optional, i64) [B, S], or [1, S] for every batch row.
// R is attribute rotary_embedding_dim (0: R = D, the whole head); it must be
// even and <= D, and dims R..D-1 of each head pass through unchanged. For
// token (b, s) with cache row p (position_ids[b, s], or b * S + s) and
// i < R/2, one pair (x1, x2) of each head is rotated by the angle whose cos
// and sin are c = cos_cache[p, i], s = sin_cache[p, i]:
//   x1' = x1 * c - x2 * s,   x2' = x1 * s + x2 * c,
// where the pair is (x[i], x[i + R/2]) for interleaved = 0 (the halves: the
// rotate_half convention of Hugging Face Llama) and (x[2i], x[2i + 1]) for
// interleaved = 1 (adjacent elements: GPT-J, and GGUF llama weights, whose
// Q/K rows llama.cpp's converter permutes into that order). This is the
// spec's formula (onnx/reference/ops/op_rotary_embedding.py, opset 23).
//
// Positions are run-time values, so their range cannot be checked where
// they are not constants; a position outside [0, P) must not read outside
// the caches, so the shader (and, to agree with it, the CPU reference)
// clamps it to [0, P - 1]. The spec leaves such ids undefined. Constant
// position_ids are checked here instead, as Gather checks its indices.
//
// shaders/rotary_embedding.comp runs one invocation per output element,
// reading the other element of its pair, so Y cannot be written in place
// over X.
//
// Shape ranges: B, S (and H of a 4-D X) may be symbolic; the head size D,
// the rotary dim and the caches' last dim must be static.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <algorithm>
#include <cstring>

using namespace llvm;

namespace tlc {

namespace {
/// How X, the caches and position_ids are laid out: X is [B, H, S, D]
/// (seqMajor false) or [B, S, H, D] (seqMajor true, the 3-D X split into
/// heads). Dims may be symbolic except headSize and half.
struct RotaryView {
  DimExpr batch = 1, seq = 1, heads = 1;
  int64_t headSize = 1;
  int64_t half = 1;      // R / 2: the pairs rotated per head
  bool seqMajor = false; // 3-D X
  /// 0: no position_ids (the caches are [B, S, R/2]); 1: position_ids
  /// [B, S]; 2: position_ids [1, S], the same positions for every batch row;
  /// 3: attribute position_offset: positions offset + s for every batch row
  /// (the caches are [P, R/2] tables; a decoder's tokens after a KV cache).
  unsigned posMode = 0;
  DimExpr positionOffset = 0;
  DimExpr cacheRows = 1; // P: the caches' rows when indexed by position
  bool interleaved = false;
};
} // namespace

/// The view of the node's inputs \p in (types only); errors say which input
/// or attribute is wrong and what was expected.
static Expected<RotaryView> rotaryView(const Node &node,
                                       ArrayRef<TensorType> in) {
  Expected<bool> interleaved = getFlagAttr(node, "interleaved", false);
  if (!interleaved)
    return interleaved.takeError();
  Expected<int64_t> numHeads = node.attrs.getInt("num_heads", 0);
  if (!numHeads)
    return numHeads.takeError();
  Expected<int64_t> rotaryDim = node.attrs.getInt("rotary_embedding_dim", 0);
  if (!rotaryDim)
    return rotaryDim.takeError();
  if (*numHeads < 0)
    return opError("attribute 'num_heads' is " + Twine(*numHeads) +
                   "; expected >= 0 (0: taken from a 4-D X)");
  if (*rotaryDim < 0)
    return opError("attribute 'rotary_embedding_dim' is " + Twine(*rotaryDim) +
                   "; expected >= 0 (0: the whole head)");

  RotaryView v;
  v.interleaved = *interleaved;
  const TensorType &x = in[0];
  DimExpr headSize;
  if (x.rank() == 4) {
    v.batch = x.dim(0);
    v.heads = x.dim(1);
    v.seq = x.dim(2);
    headSize = x.dim(3);
    if (*numHeads != 0 && x.dim(1) != DimExpr(*numHeads))
      return opError("attribute 'num_heads' is " + Twine(*numHeads) +
                     " but X " + x.str() + " [batch, heads, seq, head_size] "
                     "has " + x.dim(1).str() + " heads");
  } else if (x.rank() == 3) {
    v.seqMajor = true;
    v.batch = x.dim(0);
    v.seq = x.dim(1);
    if (*numHeads == 0)
      return opError("a 3-D X " + x.str() +
                     " [batch, seq, hidden] needs attribute 'num_heads'");
    if (!x.dim(2).isConstant())
      return opError("input 0 (X) is " + x.str() +
                     "; its hidden size (dim 2) must be static");
    int64_t hidden = x.dim(2).constant();
    if (hidden % *numHeads != 0)
      return opError("the hidden size " + Twine(hidden) + " of X " + x.str() +
                     " is not a multiple of num_heads = " + Twine(*numHeads));
    v.heads = *numHeads;
    headSize = hidden / *numHeads;
  } else {
    return opError("input 0 (X) is " + x.str() +
                   "; expected rank 3 [batch, seq, hidden] or 4 [batch, "
                   "heads, seq, head_size]");
  }
  if (!headSize.isConstant())
    return opError("input 0 (X) is " + x.str() +
                   "; its head size must be static");
  v.headSize = headSize.constant();
  int64_t r = *rotaryDim == 0 ? v.headSize : *rotaryDim;
  if (r > v.headSize)
    return opError("attribute 'rotary_embedding_dim' is " + Twine(r) +
                   "; expected <= the head size " + Twine(v.headSize));
  if (r % 2 != 0)
    return opError("the rotary dim is " + Twine(r) +
                   (*rotaryDim == 0 ? " (the head size)" : "") +
                   "; expected an even number (it rotates pairs)");
  v.half = r / 2;

  const TensorType &cosT = in[1], &sinT = in[2];
  if (sinT != cosT)
    return opError("input 2 (sin_cache) is " + sinT.str() +
                   "; expected the type of input 1 (cos_cache), " +
                   cosT.str());
  if (in.size() == 4) {
    const TensorType &pos = in[3];
    if (pos.rank() != 2 || pos.dim(1) != v.seq ||
        (pos.dim(0) != v.batch && pos.dim(0) != DimExpr(1)))
      return opError("input 3 (position_ids) is " + pos.str() +
                     "; expected [batch, seq] = [" + v.batch.str() + ", " +
                     v.seq.str() + "] (or [1, " + v.seq.str() + "]) for X " +
                     x.str());
    v.posMode = pos.dim(0) == v.batch ? 1 : 2;
    if (cosT.rank() != 2 || cosT.dim(1) != DimExpr(v.half))
      return opError("input 1 (cos_cache) is " + cosT.str() +
                     "; expected [max_position + 1, " + Twine(v.half) +
                     "] (rotary dim / 2) with position_ids");
    v.cacheRows = cosT.dim(0);
  } else if (node.attrs.has("position_offset")) {
    Expected<std::vector<DimExpr>> off =
        node.attrs.getDims("position_offset", {});
    if (!off)
      return off.takeError();
    if (off->size() != 1 || (*off)[0].lowerBound() < 0)
      return opError("attribute 'position_offset' must be one value >= 0");
    v.posMode = 3;
    v.positionOffset = (*off)[0];
    if (cosT.rank() != 2 || cosT.dim(1) != DimExpr(v.half))
      return opError("input 1 (cos_cache) is " + cosT.str() +
                     "; expected [max_position + 1, " + Twine(v.half) +
                     "] (rotary dim / 2) with position_offset");
    v.cacheRows = cosT.dim(0);
  } else {
    v.posMode = 0;
    if (cosT.rank() != 3 || cosT.dim(0) != v.batch || cosT.dim(1) != v.seq ||
        cosT.dim(2) != DimExpr(v.half))
      return opError("input 1 (cos_cache) is " + cosT.str() +
                     "; expected [batch, seq, rotary dim / 2] = [" +
                     v.batch.str() + ", " + v.seq.str() + ", " +
                     Twine(v.half) + "] without position_ids");
    v.cacheRows = v.batch * v.seq;
  }
  return v;
}

static Error rotaryInferTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"interleaved", "num_heads",
                                       "position_offset",
                                       "rotary_embedding_dim"}))
    return e;
  if (in.size() == 4 && node.attrs.has("position_offset"))
    return opError("attribute 'position_offset' and input 3 (position_ids) "
                   "exclude each other");
  if (Error e = checkInputCount(in, 3, 4))
    return e;
  if (Error e = checkF32(in, 0, "X"))
    return e;
  if (Error e = checkF32(in, 1, "cos_cache"))
    return e;
  if (Error e = checkF32(in, 2, "sin_cache"))
    return e;
  if (in.size() == 4)
    if (Error e = checkDType(in, 3, "position_ids", {DType::I64}))
      return e;
  if (Error e = checkInputsFit32(in))
    return e;
  SmallVector<TensorType, 4> types;
  for (const InputInfo &i : in)
    types.push_back(i.type);
  Expected<RotaryView> v = rotaryView(node, types);
  if (!v)
    return v.takeError();
  if (in.size() == 4) {
    // The kernel reads positions from their buffer, which holds a symbolic
    // shape value's upper bounds.
    if (!in[3].symData.empty())
      return opError("input 3 (position_ids) is the shape value [" +
                     symShapeStr(in[3].symData) +
                     "] with symbolic elements; position_ids must be "
                     "constants or a run-time tensor");
    // Constant positions are checked here (against every value of a
    // symbolic cache length); run-time ones are clamped by the kernel.
    if (!in[3].data.empty()) {
      int64_t count = in[3].type.numElements();
      if (in[3].data.size() != uint64_t(count) * 8)
        return opError("input 3 (position_ids) holds " +
                       Twine(in[3].data.size()) + " bytes; expected " +
                       Twine(count * 8));
      int64_t rows = v->cacheRows.lowerBound();
      for (int64_t i = 0; i < count; ++i) {
        int64_t p;
        std::memcpy(&p, in[3].data.data() + 8 * i, 8);
        if (p < 0 || p >= rows)
          return opError("position " + Twine(p) + " (element " + Twine(i) +
                         " of input 3, position_ids) is out of range for "
                         "caches of " +
                         v->cacheRows.str() + " rows");
      }
    }
  }
  out.push_back(in[0].type);
  return Error::success();
}

static RotaryView verifiedView(const Node &node, ArrayRef<TensorType> in) {
  return verifiedValue(rotaryView(node, in));
}

/// Reference in double precision, each output rounded once to f32.
/// Positions outside [0, P) are clamped, as on the device.
static Error rotaryReference(const Node &node, ArrayRef<const HostTensor *> in,
                             MutableArrayRef<HostTensor> out) {
  SmallVector<TensorType, 4> types;
  for (const HostTensor *h : in)
    types.push_back(h->type);
  RotaryView v = verifiedView(node, types);
  // Host tensors are static: every expression is a constant.
  int64_t B = v.batch.constant(), S = v.seq.constant(),
          H = v.heads.constant(), D = v.headSize, half = v.half,
          rows = v.cacheRows.constant();
  const float *x = in[0]->f32().data();
  const float *cosC = in[1]->f32().data();
  const float *sinC = in[2]->f32().data();
  float *y = out[0].f32().data();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s) {
      int64_t p = b * S + s;
      if (v.posMode == 3) {
        if (!v.positionOffset.isConstant())
          return opError("position_offset " + v.positionOffset.str() +
                         " depends on symbols; the CPU reference runs for "
                         "one value");
        p = std::clamp<int64_t>(v.positionOffset.constant() + s, 0, rows - 1);
      } else if (v.posMode != 0) {
        p = in[3]->intAt(v.posMode == 1 ? b * S + s : s);
        p = std::clamp<int64_t>(p, 0, rows - 1);
      }
      for (int64_t h = 0; h < H; ++h) {
        int64_t base = v.seqMajor ? ((b * S + s) * H + h) * D
                                  : ((b * H + h) * S + s) * D;
        const float *xh = x + base;
        float *yh = y + base;
        for (int64_t d = 2 * half; d < D; ++d)
          yh[d] = xh[d];
        for (int64_t i = 0; i < half; ++i) {
          int64_t i1 = v.interleaved ? 2 * i : i;
          int64_t i2 = v.interleaved ? 2 * i + 1 : i + half;
          double c = cosC[p * half + i], sn = sinC[p * half + i];
          double x1 = xh[i1], x2 = xh[i2];
          yh[i1] = float(x1 * c - x2 * sn);
          yh[i2] = float(x1 * sn + x2 * c);
        }
      }
    }
  return Error::success();
}

static void rotaryLower(const Node &node, ArrayRef<TensorType> in,
                        ArrayRef<TensorType> out, const KernelTarget &target,
                        SmallVectorImpl<DispatchDesc> &dispatches) {
  RotaryView v = verifiedView(node, in);
  DispatchDesc d;
  d.shader = "rotary_embedding";
  DimExpr total = out[0].numElementsExpr();
  d.specConstants =
      spec::u32s({0, 0, 0, 0, uint32_t(v.headSize), uint32_t(v.half),
                  v.interleaved ? 1u : 0u, v.seqMajor ? 1u : 0u, v.posMode});
  // The element count, S, H and the cache rows are run-time values where
  // symbolic; D and R / 2 are fixed (the shape rule requires it).
  setDim(d, 0, total);
  setDim(d, 1, v.seq);
  setDim(d, 2, v.heads);
  setDim(d, 3, v.cacheRows);
  setDim(d, 9, v.positionOffset);
  // Without position_ids, binding 3 is bound to cos_cache again and never
  // read.
  bool hasPos = v.posMode == 1 || v.posMode == 2;
  d.operands = {0, 1, 2, hasPos ? 3u : 1u, hasPos ? 4u : 3u};
  if (!hasPos)
    d.unread = {3};
  d.writes = {4};
  setGrid1D(d, total, 256);
  dispatches.push_back(d);
}

const OpDef kRotaryEmbeddingOp = symbolicOp(
    {"RotaryEmbedding", rotaryInferTypes, rotaryReference, rotaryLower,
     /*memory=*/{}, /*referenceDTypes=*/{DType::F32, DType::I64}});

} // namespace tlc
