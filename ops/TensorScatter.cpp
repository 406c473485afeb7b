//===- ops/TensorScatter.cpp - Write new rows into a cache (opset 24) -----===//
//
// ONNX TensorScatter (opset 24), the KV-cache update of a decoder:
//   present_cache = past_cache with update written at positions
//                   [offset, offset + S) along `axis` (default -2),
// where update has past_cache's shape except S at `axis`. mode must be
// "linear" (the default); "circular" is refused.
//
// Where the write goes: ONNX gives per-batch positions as input 2
// (write_indices, [B] i64, default zeros). tlc takes one position for every
// batch row as its attribute `write_offset` (one dimension expression,
// default 0): in a plan for shape ranges it is a symbol the host sets before
// each run (the number of positions already cached, docs/generation.md), so
// the write is planned like every other dispatch. A run-time write_indices
// tensor is refused with a message naming the attribute.
//
// Rows past the end of the cache are not written (the spec requires
// offset + S <= max_sequence_length and leaves the rest undefined): the
// shader and the reference skip them, so no value of the symbols writes
// outside the cache. Plans that use it state offset + S <= rows as a
// requirement the runtime checks (Graph::requirements).
//
// In place: the output is input 0 with rows replaced
// (OpMemoryTraits::updatesInput0). The lowering copies past_cache to the
// output, then writes the rows; when the compiler computes the output in
// the bytes of past_cache (always for a State, a cache that persists from
// run to run; for a transient that dies here) the copy is dropped and the
// update costs only the rows written.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/StridedCopy.h"
#include "ops/SymbolicOp.h"

#include <cstring>

using namespace llvm;

namespace tlc {

namespace {
/// past_cache as [outer, rows, inner] around `axis`; update as
/// [outer, seq, inner]; rows written start at offset.
struct ScatterView {
  DimExpr outer = 1, rows = 1, inner = 1, seq = 1, offset = 0;
};
} // namespace

static Expected<ScatterView> scatterView(const Node &node,
                                         const TensorType &past,
                                         const TensorType &update) {
  Expected<int64_t> axisAttr = node.attrs.getInt("axis", -2);
  if (!axisAttr)
    return axisAttr.takeError();
  int64_t rank = int64_t(past.rank());
  if (rank < 1)
    return opError("input 0 (past_cache) must have rank >= 1, got a scalar");
  Expected<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (!axis)
    return axis.takeError();
  if (update.rank() != past.rank())
    return opError("input 1 (update) is " + update.str() +
                   "; expected the rank of input 0 (past_cache) " + past.str());
  ScatterView v;
  for (int64_t i = 0; i < rank; ++i) {
    DimExpr p = past.dim(size_t(i)), u = update.dim(size_t(i));
    if (i == *axis) {
      v.rows = p;
      v.seq = u;
      if ((p - u).lowerBound() < 0)
        return opError("input 1 (update) has " + u.str() + " rows along axis " +
                       Twine(*axis) + "; the cache " + past.str() +
                       " holds " + p.str());
      continue;
    }
    if (p != u)
      return opError("input 1 (update) is " + update.str() +
                     "; expected the dims of input 0 (past_cache) " +
                     past.str() + " except along axis " + Twine(*axis));
    (i < *axis ? v.outer : v.inner) *= p;
  }
  Expected<std::vector<DimExpr>> off = node.attrs.getDims("write_offset", {0});
  if (!off)
    return off.takeError();
  if (off->size() != 1 || (*off)[0].lowerBound() < 0)
    return opError("attribute 'write_offset' must be one value >= 0");
  v.offset = (*off)[0];
  return v;
}

static Error scatterInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis", "mode", "write_offset"}))
    return e;
  if (Error e = checkInputCount(in, 2, 3))
    return e;
  if (in.size() == 3)
    return opError("input 2 (write_indices) is not supported: tlc writes at "
                   "the position its attribute 'write_offset' gives (a "
                   "constant or a symbol the host sets)");
  if (Error e = checkMaxOutputs(node, 1, "the spec defines present_cache only"))
    return e;
  if (Error e = checkF32(in, 0, "past_cache"))
    return e;
  if (Error e = checkF32(in, 1, "update"))
    return e;
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<std::string> mode = node.attrs.getString("mode", "linear");
  if (!mode)
    return mode.takeError();
  if (*mode != "linear")
    return opError("attribute 'mode' is '" + *mode +
                   "'; only 'linear' is supported");
  Expected<ScatterView> v = scatterView(node, in[0].type, in[1].type);
  if (!v)
    return v.takeError();
  out.push_back(in[0].type);
  return Error::success();
}

static ScatterView verifiedView(const Node &node, const TensorType &past,
                                const TensorType &update) {
  return verifiedValue(scatterView(node, past, update));
}

/// Reference: the cache copied, then each row of update that lands inside
/// it written.
static Error scatterReference(const Node &node, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  ScatterView v = verifiedView(node, in[0]->type, in[1]->type);
  if (!v.offset.isConstant())
    return opError("write_offset " + v.offset.str() +
                   " depends on symbols; the CPU reference runs for one value");
  // Host tensors are static: every expression is a constant.
  int64_t outer = v.outer.constant(), rows = v.rows.constant(),
          inner = v.inner.constant(), seq = v.seq.constant(),
          off = v.offset.constant();
  const float *past = in[0]->f32().data();
  const float *upd = in[1]->f32().data();
  float *y = out[0].f32().data();
  std::memcpy(y, past, size_t(outer * rows * inner) * sizeof(float));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t s = 0; s < seq && off + s < rows; ++s)
      std::memcpy(y + (o * rows + off + s) * inner,
                  upd + (o * seq + s) * inner, size_t(inner) * sizeof(float));
  return Error::success();
}

static void scatterLower(const Node &node, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out, const KernelTarget &,
                         SmallVectorImpl<DispatchDesc> &dispatches) {
  ScatterView v = verifiedView(node, in[0], in[1]);
  // 1. present = past (dropped by codegen when computed in place).
  DimExpr all = in[0].numElementsExpr();
  dispatches.push_back(lowerStridedCopy({all}, {1}, 0, {1}, 0, 0, 2));
  // 2. The rows of update, each element once.
  DispatchDesc d;
  d.shader = "tensor_scatter";
  DimExpr total = v.outer * v.seq * v.inner;
  setDim(d, 0, total);
  setDim(d, 1, v.seq);
  setDim(d, 2, v.inner);
  setDim(d, 3, v.rows);
  setDim(d, 4, v.offset);
  d.operands = {1, 2};
  d.writes = {1};
  setGrid1D(d, total, 256);
  dispatches.push_back(d);
}

static OpDef tensorScatterDef() {
  OpDef def = symbolicOp(
      {"TensorScatter", scatterInferTypes, scatterReference, scatterLower});
  def.memory.updatesInput0 = true;
  return def;
}

const OpDef kTensorScatterOp = tensorScatterDef();

} // namespace tlc
