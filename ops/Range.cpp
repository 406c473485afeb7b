//===- ops/Range.cpp - Range: an arithmetic sequence ----------------------===//
//
// ONNX Range (opset 11): start, start + delta, ... while before limit;
// number of elements max(ceil((limit - start) / delta), 0). start, limit and
// delta are scalars of one dtype and must be constants: the output's length
// depends on their values. Compile time only (folds).
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <cmath>
#include <string>

using namespace llvm;

namespace tlc {

static Error rangeInferTypes(const Node &node, ArrayRef<InputInfo> in,
                             SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 3, 3))
    return e;
  static const char *const names[] = {"start", "limit", "delta"};
  double v[3];
  DimExpr sym[3];
  bool symbolic = false;
  for (unsigned i = 0; i < 3; ++i) {
    if (Error e = checkDType(in, i, names[i], kDataDTypes))
      return e;
    if (in[i].type.dtype != in[0].type.dtype || in[i].type.numElements() != 1)
      return opError("start, limit and delta must be scalars of one dtype");
    if (in[i].data.size() != in[i].type.byteSize())
      return opError("input " + Twine(i) + " (" + names[i] +
                     ") must be a compile-time constant; the output's length "
                     "depends on it");
    v[i] = HostTensor::fromBytes(in[i].type, in[i].data).doubleAt(0);
    sym[i] = in[i].symData.empty() ? DimExpr(int64_t(v[i])) : in[i].symData[0];
    symbolic |= !in[i].symData.empty();
  }
  if (symbolic) {
    // Integer ranges over symbols (position ids 0..S-1): the length is
    // ceil((limit - start) / delta) for a positive constant delta.
    if (in[0].type.dtype == DType::F32 || !sym[2].isConstant() ||
        sym[2].constant() <= 0)
      return opError("a symbolic range needs integer inputs and a positive "
                     "constant delta");
    DimExpr count = ceilDiv(sym[1] - sym[0], sym[2].constant());
    if (count.lowerBound() < 1)
      return opError("the range has " + count.str() +
                     " elements, fewer than 1 for some values of the symbols");
    out.push_back(TensorType::withDims(in[0].type.dtype, {count}));
    return Error::success();
  }
  if (v[2] == 0)
    return opError("delta is 0");
  double count = std::ceil((v[1] - v[0]) / v[2]);
  if (!(count >= 1) || count > double(kMaxTensorElements))
    return opError("the range has " + std::to_string(count) +
                   " elements; expected at least 1");
  out.push_back(TensorType{in[0].type.dtype, {int64_t(count)}});
  return Error::success();
}

static Error rangeReference(const Node &, ArrayRef<const HostTensor *> in,
                            MutableArrayRef<HostTensor> out) {
  HostTensor &y = out[0];
  for (int64_t i = 0; i < y.numElements(); ++i) {
    if (y.type.dtype == DType::F32)
      y.setDouble(i, in[0]->f32()[0] + float(i) * in[2]->f32()[0]);
    else
      y.setInt(i, in[0]->intAt(0) + i * in[2]->intAt(0));
  }
  return Error::success();
}

const OpDef kRangeOp = symbolicOp({"Range",        rangeInferTypes,
                        rangeReference, /*lower=*/nullptr,
                        /*memory=*/{},  /*referenceDTypes=*/kDataDTypes,
                        /*deviceDTypes=*/{}});

} // namespace tlc
