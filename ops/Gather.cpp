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
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"

#include <cstring>

using namespace llvm;

namespace tlc {

namespace {
/// The [outer, A, inner] view of the data and N, the number of indices.
struct GatherView {
  int64_t axis = 0; // normalized to [0, rank)
  int64_t outer = 1, axisLen = 1, inner = 1, count = 1;
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
  Expected<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (!axis)
    return axis.takeError();
  GatherView v;
  v.axis = *axis;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < *axis)
      v.outer *= data.shape[i];
    else if (i == *axis)
      v.axisLen = data.shape[i];
    else
      v.inner *= data.shape[i];
  }
  v.count = indices.numElements();
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
  // Constant indices are checked here; run-time ones cannot be.
  if (!in[1].data.empty()) {
    unsigned width = dtypeBytes(idx.dtype);
    if (in[1].data.size() != uint64_t(v->count) * width)
      return opError("input 1 (indices) holds " + Twine(in[1].data.size()) +
                     " bytes; expected " + Twine(v->count * width));
    for (int64_t i = 0; i < v->count; ++i) {
      int64_t k = 0;
      if (width == 8) {
        std::memcpy(&k, in[1].data.data() + 8 * i, 8);
      } else {
        int32_t k32;
        std::memcpy(&k32, in[1].data.data() + 4 * i, 4);
        k = k32;
      }
      if (k < -v->axisLen || k >= v->axisLen)
        return opError("index " + Twine(k) + " (element " + Twine(i) +
                       " of input 1) is out of range for an axis of size " +
                       Twine(v->axisLen));
    }
  }
  TensorType t;
  t.dtype = in[0].type.dtype;
  const Shape &ds = in[0].type.shape;
  t.shape.append(ds.begin(), ds.begin() + v->axis);
  t.shape.append(idx.shape.begin(), idx.shape.end());
  t.shape.append(ds.begin() + v->axis + 1, ds.end());
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
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t j = 0; j < v.count; ++j) {
      int64_t k = in[1]->intAt(j);
      if (k < 0)
        k += v.axisLen;
      if (k < 0 || k >= v.axisLen)
        continue; // outputs are zero-filled
      for (int64_t i = 0; i < v.inner; ++i)
        out[0].copyElement(*in[0], (o * v.axisLen + k) * v.inner + i,
                           (o * v.count + j) * v.inner + i);
    }
  return Error::success();
}

static void gatherLower(const Node &node, ArrayRef<TensorType> in,
                        ArrayRef<TensorType> out,
                        const KernelTarget &target,
                        SmallVectorImpl<DispatchDesc> &d) {
  GatherView v = verifiedView(node, in[0], in[1]);
  DispatchDesc g;
  g.shader = "gather";
  uint64_t total = uint64_t(out[0].numElements());
  g.specConstants =
      spec::u32s({uint32_t(total), uint32_t(v.axisLen), uint32_t(v.inner),
                  uint32_t(v.count), in[1].dtype == DType::I64 ? 1u : 0u});
  g.operands = {0, 1, 2};
  g.writes = {2};
  setGrid1D(g, total, 256);
  d.push_back(g);
}

const OpDef kGatherOp = withSymbolicFold({"Gather",           gatherInferTypes,
                         gatherReference,    gatherLower,
                         /*memory=*/{},      /*referenceDTypes=*/kDataDTypes}, foldByElementIndex);

} // namespace tlc
