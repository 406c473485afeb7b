//===- ops/GatherElements.cpp - GatherElements: per-element gather --------===//
//
// ONNX GatherElements (opset 13): data and indices (i64 or i32) of the same
// rank (1 to kGatherElementsMaxRank), static shapes, every dim of indices
// <= data's except along `axis`; output[i] (indices' shape) is data at i
// with coordinate `axis` replaced by indices[i]. Negative indices count from
// the end of the axis. Constant indices outside [-A, A) are refused; at run
// time (where the device cannot report an error) the shader writes 0.
// Transformers' BERT gathers its token-type buffer this way
// (torch.gather); with constant indices it folds.
// Shader: shaders/gather_elements.comp, one invocation per output element
// (f32 data, or i32 moved as the f32 build's words; i64 data folds).
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {
namespace {

constexpr unsigned kGatherElementsMaxRank = 6;

Expected<int64_t> axisOf(const Node &node, size_t rank) {
  Expected<int64_t> a = node.attrs.getInt("axis", 0);
  if (!a)
    return a.takeError();
  return normalizeAxis(*a, int64_t(rank), "axis");
}

Error gatherElementsInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis"}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  if (Error e = checkDType(in, 0, "data", kDataDTypes))
    return e;
  if (Error e = checkDType(in, 1, "indices", {DType::I32, DType::I64}))
    return e;
  const TensorType &x = in[0].type, &idx = in[1].type;
  if (!x.isStatic() || !idx.isStatic())
    return opError("data " + x.str() + " and indices " + idx.str() +
                   " must have static shapes");
  if (x.rank() < 1 || x.rank() > kGatherElementsMaxRank)
    return opError("data " + x.str() + " must have rank 1 to " +
                   Twine(kGatherElementsMaxRank));
  if (idx.rank() != x.rank())
    return opError("indices " + idx.str() + " must have the rank of data " +
                   x.str());
  Expected<int64_t> axis = axisOf(node, x.rank());
  if (!axis)
    return axis.takeError();
  for (size_t d = 0; d < x.rank(); ++d)
    if (int64_t(d) != *axis && idx.shape[d] > x.shape[d])
      return opError("indices " + idx.str() + " exceed data " + x.str() +
                     " at dim " + Twine(d) + " (not the axis, " +
                     Twine(*axis) + ")");
  if (!in[1].data.empty()) {
    HostTensor iv = HostTensor::fromBytes(idx, in[1].data);
    int64_t n = x.shape[size_t(*axis)];
    for (int64_t i = 0; i < iv.numElements(); ++i)
      if (iv.intAt(i) < -n || iv.intAt(i) >= n)
        return opError("indices[" + Twine(i) + "] is " + Twine(iv.intAt(i)) +
                       "; expected a value in [" + Twine(-n) + ", " +
                       Twine(n - 1) + "] (axis " + Twine(*axis) + " of " +
                       x.str() + ")");
  }
  TensorType t{x.dtype, idx.shape};
  if (Error e = checkFits32(t, "output"))
    return e;
  if (Error e = checkInputsFit32(in))
    return e;
  out.push_back(t);
  return Error::success();
}

Error gatherElementsReference(const Node &node, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  const HostTensor &x = *in[0], &idx = *in[1];
  size_t axis = size_t(verifiedValue(axisOf(node, x.type.rank())));
  Shape xs = rowMajorStrides(x.type.shape);
  const Shape &os = out[0].type.shape;
  Shape c(os.size(), 0);
  int64_t n = x.type.shape[axis];
  for (int64_t e = 0; e < out[0].numElements(); ++e) {
    int64_t j = idx.intAt(e);
    if (j < 0)
      j += n;
    if (j < 0 || j >= n)
      return opError("indices[" + Twine(e) + "] is " + Twine(idx.intAt(e)) +
                     "; expected a value in [" + Twine(-n) + ", " +
                     Twine(n - 1) + "]");
    int64_t src = 0;
    for (size_t d = 0; d < os.size(); ++d)
      src += (d == axis ? j : c[d]) * xs[d];
    out[0].copyElement(x, src, e);
    for (size_t d = os.size(); d-- > 0;) {
      if (++c[d] < os[d])
        break;
      c[d] = 0;
    }
  }
  return Error::success();
}

void gatherElementsLower(const Node &node, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out, const KernelTarget &,
                         SmallVectorImpl<DispatchDesc> &d) {
  const TensorType &x = in[0];
  size_t pad = kGatherElementsMaxRank - x.rank();
  size_t axis = size_t(verifiedValue(axisOf(node, x.rank())));
  Shape xs = rowMajorStrides(x.shape);
  DispatchDesc c;
  c.shader = "gather_elements";
  uint64_t n = uint64_t(out[0].numElements());
  // 0 TOTAL, 1-6 output dims, 7-12 data strides, 13 the axis' length, then
  // 14 AXIS (padded position), 15 IDX64.
  c.specConstants.push_back(spec::u32(uint32_t(n)));
  for (size_t k = 0; k < kGatherElementsMaxRank; ++k)
    c.specConstants.push_back(
        spec::u32(k < pad ? 1u : uint32_t(out[0].shape[k - pad])));
  for (size_t k = 0; k < kGatherElementsMaxRank; ++k)
    c.specConstants.push_back(spec::u32(k < pad ? 0u : uint32_t(xs[k - pad])));
  c.specConstants.push_back(spec::u32(uint32_t(x.shape[axis])));
  c.specConstants.push_back(spec::u32(uint32_t(axis + pad)));
  c.specConstants.push_back(spec::u32(in[1].dtype == DType::I64 ? 1u : 0u));
  c.operands = {0, 1, 2};
  c.writes = {2};
  setGrid1D(c, n, 256);
  d.push_back(c);
}

} // namespace

const OpDef kGatherElementsOp = {"GatherElements",
                                 gatherElementsInferTypes,
                                 gatherElementsReference,
                                 gatherElementsLower,
                                 /*memory=*/{},
                                 /*referenceDTypes=*/kDataDTypes,
                                 /*deviceDTypes=*/{DType::F32, DType::I32}};

} // namespace tlc
