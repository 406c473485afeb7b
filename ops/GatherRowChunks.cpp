//===- ops/GatherRowChunks.cpp - Gather from a table split into row chunks ===//
//
// tlc-internal op, made by passes/SplitLargeWeights.cpp from Gather(data,
// indices, axis = 0) when the data, a weight, is larger than one storage
// binding may be (kMaxBindingBytes): a 32,000 x 2,048 f32 token embedding
// is 262 MB, lavapipe binds at most 128 MiB.
//   inputs: indices (i64 or i32, any shape), chunk 0 .. chunk C-1 (C >= 1:
//           rows [r_c, r_c + rows_c) of the table, r_c the rows before;
//           every chunk of one dtype and one shape beyond axis 0)
//   output: indices.shape ++ chunk.shape[1:], as Gather's along axis 0 of
//           the table the chunks stack to
// Negative indices count from the end of the whole table; an index outside
// it gives 0 (as Gather on the device). Lowering: one shaders/gather.comp
// dispatch per chunk (constants CHUNK_TOTAL, CHUNK_BEGIN), each writing the
// output elements whose row lies in its chunk. Shape ranges: the indices
// may have symbolic dims (token ids [1, S]).
//
//===----------------------------------------------------------------------===//
#include "ops/GatherKernel.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error rowChunksInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                 SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (in.size() < 2)
    return opError("expected indices and at least one chunk, got " +
                   Twine(in.size()) + " inputs");
  const TensorType &idx = in[0].type;
  if (idx.dtype != DType::I64 && idx.dtype != DType::I32)
    return opError("input 0 (indices) has dtype " + dtypeName(idx.dtype) +
                   "; expected i64 or i32");
  const TensorType &first = in[1].type;
  for (size_t c = 1; c < in.size(); ++c) {
    const TensorType &t = in[c].type;
    if (!t.isStatic() || t.shape.empty())
      return opError("input " + Twine(c) + " (chunk " + Twine(c - 1) +
                     ") is " + t.str() + "; expected a static shape of rank "
                     ">= 1");
    if (t.dtype != first.dtype ||
        !std::equal(t.shape.begin() + 1, t.shape.end(),
                    first.shape.begin() + 1, first.shape.end()))
      return opError("input " + Twine(c) + " (chunk " + Twine(c - 1) +
                     ") is " + t.str() + "; every chunk must be " +
                     dtypeName(first.dtype) + " [rows" +
                     (first.shape.size() > 1 ? ", " : "") +
                     symShapeStr(SymShape(first.dims().begin() + 1,
                                          first.dims().end())) +
                     "]");
  }
  if (Error e = checkInputsFit32(in))
    return e;
  SymShape os = idx.dims();
  SymShape cs = first.dims();
  os.append(cs.begin() + 1, cs.end());
  TensorType t = TensorType::withDims(first.dtype, os);
  if (Error e = checkFits32(t, "output"))
    return e;
  out.push_back(std::move(t));
  return Error::success();
}

/// Reference: Gather along axis 0 of the stacked chunks; out-of-range
/// indices give 0.
static Error rowChunksReference(const Node &node,
                                ArrayRef<const HostTensor *> in,
                                MutableArrayRef<HostTensor> out) {
  int64_t total = 0;
  for (size_t c = 1; c < in.size(); ++c)
    total += in[c]->type.shape[0];
  int64_t inner = in[1]->type.numElements() / in[1]->type.shape[0];
  int64_t count = in[0]->type.numElements();
  for (int64_t j = 0; j < count; ++j) {
    int64_t k = in[0]->intAt(j);
    if (k < 0)
      k += total;
    if (k < 0 || k >= total)
      continue; // outputs are zero-filled
    size_t c = 1;
    while (k >= in[c]->type.shape[0]) {
      k -= in[c]->type.shape[0];
      ++c;
    }
    for (int64_t i = 0; i < inner; ++i)
      out[0].copyElement(*in[c], k * inner + i, j * inner + i);
  }
  return Error::success();
}

static void rowChunksLower(const Node &node, ArrayRef<TensorType> in,
                           ArrayRef<TensorType> out, const KernelTarget &target,
                           SmallVectorImpl<DispatchDesc> &d) {
  uint64_t total = 0;
  for (const TensorType &t : in.drop_front())
    total += uint64_t(t.shape[0]);
  int64_t inner = in[1].numElements() / in[1].shape[0];
  DimExpr elements = out[0].numElementsExpr();
  uint64_t begin = 0;
  for (unsigned c = 1; c < in.size(); ++c) {
    d.push_back(lowerGatherKernel(elements, in[c].shape[0], inner,
                                  in[0].numElementsExpr(),
                                  in[0].dtype == DType::I64, uint32_t(total),
                                  uint32_t(begin), c, 0, unsigned(in.size())));
    begin += uint64_t(in[c].shape[0]);
  }
}

const OpDef kGatherRowChunksOp = [] {
  OpDef def = symbolicOp({"GatherRowChunks", rowChunksInferTypes,
                          rowChunksReference, rowChunksLower});
  def.referenceDTypes = kDataDTypes;
  return def;
}();

} // namespace tlc
