//===- ops/ScatterND.cpp - ScatterND: write slices at index tuples --------===//
//
// ONNX ScatterND (opset 16): a copy of data (rank r) with slices replaced by
// updates. indices (i64 or i32) has shape [..., k], k <= r: each index tuple
// names a slice data[i0, ..., ik-1, :, ...]; updates has shape
// indices.shape[:-1] + data.shape[k:]. Attribute reduction: none (default:
// replace; ONNX leaves duplicate tuples undefined, here the last one wins),
// add or mul. Negative indices count from the end; an index outside the dim
// is an error. Compile time only (folds): exporters build attention masks
// with it from constants (torchvision's swin_t).
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {
namespace {

Expected<std::string> reductionOf(const Node &node) {
  Expected<std::string> r = node.attrs.getString("reduction", "none");
  if (!r)
    return r.takeError();
  if (*r != "none" && *r != "add" && *r != "mul")
    return opError("attribute 'reduction' is '" + Twine(*r) +
                   "'; expected none, add or mul");
  return *r;
}

Error scatterInferTypes(const Node &node, ArrayRef<InputInfo> in,
                        SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"reduction"}))
    return e;
  if (Error e = checkInputCount(in, 3, 3))
    return e;
  if (Error e = checkDType(in, 0, "data", kDataDTypes))
    return e;
  if (Error e = checkDType(in, 1, "indices", {DType::I32, DType::I64}))
    return e;
  if (in[2].type.dtype != in[0].type.dtype)
    return opError("updates has dtype " + dtypeName(in[2].type.dtype) +
                   "; expected data's, " + dtypeName(in[0].type.dtype));
  if (Error e = reductionOf(node).takeError())
    return e;
  const TensorType &d = in[0].type, &ix = in[1].type, &u = in[2].type;
  if (!d.isStatic() || !ix.isStatic() || !u.isStatic())
    return opError("inputs must have static shapes");
  if (d.rank() < 1 || ix.rank() < 1)
    return opError("data and indices must have rank >= 1");
  int64_t k = ix.shape.back();
  if (k < 1 || k > int64_t(d.rank()))
    return opError("indices " + ix.str() + " index tuples of " + Twine(k) +
                   " entries; data " + d.str() + " has rank " +
                   Twine(d.rank()));
  Shape want(ix.shape.begin(), ix.shape.end() - 1);
  want.append(d.shape.begin() + k, d.shape.end());
  if (u.shape != want)
    return opError("updates is " + u.str() + "; expected shape [" +
                   TensorType{u.dtype, want}.shapeStr() + "]");
  out.push_back(d);
  return Error::success();
}

Error scatterReference(const Node &node, ArrayRef<const HostTensor *> in,
                       MutableArrayRef<HostTensor> out) {
  const HostTensor &data = *in[0], &idx = *in[1], &upd = *in[2];
  std::string red = verifiedValue(reductionOf(node));
  llvm::copy(data.bytes(), out[0].bytes().begin());
  const Shape &ds = data.type.shape;
  int64_t k = idx.type.shape.back();
  int64_t slice = 1;
  for (size_t i = size_t(k); i < ds.size(); ++i)
    slice *= ds[i];
  Shape strides = rowMajorStrides(ds);
  int64_t tuples = idx.numElements() / k;
  bool isFloat = data.type.dtype == DType::F32;
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t base = 0;
    for (int64_t j = 0; j < k; ++j) {
      int64_t v = idx.intAt(t * k + j), n = ds[size_t(j)];
      if (v < -n || v >= n)
        return opError("index " + Twine(v) + " of tuple " + Twine(t) +
                       " is outside dim " + Twine(j) + " of size " + Twine(n));
      base += (v < 0 ? v + n : v) * strides[size_t(j)];
    }
    for (int64_t e = 0; e < slice; ++e) {
      int64_t to = base + e, from = t * slice + e;
      if (red == "none") {
        out[0].copyElement(upd, from, to);
      } else if (isFloat) {
        float &y = out[0].f32()[to];
        y = red == "add" ? y + upd.f32()[from] : y * upd.f32()[from];
      } else {
        int64_t a = out[0].intAt(to), b = upd.intAt(from);
        out[0].setInt(to, red == "add" ? int64_t(uint64_t(a) + uint64_t(b))
                                       : int64_t(uint64_t(a) * uint64_t(b)));
      }
    }
  }
  return Error::success();
}

} // namespace

const OpDef kScatterNDOp = {"ScatterND",         scatterInferTypes,
                            scatterReference,    /*lower=*/nullptr,
                            /*memory=*/{},       /*referenceDTypes=*/kDataDTypes,
                            /*deviceDTypes=*/{}};

} // namespace tlc
