//===- ops/Shape.cpp - Shape and Size: a tensor's dims as i64 -------------===//
//
// ONNX Shape (opset 15): the dims start..end-1 of the input's shape (start
// and end count from the back when negative and are clamped to [0, rank]).
// tlc's shapes are static, so Shape always folds to a constant: its
// reference reads only the input's type. Exporters emit it at the head of
// shape-computation chains (Shape -> Gather -> Concat -> Reshape). ONNX Size
// (opset 13): the input's element count, an i64 scalar, folded the same way
// (a shape value when the input's dims are symbolic).
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

/// The [first, last) dims Shape returns for an input of rank \p rank.
static Expected<std::pair<int64_t, int64_t>> shapeRange(const Node &node,
                                                        int64_t rank) {
  Expected<int64_t> start = node.attrs.getInt("start", 0);
  if (!start)
    return start.takeError();
  Expected<int64_t> end = node.attrs.getInt("end", rank);
  if (!end)
    return end.takeError();
  auto clamp = [&](int64_t a) {
    if (a < 0)
      a += rank;
    return std::min(std::max<int64_t>(a, 0), rank);
  };
  return std::make_pair(clamp(*start), clamp(*end));
}

static Error shapeInferTypes(const Node &node, ArrayRef<InputInfo> in,
                             SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"start", "end"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  auto r = shapeRange(node, int64_t(in[0].type.shape.size()));
  if (!r)
    return r.takeError();
  if (r->second <= r->first)
    return opError("the result has shape [0]; tlc has no empty tensors");
  out.push_back(TensorType{DType::I64, {r->second - r->first}});
  return Error::success();
}

static Error shapeReference(const Node &node, ArrayRef<const HostTensor *> in,
                            MutableArrayRef<HostTensor> out) {
  const Shape &s = in[0]->type.shape;
  auto r = cantFail(shapeRange(node, int64_t(s.size())));
  for (int64_t i = r.first; i < r.second; ++i)
    out[0].setInt(i - r.first, s[size_t(i)]);
  return Error::success();
}

/// The input's dims between start and end as expressions.
static Error shapeFoldSymbolic(const Node &node, ArrayRef<SymTensor> in,
                               MutableArrayRef<SymTensor> out) {
  SymShape dims = in[0].type.dims();
  auto r = cantFail(shapeRange(node, int64_t(dims.size())));
  for (int64_t i = r.first; i < r.second; ++i)
    out[0].elems[size_t(i - r.first)] = dims[size_t(i)];
  return Error::success();
}

const OpDef kShapeOp = withSymbolicFold(symbolicOp({"Shape",
                        shapeInferTypes,
                        shapeReference,
                        /*lower=*/nullptr,
                        /*memory=*/{},
                        /*referenceDTypes=*/{DType::F32, DType::F16, DType::I32,
                                             DType::I64},
                        /*deviceDTypes=*/{},
                        /*readsTypesOnly=*/true}), shapeFoldSymbolic);

static Error sizeInferTypes(const Node &node, ArrayRef<InputInfo> in,
                            SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  out.push_back(TensorType{DType::I64, {}});
  return Error::success();
}

static Error sizeReference(const Node &, ArrayRef<const HostTensor *> in,
                           MutableArrayRef<HostTensor> out) {
  out[0].setInt(0, in[0]->type.numElements());
  return Error::success();
}

static Error sizeFoldSymbolic(const Node &, ArrayRef<SymTensor> in,
                              MutableArrayRef<SymTensor> out) {
  out[0].elems[0] = in[0].type.numElementsExpr();
  return Error::success();
}

const OpDef kSizeOp = withSymbolicFold(symbolicOp({"Size",
                       sizeInferTypes,
                       sizeReference,
                       /*lower=*/nullptr,
                       /*memory=*/{},
                       /*referenceDTypes=*/{DType::F32, DType::F16, DType::I32,
                                            DType::I64},
                       /*deviceDTypes=*/{},
                       /*readsTypesOnly=*/true}), sizeFoldSymbolic);

} // namespace tlc
