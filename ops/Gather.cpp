//===- ops/Gather.cpp - Gather: index one axis with an index tensor -------===//
//
// ONNX Gather (opset 13): output = data indexed along `axis` by `indices`,
// of shape data[:axis] ++ indices ++ data[axis+1:]. GPT-2 uses it for the
// token embedding (wte [V, D] indexed by the i64 graph input `input_ids`),
// which is why the indices may be a run-time tensor of i64 or i32. Negative
// indices count from the end of the axis (opset 13).
//
// The data is viewed as [outer, A, inner] and the output as [outer, N,
// inner] (N = number of indices); shaders/gather.comp runs one invocation per
// output element. An index outside [-A, A) is an error in ONNX; the shape
// rule rejects it when the indices are constant, and at run time (where the
// device cannot report errors) the shader writes 0 for it.
//
// Shape ranges: data and indices may have symbolic dims (token ids [1, S]
// give [1, S, 768]); constant indices are checked against the smallest
// value of a symbolic axis. Indices that are symbolic shape values are
// refused: the kernel would read their upper bounds.
//
//===----------------------------------------------------------------------===//
#include "ops/GatherKernel.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <cstring>

using namespace llvm;

namespace tlc {

namespace {
/// The [outer, A, inner] view of the data and N, the number of indices.
struct GatherView {
  int64_t axis = 0; // normalized to [0, rank)
  DimExpr outer = 1, axisLen = 1, inner = 1, count = 1;
};
} // namespace

/// The view of \p data gathered along attribute `axis` by \p indices.
/// Errors name a bad axis.
static Expected<GatherView> gatherView(const Node &node, const TensorType &data,
                                       const TensorType &indices) {
  Expected<int64_t> axisAttr = node.attrs.getInt("axis", 0);
  if (!axisAttr)
    return axisAttr.takeError();
  int64_t rank = int64_t(data.shape.size());
  if (rank == 0)
    return opError("input 0 (data) must have rank >= 1, got a scalar");
  SymShape ds = data.dims();
  Expected<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (!axis)
    return axis.takeError();
  GatherView v;
  v.axis = *axis;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < *axis)
      v.outer *= ds[i];
    else if (i == *axis)
      v.axisLen = ds[i];
    else
      v.inner *= ds[i];
  }
  v.count = indices.numElementsExpr();
  return v;
}

static Error gatherInferTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis"}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  if (Error e = checkDType(in, 0, "data", kDataDTypes))
    return e;
  const TensorType &idx = in[1].type;
  if (idx.dtype != DType::I64 && idx.dtype != DType::I32)
    return opError("input 1 (indices) has dtype " + dtypeName(idx.dtype) +
                   "; expected i64 or i32");
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<GatherView> v = gatherView(node, in[0].type, idx);
  if (!v)
    return v.takeError();
  // The kernel reads indices from their buffer, which holds a symbolic
  // shape value's upper bounds; folding reads them as numbers.
  if (!in[1].symData.empty())
    return opError("input 1 (indices) is the shape value [" +
                   symShapeStr(in[1].symData) +
                   "] with symbolic elements; indices must be constants or "
                   "a run-time tensor");
  // Constant indices are checked here (against every value of a symbolic
  // axis); run-time ones cannot be.
  if (!in[1].data.empty()) {
    unsigned width = dtypeBytes(idx.dtype);
    int64_t count = idx.numElements();
    if (in[1].data.size() != uint64_t(count) * width)
      return opError("input 1 (indices) holds " + Twine(in[1].data.size()) +
                     " bytes; expected " + Twine(count * width));
    int64_t len = v->axisLen.lowerBound();
    for (int64_t i = 0; i < count; ++i) {
      int64_t k = 0;
      if (width == 8) {
        std::memcpy(&k, in[1].data.data() + 8 * i, 8);
      } else {
        int32_t k32;
        std::memcpy(&k32, in[1].data.data() + 4 * i, 4);
        k = k32;
      }
      if (k < -len || k >= len)
        return opError("index " + Twine(k) + " (element " + Twine(i) +
                       " of input 1) is out of range for an axis of size " +
                       v->axisLen.str() +
                       (v->axisLen.isConstant() ? ""
                                                : " (at least " + Twine(len) +
                                                      ")"));
    }
  }
  SymShape ds = in[0].type.dims(), is = idx.dims(), os;
  os.append(ds.begin(), ds.begin() + v->axis);
  os.append(is.begin(), is.end());
  os.append(ds.begin() + v->axis + 1, ds.end());
  TensorType t = TensorType::withDims(in[0].type.dtype, os);
  if (Error e = checkFits32(t, "output"))
    return e;
  out.push_back(std::move(t));
  return Error::success();
}

static GatherView verifiedView(const Node &node, const TensorType &data,
                               const TensorType &indices) {
  Expected<GatherView> v = gatherView(node, data, indices);
  assert(v && "Gather node was not verified by its shape rule");
  if (!v) {
    consumeError(v.takeError());
    return GatherView{};
  }
  return *v;
}

/// Reference, for data of any dtype; out-of-range indices give 0, as on the
/// device.
static Error gatherReference(const Node &node, ArrayRef<const HostTensor *> in,
                             MutableArrayRef<HostTensor> out) {
  GatherView v = verifiedView(node, in[0]->type, in[1]->type);
  int64_t outer = v.outer.constant(), len = v.axisLen.constant(),
          inner = v.inner.constant(), count = v.count.constant();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < count; ++j) {
      int64_t k = in[1]->intAt(j);
      if (k < 0)
        k += len;
      if (k < 0 || k >= len)
        continue; // outputs are zero-filled
      for (int64_t i = 0; i < inner; ++i)
        out[0].copyElement(*in[0], (o * len + k) * inner + i,
                           (o * count + j) * inner + i);
    }
  return Error::success();
}

DispatchDesc lowerGatherKernel(const DimExpr &total, const DimExpr &axisLen,
                               const DimExpr &inner, const DimExpr &count,
                               bool idx64, uint32_t chunkTotal,
                               uint32_t chunkBegin, unsigned data,
                               unsigned indices, unsigned out) {
  // Shape ranges: the element count, the axis length, the inner size and
  // the index count are run-time values where symbolic.
  DispatchDesc g;
  g.shader = "gather";
  g.specConstants = spec::u32s(
      {0, 0, 0, 0, idx64 ? 1u : 0u, chunkTotal, chunkBegin});
  setDim(g, 0, total);
  setDim(g, 1, axisLen);
  setDim(g, 2, inner);
  setDim(g, 3, count);
  g.operands = {data, indices, out};
  g.writes = {2};
  setGrid1D(g, total, 256);
  return g;
}

static void gatherLower(const Node &node, ArrayRef<TensorType> in,
                        ArrayRef<TensorType> out,
                        const KernelTarget &target,
                        SmallVectorImpl<DispatchDesc> &d) {
  GatherView v = verifiedView(node, in[0], in[1]);
  d.push_back(lowerGatherKernel(out[0].numElementsExpr(), v.axisLen, v.inner,
                                v.count, in[1].dtype == DType::I64,
                                /*chunkTotal: the whole axis*/ 0,
                                /*chunkBegin*/ 0, 0, 1, 2));
}

const OpDef kGatherOp = withSymbolicFold(symbolicOp({"Gather",           gatherInferTypes,
                         gatherReference,    gatherLower,
                         /*memory=*/{},      /*referenceDTypes=*/kDataDTypes}), foldByElementIndex);

} // namespace tlc
