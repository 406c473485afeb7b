//===- ops/ConstantOfShape.cpp - A tensor of one value --------------------===//
//
// ONNX ConstantOfShape (opset 9): a tensor of the constant i64 shape operand
// filled with attribute 'value' (one number; 0.0f when absent). An integer
// value gives i64, or i32 when the importer marked it value_dtype = "i32".
// Compile time only (folds).
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

namespace {
struct Fill {
  DType dtype = DType::F32;
  double f = 0;
  int64_t i = 0;
};
} // namespace

static Expected<Fill> fillOf(const Node &node) {
  Fill fill;
  if (node.attrs.has("value")) {
    const AttrValue &v = node.attrs.values.at("value");
    if (auto *ints = std::get_if<std::vector<int64_t>>(&v);
        ints && ints->size() == 1) {
      fill.dtype = DType::I64;
      fill.i = (*ints)[0];
    } else if (auto *fl = std::get_if<std::vector<double>>(&v);
               fl && fl->size() == 1) {
      fill.f = (*fl)[0];
    } else {
      return opError("attribute 'value' must be a list of one number");
    }
  }
  Expected<std::string> valueDType = node.attrs.getString("value_dtype", "");
  if (!valueDType)
    return valueDType.takeError();
  if (*valueDType == "i32" && fill.dtype == DType::I64)
    fill.dtype = DType::I32;
  else if (!valueDType->empty())
    return opError("attribute 'value_dtype' must be \"i32\" with an integer "
                   "value");
  return fill;
}

static Error constantOfShapeInferTypes(const Node &node,
                                       ArrayRef<InputInfo> in,
                                       SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"value", "value_dtype"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  Expected<SymShape> dims = readDimInput(in, 0, "shape");
  if (!dims)
    return dims.takeError();
  Expected<Fill> fill = fillOf(node);
  if (!fill)
    return fill.takeError();
  for (const DimExpr &d : *dims)
    if (!d.isConstant() && d.lowerBound() < 1)
      return opError("dim " + d.str() + " can be < 1");
  TensorType t = TensorType::withDims(fill->dtype, *dims);
  Shape s = t.shape;
  if (Error e = checkedNumElements(s).takeError())
    return opError("the result has shape [" +
                   TensorType{DType::F32, s}.shapeStr() +
                   "]: " + toString(std::move(e)));
  out.push_back(t);
  return Error::success();
}

static Error constantOfShapeReference(const Node &node,
                                      ArrayRef<const HostTensor *>,
                                      MutableArrayRef<HostTensor> out) {
  Fill fill = cantFail(fillOf(node));
  for (int64_t i = 0; i < out[0].numElements(); ++i) {
    if (fill.dtype == DType::F32)
      out[0].setDouble(i, fill.f);
    else
      out[0].setInt(i, fill.i);
  }
  return Error::success();
}

const OpDef kConstantOfShapeOp = symbolicOp({"ConstantOfShape",
                                  constantOfShapeInferTypes,
                                  constantOfShapeReference,
                                  /*lower=*/nullptr,
                                  /*memory=*/{},
                                  /*referenceDTypes=*/{DType::I32, DType::I64},
                                  /*deviceDTypes=*/{}});

} // namespace tlc
